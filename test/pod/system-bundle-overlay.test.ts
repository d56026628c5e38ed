/* The system bundle overlay: the file the variables point at, mounted over the image's standard
 * system bundle paths, for clients that read no variable (R curl, wget, PHP curl). */
import { ApiObject, Chart, Testing } from 'cdk8s';
import { CaSource, CaTrust, CaVariables, JavaTrust, OrgCaBundle, SingleuserCaMerge, WiringMode } from '../../src';
import { run } from '../../src/cli/main';
import { JAVA_CACERTS_CANDIDATES, SYSTEM_BUNDLE_CANDIDATES } from '../../src/pod/init-scripts';
import { makeCa } from '../util/certs';
import { manifest, podOf, podSpec } from '../util/fixtures';
import { expectAllValid } from '../util/schema';
import { takeWarnings } from '../util/warnings';

const ca = makeCa('overlay-ca');

type TrustManager = { useDefaultCAs?: boolean; pkcs12?: { key: string } };
type Options = Parameters<typeof CaTrust.wireAll>[2];
function wired(containers: any[], options: Options = {}, annotations?: Record<string, string>, trustManager: TrustManager = {}) {
  const chart = new Chart(Testing.app(), 'c', { namespace: 'apps' });
  const bundle = new OrgCaBundle(chart, 'ca', { source: CaSource.fromPem(ca.certPem), printWarnings: false, trustManager });
  const m = manifest('Deployment', 'web', podSpec({ containers }), 'apps');
  if (annotations) m.metadata.annotations = annotations;
  new ApiObject(chart, 'web', m);
  CaTrust.wireAll(chart, bundle, options);
  const objs = Testing.synth(chart);
  return { objs, pod: podOf(objs.find(o => o.kind === 'Deployment')) };
}

const overlayOf = (c: any) => (c.volumeMounts ?? []).filter((m: any) => SYSTEM_BUNDLE_CANDIDATES.includes(m.mountPath));

describe('systemBundleOverlay', () => {
  test('merge: the merged file over every standard path in each wired container, read-only; the merge itself reads the image\'s own', () => {
    const { objs, pod } = wired([{ name: 'app', image: 'r-base' }, { name: 'side', image: 'r-base' }], { systemBundleOverlay: true });
    for (const c of pod.containers) {
      expect(overlayOf(c)).toEqual(SYSTEM_BUNDLE_CANDIDATES.map(mountPath => ({ mountPath, name: 'org-ca-merged', subPath: 'bundle.pem', readOnly: true })));
    }
    expect(overlayOf(pod.initContainers[0])).toEqual([]);
    expectAllValid(objs);
  });

  test('direct: the bundle\'s file (with its public roots) over every standard path', () => {
    const { pod } = wired([{ name: 'app', image: 'r-base' }], { systemBundleOverlay: true, mode: WiringMode.DIRECT }, undefined, { useDefaultCAs: true });
    expect(overlayOf(pod.containers[0])).toEqual(SYSTEM_BUNDLE_CANDIDATES.map(mountPath => ({ mountPath, name: 'org-ca', subPath: 'bundle.pem', readOnly: true })));
  });

  test('off by default, for everything but the JupyterHub singleuser component', () => {
    expect(overlayOf(wired([{ name: 'app', image: 'r-base' }]).pod.containers[0])).toEqual([]);
    const chart = new Chart(Testing.app(), 'z');
    const bundle = new OrgCaBundle(chart, 'ca', { source: CaSource.fromPem(ca.certPem), printWarnings: false });
    const values = new SingleuserCaMerge(chart, 'hub', { bundle, hubImage: 'hub:1' }).helmValues({ singleuser: { image: { name: 'r', tag: '1' } } });
    const mounts = values.singleuser.storage.extraVolumeMounts;
    expect(mounts.filter((m: any) => SYSTEM_BUNDLE_CANDIDATES.includes(m.mountPath))).toHaveLength(SYSTEM_BUNDLE_CANDIDATES.length);
    const off = new SingleuserCaMerge(chart, 'off', { bundle, hubImage: 'hub:1', systemBundleOverlay: false }).helmValues({ singleuser: { image: { name: 'r', tag: '1' } } });
    expect(off.singleuser.storage.extraVolumeMounts).toHaveLength(1);
  });

  test('z2jh map-form mounts: each overlay mount gets a key of its own, keeping its volume name', () => {
    const chart = new Chart(Testing.app(), 'z');
    const bundle = new OrgCaBundle(chart, 'ca', { source: CaSource.fromPem(ca.certPem), printWarnings: false });
    const values = new SingleuserCaMerge(chart, 'hub', { bundle, hubImage: 'hub:1' }).helmValues({
      singleuser: { image: { name: 'r', tag: '1' }, storage: { extraVolumeMounts: { home: { name: 'home', mountPath: '/home/x' } } } },
    });
    const mounts = values.singleuser.storage.extraVolumeMounts;
    expect(Object.keys(mounts)).toHaveLength(2 + SYSTEM_BUNDLE_CANDIDATES.length);
    const overlay = Object.values(mounts).filter((m: any) => SYSTEM_BUNDLE_CANDIDATES.includes(m.mountPath));
    expect(overlay.map((m: any) => m.name)).toEqual(SYSTEM_BUNDLE_CANDIDATES.map(() => 'org-ca-merged'));
  });

  test('a container that runs update-ca-certificates at start gets no overlay (it could not write), with a warning naming the opt-out', () => {
    const { pod } = wired([
      { name: 'rewrites', image: 'debian', command: ['sh', '-c', 'update-ca-certificates && exec app'] },
      { name: 'app', image: 'debian' },
    ], { systemBundleOverlay: true });
    expect(overlayOf(pod.containers[0])).toEqual([]);
    expect(overlayOf(pod.containers[1])).toHaveLength(SYSTEM_BUNDLE_CANDIDATES.length);
    expect(takeWarnings()).toEqual([expect.stringMatching(/container "rewrites" runs update-ca-certificates at start, .*annotate the object cdk8s-org-ca\/system-bundle-overlay: "false"/)]);
  });

  test('a container that mounts its own file at a standard path keeps it, with a warning', () => {
    const { pod } = wired([{
      name: 'app',
      image: 'debian',
      volumeMounts: [{ name: 'mine', mountPath: '/etc/ssl/certs/ca-certificates.crt', subPath: 'ca.crt' }],
    }], { systemBundleOverlay: true });
    const own = pod.containers[0].volumeMounts.filter((m: any) => m.mountPath === '/etc/ssl/certs/ca-certificates.crt');
    expect(own).toEqual([{ name: 'mine', mountPath: '/etc/ssl/certs/ca-certificates.crt', subPath: 'ca.crt' }]);
    expect(overlayOf(pod.containers[0])).toHaveLength(SYSTEM_BUNDLE_CANDIDATES.length);
    expect(takeWarnings()).toEqual([expect.stringMatching(/mounts its own "mine" at \/etc\/ssl\/certs\/ca-certificates\.crt: that file is left as it is/)]);
  });

  test('per object: the annotation turns it off, or on; anything but "true"/"false" is an error', () => {
    const ann = (v: string) => ({ 'cdk8s-org-ca/system-bundle-overlay': v });
    expect(overlayOf(wired([{ name: 'app', image: 'r' }], { systemBundleOverlay: true }, ann('false')).pod.containers[0])).toEqual([]);
    expect(overlayOf(wired([{ name: 'app', image: 'r' }], {}, ann('true')).pod.containers[0])).toHaveLength(SYSTEM_BUNDLE_CANDIDATES.length);
    expect(() => wired([{ name: 'app', image: 'r' }], {}, ann('yes'))).toThrow(/annotation cdk8s-org-ca\/system-bundle-overlay is "yes"; write "true" or "false"/);
  });

  test('with keytoolImport: the JVM store over every standard cacerts path too, in wired containers only; none without the overlay or with pkcs12', () => {
    const javaOf = (c: any) => (c.volumeMounts ?? []).filter((m: any) => JAVA_CACERTS_CANDIDATES.includes(m.mountPath));
    const { objs, pod } = wired([{ name: 'app', image: 'temurin' }], { systemBundleOverlay: true, java: JavaTrust.keytoolImport() });
    expect(javaOf(pod.containers[0])).toEqual(JAVA_CACERTS_CANDIDATES.map(mountPath => ({ mountPath, name: 'org-ca-merged', subPath: 'java-cacerts', readOnly: true })));
    expect(overlayOf(pod.containers[0])).toHaveLength(SYSTEM_BUNDLE_CANDIDATES.length);
    // the keytool init container copies the image's own cacerts: it must not see the overlay
    expect(pod.initContainers.map((c: any) => c.name)).toEqual(['merge-ca-bundle', 'merge-ca-bundle-java']);
    for (const c of pod.initContainers) expect(javaOf(c)).toEqual([]);
    // the store the overlay mounts is the one JAVA_TOOL_OPTIONS names
    const jto = pod.containers[0].env.find((e: any) => e.name === 'JAVA_TOOL_OPTIONS').value;
    expect(jto).toContain('-Djavax.net.ssl.trustStore=/etc/org-ca/java-cacerts');
    expectAllValid(objs);
    expect(javaOf(wired([{ name: 'app', image: 'temurin' }], { java: JavaTrust.keytoolImport() }).pod.containers[0])).toEqual([]);
    const pkcs12 = wired([{ name: 'app', image: 'temurin' }], { systemBundleOverlay: true, java: JavaTrust.trustManagerPkcs12() }, undefined, { useDefaultCAs: true, pkcs12: { key: 'truststore.p12' } });
    expect(javaOf(pkcs12.pod.containers[0])).toEqual([]);
    expect(overlayOf(pkcs12.pod.containers[0])).toHaveLength(SYSTEM_BUNDLE_CANDIDATES.length);
  });

  test('the command: --system-bundle-overlay, and the annotation on its input', () => {
    const input = 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: r}]\n';
    let out = '';
    const file = `${ca.certFile}`;
    expect(run(['wire', '--ca', file, '--system-bundle-overlay', '-'], () => input, s => { out += s; }, () => undefined)).toBe(0);
    expect(out.split('subPath: bundle.pem').length - 1).toBe(SYSTEM_BUNDLE_CANDIDATES.length);
  });
});

test('CURL_CA_BUNDLE is a default variable again (base R url() reads it), and the Julia, gRPC and Deno sets exist', () => {
  expect(CaVariables.DEFAULTS).toContain('CURL_CA_BUNDLE');
  expect(CaVariables.JULIA).toEqual(['JULIA_SSL_CA_ROOTS_PATH']);
  expect(CaVariables.GRPC).toEqual(['GRPC_DEFAULT_SSL_ROOTS_FILE_PATH']);
  expect(CaVariables.DENO).toEqual(['DENO_CERT']);
  expect(CaVariables.effectOf('DENO_CERT')).toBe('ADDS_TO_DEFAULT_POOL');
  expect(CaVariables.effectOf('JULIA_SSL_CA_ROOTS_PATH')).toBe('REPLACES_DEFAULT_POOL');
});
