/**
 * The pod-wiring core: one pure function over JSON that every front end calls.
 *
 * Input: a pod template (an object with `metadata` and `spec`) and a wiring description (data:
 * volumes, mounts, variables, init containers, annotations, which containers). Output: the same
 * template, wired in place. `MergedCaInitContainer`, `CaConfigMapMount`, `CaTrust.wireAll`, the
 * components, the z2jh values and the command-line tool all go through `wirePodTemplate`, so the
 * container filter, the container-name check, the "no containers" skip, the init-container order,
 * the conflict rules and the rotation annotation exist once.
 *
 * @internal
 */
import { findTemplates } from './pod-templates';
import { METADATA } from '../util/metadata';
import { checkImage } from '../util/validate';
import { warnOnce } from '../util/warnings';

/**
 * Images known to have no shell (distroless, Chainguard, proxies built FROM scratch): the merge
 * cannot run on them, so it is not chosen from such a container.
 * @internal
 */
export const SHELL_LESS_IMAGES = [
  'gcr.io/distroless/', 'cgr.dev/chainguard/', 'gcr.io/cloud-sql-connectors/cloud-sql-proxy', 'gcr.io/cloudsql-docker/gce-proxy',
  'registry.k8s.io/pause', 'k8s.gcr.io/pause', 'gcr.io/kubebuilder/kube-rbac-proxy', 'quay.io/brancz/kube-rbac-proxy',
];

/** A `{ name, value }` variable. @internal */
export interface EnvJson {
  readonly name: string;
  readonly value: string;
}

/**
 * What to add to a pod template. Plain JSON in Kubernetes field names, so the command-line tool
 * and the distribution modes can build one without constructs.
 * @internal
 */
export interface WiringDescription {
  /** Pod volumes. An existing volume of the same name must be identical. */
  readonly volumes: any[];
  /**
   * Init containers placed first, in this order. A container without `image` gets `image`, or the
   * image chosen from the pod (`chooseMergeImage`).
   */
  readonly initContainers: any[];
  /** Image for the init containers that have none. @default - chosen from the pod */
  readonly image?: string;
  /** Mounts for every wired container (the init containers after ours and the chosen app containers). */
  readonly mounts: any[];
  /** The file the variables point at, mounted over each standard system bundle path (JSON). */
  readonly systemBundleMounts?: any[];
  /** Whether wired containers get `systemBundleMounts` (per object: the overlay annotation). */
  readonly systemBundleOverlay?: boolean;
  /** Variables for every wired container. */
  readonly env: EnvJson[];
  /** Options appended to each wired container's JAVA_TOOL_OPTIONS. @default - none */
  readonly javaToolOptions?: string[];
  /** Pod-template annotations. @default - none */
  readonly annotations?: Record<string, string>;
  /** Only these app containers are wired (each must exist). @default - every app container */
  readonly containers?: string[];
  /**
   * Only these init containers (after ours) are wired (each must exist).
   * @default - every init container after ours
   */
  readonly initContainersToWire?: string[];
  /** Variables a container may keep at another value. @default - none */
  readonly skipVariables?: string[];
  /** Variables one container may keep at another value, by container name. @default - none */
  readonly skipVariablesByContainer?: Record<string, string[]>;
  /** ConfigMaps and Secrets to check `envFrom` against. @default - none: envFrom gets a warning */
  readonly envSources?: EnvSources;
  /** The pod's namespace, to find envFrom sources. @default - none */
  readonly namespace?: string;
  /**
   * Where the pod's securityContext sets runAsUser, drop runAsUser/runAsGroup from our init
   * containers so they inherit the pod's user. @default false
   */
  readonly inheritPodUser?: boolean;
  /** Option names to suggest in conflict errors. */
  readonly hints: WiringHints;
}

/** Which option fixes which conflict. @internal */
export interface WiringHints {
  readonly volume: (volumeName: string) => string;
  readonly mount: string;
  readonly initContainer: string;
}

/**
 * The ConfigMaps and Secrets a synth contains, so `envFrom` can be checked for CA variables.
 * @internal
 */
export interface EnvSources {
  /** The data of `kind` ("ConfigMap" or "Secret") `name` in `namespace`, or undefined when unknown. */
  get(kind: string, namespace: string | undefined, name: string): Record<string, string> | undefined;
}

/** What `wirePodTemplate` did. @internal */
export enum TemplateOutcome {
  WIRED = 'WIRED',
  NO_CONTAINERS = 'NO_CONTAINERS',
  /** A Windows pod: the merge runs /bin/sh, so it is left alone. */
  WINDOWS = 'WINDOWS',
}

/**
 * Wires one pod template in place. `where` names it in errors (object and pointer).
 * @internal
 */
export function wirePodTemplate(template: any, d: WiringDescription, where: string): TemplateOutcome {
  const spec = template.spec;
  if (!spec || !Array.isArray(spec.containers) || spec.containers.length === 0) {
    return TemplateOutcome.NO_CONTAINERS; // nothing runs here: nothing to wire
  }
  if (spec.nodeSelector?.['kubernetes.io/os'] === 'windows' || spec.os?.name === 'windows') {
    return TemplateOutcome.WINDOWS;
  }
  const names = (list: any[]) => list.map((x: any) => x.name).join(', ');
  for (const c of d.containers ?? []) {
    if (!spec.containers.some((x: any) => x.name === c)) {
      throw new Error(`${where}: containers lists "${c}", which is not a container of this pod (${names(spec.containers)})`);
    }
  }

  for (const v of d.volumes) ensureVolume(spec, v, where, d.hints.volume(v.name));

  // init containers: ours first, in order; an identical one already there is ours (idempotent)
  const ours = d.initContainers.length > 0 ? ourInitContainers(d, d.image ?? chooseMergeImage(spec, where), spec.securityContext ?? {}) : [];
  const existing: any[] = spec.initContainers ?? [];
  for (const o of ours) {
    const same = existing.find(c => c.name === o.name);
    if (same && !sameJson(same, o)) {
      throw new Error(`${where}: an init container named "${o.name}" already exists and is not the org CA merge; rename it or set ${d.hints.initContainer}`);
    }
    if (spec.containers.some((c: any) => c.name === o.name)) {
      throw new Error(`${where}: a container named "${o.name}" already exists; set ${d.hints.initContainer}`);
    }
  }
  const kept = existing.filter(c => !ours.some(o => o.name === c.name));
  if (ours.length > 0 || spec.initContainers) spec.initContainers = [...ours, ...kept];

  for (const n of d.initContainersToWire ?? []) {
    if (!kept.some(c => c.name === n)) {
      throw new Error(`${where}: lists init container "${n}" to wire, which is not an init container of this pod (${names(kept) || 'none'})`);
    }
  }
  const initsToWire = d.initContainersToWire ? kept.filter(c => d.initContainersToWire!.includes(c.name)) : kept;
  const apps = d.containers ? spec.containers.filter((c: any) => d.containers!.includes(c.name)) : spec.containers;
  for (const c of [...initsToWire, ...apps]) {
    const cw = `${where} container "${c.name}"`;
    const skip = new Set([...(d.skipVariables ?? []), ...(d.skipVariablesByContainer?.[c.name] ?? [])]);
    for (const m of d.mounts) ensureMount(c, m, cw, d.hints.mount);
    if (d.systemBundleOverlay && d.systemBundleMounts) overlaySystemBundle(c, d.systemBundleMounts, cw);
    const fromEnvFrom = envFromVariables(c, d, cw);
    for (const e of d.env) {
      const inherited = fromEnvFrom.get(e.name);
      const explicit = (c.env ?? []).find((x: any) => x.name === e.name);
      if (inherited && !explicit && inherited.value !== e.value) {
        if (skip.has(e.name)) continue; // theirs stays: our env entry would override it
        // a Secret's value is never shown, only where it comes from
        const theirs = inherited.secret ? `${e.name} (value not shown)` : `${e.name}="${inherited.value}"`;
        throw new Error(`${cw} gets ${theirs} from envFrom ${inherited.from}, which the variable this wiring adds would silently override; remove it there, or pass skipVariables: ["${e.name}"] to keep it`);
      }
      ensureEnv(c, e, cw, skip); // added, the same value already there, a skipped one, or an error
    }
    if (d.javaToolOptions && d.javaToolOptions.length > 0) appendJavaOptions(c, d.javaToolOptions, cw);
  }

  if (d.annotations && Object.keys(d.annotations).length > 0) {
    template.metadata = template.metadata ?? {};
    template.metadata.annotations = { ...template.metadata.annotations, ...d.annotations };
  }
  return TemplateOutcome.WIRED;
}

/**
 * The library's init containers for a pod whose merge runs `image` and whose pod-level
 * securityContext is `pod`: the description's, with the image set, the user dropped where the pod
 * sets one (`inheritPodUser`), and what the pod already sets for every container not repeated.
 * The admission policy builds its init containers with this too.
 * @internal
 */
export function ourInitContainers(d: WiringDescription, image: string, pod: any): any[] {
  const ours = d.initContainers.map(c => clone(c.image ? c : { ...c, image }));
  for (const o of ours) {
    const sc = o.securityContext;
    if (!sc) continue;
    if (d.inheritPodUser && pod.runAsUser !== undefined) {
      delete sc.runAsUser;
      delete sc.runAsGroup;
    }
    // what the pod's securityContext already sets for every container is not repeated
    if (sc.runAsNonRoot === true && pod.runAsNonRoot === true) delete sc.runAsNonRoot;
    if (sc.seccompProfile?.type === 'RuntimeDefault' && pod.seccompProfile?.type === 'RuntimeDefault') delete sc.seccompProfile;
  }
  return ours;
}

/**
 * Wires every pod template of a manifest object (`json`, owned by the caller) found at `paths`.
 * Returns the outcome per template pointer.
 * @internal
 */
export function wireObject(
  json: any, paths: string[], d: WiringDescription, envSources?: EnvSources,
): Array<{ pointer: string; outcome: TemplateOutcome }> {
  const where = describeObject(json);
  // a Job's pod template cannot change once the Job exists: the rotation annotation, which changes
  // with the CA, goes on the Job itself, so re-applying after a rotation is accepted
  const onObject = IMMUTABLE_TEMPLATES.has(`${json.apiVersion}/${json.kind}`) ? d.annotations : undefined;
  const perObject = {
    ...objectOverrides(json, d, where),
    namespace: json.metadata?.namespace,
    envSources: envSources ?? d.envSources,
    ...(onObject ? { annotations: undefined } : {}),
  };
  const outcomes = findTemplates(json, paths).map(t => ({
    pointer: t.pointer,
    outcome: wirePodTemplate(t.template, perObject, `${where}${t.pointer ? ` at ${t.pointer}` : ''}`),
  }));
  if (onObject && Object.keys(onObject).length > 0 && outcomes.some(o => o.outcome === TemplateOutcome.WIRED)) {
    json.metadata = json.metadata ?? {};
    json.metadata.annotations = { ...json.metadata.annotations, ...onObject };
  }
  return outcomes;
}

/** Kinds whose pod template is immutable once the object exists (`apiVersion/kind`). */
const IMMUTABLE_TEMPLATES = new Set(['batch/v1/Job']);

/**
 * Per-object overrides from the object's annotations, for YAML the user does not build in code:
 * `cdk8s-org-ca/merge-image` (the merge's image) and `cdk8s-org-ca/skip-variables`
 * ("VAR" for every container, "container/VAR" for one; comma-separated).
 */
function objectOverrides(json: any, d: WiringDescription, where: string): WiringDescription {
  const ann = json.metadata?.annotations ?? {};
  const image = ann[METADATA.MERGE_IMAGE];
  const skip = ann[METADATA.SKIP_VARIABLES];
  const overlay = ann[METADATA.SYSTEM_BUNDLE_OVERLAY];
  if (image === undefined && skip === undefined && overlay === undefined) return d;
  const out: { -readonly [K in keyof WiringDescription]: WiringDescription[K] } = { ...d };
  if (overlay !== undefined) {
    if (overlay !== 'true' && overlay !== 'false') {
      throw new Error(`${where}: annotation ${METADATA.SYSTEM_BUNDLE_OVERLAY} is "${overlay}"; write "true" or "false"`);
    }
    out.systemBundleOverlay = overlay === 'true';
  }
  if (image !== undefined) out.image = checkImage(`${where}: annotation ${METADATA.MERGE_IMAGE}`, image);
  if (skip !== undefined) {
    const all = [...(d.skipVariables ?? [])];
    const byContainer: Record<string, string[]> = { ...d.skipVariablesByContainer };
    for (const entry of String(skip).split(',').map(x => x.trim()).filter(Boolean)) {
      const m = /^(?:([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/)?([-._a-zA-Z][-._a-zA-Z0-9]*)$/.exec(entry);
      if (!m) throw new Error(`${where}: annotation ${METADATA.SKIP_VARIABLES} entry "${entry}" is not VARIABLE or container/VARIABLE`);
      if (m[1]) byContainer[m[1]] = [...(byContainer[m[1]] ?? []), m[3]];
      else all.push(m[3]);
    }
    out.skipVariables = all;
    out.skipVariablesByContainer = byContainer;
  }
  return out;
}

/**
 * The image the merge runs with when none is set: the first container whose image is not known
 * to have no shell (a distroless sidecar listed first would leave the pod stuck in `Init:`).
 * @internal
 */
export function chooseMergeImage(spec: any, where: string): string {
  const shellLess = (img: string) => SHELL_LESS_IMAGES.some(p => img.startsWith(p));
  const withImage = spec.containers.filter((c: any) => c.image);
  if (withImage.length === 0) {
    throw new Error(`${where}: container "${spec.containers[0].name}" has no image to run the merge with; set image`);
  }
  const chosen = withImage.find((c: any) => !shellLess(c.image));
  if (!chosen) {
    throw new Error(`${where}: every container image (${withImage.map((c: any) => c.image).join(', ')}) is known to have no shell, so the merge cannot run on it; set image (an image with /bin/sh), or annotate the object ${METADATA.MERGE_IMAGE}: "<image>"`);
  }
  if (chosen !== spec.containers[0]) {
    warnOnce(`${where}: the merge runs on container "${chosen.name}"'s image (${chosen.image}), not on the first container's (${spec.containers[0].image}), which has no shell; set image or annotate ${METADATA.MERGE_IMAGE} to choose`);
  }
  return chosen.image;
}

/** The variables a container gets through envFrom from sources the synth contains; warns about the others. */
function envFromVariables(c: any, d: WiringDescription, where: string): Map<string, { value: string; from: string; secret: boolean }> {
  const out = new Map<string, { value: string; from: string; secret: boolean }>();
  for (const ef of c.envFrom ?? []) {
    const kind = ef.configMapRef ? 'ConfigMap' : ef.secretRef ? 'Secret' : undefined;
    const name = (ef.configMapRef ?? ef.secretRef)?.name;
    if (!kind || !name) continue;
    const data = d.envSources?.get(kind, d.namespace, name);
    if (!data) {
      const ours = d.env.map(e => e.name).join(', ');
      warnOnce(`${where} takes envFrom ${kind} "${name}", which is not in this synth: if it sets one of ${ours}, the value this wiring sets overrides it; check it, or pass skipVariables`);
      continue;
    }
    for (const [k, v] of Object.entries(data)) out.set(`${ef.prefix ?? ''}${k}`, { value: v, from: `${kind} "${name}"`, secret: kind === 'Secret' });
  }
  return out;
}

/** @internal */
export function ensureVolume(spec: any, volume: any, where: string, renameHint: string): void {
  spec.volumes = spec.volumes ?? [];
  const existing = spec.volumes.find((x: any) => x.name === volume.name);
  if (!existing) {
    spec.volumes.push(clone(volume));
  } else if (!sameJson(existing, volume)) {
    throw new Error(`${where}: a volume named "${volume.name}" already exists and is not the org CA volume; rename it or set ${renameHint}`);
  }
}

/** A command that rewrites the system bundle at start: it cannot write to a read-only overlay. */
/** @internal */
export const REWRITES_SYSTEM_BUNDLE = /\b(update-ca-certificates|update-ca-trust)\b/;

/**
 * Mounts the file the variables point at over the standard system bundle paths of a container,
 * except where the container mounts something of its own, or rewrites the system bundle at start.
 */
function overlaySystemBundle(container: any, mounts: any[], where: string): void {
  const argv = [...(container.command ?? []), ...(container.args ?? [])].join(' ');
  const rewrites = REWRITES_SYSTEM_BUNDLE.exec(argv);
  if (rewrites) {
    warnOnce(`${where} runs ${rewrites[1]} at start, which rewrites the system CA bundle and cannot write over a read-only mount: it gets no system bundle overlay, so its clients that read no variable (R curl, wget, PHP curl) do not trust the org CA; annotate the object ${METADATA.SYSTEM_BUNDLE_OVERLAY}: "false" to say this is meant`);
    return;
  }
  container.volumeMounts = container.volumeMounts ?? [];
  for (const m of mounts) {
    const own = container.volumeMounts.find((x: any) => x.mountPath === m.mountPath);
    if (!own) container.volumeMounts.push(clone(m));
    else if (!sameJson(own, m)) warnOnce(`${where} mounts its own "${own.name}" at ${m.mountPath}: that file is left as it is, without the org CA overlay`);
  }
}

/** @internal */
export function ensureMount(container: any, mount: any, where: string, pathHint: string): void {
  container.volumeMounts = container.volumeMounts ?? [];
  const atPath = container.volumeMounts.find((x: any) => x.mountPath === mount.mountPath);
  if (!atPath) {
    container.volumeMounts.push(clone(mount));
  } else if (atPath.name !== mount.name) {
    throw new Error(`${where} already mounts volume "${atPath.name}" at ${mount.mountPath}; set ${pathHint} to a free directory`);
  } else if (!!mount.readOnly && !atPath.readOnly) {
    throw new Error(`${where} mounts "${atPath.name}" at ${mount.mountPath} writable; the org CA wiring mounts it read-only (only its init container writes there): remove that mount or make it readOnly`);
  }
}

/** @internal */
export function ensureEnv(container: any, want: EnvJson, where: string, skip: Set<string>): void {
  container.env = container.env ?? [];
  const existing = container.env.find((e: any) => e.name === want.name);
  if (!existing) {
    container.env.push({ name: want.name, value: want.value });
    return;
  }
  if (existing.value === want.value && existing.valueFrom === undefined) return;
  if (skip.has(want.name)) return;
  const current = existing.valueFrom ? 'a valueFrom reference' : `"${existing.value}"`;
  throw new Error(`${where} already sets ${want.name} to ${current}, not "${want.value}"; remove it, or pass skipVariables: ["${want.name}"] to keep it`);
}

/**
 * Appends JVM options to a container's JAVA_TOOL_OPTIONS: the existing value is kept as it is
 * (never re-split, so quoted spaces survive); an option of ours already there is not repeated; the
 * same property set to another value is an error.
 * @internal
 */
export function appendJavaOptions(container: any, ours: string[], where: string): void {
  container.env = container.env ?? [];
  const existing = container.env.find((e: any) => e.name === 'JAVA_TOOL_OPTIONS');
  if (!existing) {
    container.env.push({ name: 'JAVA_TOOL_OPTIONS', value: ours.join(' ') });
    return;
  }
  if (existing.valueFrom) {
    throw new Error(`${where} sets JAVA_TOOL_OPTIONS from a valueFrom reference, which cannot be extended; set it as a value`);
  }
  const current: string = existing.value ?? '';
  const tokens = current.split(/\s+/).filter(Boolean);
  const missing: string[] = [];
  for (const o of ours) {
    const key = o.slice(0, o.indexOf('=') + 1);
    const clash = tokens.find(t => t.startsWith(key) && t !== o);
    if (clash) {
      throw new Error(`${where} already sets ${clash} in JAVA_TOOL_OPTIONS; remove it to use the org CA trust store`);
    }
    if (!tokens.includes(o)) missing.push(o);
  }
  if (missing.length > 0) existing.value = current.trim() === '' ? missing.join(' ') : `${current.replace(/\s+$/, '')} ${missing.join(' ')}`;
}

/** `Kind "namespace/name"` for messages. @internal */
export function describeObject(json: any): string {
  const ns = json.metadata?.namespace;
  return `${json.kind} "${ns ? `${ns}/` : ''}${json.metadata?.name}"`;
}

/** Deep equality of JSON values, ignoring key order. @internal */
export function sameJson(a: any, b: any): boolean {
  return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
}

/**
 * A deep copy of a JSON value without its null and undefined values, key order kept, as cdk8s
 * renders objects (each pod gets its own objects: shared ones would become YAML aliases).
 * @internal
 */
export function clone<T>(v: T): T {
  if (Array.isArray(v)) return v.filter(x => x !== null && x !== undefined).map(clone) as unknown as T;
  if (v !== null && typeof v === 'object') {
    const out: any = {};
    for (const k of Object.keys(v)) {
      const x = (v as any)[k];
      if (x !== null && x !== undefined) out[k] = clone(x);
    }
    return out;
  }
  return v;
}

function sortKeys(v: any): any {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    return Object.keys(v).sort().reduce((r: any, k) => {
      r[k] = sortKeys(v[k]);
      return r;
    }, {});
  }
  return v;
}
