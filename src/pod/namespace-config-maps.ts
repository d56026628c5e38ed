/**
 * The per-namespace ConfigMaps wired pods depend on (the merge scripts, the CA variables), added
 * once per App next to what the library wires.
 * @internal
 */
import { ApiObject, Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { MergeScripts } from './script-delivery';

const ADDED = Symbol.for('cdk8s-org-ca.namespaced-config-maps');

function addedIn(near: IConstruct): Map<string, ApiObject> {
  const root = near.node.root as any;
  if (!root[ADDED]) Object.defineProperty(root, ADDED, { value: new Map(), enumerable: false });
  return root[ADDED];
}

const keyOf = (name: string, namespace: string | undefined) => `${namespace ?? ''}\u0000${name}`;

/**
 * Adds ConfigMap `name` (built by `manifest`) for `namespace` to the chart of `near`, once per App
 * (a second chart with workloads in the same namespace uses the first one's). The per-namespace
 * ConfigMaps pods depend on: the merge scripts and the CA variables.
 * @internal
 */
export function ensureNamespacedConfigMap(near: IConstruct, namespace: string | undefined, name: string, manifest: () => any): ApiObject {
  const added = addedIn(near);
  const key = keyOf(name, namespace);
  let obj = added.get(key);
  if (!obj) {
    obj = new ApiObject(Chart.of(near), `org-ca-cm:${namespace ?? ''}:${name}`, manifest());
    added.set(key, obj);
  }
  return obj;
}

/**
 * Adds the scripts ConfigMap for `namespace` to the chart of `near`, once per App. Nothing for
 * inline scripts.
 * @internal
 */
export function ensureScriptsConfigMap(near: IConstruct, namespace: string | undefined, scripts: MergeScripts): ApiObject | undefined {
  if (scripts.configMapName === undefined) return undefined;
  return ensureNamespacedConfigMap(near, namespace, scripts.configMapName, () => scripts.manifest(namespace));
}

/**
 * Throws unless ConfigMap `name` (`what`, fixed by `fix`) was added for a pod in `namespace` (a
 * wired object whose namespace a patch changed after it was wired).
 * @internal
 */
export function checkNamespacedConfigMap(
  near: IConstruct, namespace: string | undefined, name: string, what: string, fix: string, where: string,
): void {
  if (!addedIn(near).has(keyOf(name, namespace))) {
    throw new Error(`${where} is in namespace "${namespace ?? '(none)'}" at synth, but was wired for another one (a patch changed metadata.namespace), so no ConfigMap "${name}" with ${what} is added there; set the namespace before wiring, or pass ${fix}`);
  }
}
