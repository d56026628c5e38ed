import { ApiObject, App, Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { envSourcesOf } from './env-sources';
import { MergedCaInitContainer, PodWiringOptions } from './merged-ca-init-container';
import { BUILTIN_TEMPLATE_PATHS, KINDS_WITHOUT_POD_TEMPLATES, sniffPodTemplate } from './pod-templates';
import { TemplateOutcome } from './pod-wiring';
import { beforeChartSynth, registerWiring, registrationsOf } from './synth-hook';
import { OrgCaBundle } from '../bundle/org-ca-bundle';
import { METADATA } from '../util/metadata';
import { checkPointer } from '../util/validate';
import { warn, warnOnce } from '../util/warnings';

/**
 * Where the pod templates of a kind live, for kinds the library does not know.
 */
export interface PodTemplateLocation {
  /** apiVersion of the kind, e.g. "argoproj.io/v1alpha1". */
  readonly apiVersion: string;
  /** The kind, e.g. "Rollout". */
  readonly kind: string;
  /**
   * JSON pointers to the pod templates (objects with `metadata` and `spec`), `*` for every array
   * element, e.g. `["/spec/template"]`.
   */
  readonly paths: string[];
}

/**
 * Options of `CaTrust.wireAll`.
 */
export interface WireAllOptions extends PodWiringOptions {
  /**
   * Only wire objects in these namespaces (objects without a namespace never match).
   *
   * @default - every namespace
   */
  readonly namespaces?: string[];

  /**
   * Only wire objects of these kinds, e.g. `["Deployment", "CronJob"]`.
   *
   * @default - every kind with a pod template
   */
  readonly kinds?: string[];

  /**
   * Pod template locations of kinds the library does not know.
   *
   * @default - only the built-in kinds
   */
  readonly podTemplates?: PodTemplateLocation[];

  /**
   * Throw at synth time, instead of printing a warning, when an object of an unknown kind looks
   * like it carries a pod template.
   *
   * @default false
   */
  readonly failOnUnknownKinds?: boolean;
}

/**
 * What happened to one object under a `wireAll` scope.
 */
export enum WiringOutcome {
  /** Its pod templates were wired. */
  WIRED = 'WIRED',
  /** Its pod templates have no containers: nothing to wire. */
  NO_CONTAINERS = 'NO_CONTAINERS',
  /** It carries the opt-out label or annotation. */
  OPTED_OUT = 'OPTED_OUT',
  /** Its namespace is not in `namespaces`. */
  FILTERED_NAMESPACE = 'FILTERED_NAMESPACE',
  /** Its kind is not in `kinds`. */
  FILTERED_KIND = 'FILTERED_KIND',
  /** An unknown kind that looks like it carries a pod template; not wired (see `podTemplates`). */
  UNKNOWN_POD_TEMPLATE = 'UNKNOWN_POD_TEMPLATE',
  /**
   * Wired explicitly (`MergedCaInitContainer.addTo`, a component's `applyTo`): the explicit
   * wiring's options take precedence over the chart-wide ones.
   */
  WIRED_EXPLICITLY = 'WIRED_EXPLICITLY',
  /** A Windows pod (`nodeSelector kubernetes.io/os: windows`): the merge needs /bin/sh; not wired. */
  WINDOWS = 'WINDOWS',
}

/**
 * One line of the wiring report.
 */
export interface WiringReportEntry {
  /** Construct path of the object. */
  readonly path: string;
  /** apiVersion/kind. */
  readonly kind: string;
  /** metadata.name */
  readonly name: string;
  /**
   * metadata.namespace
   * @default - none
   */
  readonly namespace?: string;
  /** What happened. */
  readonly outcome: WiringOutcome;
  /** Details (the pointer of an unknown pod template, the filter that excluded it). */
  readonly detail: string;
}

/**
 * The result of `CaTrust.wireAll`: the report fills in when the charts are synthesized.
 */
export class CaTrustWiring {
  /** @internal */
  public static _create(wiring: MergedCaInitContainer): CaTrustWiring {
    return new CaTrustWiring(wiring);
  }

  /** The wiring applied to each object. */
  public readonly wiring: MergedCaInitContainer;
  private readonly byPath = new Map<string, WiringReportEntry>();

  private constructor(wiring: MergedCaInitContainer) {
    this.wiring = wiring;
  }

  /**
   * What happened to each object, in construct-path order. Complete after synthesis
   * (`Testing.synth`, `app.synth()`, `app.synthYaml()`).
   */
  public report(): WiringReportEntry[] {
    return Array.from(this.byPath.values()).sort((a, b) => a.path.localeCompare(b.path));
  }

  /** @internal */
  public _record(e: WiringReportEntry) {
    this.byPath.set(e.path, e);
  }
}

const OPT_OUT = METADATA.OPT_OUT;

/** Whether rendered metadata opts its object out of whole-chart wiring (label or annotation). */
const optedOut = (md: any): boolean => md.labels?.[OPT_OUT] === 'true' || md.annotations?.[OPT_OUT] === 'true';

/**
 * Whole-chart wiring.
 */
export class CaTrust {
  /** Label or annotation, with value "true", that keeps `wireAll` off an object. */
  public static readonly OPT_OUT_KEY = OPT_OUT;

  /**
   * Wire every workload under `scope` (an App, a Chart or any construct in a chart): cdk8s-plus
   * workloads and raw or `Include`d ApiObjects, Jobs and CronJobs included. Objects are found when
   * the chart is synthesized, so workloads added after this call are wired too. Objects of unknown
   * kinds that carry something shaped like a pod template are reported (a warning, or an error with
   * `failOnUnknownKinds`), never silently passed over.
   */
  public static wireAll(scope: IConstruct, bundle: OrgCaBundle, options: WireAllOptions = {}): CaTrustWiring {
    const wiring = new MergedCaInitContainer(bundle, options);
    const result = CaTrustWiring._create(wiring);
    if (!wiring.enabled) return result;

    const known = new Map<string, string[]>(Object.entries(BUILTIN_TEMPLATE_PATHS));
    for (const loc of options.podTemplates ?? []) {
      if (!loc.paths || loc.paths.length === 0) throw new Error(`podTemplates ${loc.apiVersion}/${loc.kind}: paths is empty`);
      loc.paths.forEach(p => checkPointer(p, `podTemplates ${loc.apiVersion}/${loc.kind}`));
      known.set(`${loc.apiVersion}/${loc.kind}`, loc.paths);
    }
    const knownKinds = new Set(Array.from(known.keys()).map(k => k.slice(k.lastIndexOf('/') + 1)));
    for (const k of options.kinds ?? []) {
      if (!knownKinds.has(k)) {
        throw new Error(`wireAll: kinds lists "${k}", which is neither a built-in kind nor declared in podTemplates (known: ${Array.from(knownKinds).sort().join(', ')}); kinds are Kubernetes kind names, case-sensitive`);
      }
    }
    const key = `wire-all:${wiring.initContainerName}`;
    const seen = new Set<ApiObject>();
    const namespacesSeen = new Set<string>();
    const configMapsAdded = new Set<string | undefined>();

    const discover = () => {
      let workloads = 0;
      for (const c of scope.node.findAll()) {
        if (!ApiObject.isApiObject(c) || seen.has(c)) continue;
        const obj = c as ApiObject;
        seen.add(obj);
        const paths = known.get(`${obj.apiVersion}/${obj.kind}`);
        const base = { path: obj.node.path, kind: `${obj.apiVersion}/${obj.kind}`, name: obj.name };
        if (!paths) {
          if (KINDS_WITHOUT_POD_TEMPLATES.has(`${obj.apiVersion}/${obj.kind}`)) continue;
          const guess = sniffPodTemplate(obj.toJson());
          if (guess !== undefined) {
            const msg = `${obj.kind} "${obj.name}" (${obj.apiVersion}, ${obj.node.path}) looks like it has a pod template at "${guess}" but its kind is unknown: not wired. Pass podTemplates: [{ apiVersion: "${obj.apiVersion}", kind: "${obj.kind}", paths: ["${guess}"] }] to wire it, or label it ${OPT_OUT}: "true"`;
            if (options.failOnUnknownKinds) throw new Error(msg);
            warn(msg);
            result._record({ ...base, namespace: obj.metadata.namespace, outcome: WiringOutcome.UNKNOWN_POD_TEMPLATE, detail: guess });
          }
          continue;
        }
        if (options.kinds && !options.kinds.includes(obj.kind)) {
          result._record({ ...base, namespace: obj.metadata.namespace, outcome: WiringOutcome.FILTERED_KIND, detail: `kinds: ${options.kinds.join(', ')}` });
          continue;
        }
        workloads++;
        namespacesSeen.add(obj.metadata.namespace ?? Chart.of(obj).namespace ?? '(none)');
        const source = `CaTrust.wireAll(${scope.node.path ? `"${scope.node.path}"` : 'the App'})`;
        registerWiring(obj, key, { signature: wiring._signature, source, explicit: false, options: wiring._options }, json => {
          const ns: string | undefined = json.metadata?.namespace;
          const entry = { ...base, namespace: ns };
          for (const [slot, r] of registrationsOf(obj)) {
            if (r.explicit && slot.startsWith('merged-ca:')) {
              result._record({ ...entry, outcome: WiringOutcome.WIRED_EXPLICITLY, detail: `wired by ${r.source}, whose options take precedence` });
              return json;
            }
          }
          const md = json.metadata ?? {};
          if (optedOut(md)) {
            result._record({ ...entry, outcome: WiringOutcome.OPTED_OUT, detail: `${OPT_OUT}: "true"` });
            return json;
          }
          if (options.namespaces && (ns === undefined || !options.namespaces.includes(ns))) {
            result._record({ ...entry, outcome: WiringOutcome.FILTERED_NAMESPACE, detail: `namespaces: ${options.namespaces.join(', ')}` });
            return json;
          }
          const outcomes = wiring._wireAt(json, paths, envSourcesOf(obj), obj);
          if (outcomes.some(o => o.outcome === TemplateOutcome.WINDOWS) && !outcomes.some(o => o.outcome === TemplateOutcome.WIRED)) {
            result._record({ ...entry, outcome: WiringOutcome.WINDOWS, detail: 'Windows pod (nodeSelector kubernetes.io/os: windows): the merge needs /bin/sh; not wired' });
          } else if (!outcomes.some(o => o.outcome === TemplateOutcome.WIRED)) {
            result._record({ ...entry, outcome: WiringOutcome.NO_CONTAINERS, detail: 'no containers' });
          } else {
            result._record({ ...entry, outcome: WiringOutcome.WIRED, detail: outcomes.map(t => t.pointer || '/').join(', ') });
          }
          return json;
        });
        // the ConfigMaps (scripts, variables) of the object's namespace, unless it is filtered out or
        // opted out; once per namespace (rendering the metadata to see the opt-out costs)
        const ns = obj.metadata.namespace;
        if (!configMapsAdded.has(ns) && (!options.namespaces || (ns !== undefined && options.namespaces.includes(ns)))) {
          if (!optedOut(obj.metadata.toJson())) {
            wiring._addConfigMaps(obj, ns);
            configMapsAdded.add(ns);
          }
        }
      }
      if (options.namespaces && workloads > 0 && !options.namespaces.some(n => namespacesSeen.has(n))) {
        warnOnce(`wireAll: namespaces [${options.namespaces.join(', ')}] excludes every one of the ${workloads} workload(s) under "${scope.node.path || 'the App'}" (their namespaces: ${Array.from(namespacesSeen).sort().join(', ')}); nothing is wired`);
      }
    };

    const charts = scope instanceof App
      ? scope.charts
      : scope.node.findAll().filter(c => c instanceof Chart).concat(scope.node.scopes.filter(c => c instanceof Chart).slice(-1)) as Chart[];
    if (charts.length === 0) {
      throw new Error(`wireAll: scope "${scope.node.path}" is not an App and not in a Chart; pass the App or a Chart`);
    }
    for (const chart of new Set(charts)) {
      beforeChartSynth(chart, `${key}:${scope.node.path}`, discover);
    }
    return result;
  }

  private constructor() {
  }
}

