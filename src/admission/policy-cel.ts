/**
 * The CEL of the admission policy, generated from the wiring description synth-time wiring uses
 * (`WiringDescription`): the same volumes, init containers (built by `ourInitContainers`), mounts,
 * overlay mounts, variables and annotations, and the same rules (which containers, which mounts
 * and variables a container keeps, the merge image, the pod's user), as JSON Patch operations.
 *
 * Standard CEL only, plus `dyn()`: Kubernetes type-checks literals as homogeneous, so every map
 * value and list element of a literal is `dyn(...)`. Containers are addressed by index, unrolled
 * up to a maximum (no extension library is needed, so any API server with the policy API runs it).
 * @internal
 */
import { escapePointer } from '../pod/pod-templates';
import { ourInitContainers, REWRITES_SYSTEM_BUNDLE, SHELL_LESS_IMAGES, WiringDescription } from '../pod/pod-wiring';
import { METADATA } from '../util/metadata';

const IMAGE_HOLE = '\u0000merge-image\u0000';
const SC_HOLE = '\u0000security-context\u0000';

/** A JSON value as a CEL literal: strings quoted, every map value and list element `dyn(...)`. */
export function celLiteral(v: any): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new Error(`the admission policy cannot carry the number ${v}`);
    return String(v);
  }
  if (Array.isArray(v)) return `[${v.map(x => `dyn(${celLiteral(x)})`).join(', ')}]`;
  if (v && typeof v === 'object') return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}: dyn(${celLiteral(x)})`).join(', ')}}`;
  throw new Error(`the admission policy cannot carry ${JSON.stringify(v)}`);
}

/** A list of strings as a CEL list literal (homogeneous: no dyn needed). */
const strings = (xs: string[]) => `[${xs.map(x => JSON.stringify(x)).join(', ')}]`;
/** `object.metadata.annotations[key]`, guarded. */
const annotation = (key: string) => `(has(object.metadata.annotations) && ${JSON.stringify(key)} in object.metadata.annotations)`;
const annotationValue = (key: string) => `object.metadata.annotations[${JSON.stringify(key)}]`;
const label = (key: string) => `(has(object.metadata.labels) && ${JSON.stringify(key)} in object.metadata.labels)`;

export interface PolicyCel {
  readonly matchConditions: Array<{ name: string; expression: string }>;
  readonly variables: Array<{ name: string; expression: string }>;
  /** The JSONPatch mutation's expression. */
  readonly patch: string;
}

export interface PolicyCelOptions {
  /** Containers (and init containers) of a pod the policy wires; larger pods are left alone. */
  readonly maxContainers: number;
}

/** The policy's CEL for wiring description `d`. */
export function policyCel(d: WiringDescription, o: PolicyCelOptions): PolicyCel {
  if (d.javaToolOptions && d.javaToolOptions.length > 0) {
    throw new Error('the admission policy does not wire JVM trust stores (java): a container\'s JAVA_TOOL_OPTIONS would have to be edited in place; wire JVM workloads at synth time (MergedCaInitContainer with java) and leave java out of the policy\'s wiring');
  }
  if (d.env.length === 0) throw new Error('the admission policy needs at least one variable to set (variables is empty)');
  const ours = d.initContainers.map(c => c.name);
  const volumes = d.volumes.map(v => v.name);
  const mountPaths = d.mounts.map(m => m.mountPath);
  const n = o.maxContainers;
  const merge = d.initContainers.length > 0;

  const matchConditions = [
    { name: 'not-opted-out', expression: `!((${annotation(METADATA.OPT_OUT)} && ${annotationValue(METADATA.OPT_OUT)} == "true") || (${label(METADATA.OPT_OUT)} && object.metadata.labels[${JSON.stringify(METADATA.OPT_OUT)}] == "true"))` },
    // wired at synth time (or by this policy before), or a volume of another owner with our name: left alone
    { name: 'not-wired-yet', expression: `!(has(object.spec.volumes) && object.spec.volumes.exists(v, v.name in ${strings(volumes)}))` },
    {
      name: 'no-container-named-like-ours',
      expression: ours.length === 0 ? 'true' : `!((has(object.spec.initContainers) && object.spec.initContainers.exists(c, c.name in ${strings(ours)})) || object.spec.containers.exists(c, c.name in ${strings(ours)}))`,
    },
    {
      name: 'not-windows',
      expression: '!((has(object.spec.nodeSelector) && "kubernetes.io/os" in object.spec.nodeSelector && object.spec.nodeSelector["kubernetes.io/os"] == "windows") || (has(object.spec.os) && has(object.spec.os.name) && object.spec.os.name == "windows"))',
    },
    { name: 'at-most-max-containers', expression: `size(object.spec.containers) <= ${n} && (!has(object.spec.initContainers) || size(object.spec.initContainers) <= ${n})` },
    // a container mounting something else where the CA goes conflicts (synth-time wiring refuses it)
    {
      name: 'no-mount-where-the-ca-goes',
      expression: `!(object.spec.containers.exists(c, has(c.volumeMounts) && c.volumeMounts.exists(m, m.mountPath in ${strings(mountPaths)})) || (has(object.spec.initContainers) && object.spec.initContainers.exists(c, has(c.volumeMounts) && c.volumeMounts.exists(m, m.mountPath in ${strings(mountPaths)}))))`,
    },
    {
      name: 'overlay-annotation-is-true-or-false',
      expression: `!${annotation(METADATA.SYSTEM_BUNDLE_OVERLAY)} || ${annotationValue(METADATA.SYSTEM_BUNDLE_OVERLAY)} in ["true", "false"]`,
    },
    ...(d.containers ? [{ name: 'containers-exist', expression: `${strings(d.containers)}.all(n, object.spec.containers.exists(c, c.name == n))` }] : []),
    ...(merge && !d.image ? [{
      name: 'an-image-with-a-shell',
      expression: `${annotation(METADATA.MERGE_IMAGE)} || object.spec.containers.exists(c, has(c.image) && !${strings(SHELL_LESS_IMAGES)}.exists(p, c.image.startsWith(p)))`,
    }] : []),
  ];

  const variables: Array<{ name: string; expression: string }> = [];
  if (merge) {
    variables.push({
      name: 'mergeImage',
      expression: d.image ? JSON.stringify(d.image) : `${annotation(METADATA.MERGE_IMAGE)} ? ${annotationValue(METADATA.MERGE_IMAGE)} : object.spec.containers.filter(c, has(c.image) && !${strings(SHELL_LESS_IMAGES)}.exists(p, c.image.startsWith(p)))[0].image`,
    });
    variables.push({ name: 'initSecurityContext', expression: securityContextCel(d) });
    const inits = ourInitContainers(d, IMAGE_HOLE, {}).map(c => ({ ...c, ...(c.securityContext ? { securityContext: SC_HOLE } : {}) }));
    variables.push({
      name: 'initContainers',
      expression: celLiteral(inits).split(JSON.stringify(IMAGE_HOLE)).join('variables.mergeImage').split(JSON.stringify(SC_HOLE)).join('variables.initSecurityContext'),
    });
  }
  variables.push({ name: 'volumes', expression: celLiteral(d.volumes) });
  variables.push({ name: 'env', expression: celLiteral(d.env) });
  variables.push({ name: 'mounts', expression: celLiteral(d.mounts) });
  const overlayMounts = d.systemBundleMounts ?? [];
  variables.push({ name: 'overlayMounts', expression: celLiteral(overlayMounts) });
  variables.push({
    name: 'overlay',
    expression: `${annotation(METADATA.SYSTEM_BUNDLE_OVERLAY)} ? ${annotationValue(METADATA.SYSTEM_BUNDLE_OVERLAY)} == "true" : ${d.systemBundleOverlay ? 'true' : 'false'}`,
  });

  const parts: string[] = [];
  parts.push('(has(object.spec.volumes) ? variables.volumes.map(v, JSONPatch{op: "add", path: "/spec/volumes/-", value: v}) : [JSONPatch{op: "add", path: "/spec/volumes", value: variables.volumes}])');
  if (merge) {
    const inserts = ours.map((_, i) => `JSONPatch{op: "add", path: "/spec/initContainers/${i}", value: variables.initContainers[${i}]}`);
    parts.push(`(has(object.spec.initContainers) ? [${inserts.join(', ')}] : [JSONPatch{op: "add", path: "/spec/initContainers", value: variables.initContainers}])`);
  }
  // the pod's own init containers (after ours: their index moves by ours.length), then its containers
  for (let i = 0; i < n; i++) {
    const wire = d.initContainersToWire ? `object.spec.initContainers[${i}].name in ${strings(d.initContainersToWire)}` : 'true';
    parts.push(containerPatch('object.spec.initContainers', i, `/spec/initContainers/${i + ours.length}`, wire, true));
  }
  for (let i = 0; i < n; i++) {
    const wire = d.containers ? `object.spec.containers[${i}].name in ${strings(d.containers)}` : 'true';
    parts.push(containerPatch('object.spec.containers', i, `/spec/containers/${i}`, wire, false));
  }
  const notes = Object.entries(d.annotations ?? {});
  if (notes.length > 0) {
    const each = notes.map(([k, v]) => `JSONPatch{op: "add", path: ${JSON.stringify(`/metadata/annotations/${escapePointer(k)}`)}, value: ${JSON.stringify(v)}}`);
    parts.push(`(has(object.metadata.annotations) ? [${each.join(', ')}] : [JSONPatch{op: "add", path: "/metadata/annotations", value: ${celLiteral(Object.fromEntries(notes))}}])`);
  }
  return { matchConditions, variables, patch: parts.join(' +\n') };
}

/** The init containers' securityContext for the pod's own (user, runAsNonRoot, RuntimeDefault seccomp): `ourInitContainers` per case. */
function securityContextCel(d: WiringDescription): string {
  const of = (user: boolean, nonRoot: boolean, seccomp: boolean) => {
    const pod = { ...(user ? { runAsUser: 1 } : {}), ...(nonRoot ? { runAsNonRoot: true } : {}), ...(seccomp ? { seccompProfile: { type: 'RuntimeDefault' } } : {}) };
    const scs = ourInitContainers(d, IMAGE_HOLE, pod).map(c => JSON.stringify(c.securityContext ?? null));
    if (new Set(scs).size !== 1) throw new Error('the admission policy needs one securityContext for all of its init containers');
    return celLiteral(JSON.parse(scs[0]) ?? {});
  };
  const pod = 'has(object.spec.securityContext)';
  const user = `(${pod} && has(object.spec.securityContext.runAsUser))`;
  const nonRoot = `(${pod} && has(object.spec.securityContext.runAsNonRoot) && object.spec.securityContext.runAsNonRoot == true)`;
  const seccomp = `(${pod} && has(object.spec.securityContext.seccompProfile) && has(object.spec.securityContext.seccompProfile.type) && object.spec.securityContext.seccompProfile.type == "RuntimeDefault")`;
  const choose = (cond: string, yes: string, no: string) => (yes === no ? yes : `(${cond} ? ${yes} : ${no})`);
  const tree = (u: boolean, r: boolean) => choose(seccomp, of(u, r, true), of(u, r, false));
  return choose(user, choose(nonRoot, tree(true, true), tree(true, false)), choose(nonRoot, tree(false, true), tree(false, false)));
}

/**
 * The patch for container `i` of `list`: mounts (and the overlay's, unless the container rewrites
 * the system bundle at start) it does not have at that path, then the variables it does not set.
 */
function containerPatch(list: string, i: number, at: string, wire: string, optionalList: boolean): string {
  const exists = optionalList ? `has(${list}) && size(${list}) > ${i}` : `size(${list}) > ${i}`;
  // standard CEL has no let: the container is bound to c, the mounts it should get to w, by one-element maps
  const argv = '((has(c.command) ? c.command : []) + (has(c.args) ? c.args : []))';
  const want = `variables.mounts + (variables.overlay && !${argv}.exists(x, x.matches(${JSON.stringify(REWRITES_SYSTEM_BUNDLE.source)})) ? variables.overlayMounts : [])`;
  const mounts = `(has(c.volumeMounts) ? w.filter(m, !c.volumeMounts.exists(x, x.mountPath == m.mountPath)).map(m, JSONPatch{op: "add", path: "${at}/volumeMounts/-", value: m}) : [JSONPatch{op: "add", path: "${at}/volumeMounts", value: w}])`;
  const env = `(has(c.env) ? variables.env.filter(e, !c.env.exists(x, x.name == e.name)).map(e, JSONPatch{op: "add", path: "${at}/env/-", value: e}) : [JSONPatch{op: "add", path: "${at}/env", value: variables.env}])`;
  return `(${exists} && ${wire} ? [${list}[${i}]].map(c, [${want}].map(w, ${mounts} + ${env})[0])[0] : [])`;
}

