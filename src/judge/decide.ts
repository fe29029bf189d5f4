/**
 * The decision: waivers over results, the summary counts, and the verdict.
 * Pure: the clock is a parameter.
 */
import { CHECK_STATUSES, type CheckResult, type CheckStatus, type ReportSummary, type Verdict, type Waiver, type WaiverReport } from '../model/types.js';
import { describeReason } from './reasons.js';

/** Statuses a waiver can cover: the check was judged (or blocked) and did not pass. */
const WAIVABLE: ReadonlySet<CheckStatus> = new Set<CheckStatus>(['fail', 'error', 'timeout', 'blocked']);
/** Statuses that count as passing: for the verdict, and for a dependent to run. */
export const COUNTS_AS_PASSING: ReadonlySet<CheckStatus> = new Set<CheckStatus>(['pass', 'flaky', 'waived', 'skipped']);

function activeWaiver(waivers: Waiver[], checkId: string, now: Date): Waiver | undefined {
  return waivers.find((w) => w.check === checkId && w.expiresAt.getTime() > now.getTime());
}

/** An injected check is never waived: a drill has to show red. */
export function applyWaiver(result: CheckResult, waivers: Waiver[], now: Date): CheckResult {
  if (!WAIVABLE.has(result.status)) return result;
  const waiver = activeWaiver(waivers, result.id, now);
  if (!waiver) return result;
  // Said on the check, so the failure beside a waiver the report lists as unused reads as meant.
  if (result.injected) return { ...result, notes: [...result.notes, `not waived: the waiver in force (until ${waiver.expires}: ${waiver.reason}) does not cover an injected check`] };
  return {
    ...result,
    status: 'waived',
    waivedStatus: result.status,
    reasonCode: 'waived',
    reason: describeReason({ code: 'waived', reason: waiver.reason, expires: waiver.expires, was: `${result.status}: ${result.reason}` }),
    waiver: { reason: waiver.reason, owner: waiver.owner, expires: waiver.expires },
  };
}

export function reportWaivers(waivers: Waiver[], results: CheckResult[], now: Date): WaiverReport[] {
  const applied = new Set(results.filter((r) => r.status === 'waived').map((r) => r.id));
  const used = new Set<string>();
  return waivers.map((w) => {
    const expired = w.expiresAt.getTime() <= now.getTime();
    const state = expired ? 'expired' : applied.has(w.check) && !used.has(w.check) ? 'applied' : 'unused';
    if (state === 'applied') used.add(w.check);
    return { check: w.check, reason: w.reason, owner: w.owner, expires: w.expires, state };
  });
}

function isRequiredFailure(result: CheckResult): boolean {
  return result.required && !COUNTS_AS_PASSING.has(result.status);
}

export function summarize(results: CheckResult[]): ReportSummary {
  const counts = Object.fromEntries(CHECK_STATUSES.map((s) => [s, 0])) as Record<CheckStatus, number>;
  for (const r of results) counts[r.status] += 1;
  return { total: results.length, ...counts, requiredFailTotal: results.filter(isRequiredFailure).length };
}

export function decideVerdict(summary: ReportSummary, opts: { interrupted: boolean; injected: boolean }): Verdict {
  if (opts.interrupted) return 'aborted';
  // A run with an injection can never be GO, whatever its checks did.
  return summary.requiredFailTotal === 0 && !opts.injected ? 'pass' : 'fail';
}
