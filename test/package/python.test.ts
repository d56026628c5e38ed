/* The Python package: built from the jsii assembly (`npm run package:python`), its wheel checked,
 * and the README's Python example checked against the generated module (every imported class
 * exists, every method and keyword it uses is declared there) and run: the wheel installed with pip,
 * the jsii runtime, cdk8s and constructs (not installable here: no PyPI) replaced by the stand-ins
 * in python-stubs/, so every call goes through the generated bindings with its arguments checked
 * against the generated type hints. Needs python3 with pip, setuptools and wheel: outside CI their
 * absence skips with the reason printed; in CI it fails. */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
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

  test('the README Python example runs through the generated bindings: each call reaches the library with typed arguments', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'org-ca-python-'));
    try {
      execFileSync('/usr/bin/python3', ['-m', 'pip', 'install', '-q', '--no-deps', '--no-index', '--disable-pip-version-check', '--root-user-action=ignore',
        '--target', path.join(tmp, 'site'), path.join(ROOT, 'dist', 'python', wheel)], { stdio: 'pipe' });
      const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
      const snippet = /```python\n([\s\S]*?)```/.exec(readme)![1];
      const runPython = (code: string) => {
        fs.writeFileSync(path.join(tmp, 'main.py'), code);
        const env = { ...process.env, PYTHONPATH: `${path.join(__dirname, 'python-stubs')}:${path.join(tmp, 'site')}`, PYTHONDONTWRITEBYTECODE: '1' };
        return spawnSync('/usr/bin/python3', ['main.py'], { cwd: tmp, env, encoding: 'utf8' });
      };
      const r = runPython(snippet);
      expect(r.stderr.split('\n').filter(Boolean)).toEqual([
        'jsii: sinvoke cdk8s-org-ca.CaSource.fromFile str',
        'jsii: create cdk8s-org-ca.OrgCaBundle Chart str cdk8s-org-ca.OrgCaBundleProps',
        'jsii: sinvoke cdk8s-org-ca.JavaTrust.keytoolImport cdk8s-org-ca.KeytoolImportOptions',
        'jsii: sinvoke cdk8s-org-ca.CaTrust.wireAll Chart cdk8s-org-ca.OrgCaBundle cdk8s-org-ca.WireAllOptions',
        'jsii: invoke cdk8s-org-ca.CaTrustWiring.report',
      ]);
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/^WiringOutcome\.WIRED /); // the loop ran over a report entry
      // the checks are real: a string for the enum, a misspelt keyword, a path for the CaSource
      const wrong: Array<[string, string, RegExp]> = [
        ['mode=WiringMode.MERGE', 'mode="MERGE"', /TypeError: type of argument mode must be typing\.Optional\[cdk8s_org_ca\.WiringMode\]; got str instead/],
        ['java=JavaTrust.keytool_import()', 'javaa=JavaTrust.keytool_import()', /TypeError: CaTrust\.wire_all\(\) got an unexpected keyword argument 'javaa'/],
        ['source=CaSource.from_file("org-ca.pem")', 'source="org-ca.pem"', /TypeError: type of argument source must be cdk8s_org_ca\.CaSource; got str instead/],
      ];
      for (const [from, to, message] of wrong) {
        expect(snippet).toContain(from);
        const bad = runPython(snippet.replace(from, to));
        expect(bad.status).toBe(1);
        expect(bad.stderr).toMatch(message);
      }
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }, 120_000);
});
