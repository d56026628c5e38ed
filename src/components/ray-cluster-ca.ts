import { ApiObject } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { CaConfigMapRef, OrgCaBundle } from '../bundle/org-ca-bundle';
import { ICaPodWiring } from '../pod/ca-pod-wiring';
import { CaVariables } from '../pod/ca-variables';
import { MergedCaInitContainer } from '../pod/merged-ca-init-container';
import { OnInvalidBundle } from '../pod/wiring-options';
import { targetObjects } from '../util/targets';

/**
 * Properties of `RayClusterCa`.
 */
export interface RayClusterCaProps {
  /** The org CA. */
  readonly bundle: OrgCaBundle;

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
export class RayClusterCa extends Construct implements ICaPodWiring {
  /** Variables set on every Ray container. */
  public static readonly VARIABLES: string[] = CaVariables.DEFAULTS;

  /** The merged bundle inside Ray pods. */
  public static readonly MERGED_FILE = '/shared/combined-ca.crt';

  /** The pod wiring used for every Ray group. */
  public readonly wiring: MergedCaInitContainer;

  constructor(scope: Construct, id: string, props: RayClusterCaProps) {
    super(scope, id);
    this.wiring = new MergedCaInitContainer(props.bundle, {
      enabled: props.enabled,
      image: props.image,
      openShift: props.openShift,
      onInvalidBundle: props.onInvalidBundle,
      configMap: props.configMap,
      mergedDir: '/shared',
      mergedFileName: 'combined-ca.crt',
      variables: RayClusterCa.VARIABLES,
    });
  }

  /**
   * Wire a RayCluster, RayJob or RayService (an ApiObject, or an `Include` holding them: each
   * one in it): the head group and every worker group.
   */
  public applyTo(rayCluster: IConstruct): void {
    const ray = (o: ApiObject) => o.apiVersion === 'ray.io/v1' && ['RayCluster', 'RayJob', 'RayService'].includes(o.kind);
    for (const obj of targetObjects(rayCluster, 'RayClusterCa.applyTo', 'a RayCluster, RayJob or RayService (ray.io/v1)', ray)) {
      this.wiring._applyTo(obj, 'RayClusterCa');
    }
  }
}
