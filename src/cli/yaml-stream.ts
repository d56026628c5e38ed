/**
 * YAML as Kubernetes reads it, and output that changes only what the wiring changed.
 *
 * Kubernetes, kubectl and Helm decode YAML as go-yaml v2 does (`sigs.k8s.io/yaml`): YAML 1.1
 * resolution of plain scalars (`yes`, `on`, `y`, `N` are booleans, `0b101` and `1_000` integers,
 * merge keys `<<` merged, explicit keys winning), timestamps kept as strings. The command parses
 * with those rules, so the wiring sees the values the API server will see, and writes back:
 *
 * - every document the wiring leaves alone as the exact text it came in (comments, quoting,
 *   integers above 2^53, tags and all);
 * - a wired document without comments (but those above it), anchors, aliases, tags or directives,
 *   whose numbers JavaScript holds exactly, written anew from its value (`writeAnew`: block style,
 *   strings plain only where YAML 1.1 reads them as the same string), its `---` line and leading
 *   comments kept;
 * - any other wired document as its own syntax tree with only the changed nodes replaced: untouched
 *   scalars keep their source form, and new strings are quoted wherever YAML 1.1 would read them as
 *   something else. Aliases in a wired document are expanded first (so wiring one use of an anchor
 *   never changes another), and a key present only through a merge key becomes an explicit key
 *   holding the merged value plus the wiring's additions, which is what Kubernetes then reads.
 *
 * What cannot be written back without changing a value's meaning is refused with an error naming
 * the document: a `%YAML` directive other than 1.1 and explicit tags outside the core ones, in a
 * document the wiring changes.
 * @internal
 */
import * as YAML from 'yaml';

/** YAML 1.1, as go-yaml v2 resolves it: timestamps stay strings, big integers keep every digit. */
const PARSE: YAML.ParseOptions & YAML.DocumentOptions & YAML.SchemaOptions = {
  version: '1.1',
  intAsBigInt: true,
  merge: true,
  customTags: (tags: YAML.Tags) => tags.filter(t => (t as any).tag !== 'tag:yaml.org,2002:timestamp'),
};

/** Core tags a document may carry and still be rewritten with the same meaning. */
const CORE_TAGS = new Set(['str', 'int', 'float', 'bool', 'null', 'map', 'seq'].map(t => `tag:yaml.org,2002:${t}`));

/** Parses a stream as Kubernetes decodes it (YAML 1.1, see above). */
export function parseStream(text: string): YAML.Document.Parsed[] {
  return YAML.parseAllDocuments(text, PARSE) as YAML.Document.Parsed[];
}

/** The value of a document as Kubernetes reads it; integers beyond 2^53 are numbers here (their text is kept). */
export function valueOfDocument(doc: YAML.Document): any {
  return doc.toJS({ reviver: (_k: unknown, v: unknown) => (typeof v === 'bigint' ? Number(v) : v), maxAliasCount: 10_000 });
}

/** Structural equality of parsed values (plain objects, arrays, scalars, bytes). */
export function sameValue(a: any, b: any): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return Number.isNaN(a) && Number.isNaN(b);
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    return a instanceof Uint8Array && b instanceof Uint8Array && Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;
  }
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every(k => Object.prototype.hasOwnProperty.call(b, k) && sameValue(a[k], b[k]));
}

/**
 * Rewrites `doc` so that it reads as `after` (its value was `before`), changing only what differs.
 * `what` names the document in errors.
 */
export function patchDocument(doc: YAML.Document, before: any, after: any, what: string, source?: string): void {
  const version = doc.directives?.yaml;
  if (version?.explicit && version.version !== '1.1') {
    throw new Error(`${what} has a "%YAML ${version.version}" directive, but Kubernetes decodes every document as YAML 1.1, so the values the command would write back could read differently; remove the directive`);
  }
  // a tag starts with "!" and an alias with "*": a document whose text has neither needs no walk
  let aliases = 0;
  if (source === undefined || /[!*]/.test(source)) {
    YAML.visit(doc, {
      Alias: () => void aliases++,
      Node(_key, node) {
        const tag = (node as YAML.Scalar).tag;
        if (tag && !CORE_TAGS.has(tag) && !(YAML.isScalar(node) && tag === '!')) {
          throw new Error(`${what} has a value tagged "${tag}", which the command cannot write back with the same meaning once it changes the document; write the value without the tag`);
        }
      },
    });
  }
  if (aliases > 0) expandAliases(doc);
  doc.contents = patchNode(doc, doc.contents, before, after) as any;
}

/** Replaces every alias of `doc` by a copy of what it points at; anchors are dropped. */
function expandAliases(doc: YAML.Document): void {
  // a copy may hold aliases of its own: repeat until none is left
  for (let expanded = true; expanded;) {
    expanded = false;
    YAML.visit(doc, {
      Alias(_key, alias) {
        const target = alias.resolve(doc);
        if (!target) throw new Error(`the alias *${alias.source} points at no anchor`);
        expanded = true;
        return (target as YAML.Node).clone() as YAML.Node;
      },
    });
  }
  YAML.visit(doc, {
    Node(_key, node) {
      if ((node as any).anchor) delete (node as any).anchor;
    },
  });
}

const isPlainObject = (v: any) => v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array);

/** The key of a map pair as Kubernetes reads it (go-yaml v2 keys become JSON strings). */
const keyOf = (pair: YAML.Pair) => String(YAML.isScalar(pair.key) ? pair.key.value : pair.key);

function patchNode(doc: YAML.Document, node: unknown, before: any, after: any): unknown {
  if (sameValue(before, after)) return node;
  if (YAML.isMap(node) && isPlainObject(before) && isPlainObject(after)) {
    for (const [k, v] of Object.entries(after)) {
      const pair = node.items.find(p => keyOf(p) === k && keyOf(p) !== '<<');
      if (pair) {
        pair.value = patchNode(doc, pair.value, before[k], v) as any;
      } else if (!(k in before) || !sameValue(before[k], v)) {
        // a new key, or one present only through a merge key: an explicit key wins in Kubernetes too
        node.items.push(doc.createPair(k, v) as YAML.Pair);
      }
    }
    for (const k of Object.keys(before)) {
      if (k in after) continue;
      const i = node.items.findIndex(p => keyOf(p) === k);
      if (i < 0) throw new Error(`cannot remove "${k}": it comes from a merge key`);
      node.items.splice(i, 1);
    }
    return node;
  }
  if (YAML.isSeq(node) && Array.isArray(before) && Array.isArray(after)) {
    const used = new Set<number>();
    const identity = (v: any) => (isPlainObject(v) && typeof v.name === 'string' ? `${v.name}\u0000${v.mountPath ?? ''}` : undefined);
    const items = after.map((v, j) => {
      // the same item, the item with the same name (containers, env, volumes, mounts), or the same position
      let i = before.findIndex((b, n) => !used.has(n) && sameValue(b, v));
      if (i < 0 && identity(v) !== undefined) i = before.findIndex((b, n) => !used.has(n) && identity(b) === identity(v));
      if (i < 0 && before.length === after.length && !used.has(j)) i = j;
      if (i < 0) return doc.createNode(v);
      used.add(i);
      return patchNode(doc, node.items[i], before[i], v);
    });
    node.items = items as any;
    return node;
  }
  return doc.createNode(after);
}

/**
 * Drops the comments the parser attached to `doc` that stand before its start: on the document,
 * and, in a document without a `---` line, on its contents and their first item.
 */
function dropLeadingComments(doc: YAML.Document.Parsed, start: number): void {
  doc.commentBefore = null;
  const c = doc.contents;
  if (!YAML.isNode(c) || c.range?.[0] !== start) return;
  c.commentBefore = undefined;
  const first = YAML.isCollection(c) ? c.items[0] : undefined;
  if (YAML.isPair(first) && YAML.isNode(first.key)) first.key.commentBefore = undefined;
  else if (YAML.isNode(first)) first.commentBefore = undefined;
}

/**
 * The output stream: each document whose value did not change as the exact text it came in, each
 * changed one as its patched tree (or, where `changed[i]` is text, as that text: `writeAnew`), in
 * input order, with the text between documents kept.
 */
export function writeStream(text: string, docs: YAML.Document.Parsed[], changed: Array<boolean | string>): string {
  let out = '';
  let prev = 0;
  docs.forEach((doc, i) => {
    const [start, , end] = doc.range;
    if (!changed[i]) {
      out += text.slice(prev, end);
    } else if (typeof changed[i] === 'string') {
      out += text.slice(prev, start) + changed[i]; // written anew (writeAnew)
    } else {
      const prefix = text.slice(prev, start);
      // a comment before the document's range is in the prefix already
      if (prefix.trim() !== '') dropLeadingComments(doc, start);
      out += prefix + doc.toString({ lineWidth: 0 });
    }
    prev = end;
  });
  return out + text.slice(prev);
}

/**
 * A wired document written anew from its value, `after`, when that cannot change what anything in
 * it means or drop a comment: the document's own text up to its contents (the `---` line and the
 * comments above the first key) is kept, and the mapping is written in block style, every string
 * plain only where YAML 1.1 reads it as that string, else double-quoted (or a literal block for
 * multi-line text). Undefined (the caller patches the syntax tree instead) for a document with a
 * directive, a tag, an anchor or alias, a comment after its start, a non-mapping value, or a
 * number JavaScript does not hold exactly. Much faster than patching and writing the tree.
 */
export function writeAnew(doc: YAML.Document.Parsed, text: string, after: any): string | undefined {
  const [start, , end] = doc.range;
  const contents = doc.contents as YAML.Node | null;
  if (!YAML.isMap(contents) || !contents.range || !isPlainObject(after)) return undefined;
  if (doc.directives?.yaml?.explicit || Object.keys(doc.directives?.tags ?? {}).some(h => h !== '!!' && h !== '!')) return undefined;
  const body = text.slice(contents.range[0], end);
  // tags, anchors, aliases; comments (a "#" anywhere, strings too: those documents are patched)
  if (/[!&*#]/.test(body)) return undefined;
  const lines: string[] = [];
  if (!blockMap(after, '', lines)) return undefined;
  return `${text.slice(start, contents.range[0])}${lines.join('\n')}\n`;
}

/** Strings YAML 1.1 resolves to something else when plain (booleans, null), besides numbers. */
const YAML11_WORDS = /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL)$/;
/** A plain scalar that YAML 1.1 reads as this string: starts with a letter, "_" or "/", no ": " or " #". */
const PLAIN = /^[A-Za-z_/][A-Za-z0-9_./-]*$/;

/** A scalar as YAML 1.1 text, or undefined when the value is not one this writer keeps exact. */
function scalar(v: unknown): string | undefined {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'number') {
    if (Number.isSafeInteger(v)) return String(v);
    return Number.isFinite(v) && /^-?\d+\.\d+$/.test(String(v)) ? String(v) : undefined;
  }
  if (typeof v !== 'string') return undefined;
  if (PLAIN.test(v) && !YAML11_WORDS.test(v)) return v;
  // JSON's string syntax is YAML's double-quoted scalar, once the characters YAML 1.1 reads as line
  // breaks (NEL, LS, PS) or does not allow unescaped (DEL, C1 controls, BOM) are escaped too
  return JSON.stringify(v).replace(/[\u007f-\u009f\u2028\u2029\ufeff]/g, c => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A literal block (`|` or `|-`) for multi-line text it keeps exactly, else undefined. */
function literalBlock(v: string, indent: string): string | undefined {
  const trimmed = v.endsWith('\n') ? v.slice(0, -1) : v;
  // one final line break at most; the first line must set the indentation; no line of blanks only
  if (trimmed.endsWith('\n') || /^[ \t]/.test(trimmed) || /[\r\u0085\u2028\u2029\ufeff\u0000-\u0008\u000b-\u001f\u007f-\u009f]/.test(trimmed)) return undefined;
  const lines = trimmed.split('\n');
  if (lines.some(l => l !== '' && /^[ \t]*$/.test(l))) return undefined;
  return `${v.endsWith('\n') ? '|' : '|-'}\n${lines.map(l => (l === '' ? '' : `${indent}${l}`)).join('\n')}`;
}

/** A value after "key:" or "- ": inline text, or undefined when not writable here. */
function inline(v: any, indent: string): string | undefined {
  if (typeof v === 'string' && v.includes('\n')) return literalBlock(v, `${indent}  `) ?? scalar(v);
  if (Array.isArray(v) && v.length === 0) return '[]';
  if (isPlainObject(v) && Object.keys(v).length === 0) return '{}';
  return scalar(v);
}

/** Writes the mapping `m` at `indent` into `out`; false when a value is not one this writer keeps exact. */
function blockMap(m: Record<string, any>, indent: string, out: string[]): boolean {
  for (const [k, v] of Object.entries(m)) {
    const key = scalar(k);
    if (key === undefined || key.includes('\n')) return false;
    if (isPlainObject(v) && Object.keys(v).length > 0) {
      out.push(`${indent}${key}:`);
      if (!blockMap(v, `${indent}  `, out)) return false;
    } else if (Array.isArray(v) && v.length > 0) {
      out.push(`${indent}${key}:`);
      if (!blockSeq(v, indent, out)) return false;
    } else {
      const text = inline(v, indent);
      if (text === undefined) return false;
      out.push(`${indent}${key}: ${text}`);
    }
  }
  return true;
}

/** Writes the sequence `a` with its "- " at `indent` into `out`. */
function blockSeq(a: any[], indent: string, out: string[]): boolean {
  for (const v of a) {
    if (isPlainObject(v) && Object.keys(v).length > 0) {
      const at = out.length;
      if (!blockMap(v, `${indent}  `, out)) return false;
      out[at] = `${indent}- ${out[at].slice(indent.length + 2)}`;
    } else if (Array.isArray(v) && v.length > 0) {
      return false; // a list of lists: not in Kubernetes objects; the tree is patched instead
    } else {
      const text = inline(v, `${indent}  `);
      if (text === undefined) return false;
      out.push(`${indent}- ${text}`);
    }
  }
  return true;
}
