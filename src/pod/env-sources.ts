import { ApiObject, Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { EnvSources } from './pod-wiring';

const CACHE = Symbol.for('cdk8s-org-ca.env-sources');

/**
 * The ConfigMaps and Secrets of the app `scope` belongs to (Secret data decoded), for checking
 * `envFrom`. Collected once per synthesis (on first use) and dropped at the next microtask, so it
 * always reflects the objects as they are rendered.
 * @internal
 */
export function envSourcesOf(scope: IConstruct): EnvSources {
  const root = scope.node.root as any;
  let map: Map<string, Record<string, string>> | undefined = root[CACHE];
  const load = () => {
    if (map) return map;
    map = new Map();
    for (const c of root.node.findAll()) {
      if (!ApiObject.isApiObject(c)) continue;
      const o = c as ApiObject;
      if (o.apiVersion !== 'v1' || (o.kind !== 'ConfigMap' && o.kind !== 'Secret')) continue;
      const json = o.toJson();
      const ns = json.metadata?.namespace ?? Chart.of(o).namespace;
      const data: Record<string, string> = { ...(json.stringData ?? {}) };
      for (const [k, v] of Object.entries<string>(json.data ?? {})) {
        data[k] = o.kind === 'Secret' ? Buffer.from(v, 'base64').toString('utf8') : v;
      }
      map.set(`${o.kind}/${ns ?? ''}/${json.metadata?.name}`, data);
    }
    Object.defineProperty(root, CACHE, { value: map, configurable: true, writable: true });
    queueMicrotask(() => {
      root[CACHE] = undefined;
    });
    return map;
  };
  return { get: (kind, namespace, name) => load().get(`${kind}/${namespace ?? ''}/${name}`) };
}
