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

/** @internal */
export function addSynthTransform(obj: ApiObject, key: string, fn: JsonTransform): void {
  const holder = obj as any;
  let transforms: Map<string, JsonTransform> | undefined = holder[TRANSFORMS];
  if (!transforms) {
    transforms = new Map();
    Object.defineProperty(holder, TRANSFORMS, { value: transforms, enumerable: false });
    const original = obj.toJson.bind(obj);
    const registered = transforms;
    holder.toJson = () => {
      let json = original();
      for (const t of registered.values()) {
        json = t(json);
      }
      return json;
    };
    obj.node.addValidation({
      validate: () => {
        try {
          obj.toJson();
          return [];
        } catch (e) {
          return [(e as Error).message];
        }
      },
    });
  }
  transforms.set(key, fn);
}

/** @internal */
export function hasSynthTransform(obj: ApiObject, key: string): boolean {
  return ((obj as any)[TRANSFORMS] as Map<string, JsonTransform> | undefined)?.has(key) ?? false;
}

/**
 * Runs `fn` before the chart renders (Testing.synth, App.synth, synthYaml), so whole-chart
 * wiring also sees objects created after the call.
 * @internal
 */
export function beforeChartSynth(chart: Chart, key: string, fn: () => void): void {
  const holder = chart as any;
  let hooks: Map<string, () => void> | undefined = holder[CHART_HOOKS];
  if (!hooks) {
    hooks = new Map();
    Object.defineProperty(holder, CHART_HOOKS, { value: hooks, enumerable: false });
    const original = chart.toJson.bind(chart);
    const registered = hooks;
    holder.toJson = () => {
      for (const h of registered.values()) h();
      return original();
    };
    // App.synth validates before writing: discover late objects there too, so they are validated.
    chart.node.addValidation({
      validate: () => {
        try {
          for (const h of registered.values()) h();
          return [];
        } catch (e) {
          return [(e as Error).message];
        }
      },
    });
  }
  hooks.set(key, fn);
}
