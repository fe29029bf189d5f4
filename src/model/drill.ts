/**
 * The types of a drill (`gate drill`): the gate's checks injected one round at
 * a time, each round a normal run, the drill judged by whether every injection
 * turned its round red. Types, and the lists that stand for them at run time.
 */
import type { CheckStatus, InjectMode, ReasonCode } from './types.js';

/**
 * What one round proved about its injected check:
 * - `caught`: the check failed by the injected fail path (the gate went red because of it);
 * - `escaped`: the check passed anyway (`injection-not-detected`): the gate would stay green;
 * - `inconclusive`: the check never ran (a dependency did not pass), so the round proves nothing;
 * - `interrupted`: the drill was interrupted during this round;
 * - `not-run`: the drill was interrupted before this round started.
 */
export type DrillOutcome = 'caught' | 'escaped' | 'inconclusive' | 'interrupted' | 'not-run';

export const DRILL_OUTCOMES: readonly DrillOutcome[] = ['caught', 'escaped', 'inconclusive', 'interrupted', 'not-run'];

/** One round: one check injected, run with the checks it depends on. */
export interface DrillRoundPlan {
  /** The injected check. */
  check: string;
  mode: InjectMode;
  /** Its transitive dependencies, in gate file order: they run uninjected so that it can run. */
  needs: string[];
  /** The injected check's per-attempt time limit in this round. */
  timeoutMs: number;
}

/** A round of the drill matrix, as drill.json keeps it. */
export interface DrillRound extends DrillRoundPlan {
  title?: string;
  required: boolean;
  /**
   * A waiver in force for the check when its round started: in a real run it
   * would cover the check's failure (an injected check is never waived), so the
   * gate would stay GO. Left out when there is none.
   */
  waiver?: { reason: string; owner?: string; expires: string };
  outcome: DrillOutcome;
  /** The injected check's status in the round; null when the round did not run. */
  status: CheckStatus | null;
  reasonCode: ReasonCode | null;
  /** One line: why the injected check ended as it did (or why the round did not run). */
  reason: string;
  /** The round's run id; null when the round did not run. */
  runId: string | null;
  /** The round's closeout.json, relative to the drill report dir; null when the round did not run. */
  report: string | null;
  durationMs: number;
}

/** `pass`: every round caught; `fail`: an escape or an inconclusive round; `aborted`: interrupted. */
export type DrillVerdict = 'pass' | 'fail' | 'aborted';

export type DrillSummary = { rounds: number } & Record<DrillOutcome, number>;

/** drill.json. */
export interface DrillReport {
  schemaVersion: 1;
  kind: 'drill';
  gate: { id: string; title?: string; file: string; sha256: string };
  drillId: string;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  mode: InjectMode;
  /** `--timeout-ms`: the injected check's time limit in every round (timeout mode only); null when not given. */
  timeoutMsOverride: number | null;
  verdict: DrillVerdict;
  exitCode: number;
  summary: DrillSummary;
  /** Ids of the escaped checks, and of the inconclusive ones, for a quick look. */
  escaped: string[];
  inconclusive: string[];
  rounds: DrillRound[];
  gateVersion: string;
  reportDir: string;
  workDir: string;
}

/**
 * Every key drill.json is written with, and its fixed values that closeout.json
 * does not have: the file's own text, which a secret must not be (part of)
 * (src/report/collisions.ts). tsc holds the keys to the types above: one added
 * there and not here, or the other way round, does not compile.
 */
const DRILL_KEYS = {
  schemaVersion: 0, kind: 0, gate: 0, drillId: 0, startedAt: 0, finishedAt: 0, durationMs: 0, mode: 0, timeoutMsOverride: 0,
  verdict: 0, exitCode: 0, summary: 0, escaped: 0, inconclusive: 0, rounds: 0, gateVersion: 0, reportDir: 0, workDir: 0,
  id: 0, title: 0, file: 0, sha256: 0,
  check: 0, needs: 0, timeoutMs: 0, required: 0, waiver: 0, outcome: 0, status: 0, reasonCode: 0, reason: 0, runId: 0, report: 0,
} satisfies Record<keyof DrillReport | keyof DrillReport['gate'] | keyof DrillRound | Exclude<keyof DrillSummary, DrillOutcome>, 0>;

export const DRILL_WORDS: readonly string[] = [...Object.keys(DRILL_KEYS), 'drill', ...DRILL_OUTCOMES];
