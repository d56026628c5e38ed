/**
 * `npm run bench`: synth cost of the wiring.
 *
 * - synth time (construct + `app.synthYaml()`, which validates like `cdk8s synth`) of a chart of
 *   1,000 and 5,000 cdk8s-plus Deployments, wired with `CaTrust.wireAll` vs not, alternating in
 *   one process after a warm-up, median of REPEATS; the wired/unwired ratio and how cost grows
 *   from 1,000 to 5,000;
 * - YAML bytes added per wired workload;
 * - peak memory (max RSS) of the 5,000-workload synth, each case in its own child process;
 * - the merge init container vs update-ca-certificates, from the end-to-end test report.
 *
 * Writes the figures into BENCHMARKS.md between the bench markers, with machine and date.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { CaSource, CaTrust, OrgCaBundle } from '../src';

const ROOT = path.resolve(__dirname, '..');
const CA = path.join(ROOT, 'examples', 'demo-ca', 'org-ca.pem');
const REPEATS = Number(process.env.BENCH_REPEATS ?? 7);
const SIZES = [1000, 5000];

function synthOnce(n: number, wired: boolean): { ms: number; yaml: string } {
  const start = process.hrtime.bigint();
  const app = new App({ outdir: os.tmpdir() });
  const chart = new Chart(app, 'bench', { namespace: 'apps' });
  const bundle = new OrgCaBundle(chart, 'ca', { source: CaSource.fromFile(CA) });
  for (let i = 0; i < n; i++) {
    new kplus.Deployment(chart, `d${i}`, { containers: [{ name: 'app', image: `registry.example.com/app-${i}:1.0`, portNumber: 8080 }] });
  }
  if (wired) CaTrust.wireAll(chart, bundle);
  const yaml = app.synthYaml();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, yaml };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function child(n: number, wired: boolean): number {
  const out = execFileSync(process.execPath, ['-r', 'ts-node/register/transpile-only', __filename, '--child', String(n), wired ? 'wired' : 'plain'], {
    cwd: ROOT, env: { ...process.env, TS_NODE_PROJECT: path.join(ROOT, 'bench', 'tsconfig.json') }, maxBuffer: 1024 * 1024,
  }).toString();
  return JSON.parse(out.trim().split('\n').pop()!).maxRssMiB;
}

function main() {
  if (process.argv[2] === '--child') {
    synthOnce(Number(process.argv[3]), process.argv[4] === 'wired');
    console.log(JSON.stringify({ maxRssMiB: process.resourceUsage().maxRSS / 1024 }));
    return;
  }
  synthOnce(200, false);
  synthOnce(200, true); // warm-up: module loading, JIT
  const rows: Array<{ n: number; plain: number; wired: number; bytesPerWorkload: number }> = [];
  for (const n of SIZES) {
    const plain: number[] = [];
    const wired: number[] = [];
    let bytes = 0;
    for (let r = 0; r < REPEATS; r++) {
      const p = synthOnce(n, false);
      const w = synthOnce(n, true);
      plain.push(p.ms);
      wired.push(w.ms);
      bytes = (Buffer.byteLength(w.yaml) - Buffer.byteLength(p.yaml)) / n;
      process.stderr.write(`n=${n} run ${r + 1}/${REPEATS}: plain ${p.ms.toFixed(0)} ms, wired ${w.ms.toFixed(0)} ms\n`);
    }
    rows.push({ n, plain: median(plain), wired: median(wired), bytesPerWorkload: bytes });
  }
  const big = SIZES[SIZES.length - 1];
  // max RSS depends on when V8 collects: the median of three processes per case
  const rssPlainRuns = [0, 1, 2].map(() => child(big, false));
  const rssWiredRuns = [0, 1, 2].map(() => child(big, true));
  const rss = (runs: number[]) => `${median(runs).toFixed(0)} MiB (max ${Math.max(...runs).toFixed(0)})`;

  const [small, large] = rows;
  const growth = (r: keyof typeof small) => (large[r] as number) / (small[r] as number) / (large.n / small.n);
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
    '| workloads | unwired synth | wired synth | wired / unwired | YAML bytes added per workload |',
    '|---|---|---|---|---|',
    ...rows.map(r => `| ${r.n} | ${r.plain.toFixed(0)} ms | ${r.wired.toFixed(0)} ms | ${(r.wired / r.plain).toFixed(2)}× | ${r.bytesPerWorkload.toFixed(0)} B |`),
    '',
    `Growth from ${small.n} to ${large.n} workloads, per workload (1.00 = linear): unwired ${growth('plain').toFixed(2)}, wired ${growth('wired').toFixed(2)}.`,
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
