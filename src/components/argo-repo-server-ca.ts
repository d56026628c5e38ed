import { ApiObject } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { CaConfigMapRef, OrgCaBundle } from '../bundle/org-ca-bundle';
import * as k8s from '../imports/k8s';
import { editAtSynth, ICaPodWiring } from '../pod/ca-pod-wiring';
import { CaVariables } from '../pod/ca-variables';
import { MergedCaInitContainer } from '../pod/merged-ca-init-container';
import { OnInvalidBundle } from '../pod/wiring-options';
import { targetObjects } from '../util/targets';

/**
 * Properties of `ArgoRepoServerCa`.
 */
export interface ArgoRepoServerCaProps {
  /**
   * Set no runAsUser/runAsGroup on the merge init container (OpenShift assigns them).
   *
   * @default false
   */
  readonly openShift?: boolean;

  /**
   * What the merge does when the org CA in the pod holds no valid certificate.
   *
   * @default OnInvalidBundle.DEGRADE
   */
  readonly onInvalidBundle?: OnInvalidBundle;

  /** The org CA. */
  readonly bundle: OrgCaBundle;

  /**
   * Namespace of Argo CD.
   *
   * @default "argocd"
   */
  readonly namespace?: string;

  /**
   * Name of the install-time ConfigMap.
   *
   * @default "argocd-org-ca"
   */
  readonly configMapName?: string;

  /**
   * Key of the PEM bundle in the install-time ConfigMap.
   *
   * @default "ca.crt"
   */
  readonly configMapKey?: string;

  /**
   * Argo CD sync wave of the install-time ConfigMap.
   *
   * @default - no sync-wave annotation
   */
  readonly syncWave?: number;

}

/**
 * The org CA for the Argo CD repo-server, which pulls charts and repositories through the proxy.
 *
 * Argo CD installs trust-manager, so the repo-server cannot wait for trust-manager's projection:
 * this creates an install-time ConfigMap (`argocd-org-ca`, key `ca.crt`) in the Argo CD namespace
 * and merges it with the repo-server image's system bundle into
 * `/etc/ssl/certs-combined/ca-bundle.crt`, with the default variables (`CaVariables.DEFAULTS`: git, helm,
 * kustomize and plugins in Python, Node or the AWS CLI all trust it)
 * pointing at it. Only the repo-server is wired: the application controller and API server make no
 * TLS-inspected egress calls.
 *
 * It never writes `argocd-tls-certs-cm`: an entry there makes Argo CD pass `--ca-file` for that
 * host, which *replaces* the system trust pool instead of adding to it, and breaks redirects to
 * other hosts (e.g. a Git host redirecting to its object storage).
 */
export class ArgoRepoServerCa extends Construct implements ICaPodWiring {
  /** Variables set on the repo-server. */
  public static readonly VARIABLES: string[] = CaVariables.DEFAULTS;

  /** The merged bundle inside the repo-server. */
  public static readonly MERGED_FILE = '/etc/ssl/certs-combined/ca-bundle.crt';

  /** The pod wiring used for the repo-server. */
  public readonly wiring: MergedCaInitContainer;

  /** Namespace of Argo CD. */
  public readonly namespace: string;

  /** The install-time ConfigMap. */
  public readonly configMap: CaConfigMapRef;

  constructor(scope: Construct, id: string, props: ArgoRepoServerCaProps) {
    super(scope, id);
    this.namespace = props.namespace ?? 'argocd';
    const name = props.configMapName ?? 'argocd-org-ca';
    const key = props.configMapKey ?? 'ca.crt';
    const configMap = props.bundle.addConfigMaps({ namespaces: [this.namespace], name, key, syncWave: props.syncWave }, this);
    this.configMap = configMap;
    this.wiring = new MergedCaInitContainer(props.bundle, {
      mergedDir: '/etc/ssl/certs-combined',
      mergedFileName: 'ca-bundle.crt',
      variables: ArgoRepoServerCa.VARIABLES,
      openShift: props.openShift,
      onInvalidBundle: props.onInvalidBundle,
      configMap,
    });
  }

  /**
   * Wire the `argocd-repo-server` Deployment or an argocd-operator `ArgoCD` resource already in
   * the chart: the ApiObject, or an `Include` of the Argo CD render (the repo-server in it).
   */
  public applyTo(repoServer: IConstruct): void {
    const operator = (o: ApiObject) => o.apiVersion === 'argoproj.io/v1beta1' && o.kind === 'ArgoCD';
    const isRepoServer = (o: ApiObject) => o.kind === 'Deployment' && o.name.endsWith('repo-server');
    const wanted = 'the Argo CD repo-server Deployment (a name ending in "repo-server") or an argocd-operator ArgoCD resource';
    for (const obj of targetObjects(repoServer, 'ArgoRepoServerCa.applyTo', wanted, o => operator(o) || isRepoServer(o))) {
      if (operator(obj)) {
        this.applyToOperator(obj);
      } else if (isRepoServer(obj)) {
        this.wiring._applyTo(obj, 'ArgoRepoServerCa');
      } else {
        throw new Error(`ArgoRepoServerCa only wires ${wanted}, not ${obj.kind} "${obj.name}"`);
      }
    }
  }

  /**
   * argocd-operator (v0.18.0+): the repo-server trust is `spec.repo.systemCATrust` of the `ArgoCD`
   * resource; the install-time ConfigMap is added to its `configMaps`, and the image's own
   * certificates are kept (`dropImageCertificates: true` is refused: it would drop public roots).
   */
  private applyToOperator(obj: ApiObject): void {
    const entry = { name: this.configMap.name, items: [{ key: this.configMap.key, path: 'org-ca.crt' }] };
    editAtSynth(obj, 'argocd-operator-system-ca-trust', 'ArgoRepoServerCa', entry, json => {
      const ns = json.metadata?.namespace;
      if (ns !== this.namespace) {
        throw new Error(`ArgoCD "${json.metadata?.name}" is in namespace "${ns}", but the org CA ConfigMap is created in "${this.namespace}"; set namespace: "${ns}" on ArgoRepoServerCa`);
      }
      json.spec = json.spec ?? {};
      json.spec.repo = json.spec.repo ?? {};
      const trust = json.spec.repo.systemCATrust ?? {};
      if (trust.dropImageCertificates === true) {
        throw new Error(`ArgoCD "${json.metadata?.name}" sets spec.repo.systemCATrust.dropImageCertificates: true, which drops the image's public roots: only the org CA would be trusted; remove it`);
      }
      const configMaps = (trust.configMaps ?? []).filter((c: any) => c.name !== entry.name);
      json.spec.repo.systemCATrust = { ...trust, configMaps: [...configMaps, entry] };
    });
  }

  /**
   * The argo-cd Helm chart values fragment (`repoServer.volumes`, `volumeMounts`, `initContainers`,
   * `env`) for installs with Helm. Apply the install-time ConfigMap (in this chart) with it: it is
   * the only object the repo-server pods read; the merge script is in their init container's
   * command, so Argo CD never has to deliver its own trust before it can sync.
   *
   * @param image image of the merge init container: the repo-server's own image (e.g. "quay.io/argoproj/argocd:v2.14.2")
   */
  public helmValues(image: string): any {
    if (!image) throw new Error('helmValues: pass the repo-server image (e.g. "quay.io/argoproj/argocd:v2.14.2") for the merge init container');
    return {
      repoServer: {
        volumes: this.wiring.volumes(this.namespace).map(v => k8s.toJson_Volume(v)),
        volumeMounts: this.wiring.volumeMounts().map(m => k8s.toJson_VolumeMount(m)),
        initContainers: this.wiring.initContainers(image, this.namespace).map(c => k8s.toJson_Container(c)),
        env: this.wiring.env().map(e => k8s.toJson_EnvVar(e)),
      },
    };
  }
}
