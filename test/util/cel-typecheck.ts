/* Type-checks CEL with a second implementation (test/util/cel-check.mjs, @marcbachmann/cel-js). */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

/** `JSONPatch{op: A, path: B, value: C}` → `JSONPatch(A, B, "", C)`, brackets and strings respected. */
export function structsToCalls(expr: string): string {
  let out = '';
  let i = 0;
  while (i < expr.length) {
    const at = expr.indexOf('JSONPatch{', i);
    if (at < 0) return out + expr.slice(i);
    out += expr.slice(i, at);
    let j = at + 'JSONPatch{'.length;
    const fields: string[] = [];
    let depth = 0;
    let start = j;
    for (; j < expr.length; j++) {
      const ch = expr[j];
      if (ch === '"') {
        for (j++; expr[j] !== '"'; j++) if (expr[j] === '\\') j++;
      } else if ('([{'.includes(ch)) {
        depth++;
      } else if (')]}'.includes(ch)) {
        if (depth === 0) break;
        depth--;
      } else if (ch === ',' && depth === 0) {
        fields.push(expr.slice(start, j));
        start = j + 1;
      }
    }
    fields.push(expr.slice(start, j));
    const byName: Record<string, string> = {};
    for (const f of fields.map(x => x.trim()).filter(Boolean)) {
      const m = /^(op|path|from|value)\s*:\s*([\s\S]*)$/.exec(f);
      if (!m) throw new Error(`JSONPatch field "${f}" is not op, path, from or value`);
      byName[m[1]] = structsToCalls(m[2]);
    }
    out += `JSONPatch(${byName.op ?? '""'}, ${byName.path ?? '""'}, ${byName.from ?? '""'}, ${byName.value ?? 'dyn(null)'})`;
    i = j + 1;
  }
  return out;
}

export interface TypeCheck {
  readonly where: string;
  readonly valid: boolean;
  readonly type?: string;
  readonly error?: string;
}

/** Type-checks each expression (JSONPatch constructions rewritten as calls). */
export function typeCheck(exprs: Array<{ where: string; expr: string }>): TypeCheck[] {
  const input = JSON.stringify(exprs.map(e => ({ where: e.where, expr: structsToCalls(e.expr) })));
  return JSON.parse(execFileSync(process.execPath, [path.join(__dirname, 'cel-check.mjs')], { input, maxBuffer: 64 * 1024 * 1024 }).toString());
}
