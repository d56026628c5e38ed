import { JavaTrust } from './java-trust';
import { CaConfigMapRef } from '../bundle/org-ca-bundle';

/**
 * What the merge init container does when the org CA it finds in the pod holds no valid
 * certificate (a damaged ConfigMap: a hand edit, a bad sync, a truncated write).
 */
export enum OnInvalidBundle {
  /**
   * Start the pod with the image's system bundle only, and say so on stderr: public TLS keeps
   * working, calls to org endpoints fail. Malformed blocks next to valid ones are always dropped
   * with a warning.
   */
  DEGRADE = 'DEGRADE',
  /** Fail the init container, so the pod does not start until the bundle is fixed. */
  FAIL = 'FAIL',
}

/**
 * How pods get the org CA.
 */
export enum WiringMode {
  /**
   * An init container merges the image's own system bundle with the org CA into an emptyDir; the
   * variables point at the merged file. Works with any distribution; the bundle may be missing
   * (`optional`).
   */
  MERGE = 'MERGE',
  /**
   * No init container: the distributed bundle is mounted read-only and the variables point at it.
   * It must already hold the public roots (a trust-manager Bundle with `useDefaultCAs: true`:
   * trust-manager's Debian CA package, not the image's own), and it is mounted non-optional: a pod
   * whose bundle is missing waits in ContainerCreating rather than start with `SSL_CERT_FILE`
   * pointing at nothing (OpenSSL and Go would then trust nothing). Pod-start cost 0, about a
   * quarter of the YAML.
   */
  DIRECT = 'DIRECT',
}

/**
 * Which distributed object pods read the org CA from.
 */
export enum BundleSource {
  /** The bundle's ConfigMap in the pod's namespace (trust-manager projection or plain ConfigMap). */
  CONFIG_MAP = 'CONFIG_MAP',
  /** A `clusterTrustBundle` projected volume source (the bundle's `clusterTrustBundle` option). */
  CLUSTER_TRUST_BUNDLE = 'CLUSTER_TRUST_BUNDLE',
}

/**
 * Options for wiring the org CA into pods: one workload (`MergedCaInitContainer`), a whole chart
 * (`CaTrust.wireAll`) and plain manifests (`CaTrust.wireManifests`).
 */
export interface PodWiringOptions {
  /**
   * Wire at all. Disabled leaves the output byte-for-byte unchanged.
   *
   * @default true
   */
  readonly enabled?: boolean;

  /**
   * Merge with the image's system bundle in an init container, or mount the distributed bundle
   * directly (it must hold the public roots).
   *
   * @default WiringMode.MERGE
   */
  readonly mode?: WiringMode;

  /**
   * Where pods read the org CA from.
   *
   * @default - BundleSource.CLUSTER_TRUST_BUNDLE when the bundle emits only ClusterTrustBundles, else BundleSource.CONFIG_MAP
   */
  readonly source?: BundleSource;

  /**
   * Name of the merge init container.
   *
   * @default "merge-ca-bundle"
   */
  readonly initContainerName?: string;

  /**
   * Image of the merge init container.
   *
   * @default - the image of the pod's first container, so the merge uses that image's own system
   * bundle and pulls nothing new. Set it for images without `/bin/sh` (distroless).
   */
  readonly image?: string;

  /**
   * Directory of the merged bundle (an emptyDir mounted read-only into the wired containers).
   *
   * @default "/etc/org-ca"
   */
  readonly mergedDir?: string;

  /**
   * File name of the merged bundle in `mergedDir`.
   *
   * @default "bundle.pem"
   */
  readonly mergedFileName?: string;

  /**
   * Variables pointed at the merged file on every wired container.
   *
   * @default CaVariables.DEFAULTS (SSL_CERT_FILE, REQUESTS_CA_BUNDLE, GIT_SSL_CAINFO, NODE_EXTRA_CA_CERTS, NPM_CONFIG_CAFILE)
   */
  readonly variables?: string[];

  /**
   * Variables added to `variables`, e.g. `CaVariables.KNOWN_EXTRAS` (PIP_CERT, AWS_CA_BUNDLE, CARGO_HTTP_CAINFO).
   *
   * @default - none
   */
  readonly extraVariables?: string[];

  /**
   * Variables to leave alone where a container already sets them to another value (otherwise
   * that is an error). Where a container does not set them they are still added.
   *
   * @default - none: any conflicting value is an error
   */
  readonly skipVariables?: string[];

  /**
   * Mount the bundle ConfigMap with `optional: true`, so a missing ConfigMap degrades to the
   * system bundle instead of blocking the pod.
   *
   * @default true
   */
  readonly optional?: boolean;

  /**
   * ConfigMap to mount.
   *
   * @default - asked from the bundle for the pod's namespace (`bundle.configMapFor(namespace)`)
   */
  readonly configMap?: CaConfigMapRef;

  /**
   * Name of the volume carrying the bundle ConfigMap.
   *
   * @default "org-ca"
   */
  readonly sourceVolumeName?: string;

  /**
   * Name of the emptyDir volume holding the merged bundle.
   *
   * @default "org-ca-merged"
   */
  readonly mergedVolumeName?: string;

  /**
   * UID (and GID) the init containers run as. Must be non-zero (Pod Security "restricted"). A pod
   * whose own securityContext sets `runAsUser` keeps it: the init containers then set none and
   * inherit the pod's.
   *
   * @default 65534, unless the pod sets runAsUser or `openShift` is true
   */
  readonly runAsUser?: number;

  /**
   * Set no `runAsUser`/`runAsGroup` on the library's init containers, for OpenShift: its
   * restricted-v2 SCC assigns every pod a UID from the namespace's range (and GID 0) and refuses a
   * fixed UID outside it. `runAsNonRoot: true` and the rest of the restricted profile stay; what
   * the merge writes is readable by any UID.
   *
   * @default false
   */
  readonly openShift?: boolean;

  /**
   * What the merge does when the org CA file in the pod holds no valid certificate.
   *
   * @default OnInvalidBundle.DEGRADE
   */
  readonly onInvalidBundle?: OnInvalidBundle;

  /**
   * Only these app containers get the variables and mount.
   *
   * @default - every app container (init containers after the merge are always wired)
   */
  readonly containers?: string[];

  /**
   * A JVM trust store, opt-in: `JavaTrust.keytoolImport({ storePassword })` or
   * `JavaTrust.trustManagerPkcs12({ password })`. `JAVA_TOOL_OPTIONS` gets
   * `-Djavax.net.ssl.trustStore*` appended to what the container already sets.
   *
   * @default - no JVM trust store
   */
  readonly java?: JavaTrust;

  /**
   * Annotate the pod template with the bundle's sha256 (its first 16 hex digits) so a CA change
   * rolls the workload.
   *
   * @default true
   */
  readonly rotationAnnotation?: boolean;

  /**
   * Mount the merged bundle (merge mode), or the bundle with its public roots (direct mode),
   * read-only over the image's standard system CA bundle files (the paths the merge searches:
   * Debian, Ubuntu and Alpine, RHEL, UBI, Fedora and Amazon Linux, SUSE) in every wired
   * container, so clients that read no variable and open the system bundle by its compiled-in
   * path trust the org CA too: R's curl package (httr, httr2, pak, install.packages), GNU wget,
   * PHP's curl extension. The merge init container still reads the image's own bundle.
   *
   * With `java: JavaTrust.keytoolImport()`, the store it builds (the JVM's own roots plus the org
   * CA) is mounted the same way over the standard JVM `cacerts` files (Debian and Ubuntu, RHEL
   * family, Temurin's `/opt/java/openjdk`), so a JVM started without `JAVA_TOOL_OPTIONS` (a
   * `command:` that bypasses the entrypoint, a launcher that clears it) trusts the org CA too. A
   * JVM whose `$JAVA_HOME/lib/security/cacerts` is its own file elsewhere still needs the option.
   * `JavaTrust.trustManagerPkcs12()` gets no `cacerts` overlay: its store holds the bundle's
   * sources only and may need a password the JVM's default store does not take.
   *
   * A container whose command or arguments run `update-ca-certificates` or `update-ca-trust`
   * rewrites the system bundle at start and cannot write to a read-only mount: it gets no overlay,
   * with a warning. One object turns it off (or on) with the annotation
   * `cdk8s-org-ca/system-bundle-overlay: "false"` (or `"true"`); a container that mounts its own
   * file at one of the paths keeps it.
   *
   * @default false (true for SingleuserCaMerge: R, Julia and wget users)
   */
  readonly systemBundleOverlay?: boolean;

  /**
   * JSON pointers to the pod templates (objects with `metadata` and `spec`) of a kind the library
   * does not know, e.g. `["/spec/template"]` for an Argo Rollout; `*` matches every array element.
   * For one wiring applied to objects of that kind; `CaTrust.wireAll` and `wireManifests` take
   * `podTemplates` (per kind) instead.
   *
   * @default - the built-in paths of the object's kind
   */
  readonly podTemplatePaths?: string[];
}

/**
 * Where the pod templates of a kind live, for kinds the library does not know.
 */
export interface PodTemplateLocation {
  /** apiVersion of the kind, e.g. "argoproj.io/v1alpha1". */
  readonly apiVersion: string;
  /** The kind, e.g. "Rollout". */
  readonly kind: string;
  /**
   * JSON pointers to the pod templates (objects with `metadata` and `spec`), `*` for every array
   * element, e.g. `["/spec/template"]`.
   */
  readonly paths: string[];
}

/**
 * Options of whole-chart wiring (`CaTrust.wireAll`) and of plain manifests
 * (`CaTrust.wireManifests`): the pod wiring, and which objects it applies to.
 */
export interface WireAllOptions extends PodWiringOptions {
  /**
   * Only wire objects in these namespaces (objects without a namespace never match).
   *
   * @default - every namespace
   */
  readonly namespaces?: string[];

  /**
   * Only wire objects of these kinds, e.g. `["Deployment", "CronJob"]`.
   *
   * @default - every kind with a pod template
   */
  readonly kinds?: string[];

  /**
   * Pod template locations of kinds the library does not know.
   *
   * @default - only the built-in kinds
   */
  readonly podTemplates?: PodTemplateLocation[];

  /**
   * Throw at synth time, instead of printing a warning, when an object of an unknown kind looks
   * like it carries a pod template.
   *
   * @default false
   */
  readonly failOnUnknownKinds?: boolean;
}
