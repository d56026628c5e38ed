import { ApiObject, Testing } from 'cdk8s';
import { JavaTrust, MergedCaInitContainer } from '../../src';
import { KEYTOOL_SCRIPT } from '../../src/pod/init-scripts';
import { makeCa } from '../util/certs';
import { chartWithBundle, manifest, podOf, podSpec } from '../util/fixtures';
import { expectAllValid } from '../util/schema';

const ca = makeCa('java-ca');
const setup = (bundleProps: any = {}) => chartWithBundle(ca.certPem, undefined, bundleProps);
const jvm = (env: any[] = []) => manifest('Deployment', 'kc', podSpec({ containers: [{ name: 'app', image: 'jre', env }] }));
const javaOptions = (objs: any[]) => podOf(objs.find(o => o.kind === 'Deployment')).containers[0].env.find((e: any) => e.name === 'JAVA_TOOL_OPTIONS').value;

describe('JavaTrust.keytoolImport', () => {
  test('GIVEN JAVA_TOOL_OPTIONS already set WHEN wired THEN ours are appended and a keytool init container follows the merge', () => {
    const { chart, bundle } = setup();
    MergedCaInitContainer.addTo(new ApiObject(chart, 'd', jvm([{ name: 'JAVA_TOOL_OPTIONS', value: '-Xmx512m -XX:+UseG1GC' }])), bundle, { java: JavaTrust.keytoolImport() });
    const objs = Testing.synth(chart);
    expect(javaOptions(objs)).toBe('-Xmx512m -XX:+UseG1GC -Djavax.net.ssl.trustStore=/etc/org-ca/java-cacerts -Djavax.net.ssl.trustStorePassword=changeit');
    const pod = podOf(objs.find(o => o.kind === 'Deployment'));
    expect(pod.initContainers.map((c: any) => c.name)).toEqual(['merge-ca-bundle', 'merge-ca-bundle-java']);
    // the trust-manager projection carries no JKS: no JKS arguments, per-certificate import
    expect(pod.initContainers[1].command).toEqual(['/bin/sh', '-c', KEYTOOL_SCRIPT, 'merge-ca-truststore', '/var/run/org-ca/ca-certificates.crt', '/etc/org-ca/java-cacerts', 'changeit', '', '']);
    expectAllValid(objs);
  });

  test('an existing value is kept as it is: quoted spaces are not re-split', () => {
    const { chart, bundle } = setup();
    const mine = '-Dapp.title="two  words" -Xmx1g';
    MergedCaInitContainer.addTo(new ApiObject(chart, 'd', jvm([{ name: 'JAVA_TOOL_OPTIONS', value: mine }])), bundle, { java: JavaTrust.keytoolImport({ storePassword: 's3cret' }) });
    expect(javaOptions(Testing.synth(chart))).toBe(`${mine} -Djavax.net.ssl.trustStore=/etc/org-ca/java-cacerts -Djavax.net.ssl.trustStorePassword=s3cret`);
  });

  test('a conflicting trustStore option is an error', () => {
    const { chart, bundle } = setup();
    MergedCaInitContainer.addTo(new ApiObject(chart, 'd', jvm([{ name: 'JAVA_TOOL_OPTIONS', value: '-Djavax.net.ssl.trustStore=/other' }])), bundle, { java: JavaTrust.keytoolImport() });
    expect(() => Testing.synth(chart)).toThrow(/already sets -Djavax.net.ssl.trustStore=\/other in JAVA_TOOL_OPTIONS/);
  });

  test.each([
    'changeit -Duser.home=/x -XX:+PrintCommandLineFlags', 'a"b', "a'b", 'a\\b', 'a\tb', 'a$b', '',
  ])('password %j that would inject JVM options is refused', (pw) => {
    expect(() => JavaTrust.keytoolImport({ storePassword: pw })).toThrow(/must be a non-empty string without whitespace, quotes/);
    expect(() => JavaTrust.trustManagerPkcs12({ password: pw })).toThrow(/must be a non-empty string without whitespace, quotes/);
  });

  test('a 60-character init container name cannot derive a 64-character keytool container name', () => {
    const { bundle } = setup();
    expect(() => new MergedCaInitContainer(bundle, { java: JavaTrust.keytoolImport(), initContainerName: 'a'.repeat(60) }))
      .toThrow(/initContainerName "a{60}" is too long: the library also derives "a{60}-java" \(65 characters, at most 63\); use at most 58 characters/);
  });
});

describe('JavaTrust.keytoolImport with a JKS next to the PEM (one JVM per pod)', () => {
  test('plain ConfigMaps carry the org certificates as a JKS (binaryData); the keytool container gets it and its password', () => {
    const { chart, bundle } = setup({ configMaps: [{ namespaces: ['apps'] }] });
    MergedCaInitContainer.addTo(new ApiObject(chart, 'd', manifest('Deployment', 'kc', podSpec(), 'apps')), bundle, { java: JavaTrust.keytoolImport() });
    const objs = Testing.synth(chart);
    const cm = objs.find(o => o.kind === 'ConfigMap' && o.metadata.name === 'org-ca-bundle');
    expect(Object.keys(cm.binaryData)).toEqual(['org-ca.jks']);
    const pod = podOf(objs.find(o => o.kind === 'Deployment'));
    // the ConfigMap is mounted whole: the PEM and the JKS at their keys' names
    expect(pod.volumes[0].configMap).toEqual({ name: 'org-ca-bundle', optional: true });
    expect(pod.initContainers[1].command.slice(-5)).toEqual(['/var/run/org-ca/ca.crt', '/etc/org-ca/java-cacerts', 'changeit', '/var/run/org-ca/org-ca.jks', 'changeit']);
    expectAllValid(objs);
  });

  test('trust-manager with a jks format: its key and password are used', () => {
    const { chart, bundle } = setup({ trustManager: { jks: { key: 'truststore.jks', password: 'tm-pass' } } });
    MergedCaInitContainer.addTo(new ApiObject(chart, 'd', manifest('Deployment', 'kc')), bundle, { java: JavaTrust.keytoolImport() });
    const pod = podOf(Testing.synth(chart).find(o => o.kind === 'Deployment'));
    expect(pod.initContainers[1].command.slice(-2)).toEqual(['/var/run/org-ca/truststore.jks', 'tm-pass']);
  });
});

describe('JavaTrust.trustManagerPkcs12', () => {
  test('mounts the projected trust store with the bundle password', () => {
    const { chart, bundle } = setup({ trustManager: { useDefaultCAs: true, pkcs12: { key: 'truststore.p12', password: 'pw' } } });
    MergedCaInitContainer.addTo(new ApiObject(chart, 'd', manifest('Deployment', 'kc')), bundle, { java: JavaTrust.trustManagerPkcs12() });
    const objs = Testing.synth(chart);
    const pod = podOf(objs.find(o => o.kind === 'Deployment'));
    expect(pod.volumes).toContainEqual({ name: 'org-ca-java', configMap: { name: 'org-ca-bundle', items: [{ key: 'truststore.p12', path: 'truststore.p12' }], optional: true } });
    expect(pod.containers[0].volumeMounts).toContainEqual({ name: 'org-ca-java', mountPath: '/var/run/org-ca/java', readOnly: true });
    expect(pod.containers[0].env).toContainEqual({ name: 'JAVA_TOOL_OPTIONS', value: '-Djavax.net.ssl.trustStore=/var/run/org-ca/java/truststore.p12 -Djavax.net.ssl.trustStoreType=PKCS12 -Djavax.net.ssl.trustStorePassword=pw' });
    expect(pod.initContainers.map((c: any) => c.name)).toEqual(['merge-ca-bundle']);
    expectAllValid(objs);
  });

  test('its own password wins over the bundle password; none at all sets no password option', () => {
    const a = setup({ trustManager: { pkcs12: { key: 'truststore.p12', password: 'pw' } } });
    MergedCaInitContainer.addTo(new ApiObject(a.chart, 'd', jvm()), a.bundle, { java: JavaTrust.trustManagerPkcs12({ password: 'other' }) });
    expect(javaOptions(Testing.synth(a.chart))).toMatch(/trustStorePassword=other$/);
    const b = setup({ trustManager: { pkcs12: { key: 'truststore.p12' } } });
    MergedCaInitContainer.addTo(new ApiObject(b.chart, 'd', jvm()), b.bundle, { java: JavaTrust.trustManagerPkcs12() });
    expect(javaOptions(Testing.synth(b.chart))).not.toMatch(/trustStorePassword/);
  });

  test('without a pkcs12 trust store on the bundle: an error naming the fix', () => {
    const { bundle } = setup();
    expect(() => new MergedCaInitContainer(bundle, { java: JavaTrust.trustManagerPkcs12() })).toThrow(/set trustManager.pkcs12 .* on the OrgCaBundle, or use JavaTrust.keytoolImport\(\)/);
  });

  test('a bundle pkcs12 password with a space is refused', () => {
    const { bundle } = setup({ trustManager: { pkcs12: { key: 'truststore.p12', password: 'a b' } } });
    expect(() => new MergedCaInitContainer(bundle, { java: JavaTrust.trustManagerPkcs12() })).toThrow(/trustManager.pkcs12.password must be/);
  });
});
