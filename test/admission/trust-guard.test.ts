/* CaTrustGuard: only named identities change what every pod trusts. Proved offline: schema, type
 * check with a second CEL implementation, and requests evaluated as the API server would. */
import { Chart, Testing } from 'cdk8s';
import { CaAdmissionPolicy, CaSource, CaTrustGuard, OrgCaBundle } from '../../src';
import { OfflineRequest, validateRequest } from '../../src/admission/evaluate';
import { typeCheck } from '../util/cel-typecheck';
import { makeCa } from '../util/certs';
import { expectAllValid } from '../util/schema';

const ca = makeCa('guard-ca');
const DEPLOYER = 'system:serviceaccount:argocd:argocd-application-controller';

function setup(props: Partial<ConstructorParameters<typeof CaTrustGuard>[2]> = { allowedUsers: [DEPLOYER], allowedGroups: ['platform-admins'] }) {
  const chart = new Chart(Testing.app(), 'c', { namespace: 'platform' });
  const bundle = new OrgCaBundle(chart, 'ca', {
    source: CaSource.fromPem(ca.certPem), printWarnings: false, trustManager: {}, clusterTrustBundle: { kubernetesVersion: '1.37' },
  });
  const mutating = new CaAdmissionPolicy(chart, 'runtime', { bundle, kubernetesVersion: '1.36' });
  new CaTrustGuard(chart, 'guard', { bundle, admissionPolicies: [mutating], ...props });
  // a ConfigMap added after the guard is guarded too (names are read at synth time)
  bundle.addConfigMaps({ name: 'org-ca-plain', namespaces: ['legacy'] });
  const objs = Testing.synth(chart);
  return { objs, policy: objs.find(o => o.kind === 'ValidatingAdmissionPolicy'), binding: objs.find(o => o.kind === 'ValidatingAdmissionPolicyBinding') };
}

const req = (o: Partial<OfflineRequest>): OfflineRequest => ({ operation: 'UPDATE', group: '', version: 'v1', resource: 'configmaps', name: 'org-ca-bundle', namespace: 'apps', username: 'alice', ...o });

describe('CaTrustGuard', () => {
  test('policy and binding valid against the admissionregistration v1 OpenAPI, cluster-scoped, Deny, failurePolicy Fail', () => {
    const { objs, policy, binding } = setup();
    expectAllValid(objs.filter(o => o.apiVersion === 'admissionregistration.k8s.io/v1'));
    expect(policy.metadata.namespace).toBeUndefined();
    expect(policy.spec.failurePolicy).toBe('Fail');
    expect(binding.spec).toEqual({ policyName: 'org-ca-guard', validationActions: ['Deny'] });
    const results = typeCheck([...policy.spec.matchConditions, ...policy.spec.validations].map((x: any, i: number) => ({ where: `expr ${i}`, expr: x.expression })));
    expect(results.filter(r => !r.valid)).toEqual([]);
    expect(results.every(r => r.type === 'bool')).toBe(true);
  });

  test('a namespace editor cannot change, replace or delete the bundle ConfigMap; the deployer, the group, trust-manager and (deleting) the namespace controller can', () => {
    const { policy } = setup();
    const denied = validateRequest(policy, req({}));
    expect(denied).toEqual({ allowed: false, matched: true, message: expect.stringMatching(/^only system:serviceaccount:argocd:argocd-application-controller, group platform-admins, system:serviceaccount:cert-manager:trust-manager may create, change or delete what every pod trusts/) });
    expect(validateRequest(policy, req({ operation: 'DELETE' })).allowed).toBe(false);
    expect(validateRequest(policy, req({ operation: 'CREATE', name: 'org-ca-plain', namespace: 'legacy' })).allowed).toBe(false);
    expect(validateRequest(policy, req({ username: DEPLOYER })).allowed).toBe(true);
    expect(validateRequest(policy, req({ username: 'bob', groups: ['system:authenticated', 'platform-admins'] })).allowed).toBe(true);
    expect(validateRequest(policy, req({ username: 'system:serviceaccount:cert-manager:trust-manager' })).allowed).toBe(true);
    expect(validateRequest(policy, req({ operation: 'DELETE', username: 'system:serviceaccount:kube-system:namespace-controller' })).allowed).toBe(true);
    expect(validateRequest(policy, req({ operation: 'UPDATE', username: 'system:serviceaccount:kube-system:namespace-controller' })).allowed).toBe(false);
  });

  test('the ClusterTrustBundle and the admission policy and binding are guarded; other ConfigMaps and objects are not', () => {
    const { policy } = setup();
    expect(validateRequest(policy, req({ group: 'certificates.k8s.io', version: 'v1', resource: 'clustertrustbundles', name: 'org-ca-bundle', namespace: undefined })).allowed).toBe(false);
    expect(validateRequest(policy, req({ group: 'admissionregistration.k8s.io', version: 'v1', resource: 'mutatingadmissionpolicies', name: 'org-ca-trust', namespace: undefined })).allowed).toBe(false);
    expect(validateRequest(policy, req({ group: 'admissionregistration.k8s.io', version: 'v1', resource: 'mutatingadmissionpolicybindings', name: 'org-ca-trust', namespace: undefined })).allowed).toBe(false);
    expect(validateRequest(policy, req({ name: 'app-config' }))).toEqual({ allowed: true, matched: false });
    expect(validateRequest(policy, req({ resource: 'secrets', name: 'org-ca-bundle' }))).toEqual({ allowed: true, matched: false });
  });

  test('a trust-manager Bundle is guarded with it; nobody named is an error; bad names refused; enabled: false', () => {
    const chart = new Chart(Testing.app(), 'c');
    const bundle = new OrgCaBundle(chart, 'ca', { source: CaSource.fromPem(ca.certPem), printWarnings: false });
    expect(() => new CaTrustGuard(chart, 'g0', { bundle })).toThrow(/allowedUsers and allowedGroups are both empty, so nobody could deploy a new CA/);
    expect(() => new CaTrustGuard(chart, 'g1', { bundle, allowedUsers: ['a" || true || "'] })).toThrow(/is not a user or group name/);
    new CaTrustGuard(chart, 'g2', { bundle, allowedGroups: ['platform-admins'] });
    new CaTrustGuard(chart, 'g3', { bundle, allowedGroups: ['x'], enabled: false, name: 'off' });
    const objs = Testing.synth(chart);
    const policy = objs.find(o => o.kind === 'ValidatingAdmissionPolicy');
    expect(objs.filter(o => o.metadata?.name === 'off')).toEqual([]);
    expect(validateRequest(policy, req({ group: 'trust.cert-manager.io', version: 'v1alpha1', resource: 'bundles', name: 'org-ca-bundle', namespace: undefined })).allowed).toBe(false);
    expect(validateRequest(policy, req({ username: 'system:serviceaccount:cert-manager:trust-manager' })).allowed).toBe(true);
  });
});
