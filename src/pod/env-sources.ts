import { ApiObject, Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { EnvSources } from './pod-wiring';

const CACHE = Symbol.for('cdk8s-org-ca.env-sources');

/** Whether a manifest is a ConfigMap or a Secret (whose keys `envFrom` turns into variables). */
const isEnvSource = (apiVersion: unknown, kind: unknown) => apiVersion === 'v1' && (kind === 'ConfigMap' || kind === 'Secret');

/** The variables `envFrom` takes from a ConfigMap or Secret manifest (Secret data decoded). */
function variablesOf(json: any): Record<string, string> {
  const data: Record<string, string> = { ...(json.stringData ?? {}) };
  for (const [k, v] of Object.entries<string>(json.data ?? {})) {
    data[k] = json.kind === 'Secret' ? Buffer.from(v, 'base64').toString('utf8') : v;
  }
  return data;
}

const keyOf = (kind: string, namespace: string | undefined, name: string) => `${kind}/${namespace ?? ''}/${name}`;

/** Lookups over a map of `kind/namespace/name` → variables. */
function lookup(load: () => Map<string, Record<string, string>>): EnvSources {
  return { get: (kind, namespace, name) => load().get(keyOf(kind, namespace, name)) };
}

/**
 * The ConfigMaps and Secrets of the app `scope` belongs to (Secret data decoded), for checking
 * `envFrom`. Collected once per synthesis (on first use) and dropped at the next microtask, so it
 * always reflects the objects as they are rendered.
 * @internal
 */
export function envSourcesOf(scope: IConstruct): EnvSources {
  const root = scope.node.root as any;
  let map: Map<string, Record<string, string>> | undefined = root[CACHE];
  return lookup(() => {
    if (map) return map;
    map = new Map();
    for (const c of root.node.findAll()) {
      if (!ApiObject.isApiObject(c)) continue;
      const o = c as ApiObject;
      if (!isEnvSource(o.apiVersion, o.kind)) continue;
      const json = o.toJson();
      map.set(keyOf(o.kind, json.metadata?.namespace ?? Chart.of(o).namespace, json.metadata?.name), variablesOf(json));
    }
    Object.defineProperty(root, CACHE, { value: map, configurable: true, writable: true });
    queueMicrotask(() => {
      root[CACHE] = undefined;
    });
    return map;
  });
}

/**
 * The ConfigMaps and Secrets among plain manifests (Secret data decoded), for checking `envFrom`,
 * added one at a time (`wireManifests` adds its input; the command reads them in a first pass over
 * its input, then wires document by document).
 * @internal
 */
export class ManifestEnvSources implements EnvSources {
  /** `kind/namespace/name` → variables */
  private readonly map = new Map<string, Record<string, string>>();

  /** Keeps `m`'s variables if it is a ConfigMap or a Secret. */
  public add(m: any): void {
    if (m && typeof m === 'object' && isEnvSource(m.apiVersion, m.kind)) this.map.set(keyOf(m.kind, m.metadata?.namespace, m.metadata?.name), variablesOf(m));
  }

  public get(kind: string, namespace: string | undefined, name: string): Record<string, string> | undefined {
    return this.map.get(keyOf(kind, namespace, name));
  }
}
