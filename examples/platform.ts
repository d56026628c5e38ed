import { ApiObject, App, Chart, Cron, Yaml } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import {
  ArgoRepoServerCa, BundleSource, CaAdmissionPolicy, CaSource, CaTrust, CaTrustGuard, KeycloakHelmChart, KeycloakTruststore, OrgCaBundle,
  RayClusterCa, SingleuserCaMerge, WiringMode,
} from '../src';

/** Images of the example; the end-to-end tests run them as image layouts of this machine. */
export const IMAGES = {
  argocd: 'quay.io/argoproj/argocd:v2.14.2',
  keycloak: 'quay.io/keycloak/keycloak:26.0.7',
  singleuser: 'quay.io/jupyterhub/k8s-singleuser-sample:4.1.0',
  hub: 'quay.io/jupyterhub/k8s-hub:4.1.0',
  ray: 'rayproject/ray:2.41.0',
  app: 'registry.example.com/platform/api:1.4.2',
  job: 'registry.example.com/platform/migrate:1.4.2',
  cron: 'registry.example.com/platform/report:1.4.2',
};

/**
 * Builds the example platform into `app` and returns extra files (name → content) to write next
 * to the manifests. Shared by `npm run synth:example` and the end-to-end tests.
 */
export function buildPlatform(app: App, caPath: string): Record<string, string> {
  // 1. The org CA, validated once: trust-manager Bundle (sync wave 4, after trust-manager at 3)
  //    projecting ConfigMap "nebari-trust-bundle" (key ca-certificates.crt) into every namespace.
  const trust = new Chart(app, 'trust');
  const ca = new OrgCaBundle(trust, 'org-ca', {
    source: CaSource.fromFile(caPath),
    trustManager: { name: 'nebari-trust-bundle', syncWave: OrgCaBundle.BUNDLE_SYNC_WAVE },
  });

  // 2. Argo CD repo-server: install-time ConfigMap argocd-org-ca (key ca.crt), merged into
  //    /etc/ssl/certs-combined/ca-bundle.crt; argocd-tls-certs-cm is left alone.
  const argocd = new Chart(app, 'argocd', { namespace: 'argocd' });
  const repoServer = new ApiObject(argocd, 'repo-server', {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'argocd-repo-server', labels: { 'app.kubernetes.io/name': 'argocd-repo-server' } },
    spec: {
      selector: { matchLabels: { 'app.kubernetes.io/name': 'argocd-repo-server' } },
      template: {
        metadata: { labels: { 'app.kubernetes.io/name': 'argocd-repo-server' } },
        spec: {
          initContainers: [{ name: 'copyutil', image: IMAGES.argocd, command: ['/bin/cp', '-n', '/usr/local/bin/argocd', '/var/run/argocd/argocd-cmp-server'], volumeMounts: [{ name: 'var-files', mountPath: '/var/run/argocd' }] }],
          containers: [{ name: 'argocd-repo-server', image: IMAGES.argocd, args: ['/usr/local/bin/argocd-repo-server'], ports: [{ containerPort: 8081 }], volumeMounts: [{ name: 'var-files', mountPath: '/var/run/argocd' }] }],
          volumes: [{ name: 'var-files', emptyDir: {} }],
        },
      },
    },
  });
  const argo = new ArgoRepoServerCa(argocd, 'org-ca', { bundle: ca, namespace: 'argocd', syncWave: -1 });
  argo.applyTo(repoServer);
  //    Installed by argocd-operator instead: the same component fills the ArgoCD resource's
  //    spec.repo.systemCATrust with the install-time ConfigMap.
  argo.applyTo(new ApiObject(argocd, 'argocd-operated', { apiVersion: 'argoproj.io/v1beta1', kind: 'ArgoCD', metadata: { name: 'argocd-operated' }, spec: {} }));

  // 3. Keycloak 26: the projected bundle mounted at /etc/nebari/truststore, KC_TRUSTSTORE_PATHS.
  const keycloakChart = new Chart(app, 'keycloak', { namespace: 'keycloak' });
  const keycloak = new kplus.StatefulSet(keycloakChart, 'keycloak', {
    metadata: { name: 'keycloak' },
    containers: [{ name: 'keycloak', image: IMAGES.keycloak, args: ['start'], portNumber: 8080, securityContext: { ensureNonRoot: true, user: 1000 } }],
  });
  const kc = new KeycloakTruststore(keycloakChart, 'org-ca', { bundle: ca, namespace: 'keycloak' });
  kc.applyTo(keycloak);
  //    Run by the Keycloak Operator instead: spec.truststores takes Secrets, so the component
  //    creates Secret org-ca-truststore in the namespace and adds it.
  kc.applyTo(new ApiObject(keycloakChart, 'keycloak-operated', {
    apiVersion: 'k8s.keycloak.org/v2alpha1', kind: 'Keycloak', metadata: { name: 'keycloak-operated' }, spec: { instances: 1, hostname: { hostname: 'keycloak.example.com' } },
  }));

  // 4. RayCluster: head and every worker group merge into /shared/combined-ca.crt; the key comes
  //    from the bundle (ca-certificates.crt for the projection), never typed by hand.
  const ray = new Chart(app, 'ray', { namespace: 'ray' });
  const rayGroup = (name: string) => ({
    metadata: { labels: { group: name } },
    spec: { containers: [{ name: 'ray-worker', image: IMAGES.ray, resources: { limits: { cpu: '1', memory: '2Gi' } } }] },
  });
  const rayCluster = new ApiObject(ray, 'raycluster', {
    apiVersion: 'ray.io/v1',
    kind: 'RayCluster',
    metadata: { name: 'analytics' },
    spec: {
      rayVersion: '2.41.0',
      headGroupSpec: {
        rayStartParams: { 'dashboard-host': '0.0.0.0' },
        template: { metadata: { labels: { group: 'head' } }, spec: { containers: [{ name: 'ray-head', image: IMAGES.ray, ports: [{ containerPort: 6379, name: 'gcs' }] }] } },
      },
      workerGroupSpecs: [
        { groupName: 'cpu', replicas: 2, minReplicas: 0, maxReplicas: 4, rayStartParams: {}, template: rayGroup('cpu') },
        { groupName: 'highmem', replicas: 1, minReplicas: 0, maxReplicas: 2, rayStartParams: {}, template: rayGroup('highmem') },
      ],
    },
  });
  new RayClusterCa(ray, 'org-ca', { bundle: ca }).applyTo(rayCluster);

  // 5. Generic workloads, wired with one whole-chart call: a Deployment, a Job and a CronJob. Their
  //    images run R and wget too, which read no variable: the merged file is also mounted over the
  //    image's system bundle paths (systemBundleOverlay).
  const apps = new Chart(app, 'apps', { namespace: 'apps' });
  new kplus.Deployment(apps, 'api', { metadata: { name: 'api' }, containers: [{ name: 'api', image: IMAGES.app, portNumber: 8080 }] });
  new kplus.Job(apps, 'migrate', { metadata: { name: 'migrate' }, containers: [{ name: 'migrate', image: IMAGES.job }] });
  new kplus.CronJob(apps, 'report', { metadata: { name: 'report' }, schedule: Cron.daily(), containers: [{ name: 'report', image: IMAGES.cron }] });
  CaTrust.wireAll(apps, ca, { systemBundleOverlay: true });

  // 6. OpenShift: restricted-v2 assigns each pod a UID from the namespace's range (GID 0) and refuses
  //    a fixed runAsUser, so the init containers set none (`openShift: true`).
  const openshift = new Chart(app, 'payments', { namespace: 'payments' });
  new kplus.Deployment(openshift, 'ledger', {
    metadata: { name: 'ledger' },
    containers: [{ name: 'ledger', image: IMAGES.app, portNumber: 8080, securityContext: { ensureNonRoot: true, user: undefined, group: undefined } }],
    securityContext: { ensureNonRoot: true, user: undefined, group: undefined },
  });
  CaTrust.wireAll(openshift, ca, { openShift: true });

  // 7. The other distribution modes, from a second bundle of the same CA: a trust-manager Bundle
  //    with useDefaultCAs (public roots included) and a ClusterTrustBundle (Kubernetes 1.37).
  //    - namespace "direct": no init container, the projected bundle mounted directly;
  //    - namespace "ctb": the merge init container reads the clusterTrustBundle projection.
  const withRoots = new OrgCaBundle(trust, 'org-ca-with-roots', {
    source: CaSource.fromFile(caPath),
    trustManager: { name: 'org-ca-with-public-roots', useDefaultCAs: true, syncWave: OrgCaBundle.BUNDLE_SYNC_WAVE },
    clusterTrustBundle: { kubernetesVersion: '1.37', name: 'org-ca' },
  });
  const direct = new Chart(app, 'direct', { namespace: 'direct' });
  new kplus.Deployment(direct, 'web', { metadata: { name: 'web' }, containers: [{ name: 'web', image: IMAGES.app, portNumber: 8080 }] });
  CaTrust.wireAll(direct, withRoots, { mode: WiringMode.DIRECT, systemBundleOverlay: true });
  const ctb = new Chart(app, 'ctb', { namespace: 'ctb' });
  new kplus.Deployment(ctb, 'worker', { metadata: { name: 'worker' }, containers: [{ name: 'worker', image: IMAGES.app, portNumber: 8080 }] });
  CaTrust.wireAll(ctb, withRoots, { source: BundleSource.CLUSTER_TRUST_BUNDLE });

  // 8. JupyterHub (z2jh) values: the merge before the package-pull init container.
  const singleuser = new SingleuserCaMerge(trust, 'jupyterhub', { bundle: ca, namespace: 'jupyterhub', hubImage: IMAGES.hub });
  const z2jh = singleuser.helmValues({
    singleuser: {
      image: { name: IMAGES.singleuser.split(':')[0], tag: IMAGES.singleuser.split(':')[1] },
      initContainers: [{ name: 'nebi-pull', image: IMAGES.singleuser, command: ['sh', '-c', 'pixi install'] }],
    },
  });

  // 9. Pods no synth sees: KubeSpawner's per-user pods and Argo Workflows' task pods, wired at
  //    admission by a MutatingAdmissionPolicy (Kubernetes 1.36) in those namespaces only; pods
  //    wired above are left alone. The guard lets only Argo CD (which deploys all this) and
  //    trust-manager change the bundle's objects and the policy.
  const runtime = new CaAdmissionPolicy(trust, 'runtime-pods', {
    bundle: ca,
    kubernetesVersion: '1.36',
    namespaces: ['jupyter-users', 'argo-workflows'],
    wiring: { systemBundleOverlay: true },
  });
  new CaTrustGuard(trust, 'guard', {
    bundle: ca,
    admissionPolicies: [runtime],
    allowedUsers: ['system:serviceaccount:argocd:argocd-application-controller'],
  });

  return {
    'jupyterhub.values.yaml': Yaml.stringify(z2jh),
    'argocd.values.yaml': Yaml.stringify(argo.helmValues(IMAGES.argocd)),
    'keycloakx.values.yaml': Yaml.stringify(kc.helmValues(KeycloakHelmChart.KEYCLOAKX)),
  };
}
