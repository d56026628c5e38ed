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

/** What `wirePodTemplate` did. @internal */
export enum TemplateOutcome {
  WIRED = 'WIRED',
  NO_CONTAINERS = 'NO_CONTAINERS',
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
  const names = (list: any[]) => list.map((x: any) => x.name).join(', ');
  for (const c of d.containers ?? []) {
    if (!spec.containers.some((x: any) => x.name === c)) {
      throw new Error(`${where}: containers lists "${c}", which is not a container of this pod (${names(spec.containers)})`);
    }
  }

  for (const v of d.volumes) ensureVolume(spec, v, where, d.hints.volume(v.name));

  // init containers: ours first, in order; an identical one already there is ours (idempotent)
  let ours: any[] = [];
  if (d.initContainers.length > 0) {
    const image = d.image ?? chooseMergeImage(spec, where);
    ours = d.initContainers.map(c => clone(c.image ? c : { ...c, image }));
    if (d.inheritPodUser && spec.securityContext?.runAsUser !== undefined) {
      for (const o of ours) {
        if (o.securityContext) {
          delete o.securityContext.runAsUser;
          delete o.securityContext.runAsGroup;
        }
      }
    }
  }
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
  const skip = new Set(d.skipVariables ?? []);
  for (const c of [...initsToWire, ...apps]) {
    const cw = `${where} container "${c.name}"`;
    for (const m of d.mounts) ensureMount(c, m, cw, d.hints.mount);
    for (const e of d.env) ensureEnv(c, e, cw, skip);
    if (d.javaToolOptions && d.javaToolOptions.length > 0) appendJavaOptions(c, d.javaToolOptions, cw);
  }

  if (d.annotations && Object.keys(d.annotations).length > 0) {
    template.metadata = template.metadata ?? {};
    template.metadata.annotations = { ...template.metadata.annotations, ...d.annotations };
  }
  return TemplateOutcome.WIRED;
}

/**
 * Wires every pod template of a manifest object (`json`, owned by the caller) found at `paths`.
 * Returns the outcome per template pointer.
 * @internal
 */
export function wireObject(json: any, paths: string[], d: WiringDescription): Array<{ pointer: string; outcome: TemplateOutcome }> {
  const where = describeObject(json);
  return findTemplates(json, paths).map(t => ({
    pointer: t.pointer,
    outcome: wirePodTemplate(t.template, d, `${where}${t.pointer ? ` at ${t.pointer}` : ''}`),
  }));
}

/**
 * The image the merge runs with when none is set: the pod's first container's image.
 * @internal
 */
export function chooseMergeImage(spec: any, where: string): string {
  const first = spec.containers[0];
  if (!first.image) {
    throw new Error(`${where}: container "${first.name}" has no image to run the merge with; set image`);
  }
  return first.image;
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

/** @internal */
export function ensureMount(container: any, mount: any, where: string, pathHint: string): void {
  container.volumeMounts = container.volumeMounts ?? [];
  const atPath = container.volumeMounts.find((x: any) => x.mountPath === mount.mountPath);
  if (!atPath) {
    container.volumeMounts.push(clone(mount));
  } else if (atPath.name !== mount.name) {
    throw new Error(`${where} already mounts volume "${atPath.name}" at ${mount.mountPath}; set ${pathHint} to a free directory`);
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

/** @internal */
export function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v));
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
