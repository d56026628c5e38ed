/**
 * `npm run bench`: synth cost of the wiring.
 *
 * - synth time (construct + `app.synthYaml()`, which validates like `cdk8s synth`) of a chart of
 *   1,000 and 5,000 cdk8s-plus Deployments: unwired, wired in merge mode and in direct mode,
 *   paired (the three in turn, in one process, after a warm-up, each sample after a full
 *   collection), REPEATS times; the median and spread (min-max) of the per-pair wired/unwired
 *   ratios, and how cost grows to 5,000; at 5,000 also without the collections and one synth per
 *   fresh process;
 * - YAML bytes added per wired workload, per mode, and where the merge mode's bytes go;
 * - the Java trust store: keytool runs and time for 5 certificates, with and without the JKS;
 * - the command-line tool: wiring a 10,000-object render vs a plain parse + print of it with the
 *   same YAML library (paired, median and spread), and its start-up time;
 * - peak memory (max RSS) of the 5,000-workload synth, each case in its own child process;
 * - the merge init container vs update-ca-certificates, from the end-to-end test report.
 *
 * Writes the figures into BENCHMARKS.md between the bench markers, with machine and date.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Chart, Yaml } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import * as YAML from 'yaml';
import { CaSource, CaTrust, OrgCaBundle, WiringMode } from '../src';
import { trustedCertificatesJks } from '../src/bundle/jks';
import { run as runCli } from '../src/cli/main';
import { KEYTOOL_SCRIPT, MERGE_SCRIPT } from '../src/pod/init-scripts';
import { makeCa } from '../test/util/certs';

const ROOT = path.resolve(__dirname, '..');
const CA = path.join(ROOT, 'examples', 'demo-ca', 'org-ca.pem');
const REPEATS = Number(process.env.BENCH_REPEATS ?? 7);
const OTHER_REPEATS = Number(process.env.BENCH_OTHER_REPEATS ?? 5);
const SIZES = [1000, 5000];

type Mode = 'plain' | 'merge' | 'direct';

function build(n: number, mode: Mode): App {
  const app = new App({ outdir: os.tmpdir() });
  const chart = new Chart(app, 'bench', { namespace: 'apps' });
  const bundle = new OrgCaBundle(chart, 'ca', { source: CaSource.fromFile(CA), trustManager: { useDefaultCAs: true } });
  for (let i = 0; i < n; i++) {
    new kplus.Deployment(chart, `d${i}`, { containers: [{ name: 'app', image: `registry.example.com/app-${i}:1.0`, portNumber: 8080 }] });
  }
  if (mode !== 'plain') CaTrust.wireAll(chart, bundle, { mode: mode === 'direct' ? WiringMode.DIRECT : WiringMode.MERGE });
  return app;
}

/** A full collection before a sample, so no sample pays for the previous one's garbage (needs --expose-gc). */
function collect(clean: boolean): void {
  const gc = (globalThis as any).gc as (() => void) | undefined;
  if (!clean) return;
  if (!gc) throw new Error('run the benchmark with node --expose-gc (npm run bench does)');
  gc();
}

function synthOnce(n: number, mode: Mode, clean = true): { ms: number; yaml: string } {
  collect(clean);
  const start = process.hrtime.bigint();
  const yaml = build(n, mode).synthYaml();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, yaml };
}

/** Bytes of each field the merge mode adds to one Deployment, as YAML. */
function mergeFieldBytes(): string {
  const d = build(1, 'merge').charts[0].toJson().find((o: any) => o.kind === 'Deployment');
  const pod = d.spec.template.spec;
  const init = pod.initContainers[0];
  const y = (v: unknown) => Buffer.byteLength(Yaml.stringify(v));
  const { command, securityContext, resources, ...restOfInit } = init;
  const fields: Array<[string, number]> = [
    ['command (the merge script, in the pod spec)', y(command)],
    ['securityContext', y(securityContext)],
    ['resources', y(resources)],
    ['init container name, image, mounts', y(restOfInit)],
    ['volumes', y(pod.volumes)],
    ['app container mounts', y(pod.containers[0].volumeMounts)],
    ['the variables (env entries)', y(pod.containers[0].env)],
    ['rotation annotation', y(d.spec.template.metadata.annotations)],
  ];
  return fields.map(([k, b]) => `${k} ${b} B`).join(', ');
}

/** keytool runs and wall time for 5 org certificates, with and without the JKS (skipped without keytool). */
function keytoolFigures(): string {
  let real: string;
  try {
    real = execFileSync('sh', ['-c', 'command -v keytool']).toString().trim();
  } catch {
    return 'not measured: keytool is not installed';
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-keytool-'));
  const pems = fs.readFileSync(CA, 'utf8');
  const certs: Buffer[] = [];
  // five distinct certificates: the demo CA and four more made for the bench with openssl-free node:crypto
  const all = [pems, ...[1, 2, 3, 4].map(i => makeCa(`bench-${i}`).certPem)];
  for (const p of all) certs.push(Buffer.from(p.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64'));
  fs.writeFileSync(path.join(dir, 'org.pem'), all.join(''));
  fs.writeFileSync(path.join(dir, 'org.jks'), trustedCertificatesJks(certs, 'changeit'));
  const javaHome = path.dirname(path.dirname(fs.realpathSync(real)));
  const time = (withJks: boolean) => {
    const ms: number[] = [];
    for (let r = 0; r < 3; r++) {
      const start = process.hrtime.bigint();
      execFileSync('sh', ['-c', KEYTOOL_SCRIPT, 'merge-ca-truststore', path.join(dir, 'org.pem'), path.join(dir, `store-${r}-${withJks}`), 'changeit', withJks ? path.join(dir, 'org.jks') : '', withJks ? 'changeit' : ''], { env: { PATH: process.env.PATH, JAVA_HOME: javaHome }, stdio: 'pipe' });
      ms.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    return median(ms);
  };
  const one = time(true);
  const each = time(false);
  fs.rmSync(dir, { recursive: true, force: true });
  return `5 org certificates: with the JKS 1 keytool run, ${one.toFixed(0)} ms; PEM one by one 5 runs, ${each.toFixed(0)} ms (median of 3)`;
}

/**
 * CPU time of the merge script (user + system, its children included) on the largest org files a
 * ConfigMap holds, under dash and busybox: one 1 MiB block (dropped: no certificate is that large)
 * and 1 MiB of 64 KiB certificates (kept). Median and spread of 5 runs. Budget: ≤ 1 s under busybox.
 */
function mergeScriptCpu(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-merge-'));
  const pem = (der: Buffer) => `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n').trimEnd()}\n-----END CERTIFICATE-----\n`;
  const block = (length: number) => Buffer.concat([Buffer.from([0x30, 0x82, Math.floor(length / 256), length % 256]), Buffer.alloc(length, 7)]);
  const inputs: Record<string, string> = {
    'one 1 MiB block': pem(Buffer.concat([Buffer.from([0x30, 0x83, 0x10, 0x00, 0x00]), Buffer.alloc(0x100000, 7)])),
    '1 MiB of 64 KiB blocks': Array.from({ length: 12 }, () => pem(block(65_000))).join(''),
  };
  const shells: Array<[string, string[]]> = [['dash', ['dash']], ['busybox', ['busybox', 'sh']]];
  const parts: string[] = [];
  for (const [name, sh] of shells) {
    try {
      execFileSync('sh', ['-c', `command -v ${sh[0]}`], { stdio: 'pipe' });
    } catch {
      parts.push(`${name}: not measured (not installed)`);
      continue;
    }
    for (const [label, text] of Object.entries(inputs)) {
      fs.writeFileSync(path.join(dir, 'org.pem'), text);
      const cpu: number[] = [];
      for (let r = 0; r < 5; r++) {
        // bash's `times`: the second line is the CPU time of the shell's children
        const out = execFileSync('bash', ['-c', '"$@" >/dev/null 2>&1; times', 'bench', ...sh, '-c', MERGE_SCRIPT, 'merge-ca-bundle', path.join(dir, 'org.pem'), path.join(dir, 'out.pem')]).toString();
        const [user, sys] = [...out.trim().split('\n')[1].matchAll(/(\d+)m([\d.]+)s/g)].map(m => Number(m[1]) * 60 + Number(m[2]));
        cpu.push(user + sys);
      }
      parts.push(`${name}, ${label}: ${median(cpu).toFixed(2)} s (${Math.min(...cpu).toFixed(2)}–${Math.max(...cpu).toFixed(2)})`);
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
  return `${parts.join('; ')} (CPU, median and min–max of 5; budget ≤ 1 s under busybox). The script is ${Buffer.byteLength(MERGE_SCRIPT)} bytes`;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function fresh(n: number, mode: Mode): number {
  const out = execFileSync(process.execPath, ['-r', 'ts-node/register/transpile-only', __filename, '--fresh', String(n), mode], {
    cwd: ROOT, env: { ...process.env, TS_NODE_PROJECT: path.join(ROOT, 'bench', 'tsconfig.json') }, maxBuffer: 1024 * 1024,
  }).toString();
  return JSON.parse(out.trim().split('\n').pop()!).ms;
}

function child(n: number, wired: boolean): number {
  const out = execFileSync(process.execPath, ['-r', 'ts-node/register/transpile-only', __filename, '--child', String(n), wired ? 'wired' : 'plain'], {
    cwd: ROOT, env: { ...process.env, TS_NODE_PROJECT: path.join(ROOT, 'bench', 'tsconfig.json') }, maxBuffer: 1024 * 1024,
  }).toString();
  return JSON.parse(out.trim().split('\n').pop()!).maxRssMiB;
}

const CLI_N = 5000;
const CLI_REPEATS = 5;

/**
 * The command-line tool on a 10,000-object render (a Deployment and a Service per app), paired with
 * a plain parse + print of it; run in a process of its own (`--cli`), whose heap the synth samples
 * have not grown, as the command runs.
 */
/** The bench's render: `n` apps, each a Deployment (with a `# Source:` comment, as Helm writes) and a Service. */
function cliRender(n: number): string[] {
  const docs: string[] = [];
  for (let i = 0; i < n; i++) {
    docs.push(`# Source: chart/templates/app-${i}.yaml\n${YAML.stringify({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: `app-${i}`, namespace: 'apps' },
      spec: { selector: { matchLabels: { app: `app-${i}` } }, template: { metadata: { labels: { app: `app-${i}` } }, spec: { containers: [{ name: 'app', image: `registry.example.com/app-${i}:1.0`, ports: [{ containerPort: 8080 }] }] } } },
    })}`);
    docs.push(YAML.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: `app-${i}`, namespace: 'apps' }, spec: { selector: { app: `app-${i}` }, ports: [{ port: 80, targetPort: 8080 }] } }));
  }
  return docs;
}

function cliPairs(): { plainMs: number[]; wireMs: number[] } {
  const docs = cliRender(CLI_N);
  const text = docs.join('---\n');
  const wireMs: number[] = [];
  const plainMs: number[] = [];
  for (let r = -1; r < CLI_REPEATS; r++) { // r = -1: warm-up
    collect(true);
    let t = process.hrtime.bigint();
    const printed = YAML.parseAllDocuments(text).map(d => YAML.stringify(d.toJS(), { lineWidth: 0 })).join('---\n');
    const plain = Number(process.hrtime.bigint() - t) / 1e6;
    collect(true);
    t = process.hrtime.bigint();
    let out = '';
    const code = runCli(['wire', '--ca', CA, '--quiet', '-'], () => text, x => { out += x; }, () => undefined);
    const wire = Number(process.hrtime.bigint() - t) / 1e6;
    if (code !== 0 || out.length <= printed.length) throw new Error('the bench render was not wired');
    if (r < 0) continue;
    plainMs.push(plain);
    wireMs.push(wire);
    process.stderr.write(`cli run ${r + 1}/${CLI_REPEATS}: parse+print ${plain.toFixed(0)} ms, wire ${wire.toFixed(0)} ms\n`);
  }
  return { plainMs, wireMs };
}

const MIB = 1024 * 1024;

/**
 * Peak memory (max RSS) of the command as users run it (the compiled bin, a process of its own,
 * output to /dev/null): wiring the 10,000-object render vs a plain parse + print of the same file
 * with the same YAML library, paired, CLI_REPEATS times; then wiring a render of at least 100 MB,
 * once, with its time.
 */
function cliMemory(bin: string): string {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'org-ca-bench-'));
  try {
    const preload = path.join(tmp, 'rss.js');
    fs.writeFileSync(preload, 'process.on(\'exit\', () => require(\'fs\').writeSync(2, `\\nmaxrss-kib ${process.resourceUsage().maxRSS}\\n`));\n');
    const plainJs = path.join(tmp, 'plain.js');
    fs.writeFileSync(plainJs, [
      `const YAML = require(${JSON.stringify(require.resolve('yaml'))});`,
      'const fs = require(\'fs\');',
      'const text = fs.readFileSync(process.argv[2], \'utf8\');',
      'fs.writeSync(1, YAML.parseAllDocuments(text).map(d => YAML.stringify(d.toJS(), { lineWidth: 0 })).join(\'---\\n\'));',
    ].join('\n'));
    const measure = (args: string[]) => {
      const t = process.hrtime.bigint();
      const r = spawnSync(process.execPath, ['-r', preload, ...args], { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 16 * MIB, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
      const kib = Number(/maxrss-kib (\d+)/.exec(r.stderr)?.[1]);
      return { mib: kib / 1024, ms: Number(process.hrtime.bigint() - t) / 1e6 };
    };
    const render = path.join(tmp, 'render.yaml');
    fs.writeFileSync(render, cliRender(CLI_N).join('---\n'));
    const plain: number[] = [];
    const wired: number[] = [];
    for (let r = 0; r < CLI_REPEATS; r++) {
      plain.push(measure([plainJs, render]).mib);
      wired.push(measure([bin, 'wire', '--ca', CA, '--quiet', render]).mib);
      process.stderr.write(`cli memory run ${r + 1}/${CLI_REPEATS}: parse+print ${plain[r].toFixed(0)} MiB, wire ${wired[r].toFixed(0)} MiB\n`);
    }
    const ratios = wired.map((w, i) => w / plain[i]);
    // the 100 MB render, written a part at a time
    const bigFile = path.join(tmp, 'big.yaml');
    const fd = fs.openSync(bigFile, 'w');
    let apps = 0;
    const base = cliRender(CLI_N).join('---\n');
    for (let part = 0; fs.fstatSync(fd).size < 100 * 1000 * 1000; part++) {
      fs.writeSync(fd, `${part ? '---\n' : ''}${base.replace(/app-(\d+)/g, (_m, k) => `app-${part * CLI_N + Number(k)}`)}`);
      apps += CLI_N;
    }
    fs.closeSync(fd);
    const bigBytes = fs.statSync(bigFile).size;
    const big = measure([bin, 'wire', '--ca', CA, '--quiet', bigFile]);
    process.stderr.write(`cli memory, ${(bigBytes / 1e6).toFixed(0)} MB: ${big.mib.toFixed(0)} MiB in ${(big.ms / 1000).toFixed(0)} s\n`);
    return `peak memory wiring the ${2 * CLI_N}-object render ${median(wired).toFixed(0)} MiB vs the plain parse + print ${median(plain).toFixed(0)} MiB: `
      + `${median(ratios).toFixed(2)}× (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}; paired, median of ${CLI_REPEATS}, the compiled command in a process of its own; budget ≤ 2×). `
      + `A ${(bigBytes / 1e6).toFixed(0)} MB render (${2 * apps} objects) wired in ${(big.ms / 1000).toFixed(0)} s with a peak of ${big.mib.toFixed(0)} MiB (one run): `
      + 'the command reads, wires and writes a document at a time, so memory does not grow with the render';
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function cliFigures(): string {
  const n = CLI_N;
  const { plainMs, wireMs } = JSON.parse(execFileSync(process.execPath, ['--expose-gc', '-r', 'ts-node/register/transpile-only', __filename, '--cli'], {
    cwd: ROOT, env: { ...process.env, TS_NODE_PROJECT: path.join(ROOT, 'bench', 'tsconfig.json') }, maxBuffer: 1024 * 1024, stdio: ['ignore', 'pipe', 'inherit'],
  }).toString().trim().split('\n').pop()!) as { plainMs: number[]; wireMs: number[] };
  const ratios = wireMs.map((w, i) => w / plainMs[i]);
  let startup = 'not measured (run `npx projen compile` first: lib/cli/main.js is missing)';
  const bin = path.join(ROOT, 'lib', 'cli', 'main.js');
  if (fs.existsSync(bin)) {
    const ms: number[] = [];
    for (let r = 0; r < 5; r++) {
      const t = process.hrtime.bigint();
      execFileSync(process.execPath, [bin, 'check', '--ca', CA], { stdio: 'pipe' });
      ms.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    startup = `${median(ms).toFixed(0)} ms for \`cdk8s-org-ca check\` (median of 5, node start included)`;
  }
  const spread = `${median(ratios).toFixed(2)}× (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})`;
  const memory = fs.existsSync(bin) ? cliMemory(bin) : 'peak memory not measured (run `npx projen compile` first)';
  return `${memory}. Time: wiring a ${2 * n}-object render (${n} Deployments, ${n} Services) ${median(wireMs).toFixed(0)} ms vs a plain parse + print of it ${median(plainMs).toFixed(0)} ms: ${spread} (paired, median of ${CLI_REPEATS}, in a process of its own, each sample after a full collection; budget ≤ 1.5×). Start-up: ${startup}`;
}

function main() {
  if (process.argv[2] === '--child') {
    synthOnce(Number(process.argv[3]), process.argv[4] === 'wired' ? 'merge' : 'plain', false);
    console.log(JSON.stringify({ maxRssMiB: process.resourceUsage().maxRSS / 1024 }));
    return;
  }
  if (process.argv[2] === '--cli') {
    console.log(JSON.stringify(cliPairs()));
    return;
  }
  if (process.argv[2] === '--fresh') { // one synth in a fresh process, as `cdk8s synth` runs it
    console.log(JSON.stringify({ ms: synthOnce(Number(process.argv[3]), process.argv[4] as Mode, false).ms }));
    return;
  }
  for (const m of ['plain', 'merge', 'direct'] as Mode[]) synthOnce(200, m); // warm-up: module loading, JIT
  const rows: Array<{ n: number; ms: Record<Mode, number>; ratio: Record<string, number[]>; bytes: Record<string, number> }> = [];
  for (const n of SIZES) {
    const ms: Record<Mode, number[]> = { plain: [], merge: [], direct: [] };
    const ratio: Record<string, number[]> = { merge: [], direct: [] };
    const bytes: Record<string, number> = {};
    for (let r = 0; r < REPEATS; r++) {
      const runs = (['plain', 'merge', 'direct'] as Mode[]).map(m => [m, synthOnce(n, m)] as const);
      const plain = runs[0][1];
      for (const [m, x] of runs) {
        ms[m].push(x.ms);
        if (m !== 'plain') {
          ratio[m].push(x.ms / plain.ms);
          bytes[m] = (Buffer.byteLength(x.yaml) - Buffer.byteLength(plain.yaml)) / n;
        }
      }
      process.stderr.write(`n=${n} run ${r + 1}/${REPEATS}: ${runs.map(([m, x]) => `${m} ${x.ms.toFixed(0)} ms`).join(', ')}\n`);
    }
    rows.push({ n, ms: { plain: median(ms.plain), merge: median(ms.merge), direct: median(ms.direct) }, ratio, bytes });
  }
  const big = SIZES[SIZES.length - 1];
  // the same pairs at the largest size, measured two other ways: without the collection before each
  // sample (each then pays for some of the previous sample's garbage), and one synth per fresh process
  const otherMethods = (['in-process', 'fresh'] as const).map(method => {
    const ratio: Record<string, number[]> = { merge: [], direct: [] };
    for (let r = 0; r < OTHER_REPEATS; r++) {
      const [p, m, d] = (['plain', 'merge', 'direct'] as Mode[]).map(mode => (method === 'fresh' ? fresh(big, mode) : synthOnce(big, mode, false).ms));
      ratio.merge.push(m / p);
      ratio.direct.push(d / p);
      process.stderr.write(`n=${big} ${method} run ${r + 1}/${OTHER_REPEATS}: plain ${p.toFixed(0)} ms, merge ${m.toFixed(0)} ms, direct ${d.toFixed(0)} ms\n`);
    }
    return ratio;
  });
  // max RSS depends on when V8 collects: the median of three processes per case
  const rssPlainRuns = [0, 1, 2].map(() => child(big, false));
  const rssWiredRuns = [0, 1, 2].map(() => child(big, true));
  const rss = (runs: number[]) => `${median(runs).toFixed(0)} MiB (max ${Math.max(...runs).toFixed(0)})`;

  const [small, large] = rows;
  const growth = (m: Mode) => large.ms[m] / small.ms[m] / (large.n / small.n);
  const spread = (xs: number[]) => `${median(xs).toFixed(2)}× (${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)})`;
  let mergeLine = '(run `npm test` first: test-reports/merge-vs-update-ca-certificates.json is missing)';
  const mergeFile = path.join(ROOT, 'test-reports', 'merge-vs-update-ca-certificates.json');
  if (fs.existsSync(mergeFile)) {
    const m = JSON.parse(fs.readFileSync(mergeFile, 'utf8'));
    mergeLine = `the commands alone (timed inside their sandboxes): merge script ${m.mergeMedianMs.toFixed(1)} ms vs update-ca-certificates ${m.updateCaCertificatesMedianMs.toFixed(1)} ms, ratio 1/${(m.updateCaCertificatesMedianMs / m.mergeMedianMs).toFixed(0)}; `
      + `with the sandbox set-up (unshare, overlay, chroot) ${m.mergeWithSandboxMedianMs.toFixed(0)} ms vs ${m.updateCaCertificatesWithSandboxMedianMs.toFixed(0)} ms (median of ${m.runs}, ${m.date.slice(0, 10)})`;
  }
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const md = [
    '<!-- bench:start (written by `npm run bench`) -->',
    `Machine: ${os.cpus().length} × ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.type()} ${os.release()}, Node ${process.version}. Date: ${new Date().toISOString().slice(0, 10)}. Median of ${REPEATS} runs.`,
    '',
    '| workloads | unwired | merge | direct | merge / unwired (median, min–max of pairs) | direct / unwired | bytes added per workload: merge · direct |',
    '|---|---|---|---|---|---|---|',
    ...rows.map(r => `| ${r.n} | ${r.ms.plain.toFixed(0)} ms | ${r.ms.merge.toFixed(0)} ms | ${r.ms.direct.toFixed(0)} ms | ${spread(r.ratio.merge)} | ${spread(r.ratio.direct)} | ${r.bytes.merge.toFixed(0)} B · ${r.bytes.direct.toFixed(0)} B |`),
    '',
    `Each sample above starts after a full collection (\`node --expose-gc\`), as a \`cdk8s synth\` process starts with an empty heap. The same pairs at ${big} workloads, ${OTHER_REPEATS} each: `
      + `without the collection (the method of the earlier runs; a sample then also pays for some of the previous one's garbage) merge ${spread(otherMethods[0].merge)}, direct ${spread(otherMethods[0].direct)}; `
      + `one synth per fresh process (module loading excluded, JIT cold, as \`cdk8s synth\` runs) merge ${spread(otherMethods[1].merge)}, direct ${spread(otherMethods[1].direct)}.`,
    '',
    `Growth from ${small.n} to ${large.n} workloads, per workload (1.00 = linear): unwired ${growth('plain').toFixed(2)}, merge ${growth('merge').toFixed(2)}, direct ${growth('direct').toFixed(2)}.`,
    '',
    `Where the merge mode's bytes go (one Deployment): ${mergeFieldBytes()}.`,
    '',
    `Merge script at pod start, largest org files: ${mergeScriptCpu()}.`,
    '',
    `Java trust store: ${keytoolFigures()}.`,
    '',
    `Command-line tool: ${cliFigures()}.`,
    '',
    `Peak memory (max RSS; median and max of 3 processes) of the ${big}-workload synth: unwired ${rss(rssPlainRuns)}, wired ${rss(rssWiredRuns)}.`,
    '',
    `Merge vs update-ca-certificates (end-to-end tests): ${mergeLine}.`,
    '<!-- bench:end -->',
  ].join('\n');
  console.log(md);
  const file = path.join(ROOT, 'BENCHMARKS.md');
  const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Benchmarks\n';
  const next = /<!-- bench:start[\s\S]*<!-- bench:end -->/.test(current)
    ? current.replace(/<!-- bench:start[\s\S]*<!-- bench:end -->/, md)
    : `${current.trimEnd()}\n\n## Synth benchmark\n\n${md}\n`;
  fs.writeFileSync(file, next);
}

main();
