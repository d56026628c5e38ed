/* Every shell line of README is run here, as written, or belongs to a listed class with the test
 * that runs it or the reason no machine here can (a cluster, a Helm binary). `npx cdk8s-org-ca` runs
 * the compiled bin, as npx runs an installed package's bin; kpt and kubectl run where installed.
 * A README line in no class fails the test, so a new command cannot go unrun. The kustomize YAML
 * block is written out and run with kubectl, which README says cannot run it. */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Chart, Yaml } from 'cdk8s';
import * as YAML from 'yaml';
import { CaAdmissionPolicy, CaSource, OrgCaBundle } from '../../src';
import { makeCa } from '../util/certs';
import { podOf } from '../util/fixtures';
import { requireTools } from '../util/tools';

const ROOT = path.resolve(__dirname, '..', '..');
const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const RENDER = fs.readFileSync(path.join(ROOT, 'test', 'cli', 'fixtures', 'render.yaml'), 'utf8');

interface Line {
  /** README line number */
  readonly at: number;
  /** the command, continuation lines joined, a heredoc's body included */
  readonly text: string;
}

/** The commands of README's ```sh blocks. */
function shellLines(): Line[] {
  const out: Line[] = [];
  const lines = README.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== '```sh') continue;
    for (i++; lines[i] !== '```'; i++) {
      const at = i + 1;
      let text = lines[i];
      while (text.endsWith('\\')) text = `${text.slice(0, -1)} ${lines[++i].trim()}`;
      const heredoc = /<<'(\w+)'/.exec(text);
      if (heredoc) {
        for (i++; lines[i] !== heredoc[1]; i++) text += `\n${lines[i]}`;
        text += `\n${heredoc[1]}`;
      }
      if (text.trim() !== '' && !text.trim().startsWith('#')) out.push({ at, text });
    }
  }
  return out;
}

/** Lines this test does not run, each with the test that does or the reason none can here. */
const ELSEWHERE: Array<[RegExp, string]> = [
  [/^(npm install |mkdir org-ca-app |cp \/path\/to\/org-ca\.pem |npx cdk8s synth\s+#)/, 'the quick start: test/package/quick-start.test.ts runs it from the packed package'],
  [/^npm ci && npm (run synth:example|test)\b/, 'the two Develop commands: .ci/run runs npm test on a fresh clone; synth:example in test/examples'],
  [/^helm (upgrade|plugin) /, 'no Helm binary here: test/cli/cli.test.ts runs the plugin as Helm 4 runs it, and the script as Helm 3 does'],
  [/^kubectl (exec|logs) /, 'needs a cluster: the end-to-end suite runs these checks on wired pods in its sandboxes'],
];

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'org-ca-readme-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const BIN = path.join(ROOT, 'lib', 'cli', 'main.js');
const CA = path.join(dir, 'org-ca.pem');

beforeAll(() => {
  execFileSync('npx', ['projen', 'compile'], { cwd: ROOT, stdio: 'pipe' });
  fs.writeFileSync(CA, makeCa('readme-ca').certPem);
  // the files README's commands name
  for (const f of ['manifests.yaml', 'in.yaml']) fs.writeFileSync(path.join(dir, f), RENDER);
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'api', namespace: 'apps' }, spec: { containers: [{ name: 'app', image: 'python:3.12' }] } };
  fs.writeFileSync(path.join(dir, 'pods.yaml'), YAML.stringify(pod));
  // what `kubectl get pods -A -o json|yaml` prints: a List of Pods
  fs.writeFileSync(path.join(dir, 'kubectl-pods.json'), JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [pod] }));
  fs.writeFileSync(path.join(dir, 'kubectl-pods.yaml'), YAML.stringify({ apiVersion: 'v1', kind: 'List', items: [pod] }));
  // dist/platform.k8s.yaml, as `npx cdk8s synth` writes it for the admission example
  const app = new App({ outdir: path.join(dir, 'dist') });
  const chart = new Chart(app, 'platform');
  const ca = new OrgCaBundle(chart, 'ca', { source: CaSource.fromFile(CA) });
  new CaAdmissionPolicy(chart, 'runtime-pods', { bundle: ca, kubernetesVersion: '1.36', namespaces: ['apps'] });
  fs.mkdirSync(path.join(dir, 'dist'));
  fs.writeFileSync(path.join(dir, 'dist', 'platform.k8s.yaml'), Yaml.stringify(...chart.toJson()));
  // the kpt package
  fs.mkdirSync(path.join(dir, 'package'));
  const objects = YAML.parseAllDocuments(RENDER).map(d => d.toJS()).filter(o => o && o.kind !== 'List'); // kpt takes named resources only
  fs.writeFileSync(path.join(dir, 'package', 'resources.yaml'), objects.map(o => YAML.stringify(o)).join('---\n'));
}, 180_000);

/** Runs a README line in `dir` with bash: `npx cdk8s-org-ca` is the compiled bin, `kubectl get pods` prints the fixture. */
function runLine(text: string) {
  const shims = [
    'set -o pipefail',
    'npx() { if [ "$1" = cdk8s-org-ca ]; then shift; "$NODE" "$BIN" "$@"; elif [ "$*" = "cdk8s synth" ]; then :; else echo "npx $* is not run here" >&2; return 127; fi; }',
    'kubectl() { case "$*" in "get pods,configmaps -A -o json") cat kubectl-pods.json ;; "get pods -A -o yaml") cat kubectl-pods.yaml ;; *) command kubectl "$@" ;; esac; }',
  ].join('\n');
  const line = text.split('/path/to/org-ca.pem').join(CA);
  return spawnSync('bash', ['-c', `${shims}\n${line}`], { cwd: dir, encoding: 'utf8', env: { ...process.env, NODE: process.execPath, BIN }, timeout: 120_000 });
}

const LINES = shellLines();
const OURS = LINES.filter(l => /(^|\| |&& )npx cdk8s-org-ca /.test(l.text) || /^cat > [\w.-]+ <</.test(l.text));
const haveKpt = requireTools('README\'s kpt recipe', ['kpt']);
const haveKubectl = requireTools('README\'s kustomize warning (kubectl kustomize)', ['kubectl']);

test('every shell line of README is run here or listed with the test that runs it', () => {
  expect(LINES.length).toBeGreaterThan(20);
  const unclassified = LINES.filter(l => !OURS.includes(l) && !/^kpt fn eval /.test(l.text) && !ELSEWHERE.some(([re]) => re.test(l.text)));
  expect(unclassified.map(l => `README line ${l.at}: ${l.text}`)).toEqual([]);
  const unused = ELSEWHERE.filter(([re]) => !LINES.some(l => re.test(l.text))).map(([re, why]) => `${re} (${why})`);
  expect(unused).toEqual([]);
});

test.each(OURS.map(l => [l.at, l.text.split('\n')[0], l] as const))('README line %i: %s', (_at, _first, l) => {
  const r = runLine(l.text);
  const audit = /cdk8s-org-ca audit /.test(l.text);
  // audit exits 3 when it finds something (the fixture's pods are not wired), 0 when not
  expect({ status: audit && r.status === 3 ? 0 : r.status, stderr: r.status === 0 || audit ? '' : r.stderr }).toEqual({ status: 0, stderr: '' });
  const written = /> ([\w./-]+)\s*(#.*)?$/.exec(l.text.split('\n')[0])?.[1];
  if (written) expect(fs.statSync(path.join(dir, written)).size).toBeGreaterThan(0);
  else if (!/helm-plugin|^cat >/.test(l.text)) expect(r.stdout.trim()).not.toBe('');
  if (audit) expect(r.stdout + (written ? fs.readFileSync(path.join(dir, written), 'utf8') : '')).toMatch(/SSL_CERT_FILE|no CA variable|findings/);
});

(haveKpt ? test : test.skip)('README\'s kpt line, after the lines before it: the package\'s workloads are wired in place, with the function config\'s options', () => {
  const kpt = LINES.find(l => /^kpt fn eval /.test(l.text))!;
  for (const l of OURS.filter(o => o.at < kpt.at)) runLine(l.text); // helm-plugin ./org-ca-fn, fn-config.yaml (idempotent)
  const r = runLine(kpt.text);
  expect({ status: r.status, stderr: r.status === 0 ? '' : r.stderr }).toEqual({ status: 0, stderr: '' });
  const out = YAML.parseAllDocuments(fs.readFileSync(path.join(dir, 'package', 'resources.yaml'), 'utf8')).map(d => d.toJS());
  const deployment = out.find(o => o?.kind === 'Deployment');
  expect(podOf(deployment).initContainers[0].name).toBe('merge-ca-bundle');
  expect(podOf(deployment).initContainers[0].securityContext.runAsUser).toBeUndefined(); // openshift: "true" from fn-config.yaml
}, 180_000);

(haveKubectl ? test : test.skip)('README\'s kustomize files: kubectl kustomize exits 0 and prints the objects unwired, as README warns', () => {
  const block = /```yaml\n(# kustomization\.yaml[\s\S]*?)```/.exec(README)![1];
  const k = path.join(dir, 'kustomize');
  fs.mkdirSync(k);
  for (const part of block.split(/^---\n/m)) {
    const name = /^# ([\w.-]+)\n/.exec(part)![1];
    fs.writeFileSync(path.join(k, name), part.split('/path/to/org-ca.pem').join(CA));
  }
  const deployment = YAML.parseAllDocuments(RENDER).map(d => d.toJS()).find(o => o?.kind === 'Deployment');
  fs.writeFileSync(path.join(k, 'deployment.yaml'), YAML.stringify(deployment));
  const r = spawnSync('kubectl', ['kustomize', '--enable-alpha-plugins', k], { encoding: 'utf8', timeout: 60_000 });
  expect(r.status).toBe(0);
  const out = YAML.parseAllDocuments(r.stdout).map(d => d.toJS());
  expect(out.map(o => o.kind)).toEqual(['Deployment']);
  expect(JSON.stringify(out)).not.toContain('merge-ca-bundle');
}, 120_000);
