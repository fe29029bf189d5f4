/**
 * The worker pool: runs a plan as a dependency graph, up to `jobs` at once.
 * The ready queue is ordered by the longest remaining chain to a sink, then by
 * file order, so the schedule is stable and the critical path starts first.
 */
import { getMaxListeners, setMaxListeners } from 'node:events';
import type { CheckResult, CheckStatus } from '../model/types.js';
import { injectionFlag, type Plan } from '../plan/plan.js';
import { COUNTS_AS_PASSING } from '../judge/decide.js';
import { describeReason, type ReasonDetail } from '../judge/reasons.js';

export interface ScheduleOptions {
  jobs: number;
  failFast: boolean;
  abort: AbortSignal;
  /** Runs one check to its judged result. */
  runOne: (id: string) => Promise<CheckResult>;
  /** Applied to every result before dependents see it (waivers). */
  finalize?: (result: CheckResult) => CheckResult;
  /** Told of every check's final result, in the order they end. */
  onResult?: (result: CheckResult) => void;
  onStart?: (id: string) => void;
  /** Told once, when `failFast` stops the run from starting checks (a required check did not pass). */
  onFailFast?: () => void;
}

/** Statuses that mean the check never got to run its own judgement. */
const NOT_JUDGED: ReadonlySet<CheckStatus> = new Set<CheckStatus>(['blocked', 'interrupted', 'not-run']);

export async function runSchedule(plan: Plan, options: ScheduleOptions): Promise<Map<string, CheckResult>> {
  const byId = new Map(plan.checks.map((c) => [c.id, c]));
  const results = new Map<string, CheckResult>();
  const waiting = new Map<string, number>();
  const ready: string[] = [];
  let running = 0;
  let stopStarting: 'fail-fast' | 'interrupted' | undefined;
  // Every running check listens to the abort signal (and so do the pool and the caller): past Node's
  // default of 10 it would print a MaxListenersExceededWarning about a leak that is none.
  const listeners = options.jobs + LISTENER_HEADROOM;
  if (getMaxListeners(options.abort) < listeners) setMaxListeners(listeners, options.abort);

  const finish = (raw: CheckResult) => {
    const result = options.finalize ? options.finalize(raw) : raw;
    results.set(result.id, result);
    options.onResult?.(result);
  };
  /**
   * The result of a check that never started (blocked, not-run). An injected one stays injected: it is
   * never waived (a waiver would turn a drill round that proved nothing into a pass), and its notes say
   * that the injection did not run.
   */
  const unrun = (id: string, status: CheckStatus, detail: ReasonDetail): CheckResult => {
    const check = byId.get(id)!;
    const result = stub(check.id, check.title, check.required, status, detail);
    const mode = plan.injections.get(id);
    if (mode === undefined) return result;
    return { ...result, injected: true, injectMode: mode, notes: [`${injectionFlag(id, mode)} did not run: the check never started`] };
  };
  const unstarted = (id: string, detail: ReasonDetail, status: CheckStatus) => finish(unrun(id, status, detail));
  // An advisory check never blocks anything by failing; a blocked one passes its block on.
  const satisfies = (r: CheckResult) => COUNTS_AS_PASSING.has(r.status) || (!r.required && !NOT_JUDGED.has(r.status));

  // A check has ended: block its dependents (and theirs) or count it toward them. A work list, not
  // recursion, so a chain of thousands of checks cannot overflow the stack.
  const settle = (first: string) => {
    const work = [first];
    while (work.length > 0) {
      const id = work.pop()!;
      const result = results.get(id)!;
      // An interrupted check blocks nothing: the run is ending, and what did not start is `not-run`.
      if (result.status === 'interrupted') continue;
      if (satisfies(result)) {
        for (const next of plan.dependents.get(id) ?? []) {
          const left = waiting.get(next);
          if (left === undefined) continue;
          if (left <= 1) {
            waiting.delete(next);
            ready.push(next);
          } else waiting.set(next, left - 1);
        }
        continue;
      }
      const chain = capChain([id, ...(result.blockedBy ?? [])]);
      const root = results.get(chain[chain.length - 1]!)!;
      for (const next of plan.dependents.get(id) ?? []) {
        if (results.has(next) || !waiting.has(next)) continue;
        waiting.delete(next);
        const blocked = unrun(next, 'blocked', { code: 'blocked', chain, rootStatus: root.status });
        blocked.blockedBy = chain;
        finish(blocked);
        work.push(next);
      }
      if (options.failFast && result.required && !stopStarting) {
        stopStarting = 'fail-fast';
        options.onFailFast?.();
      }
    }
  };

  for (const check of plan.checks) {
    if (plan.skipped.has(check.id)) continue;
    // Filtered-out dependencies count as satisfied: they were left out on purpose.
    const deps = check.dependsOn.filter((d) => !plan.skipped.has(d)).length;
    if (deps === 0) ready.push(check.id);
    else waiting.set(check.id, deps);
  }
  for (const check of plan.checks) {
    if (plan.skipped.has(check.id)) finish(stub(check.id, check.title, check.required, 'skipped', { code: 'filtered' }));
  }

  const order = (a: string, b: string) =>
    (plan.rank.get(b) ?? 0) - (plan.rank.get(a) ?? 0) || byId.get(a)!.index - byId.get(b)!.index;

  await new Promise<void>((resolve) => {
    // How many ready checks were in order after the last pump: checks are only ever appended since.
    let sorted = 0;
    const pump = () => {
      if (options.abort.aborted && !stopStarting) stopStarting = 'interrupted';
      // Sorted again only when checks became ready since the last time.
      if (ready.length !== sorted) ready.sort(order);
      while (!stopStarting && running < options.jobs && ready.length > 0) {
        const id = ready.shift()!;
        running += 1;
        options.onStart?.(id);
        options
          .runOne(id)
          .catch((error: unknown) => ({ ...internalError(byId.get(id)!, error), injected: plan.injections.has(id) }))
          .then((result) => {
            running -= 1;
            finish(result);
            settle(id);
            pump();
          });
      }
      sorted = ready.length;
      if (running === 0 && (stopStarting || ready.length === 0)) {
        const detail: ReasonDetail = stopStarting === 'interrupted' ? { code: 'interrupted', started: false } : { code: 'fail-fast' };
        for (const id of [...ready, ...waiting.keys()]) if (!results.has(id)) unstarted(id, detail, 'not-run');
        options.abort.removeEventListener('abort', pump);
        resolve();
      }
    };
    options.abort.addEventListener('abort', pump);
    pump();
  });
  return results;
}

/** Listeners on the abort signal besides one a running check: the pool's own, the caller's, a lock wait. */
const LISTENER_HEADROOM = 10;

/** A chain names at most this many checks: the nearest ones, `…`, and the root that did not pass. */
const MAX_CHAIN = 12;

function capChain(chain: string[]): string[] {
  if (chain.length <= MAX_CHAIN) return chain;
  return [...chain.slice(0, MAX_CHAIN - 2), '…', chain[chain.length - 1]!];
}

function stub(id: string, title: string | undefined, required: boolean, status: CheckStatus, detail: ReasonDetail): CheckResult {
  return {
    id,
    title,
    required,
    status,
    reasonCode: detail.code,
    reason: describeReason(detail),
    attempts: 0,
    durationMs: 0,
    exitCode: null,
    signal: null,
    assertions: [],
    injected: false,
    evidence: [],
    signalsSent: [],
    leakedProcesses: false,
    notes: [],
  };
}

function internalError(check: { id: string; title?: string; required: boolean }, error: unknown): CheckResult {
  const message = error instanceof Error ? error.message : String(error);
  return stub(check.id, check.title, check.required, 'error', { code: 'internal-error', message });
}
