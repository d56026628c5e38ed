/* Every TypeScript block of README type-checks against the library as it is, and runs (against
 * lib/, what the package ships; the quick start also from the packed package:
 * test/package/quick-start.test.ts). A block's free names (`chart`,
 * `ca`, a user's own values) are declared `any`; everything it calls on the library is checked. */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ts from 'typescript';
import * as lib from '../../src';
import { makeCa } from '../util/certs';

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

/**
 * Type-checks one block; its free names are declared and the check repeated. Returns the remaining
 * errors and the free names it declared.
 */
function typeCheck(code: string, index: number): { errors: string[]; free: string[] } {
  const file = path.join(ROOT, 'test', 'readme', `.snippet-${process.pid}-${index}.ts`);
  const declared: string[] = [];
  try {
    for (let round = 0; round < 6; round++) {
      fs.writeFileSync(file, asModule(code, declared));
      const program = ts.createProgram([file], OPTIONS);
      const diags = ts.getPreEmitDiagnostics(program).filter(d => d.file?.fileName === file);
      const free = diags.filter(d => [2304, 2552, 18004].includes(d.code)).map(d => /'([^']+)'/.exec(ts.flattenDiagnosticMessageText(d.messageText, '\n'))![1]);
      if (free.length === 0) {
        const errors = diags.filter(d => d.code !== 6133).map(d => `block #${index + 1}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`);
        return { errors, free: declared };
      }
      declared.push(...new Set(free));
    }
    return { errors: [`block #${index + 1}: too many free names`], free: declared };
  } finally {
    fs.rmSync(file, { force: true });
  }
}

const check = (code: string, index: number) => typeCheck(code, index).errors;

test('README has TypeScript blocks, and each type-checks against the library', () => {
  expect(BLOCKS.length).toBeGreaterThanOrEqual(10);
  const errors = BLOCKS.flatMap((b, i) => check(b, i));
  expect(errors).toEqual([]);
}, 600_000);

test('the check is real: a block calling a method that does not exist fails', () => {
  expect(check("const ca = new OrgCaBundle(chart, 'ca', { source: CaSource.fromPem(pem) });\nca.noSuchMethod();", 999).join('\n')).toMatch(/noSuchMethod/);
}, 120_000);

/**
 * What a block's free names stand for when it runs: the objects the README's prose says they are,
 * each with the names it needs first. A block with a free name not listed here fails the run test.
 */
const FREE: Array<[string, string]> = [
  ['app', 'new App({ outdir: \'dist\' })'],
  ['chart', 'new Chart(app, \'readme\', { namespace: \'apps\' })'],
  ['trust', 'new Chart(app, \'trust\')'],
  ['directChart', 'new Chart(app, \'direct\', { namespace: \'direct\' })'],
  ['ctbChart', 'new Chart(app, \'ctb\', { namespace: \'ctb\' })'],
  ['ca', 'new OrgCaBundle(chart, \'org-ca\', { source: CaSource.fromFile(\'org-ca.pem\'), trustManager: { useDefaultCAs: true } })'],
  ['runtimePods', 'new CaAdmissionPolicy(chart, \'runtime-pods-free\', { bundle: ca, kubernetesVersion: \'1.36\', namespaces: [\'apps\'] })'],
  ['nodeConfigYaml', '\'apiVersion: node.eks.aws/v1alpha1\\nkind: NodeConfig\\nspec:\\n  cluster: {name: c}\\n\''],
  ['role', '\'KarpenterNodeRole-c\''],
  ['subnetSelectorTerms', '[{ tags: { \'karpenter.sh/discovery\': \'c\' } }]'],
  ['securityGroupSelectorTerms', '[{ tags: { \'karpenter.sh/discovery\': \'c\' } }]'],
];
/** The FREE names the value of `name` uses (the prelude defines them first). */
const needs = (name: string) => {
  const expr = FREE.find(([k]) => k === name)![1];
  return FREE.map(([k]) => k).filter(k => k !== name && new RegExp(`\\b${k}\\b`).test(expr));
};

describe('every TypeScript block of README runs', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'org-ca-readme-ts-'));
  const libDir = path.join(ROOT, 'lib');
  beforeAll(() => {
    execFileSync('npx', ['projen', 'compile'], { cwd: ROOT, stdio: 'pipe' });
    // the files the blocks read
    const pem = makeCa('readme-run-ca').certPem;
    fs.mkdirSync(path.join(work, 'certs'));
    fs.mkdirSync(path.join(work, 'vendor'));
    fs.writeFileSync(path.join(work, 'org-ca.pem'), pem);
    fs.writeFileSync(path.join(work, 'certs', 'org-ca.pem'), pem);
    const deployment = (name: string) => `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: ${name}, namespace: apps}\nspec:\n  selector: {matchLabels: {app: ${name}}}\n`
      + `  template:\n    metadata: {labels: {app: ${name}}}\n    spec:\n      containers: [{name: main, image: "python:3.12-slim"}]\n`;
    fs.writeFileSync(path.join(work, 'vendor', 'install.yaml'), deployment('vendor-app'));
    fs.writeFileSync(path.join(work, 'vendor', 'render.yaml'), deployment('rendered'));
    fs.writeFileSync(path.join(work, 'z2jh-values.yaml'), 'singleuser:\n  image: {name: quay.io/jupyter/base-notebook, tag: "2026-01-05"}\n');
  }, 180_000);
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  /** Runs block `i` in a fresh process in `work`: its free names from FREE, the library from lib/ (what the package ships). */
  function runBlock(code: string, i: number) {
    const free = typeCheck(code, i).free;
    const unknown = free.filter(n => !FREE.some(([k]) => k === n));
    if (unknown.length) throw new Error(`block #${i + 1}: no value for the free name(s) ${unknown.join(', ')}: add them to FREE`);
    const need = new Set<string>();
    const add = (n: string) => { needs(n).forEach(add); need.add(n); };
    free.forEach(add);
    const prelude = FREE.filter(([k]) => need.has(k)).map(([k, v]) => `const ${k}: any = ${v};`);
    const own = importedNames(code);
    const source = [
      `import { ${Object.keys(lib).filter(n => !own.has(n)).join(', ')} } from '${libDir}';`, // lib/ is compiled from src/
      `import { ${['ApiObject', 'App', 'Chart', 'Include', 'Testing'].filter(n => !own.has(n)).join(', ')} } from 'cdk8s';`,
      ...prelude,
      code.replace(/from 'cdk8s-org-ca'/g, `from '${libDir}'`),
      // a block that builds objects on the prelude's app synthesizes them too (cdk8s validates then)
      need.has('app') && !/\bapp\.synth\(\)/.test(code) ? 'app.synth();' : '',
    ].join('\n');
    const compilerOptions = { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020, esModuleInterop: true };
    const js = ts.transpileModule(source, { compilerOptions }).outputText;
    // inside the repository, so 'cdk8s' resolves to its node_modules; run in `work`, where the files are
    const file = path.join(ROOT, 'test', 'readme', `.run-${process.pid}-${i}.js`);
    fs.writeFileSync(file, js);
    try {
      return spawnSync(process.execPath, [file], { cwd: work, encoding: 'utf8', timeout: 120_000 });
    } finally {
      fs.rmSync(file, { force: true });
    }
  }

  test.each(BLOCKS.map((b, i) => [i + 1, b.split('\n').find(l => l.trim() && !l.startsWith('import'))!.slice(0, 60), i] as const))(
    'block #%i (%s) runs without an error', (_n, _first, i) => {
      const r = runBlock(BLOCKS[i], i);
      expect({ status: r.status, stderr: r.status === 0 ? '' : r.stderr }).toEqual({ status: 0, stderr: '' });
    }, 180_000);

  test('what the blocks say they write is there: the wiring report on stderr, the wired render, the z2jh values', () => {
    const quick = runBlock(BLOCKS[0], 0);
    expect(quick.stderr).toMatch(/^WIRED apps\/v1\/Deployment api: \/spec\/template$/m);
    const i = BLOCKS.findIndex(b => b.includes('dist/vendor.wired.yaml'));
    expect(runBlock(BLOCKS[i], i).status).toBe(0);
    expect(fs.readFileSync(path.join(work, 'dist', 'vendor.wired.yaml'), 'utf8')).toContain('merge-ca-bundle');
    const j = BLOCKS.findIndex(b => b.includes('dist/jupyterhub.values.yaml'));
    fs.rmSync(path.join(work, 'dist'), { recursive: true, force: true }); // "before app.synth(), dist/ may not exist yet"
    expect(runBlock(BLOCKS[j], j).status).toBe(0);
    expect(fs.readFileSync(path.join(work, 'dist', 'jupyterhub.values.yaml'), 'utf8')).toContain('initContainers');
  }, 300_000);
});
