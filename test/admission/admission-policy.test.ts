/* CaAdmissionPolicy: the generated MutatingAdmissionPolicy, proved offline: schema, type check with a
 * second CEL implementation, and a differential test against synth-time wiring. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Chart, Testing } from 'cdk8s';
import * as YAML from 'yaml';
import { AdmissionFailurePolicy, CaAdmissionPolicy, CaSource, CaTrust, JavaTrust, OrgCaBundle, WiringMode } from '../../src';
import { admitPod, applyConfiguration, applyJsonPatch } from '../../src/admission/evaluate';
import { admitObjects } from '../../src/cli/admit';
import { run } from '../../src/cli/main';
import { typeCheck } from '../util/cel-typecheck';
import { makeCa } from '../util/certs';
import { Kind, manifest } from '../util/fixtures';
import { expectAllValid } from '../util/schema';
import { takeWarnings } from '../util/warnings';

const ca = makeCa('admission-ca');
type Options = NonNullable<ConstructorParameters<typeof CaAdmissionPolicy>[2]['wiring']>;

function setup(wiring: Options = {}, props: Partial<ConstructorParameters<typeof CaAdmissionPolicy>[2]> = {}, useDefaultCAs = false) {
  const chart = new Chart(Testing.app(), 'c', { namespace: 'platform' });
  const bundle = new OrgCaBundle(chart, 'ca', { source: CaSource.fromPem(ca.certPem), printWarnings: false, trustManager: { useDefaultCAs } });
  new CaAdmissionPolicy(chart, 'policy', { bundle, kubernetesVersion: '1.36', wiring, ...props });
  const objs = Testing.synth(chart);
  return {
    bundle,
    objs,
    policy: objs.find(o => o.kind === 'MutatingAdmissionPolicy'),
    binding: objs.find(o => o.kind === 'MutatingAdmissionPolicyBinding'),
  };
}

/** Pod layouts the differential test covers. */
const LAYOUTS: Record<string, any> = {
  'one container': { containers: [{ name: 'app', image: 'python:3.12' }] },
  'env, mounts and volumes of its own, two containers': {
    containers: [
      { name: 'app', image: 'python:3.12', env: [{ name: 'KEEP', value: 'me' }], volumeMounts: [{ name: 'data', mountPath: '/data' }] },
      { name: 'side', image: 'nginx:1.27', args: ['--port', '8080'] },
    ],
    volumes: [{ name: 'data', emptyDir: {} }],
  },
  'a shell-less first container': { containers: [{ name: 'proxy', image: 'gcr.io/distroless/static:nonroot' }, { name: 'app', image: 'alpine:3.20' }] },
  'the pod\'s own user, non-root and seccomp': {
    securityContext: { runAsUser: 1000, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
    containers: [{ name: 'app', image: 'python:3.12' }],
  },
  'only runAsNonRoot on the pod': { securityContext: { runAsNonRoot: true }, containers: [{ name: 'app', image: 'python:3.12' }] },
  'init containers of its own': {
    initContainers: [{ name: 'fetch', image: 'curlimages/curl:8', command: ['curl', 'https://example.com'] }, { name: 'migrate', image: 'app:1' }],
    containers: [{ name: 'app', image: 'app:1' }],
  },
  'a container that runs update-ca-certificates': {
    containers: [{ name: 'app', image: 'debian:12', command: ['sh', '-c', 'update-ca-certificates && exec app'] }, { name: 'side', image: 'debian:12' }],
  },
  'a mount of its own at a system bundle path': {
    containers: [{ name: 'app', image: 'debian:12', volumeMounts: [{ name: 'mine', mountPath: '/etc/ssl/cert.pem', subPath: 'ca.pem' }] }],
    volumes: [{ name: 'mine', configMap: { name: 'mine' } }],
  },
};
const KINDS: Kind[] = ['Pod', 'Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob'];
const WIRINGS: Record<string, { wiring: Options; useDefaultCAs?: boolean }> = {
  'merge (defaults)': { wiring: {} },
  'merge with the overlay': { wiring: { systemBundleOverlay: true } },
  'direct with the overlay': { wiring: { mode: WiringMode.DIRECT, systemBundleOverlay: true }, useDefaultCAs: true },
  'a fixed image, other variables, no rotation annotation': { wiring: { image: 'registry.example.com/busybox:1.36', variables: ['SSL_CERT_FILE', 'REQUESTS_CA_BUNDLE'], rotationAnnotation: false } },
  'openShift, one container named': { wiring: { openShift: true, containers: ['app'] } },
};

/** The pod template of a synth-wired manifest, as the pod its controller creates. */
function templateOf(obj: any): any {
  if (obj.kind === 'Pod') return { metadata: obj.metadata, spec: obj.spec };
  if (obj.kind === 'CronJob') return obj.spec.jobTemplate.spec.template;
  return obj.spec.template;
}

describe('CaAdmissionPolicy', () => {
  test('the policy and binding validate against the admissionregistration OpenAPI (unknown fields rejected), cluster-scoped, safe by default', () => {
    const { objs, policy, binding } = setup();
    expectAllValid(objs);
    expect(policy.apiVersion).toBe('admissionregistration.k8s.io/v1');
    expect(policy.metadata.namespace).toBeUndefined();
    expect(binding.metadata.namespace).toBeUndefined();
    expect(policy.spec.failurePolicy).toBe('Ignore');
    expect(policy.spec.reinvocationPolicy).toBe('IfNeeded');
    expect(policy.spec.matchConstraints.resourceRules).toEqual([{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'] }]);
    expect(policy.spec.matchConstraints.namespaceSelector.matchExpressions).toEqual([{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system', 'kube-public', 'kube-node-lease', 'cert-manager'] }]);
    expect(policy.spec.matchConstraints.objectSelector.matchExpressions).toEqual([{ key: 'cdk8s-org-ca/skip', operator: 'NotIn', values: ['true'] }]);
    expect(binding.spec).toEqual({ policyName: 'org-ca-trust' });
    // the script is in the policy itself, never in a namespace object
    expect(JSON.stringify(policy.spec.variables)).toContain('merge-ca-bundle');
    expect(() => expectAllValid([{ ...policy, spec: { ...policy.spec, mutation: [] } }])).toThrow(/mutation/);
  });

  test('every expression type-checks in a second CEL implementation (homogeneous literals, overloads), for every wiring', () => {
    for (const [name, w] of Object.entries(WIRINGS)) {
      const { policy } = setup(w.wiring, {}, w.useDefaultCAs);
      const exprs = [
        ...policy.spec.matchConditions.map((m: any) => ({ where: `${name}: matchCondition ${m.name}`, expr: m.expression })),
        ...policy.spec.variables.map((v: any) => ({ where: `${name}: variable ${v.name}`, expr: v.expression })),
        { where: `${name}: mutation`, expr: policy.spec.mutations[0].jsonPatch.expression },
      ];
      const results = typeCheck(exprs);
      expect(results.filter(r => !r.valid)).toEqual([]);
      expect(results.filter(r => r.where.includes('matchCondition')).every(r => r.type === 'bool')).toBe(true);
    }
    // the check is real: a heterogeneous literal and a wrong overload are refused
    const bad = typeCheck([{ where: 'mixed', expr: '{"a": 1, "b": "x"}' }, { where: 'overload', expr: '"a".startsWith(1)' }]);
    expect(bad.map(r => r.valid)).toEqual([false, false]);
  });

  describe('differential: the pod the policy admits equals the pod wired at synth time, field for field', () => {
    for (const [wname, w] of Object.entries(WIRINGS)) {
      for (const [lname, spec] of Object.entries(LAYOUTS)) {
        test(`${wname}; ${lname}; every workload kind`, () => {
          const { bundle, policy, binding } = setup(w.wiring, {}, w.useDefaultCAs);
          for (const kind of KINDS) {
            const input = manifest(kind, 'web', JSON.parse(JSON.stringify(spec)), 'apps');
            const synth = CaTrust.wireManifests([JSON.parse(JSON.stringify(input))], bundle, w.wiring).manifests[0];
            takeWarnings();
            const wanted = templateOf(synth);
            const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { ...templateOf(input).metadata, name: 'web-x', namespace: 'apps' }, spec: templateOf(input).spec };
            const admitted = admitPod(policy, binding, pod, {});
            expect({ kind, outcome: admitted.outcome }).toEqual({ kind, outcome: 'mutated' });
            expect({ kind, spec: admitted.pod.spec }).toEqual({ kind, spec: wanted.spec });
            // a Job's pods carry the rotation annotation too: at synth time it is on the Job (its template is immutable)
            const notes = ['Job', 'CronJob'].includes(kind) ? { ...wanted.metadata?.annotations, ...synth.metadata.annotations, ...(synth.spec.jobTemplate?.metadata?.annotations ?? {}) } : wanted.metadata?.annotations;
            const expected = notes && Object.keys(notes).length ? notes : undefined;
            expect({ kind, annotations: admitted.pod.metadata.annotations }).toEqual({ kind, annotations: expected });
            // idempotent: admitting the admitted pod again changes nothing
            expect(admitPod(policy, binding, admitted.pod, {}).pod).toEqual(admitted.pod);
          }
        });
      }
    }
  });

  test('left alone: wired at synth time, opted out (annotation or label), Windows, a mount where the CA goes, too many containers, a name clash', () => {
    const { bundle, policy, binding } = setup();
    const base = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'apps' }, spec: { containers: [{ name: 'app', image: 'python:3.12' }] } };
    const synthWired = CaTrust.wireManifests([JSON.parse(JSON.stringify(base))], bundle).manifests[0];
    const outcome = (pod: any) => admitPod(policy, binding, pod, {}).outcome;
    expect(outcome(synthWired)).toBe('skipped: matchCondition "not-wired-yet" is false');
    expect(outcome({ ...base, metadata: { ...base.metadata, annotations: { 'cdk8s-org-ca/skip': 'true' } } })).toBe('skipped: matchCondition "not-opted-out" is false');
    expect(outcome({ ...base, metadata: { ...base.metadata, labels: { 'cdk8s-org-ca/skip': 'true' } } })).toBe('not matched: the pod\'s labels are not selected');
    expect(outcome({ ...base, spec: { ...base.spec, nodeSelector: { 'kubernetes.io/os': 'windows' } } })).toBe('skipped: matchCondition "not-windows" is false');
    expect(outcome({ ...base, spec: { ...base.spec, os: { name: 'windows' } } })).toBe('skipped: matchCondition "not-windows" is false');
    expect(outcome({ ...base, spec: { containers: [{ name: 'app', image: 'x', volumeMounts: [{ name: 'v', mountPath: '/etc/org-ca' }] }], volumes: [{ name: 'v', emptyDir: {} }] } })).toBe('skipped: matchCondition "no-mount-where-the-ca-goes" is false');
    expect(outcome({ ...base, spec: { containers: Array.from({ length: 9 }, (_, i) => ({ name: `c${i}`, image: 'x' })) } })).toBe('skipped: matchCondition "at-most-max-containers" is false');
    expect(outcome({ ...base, spec: { initContainers: [{ name: 'merge-ca-bundle', image: 'x' }], containers: base.spec.containers } })).toBe('skipped: matchCondition "no-container-named-like-ours" is false');
    expect(outcome({ ...base, spec: { containers: [{ name: 'app', image: 'gcr.io/distroless/static' }] } })).toBe('skipped: matchCondition "an-image-with-a-shell" is false');
    expect(outcome({ ...base, metadata: { ...base.metadata, namespace: 'kube-system' } })).toBe('not matched: namespace "kube-system" is not selected');
  });

  test('a container that sets a CA variable itself keeps it; the merge image annotation wins; the overlay annotation turns it on', () => {
    const { policy, binding } = setup();
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'apps', annotations: { 'cdk8s-org-ca/merge-image': 'registry.example.com/busybox:1.36', 'cdk8s-org-ca/system-bundle-overlay': 'true' } },
      spec: { containers: [{ name: 'app', image: 'python:3.12', env: [{ name: 'SSL_CERT_FILE', value: '/mine.pem' }] }] },
    };
    const r = admitPod(policy, binding, pod, {});
    const c = r.pod.spec.containers[0];
    expect(c.env.filter((e: any) => e.name === 'SSL_CERT_FILE')).toEqual([{ name: 'SSL_CERT_FILE', value: '/mine.pem' }]);
    expect(c.env.find((e: any) => e.name === 'REQUESTS_CA_BUNDLE').value).toBe('/etc/org-ca/bundle.pem');
    expect(r.pod.spec.initContainers[0].image).toBe('registry.example.com/busybox:1.36');
    expect(c.volumeMounts.some((m: any) => m.mountPath === '/etc/ssl/certs/ca-certificates.crt')).toBe(true);
  });

  test('selection: namespaces, namespace labels and pod labels; the control plane only when named', () => {
    const { policy, binding } = setup({}, { namespaces: ['jupyter-alice', 'kube-system'], namespaceLabels: { 'org-ca/inject': 'true' }, podLabels: { component: 'singleuser-server' } });
    const pod = (ns: string, labels: any = { component: 'singleuser-server' }) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: ns, labels }, spec: { containers: [{ name: 'c', image: 'jupyter/base' }] } });
    expect(admitPod(policy, binding, pod('jupyter-alice'), { 'org-ca/inject': 'true' }).mutated).toBe(true);
    expect(admitPod(policy, binding, pod('kube-system'), { 'org-ca/inject': 'true' }).mutated).toBe(true);
    expect(admitPod(policy, binding, pod('jupyter-alice'), {}).outcome).toMatch(/namespace "jupyter-alice" is not selected/);
    expect(admitPod(policy, binding, pod('other'), { 'org-ca/inject': 'true' }).mutated).toBe(false);
    expect(admitPod(policy, binding, pod('jupyter-alice', { component: 'hub' }), { 'org-ca/inject': 'true' }).mutated).toBe(false);
  });

  test('failurePolicy: Ignore leaves the pod as it was on a policy error; Fail refuses it', () => {
    const { policy, binding } = setup();
    const broken = JSON.parse(JSON.stringify(policy));
    broken.spec.variables.find((v: any) => v.name === 'mergeImage').expression = 'object.spec.nothing.here';
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'apps' }, spec: { containers: [{ name: 'c', image: 'python:3.12' }] } };
    const ignored = admitPod(broken, binding, pod, {});
    expect(ignored.mutated).toBe(false);
    expect(ignored.pod).toEqual(pod);
    expect(ignored.outcome).toMatch(/^error, ignored \(failurePolicy Ignore\): variable "mergeImage"/);
    const failing = { ...broken, spec: { ...broken.spec, failurePolicy: 'Fail' } };
    expect(() => admitPod(failing, binding, pod, {})).toThrow(/the pod is refused \(failurePolicy Fail\): variable "mergeImage"/);
    expect(setup({}, { failurePolicy: AdmissionFailurePolicy.FAIL }).policy.spec.failurePolicy).toBe('Fail');
  });

  test('version gate: v1 from 1.36, v1beta1 on 1.34–1.35 only with allowBeta (warning naming the gate), refused below; java refused; enabled: false', () => {
    const chart = new Chart(Testing.app(), 'c');
    const bundle = new OrgCaBundle(chart, 'ca', { source: CaSource.fromPem(ca.certPem), printWarnings: false });
    expect(() => new CaAdmissionPolicy(chart, 'a', { bundle, kubernetesVersion: '1.35' })).toThrow(/on Kubernetes 1.35 MutatingAdmissionPolicy is admissionregistration.k8s.io\/v1beta1, off by default; set allowBeta: true/);
    expect(() => new CaAdmissionPolicy(chart, 'b', { bundle, kubernetesVersion: '1.33', allowBeta: true })).toThrow(/Kubernetes 1.33 has MutatingAdmissionPolicy only as alpha/);
    expect(() => new CaAdmissionPolicy(chart, 'c', { bundle, kubernetesVersion: 'latest' })).toThrow(/is not a Kubernetes version/);
    new CaAdmissionPolicy(chart, 'd', { bundle, kubernetesVersion: '1.34', allowBeta: true, name: 'beta' });
    expect(takeWarnings()).toEqual([expect.stringMatching(/v1beta1 for Kubernetes 1.34: the API server needs the MutatingAdmissionPolicy feature gate/)]);
    const objs = Testing.synth(chart).filter(o => o.apiVersion?.startsWith('admissionregistration'));
    expect(objs.map(o => o.apiVersion)).toEqual(['admissionregistration.k8s.io/v1beta1', 'admissionregistration.k8s.io/v1beta1']);
    expectAllValid(objs);
    expect(() => new CaAdmissionPolicy(chart, 'e', { bundle, kubernetesVersion: '1.36', wiring: { java: JavaTrust.keytoolImport() } })).toThrow(/java is not supported at admission/);
    new CaAdmissionPolicy(chart, 'f', { bundle, kubernetesVersion: '1.36', enabled: false, name: 'off' });
    expect(Testing.synth(chart).filter(o => o.metadata?.name === 'off')).toEqual([]);
  });

  test('ApplyConfiguration and Object constructors, as KEP-3962 specifies: associative lists merged by key, atomic lists replaced', () => {
    const policy = (expression: string, patchType = 'ApplyConfiguration') => ({
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'MutatingAdmissionPolicy',
      metadata: { name: 'kep' },
      spec: {
        matchConstraints: { resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'] }] },
        mutations: [patchType === 'JSONPatch' ? { patchType, jsonPatch: { expression } } : { patchType, applyConfiguration: { expression } }],
      },
    });
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'apps' },
      spec: {
        initContainers: [{ name: 'setup', image: 'setup:1' }],
        containers: [{ name: 'app', image: 'app:1', args: ['--a'], env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }], ports: [{ containerPort: 80 }] }],
      },
    };
    // the KEP's sidecar example: a new init container, appended by name
    const sidecar = admitPod(policy('Object{spec: Object.spec{initContainers: [Object.spec.initContainers{name: "mesh-proxy", image: "mesh/proxy:v1.0.0", args: ["proxy", "sidecar"], restartPolicy: "Always"}]}}'), { spec: { policyName: 'kep' } }, pod, {});
    expect(sidecar.pod.spec.initContainers).toEqual([{ name: 'setup', image: 'setup:1' }, { name: 'mesh-proxy', image: 'mesh/proxy:v1.0.0', args: ['proxy', 'sidecar'], restartPolicy: 'Always' }]);
    // an existing container merged by name: env merged by name (B changed, C appended), args replaced whole, the rest kept
    const merged = admitPod(policy('Object{spec: Object.spec{containers: [Object.spec.containers{name: "app", args: ["--b"], env: [Object.spec.containers.env{name: "B", value: "20"}, Object.spec.containers.env{name: "C", value: "3"}]}]}}'), undefined, pod, {});
    expect(merged.pod.spec.containers).toEqual([{ name: 'app', image: 'app:1', args: ['--b'], env: [{ name: 'A', value: '1' }, { name: 'B', value: '20' }, { name: 'C', value: '3' }], ports: [{ containerPort: 80 }] }]);
    // an Object construction as a JSONPatch value (the API reference's example)
    const selector = admitPod(policy('[JSONPatch{op: "add", path: "/metadata/labels", value: Object.metadata.labels{environment: "test"}}]', 'JSONPatch'), undefined, pod, {});
    expect(selector.pod.metadata.labels).toEqual({ environment: 'test' });
    expect(applyConfiguration({ a: 1, b: { c: 2, d: 3 } }, { b: { c: null, e: 4 } })).toEqual({ a: 1, b: { d: 3, e: 4 } });
    expect(applyConfiguration({ ports: [{ containerPort: 80 }, { containerPort: 53, protocol: 'UDP' }] }, { ports: [{ containerPort: 80, protocol: 'TCP', name: 'http' }] }))
      .toEqual({ ports: [{ containerPort: 80, name: 'http', protocol: 'TCP' }, { containerPort: 53, protocol: 'UDP' }] });
  });

  test('JSON Patch as RFC 6902 says: add, remove, replace, move, copy, test; errors by name', () => {
    const doc = { a: [1, 2], b: { c: 'x' } };
    expect(applyJsonPatch(doc, [{ op: 'add', path: '/a/1', value: 9 }, { op: 'add', path: '/a/-', value: 3 }, { op: 'replace', path: '/b/c', value: 'y' }, { op: 'copy', from: '/b', path: '/d' }, { op: 'move', from: '/d/c', path: '/e' }, { op: 'remove', path: '/a/0' }, { op: 'test', path: '/e', value: 'y' }]))
      .toEqual({ a: [9, 2, 3], b: { c: 'y' }, d: {}, e: 'y' });
    expect(doc).toEqual({ a: [1, 2], b: { c: 'x' } });
    expect(() => applyJsonPatch(doc, [{ op: 'add', path: '/x/y', value: 1 }])).toThrow(/"x" does not exist/);
    expect(() => applyJsonPatch(doc, [{ op: 'test', path: '/b/c', value: 'z' }])).toThrow(/test failed/);
    expect(() => applyJsonPatch({ 'a/b': { '~': 1 } }, [{ op: 'replace', path: '/a~1b/~0', value: 2 }])).not.toThrow();
  });

  test('the command: admit --policy FILE reads pods and workloads, prints the admitted pods, one line each on stderr', () => {
    const { objs } = setup();
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'admit-')), 'policy.yaml');
    fs.writeFileSync(file, objs.map(o => YAML.stringify(o)).join('---\n'));
    const input = [manifest('Deployment', 'web', { containers: [{ name: 'app', image: 'python:3.12' }] }, 'apps'), { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'kube-system' }, spec: { containers: [{ name: 'c', image: 'x' }] } }];
    let out = '';
    const errs: string[] = [];
    const code = run(['admit', '--policy', file, '-'], () => input.map(o => YAML.stringify(o)).join('---\n'), s => {
      out += s;
    }, l => errs.push(l));
    expect(code).toBe(0);
    const pods = YAML.parseAllDocuments(out).map(d => d.toJSON());
    expect(pods.map(p => `${p.metadata.namespace}/${p.metadata.name} ${p.spec.initContainers?.length ?? 0}`)).toEqual(['apps/web 1', 'kube-system/p 0']);
    expect(errs).toEqual([
      'cdk8s-org-ca admit: Deployment apps/web at /spec/template: org-ca-trust: mutated',
      'cdk8s-org-ca admit: Pod kube-system/p: org-ca-trust: not matched: namespace "kube-system" is not selected',
    ]);
    expectAllValid(pods);
    expect(() => admitObjects([], [])).toThrow(/no MutatingAdmissionPolicy/);
  });
});
