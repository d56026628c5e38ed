import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv';
import { ApiObject, App, Chart, Testing, Yaml } from 'cdk8s';
import * as YAML from 'yaml';
import { buildPlatform, IMAGES } from '../../examples/platform';
import { ArgoRepoServerCa, KeycloakTruststore, OrgCaBundle, RayClusterCa, SingleuserCaMerge } from '../../src';
import { makeCa } from '../util/certs';
import { expectAllValid, schemaFile } from '../util/schema';

const ca = makeCa('components-ca');
const DEMO_CA = path.join(__dirname, '..', '..', 'examples', 'demo-ca', 'org-ca.pem');

function bundleIn(chart: Chart, props: any = {}) {
  return new OrgCaBundle(chart, 'ca', { inline: ca.certPem, printWarnings: false, trustManager: { name: 'nebari-trust-bundle' }, ...props });
}

function platform() {
  const app = Testing.app();
  const files = buildPlatform(app, DEMO_CA);
  const objs = app.charts.flatMap(c => Testing.synth(c));
  return { objs, files };
}

const envOf = (c: any) => Object.fromEntries((c.env ?? []).map((e: any) => [e.name, e.value]));

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
    expect(pod.volumes).toContainEqual({ name: 'org-ca', configMap: { name: 'argocd-org-ca', items: [{ key: 'ca.crt', path: 'org-ca.crt' }], optional: true } });
    const env = envOf(pod.containers[0]);
    const f = ArgoRepoServerCa.MERGED_FILE;
    expect(env).toEqual({ SSL_CERT_FILE: f, GIT_SSL_CAINFO: f, CURL_CA_BUNDLE: f });
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
    const schema = JSON.parse(fs.readFileSync(schemaFile('keycloakx-values.schema.json'), 'utf8'));
    // a fragment: each key we set is checked against the chart's schema for that key
    const ajv = new Ajv({ strict: false, allErrors: true });
    for (const [k, val] of Object.entries(v)) {
      expect(schema.properties[k]).toBeDefined();
      const validate = ajv.compile(schema.properties[k]);
      expect(validate(val) ? [] : validate.errors).toEqual([]);
    }
    expect(schema.properties.extraEnv.type).toBe('string');
    expect(YAML.parse(v.extraEnv)).toEqual([{ name: 'KC_TRUSTSTORE_PATHS', value: '/etc/nebari/truststore' }]);
    expect(YAML.parse(v.extraVolumes)[0].configMap.name).toBe('nebari-trust-bundle');
  });

  test('JupyterHub singleuser: merge first, five variables → /etc/ssl/certs-extra/ca-bundle.crt, optional mount', () => {
    const v = YAML.parse(files['jupyterhub.values.yaml']);
    expect(v.singleuser.initContainers.map((c: any) => c.name)).toEqual(['merge-ca-bundle', 'nebi-pull']);
    expect(v.singleuser.initContainers[0].image).toBe(IMAGES.singleuser);
    expect(v.singleuser.extraEnv).toEqual({
      REQUESTS_CA_BUNDLE: SingleuserCaMerge.MERGED_FILE,
      SSL_CERT_FILE: SingleuserCaMerge.MERGED_FILE,
      NODE_EXTRA_CA_CERTS: SingleuserCaMerge.MERGED_FILE,
      CURL_CA_BUNDLE: SingleuserCaMerge.MERGED_FILE,
      GIT_SSL_CAINFO: SingleuserCaMerge.MERGED_FILE,
    });
    // the package-pull init container gets the same variables and mount
    expect(envOf(v.singleuser.initContainers[1])).toMatchObject({ SSL_CERT_FILE: SingleuserCaMerge.MERGED_FILE });
    expect(v.singleuser.initContainers[1].volumeMounts).toContainEqual({ name: 'org-ca-merged', mountPath: '/etc/ssl/certs-extra', readOnly: true });
    expect(v.singleuser.storage.extraVolumes).toContainEqual({ name: 'org-ca', configMap: { name: 'nebari-trust-bundle', items: [{ key: 'ca-certificates.crt', path: 'org-ca.crt' }], optional: true } });
    expectZ2jhValid(v);
  });

  test('Ray: head and every worker group, /shared/combined-ca.crt, four variables, projected key', () => {
    const rc = objs.find(o => o.kind === 'RayCluster');
    const templates = [rc.spec.headGroupSpec.template, ...rc.spec.workerGroupSpecs.map((w: any) => w.template)];
    expect(templates).toHaveLength(3);
    for (const t of templates) {
      expect(t.spec.initContainers[0].command.slice(-1)).toEqual([RayClusterCa.MERGED_FILE]);
      expect(t.spec.volumes[0].configMap.items).toEqual([{ key: 'ca-certificates.crt', path: 'org-ca.crt' }]);
      expect(envOf(t.spec.containers[0])).toEqual(Object.fromEntries(RayClusterCa.VARIABLES.map(v => [v, RayClusterCa.MERGED_FILE])));
    }
  });

  test('generic Deployment, Job and CronJob wired by the whole-chart call', () => {
    for (const name of ['api', 'migrate', 'report']) {
      const o = objs.find(x => x.metadata.name === name && x.metadata.namespace === 'apps');
      const pod = o.kind === 'CronJob' ? o.spec.jobTemplate.spec.template.spec : o.spec.template.spec;
      expect(pod.initContainers[0].name).toBe('merge-ca-bundle');
    }
  });
});

function expectZ2jhValid(values: any) {
  const schema = YAML.parse(fs.readFileSync(schemaFile('z2jh-values.schema.yaml'), 'utf8'));
  const defaults = YAML.parse(fs.readFileSync(schemaFile('z2jh-values-4.4.0.defaults.yaml'), 'utf8'));
  const merged = deepMerge(defaults, values);
  const validate = new Ajv({ strict: false, allErrors: true }).compile(schema);
  expect(validate(merged) ? [] : validate.errors).toEqual([]);
}

function deepMerge(a: any, b: any): any {
  if (b === undefined) return a;
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const out: any = { ...a };
    for (const [k, v] of Object.entries(b)) out[k] = deepMerge(a[k], v);
    return out;
  }
  return b;
}

describe('SingleuserCaMerge', () => {
  const bundle = () => bundleIn(new Chart(Testing.app(), 'c'));
  const base = { singleuser: { image: { name: 'jupyter/base', tag: '1' } } };

  test('disabled: values come back unchanged, byte for byte', () => {
    const user = { singleuser: { image: { name: 'x', tag: 'y' }, extraEnv: { A: 'b' } }, hub: { config: {} } };
    const before = Yaml.stringify(user);
    expect(Yaml.stringify(new SingleuserCaMerge(bundle(), { enabled: false }).values(user))).toBe(before);
  });

  test('appends to list-form env and volumes; conflicting variable is an error', () => {
    const m = new SingleuserCaMerge(bundle());
    const v = m.values({ singleuser: { ...base.singleuser, extraEnv: [{ name: 'X', value: '1' }], storage: { extraVolumes: [{ name: 'data', emptyDir: {} }] } } });
    expect(v.singleuser.extraEnv[0]).toEqual({ name: 'X', value: '1' });
    expect(v.singleuser.extraEnv).toHaveLength(6);
    expect(v.singleuser.storage.extraVolumes.map((x: any) => x.name)).toEqual(['data', 'org-ca', 'org-ca-merged']);
    expectZ2jhValid(v);
    expect(() => m.values({ singleuser: { ...base.singleuser, extraEnv: { SSL_CERT_FILE: '/mine' } } })).toThrow(/extraEnv already sets SSL_CERT_FILE to "\/mine"/);
  });

  test('idempotent on its own output', () => {
    const m = new SingleuserCaMerge(bundle());
    const once = m.values(base);
    expect(m.values(once)).toEqual(once);
  });

  test('no image anywhere is an error naming the fix', () => {
    expect(() => new SingleuserCaMerge(bundle()).values({})).toThrow(/set image, or singleuser.image.name and singleuser.image.tag/);
  });

  test('warns when a restricted namespace keeps the privileged block-cloud-metadata init container', () => {
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const m = new SingleuserCaMerge(bundle(), { namespaceLabels: { 'pod-security.kubernetes.io/enforce': 'restricted' } });
      m.values(base);
      expect(m.warnings).toEqual([expect.stringMatching(/block-cloud-metadata .* set it to false/)]);
      m.values({ singleuser: { ...base.singleuser, cloudMetadata: { blockWithIptables: false, ip: '169.254.169.254' } } });
      expect(m.warnings).toEqual([]);
    } finally {
      spy.mockRestore();
    }
  });
});

describe('ArgoRepoServerCa', () => {
  test('refuses anything but the repo-server Deployment', () => {
    const app = new App({ outdir: fs.mkdtempSync('/tmp/x-') });
    const chart = new Chart(app, 'c');
    const bundle = bundleIn(chart);
    const ctl = new ApiObject(chart, 'ctl', { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'argocd-application-controller' }, spec: {} });
    expect(() => new ArgoRepoServerCa(chart, 'argo', { bundle, repoServer: ctl })).toThrow(/only wires the Argo CD repo-server Deployment, not StatefulSet "argocd-application-controller"/);
  });
  test('helmValues needs the image', () => {
    const chart = new Chart(Testing.app(), 'c');
    expect(() => new ArgoRepoServerCa(chart, 'argo', { bundle: bundleIn(chart) }).helmValues('')).toThrow(/pass the repo-server image/);
  });
});

describe('KeycloakTruststore', () => {
  test('Bitnami values are lists', () => {
    const chart = new Chart(Testing.app(), 'c');
    const v = new KeycloakTruststore(bundleIn(chart)).bitnamiValues();
    expect(v.extraEnvVars).toEqual([{ name: 'KC_TRUSTSTORE_PATHS', value: '/etc/nebari/truststore' }]);
    expect(v.extraVolumes[0].configMap).toEqual({ name: 'nebari-trust-bundle', items: [{ key: 'ca-certificates.crt', path: 'org-ca.pem' }], optional: true });
  });
});

describe('RayClusterCa', () => {
  test('plain ConfigMap in the Ray namespace: default name org-ca-bundle, key ca.crt', () => {
    const chart = new Chart(Testing.app(), 'c', { namespace: 'ray' });
    const bundle = new OrgCaBundle(chart, 'ca', { inline: ca.certPem, printWarnings: false, configMaps: [{ namespaces: ['ray'] }] });
    const rc = new ApiObject(chart, 'rc', {
      apiVersion: 'ray.io/v1',
      kind: 'RayCluster',
      metadata: { name: 'r' },
      spec: { headGroupSpec: { rayStartParams: {}, template: { spec: { containers: [{ name: 'h', image: 'ray' }] } } }, workerGroupSpecs: [{ groupName: 'w', minReplicas: 0, maxReplicas: 1, rayStartParams: {}, template: { spec: { containers: [{ name: 'w', image: 'ray' }] } } }] },
    });
    RayClusterCa.addTo(rc, bundle);
    const objs = Testing.synth(chart);
    const out = objs.find(o => o.kind === 'RayCluster');
    expect(out.spec.workerGroupSpecs[0].template.spec.volumes[0].configMap).toEqual({ name: 'org-ca-bundle', items: [{ key: 'ca.crt', path: 'org-ca.crt' }], optional: true });
    expectAllValid(objs);
  });
});
