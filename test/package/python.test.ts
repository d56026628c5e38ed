/* The Python package: built from the jsii assembly (`npm run package:python`), its wheel checked,
 * and the README's Python example checked against the generated module (every imported class
 * exists, every method and keyword it uses is declared there). Needs python3 with pip, setuptools
 * and wheel: outside CI their absence skips with the reason printed; in CI it fails. */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { requireTools } from '../util/tools';

const ROOT = path.resolve(__dirname, '..', '..');
const enabled = requireTools('the Python package test', ['python3', 'py:pip', 'py:setuptools', 'py:wheel']);

(enabled ? describe : describe.skip)('Python package (jsii-pacmak)', () => {
  let module = '';
  let wheel = '';
  beforeAll(() => {
    execFileSync('npx', ['projen', 'compile'], { cwd: ROOT, stdio: 'pipe' });
    execFileSync('npx', ['projen', 'package:python'], { cwd: ROOT, stdio: 'pipe', env: { ...process.env, PATH: `/usr/bin:/bin:${process.env.PATH}` } });
    module = fs.readFileSync(path.join(ROOT, 'dist', 'python-src', 'python', 'src', 'cdk8s_org_ca', '__init__.py'), 'utf8');
    wheel = fs.readdirSync(path.join(ROOT, 'dist', 'python')).find(f => f.endsWith('.whl'))!;
  }, 300_000);

  test('the wheel holds the module and the jsii assembly; the module compiles', () => {
    expect(wheel).toBe('cdk8s_org_ca-0.0.0-py3-none-any.whl');
    const names = execFileSync('/usr/bin/python3', ['-c', 'import sys, zipfile; print("\\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))', path.join(ROOT, 'dist', 'python', wheel)]).toString();
    expect(names).toMatch(/^cdk8s_org_ca\/__init__\.py$/m);
    expect(names).toMatch(/^cdk8s_org_ca\/k8s\/__init__\.py$/m);
    expect(names).toMatch(/^cdk8s_org_ca\/_jsii\/cdk8s-org-ca@0\.0\.0\.jsii\.tgz$/m);
    execFileSync('/usr/bin/python3', ['-m', 'py_compile', path.join(ROOT, 'dist', 'python-src', 'python', 'src', 'cdk8s_org_ca', '__init__.py')]);
  });

  test('the README Python example uses only names the generated module declares', () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const snippet = /```python\n([\s\S]*?)```/.exec(readme)![1];
    execFileSync('/usr/bin/python3', ['-c', 'import ast, sys; ast.parse(sys.stdin.read())'], { input: snippet }); // valid Python
    const imported = /from cdk8s_org_ca import ([\w, ]+)/.exec(snippet)![1].split(',').map(x => x.trim());
    expect(imported.length).toBeGreaterThan(3);
    for (const cls of imported) expect(module).toMatch(new RegExp(`^class ${cls}\\b`, 'm'));
    const ours = new RegExp(`\\b(?:${imported.join('|')})\\.(\\w+)`, 'g');
    const members = Array.from(snippet.matchAll(ours)).map(m => m[1]);
    expect(members).toEqual(expect.arrayContaining(['from_file', 'wire_all', 'keytool_import', 'MERGE']));
    for (const m of members) expect(module).toMatch(new RegExp(`(def ${m}\\(|^\\s+${m} = )`, 'm'));
    for (const kw of ['source', 'mode', 'java']) expect(module).toMatch(new RegExp(`\\b${kw}: typing\\.Optional`));
    expect(module).toMatch(/def report\(self\)/);
  });
});
