/**
 * The command-line tool's work, as functions over text: wire a multi-document YAML stream (or a
 * KRM ResourceList) with the library's own manifest entry point (`CaTrust.wireManifests`), check a
 * CA, emit the distribution objects. Nothing here re-implements wiring: the documents' objects go
 * through the same per-object policy and pod-wiring core as `CaTrust.wireAll`, in input order.
 * @internal
 */
import { App, Chart } from 'cdk8s';
import * as YAML from 'yaml';
import { parseStream, patchDocument, sameValue, valueOfDocument, writeAnew, writeStream } from './yaml-stream';
import { CaSource } from '../bundle/ca-source';
import { OrgCaBundle, OrgCaBundleProps } from '../bundle/org-ca-bundle';
import { manifestWirer } from '../pod/ca-trust';
import { ManifestEnvSources } from '../pod/env-sources';
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
  /** the trust-manager Bundle's PKCS#12 target key (what `--java pkcs12` mounts) */
  readonly pkcs12Key?: string;
  /** its password */
  readonly pkcs12Password?: string;
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
    trustManager: noBundle ? { enabled: false } : {
      name: d.configMapName,
      useDefaultCAs: d.useDefaultCAs,
      pkcs12: d.pkcs12Key !== undefined ? { key: d.pkcs12Key, password: d.pkcs12Password } : undefined,
    },
    configMaps: d.configMapKey !== undefined && namespaces.length > 0 ? [{ namespaces, name: d.configMapName, key: d.configMapKey }] : undefined,
    clusterTrustBundle: ctb,
  };
}

/** The values of parsed YAML documents (null for empty ones), or a CliError naming the bad one. */
export function valuesOf(docs: YAML.Document.Parsed[], what: string, first = 0): any[] {
  return docs.map((doc, i) => {
    if (doc.errors.length > 0) {
      throw new CliError(`${what}: document #${first + i + 1} is not valid YAML (${doc.errors[0].message.split('\n')[0]}); fix or remove it`);
    }
    return valueOfDocument(doc);
  });
}

/**
 * What wiring needs to know of the whole input before it wires any document: the ConfigMaps and
 * Secrets `envFrom` reads, and (plain ConfigMaps) every namespace the objects use. The command
 * collects them in a first pass, parsing only the documents that can hold them.
 * @internal
 */
export class StreamFacts {
  public readonly envSources = new ManifestEnvSources();
  /** namespaces the objects use, and "default" for objects without one */
  public readonly namespaces = new Set<string>(['default']);
  private readonly relevant: RegExp;

  constructor(private readonly d: Distribution) {
    // a ConfigMap, Secret or List names its kind in the text, unless through an escape, an alias or a tag
    this.relevant = d.configMapKey !== undefined ? /\b(ConfigMap|Secret|List)\b|namespace|[\\*!]/ : /\b(ConfigMap|Secret|List)\b|[\\*!]/;
  }

  /** Whether a piece of the input may hold something this keeps (else it need not be parsed). */
  public mayMatter(text: string): boolean {
    return this.relevant.test(text);
  }

  /** Keeps what `value` (a document's value) holds, List items included. */
  public add(value: any): void {
    for (const v of listItems(value) ?? [value]) {
      if (v === null || typeof v !== 'object') continue;
      this.envSources.add(v);
      if (this.d.configMapKey !== undefined && typeof v.metadata?.namespace === 'string') this.namespaces.add(v.metadata.namespace);
    }
  }
}

/** The items of a `kind: List` document, or undefined for any other value. */
const listItems = (value: any): any[] | undefined =>
  (value && typeof value === 'object' && !Array.isArray(value) && value.kind === 'List' && Array.isArray(value.items) ? value.items : undefined);

/**
 * The wiring of a stream, one document at a time, with what it did so far (the summary).
 * `report`: keep every object's outcome and the containers the wiring changed (for --report;
 * without it the summary holds counts and the objects left alone, so memory does not grow with
 * the stream).
 * @internal
 */
export class DocumentWiring {
  private readonly wire: ReturnType<typeof manifestWirer>;
  private readonly templatePaths: ReadonlyMap<string, string[]>;
  private documents = 0;
  private wired = 0;
  private objectCount = 0;
  private readonly reported: string[] = [];
  private readonly objects: ObjectReport[] = [];

  constructor(ca: CaSource, d: Distribution, options: WireAllOptions, facts: StreamFacts, private readonly report: boolean) {
    // the distribution only says what pods mount: plain ConfigMaps reach every namespace the objects
    // use, and "default" for objects without one (the user creates them; the command only mounts them)
    const namespaces = d.configMapKey !== undefined ? Array.from(facts.namespaces) : [];
    const bundle = new OrgCaBundle(new Chart(new App({ outdir: '/tmp' }), 'trust'), 'ca', distributionProps(ca, d, namespaces));
    try {
      this.wire = manifestWirer(bundle, options, facts.envSources);
    } catch (e) {
      throw new CliError((e as Error).message);
    }
    this.templatePaths = wiringPolicy(options).templatePaths; // where the wiring looks for pod templates
  }

  /** Wires the value of the next document (`kind: List` items inside); returns the new value. */
  public wireDocument(value: any): any {
    const doc = ++this.documents;
    const items = listItems(value);
    if (!items) return this.wireObject(value, `document #${doc}`);
    const out = items.map((v, j) => this.wireObject(v, `document #${doc} (List item #${j + 1})`));
    return out.every((v, j) => v === items[j]) ? value : { ...value, items: out };
  }

  private wireObject(v: any, where: string): any {
    if (v === null || v === undefined) return v;
    if (typeof v !== 'object' || Array.isArray(v)) {
      throw new CliError(`${where} is not a mapping (${Array.isArray(v) ? 'a sequence' : typeof v}); a manifest stream holds one object per document`);
    }
    if (!v.apiVersion || !v.kind) {
      throw new CliError(`${where} has no ${!v.apiVersion ? 'apiVersion' : 'kind'}; every manifest object needs apiVersion, kind and metadata.name`);
    }
    this.objectCount++;
    if (!this.wire) return v;
    let r;
    try {
      r = this.wire(v, where);
    } catch (e) {
      throw new CliError((e as Error).message);
    }
    const e = r.entry;
    if (!e) return r.manifest;
    if (e.outcome === WiringOutcome.WIRED) this.wired++;
    else this.reported.push(`${e.outcome} ${e.kind} ${e.namespace ? `${e.namespace}/` : ''}${e.name}: ${e.detail}`);
    if (this.report) {
      const paths = this.templatePaths.get(e.kind);
      const c = paths !== undefined && e.outcome === WiringOutcome.WIRED ? containersChanged(v, r.manifest, paths) : { changed: [], added: [] };
      const object = { document: e.path, kind: e.kind, namespace: e.namespace, name: e.name };
      this.objects.push({ ...object, outcome: e.outcome, detail: e.detail, containers: c.changed, added: c.added });
    }
    return r.manifest;
  }

  public summary(): WireSummary {
    return {
      documents: this.documents,
      wired: this.wired,
      skipped: this.objectCount - this.wired,
      reported: this.reported,
      objects: this.objects,
    };
  }
}

/** Wires `items` (manifest objects; `kind: List` documents are wired inside) and returns them in the same order, with a summary. */
export function wireItems(
  items: any[], ca: CaSource, d: Distribution, options: WireAllOptions, report = true,
): { items: any[]; summary: WireSummary } {
  const facts = new StreamFacts(d);
  items.forEach(v => facts.add(v));
  const wiring = new DocumentWiring(ca, d, options, facts, report);
  const out = items.map(v => wiring.wireDocument(v));
  return { items: out, summary: wiring.summary() };
}

/**
 * Wires a YAML stream, given as the pieces `documentPieces` cuts it into (`pieces()` is called
 * twice: a first pass collects what the wiring needs of the whole input, the second wires), and
 * writes the wired stream to `out`: documents the wiring leaves alone exactly as they came in,
 * wired ones with only what the wiring changed rewritten (see yaml-stream.ts). Memory is bounded by
 * the largest document, not the stream.
 */
export function wireStream(
  pieces: () => Iterable<string>, what: string, ca: CaSource, d: Distribution, options: WireAllOptions, out: (s: string) => void, report = false,
): WireSummary {
  const facts = new StreamFacts(d);
  for (const piece of pieces()) {
    if (!facts.mayMatter(piece)) continue;
    const docs = parseStream(piece);
    // a document that does not parse is reported by the second pass, with its number
    if (docs.every(doc => doc.errors.length === 0)) docs.forEach(doc => facts.add(valueOfDocument(doc)));
  }
  const wiring = new DocumentWiring(ca, d, options, facts, report);
  let first = 0;
  for (const piece of pieces()) {
    const docs = parseStream(piece);
    const values = valuesOf(docs, what, first);
    first += docs.length;
    const changed = values.map(v => {
      const after = wiring.wireDocument(v);
      // an object wired before comes out of the wiring equal, not the same: it is left as it came in
      return after === v || sameValue(v, after) ? undefined : after;
    });
    const written = docs.map((doc, i) => {
      if (changed[i] === undefined) return false;
      // written anew where that keeps every meaning and comment (fast), else the syntax tree patched
      const anew = writeAnew(doc, piece, changed[i]);
      if (anew !== undefined) return anew;
      patchOrFail(doc, values[i], changed[i], `${what}: document #${first - docs.length + i + 1}`, piece.slice(doc.range[0], doc.range[2]));
      return true;
    });
    out(writeStream(piece, docs, written));
  }
  return wiring.summary();
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
