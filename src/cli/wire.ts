/**
 * The command-line tool's work, as functions over text: wire a multi-document YAML stream (or a
 * KRM ResourceList) with the library's own manifest entry point (`CaTrust.wireManifests`), check a
 * CA, emit the distribution objects. Nothing here re-implements wiring: the documents' objects go
 * through the same per-object policy and pod-wiring core as `CaTrust.wireAll`, in input order.
 * @internal
 */
import { App, Chart } from 'cdk8s';
import * as YAML from 'yaml';
import { patchDocument, sameValue, valueOfDocument, writeStream } from './yaml-stream';
import { CaSource } from '../bundle/ca-source';
import { OrgCaBundle, OrgCaBundleProps } from '../bundle/org-ca-bundle';
import { wireManifestList } from '../pod/ca-trust';
import { findTemplates } from '../pod/pod-templates';
import { PodTemplateLocation, WireAllOptions } from '../pod/wiring-options';
import { wiringPolicy } from '../pod/wiring-policy';
import { WiringOutcome } from '../pod/wiring-report';

/** How the CA is distributed in the cluster, which decides what pods mount. @internal */
export interface Distribution {
  /** trust-manager Bundle name (its projected ConfigMap), or a plain ConfigMap name. */
  readonly configMapName?: string;
  /** key of the plain ConfigMap; with it, the ConfigMap is a plain one in every namespace */
  readonly configMapKey?: string;
  /** ClusterTrustBundle: the cluster's Kubernetes version */
  readonly ctbKubernetesVersion?: string;
  readonly ctbName?: string;
  readonly ctbAllowBeta?: boolean;
  /** trust-manager Bundle with useDefaultCAs (direct mode needs it) */
  readonly useDefaultCAs?: boolean;
  /** accept RSA keys under 2048 bits */
  readonly allowWeakKeys?: boolean;
}

/** An error that names the document; the command prints it as one line and exits 1. @internal */
export class CliError extends Error {}

/** Summary of a wiring run, for stderr. @internal */
export interface WireSummary {
  readonly documents: number;
  readonly wired: number;
  readonly skipped: number;
  readonly reported: string[];
  /** Every object, in input order, with what happened to it (the command's --report). */
  readonly objects: ObjectReport[];
}

/** One object of the input in the command's --report. @internal */
export interface ObjectReport {
  /** "document #3", "document #2 (List item #1)" */
  readonly document: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  /** A WiringOutcome: WIRED, OPTED_OUT, FILTERED_NAMESPACE, UNKNOWN_POD_TEMPLATE... */
  readonly outcome: string;
  readonly detail: string;
  /** Containers (and init containers) of the object the wiring changed, by name. */
  readonly containers: string[];
  /** Containers the wiring added (its init containers). */
  readonly added: string[];
}

/**
 * The containers (init containers too) of `after`'s pod templates, found where the wiring found
 * them (`paths`), that differ from the same-named container of `before`'s template, and the new ones.
 */
function containersChanged(before: any, after: any, paths: string[]): { changed: string[]; added: string[] } {
  const was = new Map(findTemplates(before, paths).map(t => [t.pointer, t.template.spec ?? {}]));
  const changed = new Set<string>();
  const added = new Set<string>();
  for (const t of findTemplates(after, paths)) {
    const old = was.get(t.pointer) ?? {};
    for (const k of ['initContainers', 'containers']) {
      for (const c of t.template.spec?.[k] ?? []) {
        const same = (old[k] ?? []).find((x: any) => x?.name === c?.name);
        if (!same) added.add(c.name);
        else if (!sameValue(same, c)) changed.add(c.name);
      }
    }
  }
  return { changed: [...changed], added: [...added] };
}

/**
 * The OrgCaBundle props of a distribution: a trust-manager Bundle unless plain ConfigMaps (given a
 * key) or only a ClusterTrustBundle are asked for; plain ConfigMaps in `namespaces`.
 */
export function distributionProps(ca: CaSource, d: Distribution, namespaces: string[] = []): OrgCaBundleProps {
  const noBundle = d.configMapKey !== undefined || (d.ctbKubernetesVersion !== undefined && !d.configMapName);
  const ctb = d.ctbKubernetesVersion !== undefined
    ? { kubernetesVersion: d.ctbKubernetesVersion, name: d.ctbName, allowBeta: d.ctbAllowBeta }
    : undefined;
  return {
    source: ca,
    printWarnings: false,
    allowWeakKeys: d.allowWeakKeys,
    trustManager: noBundle ? { enabled: false } : { name: d.configMapName, useDefaultCAs: d.useDefaultCAs },
    configMaps: d.configMapKey !== undefined && namespaces.length > 0 ? [{ namespaces, name: d.configMapName, key: d.configMapKey }] : undefined,
    clusterTrustBundle: ctb,
  };
}

/** The values of parsed YAML documents (null for empty ones), or a CliError naming the bad one. */
export function valuesOf(docs: YAML.Document.Parsed[], what: string): any[] {
  return docs.map((doc, i) => {
    if (doc.errors.length > 0) {
      throw new CliError(`${what}: document #${i + 1} is not valid YAML (${doc.errors[0].message.split('\n')[0]}); fix or remove it`);
    }
    return valueOfDocument(doc);
  });
}

/**
 * Wires `items` (manifest objects; other values are kept as they are) and returns them in the
 * same order, with a summary. `kind: List` documents are wired inside.
 */
export function wireItems(
  items: any[], ca: CaSource, d: Distribution, options: WireAllOptions,
): { items: any[]; summary: WireSummary } {
  // every object, lists flattened, with where it came from
  const slots: Array<{ doc: number; inList?: number; value: any }> = [];
  items.forEach((value, doc) => {
    const add = (v: any, inList?: number) => {
      const where = `document #${doc + 1}${inList !== undefined ? ` (List item #${inList + 1})` : ''}`;
      if (v !== null && v !== undefined) {
        if (typeof v !== 'object' || Array.isArray(v)) {
          throw new CliError(`${where} is not a mapping (${Array.isArray(v) ? 'a sequence' : typeof v}); a manifest stream holds one object per document`);
        }
        if (!v.apiVersion || !v.kind) {
          throw new CliError(`${where} has no ${!v.apiVersion ? 'apiVersion' : 'kind'}; every manifest object needs apiVersion, kind and metadata.name`);
        }
      }
      slots.push({ doc, inList, value: v });
    };
    if (value && typeof value === 'object' && !Array.isArray(value) && value.kind === 'List' && Array.isArray(value.items)) {
      value.items.forEach((it: any, j: number) => add(it, j));
    } else {
      add(value);
    }
  });
  const objects = slots.map(s => s.value);
  // the distribution only says what pods mount: plain ConfigMaps reach every namespace the objects
  // use, and "default" for objects without one (the user creates them; the command only mounts them)
  const namespaces = d.configMapKey !== undefined
    ? Array.from(new Set<string>(['default', ...objects.map(v => v?.metadata?.namespace).filter(Boolean)]))
    : [];
  const bundle = new OrgCaBundle(new Chart(new App({ outdir: '/tmp' }), 'trust'), 'ca', distributionProps(ca, d, namespaces));
  const docOf = (i: number) => `document #${slots[i].doc + 1}${slots[i].inList !== undefined ? ` (List item #${slots[i].inList! + 1})` : ''}`;
  let wired;
  try {
    wired = wireManifestList(objects, bundle, options, docOf);
  } catch (e) {
    throw new CliError((e as Error).message);
  }
  // put List items back in their lists
  const out: any[] = [];
  wired.manifests.forEach((r, i) => {
    const s = slots[i];
    if (s.inList === undefined) {
      out[s.doc] = r;
    } else {
      out[s.doc] = out[s.doc] ?? { ...items[s.doc], items: [] };
      out[s.doc].items[s.inList] = r;
    }
  });
  items.forEach((v, i) => {
    if (out[i] === undefined) out[i] = v; // an empty List
  });
  const report = wired.report;
  const indexOf = new Map(objects.map((_o, i) => [docOf(i), i]));
  const templatePaths = wiringPolicy(options).templatePaths; // where the wiring looked for pod templates
  const wiredCount = report.filter(e => e.outcome === WiringOutcome.WIRED).length;
  return {
    items: out,
    summary: {
      documents: items.length,
      wired: wiredCount,
      skipped: objects.filter(o => o !== null && o !== undefined).length - wiredCount,
      reported: report.filter(e => e.outcome !== WiringOutcome.WIRED).map(e => `${e.outcome} ${e.kind} ${e.namespace ? `${e.namespace}/` : ''}${e.name}: ${e.detail}`),
      objects: report.map((e): ObjectReport => {
        const i = indexOf.get(e.path) ?? -1;
        const paths = templatePaths.get(e.kind);
        const wiredHere = i >= 0 && paths !== undefined && e.outcome === WiringOutcome.WIRED;
        const c = wiredHere ? containersChanged(objects[i], wired.manifests[i], paths) : { changed: [], added: [] };
        const where = { document: e.path, kind: e.kind, namespace: e.namespace, name: e.name };
        return { ...where, outcome: e.outcome, detail: e.detail, containers: c.changed, added: c.added };
      }),
    },
  };
}

/**
 * Wires a parsed YAML stream (the caller parses `text` once, with `parseStream`); returns the
 * wired stream: documents the wiring leaves alone exactly as they came in, wired ones with only
 * what the wiring changed rewritten (see yaml-stream.ts).
 */
export function wireYaml(
  text: string, docs: YAML.Document.Parsed[], what: string, ca: CaSource, d: Distribution, options: WireAllOptions,
): { yaml: string; summary: WireSummary } {
  const values = valuesOf(docs, what);
  const { items, summary } = wireItems(values, ca, d, options);
  const changed = values.map((v, i) => !sameValue(v, items[i]));
  docs.forEach((doc, i) => {
    if (changed[i]) patchOrFail(doc, values[i], items[i], `${what}: document #${i + 1}`, text.slice(doc.range[0], doc.range[2]));
  });
  return { yaml: writeStream(text, docs, changed), summary };
}

function patchOrFail(doc: YAML.Document, before: any, after: any, what: string, source?: string) {
  try {
    patchDocument(doc, before, after, what, source);
  } catch (e) {
    throw new CliError((e as Error).message);
  }
}

/** A KRM function: a ResourceList in, the same list with its items wired out (only what changed rewritten). */
export function wireResourceList(
  doc: YAML.Document.Parsed, ca: CaSource, d: Distribution, options: WireAllOptions,
): { yaml: string; summary: WireSummary } {
  const list = valueOfDocument(doc);
  const { items, summary } = wireItems(list.items ?? [], ca, d, options);
  const after = { ...list, items };
  if (!sameValue(list, after)) patchOrFail(doc, list, after, 'the ResourceList');
  return { yaml: doc.toString({ lineWidth: 0 }), summary };
}

/** The `podTemplates` option from "apiVersion/Kind=/path,/path" strings. */
export function parsePodTemplates(specs: string[]): PodTemplateLocation[] {
  return specs.map(spec => {
    const m = /^(.+)\/([A-Za-z0-9]+)=(.+)$/.exec(spec);
    if (!m) throw new CliError(`--pod-template "${spec}" is not apiVersion/Kind=/pointer[,/pointer], e.g. argoproj.io/v1alpha1/Rollout=/spec/template`);
    return { apiVersion: m[1], kind: m[2], paths: m[3].split(',') };
  });
}
