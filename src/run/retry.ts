/**
 * The retry policy, whole: `(attempt, outcome) → delay | stop`.
 * Bounded exponential backoff with "equal jitter": half the delay is fixed, the
 * other half random, so retries of many checks do not fire in lockstep while
 * each still waits at least half its backoff.
 */
import type { ReasonCode } from '../model/types.js';

/** No single wait between attempts exceeds this, whatever the base and attempt. */
export const MAX_RETRY_DELAY_MS = 30_000;

export interface RetryInput {
  /** The attempt that just ended, from 1. */
  attempt: number;
  retries: number;
  retryDelayMs: number;
  reasonCode: ReasonCode;
  injected: boolean;
}

export type RetryDecision = { retry: true; delayMs: number } | { retry: false };

/** Failures a retry cannot mend: the program is missing, or the run is ending. */
const FINAL: ReadonlySet<ReasonCode> = new Set<ReasonCode>(['not-startable', 'interrupted', 'internal-error']);

export function decideRetry(input: RetryInput, random: () => number = Math.random): RetryDecision {
  // An injected check is on its fail path on purpose: retrying would only repeat the drill.
  if (input.injected || FINAL.has(input.reasonCode) || input.attempt > input.retries) return { retry: false };
  const backoff = Math.min(input.retryDelayMs * 2 ** (input.attempt - 1), MAX_RETRY_DELAY_MS);
  return { retry: true, delayMs: Math.round(backoff / 2 + random() * (backoff / 2)) };
}
