/* The library's public API read from its TypeScript sources (not from .jsii, which only the
 * compile step writes: `npm test` on a fresh clone must not need it). */
import * as path from 'node:path';
import * as ts from 'typescript';

let program: ts.Program | undefined;

function load(): { checker: ts.TypeChecker; exports: Map<string, ts.Symbol> } {
  program = program ?? ts.createProgram([path.resolve(__dirname, '..', '..', 'src', 'index.ts')], {
    target: ts.ScriptTarget.ES2020, module: ts.ModuleKind.CommonJS, strict: true, noEmit: true,
  });
  const checker = program.getTypeChecker();
  const index = program.getSourceFile(path.resolve(__dirname, '..', '..', 'src', 'index.ts'))!;
  const mod = checker.getSymbolAtLocation(index)!;
  const exports = new Map(checker.getExportsOfModule(mod).map(s => [s.getName(), s]));
  return { checker, exports };
}

/** Names of every property of an exported interface, inherited ones included, sorted. */
export function propsOf(name: string): string[] {
  const { checker, exports } = load();
  const sym = exports.get(name);
  if (!sym) throw new Error(`${name} is not exported from src/index.ts`);
  // eslint-disable-next-line no-bitwise
  const target = (sym.flags & ts.SymbolFlags.Alias) !== 0 ? checker.getAliasedSymbol(sym) : sym;
  return checker.getPropertiesOfType(checker.getDeclaredTypeOfSymbol(target)).map(p => p.getName()).sort();
}

/** Names of the exported symbols of src/index.ts. */
export function exportedNames(): string[] {
  return Array.from(load().exports.keys()).sort();
}
