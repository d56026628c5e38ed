/* `cdk8s-org-ca audit`: pod lists shaped like real `kubectl get pods -A -o json` output (managed
 * fields, status, owner references), read offline; every container that will not trust the org CA
 * is reported with its reason. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Chart, Testing } from 'cdk8s';
import * as YAML from 'yaml';
import { CaSource, CaTrust, JavaTrust, OrgCaBundle } from '../../src';
import { run } from '../../src/cli/main';
import { makeCa } from '../util/certs';
import { manifest, podSpec } from '../util/fixtures';

const ca = makeCa('audit-ca');
const other = makeCa('audit-other-ca');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-'));
const CA = path.join(dir, 'ca.pem');
fs.writeFileSync(CA, ca.certPem);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A pod as the API server returns it: generated name, owner, managed fields, status. */
function livePod(namespace: string, name: string, template: any, phase = 'Running'): any {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${name}-7d9c8b6f5-x2k4q`,
      generateName: `${name}-7d9c8b6f5-`,
      namespace,
      uid: '0b6c7a3e-7f7e-4f0e-9d8c-1c2b3a4d5e6f',
      resourceVersion: '123456',
      creationTimestamp: '2026-11-27T10:00:00Z',
      labels: { ...(template.metadata?.labels ?? {}), 'pod-template-hash': '7d9c8b6f5' },
      annotations: template.metadata?.annotations,
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${name}-7d9c8b6f5`, uid: 'a1b2', controller: true, blockOwnerDeletion: true }],
      managedFields: [{ manager: 'kube-controller-manager', operation: 'Update', apiVersion: 'v1', time: '2026-11-27T10:00:00Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': {} } }],
    },
    spec: { ...template.spec, nodeName: 'node-1', serviceAccountName: 'default', restartPolicy: 'Always', dnsPolicy: 'ClusterFirst' },
    status: { phase, podIP: '10.0.0.12', conditions: [{ type: 'Ready', status: 'True' }], containerStatuses: [{ name: 'app', ready: true, restartCount: 0 }] },
  };
}

/** The pod template of a Deployment wired by the library with `options`. */
function wiredTemplate(name: string, containers: any[], options: Parameters<typeof CaTrust.wireManifests>[2] = {}, pem = ca.certPem): any {
  const bundle = new OrgCaBundle(new Chart(Testing.app(), 'c'), 'ca', { source: CaSource.fromPem(pem), printWarnings: false });
  const { manifests } = CaTrust.wireManifests([manifest('Deployment', name, podSpec({ containers }), 'apps')], bundle, options);
  return manifests[0].spec.template;
}

function auditOf(items: any[], ...args: string[]) {
  let out = '';
  const errs: string[] = [];
  const input = JSON.stringify({ apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '' }, items });
  const code = run(['audit', ...args, '-'], () => input, s => {
    out += s;
  }, l => errs.push(l));
  return { code, out, errs };
}

const bundleConfigMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'org-ca-bundle', namespace: 'apps' }, data: { 'ca-certificates.crt': ca.certPem } };

describe('audit', () => {
  test('a wired pod passes; an unwired one, a variable at an unmounted file, an unwritten merged volume and a JVM without a store are each reported', () => {
    const good = livePod('apps', 'good', wiredTemplate('good', [{ name: 'app', image: 'python:3.12' }]));
    const bare = livePod('apps', 'bare', { spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } });
    const stray = livePod('apps', 'stray', { spec: { containers: [{ name: 'app', image: 'python:3.12', env: [{ name: 'SSL_CERT_FILE', value: '/etc/org-ca/bundle.pem' }] }] } });
    // the merged emptyDir without the merge init container (someone deleted it by hand)
    const t = wiredTemplate('nomerge', [{ name: 'app', image: 'python:3.12' }]);
    t.spec.initContainers = [];
    const nomerge = livePod('apps', 'nomerge', t);
    const jvm = livePod('apps', 'jvm', wiredTemplate('jvm', [{ name: 'api', image: 'eclipse-temurin:21-jre' }]));
    const r = auditOf([good, bare, stray, nomerge, jvm, bundleConfigMap], '--json');
    expect(r.code).toBe(3);
    const report = JSON.parse(r.out);
    const by = (o: string) => report.findings.filter((f: any) => f.object.startsWith(`Pod/${o}-`)).map((f: any) => `${f.container} ${f.problem}`);
    expect(by('good')).toEqual([]);
    expect(by('bare')).toEqual(['web no-ca-variable']);
    expect(by('stray')).toEqual(['app unmounted-file']);
    expect(new Set(by('nomerge'))).toEqual(new Set(['app merged-volume-unwritten']));
    expect(by('jvm')).toEqual(['api java-without-truststore']);
    expect(report.checked).toEqual({ pods: 5, containers: 5 });
    // the same pod wired with java: JavaTrust.keytoolImport() is fine
    const jvmOk = livePod('apps', 'jvmok', wiredTemplate('jvmok', [{ name: 'api', image: 'eclipse-temurin:21-jre' }], { java: JavaTrust.keytoolImport() }));
    expect(auditOf([jvmOk, bundleConfigMap]).code).toBe(0);
  });

  test('the bundle ConfigMap absent (given the ConfigMaps), and a pod wired with an older bundle (with --ca): reported', () => {
    const pod = livePod('apps', 'api', wiredTemplate('api', [{ name: 'app', image: 'python:3.12' }]));
    expect(auditOf([pod]).code).toBe(0); // no ConfigMaps in the input: presence not judged
    const absent = JSON.parse(auditOf([pod, { ...bundleConfigMap, metadata: { name: 'something-else', namespace: 'apps' } }], '--json').out);
    expect(absent.findings.map((f: any) => f.problem)).toContain('bundle-absent');
    expect(absent.findings.find((f: any) => f.problem === 'bundle-absent').detail).toMatch(/ConfigMap apps\/org-ca-bundle .* does not exist: the file is missing; the merge \(merge-ca-bundle\) falls back to the image's system bundle only/);
    const old = livePod('apps', 'old', wiredTemplate('old', [{ name: 'app', image: 'python:3.12' }], {}, other.certPem));
    const rotated = JSON.parse(auditOf([old, bundleConfigMap], '--ca', CA, '--json').out);
    expect(rotated.findings.map((f: any) => `${f.container} ${f.problem}`)).toEqual(['- rotation-pending']);
    expect(rotated.findings[0].detail).toMatch(/wired with bundle [0-9a-f]{16}, the current one is [0-9a-f]{16}: roll the workload/);
    expect(auditOf([pod, bundleConfigMap], '--ca', CA).code).toBe(0);
  });

  test('skips finished pods, the control plane\'s namespaces (unless named) and opted-out pods; the table says so', () => {
    const bare = { spec: { containers: [{ name: 'web', image: 'nginx' }] } };
    const done = livePod('apps', 'job', bare, 'Succeeded');
    const system = livePod('kube-system', 'coredns', bare);
    const optedOut = livePod('apps', 'out', { metadata: { annotations: { 'cdk8s-org-ca/skip': 'true' } }, spec: bare.spec });
    const r = auditOf([done, system, optedOut]);
    expect(r.code).toBe(0);
    expect(r.out).toBe('0 pod(s), 0 container(s) checked, 0 problem(s); skipped: 1 in other namespaces (the control plane\'s unless --namespace names them), 1 finished pod(s), 1 opted out (cdk8s-org-ca/skip)\n');
    const named = auditOf([system], '--namespace', 'kube-system');
    expect(named.code).toBe(3);
    expect(named.out.split('\n')[0]).toMatch(/^NAMESPACE\s+OBJECT\s+CONTAINER\s+PROBLEM\s+DETAIL$/);
    expect(named.out).toMatch(/kube-system\s+Pod\/coredns-7d9c8b6f5-x2k4q\s+web\s+no-ca-variable\s+no CA variable/);
  });

  test('YAML input (kubectl -o yaml) and a stream of workloads read the same', () => {
    const d = manifest('Deployment', 'web', podSpec({ containers: [{ name: 'web', image: 'nginx' }] }), 'apps');
    let out = '';
    const code = run(['audit', '-'], () => YAML.stringify(d), s => {
      out += s;
    }, () => undefined);
    expect(code).toBe(3);
    expect(out).toMatch(/apps\s+Deployment\/web\s+web\s+no-ca-variable/);
  });

  test('--ca reports certificates that expire within --expiry-days; bad input and usage are refused by name', () => {
    const soon = path.join(dir, 'soon.pem');
    fs.writeFileSync(soon, makeCa('audit-soon', { days: 10 }).certPem);
    const r = auditOf([], '--ca', soon, '--json');
    expect(r.code).toBe(3);
    expect(JSON.parse(r.out).findings).toEqual([expect.objectContaining({ object: 'org CA', problem: 'ca-expiry', detail: expect.stringMatching(/expires on .* in \d day\(s\)/) })]);
    expect(auditOf([], '--ca', soon, '--expiry-days', '5').code).toBe(0);
    expect(auditOf([], '--expiry-days', '5').errs.join('\n')).toMatch(/--expiry-days needs --ca FILE/);
    const bad = run(['audit', '-'], () => '{"items": [', () => undefined, () => undefined);
    expect(bad).toBe(1);
  });
});
