/* A small pod runner: takes synthesized manifests, builds the ConfigMaps the pods would see
 * (plain ConfigMaps and what trust-manager projects from a Bundle), runs the CA merge init
 * containers in image sandboxes with their volumes, then runs real TLS clients as the wired
 * containers against local HTTPS servers.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as https from 'node:https';
import { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { JAVA_CACERTS_CANDIDATES, SYSTEM_BUNDLE_CANDIDATES } from '../../src/pod/init-scripts';
import { findTemplates, BUILTIN_TEMPLATE_PATHS } from '../../src/pod/pod-templates';
import { hostDir, ImageLayout, Mount, runInImage } from '../util/sandbox';
import { haveTool, requireTools } from '../util/tools';

export interface PodUnderTest {
  /** "Deployment apps/api at /spec/template" */
  readonly id: string;
  readonly namespace: string;
  readonly spec: any;
}

/** Every pod template (with containers) in the manifests. */
export function podsOf(objs: any[]): PodUnderTest[] {
  const out: PodUnderTest[] = [];
  for (const o of objs) {
    const paths = BUILTIN_TEMPLATE_PATHS[`${o.apiVersion}/${o.kind}`];
    if (!paths) continue;
    for (const t of findTemplates(o, paths)) {
      if (!t.template.spec?.containers?.length) continue;
      out.push({ id: `${o.kind} ${o.metadata.namespace ?? 'default'}/${o.metadata.name}${t.pointer ? ` at ${t.pointer}` : ''}`, namespace: o.metadata.namespace ?? 'default', spec: t.template.spec });
    }
  }
  return out;
}

/** The singleuser pod KubeSpawner would create from z2jh values. */
export function singleuserPod(values: any, namespace: string): PodUnderTest {
  const su = values.singleuser;
  const env = Array.isArray(su.extraEnv) ? su.extraEnv : Object.entries(su.extraEnv ?? {}).map(([name, value]) => ({ name, value }));
  const list = (x: any) => (Array.isArray(x) ? x : Object.values(x ?? {}));
  return {
    id: `z2jh singleuser ${namespace}/jupyter-user`,
    namespace,
    spec: {
      initContainers: su.initContainers,
      containers: [{ name: 'notebook', image: `${su.image.name}:${su.image.tag}`, env, volumeMounts: list(su.storage?.extraVolumeMounts) }],
      volumes: list(su.storage?.extraVolumes),
    },
  };
}

/** The z2jh hub pod as the chart renders it from `hub.initContainers`, `hub.extraEnv`, `hub.extraVolumes`, `hub.extraVolumeMounts`. */
export function hubPod(values: any, namespace: string, image: string): PodUnderTest {
  const hub = values.hub;
  const env = Array.isArray(hub.extraEnv) ? hub.extraEnv : Object.entries(hub.extraEnv ?? {}).map(([name, value]) => ({ name, value }));
  return {
    id: `z2jh hub ${namespace}/hub`,
    namespace,
    spec: {
      initContainers: hub.initContainers,
      containers: [{ name: 'hub', image, env, volumeMounts: hub.extraVolumeMounts ?? [] }],
      volumes: hub.extraVolumes ?? [],
    },
  };
}

/** ConfigMaps per namespace: name → key → content. */
export type ClusterConfigMaps = Map<string, Map<string, Record<string, string>>>;

/** The ClusterTrustBundles of a synth, for projected `clusterTrustBundle` sources. */
export type ClusterTrustBundles = Array<{ name: string; signerName?: string; labels: Record<string, string>; pem: string }>;

export function clusterTrustBundles(objs: any[]): ClusterTrustBundles {
  return objs.filter(o => o.kind === 'ClusterTrustBundle')
    .map(o => ({ name: o.metadata.name, signerName: o.spec.signerName, labels: o.metadata.labels ?? {}, pem: o.spec.trustBundle }));
}

/**
 * The ConfigMaps each namespace would hold: plain ones, and trust-manager's projection of each
 * Bundle (inLine sources, and `useDefaultCAs` as `defaultCAs`, standing in for its Debian package).
 */
export function clusterState(objs: any[], namespaces: string[], defaultCAs?: string): ClusterConfigMaps {
  const state: ClusterConfigMaps = new Map();
  const put = (ns: string, name: string, data: Record<string, string>) => {
    if (!state.has(ns)) state.set(ns, new Map());
    state.get(ns)!.set(name, data);
  };
  for (const o of objs) {
    if (o.kind === 'ConfigMap') put(o.metadata.namespace ?? 'default', o.metadata.name, o.data ?? {});
    if (o.kind === 'Bundle') {
      const sources = o.spec.sources.map((s: any) => {
        if (s.inLine !== undefined) return s.inLine;
        if (s.useDefaultCAs && defaultCAs !== undefined) return defaultCAs;
        throw new Error(`the runner only projects inLine sources, not ${JSON.stringify(s)}`);
      });
      const selector = o.spec.target.namespaceSelector ?? {};
      if (Object.keys(selector).length) throw new Error('the runner projects Bundles with namespaceSelector {} only');
      for (const ns of namespaces) put(ns, o.metadata.name, { [o.spec.target.configMap.key]: sources.join('\n') });
    }
  }
  return state;
}

export interface ClientResult {
  readonly pod: string;
  readonly container: string;
  readonly client: string;
  readonly endpoint: string;
  readonly mode: 'wired' | 'system-only';
  readonly ok: boolean;
  readonly detail: string;
}

export interface PodRun {
  readonly pod: string;
  readonly initLogs: string[];
  readonly initMs: number[];
  readonly results: ClientResult[];
  readonly commands?: CommandRun[];
  readonly error?: string;
}

export interface Endpoints {
  readonly org: string;
  readonly public: string;
}

/** HTTPS servers on 127.0.0.1 (ephemeral ports): answers 200, and a dumb-git info/refs. */
/** What the HTTPS servers serve, made once per run in `dir`: a git repository, a wheel, an npm package. */
function makeServedContent(dir: string) {
  const repo = path.join(dir, 'repo.git');
  if (haveTool('git')) {
    const work = path.join(dir, 'repo-work');
    fs.mkdirSync(work, { recursive: true });
    const git = (...a: string[]) => execFileSync('git', a, { cwd: work, stdio: 'pipe', env: { ...process.env, GIT_AUTHOR_NAME: 'e2e', GIT_AUTHOR_EMAIL: 'e2e@test', GIT_COMMITTER_NAME: 'e2e', GIT_COMMITTER_EMAIL: 'e2e@test' } });
    git('init', '-q', '-b', 'main');
    fs.writeFileSync(path.join(work, 'README'), 'served over dumb HTTP\n');
    git('add', 'README');
    git('commit', '-q', '-m', 'one');
    execFileSync('git', ['clone', '-q', '--bare', work, repo], { stdio: 'pipe' });
    execFileSync('git', ['update-server-info'], { cwd: repo, stdio: 'pipe' });
  }
  const wheel = path.join(dir, 'demo_pkg-1.0-py3-none-any.whl');
  if (haveTool('python3')) {
    execFileSync('python3', ['-c', [
      'import sys, zipfile',
      'z = zipfile.ZipFile(sys.argv[1], "w")',
      'z.writestr("demo_pkg/__init__.py", "")',
      'z.writestr("demo_pkg-1.0.dist-info/METADATA", "Metadata-Version: 2.1\\nName: demo-pkg\\nVersion: 1.0\\n")',
      'z.writestr("demo_pkg-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\\nGenerator: e2e\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n")',
      'z.writestr("demo_pkg-1.0.dist-info/RECORD", "")',
      'z.close()',
    ].join('\n'), wheel]);
  }
  const pkgDir = path.join(dir, 'npm-pkg', 'package');
  fs.mkdirSync(pkgDir, { recursive: true });
  fs.writeFileSync(path.join(pkgDir, 'package.json'), JSON.stringify({ name: 'demo-pkg', version: '1.0.0' }));
  const tgz = path.join(dir, 'demo-pkg-1.0.0.tgz');
  execFileSync('tar', ['czf', tgz, '-C', path.dirname(pkgDir), 'package']);
  const tgzBytes = fs.readFileSync(tgz);
  return {
    repo,
    wheel: fs.existsSync(wheel) ? fs.readFileSync(wheel) : Buffer.alloc(0),
    tgz: tgzBytes,
    integrity: `sha512-${createHash('sha512').update(tgzBytes).digest('base64')}`,
    shasum: createHash('sha1').update(tgzBytes).digest('hex'),
  };
}

/**
 * Two HTTPS servers on 127.0.0.1, one with an org-signed leaf, one with a leaf of the "public"
 * root. Each serves: `/` (ok), a git repository over dumb HTTP at `/repo.git` (ls-remote, clone),
 * a PEP 503 simple index at `/simple/` (pip), an npm registry at `/npm/` (npm install), and an
 * S3-style bucket listing for `aws s3api list-buckets`.
 */
export async function startServers(org: { certFile: string; keyFile: string }, pub: { certFile: string; keyFile: string }) {
  const content = makeServedContent(hostDir('served'));
  const handler = (req: any, res: any) => {
    const url = new URL(String(req.url), `https://${req.headers.host}`);
    const send = (code: number, type: string, body: string | Buffer) => {
      res.writeHead(code, { 'content-type': type });
      res.end(body);
    };
    if (url.pathname.startsWith('/repo.git/')) {
      // the smart-protocol probe (?service=git-upload-pack) gets the plain info/refs: git falls back to dumb HTTP
      const file = path.join(content.repo, path.normalize(url.pathname.slice('/repo.git/'.length)));
      if (!file.startsWith(content.repo) || !fs.existsSync(file) || !fs.statSync(file).isFile()) return send(404, 'text/plain', 'no\n');
      return send(200, 'application/octet-stream', fs.readFileSync(file));
    }
    if (url.pathname === '/simple/demo-pkg/') {
      const sha = createHash('sha256').update(content.wheel).digest('hex');
      return send(200, 'text/html', `<!DOCTYPE html><html><body><a href="/packages/demo_pkg-1.0-py3-none-any.whl#sha256=${sha}">demo_pkg-1.0-py3-none-any.whl</a></body></html>`);
    }
    if (url.pathname === '/packages/demo_pkg-1.0-py3-none-any.whl') return send(200, 'application/octet-stream', content.wheel);
    if (url.pathname === '/npm/demo-pkg') {
      return send(200, 'application/json', JSON.stringify({
        'name': 'demo-pkg',
        'dist-tags': { latest: '1.0.0' },
        'versions': { '1.0.0': { name: 'demo-pkg', version: '1.0.0', dist: { tarball: `https://${req.headers.host}/npm/demo-pkg/-/demo-pkg-1.0.0.tgz`, integrity: content.integrity, shasum: content.shasum } } },
      }));
    }
    if (url.pathname === '/npm/demo-pkg/-/demo-pkg-1.0.0.tgz') return send(200, 'application/octet-stream', content.tgz);
    if (req.headers.authorization?.startsWith('AWS4-HMAC-SHA256')) {
      return send(200, 'application/xml', '<?xml version="1.0" encoding="UTF-8"?><ListAllMyBucketsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Owner><ID>e2e</ID></Owner><Buckets></Buckets></ListAllMyBucketsResult>');
    }
    return send(200, 'text/plain', 'ok\n');
  };
  const mk = (c: { certFile: string; keyFile: string }) => new Promise<https.Server>(resolve => {
    const s = https.createServer({ cert: fs.readFileSync(c.certFile), key: fs.readFileSync(c.keyFile) }, handler);
    s.listen(0, '127.0.0.1', () => resolve(s));
  });
  const servers = [await mk(org), await mk(pub)];
  const url = (s: https.Server) => `https://127.0.0.1:${(s.address() as AddressInfo).port}`;
  return {
    endpoints: { org: url(servers[0]), public: url(servers[1]) } as Endpoints,
    close: () => Promise.all(servers.map(s => new Promise(r => s.close(r)))),
  };
}

const JAVA_CLIENT = `
import java.net.URI;
import java.net.http.*;
public class Client {
  public static void main(String[] a) throws Exception {
    var r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(a[0])).build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) System.exit(1);
    System.out.println("ok");
  }
}
`;

interface Client {
  readonly name: string;
  readonly variable: string;
  readonly argv: (url: string) => string[];
}

const GO_CLIENT = `package main

import (
\t"net/http"
\t"os"
)

func main() {
\tr, err := http.Get(os.Args[1])
\tif err != nil {
\t\tos.Stderr.WriteString(err.Error() + "\\n")
\t\tos.Exit(1)
\t}
\tif r.StatusCode != 200 {
\t\tos.Exit(1)
\t}
}
`;

/** Builds the Go client once (static enough to run in every image layout), or undefined without go. */
let goClient: string | undefined | null = null;
function goClientBinary(): string | undefined {
  if (goClient !== null) return goClient;
  goClient = undefined;
  if (!haveTool('go')) return goClient;
  const dir = hostDir('go-client');
  fs.writeFileSync(path.join(dir, 'main.go'), GO_CLIENT);
  execFileSync('go', ['build', '-o', path.join(dir, 'go-client'), 'main.go'], { cwd: dir, stdio: 'pipe', env: { ...process.env, CGO_ENABLED: '0', GOCACHE: path.join(dir, 'cache'), GOPATH: path.join(dir, 'gopath'), HOME: dir, GOFLAGS: '-mod=mod', GO111MODULE: 'off' } });
  goClient = path.join(dir, 'go-client');
  return goClient;
}

/** A client: what it runs, the variable the discriminator points at the system bundle, and the tools it needs. */
interface Client {
  readonly name: string;
  readonly variable: string;
  readonly tools: string[];
  readonly argv: (url: string) => string[];
}

const py = (code: string) => (u: string) => ['python3', '-c', code, u];

/** The "variable" of clients that read none: they open the system bundle by its compiled-in path. */
export const SYSTEM_BUNDLE = '(system bundle path)';

/** The "variable" of a JVM started without JAVA_TOOL_OPTIONS: it opens its default cacerts by path. */
export const JVM_CACERTS = '(JVM cacerts path)';

/** A mount of the system bundle overlay: the org CA file over a standard system bundle or JVM cacerts path. */
const isOverlayMount = (m: any) => SYSTEM_BUNDLE_CANDIDATES.includes(m.mountPath) || JAVA_CACERTS_CANDIDATES.includes(m.mountPath);
/** Whether a container has the system bundle overlay (o), and the JVM cacerts overlay (j). */
const overlaid = (c: any) => (c.volumeMounts ?? []).some((m: any) => SYSTEM_BUNDLE_CANDIDATES.includes(m.mountPath));
const javaOverlaid = (c: any) => (c.volumeMounts ?? []).some((m: any) => JAVA_CACERTS_CANDIDATES.includes(m.mountPath));

/** Every client the suite runs, by the variable that makes it trust the org CA (see README). */
const CLIENTS: Array<Client & { when: (env: Record<string, string>, overlay: boolean, javaOverlay: boolean) => boolean }> = [
  { name: 'python urllib', variable: 'SSL_CERT_FILE', tools: ['python3'], when: e => !!e.SSL_CERT_FILE, argv: py('import sys,urllib.request; urllib.request.urlopen(sys.argv[1], timeout=10).read()') },
  { name: 'python requests', variable: 'REQUESTS_CA_BUNDLE', tools: ['py:requests'], when: e => !!e.REQUESTS_CA_BUNDLE, argv: py('import sys,requests; requests.get(sys.argv[1], timeout=10).raise_for_status()') },
  { name: 'python httpx', variable: 'SSL_CERT_FILE', tools: ['py:httpx'], when: e => !!e.SSL_CERT_FILE, argv: py('import sys,httpx; httpx.get(sys.argv[1], timeout=10).raise_for_status()') },
  { name: 'pip download', variable: 'REQUESTS_CA_BUNDLE', tools: ['py:pip'], when: e => !!e.REQUESTS_CA_BUNDLE, argv: u => ['python3', '-m', 'pip', 'download', '--no-deps', '--no-cache-dir', '--disable-pip-version-check', '--retries', '0', '--timeout', '10', '-q', '--index-url', `${u}/simple/`, '-d', '/tmp/pip-dl', 'demo-pkg'] },
  { name: 'openssl s_client', variable: 'SSL_CERT_FILE', tools: ['openssl'], when: e => !!e.SSL_CERT_FILE, argv: u => ['sh', '-c', 'openssl s_client -connect "$1" -verify_return_error -brief </dev/null', 'sh', u.replace('https://', '')] },
  { name: 'go net/http', variable: 'SSL_CERT_FILE', tools: ['go'], when: e => !!e.SSL_CERT_FILE, argv: u => ['/var/run/e2e/go-client', u] },
  { name: 'ruby net/http', variable: 'SSL_CERT_FILE', tools: ['ruby'], when: e => !!e.SSL_CERT_FILE, argv: u => ['ruby', '-rnet/http', '-e', 'exit(Net::HTTP.get_response(URI(ARGV[0])).code == "200" ? 0 : 1)', u] },
  { name: 'curl', variable: 'CURL_CA_BUNDLE', tools: ['curl'], when: e => !!e.CURL_CA_BUNDLE, argv: u => ['curl', '-fsS', '--max-time', '10', '-o', '/dev/null', u] },
  // without CURL_CA_BUNDLE (not a default variable), curl reads SSL_CERT_FILE
  { name: 'curl', variable: 'SSL_CERT_FILE', tools: ['curl'], when: e => !e.CURL_CA_BUNDLE && !!e.SSL_CERT_FILE, argv: u => ['curl', '-fsS', '--max-time', '10', '-o', '/dev/null', u] },
  { name: 'git ls-remote', variable: 'GIT_SSL_CAINFO', tools: ['git'], when: e => !!e.GIT_SSL_CAINFO, argv: u => ['git', 'ls-remote', `${u}/repo.git`] },
  { name: 'git clone', variable: 'GIT_SSL_CAINFO', tools: ['git'], when: e => !!e.GIT_SSL_CAINFO, argv: u => ['sh', '-c', 'rm -rf /tmp/clone && git clone -q "$1" /tmp/clone && test -f /tmp/clone/README', 'sh', `${u}/repo.git`] },
  { name: 'node https.get', variable: 'NODE_EXTRA_CA_CERTS', tools: ['node'], when: e => !!e.NODE_EXTRA_CA_CERTS, argv: u => ['node', '-e', 'require("https").get(process.argv[1], r => process.exit(r.statusCode === 200 ? 0 : 1)).on("error", e => { console.error(e.message); process.exit(1); })', u] },
  { name: 'npm install', variable: 'NPM_CONFIG_CAFILE', tools: ['npm'], when: e => !!e.NPM_CONFIG_CAFILE, argv: u => ['sh', '-c', 'rm -rf /tmp/npm-i && npm install --prefix /tmp/npm-i --registry "$1/npm/" --cache /tmp/npm-cache --no-audit --no-fund --fetch-retries 0 --fetch-timeout 10000 --loglevel error demo-pkg', 'sh', u] },
  { name: 'aws cli', variable: 'REQUESTS_CA_BUNDLE', tools: ['aws'], when: e => !!e.REQUESTS_CA_BUNDLE && !e.AWS_CA_BUNDLE, argv: u => ['sh', '-c', 'AWS_ACCESS_KEY_ID=e2e AWS_SECRET_ACCESS_KEY=e2e AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true aws s3api list-buckets --endpoint-url "$1" --cli-read-timeout 10 --cli-connect-timeout 10 >/dev/null', 'sh', u] },
  { name: 'aws cli', variable: 'AWS_CA_BUNDLE', tools: ['aws'], when: e => !!e.AWS_CA_BUNDLE, argv: u => ['sh', '-c', 'AWS_ACCESS_KEY_ID=e2e AWS_SECRET_ACCESS_KEY=e2e AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true aws s3api list-buckets --endpoint-url "$1" --cli-read-timeout 10 --cli-connect-timeout 10 >/dev/null', 'sh', u] },
  // base R reads CURL_CA_BUNDLE (Debian's Renviron sets it to the system bundle when it is unset); PHP streams read SSL_CERT_FILE (OpenSSL's default paths)
  { name: 'base R url()', variable: 'CURL_CA_BUNDLE', tools: ['Rscript'], when: e => !!e.CURL_CA_BUNDLE, argv: u => ['Rscript', '-e', 'invisible(readLines(url(commandArgs(TRUE)[1]), warn = FALSE))', u] },
  { name: 'PHP file_get_contents', variable: 'SSL_CERT_FILE', tools: ['php'], when: e => !!e.SSL_CERT_FILE, argv: u => ['php', '-r', 'exit(@file_get_contents($argv[1]) === false ? 1 : 0);', u] },
  // clients that read no variable: only the system bundle overlay makes them trust the org CA
  { name: 'wget', variable: SYSTEM_BUNDLE, tools: ['wget'], when: (_e, o) => o, argv: u => ['wget', '-q', '-T', '10', '-t', '1', '-O', '/dev/null', u] },
  { name: 'R curl package', variable: SYSTEM_BUNDLE, tools: ['Rscript', 'r:curl'], when: (_e, o) => o, argv: u => ['Rscript', '-e', 'invisible(curl::curl_fetch_memory(commandArgs(TRUE)[1]))', u] },
  { name: 'PHP curl', variable: SYSTEM_BUNDLE, tools: ['php'], when: (_e, o) => o, argv: u => ['php', '-r', '$c = curl_init($argv[1]); curl_setopt($c, CURLOPT_RETURNTRANSFER, true); exit(curl_exec($c) === false ? 1 : 0);', u] },
  { name: 'java HttpClient', variable: 'JAVA_TOOL_OPTIONS', tools: ['java'], when: e => !!e.JAVA_TOOL_OPTIONS?.includes('javax.net.ssl.trustStore='), argv: u => ['java', '/var/run/e2e/Client.java', u] },
  // a JVM started without JAVA_TOOL_OPTIONS: only the cacerts overlay makes it trust the org CA
  { name: 'java, no options', variable: JVM_CACERTS, tools: ['java'], when: (_e, _o, j) => j, argv: u => ['env', '-u', 'JAVA_TOOL_OPTIONS', 'java', '/var/run/e2e/Client.java', u] },
];

/** The clients a container's variables call for and this machine has (outside CI, others skip with the reason printed). */
function clientsFor(env: Record<string, string>, container: any): Client[] {
  return CLIENTS.filter(c => c.when(env, overlaid(container), javaOverlaid(container))).filter(c => requireTools(`end-to-end client "${c.name}"`, c.tools));
}

/** Inside every pod: a bundle of the public roots only, for the discriminator. */
export const NO_ORG_CA = '/var/run/e2e/no-org-ca.pem';

export interface RunPodOptions {
  readonly layout: ImageLayout;
  readonly systemPem: string;
  readonly cluster: ClusterConfigMaps;
  /** ClusterTrustBundles for projected clusterTrustBundle sources. @default none */
  readonly ctbs?: ClusterTrustBundles;
  readonly endpoints: Endpoints;
  /** Path of the system bundle used for the discriminator (the layout's, or an empty file). */
  readonly systemBundlePath?: string;
  /**
   * Stand in for OpenShift's restricted-v2 SCC: every container without its own runAsUser runs as
   * this UID with GID 0, and a container that asks for another UID is refused (the pod is not
   * admitted).
   */
  readonly assignedUid?: number;
  /**
   * Run each container's own command (a Job's), not the suite's clients: the results are in
   * `commands`. @default false
   */
  readonly ownCommands?: boolean;
}

/** A container's own command, run as the pod would run it. */
export interface CommandRun {
  readonly container: string;
  readonly code: number;
  readonly output: string;
}

/** A container of the pod would not start (reported as the pod's error). */
class PodNotStarted extends Error {}

/** Runs a pod: the CA merge init containers, then the clients as every wired container. */
export async function runPod(pod: PodUnderTest, o: RunPodOptions): Promise<PodRun> {
  try {
    return await runPodOrThrow(pod, o);
  } catch (e) {
    if (e instanceof PodNotStarted) return { pod: pod.id, initLogs: [], initMs: [], results: [], error: e.message };
    throw e;
  }
}

async function runPodOrThrow(pod: PodUnderTest, o: RunPodOptions): Promise<PodRun> {
  const volumes = new Map<string, string>();
  for (const v of pod.spec.volumes ?? []) {
    const dir = hostDir(`vol-${v.name}`);
    // a ConfigMap (volume or projected source) into dir, or why the pod would not start
    const project = (cm: any, defaultMode?: number): string | undefined => {
      const data = o.cluster.get(pod.namespace)?.get(cm.name);
      if (!data) {
        return cm.optional ? undefined : `ConfigMap ${pod.namespace}/${cm.name} is missing and the volume is not optional: the pod would not start`;
      }
      const items = cm.items ?? Object.keys(data).map(k => ({ key: k, path: k }));
      for (const it of items) {
        if (data[it.key] === undefined) {
          if (!cm.optional) return `key ${it.key} missing in ConfigMap ${cm.name}`;
          continue;
        }
        fs.mkdirSync(path.dirname(path.join(dir, it.path)), { recursive: true });
        fs.writeFileSync(path.join(dir, it.path), data[it.key], { mode: it.mode ?? defaultMode ?? 0o644 });
      }
      return undefined;
    };
    if (v.configMap) {
      const error = project(v.configMap, v.configMap.defaultMode);
      if (error) return { pod: pod.id, initLogs: [], initMs: [], results: [], error };
      fs.chmodSync(dir, 0o755);
    } else if (v.projected) {
      for (const src of v.projected.sources ?? []) {
        if (src.configMap) {
          const error = project(src.configMap, v.projected.defaultMode);
          if (error) return { pod: pod.id, initLogs: [], initMs: [], results: [], error };
          continue;
        }
        const c = src.clusterTrustBundle;
        if (!c) throw new Error(`${pod.id}: the runner projects configMap and clusterTrustBundle sources only`);
        const matches = (o.ctbs ?? []).filter(b => (c.name ? b.name === c.name
          : b.signerName === c.signerName && Object.entries(c.labelSelector?.matchLabels ?? {}).every(([k, x]) => b.labels[k] === x)));
        if (matches.length === 0) {
          if (!c.optional) return { pod: pod.id, initLogs: [], initMs: [], results: [], error: `no ClusterTrustBundle matches ${JSON.stringify(c)} and the source is not optional: the pod would not start` };
          continue;
        }
        fs.writeFileSync(path.join(dir, c.path), matches.map(b => b.pem).join(''), { mode: 0o644 });
      }
      fs.chmodSync(dir, 0o755);
    } else if (!v.emptyDir) {
      // volumes the CA wiring does not use (e.g. an app's own data) are stood in for by an emptyDir
    }
    volumes.set(v.name, dir);
  }
  const e2eDir = hostDir('e2e');
  fs.writeFileSync(path.join(e2eDir, 'Client.java'), JAVA_CLIENT, { mode: 0o644 });
  // for the discriminator on images without a system bundle: a bundle without the org CA (an empty
  // file is no good: npm takes an empty cafile as unset and falls back to NODE_EXTRA_CA_CERTS)
  fs.writeFileSync(path.join(e2eDir, 'no-org-ca.pem'), o.systemPem, { mode: 0o644 });
  const go = goClientBinary();
  if (go) fs.copyFileSync(go, path.join(e2eDir, 'go-client'));
  fs.chmodSync(e2eDir, 0o755);

  // withoutOverlay: the container as it would be without the system bundle overlay (the discriminator of clients that read no variable)
  const mountsOf = (c: any, withoutOverlay = false): Mount[] => [
    ...(c.volumeMounts ?? []).filter((m: any) => !withoutOverlay || !isOverlayMount(m)).map((m: any) => {
      const host = volumes.get(m.name);
      if (!host) throw new Error(`${pod.id} container ${c.name} mounts unknown volume ${m.name}`);
      return { hostPath: m.subPath ? path.join(host, m.subPath) : host, containerPath: m.mountPath, readOnly: !!m.readOnly };
    }),
    { hostPath: e2eDir, containerPath: '/var/run/e2e', readOnly: true },
  ];
  const uidOf = (c: any) => c.securityContext?.runAsUser ?? pod.spec.securityContext?.runAsUser ?? o.assignedUid ?? 0;
  const gidOf = (c: any) => c.securityContext?.runAsGroup ?? pod.spec.securityContext?.runAsGroup ?? (o.assignedUid !== undefined ? 0 : uidOf(c));
  if (o.assignedUid !== undefined) {
    for (const c of [...(pod.spec.initContainers ?? []), ...pod.spec.containers]) {
      if (uidOf(c) !== o.assignedUid) {
        return { pod: pod.id, initLogs: [], initMs: [], results: [], error: `refused by the SCC: container ${c.name} asks for runAsUser ${uidOf(c)}, outside the namespace range (${o.assignedUid})` };
      }
    }
  }
  // as the kubelet builds it: each envFrom ConfigMap in order, then env (later wins); a missing
  // non-optional envFrom ConfigMap keeps the container from starting (CreateContainerConfigError)
  const envOf = (c: any): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const ef of c.envFrom ?? []) {
      if (!ef.configMapRef) throw new Error(`${pod.id}: the runner resolves envFrom configMapRef only`);
      const data = o.cluster.get(pod.namespace)?.get(ef.configMapRef.name);
      if (!data) {
        if (ef.configMapRef.optional) continue;
        throw new PodNotStarted(`container ${c.name}: envFrom ConfigMap ${pod.namespace}/${ef.configMapRef.name} is missing: CreateContainerConfigError, the container would not start`);
      }
      for (const [k, v] of Object.entries(data)) out[`${ef.prefix ?? ''}${k}`] = v;
    }
    for (const e of c.env ?? []) if (e.value !== undefined) out[e.name] = e.value;
    return out;
  };

  // a container's own command, as the kubelet would run it
  const runOwn = (c: any, timeoutMs: number) => runInImage({
    layout: o.layout,
    systemPem: o.systemPem,
    mounts: mountsOf(c),
    uid: uidOf(c),
    gid: gidOf(c),
    readOnlyRoot: !!c.securityContext?.readOnlyRootFilesystem,
    env: envOf(c),
    argv: [...(c.command ?? []), ...(c.args ?? [])],
    timeoutMs,
  });
  const initLogs: string[] = [];
  const initMs: number[] = [];
  const ours = (c: any) => c.name.startsWith('merge-ca-') || c.name === 'merge-ca-bundle';
  for (const c of pod.spec.initContainers ?? []) {
    if (!ours(c)) continue; // other init containers are the application's; their wiring is checked as clients below
    const start = process.hrtime.bigint();
    const r = await runOwn(c, 120_000);
    initMs.push(Number(process.hrtime.bigint() - start) / 1e6);
    initLogs.push(`${c.name}: exit ${r.code} ${r.stdout.trim()} ${r.stderr.trim()}`.trim());
    if (r.code !== 0) return { pod: pod.id, initLogs, initMs, results: [], error: `init container ${c.name} failed: ${r.stderr.trim()}` };
  }

  if (o.ownCommands) {
    const commands: CommandRun[] = [];
    for (const c of pod.spec.containers) {
      const r = await runOwn(c, 300_000);
      commands.push({ container: c.name, code: r.code, output: `${r.stdout}${r.stderr}` });
    }
    return { pod: pod.id, initLogs, initMs, results: [], commands };
  }
  const results: ClientResult[] = [];
  const wired = [...(pod.spec.initContainers ?? []).filter((c: any) => !ours(c)), ...pod.spec.containers];
  for (const c of wired) {
    const env = envOf(c);
    for (const client of clientsFor(env, c)) {
      const runs: Array<{ endpoint: string; mode: 'wired' | 'system-only'; url: string; env: Record<string, string>; withoutOverlay?: boolean }> = [
        { endpoint: 'org', mode: 'wired', url: o.endpoints.org, env },
        { endpoint: 'public', mode: 'wired', url: o.endpoints.public, env },
      ];
      if (client.variable === SYSTEM_BUNDLE || client.variable === JVM_CACERTS) {
        runs.push({ endpoint: 'org', mode: 'system-only', url: o.endpoints.org, env, withoutOverlay: true });
      } else if (client.variable !== 'JAVA_TOOL_OPTIONS') {
        // the image's own system bundle, as it is without the overlay
        runs.push({ endpoint: 'org', mode: 'system-only', url: o.endpoints.org, env: { ...env, [client.variable]: o.systemBundlePath ?? NO_ORG_CA }, withoutOverlay: true });
      }
      for (const run of runs) {
        const r = await runInImage({
          layout: o.layout,
          systemPem: o.systemPem,
          mounts: mountsOf(c, run.withoutOverlay),
          uid: uidOf(c),
          gid: gidOf(c),
          readOnlyRoot: false,
          env: { ...run.env, HOME: '/tmp', GIT_TERMINAL_PROMPT: '0' },
          argv: client.argv(run.url),
          timeoutMs: 60_000,
        });
        const detail = (r.stderr || r.stdout).trim().split('\n').slice(-2).join(' | ');
        results.push({ pod: pod.id, container: c.name, client: client.name, endpoint: run.endpoint, mode: run.mode, ok: r.code === 0, detail });
      }
    }
  }
  return { pod: pod.id, initLogs, initMs, results };
}

/** Lines of what went wrong: a wired client failing, or a system-only client succeeding against the org server. */
export function problems(run: PodRun, notExpected: (r: ClientResult) => boolean = () => false): string[] {
  const p: string[] = [];
  if (run.error) p.push(`${run.pod}: ${run.error}`);
  for (const r of run.results) {
    if (notExpected(r)) continue;
    const expected = r.mode === 'wired';
    if (r.ok !== expected) {
      p.push(`${r.pod} container "${r.container}" ${r.client} → ${r.endpoint} (${r.mode}): ${r.ok ? 'succeeded but must fail (the org CA must be what grants trust)' : `failed: ${r.detail}`}`);
    }
  }
  return p;
}
