/* Every TypeScript block of README type-checks against the library as it is (the quick start also
 * runs, from the packed package: test/package/quick-start.test.ts). A block's free names (`chart`,
 * `ca`, a user's own values) are declared `any`; everything it calls on the library is checked. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';
import * as lib from '../../src';

const ROOT = path.join(__dirname, '..', '..');
const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const BLOCKS = [...README.matchAll(/```ts\n([\s\S]*?)```/g)].map(m => m[1]);

/** The names a block imports itself. */
function importedNames(code: string): Set<string> {
  const names = new Set<string>();
  for (const m of code.matchAll(/import\s*\{([^}]*)\}\s*from/g)) for (const n of m[1].split(',')) names.add(n.trim().split(/\s+as\s+/).pop()!);
  for (const m of code.matchAll(/import\s+\*\s+as\s+(\w+)/g)) names.add(m[1]);
  return names;
}

/** A block as a module: its own imports (the package name mapped to src/), then the library's and cdk8s' names it does not import. */
function asModule(code: string, declared: string[]): string {
  const own = importedNames(code);
  const exported = Object.keys(lib).filter(n => !own.has(n));
  const cdk8s = ['ApiObject', 'App', 'Chart', 'Include', 'Testing'].filter(n => !own.has(n));
  const src = path.join(ROOT, 'src').replace(/\\/g, '/');
  return [
    `import { ${exported.join(', ')} } from '${src}';`,
    `import { ${cdk8s.join(', ')} } from 'cdk8s';`,
    ...declared.map(n => `declare const ${n}: any;`),
    code.replace(/from 'cdk8s-org-ca'/g, `from '${src}'`),
    'export {};',
  ].join('\n');
}

const OPTIONS: ts.CompilerOptions = {
  strict: true, noEmit: true, target: ts.ScriptTarget.ES2020, module: ts.ModuleKind.CommonJS, esModuleInterop: true, skipLibCheck: true, types: ['node'],
};

/** Type-checks one block; free names are declared and the check repeated. Returns the remaining errors. */
function check(code: string, index: number): string[] {
  const file = path.join(ROOT, 'test', 'readme', `.snippet-${process.pid}-${index}.ts`);
  const declared: string[] = [];
  try {
    for (let round = 0; round < 6; round++) {
      fs.writeFileSync(file, asModule(code, declared));
      const program = ts.createProgram([file], OPTIONS);
      const diags = ts.getPreEmitDiagnostics(program).filter(d => d.file?.fileName === file);
      const free = diags.filter(d => [2304, 2552, 18004].includes(d.code)).map(d => /'([^']+)'/.exec(ts.flattenDiagnosticMessageText(d.messageText, '\n'))![1]);
      if (free.length === 0) {
        return diags.filter(d => d.code !== 6133).map(d => `block #${index + 1}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`);
      }
      declared.push(...new Set(free));
    }
    return [`block #${index + 1}: too many free names`];
  } finally {
    fs.rmSync(file, { force: true });
  }
}

test('README has TypeScript blocks, and each type-checks against the library', () => {
  expect(BLOCKS.length).toBeGreaterThanOrEqual(10);
  const errors = BLOCKS.flatMap((b, i) => check(b, i));
  expect(errors).toEqual([]);
}, 600_000);

test('the check is real: a block calling a method that does not exist fails', () => {
  expect(check("const ca = new OrgCaBundle(chart, 'ca', { source: CaSource.fromPem(pem) });\nca.noSuchMethod();", 999).join('\n')).toMatch(/noSuchMethod/);
}, 120_000);
