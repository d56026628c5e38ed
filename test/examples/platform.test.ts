import * as path from 'node:path';
import { Testing } from 'cdk8s';
import * as YAML from 'yaml';
import { buildPlatform, IMAGES } from '../../examples/platform';
import { ArgoRepoServerCa, CaVariables, RayClusterCa, SingleuserCaMerge } from '../../src';
import { envOf, expectRayGroupsWired, restrictedViolations } from '../util/fixtures';
import { expectAllValid, keycloakxProblems, z2jhProblems } from '../util/schema';

const DEMO_CA = path.join(__dirname, '..', '..', 'examples', 'demo-ca', 'org-ca.pem');

function platform() {
  const app = Testing.app();
  const files = buildPlatform(app, DEMO_CA);
  const objs = app.charts.flatMap(c => Testing.synth(c));
  return { objs, files };
}

// The per-application table of the enterprise TLS proxy write-up, line by line.
describe('example platform matches the per-application table', () => {
  const { objs, files } = platform();

  test('every synthesized object is schema-valid (Kubernetes, trust-manager Bundle, RayCluster)', () => {
    expectAllValid(objs);
  });

  test('trust-manager Bundle nebari-trust-bundle, key ca-certificates.crt, every namespace, sync wave 4', () => {
    const b = objs.find(o => o.kind === 'Bundle');
    expect(b.metadata).toMatchObject({ name: 'nebari-trust-bundle', annotations: { 'argocd.argoproj.io/sync-wave': '4' } });
    expect(b.spec.target).toEqual({ configMap: { key: 'ca-certificates.crt' }, namespaceSelector: {} });
  });

  test('Argo CD repo-server: install-time argocd-org-ca (ca.crt), merged into /etc/ssl/certs-combined/ca-bundle.crt', () => {
    const cm = objs.find(o => o.kind === 'ConfigMap' && o.metadata.name === 'argocd-org-ca');
    expect(cm.metadata.namespace).toBe('argocd');
    expect(Object.keys(cm.data)).toEqual(['ca.crt']);
    expect(objs.find(o => o.metadata?.name === 'argocd-tls-certs-cm')).toBeUndefined();
    const pod = objs.find(o => o.metadata.name === 'argocd-repo-server').spec.template.spec;
    expect(pod.initContainers.map((c: any) => c.name)).toEqual(['merge-ca-bundle', 'copyutil']);
    expect(pod.initContainers[0].command.slice(-1)).toEqual(['/etc/ssl/certs-combined/ca-bundle.crt']);
    expect(pod.volumes).toContainEqual({ name: 'org-ca', configMap: { name: 'argocd-org-ca', optional: true } });
    const env = envOf(pod.containers[0], objs, 'argocd');
    const f = ArgoRepoServerCa.MERGED_FILE;
    expect(env).toEqual(Object.fromEntries(ArgoRepoServerCa.VARIABLES.map(v => [v, f])));
  });

  test('Argo CD Helm values fragment', () => {
    const v = YAML.parse(files['argocd.values.yaml']);
    expect(Object.keys(v.repoServer).sort()).toEqual(['env', 'initContainers', 'volumeMounts', 'volumes']);
    expect(v.repoServer.initContainers[0].image).toBe(IMAGES.argocd);
    expect(v.repoServer.env.map((e: any) => e.name)).toEqual(ArgoRepoServerCa.VARIABLES);
  });

  test('Keycloak: projected nebari-trust-bundle mounted at /etc/nebari/truststore, KC_TRUSTSTORE_PATHS', () => {
    const pod = objs.find(o => o.kind === 'StatefulSet').spec.template.spec;
    expect(pod.volumes).toContainEqual({ name: 'org-ca-truststore', configMap: { name: 'nebari-trust-bundle', items: [{ key: 'ca-certificates.crt', path: 'org-ca.pem' }], optional: true } });
    expect(pod.containers[0].volumeMounts).toContainEqual({ name: 'org-ca-truststore', mountPath: '/etc/nebari/truststore', readOnly: true });
    expect(envOf(pod.containers[0])).toMatchObject({ KC_TRUSTSTORE_PATHS: '/etc/nebari/truststore' });
    expect(envOf(pod.containers[0]).X509_CA_BUNDLE).toBeUndefined();
  });

  test('keycloakx values: extraEnv, extraVolumes, extraVolumeMounts are YAML strings valid for the chart schema', () => {
    const v = YAML.parse(files['keycloakx.values.yaml']);
    // a fragment: each key we set is checked against the chart's schema for that key
    expect(keycloakxProblems(v)).toEqual([]);
    expect(typeof v.extraEnv).toBe('string');
    expect(YAML.parse(v.extraEnv)).toEqual([{ name: 'KC_TRUSTSTORE_PATHS', value: '/etc/nebari/truststore' }]);
    expect(YAML.parse(v.extraVolumes)[0].configMap.name).toBe('nebari-trust-bundle');
  });

  test('JupyterHub singleuser: merge first, the default variables → /etc/ssl/certs-extra/ca-bundle.crt, optional mount', () => {
    const v = YAML.parse(files['jupyterhub.values.yaml']);
    expect(v.singleuser.initContainers.map((c: any) => c.name)).toEqual(['merge-ca-bundle', 'nebi-pull']);
    expect(v.singleuser.initContainers[0].image).toBe(IMAGES.singleuser);
    expect(v.singleuser.extraEnv).toEqual(Object.fromEntries(CaVariables.DEFAULTS.map(x => [x, SingleuserCaMerge.MERGED_FILE])));
    // the package-pull init container gets the same variables and mount
    expect(envOf(v.singleuser.initContainers[1])).toMatchObject({ SSL_CERT_FILE: SingleuserCaMerge.MERGED_FILE });
    expect(v.singleuser.initContainers[1].volumeMounts).toContainEqual({ name: 'org-ca-merged', mountPath: '/etc/ssl/certs-extra', readOnly: true });
    expect(v.singleuser.storage.extraVolumes).toContainEqual({ name: 'org-ca', configMap: { name: 'nebari-trust-bundle', optional: true } });
    expect(z2jhProblems(v)).toEqual([]);
  });

  test('Ray: head and every worker group, /shared/combined-ca.crt, four variables, projected key', () => {
    const rc = objs.find(o => o.kind === 'RayCluster');
    expectRayGroupsWired(rc, 3, objs);
  });

  test('generic Deployment, Job and CronJob wired by the whole-chart call', () => {
    for (const name of ['api', 'migrate', 'report']) {
      const o = objs.find(x => x.metadata.name === name && x.metadata.namespace === 'apps');
      const pod = o.kind === 'CronJob' ? o.spec.jobTemplate.spec.template.spec : o.spec.template.spec;
      expect(pod.initContainers[0].name).toBe('merge-ca-bundle');
    }
  });

  test('OpenShift namespace payments: wired, and nothing in the pod asks for a fixed UID', () => {
    const d = objs.find(o => o.kind === 'Deployment' && o.metadata.namespace === 'payments');
    const pod = d.spec.template.spec;
    expect(pod.initContainers[0].name).toBe('merge-ca-bundle');
    expect(JSON.stringify(d)).not.toMatch(/runAsUser|runAsGroup/);
    expect(restrictedViolations(pod)).toEqual([]); // runAsNonRoot and the rest of the profile stay
  });

  test('operators: the Keycloak resource gets the Secret truststore, the ArgoCD resource systemCATrust; the hub is wired', () => {
    const kc = objs.find(o => o.kind === 'Keycloak');
    expect(kc.spec.truststores['org-ca']).toEqual({ secret: { name: 'org-ca-truststore' } });
    expect(objs.find(o => o.kind === 'Secret' && o.metadata.namespace === 'keycloak').stringData['org-ca.pem']).toMatch(/BEGIN CERTIFICATE/);
    expect(objs.find(o => o.kind === 'ArgoCD').spec.repo.systemCATrust.configMaps[0].name).toBe('argocd-org-ca');
    const v = YAML.parse(files['jupyterhub.values.yaml']);
    expect(v.hub.initContainers[0].name).toBe('merge-ca-bundle');
    expect(z2jhProblems(v)).toEqual([]);
  });
});
