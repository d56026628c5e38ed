/* The command-line tool, run as a child process: from lib/ (compiled now) for the cases, and from
 * the packed package installed into a temp directory (as users get it) for one end-to-end run. */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { makeCa, privateKeyFixtures } from '../util/certs';
import { envOf, podOf } from '../util/fixtures';
import { expectAllValid } from '../util/schema';
import { requireTools } from '../util/tools';

const ROOT = path.resolve(__dirname, '..', '..');
const RENDER = path.join(__dirname, 'fixtures', 'render.yaml');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'org-ca-cli-'));
const CA = path.join(dir, 'org-ca.pem');
fs.writeFileSync(CA, makeCa('cli-ca').certPem);
let BIN = '';

beforeAll(() => {
  execFileSync('npx', ['projen', 'compile'], { cwd: ROOT, stdio: 'pipe' });
  BIN = path.join(ROOT, 'lib', 'cli', 'main.js');
}, 120_000);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function cli(args: string[], input?: string, bin = BIN) {
  const r = spawnSync(process.execPath, [bin, ...args], { input, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const docs = (s: string) => YAML.parseAllDocuments(s).map(d => d.toJS());

describe('cdk8s-org-ca wire', () => {
  test('a render with several containers, StatefulSet, Job, CronJob, DaemonSet, a Rollout, a List: every workload wired, in input order', () => {
    const r = cli(['wire', '--ca', CA, '--pod-template', 'argoproj.io/v1alpha1/Rollout=/spec/template', RENDER]);
    expect(r.code).toBe(0);
    const out = docs(r.stdout);
    const input = docs(fs.readFileSync(RENDER, 'utf8'));
    // input order, nothing appended: every wired pod is self-contained
    expect(out.map(o => o?.kind ?? null)).toEqual(input.map(o => o?.kind ?? null));
    // every container of every wired pod runs with the variables, env entries of its own
    const api = podOf(out.find(o => o?.kind === 'Deployment'));
    for (const c of api.containers) expect(envOf(c)).toMatchObject({ SSL_CERT_FILE: '/etc/org-ca/bundle.pem', NPM_CONFIG_CAFILE: '/etc/org-ca/bundle.pem' });
    expect(api.volumes.find((v: any) => v.name === 'org-ca')).toEqual({ name: 'org-ca', configMap: { name: 'org-ca-bundle', optional: true } });
    for (const o of out.filter(x => x && ['Deployment', 'StatefulSet', 'Job', 'CronJob', 'DaemonSet'].includes(x.kind))) {
      expect(podOf(o).initContainers[0].name).toBe('merge-ca-bundle');
    }
    expect(out.find(o => o?.kind === 'Rollout').spec.template.spec.initContainers[0].name).toBe('merge-ca-bundle');
    const list = out.find(o => o?.kind === 'List');
    expect(list.items[1].spec.initContainers[0].name).toBe('merge-ca-bundle');
    // untouched objects come out semantically identical
    expect(list.items[0]).toEqual(input.find(o => o?.kind === 'List').items[0]);
    expect(out.find(o => o?.kind === 'ConfigMap')).toEqual(input.find(o => o?.kind === 'ConfigMap'));
    // the merge runs on the app's image (python), never on the shell-less proxy sidecar
    expect(podOf(out.find(o => o?.kind === 'Deployment')).initContainers[0].image).toBe('python:3.12-slim');
    // Helm's Source comments and the empty document are kept
    expect(r.stdout).toMatch(/^# Source: platform\/templates\/api\.yaml$/m);
    expect(r.stdout).toMatch(/\n---\n---\n/);
    expect(r.stderr).toMatch(/^cdk8s-org-ca: 9 document\(s\): 7 object\(s\) wired, 2 left alone, 0 reported$/m);
    expectAllValid(out.filter(o => o && !['Rollout', 'List'].includes(o.kind)));
  });

  test('a wired object keeps its key order and drops its null values; wiring the output again changes nothing', () => {
    const input = [
      'kind: Deployment', // kind before apiVersion, spec keys unsorted: kept as they come
      'apiVersion: apps/v1',
      'metadata: {name: web, namespace: apps, creationTimestamp: null}',
      'spec:',
      '  template:',
      '    metadata: {labels: {app: web}, annotations: null}',
      '    spec:',
      '      volumes: null',
      '      initContainers: null',
      '      securityContext: null',
      '      containers:',
      '        - {name: web, image: "nginx:1.27", env: null, envFrom: null, resources: {}, volumeMounts: null}',
      '  selector: {matchLabels: {app: web}}',
      '',
    ].join('\n');
    const r = cli(['wire', '--ca', CA, '-'], input);
    expect(r.code).toBe(0);
    const [d] = docs(r.stdout);
    expect(Object.keys(d)).toEqual(['kind', 'apiVersion', 'metadata', 'spec']);
    expect(Object.keys(d.spec)).toEqual(['template', 'selector']);
    expect(d.metadata).toEqual({ name: 'web', namespace: 'apps' });
    expect(r.stdout).not.toMatch(/: *null *$|- *null *$/m);
    const pod = podOf(d);
    expect(pod.initContainers.map((c: any) => c.name)).toEqual(['merge-ca-bundle']);
    expect(pod.containers[0].resources).toEqual({});
    expect(envOf(pod.containers[0]).SSL_CERT_FILE).toBe('/etc/org-ca/bundle.pem');
    // the command's output through the command again: the same stream
    const again = cli(['wire', '--ca', CA, '-'], r.stdout);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(r.stdout);
  });

  test('stdin in, stdout out; options: namespaces, kinds, plain ConfigMap, direct mode, OpenShift', () => {
    const input = fs.readFileSync(RENDER, 'utf8');
    const r = cli(['wire', '--ca', CA, '--namespace', 'monitoring', '--configmap', 'corp-ca:ca.crt', '--openshift', '-'], input);
    expect(r.code).toBe(0);
    const out = docs(r.stdout);
    const ds = out.find(o => o?.kind === 'DaemonSet');
    expect(podOf(ds).volumes[0].configMap).toEqual({ name: 'corp-ca', optional: true });
    expect(podOf(ds).initContainers[0].command.slice(-2)).toEqual(['/var/run/org-ca/ca.crt', '/etc/org-ca/bundle.pem']);
    expect(podOf(ds).initContainers[0].securityContext.runAsUser).toBeUndefined();
    expect(podOf(out.find(o => o?.kind === 'Deployment')).initContainers).toBeUndefined();
    const direct = cli(['wire', '--ca', CA, '--mode', 'direct', '--use-default-cas', '--kind', 'Job', RENDER]);
    expect(direct.code).toBe(0);
    const job = docs(direct.stdout).find(o => o?.kind === 'Job');
    expect(podOf(job).initContainers).toBeUndefined();
    expect(podOf(job).volumes[0].configMap.optional).toBeUndefined(); // non-optional, the default
  });

  test.each(['--scripts-configmap', '--variables-configmap', '--inline-scripts', '--inline-variables'])('%s is gone (the script and variables are always in the pod spec): a usage error', (flag) => {
    const r = cli(['wire', '--ca', CA, flag, ...(flag.endsWith('configmap') ? ['x'] : []), RENDER]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(flag);
  });

  test.each([
    ['unparsable YAML', ['-'], 'a: [\n', /^stdin: document #1 is not valid YAML .*; fix or remove it$/],
    ['a document that is not a mapping', ['-'], 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n- 1\n', /^document #2 is not a mapping \(a sequence\)/],
    ['a conflicting variable', ['-'], 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: i, env: [{name: SSL_CERT_FILE, value: /mine}]}]\n', /^document #1 \(Pod p\): .*container "c" already sets SSL_CERT_FILE to "\/mine".*skipVariables/],
    ['an unknown kind (with --kind)', ['--kind', 'deployment', '-'], 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n', /kinds lists "deployment", which is neither a built-in kind/],
  ])('bad input (%s): exit 1, one line on stderr naming the document and the fix, nothing on stdout', (_n, args, input, err) => {
    const r = cli(['wire', '--ca', CA, ...args], input);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr.trim()).toMatch(err);
  });

  test('a bad CA (a private key): exit 1, nothing on stdout, the key never echoed', () => {
    const key = Object.values(privateKeyFixtures())[0];
    const bad = path.join(dir, 'bad.pem');
    fs.writeFileSync(bad, key);
    const r = cli(['wire', '--ca', bad, RENDER]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/is a private key .*remove the key/);
    expect(r.stderr).not.toContain(key.split('\n')[1]);
  });

  test('an unknown option or command: exit 2 and the help to run', () => {
    const r = cli(['wire', '--bogus']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toEqual(["cdk8s-org-ca wire: unknown option --bogus; run 'cdk8s-org-ca wire --help' for the options"]);
    expect(cli(['frobnicate']).code).toBe(2);
  });

  test.each(['', 'wire', 'check', 'bundle'])('--help for %p', (command) => {
    const r = cli([...(command ? [command] : []), '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^usage: cdk8s-org-ca ${command || '<command>'}`));
  });
});

describe('cdk8s-org-ca check and bundle', () => {
  test('check prints subjects, expiry and warnings on stderr', () => {
    const r = cli(['check', '--ca', CA]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/O=Test Org, CN=cli-ca\n {2}issuer .*\n {2}valid .* to .*\n {2}sha256 /);
    expect(r.stderr).toMatch(/1 certificate\(s\), 0 warning\(s\)/);
  });

  test('bundle emits the distribution objects, schema-valid', () => {
    const tm = docs(cli(['bundle', '--ca', CA, '--bundle-name', 'corp-ca']).stdout);
    expect(tm.map(o => o.kind)).toEqual(['Bundle']);
    const plain = docs(cli(['bundle', '--ca', CA, '--configmap', 'corp-ca:ca.crt', '--namespace', 'a', '--namespace', 'b']).stdout);
    expect(plain.map(o => `${o.kind} ${o.metadata.namespace}`)).toEqual(['ConfigMap a', 'ConfigMap b']);
    const ctb = docs(cli(['bundle', '--ca', CA, '--ctb', '1.37']).stdout);
    expect(ctb.map(o => o.kind)).toEqual(['ClusterTrustBundle']);
    expectAllValid([...tm, ...plain, ...ctb]);
  });
});

const haveKpt = requireTools('the kpt KRM function test', ['kpt']);
(haveKpt ? test : test.skip)('as a KRM exec function under kpt: kpt fn eval DIR --exec wires the package in place', () => {
  const pkg = path.join(dir, 'kpt-pkg');
  fs.mkdirSync(pkg);
  // kpt takes named KRM resources only: the render without its (nameless) List
  const objects = docs(fs.readFileSync(RENDER, 'utf8')).filter(o => o && o.kind !== 'List');
  fs.writeFileSync(path.join(pkg, 'resources.yaml'), objects.map(o => YAML.stringify(o)).join('---\n'));
  const fn = path.join(dir, 'wire-fn');
  fs.writeFileSync(fn, `#!/bin/sh\nexec "${process.execPath}" "${BIN}" wire --pod-template argoproj.io/v1alpha1/Rollout=/spec/template\n`, { mode: 0o755 });
  const fnConfig = path.join(dir, 'fn-config.yaml');
  fs.writeFileSync(fnConfig, YAML.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'org-ca' }, data: { caFile: CA, openshift: 'true' } }));
  execFileSync('kpt', ['fn', 'eval', pkg, '--exec', fn, '--fn-config', fnConfig], { stdio: 'pipe', timeout: 120_000 });
  const out = fs.readdirSync(pkg).filter(f => f.endsWith('.yaml')).flatMap(f => docs(fs.readFileSync(path.join(pkg, f), 'utf8')));
  const deployment = out.find(o => o?.kind === 'Deployment');
  expect(podOf(deployment).initContainers[0].name).toBe('merge-ca-bundle');
  expect(podOf(deployment).initContainers[0].securityContext.runAsUser).toBeUndefined();
  expect(out.find(o => o?.kind === 'Rollout').spec.template.spec.initContainers[0].name).toBe('merge-ca-bundle');
}, 180_000);
