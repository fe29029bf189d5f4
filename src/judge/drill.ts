/**
 * Judging a drill: what each round proved about its injected check, and
 * whether the drill as a whole passed. Pure.
 */
import { DRILL_OUTCOMES, type DrillOutcome, type DrillRound, type DrillRoundPlan, type DrillSummary, type DrillVerdict } from '../model/drill.js';
import { EXIT, exitCodeForSignal, type StopSignal } from '../model/exit-codes.js';
import type { Check, CheckResult, CheckStatus } from '../model/types.js';

/** What a round's injected check ending with this status says about the injection. */
export function outcomeOf(result: Pick<CheckResult, 'status' | 'reasonCode'>): DrillOutcome {
  const status: CheckStatus = result.status;
  switch (status) {
    case 'fail':
      // An injected check that passed anyway is recorded as this fail: the injection went unnoticed.
      return result.reasonCode === 'injection-not-detected' ? 'escaped' : 'caught';
    case 'error':
    case 'timeout':
      return 'caught';
    case 'pass':
    case 'flaky':
    case 'waived':
      // Not reachable through runCheck and applyWaiver today; if it ever were, the gate stayed green.
      return 'escaped';
    case 'blocked':
    case 'skipped':
      return 'inconclusive';
    case 'interrupted':
    case 'not-run':
      return 'interrupted';
  }
}

/** A row of the matrix for a round that ran: the injected check's result, judged, and the waiver in force for it, if any. */
export function judgeRound(
  round: DrillRoundPlan,
  result: CheckResult,
  run: { runId: string; report: string; durationMs: number; waiver?: DrillRound['waiver'] },
): DrillRound {
  return {
    ...round,
    title: result.title,
    required: result.required,
    ...(run.waiver && { waiver: run.waiver }),
    outcome: outcomeOf(result),
    status: result.status,
    reasonCode: result.reasonCode,
    reason: result.reason,
    runId: run.runId,
    report: run.report,
    durationMs: run.durationMs,
  };
}

/** A row of the matrix for a round the drill never started (`reason` says why). */
export function roundNotRun(round: DrillRoundPlan, check: Check | undefined, reason: string): DrillRound {
  return {
    ...round,
    title: check?.title,
    required: check?.required ?? true,
    outcome: 'not-run',
    status: null,
    reasonCode: null,
    reason,
    runId: null,
    report: null,
    durationMs: 0,
  };
}

export function summarizeDrill(rounds: DrillRound[]): DrillSummary {
  const counts = Object.fromEntries(DRILL_OUTCOMES.map((o) => [o, 0])) as Record<DrillOutcome, number>;
  for (const r of rounds) counts[r.outcome] += 1;
  return { rounds: rounds.length, ...counts };
}

/** A drill passes only when every round caught its injection: an escape or an inconclusive round proves nothing. */
export function drillVerdict(summary: DrillSummary, interrupted: boolean): DrillVerdict {
  if (interrupted) return 'aborted';
  return summary.caught === summary.rounds && summary.rounds > 0 ? 'pass' : 'fail';
}

export function drillExitCode(verdict: DrillVerdict, signal: StopSignal | undefined): number {
  return verdict === 'pass' ? EXIT.go : verdict === 'fail' ? EXIT.noGo : exitCodeForSignal(signal);
}
