/* The command changes nothing it does not wire: documents it leaves alone come out as the exact text
 * they came in, and wired ones mean what they meant plus the wiring, as Kubernetes decodes YAML
 * (go-yaml v2, YAML 1.1). The meaning is read with kubectl (`annotate --local`, no server), not with
 * the library's own parser. */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { run } from '../../src/cli/main';
import { parseStream, patchDocument, valueOfDocument, writeAnew } from '../../src/cli/yaml-stream';
import { makeCa } from '../util/certs';
import { requireTools } from '../util/tools';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'org-ca-fidelity-'));
const CA = path.join(dir, 'org-ca.pem');
fs.writeFileSync(CA, makeCa('fidelity-ca').certPem);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function wire(input: string, args: string[] = []) {
  let stdout = '';
  const errs: string[] = [];
  const code = run(['wire', '--ca', CA, '--quiet', ...args, '-'], () => input, s => { stdout += s; }, l => errs.push(l));
  return { code, stdout, errs };
}

/** Objects the command leaves alone: YAML 1.1 pitfalls, big integers, tags, comments, odd layout. */
const UNTOUCHED = `# Source: chart/templates/cm.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: flags   # a comment
  namespace: apps
data: {A: "on", B: "yes", C: "y", D: "no", E: "off", F: "1_000", G: "0b101", H: '2001-12-14'}
---
apiVersion: example.com/v1
kind: Counter
metadata: {name: big, namespace: apps}
spec:
  limit: 9007199254740993
  when: 2001-12-14
  base: &base {a: 1}
  merged:
    <<: *base
    b: 2
  raw: !!binary aGVsbG8=
  plain: on
---
---
apiVersion: v1
kind: Secret
metadata:
  name: s
  namespace: apps
data:
  key: "c2VjcmV0"
`;

/** A workload the command wires, built with YAML 1.1 pitfalls, big integers and merge keys. */
const WIRED = `---
# Source: chart/templates/app.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
  namespace: apps
  annotations: {flag: "yes"}
spec:
  revisionHistoryLimit: 9007199254740993
  selector: {matchLabels: {app: app}}
  template:
    metadata:
      labels: {app: app}
    spec:
      containers:
        - &base
          name: app
          image: python:3.12-slim
          env: [{name: FEATURE, value: "on"}, {name: COUNT, value: "1_000"}]
          volumeMounts: [{name: data, mountPath: /data}]
        - <<: *base
          name: sidecar
      volumes: [{name: data, emptyDir: {}}]
---
apiVersion: batch/v1
kind: Job
metadata: {name: job, namespace: apps}
spec:
  template: &podspec
    spec:
      restartPolicy: Never
      containers: [{name: job, image: python:3.12-slim}]
`;

describe('the command leaves alone what it does not wire', () => {
  test('a stream of objects it does not wire comes out byte for byte', () => {
    const r = wire(UNTOUCHED);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(UNTOUCHED);
  });

  test('around wired documents, the others keep their exact text', () => {
    const r = wire(`${UNTOUCHED}${WIRED}---\n${UNTOUCHED}`);
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith(UNTOUCHED)).toBe(true);
    expect(r.stdout.endsWith(`---\n${UNTOUCHED}`)).toBe(true);
    expect(r.stdout).toMatch(/^# Source: chart\/templates\/app\.yaml$/m);
  });

  test('a document wired before (an equal value after wiring) comes out byte for byte, its layout and comments kept', () => {
    const once = wire(WIRED).stdout;
    const edited = once.replace('kind: Deployment', 'kind:    Deployment   # spaced by hand');
    expect(edited).not.toBe(once);
    const again = wire(edited);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(edited);
  });

  test.each([
    ['a mapping', 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: "debian:12"}]\n'],
    ['a List', 'apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Pod, metadata: {name: p}, spec: {containers: [{name: c, image: "debian:12"}]}}\n'],
  ])('a wired first document without a --- line keeps the comments above it once (%s)', (_name, body) => {
    const r = wire(`# Source: chart/templates/pod.yaml\n# second line\n${body}`);
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith('# Source: chart/templates/pod.yaml\n# second line\n')).toBe(true);
    expect(r.stdout.split('# second line').length).toBe(2);
    expect(r.stdout).toContain('initContainers');
  });
});

describe('what cannot be written back with the same meaning is refused, with nothing on stdout', () => {
  test('a %YAML 1.2 directive on a wired document', () => {
    const r = wire(`%YAML 1.2\n${WIRED}`);
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 1, stdout: '' });
    expect(r.errs.join('\n')).toMatch(/stdin: document #1 has a "%YAML 1\.2" directive, but Kubernetes decodes every document as YAML 1\.1.*remove the directive/);
  });

  test('a tagged value in a wired document', () => {
    const r = wire(WIRED.replace('revisionHistoryLimit: 9007199254740993', 'revisionHistoryLimit: 3\n  extra: !!binary aGVsbG8='));
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 1, stdout: '' });
    expect(r.errs.join('\n')).toMatch(/stdin: document #1 has a value tagged "tag:yaml\.org,2002:binary".*write the value without the tag/);
  });
});

const haveKubectl = requireTools('YAML fidelity checked with kubectl (the decoder Kubernetes uses)', ['kubectl']);

/** Each object of a stream as kubectl decodes it (`annotate --local`: no server), big integers kept as their digits. */
function kubectlView(yaml: string): any[] {
  const file = path.join(dir, `view-${Math.random().toString(36).slice(2)}.yaml`);
  fs.writeFileSync(file, yaml);
  const json = execFileSync('kubectl', ['annotate', '--local', '-f', file, 'fidelity/read=1', '-o', 'json'], {
    env: { PATH: process.env.PATH, KUBECONFIG: '/dev/null', HOME: dir }, stdio: ['ignore', 'pipe', 'pipe'],
  }).toString();
  return json.split(/^}\n/m).filter(s => s.trim()).map(s => JSON.parse(`${s}}`.replace(/(:\s*)(-?\d{16,})(\s*[,\n}])/g, '$1"$2"$3')));
}

(haveKubectl ? describe : describe.skip)('wired objects mean, to Kubernetes, what they meant plus the wiring', () => {
  const input = UNTOUCHED + WIRED;
  let r: ReturnType<typeof wire>;
  let before: any[];
  let after: any[];
  beforeAll(() => {
    r = wire(input);
    before = kubectlView(input);
    after = kubectlView(r.stdout);
  });
  const find = (objs: any[], kind: string) => objs.find(o => o.kind === kind);

  test('objects left alone decode the same', () => {
    expect(r.code).toBe(0);
    for (const kind of ['ConfigMap', 'Counter', 'Secret']) expect(find(after, kind)).toEqual(find(before, kind));
    // the values an unquoting rewrite would have turned into booleans and numbers are still strings
    expect(find(after, 'ConfigMap').data).toEqual({ A: 'on', B: 'yes', C: 'y', D: 'no', E: 'off', F: '1_000', G: '0b101', H: '2001-12-14' });
    expect(find(after, 'Counter').spec.limit).toBe('9007199254740993');
  });

  test('a wired Deployment keeps every value it had, exactly, and its containers built from an anchor keep their mounts', () => {
    const dep = find(after, 'Deployment');
    const was = find(before, 'Deployment');
    expect(dep.metadata).toEqual(was.metadata);
    expect(dep.spec.revisionHistoryLimit).toBe('9007199254740993');
    const pod = dep.spec.template.spec;
    expect(pod.initContainers.map((c: any) => c.name)).toEqual(['merge-ca-bundle']);
    for (const [i, c] of pod.containers.entries()) {
      const orig = was.spec.template.spec.containers[i];
      // the container's own values first, unchanged (strings stay strings), the wiring's after them
      expect(c.env.slice(0, 2)).toEqual([{ name: 'FEATURE', value: 'on' }, { name: 'COUNT', value: '1_000' }]);
      expect(c.env.slice(0, orig.env.length)).toEqual(orig.env);
      expect(c.env.map((e: any) => e.name)).toContain('SSL_CERT_FILE');
      // the sidecar's mounts came through the merge key: it keeps /data and gets the org CA's
      expect(c.volumeMounts.map((m: any) => m.mountPath)).toEqual(['/data', '/etc/org-ca']);
    }
    expect(pod.containers.map((c: any) => c.name)).toEqual(['app', 'sidecar']);
  });

  test('a pod template given through an anchor is wired, as Kubernetes reads it', () => {
    const job = find(after, 'Job');
    expect(job.spec.template.spec.initContainers[0].name).toBe('merge-ca-bundle');
    expect(job.spec.template.spec.restartPolicy).toBe('Never');
  });

  test('strings the wiring writes are quoted wherever YAML 1.1 would read something else', () => {
    const doc = parseStream('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {}\n')[0];
    const strings = { a: 'yes', b: 'on', c: 'y', d: 'N', e: '1_000', f: '0b101', g: '2001-12-14', h: '0x1F', i: '1e3', j: '.inf', k: '~', l: 'Off', m: '9007199254740993' };
    const value = valueOfDocument(doc);
    patchDocument(doc, value, { ...value, data: strings }, 'test');
    expect(find(kubectlView(doc.toString()), 'ConfigMap').data).toEqual(strings);
  });
});

test('the YAML library used by the tests still parses the output as the same stream', () => {
  // a guard on the test itself: the output is one document per input document
  const r = wire(UNTOUCHED + WIRED);
  expect(YAML.parseAllDocuments(r.stdout)).toHaveLength(YAML.parseAllDocuments(UNTOUCHED + WIRED).length);
});

describe('a wired document written anew (no comment, anchor, tag or directive in it): every value as YAML 1.1 reads it', () => {
  const TRICKY = ['yes', 'Yes', 'on', 'OFF', 'y', 'N', 'null', '~', '', '1_000', '0b101', '0x1F', '017', '12:30', '.inf', '-.5', '+1', '1e3', '2001-12-14',
    '#x', 'a #b', 'a: b', 'a:b', '- x', '? x', '[x]', '{x}', '*x', '&x', '!x', '|x', '>x', '%x', '@x', '`x', '"x"', "'x'", ' lead', 'trail ', 'tab\tin',
    'é ✓ 日本', 'line\nbreak', 'two\n\nblank', 'ends\n', 'ends twice\n\n', '\nleads', '  indented\nblock', 'nel\u0085', 'ls\u2028', 'del\u007f', 'bom\ufeff',
    '/etc/org-ca', 'app.kubernetes.io/name', 'merge-ca-bundle', '_x', 'a/b.c-d_e', '#!/bin/sh\nset -eu\necho "$X" # c\n'];
  const source = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: tricky\ndata:\n  seed: "1"\n';

  test('writeAnew applies, and the library reads back each string', () => {
    const [doc] = parseStream(source);
    const data = Object.fromEntries(TRICKY.map((v, i) => [`k${i}`, v]));
    for (const k of ['on', 'yes', 'y', 'null', 'true', '1_000']) data[k] = k; // keys YAML 1.1 would resolve
    const after = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'tricky', labels: { n: 3, f: 0.5, t: true, z: null, e: [], o: {} } }, data };
    const text = writeAnew(doc, source, after);
    expect(text).toBeDefined();
    expect(valueOfDocument(parseStream(text!)[0])).toEqual(after);
  });

  (haveKubectl ? test : test.skip)('kubectl (go-yaml, YAML 1.1) decodes each string as the same string, and each key as that key', () => {
    const [doc] = parseStream(source);
    const data = Object.fromEntries(TRICKY.map((v, i) => [`k${i}`, v]));
    for (const k of ['on', 'yes', 'y', 'null', 'true', '1_000']) data[k] = k;
    const text = writeAnew(doc, source, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'tricky' }, data })!;
    expect(kubectlView(text)[0].data).toEqual(data);
  });

  test('what it cannot keep exact falls back to patching the tree: a comment, an anchor, a tag, a big integer, a list of lists', () => {
    const after = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { a: 'b' } };
    for (const src of ['apiVersion: v1\nkind: ConfigMap # c\nmetadata: {name: x}\n', 'apiVersion: v1\nkind: ConfigMap\nmetadata: &m {name: x}\n', 'apiVersion: !!str v1\nkind: ConfigMap\n']) {
      expect(writeAnew(parseStream(src)[0], src, after)).toBeUndefined();
    }
    const plain = 'apiVersion: v1\nkind: ConfigMap\n';
    expect(writeAnew(parseStream(plain)[0], plain, { ...after, big: 9007199254740993 })).toBeUndefined();
    expect(writeAnew(parseStream(plain)[0], plain, { ...after, nested: [[1]] })).toBeUndefined();
    // the document's own start (its --- line and the comments above its first key) is kept as it was
    const helm = '---\n# Source: chart/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\n';
    expect(writeAnew(parseStream(helm)[0], helm, after)!.startsWith('---\n# Source: chart/templates/cm.yaml\napiVersion: v1\n')).toBe(true);
  });
});
