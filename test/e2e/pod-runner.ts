/* A small pod runner: takes synthesized manifests, builds the ConfigMaps the pods would see
 * (plain ConfigMaps and what trust-manager projects from a Bundle), runs the CA merge init
 * containers in image sandboxes with their volumes, then runs real TLS clients as the wired
 * containers against local HTTPS servers.
 */
import * as fs from 'node:fs';
import * as https from 'node:https';
import { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { findTemplates, BUILTIN_TEMPLATE_PATHS } from '../../src/pod/pod-templates';
import { hostDir, ImageLayout, Mount, runInImage } from '../util/sandbox';
import { requireTools } from '../util/tools';

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

/** ConfigMaps per namespace: name → key → content. */
export type ClusterConfigMaps = Map<string, Map<string, Record<string, string>>>;

/** What the cluster holds: plain ConfigMaps, plus trust-manager's projection of each Bundle into `namespaces`. */
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
  readonly error?: string;
}

export interface Endpoints {
  readonly org: string;
  readonly public: string;
}

/** HTTPS servers on 127.0.0.1 (ephemeral ports): answers 200, and a dumb-git info/refs. */
export async function startServers(org: { certFile: string; keyFile: string }, pub: { certFile: string; keyFile: string }) {
  const handler = (req: any, res: any) => {
    if (String(req.url).includes('/info/refs')) {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('0123456789012345678901234567890123456789\trefs/heads/main\n');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok\n');
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

/** The command each client runs, to skip (outside CI) the clients this machine does not have. */
const TOOL_OF: Record<string, string> = {
  'python urllib': 'python3', 'openssl s_client': 'openssl', 'curl': 'curl', 'git ls-remote': 'git', 'node https.get': 'node', 'java HttpClient': 'java',
};

/** The clients a container's variables call for (and this machine has), each with the variable it reads. */
function clientsFor(env: Record<string, string>): Client[] {
  return allClientsFor(env).filter(c => requireTools(`end-to-end client "${c.name}"`, [TOOL_OF[c.name]]));
}

function allClientsFor(env: Record<string, string>): Client[] {
  const c: Client[] = [];
  if (env.SSL_CERT_FILE) {
    c.push({ name: 'python urllib', variable: 'SSL_CERT_FILE', argv: u => ['python3', '-c', 'import sys,urllib.request; urllib.request.urlopen(sys.argv[1], timeout=10).read(); print("ok")', u] });
    c.push({ name: 'openssl s_client', variable: 'SSL_CERT_FILE', argv: u => ['sh', '-c', 'openssl s_client -connect "$1" -verify_return_error -brief </dev/null', 'sh', u.replace('https://', '')] });
  }
  if (env.CURL_CA_BUNDLE) c.push({ name: 'curl', variable: 'CURL_CA_BUNDLE', argv: u => ['curl', '-fsS', '--max-time', '10', '-o', '/dev/null', u] });
  if (env.GIT_SSL_CAINFO) c.push({ name: 'git ls-remote', variable: 'GIT_SSL_CAINFO', argv: u => ['git', 'ls-remote', `${u}/repo.git`] });
  if (env.NODE_EXTRA_CA_CERTS) {
    c.push({ name: 'node https.get', variable: 'NODE_EXTRA_CA_CERTS', argv: u => ['node', '-e', 'require("https").get(process.argv[1], r => process.exit(r.statusCode === 200 ? 0 : 1)).on("error", e => { console.error(e.message); process.exit(1); })', u] });
  }
  if (env.JAVA_TOOL_OPTIONS?.includes('javax.net.ssl.trustStore=')) {
    c.push({ name: 'java HttpClient', variable: 'JAVA_TOOL_OPTIONS', argv: u => ['java', '/var/run/e2e/Client.java', u] });
  }
  return c;
}

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
}

/** Runs a pod: the CA merge init containers, then the clients as every wired container. */
export async function runPod(pod: PodUnderTest, o: RunPodOptions): Promise<PodRun> {
  const volumes = new Map<string, string>();
  for (const v of pod.spec.volumes ?? []) {
    const dir = hostDir(`vol-${v.name}`);
    if (v.configMap) {
      const data = o.cluster.get(pod.namespace)?.get(v.configMap.name);
      if (!data) {
        if (!v.configMap.optional) return { pod: pod.id, initLogs: [], initMs: [], results: [], error: `ConfigMap ${pod.namespace}/${v.configMap.name} is missing and the volume is not optional: the pod would not start` };
      } else {
        const items = v.configMap.items ?? Object.keys(data).map(k => ({ key: k, path: k }));
        for (const it of items) {
          if (data[it.key] === undefined) {
            if (!v.configMap.optional) return { pod: pod.id, initLogs: [], initMs: [], results: [], error: `key ${it.key} missing in ConfigMap ${v.configMap.name}` };
            continue;
          }
          fs.mkdirSync(path.dirname(path.join(dir, it.path)), { recursive: true });
          fs.writeFileSync(path.join(dir, it.path), data[it.key], { mode: it.mode ?? v.configMap.defaultMode ?? 0o644 });
        }
      }
      fs.chmodSync(dir, 0o755);
    } else if (v.projected) {
      for (const src of v.projected.sources ?? []) {
        const c = src.clusterTrustBundle;
        if (!c) throw new Error(`${pod.id}: the runner projects clusterTrustBundle sources only`);
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
  fs.chmodSync(e2eDir, 0o755);

  const mountsOf = (c: any): Mount[] => [
    ...(c.volumeMounts ?? []).map((m: any) => {
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
  const envOf = (c: any): Record<string, string> =>
    Object.fromEntries((c.env ?? []).filter((e: any) => e.value !== undefined).map((e: any) => [e.name, e.value]));

  const initLogs: string[] = [];
  const initMs: number[] = [];
  const ours = (c: any) => c.name.startsWith('merge-ca-') || c.name === 'merge-ca-bundle';
  for (const c of pod.spec.initContainers ?? []) {
    if (!ours(c)) continue; // other init containers are the application's; their wiring is checked as clients below
    const start = process.hrtime.bigint();
    const r = await runInImage({
      layout: o.layout,
      systemPem: o.systemPem,
      mounts: mountsOf(c),
      uid: uidOf(c),
      gid: gidOf(c),
      readOnlyRoot: !!c.securityContext?.readOnlyRootFilesystem,
      env: envOf(c),
      argv: [...(c.command ?? []), ...(c.args ?? [])],
      timeoutMs: 120_000,
    });
    initMs.push(Number(process.hrtime.bigint() - start) / 1e6);
    initLogs.push(`${c.name}: exit ${r.code} ${r.stdout.trim()} ${r.stderr.trim()}`.trim());
    if (r.code !== 0) return { pod: pod.id, initLogs, initMs, results: [], error: `init container ${c.name} failed: ${r.stderr.trim()}` };
  }

  const results: ClientResult[] = [];
  const wired = [...(pod.spec.initContainers ?? []).filter((c: any) => !ours(c)), ...pod.spec.containers];
  for (const c of wired) {
    const env = envOf(c);
    for (const client of clientsFor(env)) {
      const runs: Array<{ endpoint: string; mode: 'wired' | 'system-only'; url: string; env: Record<string, string> }> = [
        { endpoint: 'org', mode: 'wired', url: o.endpoints.org, env },
        { endpoint: 'public', mode: 'wired', url: o.endpoints.public, env },
      ];
      if (client.variable !== 'JAVA_TOOL_OPTIONS') {
        runs.push({ endpoint: 'org', mode: 'system-only', url: o.endpoints.org, env: { ...env, [client.variable]: o.systemBundlePath ?? '/dev/null' } });
      }
      for (const run of runs) {
        const r = await runInImage({
          layout: o.layout,
          systemPem: o.systemPem,
          mounts: mountsOf(c),
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
