/* Components accept what their docs suggest: the ApiObject, a cdk8s-plus workload, or an Include of
 * a render (the objects in it that the component wires, and only those); anything else is an error
 * that names what the target holds and what to pass. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Include, Testing } from 'cdk8s';
import * as YAML from 'yaml';
import { ArgoRepoServerCa, KeycloakTruststore, MergedCaInitContainer, RayClusterCa, SingleuserCaMerge } from '../../src';
import { makeCa } from '../util/certs';
import { chartWithBundle } from '../util/fixtures';

const ca = makeCa('include-ca');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'org-ca-include-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const workload = (kind: string, name: string, image: string, apiVersion = 'apps/v1') => ({
  apiVersion,
  kind,
  metadata: { name, namespace: 'apps' },
  spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'main', image }] } } },
});
const serviceAccount = (name: string) => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: 'apps' } });
const rayCluster = {
  apiVersion: 'ray.io/v1',
  kind: 'RayCluster',
  metadata: { name: 'ray', namespace: 'apps' },
  spec: { headGroupSpec: { template: { spec: { containers: [{ name: 'head', image: 'rayproject/ray:2.9.0' }] } } }, workerGroupSpecs: [] },
};

/** A chart with the bundle and an Include of `objects`; returns a function giving each object's init containers after synth. */
function withInclude(objects: any[]) {
  const { app, chart, bundle } = chartWithBundle(ca.certPem, 'apps');
  const file = path.join(dir, `render-${Math.random().toString(36).slice(2)}.yaml`);
  fs.writeFileSync(file, objects.map(o => YAML.stringify(o)).join('---\n'));
  const include = new Include(chart, 'render', { url: file });
  const initOf = () => {
    const out = Testing.synth(chart);
    return Object.fromEntries(out.filter(o => objects.some(x => x.kind === o.kind && x.metadata.name === o.metadata.name))
      .map(o => [`${o.kind}/${o.metadata.name}`, (o.kind === 'RayCluster' ? o.spec.headGroupSpec.template.spec : o.spec?.template?.spec)?.initContainers?.length ?? 0]));
  };
  return { app, chart, bundle, include, initOf };
}

describe('an Include of a render: the objects the component wires, and only those', () => {
  test('ArgoRepoServerCa: the repo-server Deployment of an Argo CD render', () => {
    const t = withInclude([serviceAccount('argocd-repo-server'), workload('Deployment', 'argocd-repo-server', 'quay.io/argoproj/argocd:v3.1.0'),
      workload('StatefulSet', 'argocd-application-controller', 'quay.io/argoproj/argocd:v3.1.0')]);
    new ArgoRepoServerCa(t.chart, 'argo', { bundle: t.bundle, namespace: 'apps' }).applyTo(t.include);
    expect(t.initOf()).toEqual({ 'ServiceAccount/argocd-repo-server': 0, 'Deployment/argocd-repo-server': 1, 'StatefulSet/argocd-application-controller': 0 });
  });

  test('RayClusterCa: the RayCluster, not the KubeRay operator Deployment next to it', () => {
    const t = withInclude([rayCluster, workload('Deployment', 'kuberay-operator', 'quay.io/kuberay/operator:v1.4.0')]);
    new RayClusterCa(t.chart, 'ray-ca', { bundle: t.bundle }).applyTo(t.include);
    expect(t.initOf()).toEqual({ 'RayCluster/ray': 1, 'Deployment/kuberay-operator': 0 });
  });

  test('KeycloakTruststore: the StatefulSet that runs Keycloak, not its database', () => {
    const t = withInclude([workload('StatefulSet', 'iam', 'quay.io/keycloak/keycloak:26.0'), workload('StatefulSet', 'iam-postgresql', 'postgres:16')]);
    new KeycloakTruststore(t.chart, 'kc-ca', { bundle: t.bundle, namespace: 'apps' }).applyTo(t.include);
    const out = Testing.synth(t.chart);
    const env = (name: string) => out.find(o => o.metadata.name === name).spec.template.spec.containers[0].env ?? [];
    expect(env('iam').map((e: any) => e.name)).toContain('KC_TRUSTSTORE_PATHS');
    expect(env('iam-postgresql')).toEqual([]);
  });

  test('MergedCaInitContainer and SingleuserCaMerge: every object with a pod template (a Job too), no other object', () => {
    for (const wire of [
      (t: ReturnType<typeof withInclude>) => new MergedCaInitContainer(t.bundle).applyTo(t.include),
      (t: ReturnType<typeof withInclude>) => new SingleuserCaMerge(t.chart, 'su', { bundle: t.bundle }).applyTo(t.include),
    ]) {
      const job = { ...workload('Job', 'hub-migrate', 'quay.io/jupyterhub/k8s-hub:4.2.0', 'batch/v1'), spec: { template: workload('Job', 'x', 'quay.io/jupyterhub/k8s-hub:4.2.0').spec.template } };
      const t = withInclude([serviceAccount('hub'), workload('Deployment', 'hub', 'quay.io/jupyterhub/k8s-hub:4.2.0'), job]);
      wire(t);
      expect(t.initOf()).toEqual({ 'ServiceAccount/hub': 0, 'Deployment/hub': 1, 'Job/hub-migrate': 1 });
    }
  });
});

describe('a target that holds nothing the component wires: an error naming what it holds and what to pass', () => {
  test.each([
    ['ArgoRepoServerCa', (t: ReturnType<typeof withInclude>) => new ArgoRepoServerCa(t.chart, 'argo', { bundle: t.bundle }).applyTo(t.include),
      /ArgoRepoServerCa\.applyTo: "test\/render" holds ServiceAccount "sa", StatefulSet "argocd-application-controller", none of them the Argo CD repo-server Deployment \(a name ending in "repo-server"\) or an argocd-operator ArgoCD resource; pass .*an Include that holds it/],
    ['RayClusterCa', (t: ReturnType<typeof withInclude>) => new RayClusterCa(t.chart, 'ray', { bundle: t.bundle }).applyTo(t.include),
      /RayClusterCa\.applyTo: "test\/render" holds ServiceAccount "sa", StatefulSet "argocd-application-controller", none of them a RayCluster, RayJob or RayService \(ray\.io\/v1\)/],
    ['KeycloakTruststore', (t: ReturnType<typeof withInclude>) => new KeycloakTruststore(t.chart, 'kc', { bundle: t.bundle }).applyTo(t.include),
      /KeycloakTruststore\.applyTo: "test\/render" holds .* none of them a Keycloak Deployment or StatefulSet/],
  ])('%s', (_name, wire, message) => {
    const t = withInclude([serviceAccount('sa'), workload('StatefulSet', 'argocd-application-controller', 'quay.io/argoproj/argocd:v3.1.0')]);
    expect(() => wire(t)).toThrow(message);
  });

  test('an Include with no workload at all, given to MergedCaInitContainer', () => {
    const t = withInclude([serviceAccount('sa')]);
    expect(() => new MergedCaInitContainer(t.bundle).applyTo(t.include))
      .toThrow(/MergedCaInitContainer\.applyTo: "test\/render" holds ServiceAccount "sa", none of them an object with a pod template/);
  });
});
