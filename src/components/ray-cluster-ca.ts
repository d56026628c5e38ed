import { IConstruct } from 'constructs';
import { CaConfigMapRef, OrgCaBundle } from '../bundle/org-ca-bundle';
import { ICaPodWiring } from '../pod/ca-pod-wiring';
import { CaVariables } from '../pod/ca-variables';
import { MergedCaInitContainer } from '../pod/merged-ca-init-container';
import { OnInvalidBundle } from '../pod/wiring-options';

/**
 * Options of `RayClusterCa`.
 */
export interface RayClusterCaOptions {
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

  /**
   * ConfigMap to merge. Taken from the bundle by default, so pointing Ray at trust-manager's
   * projection gets its key (`ca-certificates.crt`) right, and plain ConfigMaps theirs (`ca.crt`).
   *
   * @default - `bundle.configMapFor(namespace of the RayCluster)`
   */
  readonly configMap?: CaConfigMapRef;

  /**
   * Image of the merge init container.
   *
   * @default - the image of each group's first container
   */
  readonly image?: string;

  /**
   * Wire at all.
   *
   * @default true
   */
  readonly enabled?: boolean;
}

/**
 * The org CA for a KubeRay `RayCluster` (`ray.io/v1`), also RayJob and RayService: the head group
 * and every worker group get the merge init container writing `/shared/combined-ca.crt`
 * (emptyDir), and the default variables (`CaVariables.DEFAULTS`) pointing
 * at it.
 */
export class RayClusterCa implements ICaPodWiring {
  /** Variables set on every Ray container. */
  public static readonly VARIABLES: string[] = CaVariables.DEFAULTS;

  /** The merged bundle inside Ray pods. */
  public static readonly MERGED_FILE = '/shared/combined-ca.crt';

  /** Wire a RayCluster (an ApiObject, e.g. from `Include`); shorthand for `new RayClusterCa(bundle, options).applyTo(rayCluster)`. */
  public static addTo(rayCluster: IConstruct, bundle: OrgCaBundle, options: RayClusterCaOptions = {}): RayClusterCa {
    const r = new RayClusterCa(bundle, options);
    r.applyTo(rayCluster);
    return r;
  }

  /** The pod wiring used for every Ray group. */
  public readonly wiring: MergedCaInitContainer;

  constructor(bundle: OrgCaBundle, options: RayClusterCaOptions = {}) {
    this.wiring = new MergedCaInitContainer(bundle, {
      enabled: options.enabled,
      image: options.image,
      openShift: options.openShift,
      onInvalidBundle: options.onInvalidBundle,
      configMap: options.configMap,
      mergedDir: '/shared',
      mergedFileName: 'combined-ca.crt',
      variables: RayClusterCa.VARIABLES,
    });
  }

  /** Wire a RayCluster, RayJob or RayService: the head group and every worker group. */
  public applyTo(rayCluster: IConstruct): void {
    this.wiring._applyTo(rayCluster, 'RayClusterCa');
  }
}
