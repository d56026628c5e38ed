/**
 * Conflict-checked edits of pod JSON shared by every pod wiring: add a volume, a mount or a
 * variable unless an identical one is there; anything else by the same name is an error.
 * @internal
 */

/** @internal */
export function ensureVolume(spec: any, volume: any, where: string, renameHint: string): void {
  spec.volumes = spec.volumes ?? [];
  const existing = spec.volumes.find((x: any) => x.name === volume.name);
  if (!existing) {
    spec.volumes.push(volume);
  } else if (!sameJson(existing, volume)) {
    throw new Error(`${where}: a volume named "${volume.name}" already exists and is not the org CA volume; rename it or set ${renameHint}`);
  }
}

/** @internal */
export function ensureMount(container: any, mount: any, where: string, pathHint: string): void {
  container.volumeMounts = container.volumeMounts ?? [];
  const atPath = container.volumeMounts.find((x: any) => x.mountPath === mount.mountPath);
  if (!atPath) {
    container.volumeMounts.push(mount);
  } else if (atPath.name !== mount.name) {
    throw new Error(`${where} already mounts volume "${atPath.name}" at ${mount.mountPath}; set ${pathHint} to a free directory`);
  }
}

/** @internal */
export function ensureEnv(container: any, want: { name: string; value: string }, where: string, skip: Set<string>): void {
  container.env = container.env ?? [];
  const existing = container.env.find((e: any) => e.name === want.name);
  if (!existing) {
    container.env.push(want);
    return;
  }
  if (existing.value === want.value && existing.valueFrom === undefined) return;
  if (skip.has(want.name)) return;
  const current = existing.valueFrom ? 'a valueFrom reference' : `"${existing.value}"`;
  throw new Error(`${where} already sets ${want.name} to ${current}, not "${want.value}"; remove it, or pass skipVariables: ["${want.name}"] to keep it`);
}

/** @internal */
export function describeObject(json: any): string {
  const ns = json.metadata?.namespace;
  return `${json.kind} "${ns ? `${ns}/` : ''}${json.metadata?.name}"`;
}

/** @internal */
export function sameJson(a: any, b: any): boolean {
  return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
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
