/* The command reads and writes a document at a time: the cutter that splits the input into
 * documents without parsing it, and the spool that holds the output back until the run succeeded. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { run } from '../../src/cli/main';
import { documentPieces, Spool, textOf } from '../../src/cli/stream';
import { parseStream, valueOfDocument } from '../../src/cli/yaml-stream';
import { makeCa } from '../util/certs';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'org-ca-stream-'));
const CA = path.join(dir, 'org-ca.pem');
fs.writeFileSync(CA, makeCa('stream-ca').certPem);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** `text` in chunks of `size` characters. */
const chunked = (text: string, size: number) =>
  Array.from({ length: Math.ceil(text.length / size) }, (_x, i) => text.slice(i * size, (i + 1) * size));
/** What each document of a stream means, with parse errors named. */
const meaning = (text: string) => parseStream(text).map(d => (d.errors.length ? `error: ${d.errors[0].code}` : valueOfDocument(d)));

const STREAMS: Record<string, string> = {
  'helm template output': [
    '---', '# Source: chart/templates/cm.yaml', 'apiVersion: v1', 'kind: ConfigMap', 'metadata: {name: a}', 'data:', '  s: |', '    --- not a marker (indented)', '    ...',
    '---', '# Source: chart/templates/deploy.yaml', 'apiVersion: apps/v1', 'kind: Deployment', 'metadata:', '  name: b', '',
  ].join('\n'),
  'no leading marker, comments between documents': 'a: 1\n# about b\n---\nb: 2\n---\n# only a comment\n---\nc: 3\n',
  'directives, document end markers': '%YAML 1.1\n---\na: yes\n...\n%YAML 1.1\n%TAG !e! tag:example.com,2000:\n--- !e!thing\nb: on\n...\n# trailing\n',
  'content on the marker line, empty documents, CRLF': '--- {a: 1}\r\n---\r\n--- |\r\n  text\r\n---\r\n',
  'a block scalar at column 0 of a document': '--- |\nline one\n---x is text\n---\nnext: doc\n',
  'no newline at the end': 'a: 1\n---\nb: 2',
  'a marker-like line inside a quoted scalar (an error, as in the whole stream)': 'a: "one\n---\ntwo"\n',
  'multi-byte characters': 'a: "été ✓"\n---\nb: "日本語 🙂"\n',
};

describe('documentPieces: the input cut into documents without parsing it', () => {
  test.each(Object.entries(STREAMS))('%s: the pieces join to the input, whatever the chunk size, and parse as the whole stream does', (_name, text) => {
    const whole = Array.from(documentPieces([text]));
    expect(whole.join('')).toBe(text);
    for (const size of [1, 2, 3, 7, 64]) expect(Array.from(documentPieces(chunked(text, size)))).toEqual(whole);
    expect(whole.flatMap(meaning)).toEqual(meaning(text));
  });

  test('each piece holds at most one document, with its directives and the comments before it', () => {
    const pieces = Array.from(documentPieces([STREAMS['directives, document end markers']]));
    expect(pieces).toEqual(['%YAML 1.1\n---\na: yes\n...\n', '%YAML 1.1\n%TAG !e! tag:example.com,2000:\n--- !e!thing\nb: on\n...\n', '# trailing\n']);
    expect(Array.from(documentPieces([STREAMS['no leading marker, comments between documents']]))).toEqual(['a: 1\n# about b\n', '---\nb: 2\n', '---\n# only a comment\n', '---\nc: 3\n']);
  });

  test('a stream of 20,000 documents, in 64 KiB chunks: as many pieces, the same text', () => {
    const doc = (i: number) => `---\napiVersion: v1\nkind: Service\nmetadata:\n  name: s-${i}\n`;
    const text = Array.from({ length: 20_000 }, (_x, i) => doc(i)).join('');
    const pieces = Array.from(documentPieces(chunked(text, 65_536)));
    expect(pieces.length).toBe(20_000);
    expect(pieces[12_345]).toBe(doc(12_345));
  });
});

describe('Spool: output held back, in memory while small, in a private file past that', () => {
  test('past its memory limit it writes a mode-0600 file in a directory of its own, reads back the same bytes, and dispose removes it', () => {
    const tmp = fs.mkdtempSync(path.join(dir, 'tmp-'));
    const spool = new Spool(100, tmp);
    const parts = ['a'.repeat(61), 'é'.repeat(30), '✓'.repeat(500), '🙂'.repeat(400_000)];
    parts.forEach(p => spool.write(p));
    expect(spool.size).toBe(Buffer.byteLength(parts.join('')));
    const [sub] = fs.readdirSync(tmp);
    expect(sub).toMatch(/^cdk8s-org-ca-/);
    // eslint-disable-next-line no-bitwise
    expect(fs.statSync(path.join(tmp, sub, 'spool')).mode & 0o777).toBe(0o600);
    // read back in 1 MiB chunks: a 4-byte character is cut between two of them, and decoded whole
    expect(Array.from(spool.chunks()).length).toBeGreaterThan(1);
    expect(Array.from(textOf([spool])).join('')).toBe(parts.join(''));
    spool.dispose();
    expect(fs.readdirSync(tmp)).toEqual([]);
  });

  test('under its limit no file is written', () => {
    const tmp = fs.mkdtempSync(path.join(dir, 'tmp-'));
    const spool = new Spool(1000, tmp);
    spool.write('abc');
    expect(Array.from(textOf([spool])).join('')).toBe('abc');
    expect(fs.readdirSync(tmp)).toEqual([]);
    spool.dispose();
  });
});

describe('wire reads the whole input before it wires: what a document needs may come after it', () => {
  const deployment = (envFrom: string) => [
    'apiVersion: apps/v1', 'kind: Deployment', 'metadata: {name: app, namespace: apps}', 'spec:', '  selector: {matchLabels: {app: app}}',
    '  template:', '    metadata: {labels: {app: app}}', '    spec:', '      containers:', '      - name: app', '        image: "debian:12"', `        envFrom: [${envFrom}]`,
  ].join('\n');
  function wire(input: string) {
    let stdout = '';
    const errs: string[] = [];
    const code = run(['wire', '--ca', CA, '-'], () => input, s => { stdout += s; }, l => errs.push(l));
    return { code, stdout, errs };
  }

  test.each([
    ['a ConfigMap after the Deployment', '{configMapRef: {name: proxy-env}}', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: proxy-env, namespace: apps}\ndata: {SSL_CERT_FILE: /etc/mine.pem}', 'SSL_CERT_FILE="/etc/mine.pem"'],
    ['a Secret after it, its kind written with an escape', '{secretRef: {name: tls-env}}',
      `apiVersion: v1\nkind: "Secr\\x65t"\nmetadata: {name: tls-env, namespace: apps}\ndata: {SSL_CERT_FILE: ${Buffer.from('/etc/mine.pem').toString('base64')}}`, 'SSL_CERT_FILE (value not shown)'],
    ['a ConfigMap in a List after it', '{configMapRef: {name: proxy-env}}',
      'apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: proxy-env, namespace: apps}, data: {SSL_CERT_FILE: /etc/mine.pem}}', 'SSL_CERT_FILE="/etc/mine.pem"'],
  ])('%s: the variable it sets is found, and the run refused naming the flag, nothing on stdout', (_name, envFrom, source, shown) => {
    const r = wire(`${deployment(envFrom)}\n---\n${source}\n`);
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 1, stdout: '' });
    expect(r.errs.join('\n')).toContain(`gets ${shown} from envFrom`);
    expect(r.errs.join('\n')).toContain('--skip-variables SSL_CERT_FILE');
    if (shown.includes('not shown')) expect(r.errs.join('\n')).not.toContain('/etc/mine.pem');
  });

  test('plain ConfigMaps: a namespace first used by the last document is wired like the first', () => {
    let stdout = '';
    const input = ['early', 'late'].map(ns => deployment('').replace('namespace: apps', `namespace: ${ns}`)).join('\n---\n');
    const r = run(['wire', '--ca', CA, '--quiet', '--configmap', 'org-ca:ca.crt', '-'], () => input, s => { stdout += s; }, () => undefined);
    expect(r).toBe(0);
    const volumes = parseStream(stdout).map(d => valueOfDocument(d).spec.template.spec.volumes.find((v: any) => v.configMap));
    expect(volumes.map(v => v.configMap.name)).toEqual(['org-ca', 'org-ca']);
  });
});
