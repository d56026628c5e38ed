import { ApiObject, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { CaSource } from './ca-source';
import { ClusterTrustBundleOptions, clusterTrustBundleManifest, clusterTrustBundleProjection, ResolvedCtb, resolveCtb } from './cluster-trust-bundle';
import { trustedCertificatesJks } from './jks';
import { ParsedBundle } from './pem';
import * as k8s from '../imports/k8s';
import { Bundle } from '../imports/trust.cert-manager.io';
import { clusterScoped, managedMetadata } from '../util/metadata';
import { checkConfigMapKey, checkDnsLabel, checkDnsSubdomain } from '../util/validate';
import { warn } from '../util/warnings';

/**
 * Key of the ConfigMap that trust-manager projects (its documented convention).
 */
const TRUST_MANAGER_DEFAULT_KEY = 'ca-certificates.crt';
const DEFAULT_NAME = 'org-ca-bundle';
const DEFAULT_PLAIN_KEY = 'ca.crt';
/** binaryData key of the JKS store in plain ConfigMaps, and its (integrity-only) password. */
const PLAIN_JKS_KEY = 'org-ca.jks';
const PLAIN_JKS_PASSWORD = 'changeit';

/**
 * A Java trust store format that trust-manager writes next to the PEM bundle.
 */
export interface TrustStoreFormat {
  /**
   * Key of the binary entry in the projected ConfigMap, e.g. `truststore.p12`.
   */
  readonly key: string;

  /**
   * Password of the trust store. A trust store holds public certificates only; the password
   * protects integrity, not secrecy, and is written to the Bundle in clear.
   *
   * @default - trust-manager's default: no password for PKCS12, "changeit" for JKS
   */
  readonly password?: string;
}

/**
 * How the trust-manager `Bundle` is rendered.
 */
export interface TrustManagerBundleOptions {
  /**
   * Emit the Bundle at all.
   *
   * @default true
   */
  readonly enabled?: boolean;

  /**
   * Name of the Bundle, which is also the name of the ConfigMap it projects.
   *
   * @default "org-ca-bundle"
   */
  readonly name?: string;

  /**
   * Key of the PEM bundle in the projected ConfigMap.
   *
   * @default "ca-certificates.crt"
   */
  readonly key?: string;

  /**
   * Add trust-manager's default public CA package as a second source, so the projected bundle
   * holds public roots as well as the org CA. Requires trust-manager installed with default CA
   * support (`--default-package-location`), otherwise the Bundle fails to reconcile.
   *
   * @default false
   */
  readonly useDefaultCAs?: boolean;

  /**
   * Only project into namespaces whose labels match all of these.
   *
   * @default - every namespace (`namespaceSelector: {}`)
   */
  readonly namespaceSelectorLabels?: { [key: string]: string };

  /**
   * Also write a PKCS#12 trust store (for JVM workloads) under this key.
   *
   * @default - no PKCS#12 trust store
   */
  readonly pkcs12?: TrustStoreFormat;

  /**
   * Also write a JKS trust store under this key. Deprecated by trust-manager; prefer `pkcs12`.
   *
   * @default - no JKS trust store
   */
  readonly jks?: TrustStoreFormat;

  /**
   * Argo CD sync wave of the Bundle. trust-manager itself is usually wave 3; the Bundle must
   * come after it (use `OrgCaBundle.BUNDLE_SYNC_WAVE`, 4).
   *
   * @default - no sync-wave annotation
   */
  readonly syncWave?: number;
}

/**
 * Plain ConfigMaps holding the bundle, for clusters without trust-manager and for consumers that
 * must trust the CA before trust-manager exists (Argo CD's repo-server).
 */
export interface PlainConfigMapOptions {
  /**
   * Namespaces to create the ConfigMap in (at least one).
   */
  readonly namespaces: string[];

  /**
   * Name of the ConfigMaps.
   *
   * @default "org-ca-bundle"
   */
  readonly name?: string;

  /**
   * Key of the PEM bundle in the ConfigMaps.
   *
   * @default "ca.crt"
   */
  readonly key?: string;

  /**
   * Argo CD sync wave of the ConfigMaps.
   *
   * @default - no sync-wave annotation
   */
  readonly syncWave?: number;
}

/**
 * Plain Secrets holding the bundle (type Opaque), for consumers that take Secrets only, like the
 * Keycloak Operator's `spec.truststores`. (trust-manager can also write Secrets, but only where its
 * install sets `secretTargets.enabled`; plain Secrets need nothing.)
 */
export interface PlainSecretOptions {
  /** Namespaces to create the Secret in (at least one). */
  readonly namespaces: string[];

  /**
   * Name of the Secrets.
   *
   * @default "org-ca-truststore"
   */
  readonly name?: string;

  /**
   * Key of the PEM bundle in the Secrets.
   *
   * @default "org-ca.pem"
   */
  readonly key?: string;
}

/**
 * A Secret carrying the bundle.
 */
export interface CaSecretRef {
  /** Name of the Secret. */
  readonly name: string;
  /** Key of the PEM bundle in it. */
  readonly key: string;
}

/**
 * Properties of an `OrgCaBundle`.
 */
export interface OrgCaBundleProps {
  /**
   * The org CA: `CaSource.fromFile('certs/org-ca.pem')` or `CaSource.fromPem(text)`.
   *
   */
  readonly source: CaSource;

  /**
   * Distribute with a trust-manager `Bundle` (cluster-scoped, projected into every namespace).
   *
   * @default - a Bundle named "org-ca-bundle" with key "ca-certificates.crt", unless only
   * `configMaps` is given
   */
  readonly trustManager?: TrustManagerBundleOptions;

  /**
   * Distribute as ClusterTrustBundle objects (Kubernetes 1.37+, or 1.33+ with `allowBeta`). Every
   * certificate must then be a CA (the API server refuses others).
   *
   * @default - no ClusterTrustBundle
   */
  readonly clusterTrustBundle?: ClusterTrustBundleOptions;

  /**
   * Distribute as plain ConfigMaps in the given namespaces. More can be added with
   * `addConfigMaps()`.
   *
   * @default - no plain ConfigMaps
   */
  readonly configMaps?: PlainConfigMapOptions[];

  /**
   * Accept certificates with RSA keys under 2048 bits. Clients at OpenSSL security level 2 (Python,
   * curl, Debian and RHEL defaults) refuse them, so pods would fail at runtime.
   *
   * @default false: such a certificate is an error
   */
  readonly allowWeakKeys?: boolean;

  /**
   * Warn, at synth time, about a certificate that expires within this many days, so its
   * successor is distributed next to it in time. 0 warns only about expired certificates.
   *
   * @default 30
   */
  readonly expiryWarningDays?: number;

  /**
   * Print the bundle's warnings (expired, not a CA, duplicates) to stderr at synth time.
   * They are always available in `warnings`.
   *
   * @default true
   */
  readonly printWarnings?: boolean;
}

/**
 * Which ConfigMap carries the bundle in a namespace, and under which key.
 */
export interface CaConfigMapRef {
  /** Name of the ConfigMap. */
  readonly name: string;
  /** Key of the PEM bundle in it. */
  readonly key: string;
  /** true when the ConfigMap is projected by trust-manager, false for a plain ConfigMap. */
  readonly projectedByTrustManager: boolean;
  /**
   * Key of a PKCS#12 trust store next to the PEM bundle, when trust-manager writes one.
   * @default - none
   */
  readonly pkcs12Key?: string;
  /**
   * Password of that PKCS#12 trust store.
   * @default - none (no password)
   */
  readonly pkcs12Password?: string;
  /**
   * Key of a JKS store of the org certificates (binaryData of plain ConfigMaps, or trust-manager's
   * `jks` format), which the keytool import reads in one JVM start.
   * @default - none: the keytool import reads the PEM certificates one by one
   */
  readonly jksKey?: string;
  /**
   * Password of that JKS store.
   * @default "changeit"
   */
  readonly jksPassword?: string;
}

/**
 * Facts about one certificate of the bundle.
 */
export interface CaCertificateInfo {
  /** Subject distinguished name, one line. */
  readonly subject: string;
  /** Issuer distinguished name, one line. */
  readonly issuer: string;
  /** SHA-256 fingerprint of the DER encoding (colon-separated hex). */
  readonly fingerprint256: string;
  /** Start of validity, ISO 8601. */
  readonly notBefore: string;
  /** End of validity, ISO 8601. */
  readonly notAfter: string;
  /** basicConstraints CA:TRUE. */
  readonly isCa: boolean;
}

interface PlainGroup {
  readonly name: string;
  readonly key: string;
  readonly namespaces: Set<string>;
}

/**
 * The organisation CA, validated once and distributed to the cluster.
 *
 * Reads the CA from `path` or `inline`, parses every block as X.509, rejects keys and anything
 * that is not a certificate, de-duplicates, and emits normalised PEM through a trust-manager
 * `Bundle` and/or plain ConfigMaps. Pod wiring asks it which ConfigMap to mount with
 * `configMapFor(namespace)`.
 */
export class OrgCaBundle extends Construct {
  /** Argo CD sync wave for the Bundle: after trust-manager (wave 3). */
  public static readonly BUNDLE_SYNC_WAVE = 4;

  /** Key trust-manager projects by convention. */
  public static readonly TRUST_MANAGER_KEY = TRUST_MANAGER_DEFAULT_KEY;

  private static load(props: OrgCaBundleProps): ParsedBundle {
    const source = props.source;
    if (!source) {
      throw new Error('set source for the org CA bundle: CaSource.fromFile(path) (a PEM or DER file) or CaSource.fromPem(text)');
    }
    const days = props.expiryWarningDays;
    if (days !== undefined && (!Number.isInteger(days) || days < 0)) {
      throw new Error(`expiryWarningDays ${days} is not a whole number of days (0 or more)`);
    }
    return source._load({ allowWeakKeys: props.allowWeakKeys, expiryWarningDays: days });
  }

  /** Normalised PEM: unique certificates in input order, LF line ends, one final newline. */
  public readonly pem: string;

  /** Hex SHA-256 of the set of certificates: changes exactly when a certificate is added or removed. */
  public readonly sha256: string;

  /** The certificates, in order. */
  public readonly certificates: CaCertificateInfo[];

  /** Warnings found while validating (expired, not yet valid, not a CA, duplicates dropped). */
  public readonly warnings: string[];

  /** The trust-manager Bundle, if one is emitted. */
  public readonly trustManagerBundle?: ApiObject;

  /** Name of the trust-manager Bundle (and its projected ConfigMap), if one is emitted. */
  public readonly trustManagerBundleName?: string;

  /** The ClusterTrustBundle, if one is emitted. */
  public readonly clusterTrustBundle?: ApiObject;

  private readonly tmOptions?: TrustManagerBundleOptions;
  private readonly ctb?: ResolvedCtb;
  private jksCache?: string;
  private readonly secrets = new Map<string, string>();
  private readonly plainGroups: PlainGroup[];

  constructor(scope: Construct, id: string, props: OrgCaBundleProps) {
    // Validate before joining the tree: bad input leaves nothing behind to synthesize.
    const parsed = OrgCaBundle.load(props);
    if (!scope.node.scopes.some(c => c instanceof Chart)) {
      throw new Error(`OrgCaBundle "${id}" must be created inside a Chart, not directly under "${scope.node.path || 'the App'}": the Bundle and ConfigMaps it emits are chart objects. Create a Chart (e.g. new Chart(app, 'trust')) and pass it as the scope`);
    }
    super(scope, id);
    this.plainGroups = [];
    this.pem = parsed.pem;
    this.sha256 = parsed.sha256;
    this.warnings = parsed.warnings;
    this.certificates = parsed.certificates.map(c => ({
      subject: c.subject,
      issuer: c.issuer,
      fingerprint256: c.fingerprint256,
      notBefore: c.notBefore.toISOString(),
      notAfter: c.notAfter.toISOString(),
      isCa: c.isCa,
    }));
    if (props.printWarnings ?? true) {
      for (const w of this.warnings) {
        warn(w);
      }
    }

    const tmEnabled = props.trustManager
      ? props.trustManager.enabled ?? true
      : (props.configMaps ?? []).length === 0 && !props.clusterTrustBundle;
    if (tmEnabled) {
      this.tmOptions = props.trustManager ?? {};
      validateTrustManagerOptions(this.tmOptions);
      this.trustManagerBundleName = this.tmOptions.name ?? DEFAULT_NAME;
    }
    for (const cm of props.configMaps ?? []) {
      this.addConfigMaps(cm);
    }
    if (this.tmOptions) this.trustManagerBundle = this.renderBundle(this.tmOptions);
    if (props.clusterTrustBundle) {
      this.ctb = resolveCtb(props.clusterTrustBundle, this.certificates);
      this.clusterTrustBundle = this.renderCtb(this.ctb);
    }
  }

  /**
   * Create plain ConfigMaps holding the bundle in more namespaces, and return the reference pods
   * mount. Adding the same name and key to a namespace twice is a no-op.
   *
   * @param options the namespaces, name and key
   * @param scope construct the ConfigMaps are created under (a component passes itself)
   * @default - this bundle
   */
  public addConfigMaps(options: PlainConfigMapOptions, scope?: Construct): CaConfigMapRef {
    const name = checkDnsSubdomain('ConfigMap name', options.name ?? DEFAULT_NAME);
    const key = checkConfigMapKey('ConfigMap key', options.key ?? DEFAULT_PLAIN_KEY);
    if (options.syncWave !== undefined && !Number.isInteger(options.syncWave)) {
      throw new Error(`configMaps "${name}": syncWave ${options.syncWave} must be an integer`);
    }
    if (this.trustManagerBundleName === name) {
      throw new Error(`ConfigMap name "${name}" is also the trust-manager Bundle's name: trust-manager projects a ConfigMap of that name into every selected namespace, so the two would collide; give the plain ConfigMaps another name (e.g. "${name}-plain") or the Bundle another trustManager.name`);
    }
    if (!options.namespaces || options.namespaces.length === 0) {
      throw new Error(`configMaps "${name}": namespaces is empty; list at least one namespace to create the ConfigMap in`);
    }
    let group = this.plainGroups.find(g => g.name === name && g.key === key);
    if (!group) {
      group = { name, key, namespaces: new Set() };
      this.plainGroups.push(group);
    }
    for (const ns of options.namespaces) {
      checkDnsLabel('namespace', ns);
      const clash = this.plainGroups.find(g => g !== group && g.name === name && g.namespaces.has(ns));
      if (clash) {
        throw new Error(`ConfigMap "${name}" in namespace "${ns}" is already created with key "${clash.key}"; use one key per ConfigMap name or choose another name`);
      }
      if (group.namespaces.has(ns)) {
        continue;
      }
      group.namespaces.add(ns);
      const obj = new ApiObject(scope ?? this, `ConfigMap-${ns}-${name}`, {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: managedMetadata(name, ns, this.sha256, undefined, options.syncWave),
        data: { [key]: this.pem },
        binaryData: { [PLAIN_JKS_KEY]: this.jksBase64() },
      });
      void obj;
    }
    return { name, key, projectedByTrustManager: false, jksKey: PLAIN_JKS_KEY, jksPassword: PLAIN_JKS_PASSWORD };
  }

  /** The org certificates as a JKS trust store (base64), for plain ConfigMaps. */
  private jksBase64(): string {
    this.jksCache = this.jksCache ?? trustedCertificatesJks(
      this.pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g)!.map(b => Buffer.from(b.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64')),
      PLAIN_JKS_PASSWORD,
    ).toString('base64');
    return this.jksCache;
  }

  /**
   * Create plain Secrets (type Opaque) holding the bundle, and return their reference. A CA bundle
   * is public: a Secret is used only because some consumers accept nothing else. Adding the same
   * name and key to a namespace twice is a no-op.
   *
   * @param options the namespaces, name and key
   * @param scope construct the Secrets are created under (a component passes itself)
   * @default - this bundle
   */
  public addSecrets(options: PlainSecretOptions, scope?: Construct): CaSecretRef {
    const name = checkDnsSubdomain('Secret name', options.name ?? 'org-ca-truststore');
    const key = checkConfigMapKey('Secret key', options.key ?? 'org-ca.pem');
    if (!options.namespaces || options.namespaces.length === 0) {
      throw new Error(`secrets "${name}": namespaces is empty; list at least one namespace to create the Secret in`);
    }
    for (const ns of options.namespaces) {
      checkDnsLabel('namespace', ns);
      const id = `Secret-${ns}-${name}`;
      const prior = this.secrets.get(`${ns}/${name}`);
      if (prior !== undefined && prior !== key) {
        throw new Error(`Secret "${name}" in namespace "${ns}" is already created with key "${prior}"; use one key per Secret name or choose another name`);
      }
      if (prior !== undefined) continue;
      this.secrets.set(`${ns}/${name}`, key);
      new ApiObject(scope ?? this, id, {
        apiVersion: 'v1',
        kind: 'Secret',
        type: 'Opaque',
        metadata: managedMetadata(name, ns, this.sha256),
        stringData: { [key]: this.pem },
      });
    }
    return { name, key };
  }

  /**
   * Which ConfigMap (name and key) a pod in `namespace` should mount.
   *
   * A plain ConfigMap created in that namespace wins over the trust-manager projection. Without a
   * namespace, the trust-manager projection is returned, or the plain ConfigMaps' name and key
   * when there is no Bundle.
   *
   * @param namespace the pod's namespace
   * @default - the namespace is not known
   */
  public configMapFor(namespace?: string): CaConfigMapRef {
    if (namespace !== undefined) {
      const local = this.plainGroups.find(g => g.namespaces.has(namespace));
      if (local) {
        return { name: local.name, key: local.key, projectedByTrustManager: false, jksKey: PLAIN_JKS_KEY, jksPassword: PLAIN_JKS_PASSWORD };
      }
    }
    if (this.trustManagerBundleName && this.tmOptions) {
      return {
        name: this.trustManagerBundleName,
        key: this.tmOptions.key ?? TRUST_MANAGER_DEFAULT_KEY,
        projectedByTrustManager: true,
        pkcs12Key: this.tmOptions.pkcs12?.key,
        pkcs12Password: this.tmOptions.pkcs12?.password,
        jksKey: this.tmOptions.jks?.key,
        jksPassword: this.tmOptions.jks ? this.tmOptions.jks.password ?? 'changeit' : undefined,
      };
    }
    if (namespace === undefined && this.plainGroups.length > 0) {
      const g = this.plainGroups[0];
      return { name: g.name, key: g.key, projectedByTrustManager: false, jksKey: PLAIN_JKS_KEY, jksPassword: PLAIN_JKS_PASSWORD };
    }
    const where = this.plainGroups.flatMap(g => Array.from(g.namespaces)).join(', ') || 'none';
    throw new Error(`no ConfigMap of bundle "${this.node.path}" reaches namespace "${namespace}" (plain ConfigMaps exist in: ${where}); add it with addConfigMaps({ namespaces: ["${namespace}"] }) or enable trustManager`);
  }

  /**
   * The names of the objects that carry this bundle (what `CaTrustGuard` protects): the
   * ConfigMaps pods mount, the trust-manager Bundle, the ClusterTrustBundle.
   * @internal
   */
  public _carriers(): { configMaps: string[]; bundles: string[]; clusterTrustBundles: string[] } {
    return {
      configMaps: [...new Set([...(this.trustManagerBundleName ? [this.trustManagerBundleName] : []), ...this.plainGroups.map(g => g.name)])],
      bundles: this.trustManagerBundleName ? [this.trustManagerBundleName] : [],
      clusterTrustBundles: this.ctb ? [this.ctb.name] : [],
    };
  }

  /**
   * The `clusterTrustBundle` projected-volume source for pods: by name, or by signer name and
   * labels when the bundle has a signer.
   *
   * @param path file name in the projected volume
   * @param optional mount even when no bundle matches
   */
  public clusterTrustBundleProjection(path: string, optional: boolean): k8s.ClusterTrustBundleProjection {
    if (!this.ctb) {
      throw new Error(`bundle "${this.node.path}" emits no ClusterTrustBundle: set clusterTrustBundle: { kubernetesVersion: "1.37" } on it, or use its ConfigMaps`);
    }
    return clusterTrustBundleProjection(this.ctb, path, optional);
  }

  /**
   * Whether the ConfigMap pods in `namespace` mount holds public roots as well as the org CA (a
   * trust-manager Bundle with `useDefaultCAs`), so it can be used directly, without a merge.
   * @internal
   */
  public _configMapHasPublicRoots(namespace?: string): boolean {
    const ref = this.configMapFor(namespace);
    return ref.projectedByTrustManager && !!this.tmOptions?.useDefaultCAs;
  }

  /** Whether the bundle emits ClusterTrustBundles and no ConfigMaps. @internal */
  public get _ctbOnly(): boolean {
    return !!this.ctb && !this.tmOptions && this.plainGroups.length === 0;
  }

  private renderCtb(c: ResolvedCtb): ApiObject {
    return clusterScoped(new ApiObject(this, 'ClusterTrustBundle', clusterTrustBundleManifest(c, this.pem, this.sha256)));
  }

  private renderBundle(o: TrustManagerBundleOptions): ApiObject {
    const name = o.name ?? DEFAULT_NAME;
    const additionalFormats = (o.pkcs12 || o.jks)
      ? {
        ...(o.pkcs12 ? { pkcs12: { key: o.pkcs12.key, ...(o.pkcs12.password !== undefined ? { password: o.pkcs12.password } : {}) } } : {}),
        ...(o.jks ? { jks: { key: o.jks.key, ...(o.jks.password !== undefined ? { password: o.jks.password } : {}) } } : {}),
      }
      : undefined;
    const bundle = new Bundle(this, 'Bundle', {
      metadata: managedMetadata(name, undefined, this.sha256, undefined, o.syncWave),
      spec: {
        sources: [
          { inLine: this.pem },
          ...(o.useDefaultCAs ? [{ useDefaultCAs: true }] : []),
        ],
        target: {
          configMap: { key: o.key ?? TRUST_MANAGER_DEFAULT_KEY },
          namespaceSelector: o.namespaceSelectorLabels ? { matchLabels: { ...o.namespaceSelectorLabels } } : {},
          ...(additionalFormats ? { additionalFormats } : {}),
        },
      },
    });
    return clusterScoped(bundle);
  }


}

function validateTrustManagerOptions(o: TrustManagerBundleOptions) {
  checkDnsSubdomain('Bundle name', o.name ?? DEFAULT_NAME);
  const key = checkConfigMapKey('trustManager.key', o.key ?? TRUST_MANAGER_DEFAULT_KEY);
  if (o.syncWave !== undefined && !Number.isInteger(o.syncWave)) {
    throw new Error(`trustManager.syncWave ${o.syncWave} must be an integer`);
  }
  for (const [fmt, f] of [['pkcs12', o.pkcs12], ['jks', o.jks]] as const) {
    if (f) {
      checkConfigMapKey(`trustManager.${fmt}.key`, f.key);
      if (f.key === key) {
        throw new Error(`trustManager.${fmt}.key "${f.key}" is the same as the PEM key; choose another key (e.g. "truststore.${fmt === 'pkcs12' ? 'p12' : 'jks'}")`);
      }
    }
  }
  if (o.pkcs12 && o.jks && o.pkcs12.key === o.jks.key) {
    throw new Error(`trustManager.pkcs12.key and trustManager.jks.key are both "${o.jks.key}"; use two keys`);
  }
}
