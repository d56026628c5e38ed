import { Yaml } from 'cdk8s';
import { IConstruct } from 'constructs';
import { CaConfigMapRef, OrgCaBundle } from '../bundle/org-ca-bundle';
import { CaConfigMapMount } from '../pod/ca-configmap-mount';

/**
 * Properties of `KeycloakTruststore`.
 */
export interface KeycloakTruststoreProps {
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
}

/**
 * The org CA for Keycloak 26 (Quarkus): the bundle ConfigMap mounted at `/etc/nebari/truststore`
 * and `KC_TRUSTSTORE_PATHS` pointing at it. Keycloak adds those certificates to the JVM's default
 * trust store for every outbound call (identity provider federation, token introspection).
 *
 * `X509_CA_BUNDLE` is not used: it is a feature of the old WildFly-based images, which Keycloak on
 * Quarkus ignores.
 */
export class KeycloakTruststore {
  /** The pod wiring. */
  public readonly wiring: CaConfigMapMount;
  private readonly namespace?: string;

  constructor(bundle: OrgCaBundle, props: KeycloakTruststoreProps = {}) {
    this.namespace = props.namespace;
    this.wiring = new CaConfigMapMount(bundle, {
      mountPath: props.mountPath ?? '/etc/nebari/truststore',
      fileName: props.fileName ?? 'org-ca.pem',
      directoryVariables: ['KC_TRUSTSTORE_PATHS'],
      configMap: props.configMap,
      volumeName: 'org-ca-truststore',
      containers: props.containers,
    });
  }

  /** Wire a Keycloak Deployment or StatefulSet already in the chart. */
  public patch(keycloak: IConstruct): void {
    this.wiring.applyTo(keycloak);
  }

  /**
   * Values for the codecentric `keycloakx` chart, whose `extraEnv`, `extraVolumes` and
   * `extraVolumeMounts` are YAML strings (templated by the chart).
   */
  public keycloakxValues(): any {
    return {
      extraEnv: Yaml.stringify(this.wiring.env()),
      extraVolumes: Yaml.stringify([this.wiring.volume(this.namespace)]),
      extraVolumeMounts: Yaml.stringify([this.wiring.volumeMount()]),
    };
  }

  /** Values for the Bitnami `keycloak` chart (`extraEnvVars`, `extraVolumes`, `extraVolumeMounts` lists). */
  public bitnamiValues(): any {
    return {
      extraEnvVars: this.wiring.env(),
      extraVolumes: [this.wiring.volume(this.namespace)],
      extraVolumeMounts: [this.wiring.volumeMount()],
    };
  }
}
