/* The README's quick start, run as a user would: the package is packed (`npm pack`), a new app
 * directory gets the README's `npm install` lines (with the tarball for cdk8s-org-ca), its
 * cdk8s.yaml, tsconfig.json and main.ts (read from the README, so the README stays true), and
 * `npx cdk8s synth` runs. Needs the npm registry (or npm's cache): outside CI, a machine that
 * reaches neither skips with the reason printed; in CI it fails. */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { makeCa } from '../util/certs';
import { envOf } from '../util/fixtures';
import { expectAllValid } from '../util/schema';
import { reportSkip } from '../util/tools';

const ROOT = path.resolve(__dirname, '..', '..');
const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');

/** The quick start section's code blocks, by the file name that introduces them. */
function quickStart() {
  const section = README.slice(README.indexOf('### Quick start'), README.indexOf('## Usage'));
  const block = (intro: string, lang: string) => {
    const at = section.indexOf(intro);
    const m = new RegExp('```' + lang + '\\n([\\s\\S]*?)```').exec(section.slice(at));
    if (at < 0 || !m) throw new Error(`README quick start has no ${lang} block after ${intro}`);
    return m[1];
  };
  const sh = block('### Quick start', 'sh');
  const installs = sh.split('\n').filter(l => l.startsWith('npm install')).map(l => l.replace(/#.*$/, '').trim().split(/\s+/).slice(2));
  return { installs, cdk8sYaml: block('`cdk8s.yaml`', 'yaml'), tsconfig: block('`tsconfig.json`', 'json'), mainTs: block('`main.ts`', 'ts') };
}

function registryReachable(): string | undefined {
  const r = spawnSync('npm', ['ping', '--fetch-timeout=10000', '--fetch-retries=0'], { encoding: 'utf8', timeout: 30_000 });
  return r.status === 0 ? undefined : `the npm registry is not reachable (npm ping: ${(r.stderr || r.stdout || '').trim().split('\n').pop()})`;
}

const why = registryReachable();
if (why && process.env.CI) throw new Error(`the quick-start test must run in CI but cannot: ${why}`);
if (why) reportSkip(`the README quick-start test: ${why}`);

(why ? describe.skip : describe)('README quick start from the packed package', () => {
  const qs = quickStart();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'org-ca-quick-start-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('npm pack, the README install lines, npx cdk8s synth: dist/ holds the Bundle and the wired Deployment; the packaged cdk8s-org-ca command wires a render', () => {
    // the tarball, from sources compiled now (a fresh clone has no lib/)
    execFileSync('npx', ['projen', 'compile'], { cwd: ROOT, stdio: 'pipe' });
    const tgz = execFileSync('npm', ['pack', '--pack-destination', dir, '--silent'], { cwd: ROOT, encoding: 'utf8' }).trim().split('\n').pop()!;
    const listing = execFileSync('tar', ['tzf', path.join(dir, tgz)], { encoding: 'utf8' });
    expect(listing).toMatch(/package\/lib\/index\.js/);
    expect(listing).toMatch(/package\/src\/index\.ts/); // the source maps point at shipped files

    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'org-ca-app', version: '1.0.0', private: true }));
    expect(qs.installs).toHaveLength(2);
    for (const args of qs.installs) {
      const specs = args.map(a => (a === 'cdk8s-org-ca' ? path.join(dir, tgz) : a));
      execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', ...specs], { cwd: dir, stdio: 'pipe', timeout: 480_000 });
    }
    fs.writeFileSync(path.join(dir, 'cdk8s.yaml'), qs.cdk8sYaml);
    fs.writeFileSync(path.join(dir, 'tsconfig.json'), qs.tsconfig);
    fs.writeFileSync(path.join(dir, 'main.ts'), qs.mainTs);
    fs.writeFileSync(path.join(dir, 'org-ca.pem'), makeCa('quick-start-ca').certPem);

    // stderr is captured (an error carries it); the offline upgrade check is switched off as README says
    const synth = spawnSync('npx', ['cdk8s', 'synth'], { cwd: dir, encoding: 'utf8', timeout: 300_000, env: { ...process.env, CDK8S_CHECK_UPGRADE: 'false' } });
    expect({ status: synth.status, stderr: synth.stderr }).toEqual({ status: 0, stderr: expect.any(String) });
    // the wiring report, where a cdk8s synth user sees it (the app's stderr; its stdout is not shown)
    expect(synth.stderr).toMatch(/^WIRED apps\/v1\/Deployment api: \/spec\/template$/m);
    const files = fs.readdirSync(path.join(dir, 'dist')).filter(f => f.endsWith('.k8s.yaml'));
    const objs = files.flatMap(f => YAML.parseAllDocuments(fs.readFileSync(path.join(dir, 'dist', f), 'utf8')).map(d => d.toJSON()));
    // the Bundle and the wired Deployment, self-contained (the script and variables in its pod spec)
    expect(objs.map(o => o.kind).sort()).toEqual(['Bundle', 'Deployment']);
    const d = objs.find(o => o.kind === 'Deployment');
    expect(d.spec.template.spec.volumes.find((v: any) => v.name === 'org-ca')).toEqual({ name: 'org-ca', configMap: { name: 'org-ca-bundle', optional: true } });
    expect(d.spec.template.spec.initContainers[0].name).toBe('merge-ca-bundle');
    expect(envOf(d.spec.template.spec.containers[0], objs, d.metadata.namespace)).toMatchObject({ SSL_CERT_FILE: '/etc/org-ca/bundle.pem' });
    expectAllValid(objs);

    // the command-line tool, as the package installs it (node_modules/.bin), on a Helm-style render
    const render = fs.readFileSync(path.join(ROOT, 'test', 'cli', 'fixtures', 'render.yaml'), 'utf8');
    const wired = execFileSync('npx', ['cdk8s-org-ca', 'wire', '--ca', 'org-ca.pem', '--pod-template', 'argoproj.io/v1alpha1/Rollout=/spec/template', '-'],
      { cwd: dir, input: render, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
    const out = YAML.parseAllDocuments(wired).map(x => x.toJSON()).filter(Boolean);
    expect(out.filter(o => ['Deployment', 'StatefulSet', 'Job', 'CronJob', 'DaemonSet', 'Rollout'].includes(o.kind))
      .every(o => JSON.stringify(o).includes('merge-ca-bundle'))).toBe(true);
  }, 900_000);
});
