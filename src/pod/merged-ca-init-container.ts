import * as path from 'node:path';
import { IConstruct } from 'constructs';
import { CaPodWiring, WiringIdentity } from './ca-pod-wiring';
import { CaVariables } from './ca-variables';
import { JAVA_CACERTS_CANDIDATES, MERGE_DEFAULTS, MERGE_SCRIPT, scriptCommand, SYSTEM_BUNDLE_CANDIDATES } from './init-scripts';
import { JavaTrust, JavaTrustKind, JavaTrustParts } from './java-trust';
import { EnvJson, WiringDescription } from './pod-wiring';
import { optionsSignature } from './synth-hook';
import { BundleSource, OnInvalidBundle, PodWiringOptions, WiringMode } from './wiring-options';
import { CaConfigMapRef, OrgCaBundle } from '../bundle/org-ca-bundle';
import * as k8s from '../imports/k8s';
import { METADATA, rotationValue } from '../util/metadata';
import { checkConfigMapRef, checkDnsLabel, checkFileName, checkImage, checkMountDir, derivedName } from '../util/validate';
import { warnOnce } from '../util/warnings';


const SOURCE_MOUNT = '/var/run/org-ca';
const SOURCE_FILE = 'org-ca.crt';
const DEFAULT_MERGED_DIR = MERGE_DEFAULTS.mergedDir;
const DEFAULT_MERGED_FILE = MERGE_DEFAULTS.mergedFileName;


/** Wiring descriptions kept per MergedCaInitContainer (one per namespace and merge image). */
const DESCRIBED_CACHE_SIZE = 256;
/**
 * Wires the org CA into pods: a merge init container (placed first) writes the image's system
 * bundle plus the org CA into an emptyDir; every app container and every later init container gets
 * the CA variables pointing at that file and the merged volume mounted read-only; the pod template
 * is annotated with the bundle's sha256.
 *
 * Works on cdk8s-plus workloads, `ApiObject`s (including ones loaded with `Include`) of kinds
 * Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job, CronJob,
 * RayCluster, RayJob, RayService, and any kind given `podTemplatePaths`. The wiring is applied to
 * the object's final JSON at synth time, so containers added after the call are wired too.
 */
export class MergedCaInitContainer extends CaPodWiring {
  /** Pod-template annotation carrying the bundle's sha256 (its first 16 hex digits). */
  public static readonly ROTATION_ANNOTATION = METADATA.ROTATION_ANNOTATION;

  /**
   * Wire `target` (a workload construct or an ApiObject) with the org CA.
   */
  public static addTo(target: IConstruct, bundle: OrgCaBundle, options?: PodWiringOptions): MergedCaInitContainer {
    const w = new MergedCaInitContainer(bundle, options);
    w.applyTo(target);
    return w;
  }

  /** Full path of the merged bundle inside the containers. */
  public readonly mergedFilePath: string;

  /** Directory of the merged bundle (the emptyDir mount path). */
  public readonly mergedDir: string;

  /** Variables set on every wired container. */
  public readonly variables: string[];

  /** Name of the merge init container. */
  public readonly initContainerName: string;

  /** Merge or direct. */
  public readonly mode: WiringMode;

  /** Where pods read the org CA from. */
  public readonly source: BundleSource;

  /** Path of the JVM trust store, when `java` is set. */
  public readonly javaTrustStorePath?: string;

  private readonly bundle: OrgCaBundle;
  private readonly opts: PodWiringOptions;
  private readonly sourceVolumeName: string;
  private readonly mergedVolumeName: string;
  private readonly runAsUser: number;
  private readonly java: JavaTrust;
  private readonly described = new Map<string, WiringDescription>();

  constructor(bundle: OrgCaBundle, options: PodWiringOptions = {}) {
    super('MergedCaInitContainer', options.enabled ?? true, options.podTemplatePaths);
    this.bundle = bundle;
    this.opts = options;
    this.initContainerName = checkDnsLabel('initContainerName', options.initContainerName ?? 'merge-ca-bundle');
    this.mergedDir = checkMountDir('mergedDir', options.mergedDir ?? DEFAULT_MERGED_DIR, DEFAULT_MERGED_DIR);
    const file = checkFileName('mergedFileName', options.mergedFileName ?? DEFAULT_MERGED_FILE, DEFAULT_MERGED_FILE);
    this.sourceVolumeName = checkDnsLabel('sourceVolumeName', options.sourceVolumeName ?? 'org-ca');
    this.mergedVolumeName = checkDnsLabel('mergedVolumeName', options.mergedVolumeName ?? 'org-ca-merged');
    if (options.image !== undefined) checkImage('image', options.image);
    this.runAsUser = options.runAsUser ?? 65534;
    this.java = options.java ?? JavaTrust._NONE;
    this.variables = [...(options.variables ?? CaVariables.DEFAULTS), ...(options.extraVariables ?? [])];

    if (this.mergedDir === SOURCE_MOUNT || this.mergedDir.startsWith(`${SOURCE_MOUNT}/`)) {
      throw new Error(`mergedDir "${this.mergedDir}" is where the library mounts the bundle ConfigMap (${SOURCE_MOUNT}); use another directory, e.g. "${DEFAULT_MERGED_DIR}"`);
    }
    if (options.configMap) checkConfigMapRef('configMap', options.configMap);
    this.mode = options.mode ?? WiringMode.MERGE;
    this.source = options.source ?? (bundle._ctbOnly ? BundleSource.CLUSTER_TRUST_BUNDLE : BundleSource.CONFIG_MAP);
    if (this.source === BundleSource.CLUSTER_TRUST_BUNDLE) bundle.clusterTrustBundleProjection(SOURCE_FILE, true); // throws naming the fix
    if (this.mode === WiringMode.DIRECT) this.checkDirect(options);
    if (this.sourceVolumeName === this.mergedVolumeName) {
      throw new Error(`sourceVolumeName and mergedVolumeName are both "${this.mergedVolumeName}"; use two names`);
    }
    if (this.java._kind === JavaTrustKind.KEYTOOL_IMPORT) derivedName('initContainerName', this.initContainerName, '-java');
    if (this.java._kind === JavaTrustKind.TRUST_MANAGER_PKCS12) derivedName('sourceVolumeName', this.sourceVolumeName, '-java');
    if (!Number.isInteger(this.runAsUser) || this.runAsUser <= 0) {
      throw new Error(`runAsUser ${this.runAsUser} must be a positive UID: Pod Security "restricted" forbids root`);
    }
    if (options.openShift && options.runAsUser !== undefined) {
      throw new Error(`runAsUser ${options.runAsUser} and openShift: true contradict each other: OpenShift assigns the UID; drop runAsUser`);
    }
    CaVariables._check(this.variables, 'variables');
    if (this.variables.length === 0 && this.java._kind === JavaTrustKind.NONE) {
      throw new Error('variables is empty and java is not set: nothing would point at the merged bundle');
    }
    this.mergedFilePath = path.posix.join(this.mergedDir, file);
    this.javaTrustStorePath = this.resolve(undefined).java.trustStorePath;
  }

  /** What makes two wirings of an object the same: the options, the bundle, the Java secret's fingerprint. @internal */
  public _identity(): WiringIdentity {
    const { enabled: _e, java: _j, ...rest } = this.opts as PodWiringOptions & Record<string, unknown>;
    const options = {
      ...rest,
      bundle: this.bundle.node.path,
      java: this.java._kind,
    };
    return {
      slot: `merged-ca:${this.initContainerName}`,
      options,
      signature: optionsSignature({ ...options, javaSecret: this.java._fingerprint() }),
    };
  }

  /** Direct mode mounts the distributed bundle alone: it must hold the public roots, and be there. */
  private checkDirect(options: PodWiringOptions): void {
    if (options.optional) {
      throw new Error('mode DIRECT with optional: true would start pods whose SSL_CERT_FILE points at nothing when the bundle is missing (OpenSSL and Go then trust nothing); drop optional, or use WiringMode.MERGE');
    }
    if (this.source === BundleSource.CLUSTER_TRUST_BUNDLE) {
      throw new Error('mode DIRECT with a ClusterTrustBundle source: the projected bundle holds the org CA only, not the public roots, so every public TLS call would fail; use WiringMode.MERGE (the init container adds the image\'s system bundle)');
    }
    if (this.java._kind === JavaTrustKind.KEYTOOL_IMPORT) {
      throw new Error('mode DIRECT has no init container, so JavaTrust.keytoolImport() cannot run; use JavaTrust.trustManagerPkcs12() (with useDefaultCAs on the Bundle) or WiringMode.MERGE');
    }
    if (!options.configMap && !this.bundle._configMapHasPublicRoots()) {
      throw new Error('mode DIRECT points the variables at the distributed bundle alone, which must then hold the public roots: set trustManager.useDefaultCAs: true on the OrgCaBundle (trust-manager adds its Debian CA package), or use WiringMode.MERGE');
    }
    if (options.configMap) {
      warnOnce(`mode DIRECT with configMap "${options.configMap.name}": pods trust that ConfigMap exactly as written, with no filter (a damaged block breaks every OpenSSL-based client of the pod, Python, curl, git, Ruby, public endpoints too) and it must hold the public roots; the merge mode filters it and adds the image's own roots`);
    }
  }

  /**
   * The wiring description (data) for a pod in `namespace` (whose init containers run `image`),
   * computed once per namespace and image from one resolution of the bundle's ConfigMap (the
   * last DESCRIBED_CACHE_SIZE pairs are kept).
   * @internal
   */
  public _describe(namespace: string | undefined, image?: string): WiringDescription {
    const key = `${namespace ?? ''}\u0000${image ?? ''}`;
    let d = this.described.get(key);
    if (!d) {
      const r = this.resolve(namespace);
      d = {
        volumes: this.volumesFor(r).map(v => k8s.toJson_Volume(v)),
        initContainers: this.mode === WiringMode.DIRECT ? [] : this.buildInitContainers(image, r).map(c => k8s.toJson_Container(c)),
        image: image ?? this.opts.image,
        mounts: this.mountsFor(r).map(m => k8s.toJson_VolumeMount(m)),
        systemBundleMounts: this.systemBundleMounts().map(m => k8s.toJson_VolumeMount(m)),
        systemBundleOverlay: this.opts.systemBundleOverlay ?? false,
        env: this.envJson(),
        javaToolOptions: r.java.options,
        annotations: (this.opts.rotationAnnotation ?? true) ? { [METADATA.ROTATION_ANNOTATION]: rotationValue(this.bundle.sha256) } : undefined,
        containers: this.opts.containers,
        skipVariables: this.opts.skipVariables,
        inheritPodUser: true,
        hints: {
          volume: n => (n === this.mergedVolumeName ? 'mergedVolumeName' : 'sourceVolumeName'),
          mount: 'mergedDir',
          initContainer: 'initContainerName',
        },
      };
      // a bounded cache: a render of many images (one per app) must not grow memory with its size
      if (this.described.size >= DESCRIBED_CACHE_SIZE) this.described.delete(this.described.keys().next().value!);
      this.described.set(key, d);
    }
    return d;
  }

  /**
   * The init containers for a pod whose merge runs `image`: the merge, then the keytool import
   * when `java` is `JavaTrust.keytoolImport()`.
   *
   * @param image image of the pod's first container (used unless the `image` option is set)
   */
  public initContainers(image: string, namespace?: string): k8s.Container[] {
    if (this.mode === WiringMode.DIRECT) return [];
    return this.buildInitContainers(checkImage('image', this.opts.image ?? image), this.resolve(namespace));
  }

  /**
   * The pod volumes. Merge: the bundle ConfigMap whole (or the ClusterTrustBundle projection as
   * `org-ca.crt`) and the merged emptyDir. Direct: the bundle's key as `mergedFileName`. Plus the
   * PKCS#12 volume of `JavaTrust.trustManagerPkcs12()`.
   *
   * @param namespace the pod's namespace, to ask the bundle which ConfigMap reaches it
   * @default - the bundle's namespace-independent ConfigMap
   */
  public volumes(namespace?: string): k8s.Volume[] {
    return this.volumesFor(this.resolve(namespace));
  }

  /**
   * Volume mounts for a wired container: the merged directory, read-only, and with
   * `systemBundleOverlay` the merged file over each standard system bundle path.
   */
  public volumeMounts(): k8s.VolumeMount[] {
    return [...this.mountsFor(this.resolve(undefined)), ...(this.opts.systemBundleOverlay ? this.systemBundleMounts() : [])];
  }

  /**
   * The file the variables point at, mounted read-only over each standard system bundle path
   * (SYSTEM_BUNDLE_CANDIDATES): the merged file (merge), or the bundle's file (direct). With
   * `JavaTrust.keytoolImport()`, also the store it builds (the JVM's own roots plus the org CA,
   * readable without a password as the JVM's default store is) over each standard JVM `cacerts`
   * path (JAVA_CACERTS_CANDIDATES).
   */
  private systemBundleMounts(): k8s.VolumeMount[] {
    const direct = this.mode === WiringMode.DIRECT;
    const name = direct ? this.sourceVolumeName : this.mergedVolumeName;
    const subPath = path.posix.basename(this.mergedFilePath);
    const store = this.java._kind === JavaTrustKind.KEYTOOL_IMPORT ? this.javaTrustStorePath : undefined;
    return [
      ...SYSTEM_BUNDLE_CANDIDATES.map(mountPath => ({ mountPath, name, subPath, readOnly: true })),
      ...(store ? JAVA_CACERTS_CANDIDATES.map(mountPath => ({ mountPath, name, subPath: path.posix.basename(store), readOnly: true })) : []),
    ];
  }

  /**
   * Environment variables for a wired container that sets none of them yet. With `java`,
   * includes JAVA_TOOL_OPTIONS with only the trust store options.
   */
  public env(): k8s.EnvVar[] {
    const java = this.resolve(undefined).java.options;
    return [
      ...this.envJson(),
      ...(java.length > 0 ? [{ name: 'JAVA_TOOL_OPTIONS', value: java.join(' ') }] : []),
    ];
  }

  /**
   * What a pod in `namespace` reads, asked from the bundle once: its ConfigMap (none for a
   * ClusterTrustBundle source), the org CA file the init containers read, and the Java parts.
   */
  private resolve(namespace: string | undefined): Resolved {
    const ctb = this.source === BundleSource.CLUSTER_TRUST_BUNDLE;
    const ref = ctb ? undefined : this.opts.configMap ?? this.bundle.configMapFor(namespace);
    const orgFile = path.posix.join(SOURCE_MOUNT, ref ? ref.key : SOURCE_FILE);
    const javaRef = this.java._kind === JavaTrustKind.NONE || !ref ? { name: '', key: '', projectedByTrustManager: false } : ref;
    const java = this.java._parts(this.mergedDir, orgFile, javaRef, this.sourceVolumeName, this.opts.optional ?? true);
    return { namespace, ref, orgFile, java };
  }

  private volumesFor(r: Resolved): k8s.Volume[] {
    const direct = this.mode === WiringMode.DIRECT;
    const optional = direct ? false : this.opts.optional ?? true;
    const file = direct ? path.posix.basename(this.mergedFilePath) : SOURCE_FILE;
    let source: k8s.Volume;
    if (!r.ref) {
      const clusterTrustBundle = this.bundle.clusterTrustBundleProjection(file, optional);
      source = { name: this.sourceVolumeName, projected: { sources: [{ clusterTrustBundle }] } };
    } else {
      const ref = r.ref;
      if (direct && !this.opts.configMap && !this.bundle._configMapHasPublicRoots(r.namespace)) {
        throw new Error(`mode DIRECT: the ConfigMap "${ref.name}" that reaches namespace "${r.namespace}" holds the org CA only (a plain ConfigMap), not the public roots; wire that namespace with WiringMode.MERGE`);
      }
      // direct: the one key, at the file name the variables point at; merge: the ConfigMap whole
      // (the PEM and, for keytoolImport, the JKS), read by the merge at the path its key names
      const items = direct ? [{ key: ref.key, path: file }] : undefined;
      // optional: false is the Kubernetes default, so only true is written
      const configMap = { name: ref.name, ...(items ? { items } : {}), ...(optional ? { optional } : {}) };
      source = { name: this.sourceVolumeName, configMap };
    }
    return [
      source,
      ...(direct ? [] : [{ name: this.mergedVolumeName, emptyDir: {} }]),
      ...r.java.volumes,
    ];
  }

  private mountsFor(r: Resolved): k8s.VolumeMount[] {
    return [
      // a ConfigMap volume is always read-only; the merged emptyDir is not, so only the merge writes it
      this.mode === WiringMode.DIRECT
        ? { mountPath: this.mergedDir, name: this.sourceVolumeName }
        : { mountPath: this.mergedDir, name: this.mergedVolumeName, readOnly: true },
      ...r.java.mounts,
    ];
  }

  private envJson(): EnvJson[] {
    return this.variables.map(name => ({ name, value: this.mergedFilePath }));
  }

  private buildInitContainers(image: string | undefined, r: Resolved): k8s.Container[] {
    // no runAsGroup: the merged file is world-readable (umask 022) and the emptyDir world-writable
    const user = this.opts.openShift ? {} : { runAsUser: this.runAsUser };
    const securityContext: k8s.SecurityContext = {
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      readOnlyRootFilesystem: true,
      ...user,
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    };
    const fail = this.opts.onInvalidBundle === OnInvalidBundle.FAIL ? ['fail'] : [];
    const volumeMounts = [
      { mountPath: SOURCE_MOUNT, name: this.sourceVolumeName }, // ConfigMap and projected volumes are read-only
      { mountPath: this.mergedDir, name: this.mergedVolumeName },
    ];
    const orgFile = r.orgFile;
    const q = (v: string) => k8s.Quantity.fromString(v);
    const merge: k8s.Container = {
      name: this.initContainerName,
      image,
      command: scriptCommand(MERGE_SCRIPT, 'merge-ca-bundle', [orgFile, this.mergedFilePath, ...fail]),
      // limits only: Kubernetes sets the requests equal, which any LimitRange's maxLimitRequestRatio
      // accepts, and a pod's request is never below its largest init container's (100m, 64Mi)
      resources: { limits: { cpu: q('100m'), memory: q('64Mi') } },
      securityContext,
      volumeMounts,
    };
    const java = r.java.initContainers.map((j): k8s.Container => ({
      name: `${this.initContainerName}${j.nameSuffix}`,
      image,
      command: [...j.command, ...fail],
      resources: { limits: { cpu: q('500m'), memory: q('256Mi') }, requests: { cpu: q('50m'), memory: q('128Mi') } },
      securityContext,
      volumeMounts,
    }));
    return [merge, ...java];
  }
}

/** What a pod in one namespace reads, resolved once. */
interface Resolved {
  readonly namespace: string | undefined;
  /** The bundle's ConfigMap; undefined for a ClusterTrustBundle source. */
  readonly ref?: CaConfigMapRef;
  /** Where the init containers read the org CA. */
  readonly orgFile: string;
  readonly java: JavaTrustParts;
}
