/**
 * The library's one warning channel. Every module warns through `warn` (or `warnOnce`); by default
 * a warning is one stderr line, `[cdk8s-org-ca] warning: …`. The command and the tests route them
 * elsewhere with `setWarningSink`.
 * @internal
 */

/** Where warnings go. @internal */
export type WarningSink = (message: string) => void;

/** The default sink: one line on stderr. @internal */
export const STDERR_SINK: WarningSink = message => {
  process.stderr.write(`[cdk8s-org-ca] warning: ${message}\n`);
};

let sink: WarningSink = STDERR_SINK;
const printed = new Set<string>();

/** Emits a warning. @internal */
export function warn(message: string): void {
  sink(message);
}

/** Emits a warning once per process (synth hooks run once per chart render). @internal */
export function warnOnce(message: string): void {
  if (printed.has(message)) return;
  printed.add(message);
  sink(message);
}

/**
 * Sends warnings to `next` from now on (and forgets which were printed once, so a new run warns
 * again); returns the sink it replaced.
 * @internal
 */
export function setWarningSink(next: WarningSink): WarningSink {
  const previous = sink;
  sink = next;
  printed.clear();
  return previous;
}
