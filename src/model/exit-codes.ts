/** Exit codes (SPEC section 7), and the one place that derives them. */
import type { Verdict } from './types.js';

export const EXIT = {
  go: 0,
  internal: 1,
  usage: 2,
  noGo: 3,
  sighup: 129,
  sigint: 130,
  sigterm: 143,
} as const;

/** The signals that interrupt a run. */
export type StopSignal = 'SIGINT' | 'SIGTERM' | 'SIGHUP';

/** 128 + the signal's number: a plain exit code, not a re-raised signal. */
export function exitCodeForSignal(signal: StopSignal | undefined): number {
  return signal === 'SIGTERM' ? EXIT.sigterm : signal === 'SIGHUP' ? EXIT.sighup : EXIT.sigint;
}

export function exitCodeFor(verdict: Verdict, signal: StopSignal | undefined): number {
  return verdict === 'pass' ? EXIT.go : verdict === 'fail' ? EXIT.noGo : exitCodeForSignal(signal);
}
