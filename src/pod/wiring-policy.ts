/**
 * The per-object policy of whole-chart wiring, shared by `CaTrust.wireAll` (cdk8s objects, at
 * synth time) and `CaTrust.wireManifests` (plain manifests): which kinds carry pod templates and
 * where, the kind and namespace filters, the opt-out, and what the report says of each object.
 * Data in, data out: nothing here knows a construct.
 *
 * @internal
 */
import { BUILTIN_TEMPLATE_PATHS, KINDS_WITHOUT_POD_TEMPLATES, sniffPodTemplate } from './pod-templates';
import { TemplateOutcome } from './pod-wiring';
import { WireAllOptions } from './wiring-options';
import { WiringOutcome } from './wiring-report';
import { METADATA } from '../util/metadata';
import { checkPointer } from '../util/validate';
import { warn } from '../util/warnings';

/** The options of whole-chart wiring, checked once. @internal */
export interface WiringPolicy {
  /** Pod template pointers by `apiVersion/kind`: the built-in kinds and `podTemplates`. */
  readonly templatePaths: ReadonlyMap<string, string[]>;
  readonly kinds?: string[];
  readonly namespaces?: string[];
  readonly failOnUnknownKinds: boolean;
}

/** A report line's outcome and detail. @internal */
export interface Verdict {
  readonly outcome: WiringOutcome;
  readonly detail: string;
}

/** Checks the whole-chart options (podTemplates, kinds) and returns the policy. @internal */
export function wiringPolicy(options: WireAllOptions): WiringPolicy {
  if (options.podTemplatePaths !== undefined) {
    throw new Error('podTemplatePaths is for one wiring (MergedCaInitContainer); whole-chart wiring takes podTemplates: [{ apiVersion, kind, paths }], per kind');
  }
  const templatePaths = new Map<string, string[]>(Object.entries(BUILTIN_TEMPLATE_PATHS));
  for (const loc of options.podTemplates ?? []) {
    if (!loc.paths || loc.paths.length === 0) throw new Error(`podTemplates ${loc.apiVersion}/${loc.kind}: paths is empty`);
    loc.paths.forEach(p => checkPointer(p, `podTemplates ${loc.apiVersion}/${loc.kind}`));
    templatePaths.set(`${loc.apiVersion}/${loc.kind}`, loc.paths);
  }
  const knownKinds = new Set(Array.from(templatePaths.keys()).map(k => k.slice(k.lastIndexOf('/') + 1)));
  for (const k of options.kinds ?? []) {
    if (!knownKinds.has(k)) {
      throw new Error(`wireAll: kinds lists "${k}", which is neither a built-in kind nor declared in podTemplates (known: ${Array.from(knownKinds).sort().join(', ')}); kinds are Kubernetes kind names, case-sensitive`);
    }
  }
  return { templatePaths, kinds: options.kinds, namespaces: options.namespaces, failOnUnknownKinds: options.failOnUnknownKinds ?? false };
}

/**
 * The first step, from the object's kind: its pod template pointers, or the report line of an
 * object that is not wired for its kind (filtered; an unknown kind that looks like it has a pod
 * template, which is a warning, or an error with `failOnUnknownKinds`), or undefined for an object
 * without pod templates (no report line). `render` gives the object's JSON, asked for only for
 * unknown kinds; `where` names it (`Kind "name" (apiVersion, place)`).
 * @internal
 */
export function selectByKind(
  policy: WiringPolicy, apiVersion: string, kind: string, render: () => any, where: string,
): { readonly paths: string[] } | Verdict | undefined {
  const type = `${apiVersion}/${kind}`;
  const paths = policy.templatePaths.get(type);
  if (!paths) {
    if (KINDS_WITHOUT_POD_TEMPLATES.has(type)) return undefined;
    const guess = sniffPodTemplate(render());
    if (guess === undefined) return undefined;
    const msg = `${where} looks like it has a pod template at "${guess}" but its kind is unknown: not wired. Pass podTemplates: [{ apiVersion: "${apiVersion}", kind: "${kind}", paths: ["${guess}"] }] to wire it, or label it ${METADATA.OPT_OUT}: "true"`;
    if (policy.failOnUnknownKinds) throw new Error(msg);
    warn(msg);
    return { outcome: WiringOutcome.UNKNOWN_POD_TEMPLATE, detail: guess };
  }
  if (policy.kinds && !policy.kinds.includes(kind)) {
    return { outcome: WiringOutcome.FILTERED_KIND, detail: `kinds: ${policy.kinds.join(', ')}` };
  }
  return { paths };
}

/** Whether rendered metadata opts its object out of whole-chart wiring (label or annotation). @internal */
export function optedOut(metadata: any): boolean {
  const md = metadata ?? {};
  return md.labels?.[METADATA.OPT_OUT] === 'true' || md.annotations?.[METADATA.OPT_OUT] === 'true';
}

/** Whether the namespace filter admits `namespace` (objects without one never match a filter). @internal */
export function admitsNamespace(policy: WiringPolicy, namespace: string | undefined): boolean {
  return !policy.namespaces || (namespace !== undefined && policy.namespaces.includes(namespace));
}

/**
 * The second step, on the object's final JSON: the report line of an object opted out or outside
 * the namespace filter, or undefined when it is to be wired.
 * @internal
 */
export function selectByObject(policy: WiringPolicy, json: any): Verdict | undefined {
  if (optedOut(json.metadata)) return { outcome: WiringOutcome.OPTED_OUT, detail: `${METADATA.OPT_OUT}: "true"` };
  if (!admitsNamespace(policy, json.metadata?.namespace)) {
    return { outcome: WiringOutcome.FILTERED_NAMESPACE, detail: `namespaces: ${policy.namespaces!.join(', ')}` };
  }
  return undefined;
}

/** The report line of a wired object, from the outcome of each of its pod templates. @internal */
export function verdictOf(templates: Array<{ pointer: string; outcome: TemplateOutcome }>): Verdict {
  const wired = templates.filter(t => t.outcome === TemplateOutcome.WIRED);
  if (wired.length > 0) return { outcome: WiringOutcome.WIRED, detail: templates.map(t => t.pointer || '/').join(', ') };
  if (templates.some(t => t.outcome === TemplateOutcome.WINDOWS)) {
    return { outcome: WiringOutcome.WINDOWS, detail: 'Windows pod (nodeSelector kubernetes.io/os: windows): the merge needs /bin/sh; not wired' };
  }
  return { outcome: WiringOutcome.NO_CONTAINERS, detail: 'no containers' };
}
