import { ApiObject, App, Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { envSourcesOf, ManifestEnvSources } from './env-sources';
import { MergedCaInitContainer } from './merged-ca-init-container';
import { clone, EnvSources } from './pod-wiring';
import { beforeChartSynth, registerWiring, registrationsOf } from './synth-hook';
import { WireAllOptions } from './wiring-options';
import { selectByKind, selectByObject, Verdict, verdictOf, WiringPolicy, wiringPolicy } from './wiring-policy';
import { WiringOutcome, WiringReportEntry } from './wiring-report';
import { OrgCaBundle } from '../bundle/org-ca-bundle';
import { METADATA } from '../util/metadata';
import { warnOnce } from '../util/warnings';

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

/**
 * The result of `CaTrust.wireManifests`.
 */
export interface ManifestWiring {
  /**
   * The manifests in input order: a wired copy of each object that was wired, every other object
   * as it was passed in.
   */
  readonly manifests: any[];

  /** What happened to each object with a pod template, in input order. */
  readonly report: WiringReportEntry[];
}

/**
 * Whole-chart wiring, and the same for plain manifests.
 */
export class CaTrust {
  /** Label or annotation, with value "true", that keeps `wireAll` and `wireManifests` off an object. */
  public static readonly OPT_OUT_KEY = METADATA.OPT_OUT;

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
    const policy = wiringPolicy(options);
    const charts = scope instanceof App
      ? scope.charts
      : scope.node.findAll().filter(c => c instanceof Chart).concat(scope.node.scopes.filter(c => c instanceof Chart).slice(-1)) as Chart[];
    if (charts.length === 0) {
      throw new Error(`wireAll: scope "${scope.node.path}" is not an App and not in a Chart; pass the App or a Chart`);
    }
    const discover = discoverer(scope, wiring, policy, result);
    for (const chart of new Set(charts)) {
      beforeChartSynth(chart, `wire-all:${wiring.initContainerName}:${scope.node.path}`, discover);
    }
    return result;
  }

  /**
   * Wire plain manifest objects (parsed YAML or JSON: a Helm render, vendor manifests) with the
   * same policy as `wireAll`: the kind and namespace filters, the opt-out, unknown kinds reported.
   * Pure: the input is not changed and no construct is created; `bundle` only says what pods
   * mount (its distribution objects are applied separately).
   *
   * @param manifests Kubernetes objects (each with apiVersion, kind and metadata)
   * @param bundle the org CA
   * @param options the wiring and which objects it applies to
   */
  public static wireManifests(manifests: any[], bundle: OrgCaBundle, options: WireAllOptions = {}): ManifestWiring {
    const envSources = new ManifestEnvSources();
    manifests.forEach(m => envSources.add(m));
    const wire = manifestWirer(bundle, options, envSources);
    if (!wire) return { manifests, report: [] };
    const report: WiringReportEntry[] = [];
    const out = manifests.map((m, i) => {
      const r = wire(m, `manifests[${i}]`);
      if (r.entry) report.push(r.entry);
      return r.manifest;
    });
    return { manifests: out, report };
  }

  private constructor() {
  }
}

/**
 * `wireAll`'s discovery, run before each chart renders: every ApiObject under `scope` not seen
 * yet is sorted by kind and registered for wiring on its final JSON.
 */
function discoverer(scope: IConstruct, wiring: MergedCaInitContainer, policy: WiringPolicy, result: CaTrustWiring): () => void {
  const seen = new Set<ApiObject>();
  const namespacesSeen = new Set<string>();
  const slot = `wire-all:${wiring.initContainerName}`;
  const source = `CaTrust.wireAll(${scope.node.path ? `"${scope.node.path}"` : 'the App'})`;
  const id = wiring._identity();
  return () => {
    let workloads = 0;
    for (const c of scope.node.findAll()) {
      if (!ApiObject.isApiObject(c) || seen.has(c)) continue;
      const obj = c as ApiObject;
      seen.add(obj);
      const base = { path: obj.node.path, kind: `${obj.apiVersion}/${obj.kind}`, name: obj.name };
      const byKind = selectByKind(policy, obj.apiVersion, obj.kind, () => obj.toJson(), `${obj.kind} "${obj.name}" (${obj.apiVersion}, ${obj.node.path})`);
      if (!byKind) continue;
      if ('outcome' in byKind) {
        result._record({ ...base, namespace: obj.metadata.namespace, ...byKind });
        continue;
      }
      workloads++;
      namespacesSeen.add(obj.metadata.namespace ?? Chart.of(obj).namespace ?? '(none)');
      registerWiring(obj, slot, { signature: id.signature, source, explicit: false, options: id.options }, json => {
        const record = (v: Verdict) => result._record({ ...base, namespace: json.metadata?.namespace, ...v });
        for (const [other, r] of registrationsOf(obj)) {
          if (r.explicit && other.startsWith('merged-ca:')) {
            record({ outcome: WiringOutcome.WIRED_EXPLICITLY, detail: `wired by ${r.source}, whose options take precedence` });
            return json;
          }
        }
        const skip = selectByObject(policy, json);
        record(skip ?? verdictOf(wiring._wireAt(json, byKind.paths, envSourcesOf(obj))));
        return json;
      });
    }
    if (policy.namespaces && workloads > 0 && !policy.namespaces.some(n => namespacesSeen.has(n))) {
      warnOnce(`wireAll: namespaces [${policy.namespaces.join(', ')}] excludes every one of the ${workloads} workload(s) under "${scope.node.path || 'the App'}" (their namespaces: ${Array.from(namespacesSeen).sort().join(', ')}); nothing is wired`);
    }
  };
}

/** `Kind namespace/name` of a manifest, for messages. */
const nameOf = (m: any) => `${m.kind} ${m.metadata?.namespace ? `${m.metadata.namespace}/` : ''}${m.metadata?.name}`;

/** One manifest through the wiring: the manifest (a wired copy, or the input), and its report entry. @internal */
export interface ManifestResult {
  readonly manifest: any;
  readonly entry?: WiringReportEntry;
}

/**
 * The wiring of one manifest at a time, with `wireManifests`' policy, for callers that see the
 * manifests one by one (the command streams them); `envSources` are the ConfigMaps and Secrets of
 * the whole input. Undefined when the wiring is disabled.
 * @internal
 */
export function manifestWirer(
  bundle: OrgCaBundle, options: WireAllOptions, envSources: EnvSources,
): ((m: any, place: string) => ManifestResult) | undefined {
  const wiring = new MergedCaInitContainer(bundle, options);
  if (!wiring.enabled) return undefined;
  const policy = wiringPolicy(options);
  return (m, place) => {
    if (m === null || typeof m !== 'object' || Array.isArray(m)) return { manifest: m };
    const base = { path: place, kind: `${m.apiVersion}/${m.kind}`, name: m.metadata?.name, namespace: m.metadata?.namespace };
    const byKind = selectByKind(policy, m.apiVersion, m.kind, () => m, `${m.kind} "${m.metadata?.name}" (${m.apiVersion}, ${place})`);
    if (!byKind) return { manifest: m };
    if ('outcome' in byKind) return { manifest: m, entry: { ...base, ...byKind } };
    const skip = selectByObject(policy, m);
    if (skip) return { manifest: m, entry: { ...base, ...skip } };
    // a wired object keeps its key order, without its null values (which Kubernetes reads as unset)
    const json = clone(m);
    let verdict: Verdict;
    try {
      verdict = verdictOf(wiring._wireAt(json, byKind.paths, envSources));
    } catch (e) {
      throw new Error(`${place} (${nameOf(m)}): ${(e as Error).message}`);
    }
    return { manifest: verdict.outcome === WiringOutcome.WIRED ? json : m, entry: { ...base, ...verdict } };
  };
}
