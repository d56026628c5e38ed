import { ApiObject, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import * as YAML from 'yaml';
import { KeycloakHelmChart, KeycloakTruststore, KeycloakTruststoreProps } from '../../src';
import { makeCa } from '../util/certs';
import { chartWithBundle, envOf } from '../util/fixtures';
import { expectAllValid, keycloakxProblems } from '../util/schema';

const ca = makeCa('keycloak-ca');
const setup = () => chartWithBundle(ca.certPem, 'keycloak', { trustManager: { name: 'nebari-trust-bundle' } });
const keycloakCa = (props: Omit<KeycloakTruststoreProps, 'bundle'> = {}) => {
  const { chart, bundle } = setup();
  return new KeycloakTruststore(chart, 'kc-ca', { bundle, ...props });
};

describe('KeycloakTruststore', () => {
  test('GIVEN a Keycloak StatefulSet WHEN applyTo THEN the projected bundle at /etc/nebari/truststore and KC_TRUSTSTORE_PATHS', () => {
    const { chart, bundle } = setup();
    const kc = new kplus.StatefulSet(chart, 'kc', { containers: [{ name: 'keycloak', image: 'quay.io/keycloak/keycloak:26.0.7', portNumber: 8080 }] });
    new KeycloakTruststore(chart, 'kc-ca', { bundle, namespace: 'keycloak' }).applyTo(kc);
    const objs = Testing.synth(chart);
    const pod = objs.find(o => o.kind === 'StatefulSet').spec.template.spec;
    expect(pod.volumes).toContainEqual({ name: 'org-ca-truststore', configMap: { name: 'nebari-trust-bundle', items: [{ key: 'ca-certificates.crt', path: 'org-ca.pem' }], optional: true } });
    expect(pod.containers[0].volumeMounts).toContainEqual({ name: 'org-ca-truststore', mountPath: '/etc/nebari/truststore', readOnly: true });
    expect(envOf(pod.containers[0])).toMatchObject({ KC_TRUSTSTORE_PATHS: '/etc/nebari/truststore' });
    expect(envOf(pod.containers[0]).X509_CA_BUNDLE).toBeUndefined();
    expect(pod.initContainers).toBeUndefined(); // a mount, no merge
    expectAllValid(objs);
  });

  test('helmValues(): keycloakx YAML strings valid for the chart schema; BITNAMI: lists', () => {
    const k = keycloakCa();
    const v = k.helmValues();
    expect(keycloakxProblems(v)).toEqual([]);
    expect(YAML.parse(v.extraEnv)).toEqual([{ name: 'KC_TRUSTSTORE_PATHS', value: '/etc/nebari/truststore' }]);
    expect(YAML.parse(v.extraVolumes)[0].configMap.name).toBe('nebari-trust-bundle');
    const b = k.helmValues(KeycloakHelmChart.BITNAMI);
    expect(b.extraEnvVars).toEqual([{ name: 'KC_TRUSTSTORE_PATHS', value: '/etc/nebari/truststore' }]);
    expect(b.extraVolumes[0].configMap).toEqual({ name: 'nebari-trust-bundle', items: [{ key: 'ca-certificates.crt', path: 'org-ca.pem' }], optional: true });
  });

  test('a mountPath that hides the system bundle is refused', () => {
    expect(() => keycloakCa({ mountPath: '/etc/ssl/certs' })).toThrow(/mountPath "\/etc\/ssl\/certs" would hide/);
  });
});

describe('KeycloakTruststore on a Keycloak Operator resource', () => {
  const keycloakCr = (chart: any, spec: any = {}) => new ApiObject(chart, 'kc-cr', {
    apiVersion: 'k8s.keycloak.org/v2alpha1', kind: 'Keycloak', metadata: { name: 'keycloak' }, spec: { instances: 1, ...spec },
  });

  test('a Secret with the bundle in its namespace, added to spec.truststores; schema-valid against the operator CRD', () => {
    const { chart, bundle } = setup();
    new KeycloakTruststore(chart, 'kc-ca', { bundle }).applyTo(keycloakCr(chart, { truststores: { corp: { secret: { name: 'other' } } } }));
    const objs = Testing.synth(chart);
    const kc = objs.find(o => o.kind === 'Keycloak');
    expect(kc.spec.truststores).toEqual({ 'corp': { secret: { name: 'other' } }, 'org-ca': { secret: { name: 'org-ca-truststore' } } });
    const secret = objs.find(o => o.kind === 'Secret');
    expect(secret).toMatchObject({ type: 'Opaque', metadata: { name: 'org-ca-truststore', namespace: 'keycloak' }, stringData: { 'org-ca.pem': bundle.pem } });
    expect(JSON.stringify(objs)).not.toMatch(/PRIVATE KEY/);
    expectAllValid(objs);
  });

  test('an existing org-ca truststore entry of another Secret is an error', () => {
    const { chart, bundle } = setup();
    new KeycloakTruststore(chart, 'kc-ca', { bundle }).applyTo(keycloakCr(chart, { truststores: { 'org-ca': { secret: { name: 'mine' } } } }));
    expect(() => Testing.synth(chart)).toThrow(/already has spec.truststores\["org-ca"\]/);
  });
});
