import * as path from 'node:path';
import { ApiObject } from 'cdk8s';
import { IConstruct } from 'constructs';
import { CaVariables } from './ca-variables';
import { envSourcesOf } from './env-sources';
import { MERGE_DEFAULTS } from './init-scripts';
import { JavaTrust, JavaTrustKind } from './java-trust';
import { checkNamespacedConfigMap, ensureNamespacedConfigMap, ensureScriptsConfigMap } from './namespace-config-maps';
import { templatePathsFor } from './pod-templates';
import { describeObject, EnvJson, EnvSources, TemplateOutcome, wireObject, WiringDescription } from './pod-wiring';
import { MergeScripts, SCRIPT_KEYS, scriptCommand } from './script-delivery';
import { optionsSignature, registerWiring } from './synth-hook';
import { VariableDelivery } from './variable-delivery';
import { CaConfigMapRef, OrgCaBundle } from '../bundle/org-ca-bundle';
import * as k8s from '../imports/k8s';
import { METADATA, rotationValue } from '../util/metadata';
import { checkConfigMapRef, checkDnsLabel, checkFileName, checkImage, checkMountDir, checkPointer, derivedName } from '../util/validate';

/**
 * Something that wires the org CA into the pods of cdk8s objects: every pod wiring and component
 * has `applyTo`.
 */
export interface ICaPodWiring {
  /**
   * Wire `target`: a cdk8s-plus workload, or any construct whose default child is an ApiObject, or
   * an ApiObject (including ones loaded with `Include`). Applied to the object's final JSON at
   * synth time.
   */
  applyTo(target: IConstruct): void;
}

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
 * Options for wiring the org CA into pods, shared by one workload (`MergedCaInitContainer`) and
 * whole-chart wiring (`CaTrust.wireAll`).
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
   * Where the init containers get their scripts: a ConfigMap the library adds once per namespace
   * (mounted with the org CA; the pod spec carries a path), or inline in every pod spec.
   *
   * @default MergeScripts.fromConfigMap()
   */
  readonly scripts?: MergeScripts;

  /**
   * How wired containers get the variables: `envFrom` of a ConfigMap the library adds once per
   * namespace, or `env` entries in every pod spec. `JAVA_TOOL_OPTIONS` is always an `env` entry
   * (it extends the container's own value).
   *
   * @default VariableDelivery.fromConfigMap()
   */
  readonly variableDelivery?: VariableDelivery;

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
}

/**
 * Options of `MergedCaInitContainer`.
 */
export interface MergedCaOptions extends PodWiringOptions {
  /**
   * JSON pointers to the pod templates (objects with `metadata` and `spec`) of a kind the library
   * does not know, e.g. `["/spec/template"]` for an Argo Rollout; `*` matches every array element.
   *
   * @default - the built-in paths of the object's kind
   */
  readonly podTemplatePaths?: string[];
}


const SOURCE_MOUNT = '/var/run/org-ca';
const SOURCE_FILE = 'org-ca.crt';
const DEFAULT_MERGED_DIR = MERGE_DEFAULTS.mergedDir;
const DEFAULT_MERGED_FILE = MERGE_DEFAULTS.mergedFileName;

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
export class MergedCaInitContainer implements ICaPodWiring {
  /** Pod-template annotation carrying the bundle's sha256 (its first 16 hex digits). */
  public static readonly ROTATION_ANNOTATION = METADATA.ROTATION_ANNOTATION;

  /**
   * Wire `target` (a workload construct or an ApiObject) with the org CA.
   */
  public static addTo(target: IConstruct, bundle: OrgCaBundle, options?: MergedCaOptions): MergedCaInitContainer {
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

  /** Whether this wiring does anything. */
  public readonly enabled: boolean;

  /** Merge or direct. */
  public readonly mode: WiringMode;

  /** Where pods read the org CA from. */
  public readonly source: BundleSource;

  /** Path of the JVM trust store, when `java` is set. */
  public readonly javaTrustStorePath?: string;

  /** Where the init containers get their scripts. */
  public readonly scripts: MergeScripts;

  /**
   * Name of the ConfigMap wired containers take the variables from (`envFrom`); undefined when
   * they are inline `env` entries, or when there are none (only `java`).
   */
  public readonly variablesConfigMapName?: string;

  private readonly bundle: OrgCaBundle;
  private readonly opts: MergedCaOptions;
  private readonly sourceVolumeName: string;
  private readonly mergedVolumeName: string;
  private readonly runAsUser: number;
  private readonly java: JavaTrust;
  private readonly described = new Map<string, WiringDescription>();
  private readonly variableDelivery: VariableDelivery;

  /**
   * How this wiring names itself in conflict messages (components set their own name).
   * @internal
   */
  public _label = 'MergedCaInitContainer';

  /**
   * The options that make two wirings the same (with the bundle), for conflict detection.
   * @internal
   */
  public readonly _options: Record<string, unknown>;

  /** @internal */
  public readonly _signature: string;

  constructor(bundle: OrgCaBundle, options: MergedCaOptions = {}) {
    this.bundle = bundle;
    this.opts = options;
    this.enabled = options.enabled ?? true;
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
    this.scripts = options.scripts ?? MergeScripts.fromConfigMap();
    this.source = options.source ?? (bundle._ctbOnly ? BundleSource.CLUSTER_TRUST_BUNDLE : BundleSource.CONFIG_MAP);
    if (this.source === BundleSource.CLUSTER_TRUST_BUNDLE) bundle.clusterTrustBundleProjection(SOURCE_FILE, true); // throws naming the fix
    if (this.mode === WiringMode.DIRECT) {
      if (options.optional) {
        throw new Error('mode DIRECT with optional: true would start pods whose SSL_CERT_FILE points at nothing when the bundle is missing (OpenSSL and Go then trust nothing); drop optional, or use WiringMode.MERGE');
      }
      if (this.source === BundleSource.CLUSTER_TRUST_BUNDLE) {
        throw new Error('mode DIRECT with a ClusterTrustBundle source: the projected bundle holds the org CA only, not the public roots, so every public TLS call would fail; use WiringMode.MERGE (the init container adds the image\'s system bundle)');
      }
      if (this.java._kind === JavaTrustKind.KEYTOOL_IMPORT) {
        throw new Error('mode DIRECT has no init container, so JavaTrust.keytoolImport() cannot run; use JavaTrust.trustManagerPkcs12() (with useDefaultCAs on the Bundle) or WiringMode.MERGE');
      }
      if (!options.configMap && !bundle._configMapHasPublicRoots()) {
        throw new Error('mode DIRECT points the variables at the distributed bundle alone, which must then hold the public roots: set trustManager.useDefaultCAs: true on the OrgCaBundle (trust-manager adds its Debian CA package), or use WiringMode.MERGE');
      }
    }
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
    for (const p of options.podTemplatePaths ?? []) checkPointer(p, 'podTemplatePaths');
    this.mergedFilePath = path.posix.join(this.mergedDir, file);
    this.javaTrustStorePath = this.javaParts().trustStorePath;
    const delivery = options.variableDelivery ?? VariableDelivery.fromConfigMap();
    this.variableDelivery = delivery;
    this.variablesConfigMapName = this.variables.length > 0 ? delivery._nameFor(this.variablesData()) : undefined;
    const { enabled: _e, java: _j, scripts: _s, variableDelivery: _v, ...rest } =
      options as MergedCaOptions & Record<string, unknown>;
    this._options = {
      ...rest,
      bundle: bundle.node.path,
      java: this.java._kind,
      scripts: this.scripts.configMapName ?? 'inline',
      variableDelivery: delivery._inline ? 'inline' : delivery.configMapName ?? 'fromConfigMap',
    };
    this._signature = optionsSignature({ ...this._options, javaSecret: this.java._fingerprint() });
  }

  /**
   * Wire `target`: a cdk8s-plus workload or any construct whose default child is an ApiObject,
   * or an ApiObject. Does nothing when disabled. Wiring the same object twice with the same
   * init container name is the same as once.
   */
  public applyTo(target: IConstruct): void {
    if (!this.enabled) return;
    const obj = ApiObject.of(target);
    const paths = templatePathsFor(obj.apiVersion, obj.kind, obj.name, this.opts.podTemplatePaths);
    registerWiring(obj, `merged-ca:${this.initContainerName}`, { signature: this._signature, source: this._label, explicit: true, options: this._options },
      json => {
        this._wireAt(json, paths, envSourcesOf(obj), obj);
        return json;
      });
    this._addConfigMaps(obj, obj.metadata.namespace);
  }

  /**
   * Adds what pods in `namespace` wired by `applyTo`/`wireAll` depend on: the scripts ConfigMap
   * (merge mode) and the variables ConfigMap, once per App.
   * @internal
   */
  public _addConfigMaps(scope: IConstruct, namespace: string | undefined): void {
    this.addScriptsConfigMap(scope, namespace);
    if (this.enabled && this.variablesConfigMapName !== undefined) {
      ensureNamespacedConfigMap(scope, namespace, this.variablesConfigMapName, () => this.variablesConfigMap(namespace));
    }
  }

  /**
   * The ConfigMap wired containers take the variables from (`envFrom`), as a manifest for
   * `namespace` (none: the namespace the objects are applied to); undefined when the variables are
   * inline. `applyTo` and `CaTrust.wireAll` add it themselves; apply it with `wireManifest` output.
   */
  public variablesConfigMap(namespace?: string): any {
    return this.variables.length > 0 ? this.variableDelivery._manifest(this.variablesData(), namespace) : undefined;
  }

  private variablesData(): Record<string, string> {
    return Object.fromEntries(this.variables.map(v => [v, this.mergedFilePath]));
  }

  /**
   * Adds the scripts ConfigMap for pods in `namespace` to the chart of `scope`, once per App, and
   * returns it: for the pod fragments (`initContainers()`, `volumes()`) used outside `applyTo`,
   * e.g. in Helm values. `applyTo` and `CaTrust.wireAll` add it themselves.
   *
   * @param namespace the pods' namespace
   * @default - none: the namespace the objects are applied to
   * @returns the ConfigMap, or undefined when nothing needs it (inline scripts, direct mode)
   */
  public addScriptsConfigMap(scope: IConstruct, namespace?: string): ApiObject | undefined {
    if (!this.enabled || this.mode === WiringMode.DIRECT) return undefined;
    return ensureScriptsConfigMap(scope, namespace, this.scripts);
  }

  /**
   * Returns a wired copy of a manifest object (plain JSON, e.g. parsed YAML). Objects whose pod
   * templates have no containers are returned unchanged. Apply in the object's namespace too what
   * the pods then depend on: `scripts.manifest(namespace)` (merge mode, scripts in a ConfigMap) and
   * `variablesConfigMap(namespace)` (variables in a ConfigMap); both are the defaults.
   */
  public wireManifest(manifest: any): any {
    if (!this.enabled) return manifest;
    const paths = templatePathsFor(manifest.apiVersion, manifest.kind, manifest.metadata?.name, this.opts.podTemplatePaths);
    const json = JSON.parse(JSON.stringify(manifest));
    this._wireAt(json, paths);
    return json;
  }

  /**
   * Wires `json` in place (the caller owns it: a fresh `toJson()` result or a copy), its pod
   * templates at `paths`; returns the outcome per template. With `near` (the wired ApiObject), a
   * wired pod must have had its scripts ConfigMap added for its final namespace.
   * @internal
   */
  public _wireAt(json: any, paths: string[], envSources?: EnvSources, near?: IConstruct): Array<{ pointer: string; outcome: TemplateOutcome }> {
    const ns: string | undefined = json.metadata?.namespace;
    const outcomes = wireObject(json, paths, this._describe(ns), envSources);
    if (near && outcomes.some(o => o.outcome === TemplateOutcome.WIRED)) {
      if (this.scriptsConfigMapName !== undefined) {
        checkNamespacedConfigMap(near, ns, this.scriptsConfigMapName, 'the merge scripts', 'scripts: MergeScripts.inline()', describeObject(json));
      }
      if (this.variablesConfigMapName !== undefined) {
        checkNamespacedConfigMap(near, ns, this.variablesConfigMapName, 'the CA variables', 'variableDelivery: VariableDelivery.inline()', describeObject(json));
      }
    }
    return outcomes;
  }

  /**
   * The wiring description (data) for a pod in `namespace`, for the pod-wiring core.
   * @internal
   */
  public _describe(namespace: string | undefined, image?: string): WiringDescription {
    const key = `${namespace ?? ''}\u0000${image ?? ''}`;
    let d = this.described.get(key);
    if (!d) {
      d = {
        volumes: this.volumes(namespace).map(v => k8s.toJson_Volume(v)),
        initContainers: this.mode === WiringMode.DIRECT ? [] : this.buildInitContainers(image, namespace).map(c => k8s.toJson_Container(c)),
        image: image ?? this.opts.image,
        mounts: this.volumeMounts().map(m => k8s.toJson_VolumeMount(m)),
        env: this.envJson(),
        envFromConfigMap: this.variablesConfigMapName,
        javaToolOptions: this.javaParts(namespace).options,
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
    return this.buildInitContainers(checkImage('image', this.opts.image ?? image), namespace);
  }

  /**
   * The pod volumes. Merge: the bundle ConfigMap whole (or the ClusterTrustBundle projection as
   * `org-ca.crt`), with the scripts ConfigMap projected into the same volume unless the scripts
   * are inline, and the merged emptyDir. Direct: the bundle's key as `mergedFileName`. Plus the
   * PKCS#12 volume of `JavaTrust.trustManagerPkcs12()`.
   *
   * @param namespace the pod's namespace, to ask the bundle which ConfigMap reaches it
   * @default - the bundle's namespace-independent ConfigMap
   */
  public volumes(namespace?: string): k8s.Volume[] {
    const direct = this.mode === WiringMode.DIRECT;
    const optional = direct ? false : this.opts.optional ?? true;
    const file = direct ? path.posix.basename(this.mergedFilePath) : SOURCE_FILE;
    let source: k8s.Volume;
    if (this.source === BundleSource.CLUSTER_TRUST_BUNDLE) {
      const clusterTrustBundle = this.bundle.clusterTrustBundleProjection(file, optional);
      source = { name: this.sourceVolumeName, projected: { sources: [{ clusterTrustBundle }, ...this.scriptsProjection()] } };
    } else {
      const ref = this.configMapRef(namespace);
      if (direct && !this.opts.configMap && !this.bundle._configMapHasPublicRoots(namespace)) {
        throw new Error(`mode DIRECT: the ConfigMap "${ref.name}" that reaches namespace "${namespace}" holds the org CA only (a plain ConfigMap), not the public roots; wire that namespace with WiringMode.MERGE`);
      }
      // direct: the one key, at the file name the variables point at; merge: the ConfigMap whole
      // (the PEM and, for keytoolImport, the JKS), read by the merge at the path its key names
      const items = direct ? [{ key: ref.key, path: file }] : undefined;
      const scriptKeys = Object.values(SCRIPT_KEYS) as string[];
      if (this.scriptsConfigMapName !== undefined && (scriptKeys.includes(ref.key) || scriptKeys.includes(ref.jksKey ?? ''))) {
        throw new Error(`ConfigMap "${ref.name}" has a key named like a merge script (${scriptKeys.join(', ')}), which would collide in the pod's org CA volume; use another key`);
      }
      // optional: false is the Kubernetes default, so only true is written
      const configMap = { name: ref.name, ...(items ? { items } : {}), ...(optional ? { optional } : {}) };
      const scripts = this.scriptsProjection();
      // with the scripts ConfigMap, one projected volume carries both
      source = scripts.length > 0
        ? { name: this.sourceVolumeName, projected: { sources: [{ configMap }, ...scripts] } }
        : { name: this.sourceVolumeName, configMap };
    }
    return [
      source,
      ...(direct ? [] : [{ name: this.mergedVolumeName, emptyDir: {} }]),
      ...this.javaParts(namespace).volumes,
    ];
  }

  /** The scripts ConfigMap the pods mount: merge mode with the scripts in a ConfigMap. */
  private get scriptsConfigMapName(): string | undefined {
    return this.mode === WiringMode.MERGE ? this.scripts.configMapName : undefined;
  }

  /** The projected source of the scripts ConfigMap (mounted with the org CA), if any. */
  private scriptsProjection(): k8s.VolumeProjection[] {
    const name = this.scriptsConfigMapName;
    return name !== undefined ? [{ configMap: { name } }] : [];
  }

  /** Volume mounts for a wired container: the merged directory, read-only. */
  public volumeMounts(): k8s.VolumeMount[] {
    return [
      // a ConfigMap volume is always read-only; the merged emptyDir is not, so only the merge writes it
      this.mode === WiringMode.DIRECT
        ? { mountPath: this.mergedDir, name: this.sourceVolumeName }
        : { mountPath: this.mergedDir, name: this.mergedVolumeName, readOnly: true },
      ...this.javaParts().mounts,
    ];
  }

  /**
   * Environment variables for a wired container that sets none of them yet. With `java`,
   * includes JAVA_TOOL_OPTIONS with only the trust store options.
   */
  public env(): k8s.EnvVar[] {
    const java = this.javaParts().options;
    return [
      ...this.envJson(),
      ...(java.length > 0 ? [{ name: 'JAVA_TOOL_OPTIONS', value: java.join(' ') }] : []),
    ];
  }

  private envJson(): EnvJson[] {
    return this.variables.map(name => ({ name, value: this.mergedFilePath }));
  }

  private configMapRef(namespace?: string): CaConfigMapRef {
    return this.opts.configMap ?? this.bundle.configMapFor(namespace);
  }

  private javaParts(namespace?: string) {
    const ref = this.java._kind === JavaTrustKind.NONE || this.source === BundleSource.CLUSTER_TRUST_BUNDLE
      ? { name: '', key: '', projectedByTrustManager: false }
      : this.configMapRef(namespace);
    return this.java._parts(this.mergedDir, this.orgFile(namespace), ref, this.sourceVolumeName, this.opts.optional ?? true, this.scripts);
  }

  /** Where the init containers read the org CA: the projected CTB file, or the ConfigMap key's file. */
  private orgFile(namespace?: string): string {
    const name = this.source === BundleSource.CLUSTER_TRUST_BUNDLE ? SOURCE_FILE : this.configMapRef(namespace).key;
    return path.posix.join(SOURCE_MOUNT, name);
  }

  private buildInitContainers(image: string | undefined, namespace: string | undefined): k8s.Container[] {
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
    const orgFile = this.orgFile(namespace);
    const q = (v: string) => k8s.Quantity.fromString(v);
    const merge: k8s.Container = {
      name: this.initContainerName,
      image,
      command: scriptCommand(this.scripts, SOURCE_MOUNT, SCRIPT_KEYS.MERGE, [orgFile, this.mergedFilePath, ...fail]),
      // limits only: Kubernetes sets the requests equal, which any LimitRange's maxLimitRequestRatio
      // accepts, and a pod's request is never below its largest init container's (100m, 64Mi)
      resources: { limits: { cpu: q('100m'), memory: q('64Mi') } },
      securityContext,
      volumeMounts,
    };
    const java = this.javaParts(namespace).initContainers.map((j): k8s.Container => ({
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
