import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Chart, Testing } from 'cdk8s';
import { CaSource, OrgCaBundle, OrgCaBundleProps } from '../../src';
import { derOf, FIXTURE_DIR, fingerprintOf, fingerprintsIn, makeCa, privateKeyFixtures } from '../util/certs';
import { bundleCelProblems, ctbProblems, expectAllValid } from '../util/schema';
import { requireTools } from '../util/tools';
import { takeWarnings } from '../util/warnings';

const rootA = makeCa('bundle-root-a');
const rootB = makeCa('bundle-root-b');

function synth(props: OrgCaBundleProps, chartProps: { namespace?: string } = {}) {
  const chart = new Chart(Testing.app(), 'test', chartProps);
  const bundle = new OrgCaBundle(chart, 'ca', { printWarnings: false, ...props });
  const objs = Testing.synth(chart);
  return { chart, bundle, objs };
}

describe('OrgCaBundle input', () => {
  test('no source (a JavaScript or Python caller): an error naming the two factories', () => {
    expect(() => synth({} as OrgCaBundleProps)).toThrow(/set source for the org CA bundle: CaSource.fromFile\(path\) \(a PEM or DER file\) or CaSource.fromPem\(text\)/);
  });
  test('unreadable path names the path', () => {
    expect(() => synth({ source: CaSource.fromFile('/nonexistent/org-ca.pem') })).toThrow(/cannot read the org CA bundle at path "\/nonexistent\/org-ca.pem" \(ENOENT\)/);
  });
  test('a key in the file is refused and nothing is emitted', () => {
    const file = path.join(FIXTURE_DIR, 'with-key.pem');
    fs.writeFileSync(file, rootA.certPem + privateKeyFixtures()['PKCS#8 (BEGIN PRIVATE KEY)']);
    const app = Testing.app();
    const chart = new Chart(app, 'c');
    expect(() => new OrgCaBundle(chart, 'ca', { source: CaSource.fromFile(file) })).toThrow(/with-key\.pem: block #2 is a private key/);
    expect(chart.node.findAll().filter(c => c !== chart)).toHaveLength(0);
  });
  test('path to a PEM file and to a DER file give the same bundle', () => {
    const der = path.join(FIXTURE_DIR, 'root-a.der');
    fs.writeFileSync(der, derOf(rootA));
    expect(synth({ source: CaSource.fromFile(der) }).bundle.pem).toBe(synth({ source: CaSource.fromFile(rootA.certFile) }).bundle.pem);
  });
  test('exposes pem, certificates, fingerprints, expiry and sha256', () => {
    const { bundle } = synth({ source: CaSource.fromPem(rootA.certPem + rootB.certPem) });
    expect(fingerprintsIn(bundle.pem)).toEqual([fingerprintOf(rootA.certPem), fingerprintOf(rootB.certPem)]);
    expect(bundle.certificates.map(c => c.fingerprint256)).toEqual([fingerprintOf(rootA.certPem), fingerprintOf(rootB.certPem)]);
    expect(bundle.certificates[0]).toMatchObject({ subject: 'O=Test Org, CN=bundle-root-a', isCa: true });
    expect(new Date(bundle.certificates[0].notAfter).getTime()).toBeGreaterThan(Date.now());
    expect(bundle.sha256).toMatch(/^[0-9a-f]{64}$/);
  });
  test('warnings go to the warning channel by default', () => {
    const leaf = makeCa('bundle-leaf', { type: 'leaf' });
    takeWarnings();
    const b = new OrgCaBundle(new Chart(Testing.app(), 'c'), 'ca', { source: CaSource.fromPem(leaf.certPem) });
    expect(b.warnings).toHaveLength(1);
    expect(takeWarnings()).toContainEqual(expect.stringMatching(/^inline PEM: certificate "O=Test Org, CN=bundle-leaf" \(block #1\) is not a CA/));
  });
});

describe('trust-manager Bundle', () => {
  test('default: one Bundle, inline source, key ca-certificates.crt, every namespace', () => {
    const { objs, bundle } = synth({ source: CaSource.fromPem(rootA.certPem) });
    expect(objs).toHaveLength(1);
    const b = objs[0];
    expect(b.apiVersion).toBe('trust.cert-manager.io/v1alpha1');
    expect(b.kind).toBe('Bundle');
    expect(b.metadata.name).toBe('org-ca-bundle');
    expect(b.metadata.namespace).toBeUndefined();
    expect(b.spec.sources).toEqual([{ inLine: bundle.pem }]);
    expect(b.spec.target).toEqual({ configMap: { key: 'ca-certificates.crt' }, namespaceSelector: {} });
    expect(b.metadata.annotations['cdk8s-org-ca/bundle-sha256']).toBe(bundle.sha256);
    expectAllValid(objs);
  });

  test('all options', () => {
    const { objs } = synth({
      source: CaSource.fromPem(rootA.certPem),
      trustManager: {
        name: 'nebari-trust-bundle',
        key: 'bundle.pem',
        useDefaultCAs: true,
        namespaceSelectorLabels: { 'org-ca/inject': 'true' },
        pkcs12: { key: 'truststore.p12', password: 'changeit' },
        jks: { key: 'truststore.jks' },
        syncWave: OrgCaBundle.BUNDLE_SYNC_WAVE,
      },
    });
    const b = objs[0];
    expect(b.metadata.name).toBe('nebari-trust-bundle');
    expect(b.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('4');
    expect(b.spec.sources).toEqual([{ inLine: expect.stringContaining('BEGIN CERTIFICATE') }, { useDefaultCAs: true }]);
    expect(b.spec.target).toEqual({
      configMap: { key: 'bundle.pem' },
      namespaceSelector: { matchLabels: { 'org-ca/inject': 'true' } },
      additionalFormats: { pkcs12: { key: 'truststore.p12', password: 'changeit' }, jks: { key: 'truststore.jks' } },
    });
    expectAllValid(objs);
  });

  test('a chart namespace does not leak into the cluster-scoped Bundle', () => {
    const { objs } = synth({ source: CaSource.fromPem(rootA.certPem) }, { namespace: 'platform' });
    expect(objs[0].metadata.namespace).toBeUndefined();
  });

  test('the CEL checks catch what the CRD forbids', () => {
    expect(bundleCelProblems({ spec: { sources: [{ inLine: 'x', useDefaultCAs: true }], target: { configMap: { key: 'k' } } } })).toHaveLength(1);
    expect(bundleCelProblems({ spec: { sources: [{ inLine: 'x' }], target: {} } })).toHaveLength(1);
    expect(() => expectAllValid([{ apiVersion: 'trust.cert-manager.io/v1alpha1', kind: 'Bundle', metadata: { name: 'x' }, spec: { sources: [{ inLine: 'x' }], target: { configMap: { key: 'k' }, bogus: 1 } } }])).toThrow(/bogus/);
  });

  test.each([
    [{ name: 'Not_Valid' }, /Bundle name "Not_Valid" is not a valid Kubernetes name/],
    [{ key: 'a/b' }, /trustManager.key "a\/b" is not a valid ConfigMap key/],
    [{ pkcs12: { key: 'ca-certificates.crt' } }, /trustManager.pkcs12.key "ca-certificates.crt" is the same as the PEM key/],
    [{ pkcs12: { key: 'x.p12' }, jks: { key: 'x.p12' } }, /pkcs12.key and trustManager.jks.key are both "x.p12"/],
  ])('bad option %o', (trustManager, err) => {
    expect(() => synth({ source: CaSource.fromPem(rootA.certPem), trustManager })).toThrow(err);
  });

  test('disabled: no Bundle', () => {
    const { objs, bundle } = synth({ source: CaSource.fromPem(rootA.certPem), trustManager: { enabled: false }, configMaps: [{ namespaces: ['a'] }] });
    expect(objs.map(o => o.kind)).toEqual(['ConfigMap']);
    expect(bundle.trustManagerBundle).toBeUndefined();
  });
});

describe('plain ConfigMaps', () => {
  test('in each namespace, default name and key ca.crt; no Bundle when only configMaps is given', () => {
    const { objs, bundle } = synth({ source: CaSource.fromPem(rootA.certPem + rootB.certPem), configMaps: [{ namespaces: ['argocd', 'ray'] }] });
    expect(objs.map(o => [o.kind, o.metadata.namespace, o.metadata.name])).toEqual([
      ['ConfigMap', 'argocd', 'org-ca-bundle'],
      ['ConfigMap', 'ray', 'org-ca-bundle'],
    ]);
    expect(objs[0].data).toEqual({ 'ca.crt': bundle.pem });
    expectAllValid(objs);
  });

  test('install-time ConfigMap for Argo CD next to the Bundle, with sync wave', () => {
    const { objs } = synth({ source: CaSource.fromPem(rootA.certPem), trustManager: {}, configMaps: [{ namespaces: ['argocd'], name: 'argocd-org-ca', key: 'ca.crt', syncWave: -1 }] });
    expect(objs.map(o => o.kind).sort()).toEqual(['Bundle', 'ConfigMap']);
    const cm = objs.find(o => o.kind === 'ConfigMap');
    expect(cm.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('-1');
    expectAllValid(objs);
  });

  test('addConfigMaps is idempotent per namespace', () => {
    const chart = new Chart(Testing.app(), 'c');
    const bundle = new OrgCaBundle(chart, 'ca', { source: CaSource.fromPem(rootA.certPem), configMaps: [{ namespaces: ['a'] }] });
    bundle.addConfigMaps({ namespaces: ['a', 'b'] });
    expect(Testing.synth(chart).map(o => o.metadata.namespace)).toEqual(['a', 'b']);
  });

  test.each([
    [{ namespaces: [] }, /namespaces is empty/],
    [{ namespaces: ['Bad_NS'] }, /namespace "Bad_NS" is not a valid Kubernetes name/],
    [{ namespaces: ['a'], key: 'no spaces' }, /ConfigMap key "no spaces" is not a valid ConfigMap key/],
  ])('bad ConfigMap options %o', (cm, err) => {
    expect(() => synth({ source: CaSource.fromPem(rootA.certPem), configMaps: [cm] })).toThrow(err);
  });

  test('one name with two keys in one namespace is an error', () => {
    expect(() => synth({ source: CaSource.fromPem(rootA.certPem), configMaps: [{ namespaces: ['a'] }, { namespaces: ['a'], key: 'other.crt' }] }))
      .toThrow(/ConfigMap "org-ca-bundle" in namespace "a" is already created with key "ca.crt"/);
  });
});

describe('configMapFor', () => {
  test('plain ConfigMap in that namespace wins; elsewhere the projection', () => {
    const { bundle } = synth({ source: CaSource.fromPem(rootA.certPem), trustManager: { name: 'nebari-trust-bundle', pkcs12: { key: 't.p12' } }, configMaps: [{ namespaces: ['argocd'], name: 'argocd-org-ca' }] });
    expect(bundle.configMapFor('argocd')).toEqual({ name: 'argocd-org-ca', key: 'ca.crt', projectedByTrustManager: false, jksKey: 'org-ca.jks', jksPassword: 'changeit' });
    expect(bundle.configMapFor('keycloak')).toEqual({
      name: 'nebari-trust-bundle', key: 'ca-certificates.crt', projectedByTrustManager: true, pkcs12Key: 't.p12', pkcs12Password: undefined, jksKey: undefined, jksPassword: undefined,
    });
    expect(bundle.configMapFor()).toMatchObject({ name: 'nebari-trust-bundle' });
  });
  test('no Bundle and no ConfigMap in that namespace is an error naming the fix', () => {
    const { bundle } = synth({ source: CaSource.fromPem(rootA.certPem), configMaps: [{ namespaces: ['a'] }] });
    expect(bundle.configMapFor()).toEqual({ name: 'org-ca-bundle', key: 'ca.crt', projectedByTrustManager: false, jksKey: 'org-ca.jks', jksPassword: 'changeit' });
    expect(() => bundle.configMapFor('b')).toThrow(/no ConfigMap of bundle "test\/ca" reaches namespace "b" \(plain ConfigMaps exist in: a\); add it with addConfigMaps/);
  });
});

describe('distribution name rules', () => {
  test('a plain ConfigMap named like the trust-manager Bundle is refused (the projection would collide)', () => {
    expect(() => new OrgCaBundle(new Chart(Testing.app(), 'c'), 'ca', { source: CaSource.fromPem(rootA.certPem), trustManager: {}, configMaps: [{ namespaces: ['a'] }] }))
      .toThrow(/ConfigMap name "org-ca-bundle" is also the trust-manager Bundle's name/);
  });
  test.each([NaN, 1.5])('syncWave %p is refused', (w) => {
    expect(() => new OrgCaBundle(new Chart(Testing.app(), 'c'), 'ca', { source: CaSource.fromPem(rootA.certPem), trustManager: { syncWave: w } })).toThrow(/syncWave .* must be an integer/);
  });
});

describe('ClusterTrustBundle distribution', () => {
  const make = (ctb: any, pem = rootA.certPem) => new OrgCaBundle(new Chart(Testing.app(), 'c', { namespace: 'x' }), 'ca', { source: CaSource.fromPem(pem), printWarnings: false, clusterTrustBundle: ctb });

  test('1.37: certificates.k8s.io/v1, cluster-scoped, schema-valid', () => {
    const b = make({ kubernetesVersion: '1.37' });
    const objs = Testing.synth(Chart.of(b));
    expect(objs.map(o => `${o.apiVersion} ${o.kind}`)).toEqual(['certificates.k8s.io/v1 ClusterTrustBundle']);
    expect(ctbProblems(objs[0])).toEqual([]);
    expect(ctbProblems({ ...objs[0], spec: { ...objs[0].spec, extra: 1 } })).toEqual([expect.stringMatching(/must NOT have additional properties/)]);
    expect(objs[0].metadata.namespace).toBeUndefined();
  });

  test('1.35: refused without allowBeta (naming the feature gates); with it, v1beta1 and a warning', () => {
    expect(() => make({ kubernetesVersion: '1.35' })).toThrow(/on Kubernetes 1.35 ClusterTrustBundle is certificates.k8s.io\/v1beta1, off by default; set allowBeta: true after enabling the ClusterTrustBundle and ClusterTrustBundleProjection feature gates and --runtime-config=certificates.k8s.io\/v1beta1\/clustertrustbundles=true/);
    takeWarnings();
    const b = make({ kubernetesVersion: '1.35', allowBeta: true });
    const [obj] = Testing.synth(Chart.of(b));
    expect(obj.apiVersion).toBe('certificates.k8s.io/v1beta1');
    expect(ctbProblems(obj)).toEqual([]);
    expect(takeWarnings().join('\n')).toMatch(/silently drops the pods' clusterTrustBundle volume source/);
  });

  test.each([
    [{ kubernetesVersion: '1.30', allowBeta: true }, /Kubernetes 1.30 has ClusterTrustBundles only as alpha/],
    [{ kubernetesVersion: 'latest' }, /kubernetesVersion "latest" is not a Kubernetes version/],
    [{ kubernetesVersion: '1.37', signerName: 'no-slash' }, /signerName "no-slash" is not a signer name/],
    [{ kubernetesVersion: '1.37', signerName: 'example.com/ca', name: 'other' }, /must start with the signer name, slashes as colons \("example.com:ca:"\)/],
    [{ kubernetesVersion: '1.37', labels: { 'bad key!': 'x' } }, /"bad key!" is not a valid label key/],
  ])('%o is refused', (ctb, err) => {
    expect(() => make(ctb)).toThrow(err);
  });

  test('a certificate that is not a CA is an error in this mode (the API server refuses it)', () => {
    const leaf = makeCa('ctb-leaf', { type: 'leaf' });
    expect(() => make({ kubernetesVersion: '1.37' }, rootA.certPem + leaf.certPem)).toThrow(/accepts only CA certificates, and "O=Test Org, CN=ctb-leaf" is not a CA/);
  });
});

describe('the JKS of plain ConfigMaps', () => {
  test('holds every certificate as a trusted entry, in order, and keytool verifies its integrity', () => {
    const { objs, bundle } = synth({ source: CaSource.fromPem(rootA.certPem + rootB.certPem), configMaps: [{ namespaces: ['a'] }] });
    const jks = Buffer.from(objs.find(o => o.kind === 'ConfigMap').binaryData['org-ca.jks'], 'base64');
    expect(jks.readUInt32BE(0)).toBe(0xfeedfeed);
    expect(jks.readUInt32BE(8)).toBe(2);
    expect(bundle.certificates).toHaveLength(2);
    for (const der of [derOf(rootA), derOf(rootB)]) expect(jks.includes(der)).toBe(true);
    if (!requireTools('the JKS check with keytool', ['keytool'])) return;
    const file = path.join(FIXTURE_DIR, 'plain.jks');
    fs.writeFileSync(file, jks);
    const list = execFileSync('keytool', ['-list', '-keystore', file, '-storetype', 'JKS', '-storepass', 'changeit'], { stdio: 'pipe' }).toString();
    expect(list).toMatch(/^org-ca-1, .*trustedCertEntry/m);
    expect(list).toMatch(/^org-ca-2, .*trustedCertEntry/m);
    expect(() => execFileSync('keytool', ['-list', '-keystore', file, '-storetype', 'JKS', '-storepass', 'wrong'], { stdio: 'pipe' })).toThrow();
  });
});
