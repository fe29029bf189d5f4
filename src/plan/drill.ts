/**
 * Planning a drill: which checks get a round, what each round runs besides the
 * injected check, and the run options that make one round. Pure: no IO.
 */
import type { DrillRoundPlan } from '../model/drill.js';
import type { Gate, InjectMode } from '../model/types.js';
import { hintFor, type PlanOptions } from './plan.js';

export interface DrillPlanOptions {
  /** Drill only these checks (as typed; empty: every check). */
  only: string[];
  mode: InjectMode;
  /** `--timeout-ms`: the injected check's time limit in every round; only with mode `timeout`. */
  timeoutMs?: number;
}

/** A usage error: the drill is refused before anything runs (exit 2). */
export interface DrillPlanProblem {
  code: 'unknown-check' | 'timeout-override-needs-timeout-mode';
  message: string;
  hint?: string;
}

export type DrillPlanResult = { ok: true; rounds: DrillRoundPlan[] } | { ok: false; problems: DrillPlanProblem[] };

export function planDrill(gate: Gate, options: DrillPlanOptions): DrillPlanResult {
  const ids = gate.checks.map((c) => c.id);
  const problems: DrillPlanProblem[] = [];
  for (const id of options.only) {
    if (!ids.includes(id)) problems.push({ code: 'unknown-check', message: `--only ${id}: gate "${gate.id}" has no check "${id}"`, hint: hintFor(id, ids, gate) });
  }
  // In the other modes the override would turn a slow fail path into a timeout, and an escape into a catch.
  if (options.timeoutMs !== undefined && options.mode !== 'timeout') {
    problems.push({
      code: 'timeout-override-needs-timeout-mode',
      message: `--timeout-ms applies only to --mode timeout (this drill's mode is ${options.mode})`,
      hint: 'drop --timeout-ms, or add --mode timeout',
    });
  }
  if (problems.length > 0) return { ok: false, problems };
  const only = new Set(options.only);
  const rounds = gate.checks
    .filter((c) => only.size === 0 || only.has(c.id))
    .map((c) => ({ check: c.id, mode: options.mode, needs: dependenciesOf(gate, c.id), timeoutMs: options.timeoutMs ?? c.timeoutMs }));
  return { ok: true, rounds };
}

/** Every check `id` depends on, directly or not, in gate file order. */
export function dependenciesOf(gate: Gate, id: string): string[] {
  const byId = new Map(gate.checks.map((c) => [c.id, c]));
  const found = new Set<string>();
  // Iterative: a long chain must not overflow the stack. The loader has refused cycles.
  const stack = [...(byId.get(id)?.dependsOn ?? [])];
  while (stack.length > 0) {
    const dep = stack.pop()!;
    if (found.has(dep)) continue;
    found.add(dep);
    stack.push(...(byId.get(dep)?.dependsOn ?? []));
  }
  return gate.checks.filter((c) => found.has(c.id)).map((c) => c.id);
}

/** The `planGate` options of one round: the injected check and what it needs, and the one injection. */
export function roundPlanOptions(round: DrillRoundPlan): PlanOptions {
  return { only: [...round.needs, round.check], injectFail: [`${round.check}:${round.mode}`] };
}

/** The gate a round runs: the gate itself, with the injected check's time limit as the round has it. */
export function roundGate(gate: Gate, round: DrillRoundPlan): Gate {
  return {
    ...gate,
    checks: gate.checks.map((c) => (c.id === round.check && c.timeoutMs !== round.timeoutMs ? { ...c, timeoutMs: round.timeoutMs } : c)),
  };
}
