import * as path from 'node:path';
import { ApiObject } from 'cdk8s';
import { IConstruct } from 'constructs';
import { CaVariables } from './ca-env';
import { KEYTOOL_SCRIPT, MERGE_SCRIPT } from './merge-script';
import { describeObject, ensureEnv, ensureMount, ensureVolume, sameJson } from './pod-patch';
import { checkPointer, findTemplates, templatePathsFor } from './pod-templates';
import { addSynthTransform } from './synth-hook';
import { CaConfigMapRef, OrgCaBundle } from '../bundle/org-ca-bundle';

/**
 * How JVM workloads get the org CA.
 */
export enum JavaTrust {
  /** No JVM trust store (the default). */
  NONE = 'NONE',
  /**
   * A second init container, on the same image, copies the image's own `cacerts` into the merged
   * volume and imports every org CA certificate with `keytool`. The image must contain keytool
   * (any JDK/JRE image). Public roots stay trusted.
   */
  KEYTOOL_IMPORT = 'KEYTOOL_IMPORT',
  /**
   * Mount the PKCS#12 trust store trust-manager writes (`trustManager.pkcs12` on the bundle).
   * It holds only the bundle's sources: set `useDefaultCAs` on the Bundle to keep public roots.
   */
  TRUST_MANAGER_PKCS12 = 'TRUST_MANAGER_PKCS12',
}

/**
 * Options for wiring the org CA into pods.
 */
export interface MergedCaOptions {
  /**
   * Wire at all. Disabled leaves the output byte-for-byte unchanged.
   *
   * @default true
   */
  readonly enabled?: boolean;

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
   * @default "/etc/ssl/certs-extra"
   */
  readonly mergedDir?: string;

  /**
   * File name of the merged bundle in `mergedDir`.
   *
   * @default "ca-bundle.crt"
   */
  readonly mergedFileName?: string;

  /**
   * Variables pointed at the merged file on every wired container.
   *
   * @default CaVariables.DEFAULTS (REQUESTS_CA_BUNDLE, SSL_CERT_FILE, NODE_EXTRA_CA_CERTS, CURL_CA_BUNDLE, GIT_SSL_CAINFO)
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
   * UID (and GID) the init containers run as. Must be non-zero (Pod Security "restricted").
   *
   * @default 65534
   */
  readonly runAsUser?: number;

  /**
   * Only these app containers get the variables and mount.
   *
   * @default - every app container (init containers after the merge are always wired)
   */
  readonly containers?: string[];

  /**
   * A JVM trust store, opt-in. `JAVA_TOOL_OPTIONS` gets `-Djavax.net.ssl.trustStore*` appended to
   * what the container already sets.
   *
   * @default JavaTrust.NONE
   */
  readonly java?: JavaTrust;

  /**
   * Password of the JVM trust store: of the image's `cacerts` for KEYTOOL_IMPORT, of the
   * trust-manager store for TRUST_MANAGER_PKCS12.
   *
   * @default "changeit" for KEYTOOL_IMPORT; the bundle's pkcs12 password (or none) for TRUST_MANAGER_PKCS12
   */
  readonly javaTrustStorePassword?: string;

  /**
   * Annotate the pod template with the bundle's sha256 so a CA change rolls the workload.
   *
   * @default true
   */
  readonly rotationAnnotation?: boolean;

  /**
   * JSON pointers to the pod templates (objects with `metadata` and `spec`) of a kind the library
   * does not know, e.g. `["/spec/template"]` for an Argo Rollout; `*` matches every array element.
   *
   * @default - the built-in paths of the object's kind
   */
  readonly podTemplatePaths?: string[];
}

const SOURCE_MOUNT = '/var/run/org-ca/source';
const SOURCE_FILE = 'org-ca.crt';
const JAVA_SOURCE_MOUNT = '/var/run/org-ca/java';
const DNS_LABEL_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

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
export class MergedCaInitContainer {
  /** Pod-template annotation carrying the bundle's sha256. */
  public static readonly ROTATION_ANNOTATION = 'cdk8s-org-ca/bundle-sha256';

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

  /** Path of the JVM trust store, when `java` is set. */
  public readonly javaTrustStorePath?: string;

  private readonly bundle: OrgCaBundle;
  private readonly opts: MergedCaOptions;
  private readonly sourceVolumeName: string;
  private readonly mergedVolumeName: string;
  private readonly runAsUser: number;
  private readonly java: JavaTrust;

  constructor(bundle: OrgCaBundle, options: MergedCaOptions = {}) {
    this.bundle = bundle;
    this.opts = options;
    this.enabled = options.enabled ?? true;
    this.initContainerName = options.initContainerName ?? 'merge-ca-bundle';
    this.mergedDir = options.mergedDir ?? '/etc/ssl/certs-extra';
    const file = options.mergedFileName ?? 'ca-bundle.crt';
    this.sourceVolumeName = options.sourceVolumeName ?? 'org-ca';
    this.mergedVolumeName = options.mergedVolumeName ?? 'org-ca-merged';
    this.runAsUser = options.runAsUser ?? 65534;
    this.java = options.java ?? JavaTrust.NONE;
    this.variables = [...(options.variables ?? CaVariables.DEFAULTS), ...(options.extraVariables ?? [])];

    for (const [what, v] of [['initContainerName', this.initContainerName], ['sourceVolumeName', this.sourceVolumeName], ['mergedVolumeName', this.mergedVolumeName]]) {
      if (!DNS_LABEL_RE.test(v) || v.length > 63) {
        throw new Error(`${what} "${v}" is not a valid name: use lower-case letters, digits and "-", at most 63 characters`);
      }
    }
    if (this.sourceVolumeName === this.mergedVolumeName) {
      throw new Error(`sourceVolumeName and mergedVolumeName are both "${this.mergedVolumeName}"; use two names`);
    }
    if (!path.posix.isAbsolute(this.mergedDir) || this.mergedDir === '/' || path.posix.normalize(this.mergedDir) !== this.mergedDir.replace(/\/$/, '')) {
      throw new Error(`mergedDir "${this.mergedDir}" must be a normalised absolute directory other than "/", e.g. "/etc/ssl/certs-extra"`);
    }
    if (['/etc/ssl/certs', '/etc/pki', '/etc/pki/tls/certs', '/etc/ssl'].includes(this.mergedDir)) {
      throw new Error(`mergedDir "${this.mergedDir}" would hide the image's own system bundle from the merge; use a new directory such as "${this.mergedDir}-extra"`);
    }
    if (!file || file.includes('/') || file === '.' || file === '..') {
      throw new Error(`mergedFileName "${file}" must be a plain file name, e.g. "ca-bundle.crt"`);
    }
    if (!Number.isInteger(this.runAsUser) || this.runAsUser <= 0) {
      throw new Error(`runAsUser ${this.runAsUser} must be a positive UID: Pod Security "restricted" forbids root`);
    }
    CaVariables._check(this.variables, 'variables');
    if (this.variables.length === 0 && this.java === JavaTrust.NONE) {
      throw new Error('variables is empty and java is NONE: nothing would point at the merged bundle');
    }
    for (const p of options.podTemplatePaths ?? []) checkPointer(p, 'podTemplatePaths');
    this.mergedFilePath = path.posix.join(this.mergedDir, file);
    if (this.java === JavaTrust.KEYTOOL_IMPORT) {
      this.javaTrustStorePath = path.posix.join(this.mergedDir, 'java-cacerts');
    } else if (this.java === JavaTrust.TRUST_MANAGER_PKCS12) {
      const ref = options.configMap ?? bundle.configMapFor();
      if (!ref.pkcs12Key) {
        throw new Error('java: TRUST_MANAGER_PKCS12 needs a PKCS#12 trust store on the bundle: set trustManager.pkcs12 (e.g. { key: "truststore.p12" }) on the OrgCaBundle, or use JavaTrust.KEYTOOL_IMPORT');
      }
      this.javaTrustStorePath = path.posix.join(JAVA_SOURCE_MOUNT, ref.pkcs12Key);
    }
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
    addSynthTransform(obj, `merged-ca:${this.initContainerName}`, json => this._wireAt(json, paths));
  }

  /**
   * Returns a wired copy of a manifest object (plain JSON, e.g. parsed YAML). Objects whose pod
   * templates have no containers are returned unchanged.
   */
  public wireManifest(manifest: any): any {
    if (!this.enabled) return manifest;
    const paths = templatePathsFor(manifest.apiVersion, manifest.kind, manifest.metadata?.name, this.opts.podTemplatePaths);
    return this._wireAt(JSON.parse(JSON.stringify(manifest)), paths);
  }

  /**
   * Wires `json` in place (the caller owns it: a fresh `toJson()` result or a copy), its pod
   * templates at `paths`, and returns it.
   * @internal
   */
  public _wireAt(json: any, paths: string[]): any {
    const where = describeObject(json);
    const found = findTemplates(json, paths);
    for (const t of found) {
      this.wireTemplate(t.template, `${where}${t.pointer ? ` at ${t.pointer}` : ''}`, json.metadata?.namespace);
    }
    return json;
  }

  /**
   * The init containers (JSON) for a pod whose first container runs `image`: the merge, then the
   * keytool import when `java` is KEYTOOL_IMPORT.
   */
  public initContainers(image: string): any[] {
    const securityContext = {
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      readOnlyRootFilesystem: true,
      runAsGroup: this.runAsUser,
      runAsNonRoot: true,
      runAsUser: this.runAsUser,
      seccompProfile: { type: 'RuntimeDefault' },
    };
    const image_ = this.opts.image ?? image;
    const mounts = [
      { mountPath: SOURCE_MOUNT, name: this.sourceVolumeName, readOnly: true },
      { mountPath: this.mergedDir, name: this.mergedVolumeName },
    ];
    const orgFile = path.posix.join(SOURCE_MOUNT, SOURCE_FILE);
    const out = [{
      name: this.initContainerName,
      image: image_,
      imagePullPolicy: 'IfNotPresent',
      command: ['/bin/sh', '-c', MERGE_SCRIPT, 'merge-ca-bundle', orgFile, this.mergedFilePath],
      resources: { limits: { cpu: '100m', memory: '64Mi' }, requests: { cpu: '10m', memory: '16Mi' } },
      securityContext,
      volumeMounts: mounts,
    }];
    if (this.java === JavaTrust.KEYTOOL_IMPORT) {
      out.push({
        name: `${this.initContainerName}-java`.slice(0, 63),
        image: image_,
        imagePullPolicy: 'IfNotPresent',
        command: ['/bin/sh', '-c', KEYTOOL_SCRIPT, 'merge-ca-truststore', orgFile, this.javaTrustStorePath!, this.opts.javaTrustStorePassword ?? 'changeit'],
        resources: { limits: { cpu: '500m', memory: '256Mi' }, requests: { cpu: '50m', memory: '128Mi' } },
        securityContext,
        volumeMounts: mounts,
      });
    }
    return out;
  }

  /**
   * The pod volumes (JSON): the bundle ConfigMap (PEM key as `org-ca.crt`, plus the PKCS#12 key
   * for TRUST_MANAGER_PKCS12) and the merged emptyDir.
   *
   * @param namespace the pod's namespace, to ask the bundle which ConfigMap reaches it
   * @default - the bundle's namespace-independent ConfigMap
   */
  public volumes(namespace?: string): any[] {
    const ref = this.opts.configMap ?? this.bundle.configMapFor(namespace);
    const items = [{ key: ref.key, path: SOURCE_FILE }];
    const vols: any[] = [
      { name: this.sourceVolumeName, configMap: { name: ref.name, items, optional: this.opts.optional ?? true } },
      { name: this.mergedVolumeName, emptyDir: {} },
    ];
    if (this.java === JavaTrust.TRUST_MANAGER_PKCS12) {
      if (!ref.pkcs12Key) {
        throw new Error(`ConfigMap "${ref.name}" has no PKCS#12 trust store (java: TRUST_MANAGER_PKCS12); set trustManager.pkcs12 on the bundle`);
      }
      vols.push({ name: `${this.sourceVolumeName}-java`, configMap: { name: ref.name, items: [{ key: ref.pkcs12Key, path: ref.pkcs12Key }], optional: this.opts.optional ?? true } });
    }
    return vols;
  }

  /** Volume mounts (JSON) for a wired container: the merged directory, read-only. */
  public volumeMounts(): any[] {
    const m: any[] = [{ mountPath: this.mergedDir, name: this.mergedVolumeName, readOnly: true }];
    if (this.java === JavaTrust.TRUST_MANAGER_PKCS12) {
      m.push({ mountPath: JAVA_SOURCE_MOUNT, name: `${this.sourceVolumeName}-java`, readOnly: true });
    }
    return m;
  }

  /**
   * Environment variables (JSON) for a wired container that sets none of them yet. With `java`,
   * includes JAVA_TOOL_OPTIONS with only the trust store options.
   */
  public env(): any[] {
    const e: any[] = this.variables.map(name => ({ name, value: this.mergedFilePath }));
    if (this.javaTrustStorePath) {
      e.push({ name: 'JAVA_TOOL_OPTIONS', value: this.javaOptions().join(' ') });
    }
    return e;
  }

  private javaOptions(): string[] {
    const o = [`-Djavax.net.ssl.trustStore=${this.javaTrustStorePath}`];
    if (this.java === JavaTrust.KEYTOOL_IMPORT) {
      o.push(`-Djavax.net.ssl.trustStorePassword=${this.opts.javaTrustStorePassword ?? 'changeit'}`);
    } else {
      o.push('-Djavax.net.ssl.trustStoreType=PKCS12');
      const ref = this.opts.configMap ?? this.bundle.configMapFor();
      const pw = this.opts.javaTrustStorePassword ?? ref.pkcs12Password;
      if (pw !== undefined) o.push(`-Djavax.net.ssl.trustStorePassword=${pw}`);
    }
    return o;
  }

  private wireTemplate(template: any, where: string, namespace: string | undefined) {
    const spec = template.spec;
    if (!spec || !Array.isArray(spec.containers) || spec.containers.length === 0) {
      return; // nothing runs here: nothing to wire
    }
    const first = spec.containers[0];
    if (!this.opts.image && !first.image) {
      throw new Error(`${where}: container "${first.name}" has no image to run the merge with; set image`);
    }
    for (const c of this.opts.containers ?? []) {
      if (!spec.containers.some((x: any) => x.name === c)) {
        throw new Error(`${where}: containers lists "${c}", which is not a container of this pod (${spec.containers.map((x: any) => x.name).join(', ')})`);
      }
    }

    // volumes: ours must be identical to any existing one of the same name
    for (const v of this.volumes(namespace)) {
      ensureVolume(spec, v, where, v.emptyDir ? 'mergedVolumeName' : 'sourceVolumeName');
    }

    // init containers: ours first (identical ones left where they are: idempotent)
    const ours = this.initContainers(first.image);
    spec.initContainers = spec.initContainers ?? [];
    const kept = spec.initContainers.filter((c: any) => !ours.some(o => o.name === c.name));
    for (const o of ours) {
      const existing = spec.initContainers.find((c: any) => c.name === o.name);
      if (existing && !sameJson(existing, o)) {
        throw new Error(`${where}: an init container named "${o.name}" already exists and is not the org CA merge; rename it or set initContainerName`);
      }
      if (spec.containers.some((c: any) => c.name === o.name)) {
        throw new Error(`${where}: a container named "${o.name}" already exists; set initContainerName`);
      }
    }
    spec.initContainers = [...ours, ...kept];

    // every later init container and the chosen app containers
    const apps = this.opts.containers ? spec.containers.filter((c: any) => this.opts.containers!.includes(c.name)) : spec.containers;
    for (const c of [...kept, ...apps]) {
      this.wireContainer(c, `${where} container "${c.name}"`);
    }

    if (this.opts.rotationAnnotation ?? true) {
      template.metadata = template.metadata ?? {};
      template.metadata.annotations = { ...template.metadata.annotations, [MergedCaInitContainer.ROTATION_ANNOTATION]: this.bundle.sha256 };
    }
  }

  private wireContainer(c: any, where: string) {
    for (const m of this.volumeMounts()) {
      ensureMount(c, m, where, 'mergedDir');
    }
    const skip = new Set(this.opts.skipVariables ?? []);
    for (const want of this.env()) {
      const existing = (c.env ?? []).find((e: any) => e.name === want.name);
      if (want.name === 'JAVA_TOOL_OPTIONS' && existing) {
        existing.value = this.mergeJavaOptions(existing, where);
        continue;
      }
      ensureEnv(c, want, where, skip);
    }
  }

  private mergeJavaOptions(existing: any, where: string): string {
    if (existing.valueFrom) {
      throw new Error(`${where} sets JAVA_TOOL_OPTIONS from a valueFrom reference, which cannot be extended; set it as a value`);
    }
    const current: string = existing.value ?? '';
    const ours = this.javaOptions();
    const tokens = current.split(/\s+/).filter(Boolean);
    for (const o of ours) {
      const key = o.slice(0, o.indexOf('=') + 1);
      const clash = tokens.find(t => t.startsWith(key) && t !== o);
      if (clash) {
        throw new Error(`${where} already sets ${clash} in JAVA_TOOL_OPTIONS; remove it to use the org CA trust store`);
      }
    }
    const missing = ours.filter(o => !tokens.includes(o));
    return [...tokens, ...missing].join(' ');
  }
}
