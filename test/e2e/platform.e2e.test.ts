import * as fs from 'node:fs';
import * as path from 'node:path';
import { ApiObject, Chart, Testing } from 'cdk8s';
import * as YAML from 'yaml';
import { clusterState, clusterTrustBundles, ClusterTrustBundles, hubPod, NO_ORG_CA, podsOf, problems, PodRun, runPod, singleuserPod, startServers } from './pod-runner';
import { buildPlatform, IMAGES } from '../../examples/platform';
import { CaSource, CaTrust, JavaTrust, KeycloakTruststore, MergedCaInitContainer, OrgCaBundle, TrustVerificationJob } from '../../src';
import { admitPod } from '../../src/admission/evaluate';
import { run as runCli } from '../../src/cli/main';
import { FIXTURE_DIR, fingerprintOf, fingerprintsIn, makeCa, makeLeaf } from '../util/certs';
import { manifest, podSpec } from '../util/fixtures';
import { cleanupSandboxes, hostDir, LAYOUTS, requireSandbox, runInImage } from '../util/sandbox';
import { eachOrSkip, requireTools } from '../util/tools';

const enabled = requireSandbox('end-to-end pod tests');
/** The Debian-style layout runs the scripts with dash. */
const debian = enabled && requireTools('end-to-end tests on the debian image layout', [LAYOUTS.debian.shell]);
const d = debian ? describe : describe.skip;

const orgCa = makeCa('e2e-org-root');
const publicRoot = makeCa('e2e-public-root', { alg: 'rsa' });
const orgLeaf = makeLeaf(orgCa, 'e2e-org-server');
const publicLeaf = makeLeaf(publicRoot, 'e2e-public-server');
const NAMESPACES = ['argocd', 'keycloak', 'ray', 'apps', 'payments', 'direct', 'ctb', 'jupyterhub', 'default'];
/** The example's OpenShift namespace: its pods run as an SCC-assigned UID with GID 0. */
const OPENSHIFT_UID: Record<string, number> = { payments: 1000710000 };
const REPORT = path.join(__dirname, '..', '..', 'test-reports', 'e2e-report.json');

let servers: Awaited<ReturnType<typeof startServers>>;
const allRuns: Array<PodRun & { layout: string }> = [];

beforeAll(async () => {
  if (debian) servers = await startServers(orgLeaf, publicLeaf);
});
afterAll(async () => {
  await servers?.close();
  cleanupSandboxes();
  fs.mkdirSync(path.dirname(REPORT), { recursive: true });
  fs.writeFileSync(REPORT, JSON.stringify(allRuns, null, 2));
});

function platformObjects() {
  const caFile = path.join(FIXTURE_DIR, 'e2e-org-bundle.pem');
  fs.writeFileSync(caFile, orgCa.certPem);
  const app = Testing.app();
  const files = buildPlatform(app, caFile);
  const objs = app.charts.flatMap(c => Testing.synth(c));
  return { objs, values: YAML.parse(files['jupyterhub.values.yaml']) };
}

async function run(pod: any, layoutName: keyof typeof LAYOUTS, cluster: any, assignedUid?: number, ctbs?: ClusterTrustBundles) {
  const layout = LAYOUTS[layoutName];
  const r = await runPod(pod, {
    layout,
    systemPem: publicRoot.certPem,
    cluster,
    ctbs,
    endpoints: servers.endpoints,
    systemBundlePath: layout.systemBundlePaths[0] ?? NO_ORG_CA,
    assignedUid,
  });
  allRuns.push({ ...r, layout: layoutName });
  return r;
}


d('example platform: every wired pod trusts the org CA and the public roots (Debian-style image)', () => {
  const { objs, values } = platformObjects();
  // trust-manager's default CA package (useDefaultCAs) stands for the public roots: the test's public root
  const cluster = clusterState(objs, NAMESPACES, publicRoot.certPem);
  const ctbs = clusterTrustBundles(objs);
  const pods = [...podsOf(objs), singleuserPod(values, 'jupyterhub'), hubPod(values, 'jupyterhub', IMAGES.hub)];

  test('the example has the pods the table lists', () => {
    expect(pods.map(p => p.id)).toEqual(expect.arrayContaining([
      'Deployment argocd/argocd-repo-server at /spec/template',
      'StatefulSet keycloak/keycloak at /spec/template',
      'RayCluster ray/analytics at /spec/headGroupSpec/template',
      'RayCluster ray/analytics at /spec/workerGroupSpecs/0/template',
      'RayCluster ray/analytics at /spec/workerGroupSpecs/1/template',
      'Deployment apps/api at /spec/template',
      'Job apps/migrate at /spec/template',
      'CronJob apps/report at /spec/jobTemplate/spec/template',
      'Deployment payments/ledger at /spec/template',
      'Deployment direct/web at /spec/template',
      'Deployment ctb/worker at /spec/template',
      'z2jh singleuser jupyterhub/jupyter-user',
      'z2jh hub jupyterhub/hub',
    ]));
  });

  test.each(pods.filter(p => !p.id.startsWith('StatefulSet keycloak')).map(p => [p.id, p]))('%s', async (_id, pod) => {
    const r = await run(pod, 'debian', cluster, OPENSHIFT_UID[pod.namespace], ctbs);
    expect(problems(r)).toEqual([]);
    // every container with CA variables ran clients; at least python/curl/git/openssl per wired container
    expect(r.results.length).toBeGreaterThanOrEqual(6);
    if (pod.namespace === 'direct') {
      expect(r.initLogs).toEqual([]); // direct mode: no init container
      return;
    }
    expect(r.initLogs[0]).toMatch(/merge-ca-bundle: exit 0 merge-ca-bundle: wrote \S+ from system bundle \/etc\/ssl\/certs\/ca-certificates.crt \+ org CA/);
  });

  test('Keycloak: the path in KC_TRUSTSTORE_PATHS, as mounted, contains the org CA', async () => {
    const kc = podsOf(objs).find(p => p.id.startsWith('StatefulSet keycloak'))!;
    const container = kc.spec.containers[0];
    const dir = container.env.find((e: any) => e.name === 'KC_TRUSTSTORE_PATHS').value;
    const vol = kc.spec.volumes.find((v: any) => v.name === container.volumeMounts.find((m: any) => m.mountPath === dir).name);
    const data = cluster.get('keycloak')!.get(vol.configMap.name)!;
    const host = hostDir('kc');
    for (const it of vol.configMap.items) fs.writeFileSync(path.join(host, it.path), data[it.key], { mode: 0o644 });
    const r = await runInImage({
      layout: LAYOUTS.debian,
      systemPem: publicRoot.certPem,
      uid: 1000,
      mounts: [{ hostPath: host, containerPath: dir, readOnly: true }],
      argv: ['sh', '-c', 'for f in "$1"/*.pem; do cat "$f"; done', 'sh', dir],
    });
    expect(r.code).toBe(0);
    expect(fingerprintsIn(r.stdout)).toEqual([fingerprintOf(orgCa.certPem)]);
  });
});

d('image layouts and failure modes', () => {
  function wiredApi(opts: any = {}, bundleProps: any = {}) {
    const chart = new Chart(Testing.app(), 'e2e', { namespace: 'apps' });
    const bundle = new OrgCaBundle(chart, 'ca', { source: CaSource.fromPem(orgCa.certPem), printWarnings: false, ...bundleProps });
    new ApiObject(chart, 'api', manifest('Deployment', 'api', podSpec({ containers: [{ name: 'app', image: 'img', securityContext: { runAsUser: 1000 } }] }), 'apps'));
    CaTrust.wireAll(chart, bundle, opts);
    return Testing.synth(chart);
  }

  eachOrSkip((['rhel', 'rhel9', 'alpine', 'opensuse', 'none'] as const).filter(l => requireTools(`end-to-end tests on the ${l} image layout`, [LAYOUTS[l].shell])), 'image layouts')('%s image layout', async (layout) => {
    const objs = wiredApi();
    const r = await run(podsOf(objs)[0], layout, clusterState(objs, ['apps']));
    // an image without any system bundle cannot trust the public root (asserted below)
    expect(problems(r, x => layout === 'none' && x.endpoint === 'public')).toEqual([]);
    expect(r.initLogs[0]).toContain(layout === 'none' ? 'no system bundle found' : `system bundle ${LAYOUTS[layout].systemBundlePaths[0]}`);
    const byEndpoint = (e: string) => r.results.filter(x => x.endpoint === e && x.mode === 'wired');
    expect(byEndpoint('org').every(x => x.ok)).toBe(true);
    // an image without any system bundle cannot trust the public root; every other layout must
    expect(byEndpoint('public').every(x => x.ok)).toBe(layout !== 'none');
  });

  /** The bundle ConfigMap after a bad hand edit: a stray line, a malformed block, then the valid org CA. */
  const damage = (cluster: any) => {
    const data = cluster.get('apps').get('org-ca-bundle');
    const key = Object.keys(data)[0];
    data[key] = `edited by hand\n-----BEGIN CERTIFICATE-----\nMIIBroken!!\n-----END CERTIFICATE-----\n${data[key]}`;
    return cluster;
  };
  const layoutsHere = (['debian', 'rhel', 'rhel9', 'alpine', 'opensuse'] as const).filter(l => requireTools(`end-to-end tests on the ${l} image layout`, [LAYOUTS[l].shell]));

  eachOrSkip(layoutsHere, 'image layouts')('%s: a damaged bundle ConfigMap still leaves every client trusting the org and the public endpoint', async (layout) => {
    const objs = wiredApi();
    const r = await run(podsOf(objs)[0], layout, damage(clusterState(objs, ['apps'])));
    expect(problems(r)).toEqual([]);
    expect(r.initLogs[0]).toContain('(1 certificate(s) kept, 1 malformed block(s) dropped)');
    expect(r.initLogs[0]).toContain('warning: dropped 1 malformed block(s)');
    const wired = r.results.filter(x => x.mode === 'wired');
    expect(new Set(wired.map(x => x.endpoint))).toEqual(new Set(['org', 'public']));
    expect(wired.every(x => x.ok)).toBe(true);
  });

  test('OpenShift: with openShift the pod runs as the assigned UID 1000710000, GID 0, and trusts both endpoints; without it the SCC refuses the pod', async () => {
    const chart = new Chart(Testing.app(), 'e2e', { namespace: 'apps' });
    const bundle = new OrgCaBundle(chart, 'ca', { source: CaSource.fromPem(orgCa.certPem), printWarnings: false });
    new ApiObject(chart, 'api', manifest('Deployment', 'api', podSpec({ containers: [{ name: 'app', image: 'img' }] }), 'apps'));
    CaTrust.wireAll(chart, bundle, { openShift: true, java: JavaTrust.keytoolImport() });
    const objs = Testing.synth(chart);
    const r = await run(podsOf(objs)[0], 'rhel9', clusterState(objs, ['apps']), 1000710000);
    expect(problems(r, x => x.client === 'java HttpClient' && x.endpoint === 'public')).toEqual([]);
    expect(r.initLogs.map(l => l.split(':')[0])).toEqual(['merge-ca-bundle', 'merge-ca-bundle-java']);
    expect(r.results.filter(x => x.endpoint === 'org' && x.mode === 'wired').every(x => x.ok)).toBe(true);
    expect(r.results.filter(x => x.endpoint === 'org' && x.mode === 'wired').length).toBeGreaterThanOrEqual(5);

    const fixed = wiredApi();
    const refused = await run(podsOf(fixed)[0], 'rhel9', clusterState(fixed, ['apps']), 1000710000);
    expect(refused.error).toMatch(/refused by the SCC: container merge-ca-bundle asks for runAsUser 65534/);
  }, 300_000);

  test('a namespace whose ConfigMaps an attacker edited: a default-wired pod runs and exports exactly what its spec says', async () => {
    const objs = wiredApi();
    const cluster = clusterState(objs, ['apps']);
    const bundle = cluster.get('apps')!.get('org-ca-bundle')!;
    // extra keys in the bundle ConfigMap (a script named like the library's old one, a second "CA"),
    // and ConfigMaps named like the ones the library once delivered its script and variables in
    bundle['merge-ca-bundle.sh'] = 'echo pwned > /etc/org-ca/bundle.pem';
    bundle.NODE_OPTIONS = '--require /tmp/evil.js';
    cluster.get('apps')!.set('org-ca-scripts-0123456789', { 'merge-ca-bundle.sh': 'echo pwned' });
    cluster.get('apps')!.set('org-ca-env-0123456789', { NODE_TLS_REJECT_UNAUTHORIZED: '0', GIT_SSL_NO_VERIFY: '1', SSL_CERT_FILE: '/dev/null' });
    const pod = podsOf(objs)[0];
    const r = await run(pod, 'debian', cluster);
    expect(problems(r)).toEqual([]);
    expect(r.initLogs[0]).toMatch(/merge-ca-bundle: wrote \/etc\/org-ca\/bundle.pem from system bundle .* \+ org CA \/var\/run\/org-ca\/ca-certificates.crt \(1 certificate\(s\) kept, 0 malformed block\(s\) dropped\)/);
    expect(r.initLogs.join('\n')).not.toContain('pwned');
    // the org endpoint needs the org CA, the discriminator proves it came from the merged file
    expect(r.results.filter(x => x.endpoint === 'org' && x.mode === 'wired').every(x => x.ok)).toBe(true);
    expect(r.results.filter(x => x.mode === 'system-only' && x.endpoint === 'org').every(x => !x.ok)).toBe(true);
    expect(pod.spec.containers.every((c: any) => c.envFrom === undefined)).toBe(true);
  });

  test('bundle ConfigMap missing: the pod still starts and the public endpoint is still trusted', async () => {
    const objs = wiredApi();
    const r = await run(podsOf(objs)[0], 'debian', clusterState([], ['apps']));
    expect(r.error).toBeUndefined();
    expect(r.initLogs[0]).toContain('no org CA (optional ConfigMap missing');
    expect(r.results.filter(x => x.endpoint === 'public' && x.mode === 'wired').every(x => x.ok)).toBe(true);
    expect(r.results.filter(x => x.endpoint === 'org' && x.mode === 'wired').every(x => !x.ok)).toBe(true);
  });

  (enabled && requireTools('end-to-end Java trust store test', ['java', 'keytool']) ? test : test.skip)('Java: keytoolImport() trust store works for a JVM client', async () => {
    const chart = new Chart(Testing.app(), 'e2e', { namespace: 'apps' });
    const bundle = new OrgCaBundle(chart, 'ca', { source: CaSource.fromPem(orgCa.certPem), printWarnings: false });
    MergedCaInitContainer.addTo(new ApiObject(chart, 'jvm', manifest('Deployment', 'jvm', podSpec({ containers: [{ name: 'jvm', image: 'jre', securityContext: { runAsUser: 1000 }, env: [{ name: 'JAVA_TOOL_OPTIONS', value: '-Xmx256m' }] }] }), 'apps')), bundle, { java: JavaTrust.keytoolImport(), variables: ['SSL_CERT_FILE'] });
    const objs = Testing.synth(chart);
    const r = await run(podsOf(objs)[0], 'debian', clusterState(objs, ['apps']));
    // the JVM trusts its own cacerts (real public roots), which never held the test "public" root
    expect(problems(r, x => x.client === 'java HttpClient' && x.endpoint === 'public')).toEqual([]);
    const java = r.results.filter(x => x.client === 'java HttpClient');
    // the JVM's public roots do not include the test public root: only the org endpoint is expected
    expect(java.find(x => x.endpoint === 'org')!.ok).toBe(true);
  }, 300_000);

  (enabled && requireTools('end-to-end Java cacerts overlay test', ['java', 'keytool']) ? test : test.skip)('Java with the overlay: a JVM started without JAVA_TOOL_OPTIONS trusts the org CA through its default cacerts', async () => {
    const chart = new Chart(Testing.app(), 'e2e', { namespace: 'apps' });
    const bundle = new OrgCaBundle(chart, 'ca', { source: CaSource.fromPem(orgCa.certPem), printWarnings: false });
    MergedCaInitContainer.addTo(new ApiObject(chart, 'jvm', manifest('Deployment', 'jvm', podSpec({ containers: [{ name: 'jvm', image: 'jre', securityContext: { runAsUser: 1000 } }] }), 'apps')), bundle, {
      java: JavaTrust.keytoolImport(), variables: ['SSL_CERT_FILE'], systemBundleOverlay: true,
    });
    const objs = Testing.synth(chart);
    const r = await run(podsOf(objs)[0], 'debian', clusterState(objs, ['apps']));
    // the JVM's public roots never held the test "public" root: its public runs are not expected to pass
    expect(problems(r, x => x.client.startsWith('java') && x.endpoint === 'public')).toEqual([]);
    const bare = r.results.filter(x => x.client === 'java, no options');
    // with the overlay: trusted; without it (the discriminator): the JVM's own cacerts, refused
    expect(bare.map(x => `${x.endpoint} ${x.mode} ${x.ok}`)).toEqual(['org wired true', 'public wired false', 'org system-only false']);
    expect(r.results.find(x => x.client === 'java HttpClient' && x.endpoint === 'org')!.ok).toBe(true);
  }, 300_000);

  test('a deliberately broken wiring (wrong merged path) is caught', async () => {
    const objs = wiredApi();
    const pod = podsOf(objs)[0];
    // SSL_CERT_FILE points at a file that is not there
    for (const c of pod.spec.containers) for (const e of c.env ?? []) if (e.name === 'SSL_CERT_FILE') e.value = '/etc/org-ca/wrong.crt';
    const r = await run(pod, 'debian', clusterState(objs, ['apps']));
    const p = problems(r);
    expect(p.length).toBeGreaterThan(0);
    expect(p.join('\n')).toMatch(/Deployment apps\/api at \/spec\/template container "app" python urllib → org \(wired\): failed/);
  });

  test('Keycloak wiring with a missing projection still leaves an existing directory', async () => {
    const chart = new Chart(Testing.app(), 'e2e', { namespace: 'keycloak' });
    const bundle = new OrgCaBundle(chart, 'ca', { source: CaSource.fromPem(orgCa.certPem), printWarnings: false });
    new KeycloakTruststore(chart, 'kc-ca', { bundle }).applyTo(new ApiObject(chart, 'kc', manifest('StatefulSet', 'kc', podSpec(), 'keycloak')));
    const pod = podsOf(Testing.synth(chart))[0];
    const r = await run(pod, 'debian', clusterState([], ['keycloak']));
    expect(r.error).toBeUndefined();
  });
});

d('each distribution mode of the example, on every image layout, with its bundle present and missing', () => {
  const { objs } = platformObjects();
  const pod = (ns: string) => podsOf(objs).find(p => p.namespace === ns)!;
  const layouts = (['debian', 'rhel', 'rhel9', 'alpine', 'opensuse', 'none'] as const).filter(l => requireTools(`end-to-end tests on the ${l} image layout`, [LAYOUTS[l].shell]));
  const cluster = () => clusterState(objs, ['direct', 'ctb'], publicRoot.certPem);

  eachOrSkip(layouts, 'image layouts')('%s: direct and ClusterTrustBundle pods trust the org and the public endpoint', async (layout) => {
    const direct = await run(pod('direct'), layout, cluster(), undefined, clusterTrustBundles(objs));
    // direct: the bundle's public roots (trust-manager's package) are used, whatever the image has
    expect(problems(direct)).toEqual([]);
    expect(direct.results.filter(x => x.mode === 'wired').every(x => x.ok)).toBe(true);
    const viaCtb = await run(pod('ctb'), layout, cluster(), undefined, clusterTrustBundles(objs));
    expect(problems(viaCtb, x => layout === 'none' && x.endpoint === 'public')).toEqual([]);
    expect(viaCtb.initLogs[0]).toContain('+ org CA /var/run/org-ca/org-ca.crt (1 certificate(s) kept');
    expect(viaCtb.results.filter(x => x.mode === 'wired' && x.endpoint === 'org').every(x => x.ok)).toBe(true);
  });

  eachOrSkip(layouts, 'image layouts')('%s: a merge pod with the system bundle overlay: clients that read no variable (wget, R curl, PHP curl) trust the org CA too', async (layout) => {
    const r = await run(pod('apps'), layout, clusterState(objs, ['apps'], publicRoot.certPem));
    expect(problems(r, x => layout === 'none' && x.endpoint === 'public')).toEqual([]);
    const noVariable = r.results.filter(x => x.mode === 'wired' && x.endpoint === 'org' && ['wget', 'R curl package', 'PHP curl'].includes(x.client));
    expect(noVariable.every(x => x.ok)).toBe(true);
  });

  test('the overlay pod with its bundle ConfigMap missing, then corrupted: it starts, public trust stays, the damage is dropped', async () => {
    const missing = await run(pod('apps'), 'debian', clusterState([], ['apps']));
    expect(missing.error).toBeUndefined();
    const wired = missing.results.filter(x => x.mode === 'wired');
    expect(wired.filter(x => x.endpoint === 'public').every(x => x.ok)).toBe(true);
    expect(wired.filter(x => x.endpoint === 'org').every(x => !x.ok)).toBe(true);
    const state = clusterState(objs, ['apps'], publicRoot.certPem);
    for (const data of state.get('apps')!.values()) for (const key of Object.keys(data)) data[key] = `garbage\n${data[key]}-----BEGIN CERTIFICATE-----\nMIIBkTCB+w==\n-----END CERTIFICATE-----\n`;
    const corrupted = await run(pod('apps'), 'debian', state);
    expect(problems(corrupted)).toEqual([]);
    expect(corrupted.initLogs[0]).toContain('(1 certificate(s) kept, 1 malformed block(s) dropped)');
  });

  test('a damaged hand-written bundle ConfigMap: direct pods trust it as written and every OpenSSL client fails; merge pods drop the damage (README mode table)', async () => {
    // a garbage line and a malformed block around the valid org CA and public roots
    const damage = (pem: string) => `not a certificate\n${pem}-----BEGIN CERTIFICATE-----\nMIIBkTCB+w==\n-----END CERTIFICATE-----\n`;
    const damaged = (names: string[]) => {
      const state = clusterState(objs, names, publicRoot.certPem);
      for (const ns of names) for (const data of state.get(ns)!.values()) for (const key of Object.keys(data)) data[key] = damage(data[key]);
      return state;
    };
    const direct = await run(pod('direct'), 'debian', damaged(['direct']), undefined, clusterTrustBundles(objs));
    const wired = direct.results.filter(x => x.mode === 'wired');
    // the OpenSSL-based clients (python, curl, git, openssl, ruby…) refuse the whole file, org and
    // public endpoints alike; Go and Node skip the block they cannot parse
    const skipsBadBlocks = /^(go |node |npm )/;
    const openssl = wired.filter(x => !skipsBadBlocks.test(x.client));
    expect(new Set(openssl.map(x => x.client)).size).toBeGreaterThanOrEqual(4);
    expect(openssl.filter(x => x.ok).map(x => `${x.client} → ${x.endpoint}`)).toEqual([]);
    expect(wired.filter(x => skipsBadBlocks.test(x.client)).every(x => x.ok)).toBe(true);
    const merged = await run(pod('apps'), 'debian', damaged(['apps']));
    expect(problems(merged)).toEqual([]);
    expect(merged.initLogs[0]).toContain('(1 certificate(s) kept, 1 malformed block(s) dropped)');
  });

  test('bundle missing: a direct pod does not start (never SSL_CERT_FILE pointing at nothing); a CTB pod starts with the system bundle', async () => {
    const direct = await run(pod('direct'), 'debian', clusterState([], ['direct']), undefined, []);
    expect(direct.error).toMatch(/is missing and the volume is not optional: the pod would not start/);
    const viaCtb = await run(pod('ctb'), 'debian', clusterState([], ['ctb']), undefined, []);
    expect(viaCtb.error).toBeUndefined();
    expect(viaCtb.initLogs[0]).toContain('no org CA (optional ConfigMap missing');
    expect(viaCtb.results.filter(x => x.endpoint === 'public' && x.mode === 'wired').every(x => x.ok)).toBe(true);
  });
});

d('pods created at runtime: the example\'s admission policy, run offline, wires pods that then trust the org CA on every layout', () => {
  const layouts = (['debian', 'rhel', 'rhel9', 'alpine', 'opensuse'] as const).filter(l => requireTools(`end-to-end tests on the ${l} image layout`, [LAYOUTS[l].shell]));
  const { objs } = platformObjects();
  const policy = objs.find(o => o.kind === 'MutatingAdmissionPolicy');
  const binding = objs.find(o => o.kind === 'MutatingAdmissionPolicyBinding');
  // as the controllers create them, never seen by a synth: a KubeSpawner singleuser pod, an Argo Workflows task pod
  const RUNTIME_PODS = [
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'jupyter-alice', namespace: 'jupyter-users', labels: { component: 'singleuser-server' } },
      spec: { securityContext: { runAsUser: 1000, fsGroup: 100 }, containers: [{ name: 'notebook', image: IMAGES.singleuser, env: [{ name: 'JUPYTERHUB_USER', value: 'alice' }] }] },
    },
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'etl-step-1', namespace: 'argo-workflows', labels: { 'workflows.argoproj.io/workflow': 'etl' } },
      spec: {
        initContainers: [{ name: 'init', image: 'quay.io/argoproj/argoexec:v3.6.2', command: ['argoexec', 'init'] }],
        containers: [{ name: 'wait', image: 'quay.io/argoproj/argoexec:v3.6.2', command: ['argoexec', 'wait'] }, { name: 'main', image: 'python:3.12', command: ['python', 'etl.py'] }],
      },
    },
  ];
  const admitted = RUNTIME_PODS.map(p => {
    const r = admitPod(policy, binding, p, {});
    expect(r.outcome).toBe('mutated');
    return { id: `admitted Pod ${p.metadata.namespace}/${p.metadata.name}`, namespace: p.metadata.namespace, spec: r.pod.spec };
  });

  test('in other namespaces the policy leaves pods alone', () => {
    expect(admitPod(policy, binding, { ...RUNTIME_PODS[0], metadata: { ...RUNTIME_PODS[0].metadata, namespace: 'default' } }, {}).outcome).toMatch(/namespace "default" is not selected/);
  });

  // the singleuser pod on every layout; the Argo task pod (three wired containers, one of them an
  // init container of its own) on the Debian one
  eachOrSkip(layouts, 'image layouts')('%s: every client trusts the org and the public endpoint; without the wiring, none trusts the org one', async (layout) => {
    for (const pod of layout === 'debian' ? admitted : admitted.slice(0, 1)) {
      const r = await run(pod, layout, clusterState(objs, [pod.namespace], publicRoot.certPem));
      expect(problems(r)).toEqual([]);
      const wired = r.results.filter(x => x.mode === 'wired');
      expect(new Set(wired.map(x => x.endpoint))).toEqual(new Set(['org', 'public']));
      expect(wired.filter(x => x.endpoint === 'org').length).toBeGreaterThanOrEqual(5);
      expect(r.results.filter(x => x.mode === 'system-only').every(x => !x.ok)).toBe(true);
    }
  }, 300_000);
});

d('the verification Job: wired like the workloads, it proves trust in the cluster, and fails loudly without it', () => {
  const layouts = (['debian', 'rhel', 'rhel9', 'alpine', 'opensuse'] as const).filter(l => requireTools(`end-to-end tests on the ${l} image layout`, [LAYOUTS[l].shell]));
  const clients = ['openssl', 'curl', 'python3', 'node'].filter(t => requireTools(`verification Job client ${t}`, [t]));
  const jobPod = (overlay = false) => {
    const chart = new Chart(Testing.app(), 'e2e', { namespace: 'apps' });
    const bundle = new OrgCaBundle(chart, 'ca', { source: CaSource.fromPem(orgCa.certPem), printWarnings: false });
    new TrustVerificationJob(chart, 'verify', { bundle, image: 'tools', orgUrls: [servers.endpoints.org], publicUrl: servers.endpoints.public, wiring: { systemBundleOverlay: overlay } });
    const objs = Testing.synth(chart);
    return { pod: podsOf(objs)[0], cluster: clusterState(objs, ['apps']) };
  };
  const runJob = async (pod: any, layout: keyof typeof LAYOUTS, cluster: any) => {
    const r = await runPod(pod, { layout: LAYOUTS[layout], systemPem: publicRoot.certPem, cluster, endpoints: servers.endpoints, ownCommands: true });
    allRuns.push({ ...r, layout });
    return r;
  };

  eachOrSkip(layouts, 'image layouts')('%s: every client passes, wired and public; each refuses the org endpoint without the org CA; exit 0', async (layout) => {
    const { pod, cluster } = jobPod();
    const r = await runJob(pod, layout, cluster);
    expect(r.error).toBeUndefined();
    const job = r.commands![0];
    expect({ code: job.code, output: job.output }).toEqual({ code: 0, output: expect.stringContaining('org-ca-verify: OK: every client trusts the org CA with this wiring') });
    for (const c of clients) {
      expect(job.output).toContain(`  PASS ${c} -> ${servers.endpoints.org} (wired: must be trusted)`);
      expect(job.output).toContain(`  PASS ${c} -> ${servers.endpoints.public} (public roots: must stay trusted)`);
      expect(job.output).toContain(`  PASS ${c} -> ${servers.endpoints.org} (CA variables at an empty file: must be refused)`);
    }
    expect(job.output).not.toContain('FAIL');
  });

  test('none (an image without a system bundle): the org endpoint is trusted, the public one is not, and the Job says so (exit 1)', async () => {
    if (!requireTools('end-to-end tests on the none image layout', [LAYOUTS.none.shell])) return;
    const { pod, cluster } = jobPod();
    const job = (await runJob(pod, 'none', cluster)).commands![0];
    expect(job.code).toBe(1);
    for (const c of clients) {
      expect(job.output).toContain(`  PASS ${c} -> ${servers.endpoints.org} (wired: must be trusted)`);
      expect(job.output).toMatch(new RegExp(`  FAIL ${c} -> ${servers.endpoints.public.replace(/\./g, '\\.')} \\(public roots: must stay trusted\\): \\S`));
    }
  });

  test('with the overlay, wget (which reads no variable) is checked too', async () => {
    if (!requireTools('verification Job wget check', ['wget'])) return;
    const { pod, cluster } = jobPod(true);
    const job = (await runJob(pod, 'debian', cluster)).commands![0];
    expect(job.output).toContain('org-ca-verify: OK');
    expect(job.code).toBe(0);
    expect(job.output).toContain(`  PASS wget -> ${servers.endpoints.org} (wired: must be trusted)`);
    expect(job.output).toContain(`  PASS wget -> ${servers.endpoints.org} (CA variables at an empty file: must be refused)`);
  });

  test('the bundle ConfigMap missing: the Job fails, naming each client that does not trust the org endpoint', async () => {
    const { pod } = jobPod();
    const r = await runJob(pod, 'debian', clusterState([], ['apps']));
    const job = r.commands![0];
    expect(job.code).toBe(1);
    for (const c of clients) {
      expect(job.output).toMatch(new RegExp(`  FAIL ${c} -> ${servers.endpoints.org.replace(/\./g, '\\.')} \\(wired: must be trusted\\): \\S`));
      // the rest ran as it should: the public roots are still trusted (the merge fell back to them)
      expect(job.output).toContain(`  PASS ${c} -> ${servers.endpoints.public} (public roots: must stay trusted)`);
      expect(job.output).toContain(`  PASS ${c} -> ${servers.endpoints.org} (CA variables at an empty file: must be refused)`);
    }
    expect(job.output).toMatch(/org-ca-verify: FAIL: \d+ check\(s\) failed: pods wired like this one do NOT trust the org CA/);
  });

  test('an image with none of the clients: the Job fails, saying nothing was checked', async () => {
    const { pod, cluster } = jobPod();
    // the same pod with PATH limited to a directory without clients
    const bare = JSON.parse(JSON.stringify(pod));
    bare.spec.containers[0].command = ['/bin/sh', '-c', `PATH=/nonexistent; ${bare.spec.containers[0].command[2]}`, ...bare.spec.containers[0].command.slice(3)];
    const job = (await runJob(bare, 'debian', cluster)).commands![0];
    expect(job.code).toBe(1);
    expect(job.output).toContain('org-ca-verify: FAIL: none of openssl, curl, python3, node (or wget with the overlay) is in this image: nothing was checked');
  });
});

d('the command-line tool: the pods of a wired Helm-style render trust the org CA and the public roots', () => {
  test('cdk8s-org-ca wire output, every workload pod, Debian-style image', async () => {
    const caFile = path.join(FIXTURE_DIR, 'cli-e2e-ca.pem');
    fs.writeFileSync(caFile, orgCa.certPem);
    let out = '';
    const errs: string[] = [];
    const code = runCli(['wire', '--ca', caFile, '--configmap', 'org-ca-bundle:ca.crt', '--pod-template', 'argoproj.io/v1alpha1/Rollout=/spec/template', path.join(__dirname, '..', 'cli', 'fixtures', 'render.yaml')],
      () => '', s => { out += s; }, l => errs.push(l));
    expect({ code, errs: errs.filter(e => !/document\(s\)/.test(e)) }).toEqual({ code: 0, errs: [] });
    const objs = YAML.parseAllDocuments(out).map(x => x.toJSON()).filter(Boolean)
      .flatMap((o: any) => (o.kind === 'List' ? o.items : [o]))
      .map((o: any) => (o.kind === 'Rollout' ? { ...o, apiVersion: 'apps/v1', kind: 'Deployment' } : o));
    // the plain ConfigMaps the user creates for --configmap, in each namespace
    const cms = ['apps', 'monitoring'].map(ns => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'org-ca-bundle', namespace: ns }, data: { 'ca.crt': orgCa.certPem } }));
    const pods = podsOf(objs);
    expect(pods.length).toBe(7);
    for (const pod of pods) {
      const r = await run(pod, 'debian', clusterState(cms, ['apps', 'monitoring']));
      expect(problems(r)).toEqual([]);
      expect(r.results.filter(x => x.mode === 'wired').length).toBeGreaterThanOrEqual(10);
    }
  }, 600_000);
});

d('merge vs update-ca-certificates, same machine, same sandbox', () => {
  test('timings are recorded', async () => {
    const objs = (() => {
      const chart = new Chart(Testing.app(), 'e2e', { namespace: 'apps' });
      const bundle = new OrgCaBundle(chart, 'ca', { source: CaSource.fromPem(orgCa.certPem), printWarnings: false });
      new ApiObject(chart, 'api', manifest('Deployment', 'api', podSpec(), 'apps'));
      CaTrust.wireAll(chart, bundle);
      return Testing.synth(chart);
    })();
    const pod = podsOf(objs)[0];
    const cluster = clusterState(objs, ['apps']);
    const init = pod.spec.initContainers[0];
    const realSystem = fs.readFileSync('/etc/ssl/certs/ca-certificates.crt', 'utf8');
    // the command alone, timed inside its sandbox (GNU date, nanoseconds), and the whole sandbox run
    const timed = (argv: string[]) => ['/bin/sh', '-c', 's=$(date +%s%N); "$@"; rc=$?; e=$(date +%s%N); echo "ELAPSED_NS $((e-s))"; exit $rc', 'timed', ...argv];
    const elapsedMs = (out: string) => Number(/ELAPSED_NS (\d+)/.exec(out)![1]) / 1e6;
    const merge = { command: [] as number[], sandbox: [] as number[] };
    const update = { command: [] as number[], sandbox: [] as number[] };
    for (let i = 0; i < 5; i++) {
      const src = hostDir('src');
      const out = hostDir('merged');
      // the pod's org CA volume: the bundle ConfigMap
      const cm = pod.spec.volumes.find((v: any) => v.name === 'org-ca').configMap;
      for (const [k, v] of Object.entries(cluster.get('apps')!.get(cm.name)!)) fs.writeFileSync(path.join(src, k), v, { mode: 0o644 });
      let start = process.hrtime.bigint();
      const m = await runInImage({
        layout: LAYOUTS.debian,
        systemPem: realSystem,
        uid: init.securityContext.runAsUser,
        readOnlyRoot: true,
        mounts: [{ hostPath: src, containerPath: '/var/run/org-ca', readOnly: true }, { hostPath: out, containerPath: '/etc/org-ca' }],
        argv: timed(init.command),
      });
      merge.sandbox.push(Number(process.hrtime.bigint() - start) / 1e6);
      expect(m.code).toBe(0);
      merge.command.push(elapsedMs(m.stdout));
      expect(fingerprintsIn(fs.readFileSync(path.join(out, 'bundle.pem'), 'utf8'))).toContain(fingerprintOf(orgCa.certPem));

      const uca = hostDir('uca');
      fs.writeFileSync(path.join(uca, 'org-ca.crt'), orgCa.certPem, { mode: 0o644 });
      start = process.hrtime.bigint();
      const u = await runInImage({
        layout: LAYOUTS.debian,
        systemPem: realSystem,
        uid: 0,
        mounts: [{ hostPath: uca, containerPath: '/usr/local/share/ca-certificates/org' }],
        argv: timed(['update-ca-certificates']),
      });
      update.sandbox.push(Number(process.hrtime.bigint() - start) / 1e6);
      expect(u.code).toBe(0);
      update.command.push(elapsedMs(u.stdout));
    }
    const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
    const report = {
      date: new Date().toISOString(),
      runs: 5,
      mergeMedianMs: median(merge.command),
      updateCaCertificatesMedianMs: median(update.command),
      mergeWithSandboxMedianMs: median(merge.sandbox),
      updateCaCertificatesWithSandboxMedianMs: median(update.sandbox),
      merge,
      update,
    };
    fs.mkdirSync(path.dirname(REPORT), { recursive: true });
    fs.writeFileSync(path.join(path.dirname(REPORT), 'merge-vs-update-ca-certificates.json'), JSON.stringify(report, null, 2));
    expect(merge.command.every(x => x > 0) && update.command.every(x => x > 0)).toBe(true);
  }, 300_000);
});
