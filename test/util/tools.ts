/* Optional tools the tests run (busybox, dash, keytool, the end-to-end TLS clients). On a machine
 * without one, the tests that need it skip with the reason printed; in CI (CI set) a missing tool
 * fails the suite, because .ci/run installs every one of them. */
import { execFileSync } from 'node:child_process';

const seen = new Map<string, boolean>();
const reported = new Set<string>();

/** Whether `tool` is on PATH. */
export function haveTool(tool: string): boolean {
  let ok = seen.get(tool);
  if (ok === undefined) {
    try {
      if (tool.startsWith('r:')) {
        // an R package, for the Rscript the sandboxed clients run
        execFileSync('sh', ['-c', 'PATH=/usr/bin:/bin Rscript -e "library($1)"', 'sh', tool.slice(2)], { stdio: 'ignore' });
      } else if (tool.startsWith('py:')) {
        // a Python module: python3 must be on PATH, and the python3 the sandboxed clients run
        // (found on the default search path, as in a container without PATH) must import it
        execFileSync('sh', ['-c', 'command -v python3 >/dev/null && PATH=/usr/bin:/bin python3 -c "import $1"', 'sh', tool.slice(3)], { stdio: 'ignore' });
      } else {
        execFileSync('sh', ['-c', 'command -v "$1"', 'sh', tool], { stdio: 'ignore' });
      }
      ok = true;
    } catch {
      ok = false;
    }
    seen.set(tool, ok);
  }
  return ok;
}

/**
 * True when every tool is on PATH. Otherwise: in CI throws (the suite fails, naming the tools);
 * elsewhere prints `skipping <what>: <tools> not on PATH` once and returns false.
 */
export function requireTools(what: string, tools: string[]): boolean {
  const missing = tools.filter(t => !haveTool(t));
  if (missing.length === 0) return true;
  const why = `${missing.join(', ')} not on PATH`;
  if (process.env.CI) {
    throw new Error(`${what} must run in CI but cannot: ${why} (.ci/run installs them)`);
  }
  reportSkip(`${what}: ${why}`);
  return false;
}

/**
 * Prints `skipping <reason>` once, straight to stderr: jest drops the console output of a suite
 * whose tests are all skipped, and the reason must be seen.
 */
export function reportSkip(reason: string): void {
  const line = `skipping ${reason}`;
  if (reported.has(line)) return;
  reported.add(line);
  process.stderr.write(`${line}\n`);
}

/**
 * `test.each(rows)`, or, when missing tools left no rows, one skipped test saying so (jest refuses
 * an empty table).
 */
export function eachOrSkip<T>(rows: readonly T[], what: string): jest.Each['test'] | ((name: string, fn: (row: T) => unknown, timeout?: number) => void) {
  if (rows.length > 0) return test.each(rows as T[]) as any;
  return (name: string) => test.skip(`${name} (${what}: no row can run on this machine)`, () => undefined);
}
