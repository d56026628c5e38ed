import { ApiObject, Chart } from 'cdk8s';

/**
 * Synth-time transforms of an ApiObject's final JSON.
 *
 * cdk8s JSON patches are static values, but pod wiring must see the finished object (containers
 * added after the call, patches, Included YAML). So the library wraps `toJson()` of the objects it
 * wires, once per object: the original runs (resolution and the user's patches), then each
 * registered transform, keyed so registering the same wiring twice replaces it instead of
 * applying it twice. A node validation runs the same code so `App.synth()` refuses before it
 * writes any file.
 *
 * @internal
 */
export type JsonTransform = (json: any) => any;

const TRANSFORMS = Symbol.for('cdk8s-org-ca.transforms');
const CHART_HOOKS = Symbol.for('cdk8s-org-ca.chart-hooks');

/**
 * The registry of hooks `symbol` on `target`, created on first use: `toJson` is wrapped once by
 * `wrap(original, registry)` and a node validation calls `validate(registry)`, so `App.synth()`
 * reports errors before it writes any file.
 */
function registryOn<T>(
  target: ApiObject | Chart,
  symbol: symbol,
  wrap: (original: () => any, registry: Map<string, T>) => () => any,
  validate: (registry: Map<string, T>) => void,
): Map<string, T> {
  const holder = target as any;
  let registry: Map<string, T> | undefined = holder[symbol];
  if (!registry) {
    const created = new Map<string, T>();
    registry = created;
    Object.defineProperty(holder, symbol, { value: created, enumerable: false });
    holder.toJson = wrap(target.toJson.bind(target), created);
    target.node.addValidation({
      validate: () => {
        try {
          validate(created);
          return [];
        } catch (e) {
          return [(e as Error).message];
        }
      },
    });
  }
  return registry;
}

/**
 * `App.synth()` validates, then renders, synchronously: the JSON the validation computed is handed
 * to the render that follows in the same tick instead of being computed twice. It is dropped at
 * the next microtask, so nothing stale survives a synthesis.
 */
const VALIDATED = Symbol.for('cdk8s-org-ca.validated-json');

/** @internal */
export function addSynthTransform(obj: ApiObject, key: string, fn: JsonTransform): void {
  const holder = obj as any;
  registryOn<JsonTransform>(
    obj,
    TRANSFORMS,
    (original, transforms) => () => {
      const validated = holder[VALIDATED];
      if (validated !== undefined) {
        holder[VALIDATED] = undefined;
        return validated;
      }
      let json = original();
      for (const t of transforms.values()) json = t(json);
      return json;
    },
    () => {
      const json = obj.toJson();
      holder[VALIDATED] = json;
      queueMicrotask(() => {
        holder[VALIDATED] = undefined;
      });
    },
  ).set(key, fn);
}

/**
 * Runs `fn` before the chart renders (Testing.synth, App.synth, synthYaml), so whole-chart
 * wiring also sees objects created after the call. App.synth validates the chart before its
 * children, so objects found here are validated too.
 * @internal
 */
export function beforeChartSynth(chart: Chart, key: string, fn: () => void): void {
  const runAll = (hooks: Map<string, () => void>) => {
    for (const h of hooks.values()) h();
  };
  registryOn<() => void>(
    chart,
  CHART_HOOKS,
  (original, hooks) => () => {
    runAll(hooks);
    return original();
  },
  runAll,
  ).set(key, fn);
}

/** One pod wiring registered on an object. @internal */
export interface WiringRegistration {
  /** Identity of the options: two registrations in one slot must have the same. */
  readonly signature: string;
  /** How the user asked for it, for messages (e.g. `MergedCaInitContainer.addTo`). */
  readonly source: string;
  /** An explicit per-object wiring (addTo/applyTo), which whole-chart wiring gives way to. */
  readonly explicit: boolean;
  /** The options, to name the ones that differ. */
  readonly options: Record<string, unknown>;
}

const REGISTRATIONS = Symbol.for('cdk8s-org-ca.registrations');

/** The signature of a wiring's options: equal exactly when the options are (key order aside). @internal */
export function optionsSignature(options: Record<string, unknown>): string {
  return JSON.stringify(Object.entries(options).sort(([a], [b]) => a.localeCompare(b)));
}

/** The wirings registered on `obj`, by slot. @internal */
export function registrationsOf(obj: ApiObject): Map<string, WiringRegistration> {
  const holder = obj as any;
  if (!holder[REGISTRATIONS]) Object.defineProperty(holder, REGISTRATIONS, { value: new Map(), enumerable: false });
  return holder[REGISTRATIONS];
}

/**
 * Registers a pod wiring of `obj` in `slot` and its synth transform. The same options again are
 * the same wiring (idempotent); other options in the same slot are an error naming both and the
 * options that differ, never a silent replacement.
 * @internal
 */
export function registerWiring(obj: ApiObject, slot: string, reg: WiringRegistration, fn: JsonTransform): void {
  const all = registrationsOf(obj);
  const prior = all.get(slot);
  if (prior && prior.signature !== reg.signature) {
    const keys = Array.from(new Set([...Object.keys(prior.options), ...Object.keys(reg.options)]))
      .filter(k => JSON.stringify(prior.options[k]) !== JSON.stringify(reg.options[k]));
    throw new Error(`${obj.kind} "${obj.name}" (${obj.node.path}) is wired twice with different options: by ${prior.source} and by ${reg.source} (they differ in ${keys.join(', ') || 'the bundle'}); wire it once, or give both the same options`);
  }
  all.set(slot, reg);
  addSynthTransform(obj, slot, fn);
}
