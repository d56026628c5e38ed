import { ApiObject, Testing } from 'cdk8s';
import { CaConfigMapMount } from '../../src';
import { makeCa } from '../util/certs';
import { chartWithBundle, envOf, KIND_FORMS, makeWorkload, manifest, podOf, podSpec, rotationOf, workloadsOf } from '../util/fixtures';
import { expectAllValid } from '../util/schema';

const ca = makeCa('mount-ca');
const OPTS = { mountPath: '/etc/org-ca', directoryVariables: ['KC_TRUSTSTORE_PATHS'], fileVariables: ['NODE_EXTRA_CA_CERTS'] };

describe.each(KIND_FORMS)('CaConfigMapMount on %s (%s)', (kind, form) => {
  test('mounted read-only, variables to the directory and the file, annotation, no init container, schema-valid', () => {
    const { chart, bundle } = chartWithBundle(ca.certPem, 'apps');
    CaConfigMapMount.addTo(makeWorkload(chart, kind, form), bundle, OPTS);
    const objs = Testing.synth(chart);
    const [obj] = workloadsOf(objs);
    const pod = podOf(obj);
    expect(pod.volumes).toContainEqual({ name: 'org-ca-truststore', configMap: { name: 'org-ca-bundle', items: [{ key: 'ca-certificates.crt', path: 'org-ca.pem' }], optional: true } });
    const app = pod.containers[0];
    expect(app.volumeMounts).toContainEqual({ name: 'org-ca-truststore', mountPath: '/etc/org-ca', readOnly: true });
    expect(envOf(app)).toMatchObject({ KC_TRUSTSTORE_PATHS: '/etc/org-ca', NODE_EXTRA_CA_CERTS: '/etc/org-ca/org-ca.pem' });
    expect(pod.initContainers ?? []).toEqual([]);
    expect(rotationOf(obj)).toBe(bundle.sha256.slice(0, 16));
    expectAllValid(objs);
  });
});

describe('CaConfigMapMount rules', () => {
  test.each(['SSL_CERT_FILE', 'REQUESTS_CA_BUNDLE', 'GIT_SSL_CAINFO'])('%s replaces a default pool: refused, naming MergedCaInitContainer', (v) => {
    const { bundle } = chartWithBundle(ca.certPem);
    expect(() => new CaConfigMapMount(bundle, { mountPath: '/etc/org-ca', fileVariables: [v] })).toThrow(new RegExp(`${v} replaces its runtime's default trust pool.*MergedCaInitContainer`));
  });

  test.each([
    [{ mountPath: 'rel' }, /mountPath "rel" must be a normalised absolute directory/],
    [{ mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }, /would hide what the image or Kubernetes keeps there/],
    [{ mountPath: '/a/../b' }, /must be a normalised absolute directory without ".."/],
    [{ mountPath: '/x', fileName: 'a/b' }, /fileName "a\/b" must be a plain file name/],
    [{ mountPath: '/x', volumeName: 'Bad' }, /volumeName "Bad" is not a valid Kubernetes name/],
  ])('bad option %o', (opts, err) => {
    const { bundle } = chartWithBundle(ca.certPem);
    expect(() => new CaConfigMapMount(bundle, opts as any)).toThrow(err);
  });

  test('containers: only the listed one; a name that is not there is an error', () => {
    const { chart, bundle } = chartWithBundle(ca.certPem);
    CaConfigMapMount.addTo(new ApiObject(chart, 'd', manifest('Deployment', 'd', podSpec({ containers: [{ name: 'a', image: 'i' }, { name: 'b', image: 'i' }] }))), bundle, { ...OPTS, containers: ['b'] });
    const pod = podOf(Testing.synth(chart).find(o => o.kind === 'Deployment'));
    expect(pod.containers[0].volumeMounts).toBeUndefined();
    expect(pod.containers[1].volumeMounts).toHaveLength(1);
    const other = chartWithBundle(ca.certPem);
    CaConfigMapMount.addTo(new ApiObject(other.chart, 'd', manifest('Deployment', 'd')), other.bundle, { ...OPTS, containers: ['zz'] });
    expect(() => Testing.synth(other.chart)).toThrow(/containers lists "zz", which is not a container of this pod/);
  });

  test('wireManifest returns a wired copy and leaves its input alone; disabled returns it unchanged', () => {
    const { bundle } = chartWithBundle(ca.certPem);
    const m = manifest('Deployment', 'd');
    const before = JSON.stringify(m);
    const wired = new CaConfigMapMount(bundle, OPTS).wireManifest(m);
    expect(JSON.stringify(m)).toBe(before);
    expect(podOf(wired).volumes).toHaveLength(1);
    expect(new CaConfigMapMount(bundle, { ...OPTS, enabled: false }).wireManifest(m)).toBe(m);
  });
});
