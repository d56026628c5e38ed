import { ApiObject, Chart, Yaml } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { CaConfigMapRef, OrgCaBundle } from '../bundle/org-ca-bundle';
import * as k8s from '../imports/k8s';
import { CaConfigMapMount } from '../pod/ca-configmap-mount';
import { editAtSynth, ICaPodWiring } from '../pod/ca-pod-wiring';
import { targetObjects } from '../util/targets';

/**
 * Which Keycloak Helm chart `KeycloakTruststore.helmValues` renders values for.
 */
export enum KeycloakHelmChart {
  /** codecentric `keycloakx`: `extraEnv`, `extraVolumes`, `extraVolumeMounts` as YAML strings. */
  KEYCLOAKX = 'KEYCLOAKX',
  /** Bitnami `keycloak`: `extraEnvVars`, `extraVolumes`, `extraVolumeMounts` as lists. */
  BITNAMI = 'BITNAMI',
}

/**
 * Properties of `KeycloakTruststore`.
 */
export interface KeycloakTruststoreProps {
  /** The org CA. */
  readonly bundle: OrgCaBundle;

  /**
   * Namespace of Keycloak, to pick the bundle's ConfigMap there.
   *
   * @default - the bundle's namespace-independent ConfigMap (the trust-manager projection)
   */
  readonly namespace?: string;

  /**
   * ConfigMap to mount.
   *
   * @default - `bundle.configMapFor(namespace)`
   */
  readonly configMap?: CaConfigMapRef;

  /**
   * Directory the bundle is mounted at; `KC_TRUSTSTORE_PATHS` points at it.
   *
   * @default "/etc/nebari/truststore"
   */
  readonly mountPath?: string;

  /**
   * File name of the PEM bundle in `mountPath` (a `.pem` name, which Keycloak reads as PEM).
   *
   * @default "org-ca.pem"
   */
  readonly fileName?: string;

  /**
   * Only these containers of the Keycloak pod are wired.
   *
   * @default - every app container
   */
  readonly containers?: string[];

  /**
   * Name of the Secret created for a Keycloak Operator `Keycloak` resource, whose
   * `spec.truststores` takes Secrets only.
   *
   * @default "org-ca-truststore"
   */
  readonly secretName?: string;
}

/**
 * The org CA for Keycloak 26 (Quarkus): the bundle ConfigMap mounted at `/etc/nebari/truststore`
 * and `KC_TRUSTSTORE_PATHS` pointing at it. Keycloak adds those certificates to the JVM's default
 * trust store for every outbound call (identity provider federation, token introspection).
 *
 * `X509_CA_BUNDLE` is not used: it is a feature of the old WildFly-based images, which Keycloak on
 * Quarkus ignores.
 */
export class KeycloakTruststore extends Construct implements ICaPodWiring {
  /** apiVersion and kind of the Keycloak Operator's resource. */
  public static readonly OPERATOR_KIND = 'k8s.keycloak.org/v2alpha1/Keycloak';

  /** The pod wiring. */
  public readonly wiring: CaConfigMapMount;
  private readonly namespace?: string;

  private readonly bundle: OrgCaBundle;
  private readonly secretName: string;

  constructor(scope: Construct, id: string, props: KeycloakTruststoreProps) {
    super(scope, id);
    const bundle = props.bundle;
    this.namespace = props.namespace;
    this.bundle = bundle;
    this.secretName = props.secretName ?? 'org-ca-truststore';
    this.wiring = new CaConfigMapMount(bundle, {
      mountPath: props.mountPath ?? '/etc/nebari/truststore',
      fileName: props.fileName ?? 'org-ca.pem',
      directoryVariables: ['KC_TRUSTSTORE_PATHS'],
      configMap: props.configMap,
      volumeName: 'org-ca-truststore',
      containers: props.containers,
    });
  }

  /**
   * Wire Keycloak: a Deployment or StatefulSet (the bundle mounted, `KC_TRUSTSTORE_PATHS`), or a
   * Keycloak Operator `Keycloak` resource (`k8s.keycloak.org/v2alpha1`): a Secret with the bundle
   * is created in its namespace and added to `spec.truststores` (the operator mounts it under
   * `/opt/keycloak/conf/truststores`, which Keycloak reads).
   */
  public applyTo(keycloak: IConstruct): void {
    // an Include of a render: the Keycloak resource, or the Deployments/StatefulSets that run a Keycloak image
    const operator = (o: ApiObject) => `${o.apiVersion}/${o.kind}` === KeycloakTruststore.OPERATOR_KIND;
    const runsKeycloak = (o: ApiObject) => ['Deployment', 'StatefulSet'].includes(o.kind)
      && (o.toJson().spec?.template?.spec?.containers ?? []).some((c: any) => /keycloak/i.test(String(c?.image ?? '')));
    const wanted = 'a Keycloak Deployment or StatefulSet (a container image named like keycloak) or a Keycloak Operator Keycloak resource';
    for (const obj of targetObjects(keycloak, 'KeycloakTruststore.applyTo', wanted, o => operator(o) || runsKeycloak(o))) {
      if (operator(obj)) this.applyToOperator(obj);
      else this.wiring._applyTo(obj, 'KeycloakTruststore');
    }
  }

  private applyToOperator(obj: ApiObject): void {
    const ns = obj.metadata.namespace ?? Chart.of(obj).namespace ?? this.namespace;
    if (!ns) {
      throw new Error(`Keycloak "${obj.name}" has no namespace: the truststore Secret must be created in it; set metadata.namespace or the chart's namespace`);
    }
    const secret = this.bundle.addSecrets({ namespaces: [ns], name: this.secretName }, obj.node.scope as Construct);
    const entry = { secret: { name: secret.name } };
    editAtSynth(obj, 'keycloak-operator-truststore', 'KeycloakTruststore', entry, json => {
      json.spec = json.spec ?? {};
      const stores = json.spec.truststores ?? {};
      const mine = stores['org-ca'];
      if (mine && JSON.stringify(mine) !== JSON.stringify(entry)) {
        throw new Error(`Keycloak "${obj.name}" already has spec.truststores["org-ca"] = ${JSON.stringify(mine)}; rename that entry`);
      }
      json.spec.truststores = { ...stores, 'org-ca': entry };
    });
  }

  /**
   * Helm values for a Keycloak chart.
   *
   * @param chart which chart
   * @default KeycloakHelmChart.KEYCLOAKX
   */
  public helmValues(chart: KeycloakHelmChart = KeycloakHelmChart.KEYCLOAKX): any {
    const env = this.wiring.env().map(e => k8s.toJson_EnvVar(e));
    const volumes = [k8s.toJson_Volume(this.wiring.volume(this.namespace))];
    const mounts = [k8s.toJson_VolumeMount(this.wiring.volumeMount())];
    if (chart === KeycloakHelmChart.BITNAMI) {
      return { extraEnvVars: env, extraVolumes: volumes, extraVolumeMounts: mounts };
    }
    return { extraEnv: Yaml.stringify(env), extraVolumes: Yaml.stringify(volumes), extraVolumeMounts: Yaml.stringify(mounts) };
  }
}
