/* The command-line tool, run as a child process: from lib/ (compiled now) for the cases, and from
 * the packed package installed into a temp directory (as users get it) for one end-to-end run. */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { applyPatch } from 'diff';
import * as YAML from 'yaml';
import { makeCa, privateKeyFixtures } from '../util/certs';
import { envOf, podOf } from '../util/fixtures';
import { helm4PostRender, loadPlugin } from '../util/helm4';
import { expectAllValid } from '../util/schema';

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
    ['a conflicting variable', ['-'], 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: i, env: [{name: SSL_CERT_FILE, value: /mine}]}]\n', /^document #1 \(Pod p\): .*container "c" already sets SSL_CERT_FILE to "\/mine".*or pass --skip-variables SSL_CERT_FILE to keep it$/],
    ['an unknown kind (with --kind)', ['--kind', 'deployment', '-'], 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n', /^--kind "deployment", which is neither a built-in kind nor declared with --pod-template/],
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

describe('cdk8s-org-ca wire: input that would hang or grow without end is refused, fast', () => {
  test('a device, a FIFO without a writer, a directory: exit 1 naming the path, nothing on stdout', () => {
    const fifo = path.join(dir, 'input.fifo');
    execFileSync('mkfifo', [fifo]);
    for (const [file, kind] of [['/dev/zero', 'a device'], [fifo, 'a FIFO'], [dir, 'a directory']]) {
      const r = cli(['wire', '--ca', CA, file]);
      expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 1, stdout: '' });
      expect(r.stderr).toContain(`the input path "${file}" is ${kind}; point it at a file of rendered YAML (or - for stdin)`);
    }
  });

  test('stdin redirected from a device', () => {
    const r = spawnSync('sh', ['-c', 'exec "$0" "$1" wire --ca "$2" - < /dev/zero', process.execPath, BIN, CA], { encoding: 'utf8', timeout: 30_000 });
    expect({ code: r.status, stdout: r.stdout }).toEqual({ code: 1, stdout: '' });
    expect(r.stderr).toContain('stdin is a device; give a file of rendered YAML (or - for stdin)');
  });
});

describe('cdk8s-org-ca wire: a large render is wired a document at a time', () => {
  const pair = (i: number) => [
    `# Source: chart/templates/app-${i}.yaml`, 'apiVersion: apps/v1', 'kind: Deployment', `metadata: {name: app-${i}, namespace: apps}`, 'spec:',
    `  selector: {matchLabels: {app: app-${i}}}`, '  template:', `    metadata: {labels: {app: app-${i}}}`, '    spec:',
    `      containers: [{name: app, image: "registry.example.com/app-${i}:1.0", env: [{name: MODE, value: "on"}]}]`,
    '---', `apiVersion: v1\nkind: Service\nmetadata: {name: app-${i}, namespace: apps}\nspec: {selector: {app: app-${i}}, ports: [{port: 80}]}`,
  ].join('\n');
  const N = 1500; // the wired stream (about 6 KiB a Deployment) goes past the 8 MiB held in memory

  function wireIn(tmp: string, input: string, args: string[] = []) {
    const r = spawnSync(process.execPath, [BIN, 'wire', '--ca', CA, ...args, '-'], { input, encoding: 'utf8', timeout: 120_000, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, TMPDIR: tmp } });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  test('the wired stream, past the memory limit, is held in a temporary file that is gone afterwards; each document as if wired alone', () => {
    const tmp = fs.mkdtempSync(path.join(dir, 'tmp-'));
    const input = Array.from({ length: N }, (_x, i) => pair(i)).join('\n---\n');
    const r = wireIn(tmp, input);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`${2 * N} document(s): ${N} object(s) wired, ${N} left alone, 0 reported`);
    expect(Buffer.byteLength(r.stdout)).toBeGreaterThan(8 * 1024 * 1024);
    expect(fs.readdirSync(tmp)).toEqual([]);
    const out = docs(r.stdout);
    expect(out.length).toBe(2 * N);
    expect(out.filter(o => o.kind === 'Deployment' && o.spec.template.spec.initContainers?.length === 1).length).toBe(N);
    // the document in the middle of the stream comes out as it does from a stream of its own
    const alone = wireIn(tmp, pair(777));
    expect(alone.stdout.split('# Source: chart/templates/app-777.yaml').length).toBe(2); // its comment once
    expect(r.stdout).toContain(alone.stdout);
  }, 120_000);

  test('a bad last document: exit 1 naming it, nothing on stdout, no temporary file left', () => {
    const tmp = fs.mkdtempSync(path.join(dir, 'tmp-'));
    const input = `${Array.from({ length: N }, (_x, i) => pair(i)).join('\n---\n')}\n---\nkind: [unclosed\n`;
    const r = wireIn(tmp, input);
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 1, stdout: '' });
    expect(r.stderr).toContain(`stdin: document #${2 * N + 1} is not valid YAML`);
    expect(fs.readdirSync(tmp)).toEqual([]);
  }, 120_000);
});

describe('cdk8s-org-ca check and bundle', () => {
  test('check prints its report on stdout (so check > report.txt keeps it), as text or --json', () => {
    const r = cli(['check', '--ca', CA]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/O=Test Org, CN=cli-ca\n {2}issuer .*\n {2}valid .* to .*\n {2}sha256 /);
    expect(r.stdout).toMatch(/1 certificate\(s\), 0 warning\(s\)/);
    const json = JSON.parse(cli(['check', '--ca', CA, '--json']).stdout);
    expect(json.certificates).toHaveLength(1);
    expect(json.certificates[0]).toMatchObject({ subject: 'O=Test Org, CN=cli-ca', isCa: true });
    expect(json.warnings).toEqual([]);
    expect(json.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  test('check warns about a certificate that expires within --expiry-days (default 30)', () => {
    const soon = path.join(dir, 'soon.pem');
    fs.writeFileSync(soon, makeCa('cli-soon', { days: 10 }).certPem);
    const warned = JSON.parse(cli(['check', '--ca', soon, '--json']).stdout).warnings;
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatch(/certificate "O=Test Org, CN=cli-soon" \(block #1\) expires on \S+, in 9 day\(s\); distribute its successor now/);
    expect(JSON.parse(cli(['check', '--ca', soon, '--json', '--expiry-days', '5']).stdout).warnings).toEqual([]);
    expect(JSON.parse(cli(['check', '--ca', soon, '--json', '--expiry-days=60']).stdout).warnings).toHaveLength(1);
    const bad = cli(['check', '--ca', soon, '--expiry-days', 'soon']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--expiry-days "soon" is not a whole number of days/);
  });

  test('per-object choices through the workload\'s annotations: merge image, kept variable, opt-out', () => {
    const input = [
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: distroless\n  annotations: {cdk8s-org-ca/merge-image: "debian:12"}\nspec:\n  template:\n    spec:\n      containers: [{name: c, image: gcr.io/distroless/static}]\n',
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: own\n  annotations: {cdk8s-org-ca/skip-variables: "c/SSL_CERT_FILE"}\nspec:\n  template:\n    spec:\n      containers: [{name: c, image: python, env: [{name: SSL_CERT_FILE, value: /mine}]}]\n',
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: alone\n  annotations: {cdk8s-org-ca/skip: "true"}\nspec:\n  template:\n    spec:\n      containers: [{name: c, image: python}]\n',
    ].join('---\n');
    const r = cli(['wire', '--ca', CA, '-'], input);
    expect(r.code).toBe(0);
    const [distroless, own, alone] = docs(r.stdout);
    expect(podOf(distroless).initContainers[0].image).toBe('debian:12');
    expect(envOf(podOf(own).containers[0]).SSL_CERT_FILE).toBe('/mine');
    expect(podOf(alone).initContainers).toBeUndefined();
  });

  test('--report FILE: every object with its outcome, and the containers the wiring changed and added', () => {
    const file = path.join(dir, 'report.json');
    const r = cli(['wire', '--ca', CA, '--report', file, '--pod-template', 'argoproj.io/v1alpha1/Rollout=/spec/template', RENDER]);
    expect(r.code).toBe(0);
    const report = JSON.parse(fs.readFileSync(file, 'utf8'));
    const api = report.find((e: any) => e.kind === 'apps/v1/Deployment' && e.name === 'api');
    expect(api).toMatchObject({ document: expect.stringMatching(/^document #\d+$/), namespace: 'apps', outcome: 'WIRED', containers: ['api', 'proxy'], added: ['merge-ca-bundle'] });
    expect(report.filter((e: any) => e.outcome === 'WIRED')).toHaveLength(7);
    expect(report.some((e: any) => / \(List item #\d+\)$/.test(e.document))).toBe(true);
    const bad = cli(['wire', '--ca', CA, '--report', path.join(dir, 'no-such-dir', 'r.json'), RENDER]);
    expect({ code: bad.code, stdout: bad.stdout }).toEqual({ code: 1, stdout: '' });
    expect(bad.stderr).toMatch(/--report .*r\.json: cannot write it \(ENOENT\)/);
  });

  test('--version, and switches as --flag=true|false', () => {
    expect(cli(['--version']).stdout).toMatch(/^\d+\.\d+\.\d+/);
    const input = 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: i}]\n';
    const on = docs(cli(['wire', '--ca', CA, '--openshift=true', '-'], input).stdout)[0];
    expect(podOf(on).initContainers[0].securityContext.runAsUser).toBeUndefined();
    const off = docs(cli(['wire', '--ca', CA, '--openshift', '--openshift=false', '-'], input).stdout)[0];
    expect(podOf(off).initContainers[0].securityContext.runAsUser).toBe(65534);
    const bad = cli(['wire', '--ca', CA, '--openshift=yes', '-'], input);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--openshift=yes: a switch takes true or false/);
  });

  test('as a KRM function: bad function config or items are reported in the ResourceList results and on stderr, by name', () => {
    // written as YAML 1.1 (how Kubernetes tools read it): "yes" stays a quoted string
    const list = (fc: unknown, items: unknown = []) => YAML.stringify({ apiVersion: 'config.kubernetes.io/v1', kind: 'ResourceList', items, functionConfig: fc }, { version: '1.1' });
    const cm = (data: unknown) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'fn' }, data });
    for (const [input, message] of [
      [list(cm({ caFile: CA, openshift: 'yes' })), /functionConfig\.data\.openshift is "yes": a switch is "true" or "false"/],
      [list(cm({ caFile: CA, openshift: 'True' })), /functionConfig\.data\.openshift is "True"/],
      [list(cm(['caFile', CA])), /functionConfig\.data is a list; it must be a mapping of option names to values/],
      [list(cm({ caFile: CA }), { a: 1 }), /the ResourceList's items is a mapping, not a list of objects/],
    ] as Array<[string, RegExp]>) {
      const r = cli(['wire'], input);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(message);
      const out = YAML.parse(r.stdout);
      expect(out.kind).toBe('ResourceList');
      expect(out.results).toEqual([{ message: expect.stringMatching(message), severity: 'error' }]);
    }
    const ok = YAML.parse(cli(['wire'], list(cm({ caFile: CA, openshift: true }), YAML.parse('[{apiVersion: v1, kind: Pod, metadata: {name: p}, spec: {containers: [{name: c, image: i}]}}]'))).stdout);
    expect(ok.items[0].spec.initContainers[0].securityContext.runAsUser).toBeUndefined();
    // on an error the items keep their text: comments, YAML 1.1 strings and big integers as they came
    const raw = [
      'apiVersion: config.kubernetes.io/v1',
      'kind: ResourceList',
      'items:',
      '- apiVersion: v1 # keep me',
      '  kind: ConfigMap',
      '  metadata: {name: flags}',
      '  data: {A: "yes", BIG: "9007199254740993", NUM: "0b101"}',
      '  binaryData: {}',
      'functionConfig:',
      '  apiVersion: v1',
      '  kind: ConfigMap',
      '  metadata: {name: fn}',
      `  data: {caFile: ${CA}, openshift: "on"}`,
      '',
    ].join('\n');
    const failed = cli(['wire'], raw);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain('# keep me');
    expect(YAML.parse(failed.stdout, { version: '1.1', intAsBigInt: true }).items[0].data).toEqual({ A: 'yes', BIG: '9007199254740993', NUM: '0b101' });
    expect(YAML.parse(failed.stdout).results).toEqual([{ message: expect.stringMatching(/openshift is "on"/), severity: 'error' }]);
  });

  test('--diff: a unified diff of the input and what wire would write, nothing else on stdout', () => {
    const input = 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: i}]\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: untouched}\n';
    const r = cli(['wire', '--ca', CA, '--diff', '-'], input);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines.slice(0, 3)).toEqual(['===================================================================', '--- stdin', '+++ stdin (wired)']);
    expect(lines.filter(l => l.startsWith('+') && !l.startsWith('+++')).join('\n')).toContain('merge-ca-bundle');
    expect(lines.filter(l => l.startsWith('-') && !l.startsWith('---'))).toEqual(['-metadata: {name: p}', '-  containers: [{name: c, image: i}]']);
    expect(r.stdout).not.toMatch(/^-.*untouched/m);
    // applying the diff to the input gives exactly the wired stream
    expect(applyPatch(input, r.stdout)).toBe(cli(['wire', '--ca', CA, '-'], input).stdout);
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

/** A chart's render as Helm 4 hands it to a post-renderer: hooks in the same stream, each document annotated with its template. */
const HELM4_RENDER = `---
# Source: app/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: apps
  annotations:
    postrenderer.helm.sh/postrender-filename: app/templates/deployment.yaml
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: python:3.12-slim}]
---
# Source: app/templates/migrate-hook.yaml
apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
  namespace: apps
  annotations:
    helm.sh/hook: pre-install,pre-upgrade
    postrenderer.helm.sh/postrender-filename: app/templates/migrate-hook.yaml
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: migrate, image: python:3.12-slim}]
---
# Source: app/templates/service.yaml
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: apps
  annotations:
    postrenderer.helm.sh/postrender-filename: app/templates/service.yaml
spec: {selector: {app: web}, ports: [{port: 80}]}
`;

describe('Helm post-renderer: cdk8s-org-ca helm-plugin DIR', () => {
  const plugins = path.join(dir, 'helm-plugins');
  const pluginDir = path.join(plugins, 'org-ca');
  // a plain environment: Helm 4 passes its own (no project, no node_modules/.bin on PATH)
  const env = { PATH: '/usr/bin:/bin', HOME: dir };

  let written: ReturnType<typeof cli>;
  beforeAll(() => {
    written = cli(['helm-plugin', pluginDir, '--ca', path.relative(process.cwd(), CA), '--variables', 'SSL_CERT_FILE,REQUESTS_CA_BUNDLE']);
  });

  test('writes a Helm 4 plugin that loads under Helm 4\'s strict plugin.yaml rules, running this installed command (no npx)', () => {
    const r = written;
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 0, stdout: '' });
    expect(r.stderr).toContain(`wrote ${path.join(pluginDir, 'plugin.yaml')}`);
    const plugin = loadPlugin(pluginDir);
    expect(plugin).toMatchObject({ name: 'org-ca', type: 'postrenderer/v1', command: '${HELM_PLUGIN_DIR}/post-render' });
    const script = fs.readFileSync(path.join(pluginDir, 'post-render'), 'utf8');
    expect((fs.statSync(path.join(pluginDir, 'post-render')).mode % 0o1000).toString(8)).toBe('755');
    expect(script).not.toMatch(/\bnpx\b/);
    // the absolute paths of this Node and this command, the CA made absolute, every word quoted
    expect(script).toContain(`exec '${process.execPath}' '${BIN}' 'wire' '--ca' '${CA}' '--variables' 'SSL_CERT_FILE,REQUESTS_CA_BUNDLE' "$@" -`);
    // the strict check can fail: a Helm 3 field is refused
    fs.writeFileSync(path.join(dir, 'legacy.yaml'), `${fs.readFileSync(path.join(pluginDir, 'plugin.yaml'), 'utf8')}command: "$HELM_PLUGIN_DIR/post-render"\n`);
    fs.mkdirSync(path.join(dir, 'legacy'), { recursive: true });
    fs.copyFileSync(path.join(dir, 'legacy.yaml'), path.join(dir, 'legacy', 'plugin.yaml'));
    expect(() => loadPlugin(path.join(dir, 'legacy'))).toThrow(/field command not found/);
  });

  test('Helm 4 runs it by name: hooks wired (a hook Job keeps its template), filename annotations kept, --post-renderer-args reach wire', () => {
    const out = helm4PostRender({ helmPlugins: plugins, name: 'org-ca', render: HELM4_RENDER, postRendererArgs: ['--extra-variables', 'CURL_CA_BUNDLE'], env });
    const objs = docs(out);
    expect(objs.map(o => o.kind)).toEqual(['Deployment', 'Job', 'Service']);
    for (const o of objs) expect(o.metadata.annotations['postrenderer.helm.sh/postrender-filename']).toMatch(/^app\/templates\//);
    const job = objs[1];
    expect(podOf(job).initContainers[0].name).toBe('merge-ca-bundle');
    expect(job.metadata.annotations['helm.sh/hook']).toBe('pre-install,pre-upgrade');
    // the rotation signal of a Job is on the Job, never on its immutable template
    expect(job.metadata.annotations['cdk8s-org-ca/bundle-sha256']).toMatch(/^[0-9a-f]{16}$/);
    expect(job.spec.template.metadata?.annotations?.['cdk8s-org-ca/bundle-sha256']).toBeUndefined();
    // the plugin's own option and the one passed with --post-renderer-args both apply
    expect(Object.keys(envOf(podOf(objs[0]).containers[0]))).toEqual(['SSL_CERT_FILE', 'REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE']);
    // the Service is untouched, to the byte
    expect(out.endsWith(HELM4_RENDER.slice(HELM4_RENDER.indexOf('---\n# Source: app/templates/service.yaml')))).toBe(true);
  });

  test('Helm 4 with a chart that renders nothing, or a bad render: never empty output, an error naming the document', () => {
    expect(helm4PostRender({ helmPlugins: plugins, name: 'org-ca', render: '', env })).toMatch(/^# /);
    expect(() => helm4PostRender({ helmPlugins: plugins, name: 'org-ca', render: 'kind: [', env })).toThrow(/exited with error: .*document #1 is not valid YAML/);
    expect(() => helm4PostRender({ helmPlugins: plugins, name: 'other', render: HELM4_RENDER, env })).toThrow(/plugin: \{Name:other Type:postrenderer\/v1\} not found/);
  });

  test('Helm 3 runs the same script by path, with the manifests on stdin', () => {
    const r = spawnSync(path.join(pluginDir, 'post-render'), [], { input: HELM4_RENDER, env, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(podOf(docs(r.stdout)[0]).initContainers[0].name).toBe('merge-ca-bundle');
  });

  test('bad options are refused when the plugin is written, naming the flag, and nothing is written', () => {
    const target = path.join(dir, 'not-written');
    for (const [args, message] of [
      [['--ca', CA, '--mode', 'fast'], /--mode "fast" is not merge or direct/],
      [['--ca', CA, '--plugin-name', 'org ca'], /--plugin-name "org ca" is not a Helm plugin name/],
      [['--ca', path.join(dir, 'missing.pem')], /missing\.pem/],
      [[], /--ca FILE is required/],
    ] as Array<[string[], RegExp]>) {
      const r = cli(['helm-plugin', target, ...args]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(message);
      expect(fs.existsSync(target)).toBe(false);
    }
  });
});
