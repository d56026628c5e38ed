/**
 * Offline evaluation of a MutatingAdmissionPolicy on Pod CREATE, as KEP-3962 specifies it and the
 * API server runs it: match constraints (resource rules, namespace and object selectors) of the
 * policy and its binding, match conditions, variables, then each JSONPatch mutation, with the
 * failure policy for errors and one reinvocation with `IfNeeded`. CEL is Buf's conformance-tested
 * implementation (`@bufbuild/cel`); `JSONPatch` is a protobuf message type with Kubernetes' fields
 * (`op`, `path`, `from`, `value`); `Object{...}` and `Object.<field path>{...}` constructions become
 * maps (rewritten in the parsed expression: Kubernetes' Object types are the object's own schema),
 * and an ApplyConfiguration is merged as server-side apply merges it (`applyConfiguration`).
 * @internal
 */
import { celEnv, CelScalar, isCelError, isCelList, isCelMap, mapType, parse, plan } from '@bufbuild/cel';
import { ConstantSchema, ExprSchema } from '@bufbuild/cel-spec/cel/expr/syntax_pb.js';
import { create, createFileRegistry, Registry, toJson } from '@bufbuild/protobuf';
import { file_google_protobuf_struct, FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import { pointerSegments } from '../pod/pod-templates';

/** A registry with Kubernetes' `JSONPatch` type (no package), its value a `google.protobuf.Value`. */
function jsonPatchRegistry(): Registry {
  const string = (name: string, number: number) => ({ name, number, type: 9, label: 1, jsonName: name });
  const file = create(FileDescriptorProtoSchema, {
    name: 'k8s_admission_jsonpatch.proto',
    syntax: 'proto3',
    dependency: ['google/protobuf/struct.proto'],
    messageType: [{
      name: 'JSONPatch',
      field: [string('op', 1), string('path', 2), string('from', 3), { name: 'value', number: 4, type: 11, typeName: '.google.protobuf.Value', label: 1, jsonName: 'value' }],
    }],
  });
  return createFileRegistry(file, n => (n === 'google/protobuf/struct.proto' ? file_google_protobuf_struct : undefined));
}

const REGISTRY = jsonPatchRegistry();
/** The variables a mutating policy's expressions see (KEP-3962), as this evaluator declares them. */
const ENV = celEnv({
  registry: REGISTRY,
  variables: {
    object: CelScalar.DYN,
    oldObject: CelScalar.DYN,
    request: CelScalar.DYN,
    params: CelScalar.DYN,
    namespaceObject: CelScalar.DYN,
    variables: mapType(CelScalar.STRING, CelScalar.DYN),
  },
});

/**
 * Parses one expression (the syntax check the API server does when the policy is created; Buf's
 * CEL has no type checker, so the tests type-check with a second implementation).
 */
export function parseExpression(expr: string, where: string): void {
  try {
    parse(expr);
  } catch (e) {
    throw new Error(`${where}: ${(e as Error).message.split('\n')[0]}`);
  }
}

type Bindings = Record<string, any>;

/** `Object{a: x}` and `Object.spec.containers{name: y}` as map literals (`{"a": x}`), in place. */
function objectConstructionsAsMaps(node: any): void {
  if (!node || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    node.forEach(objectConstructionsAsMaps);
    return;
  }
  if (node.$typeName === 'cel.expr.Expr.CreateStruct' && /^Object(\.|$)/.test(node.messageName)) {
    node.messageName = '';
    for (const e of node.entries) {
      if (e.keyKind.case !== 'fieldKey') continue;
      const key = create(ExprSchema, { id: e.id, exprKind: { case: 'constExpr', value: create(ConstantSchema, { constantKind: { case: 'stringValue', value: e.keyKind.value } }) } });
      e.keyKind = { case: 'mapKey', value: key };
    }
  }
  for (const [k, v] of Object.entries(node)) if (k !== '$typeName') objectConstructionsAsMaps(v);
}

function evaluate(expr: string, bindings: Bindings, where: string): any {
  const parsed = parse(expr);
  objectConstructionsAsMaps(parsed);
  const result = plan(ENV, parsed)(bindings as any);
  if (isCelError(result)) throw new Error(`${where}: ${result.message}`);
  return result;
}

/** A CEL value as JSON (lists, maps, JSONPatch messages, scalars). */
function toPlain(v: any): any {
  if (isCelList(v)) return [...v].map(toPlain);
  if (isCelMap(v)) return Object.fromEntries([...v.entries()].map(([k, x]) => [String(k), toPlain(x)]));
  if (v && typeof v === 'object' && v.desc && v.message) return toJson(v.desc, v.message, { registry: REGISTRY });
  if (typeof v === 'bigint') return Number(v);
  return v;
}

/** Label selector semantics (matchLabels, matchExpressions In/NotIn/Exists/DoesNotExist); no selector matches everything. */
export function selects(selector: any, labels: Record<string, string>): boolean {
  if (!selector) return true;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    if (e.operator === 'In' && !(has && e.values.includes(labels[e.key]))) return false;
    if (e.operator === 'NotIn' && has && e.values.includes(labels[e.key])) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

/** Whether resource rules match a request for `resource` of `group`/`version` with `operation` ("*" matches anything). */
function rulesMatch(rules: any[] | undefined, group: string, version: string, operation: string, resource: string): boolean {
  const any = (xs: string[] | undefined, v: string) => (xs ?? []).some(x => x === '*' || x === v);
  return (rules ?? []).some(r =>
    any(r.apiGroups, group) && any(r.apiVersions, version) && any(r.operations, operation) && any(r.resources, resource));
}
/** JSON Patch (RFC 6902) applied to a copy of `doc`. */
export function applyJsonPatch(doc: any, ops: any[]): any {
  let root = JSON.parse(JSON.stringify(doc));
  const tokens = (p: string) => {
    if (p === '') return [];
    if (!p.startsWith('/')) throw new Error(`JSON pointer "${p}" does not start with "/"`);
    return pointerSegments(p);
  };
  const parentOf = (p: string) => {
    const t = tokens(p);
    if (t.length === 0) return { parent: undefined, key: '' };
    let parent = root;
    for (const k of t.slice(0, -1)) {
      parent = Array.isArray(parent) ? parent[Number(k)] : parent?.[k];
      if (parent === undefined || parent === null || typeof parent !== 'object') throw new Error(`path "${p}": "${k}" does not exist`);
    }
    return { parent, key: t[t.length - 1] };
  };
  const get = (p: string) => tokens(p).reduce((v: any, k) => {
    const x = Array.isArray(v) ? v[Number(k)] : v?.[k];
    if (x === undefined) throw new Error(`path "${p}" does not exist`);
    return x;
  }, root);
  const index = (arr: any[], key: string, adding: boolean) => {
    if (adding && key === '-') return arr.length;
    if (!/^(0|[1-9][0-9]*)$/.test(key)) throw new Error(`"${key}" is not an array index`);
    const i = Number(key);
    if (i > arr.length || (!adding && i === arr.length)) throw new Error(`index ${i} is out of range`);
    return i;
  };
  const add = (p: string, value: any) => {
    const { parent, key } = parentOf(p);
    if (parent === undefined) {
      root = value;
      return;
    }
    if (Array.isArray(parent)) parent.splice(index(parent, key, true), 0, value);
    else parent[key] = value;
  };
  const remove = (p: string) => {
    const { parent, key } = parentOf(p);
    if (Array.isArray(parent)) parent.splice(index(parent, key, false), 1);
    else if (parent && key in parent) delete parent[key];
    else throw new Error(`path "${p}" does not exist`);
  };
  for (const op of ops) {
    const clone = (v: any) => JSON.parse(JSON.stringify(v));
    switch (op.op) {
      case 'add': add(op.path, clone(op.value)); break;
      case 'remove': remove(op.path); break;
      case 'replace': get(op.path); remove(op.path); add(op.path, clone(op.value)); break;
      case 'move': { const v = get(op.from); remove(op.from); add(op.path, v); break; }
      case 'copy': add(op.path, clone(get(op.from))); break;
      case 'test':
        if (JSON.stringify(get(op.path)) !== JSON.stringify(op.value)) throw new Error(`test failed at "${op.path}"`);
        break;
      default: throw new Error(`JSON patch operation "${op.op}" is not one of add, remove, replace, move, copy, test`);
    }
  }
  return root;
}

/**
 * The list-map keys of a Pod's associative lists (`x-kubernetes-list-type: map` in the Kubernetes
 * API), by field name: server-side apply merges their items by these keys. Any other list is
 * atomic (replaced whole).
 */
const POD_LIST_MAP_KEYS: Record<string, string[]> = {
  containers: ['name'],
  initContainers: ['name'],
  ephemeralContainers: ['name'],
  volumes: ['name'],
  env: ['name'],
  volumeMounts: ['mountPath'],
  volumeDevices: ['devicePath'],
  ports: ['containerPort', 'protocol'],
  imagePullSecrets: ['name'],
  resourceClaims: ['name'],
  schedulingGates: ['name'],
  hostAliases: ['ip'],
  topologySpreadConstraints: ['topologyKey', 'whenUnsatisfiable'],
  ownerReferences: ['uid'],
};

/**
 * An apply configuration merged into `live` as server-side apply merges it (KEP-3962,
 * structured-merge-diff): maps field by field, associative lists item by item by their keys
 * (existing items keep their place, new ones are appended), atomic lists and scalars replaced,
 * an explicit null removes the field.
 */
export function applyConfiguration(live: any, applied: any, field = ''): any {
  if (applied === null) return undefined;
  if (Array.isArray(applied)) {
    const keys = POD_LIST_MAP_KEYS[field];
    if (!keys || !Array.isArray(live)) return JSON.parse(JSON.stringify(applied));
    const keyOf = (x: any) => JSON.stringify(keys.map(k => x?.[k] ?? (k === 'protocol' ? 'TCP' : null)));
    const out = live.map(x => JSON.parse(JSON.stringify(x)));
    for (const item of applied) {
      const i = out.findIndex(x => keyOf(x) === keyOf(item));
      if (i >= 0) out[i] = applyConfiguration(out[i], item);
      else out.push(applyConfiguration(undefined, item));
    }
    return out;
  }
  if (applied && typeof applied === 'object') {
    const out: any = live && typeof live === 'object' && !Array.isArray(live) ? JSON.parse(JSON.stringify(live)) : {};
    for (const [k, v] of Object.entries(applied)) {
      const merged = applyConfiguration(out[k], v, k);
      if (merged === undefined) delete out[k];
      else out[k] = merged;
    }
    return out;
  }
  return applied;
}

/** What admitting one pod did. */
export interface Admission {
  readonly pod: any;
  /** "mutated", or why not: "not matched", "condition X false", "error (failurePolicy Ignore): ..." */
  readonly outcome: string;
  readonly mutated: boolean;
}

/** The pod as the API server would admit it with `policy` bound by `binding`, in a namespace labelled `namespaceLabels`. */
export function admitPod(policy: any, binding: any | undefined, pod: any, namespaceLabels: Record<string, string>): Admission {
  const spec = policy.spec ?? {};
  const namespace = pod.metadata?.namespace ?? 'default';
  const labels = { 'kubernetes.io/metadata.name': namespace, ...namespaceLabels };
  const constraints = [spec.matchConstraints, binding?.spec?.matchResources].filter(Boolean);
  if (!rulesMatch(spec.matchConstraints?.resourceRules, '', 'v1', 'CREATE', 'pods')) return { pod, outcome: 'not matched: the policy does not match Pod CREATE', mutated: false };
  for (const c of constraints) {
    if (!selects(c.namespaceSelector, labels)) return { pod, outcome: `not matched: namespace "${namespace}" is not selected`, mutated: false };
    if (!selects(c.objectSelector, pod.metadata?.labels ?? {})) return { pod, outcome: 'not matched: the pod\'s labels are not selected', mutated: false };
  }
  const fail = spec.failurePolicy ?? 'Fail';
  const once = (object: any): { object: any; outcome: string } => {
    const bindings: Bindings = {
      object,
      oldObject: null,
      params: null,
      request: { operation: 'CREATE', kind: { group: '', version: 'v1', kind: 'Pod' }, resource: { group: '', version: 'v1', resource: 'pods' }, namespace, name: object.metadata?.name ?? '' },
      namespaceObject: { metadata: { name: namespace, labels } },
      variables: {},
    };
    for (const m of spec.matchConditions ?? []) {
      if (evaluate(m.expression, bindings, `matchCondition "${m.name}"`) !== true) return { object, outcome: `skipped: matchCondition "${m.name}" is false` };
    }
    const vars: Record<string, any> = {};
    for (const v of spec.variables ?? []) vars[v.name] = evaluate(v.expression, { ...bindings, variables: vars }, `variable "${v.name}"`);
    let out = object;
    for (const [i, mu] of (spec.mutations ?? []).entries()) {
      const at = { ...bindings, object: out, variables: vars };
      if (mu.patchType === 'JSONPatch') {
        out = applyJsonPatch(out, toPlain(evaluate(mu.jsonPatch.expression, at, `mutation ${i}`)));
      } else if (mu.patchType === 'ApplyConfiguration') {
        out = applyConfiguration(out, toPlain(evaluate(mu.applyConfiguration.expression, at, `mutation ${i}`)));
      } else {
        throw new Error(`mutation ${i}: patchType "${mu.patchType}" is not JSONPatch or ApplyConfiguration`);
      }
    }
    return { object: out, outcome: 'mutated' };
  };
  try {
    let r = once(pod);
    if (r.outcome === 'mutated' && spec.reinvocationPolicy === 'IfNeeded') {
      const again = once(r.object);
      if (again.outcome === 'mutated') r = again;
    }
    return { pod: r.object, outcome: r.outcome, mutated: r.outcome === 'mutated' };
  } catch (e) {
    if (fail === 'Ignore') return { pod, outcome: `error, ignored (failurePolicy Ignore): ${(e as Error).message}`, mutated: false };
    throw new Error(`the pod is refused (failurePolicy Fail): ${(e as Error).message}`);
  }
}

/** An admission request, offline: what a ValidatingAdmissionPolicy's expressions see. */
export interface OfflineRequest {
  readonly operation: 'CREATE' | 'UPDATE' | 'DELETE';
  readonly group: string;
  readonly version: string;
  readonly resource: string;
  readonly name: string;
  readonly namespace?: string;
  readonly username: string;
  readonly groups?: string[];
  readonly object?: any;
  readonly oldObject?: any;
}

/** Whether a ValidatingAdmissionPolicy (bound with Deny) lets `r` through, and its message when not. */
export function validateRequest(policy: any, r: OfflineRequest): { allowed: boolean; message?: string; matched: boolean } {
  const spec = policy.spec ?? {};
  if (!rulesMatch(spec.matchConstraints?.resourceRules, r.group, r.version, r.operation, r.resource)) return { allowed: true, matched: false };
  const bindings: Bindings = {
    object: r.object ?? null,
    oldObject: r.oldObject ?? null,
    params: null,
    namespaceObject: null,
    variables: {},
    request: {
      operation: r.operation,
      name: r.name,
      namespace: r.namespace ?? '',
      resource: { group: r.group, version: r.version, resource: r.resource },
      userInfo: { username: r.username, groups: r.groups ?? [] },
    },
  };
  try {
    for (const m of spec.matchConditions ?? []) {
      if (evaluate(m.expression, bindings, `matchCondition "${m.name}"`) !== true) return { allowed: true, matched: false };
    }
    for (const v of spec.validations ?? []) {
      if (evaluate(v.expression, bindings, 'validation') !== true) return { allowed: false, message: v.message, matched: true };
    }
    return { allowed: true, matched: true };
  } catch (e) {
    if (spec.failurePolicy === 'Ignore') return { allowed: true, matched: true };
    return { allowed: false, message: `policy error (failurePolicy Fail): ${(e as Error).message}`, matched: true };
  }
}
