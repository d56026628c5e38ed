/**
 * The tests' warning switch: every test file starts with the library's warnings collected here
 * instead of printed (jest setupFiles), so a green run prints none; a test reads what it expects
 * with `takeWarnings()`.
 */
import { setWarningSink } from '../../src/util/warnings';

const collected: string[] = [];

/** Collects the library's warnings from now on (test/setup.ts). */
export function collectWarnings(): void {
  setWarningSink(m => {
    collected.push(m);
  });
}

/** The warnings collected since the last call, emptied. */
export function takeWarnings(): string[] {
  return collected.splice(0);
}
