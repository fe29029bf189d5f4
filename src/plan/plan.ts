/**
 * Planning: which checks run, which are filtered out, which are injected, and
 * in what order the ready ones start. Pure: no IO.
 */
import type { Check, Gate, InjectMode, Injection } from '../model/types.js';
import { nearest } from '../util/suggest.js';

export const INJECT_MODES: readonly InjectMode[] = ['declared', 'exit', 'timeout', 'bad-json', 'crash'];

export interface PlanOptions {
  only?: string[];
  skip?: string[];
  /** `ID` or `ID:MODE`, as typed. */
  injectFail?: string[];
}

export interface Plan {
  gate: Gate;
  /** Every check of the gate, in file order. */
  checks: Check[];
  /** Ids of the checks that run. */
  selected: Set<string>;
  /** Ids filtered out with --only / --skip. */
  skipped: Set<string>;
  injections: Map<string, InjectMode>;
  /** Longest path (in checks that run) from each check to a sink: the ready queue starts the longest chain first. */
  rank: Map<string, number>;
  /** Reverse edges. */
  dependents: Map<string, string[]>;
  /** True when required checks were left out by the filters. */
  partial: boolean;
  requiredNotRun: string[];
}

/** A usage error: the run is refused before anything starts (exit 2). */
export interface PlanProblem {
  code: 'unknown-check' | 'nothing-selected' | 'unknown-inject-mode' | 'conflicting-injection';
  message: string;
  hint?: string;
}

export type PlanResult = { ok: true; plan: Plan } | { ok: false; problems: PlanProblem[] };

/** The `--inject-fail` argument that asks for this injection, as a person would type it (`a`, `a:crash`). */
export function injectionFlag(checkId: string, mode: InjectMode): string {
  return `--inject-fail ${checkId}${mode === 'declared' ? '' : `:${mode}`}`;
}

export function planGate(gate: Gate, options: PlanOptions): PlanResult {
  const ids = gate.checks.map((c) => c.id);
  const known = new Set(ids);
  const problems: PlanProblem[] = [];
  /** `typed` is the argument as given (`--inject-fail x:exit`), echoed whole. */
  const unknown = (flag: string, id: string, typed = id) =>
    problems.push({
      code: 'unknown-check',
      message: `${flag} ${typed}: gate "${gate.id}" has no check "${id}"`,
      hint: hintFor(id, ids, gate),
    });

  // Each argument once: `--skip x,x` is one mistake, named once.
  for (const id of new Set(options.only)) if (!known.has(id)) unknown('--only', id);
  for (const id of new Set(options.skip)) if (!known.has(id)) unknown('--skip', id);

  const injections = new Map<string, InjectMode>();
  /** As typed, for naming both sides of a conflict. */
  const typed = new Map<string, string>();
  for (const spec of new Set(options.injectFail)) {
    const parsed = parseInjection(spec);
    if (!parsed.ok) {
      problems.push(parsed.problem);
      continue;
    }
    const { checkId, mode } = parsed.injection;
    const earlier = injections.get(checkId);
    if (!known.has(checkId)) unknown('--inject-fail', checkId, spec);
    // One injection a check: the same one twice is one request, two different ones are a contradiction, not "the last wins".
    else if (earlier !== undefined && earlier !== mode) {
      problems.push({
        code: 'conflicting-injection',
        message: `--inject-fail ${spec}: check "${checkId}" is already injected by --inject-fail ${typed.get(checkId)}; a check takes one injection`,
        hint: 'keep one of them; to try another mode, run again with that one',
      });
    } else if (earlier === undefined) {
      injections.set(checkId, mode);
      typed.set(checkId, spec);
    }
  }

  const only = options.only?.length ? new Set(options.only) : undefined;
  const skip = new Set(options.skip ?? []);
  const selected = new Set(ids.filter((id) => (!only || only.has(id)) && !skip.has(id)));
  const skipped = new Set(ids.filter((id) => !selected.has(id)));
  if (problems.length === 0 && selected.size === 0) {
    problems.push({
      code: 'nothing-selected',
      message: `no check of gate "${gate.id}" is selected: --only/--skip left nothing to run`,
      hint: `the gate's checks are: ${someChecks(ids, gate)}`,
    });
  }
  for (const id of injections.keys()) {
    if (!selected.has(id) && problems.length === 0) {
      problems.push({
        code: 'unknown-check',
        message: `--inject-fail ${typed.get(id)}: that check is filtered out by --only/--skip, so the injection could not run`,
        hint: 'select the injected check, or drop the injection',
      });
    }
  }
  if (problems.length > 0) return { ok: false, problems };

  const dependents = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const check of gate.checks) for (const dep of check.dependsOn) dependents.get(dep)?.push(check.id);
  const requiredNotRun = gate.checks.filter((c) => c.required && skipped.has(c.id)).map((c) => c.id);
  return {
    ok: true,
    plan: {
      gate,
      checks: gate.checks,
      selected,
      skipped,
      injections,
      rank: rankBySinkDistance(gate.checks, dependents, selected),
      dependents,
      partial: requiredNotRun.length > 0,
      requiredNotRun,
    },
  };
}

export function parseInjection(spec: string): { ok: true; injection: Injection } | { ok: false; problem: PlanProblem } {
  const colon = spec.lastIndexOf(':');
  const checkId = colon === -1 ? spec : spec.slice(0, colon);
  const mode = colon === -1 ? 'declared' : spec.slice(colon + 1);
  if (!(INJECT_MODES as readonly string[]).includes(mode)) {
    return {
      ok: false,
      problem: {
        code: 'unknown-inject-mode',
        message: `--inject-fail ${spec}: unknown mode "${mode}"`,
        hint: modeHint(mode),
      },
    };
  }
  return { ok: true, injection: { checkId, mode: mode as InjectMode } };
}

/** "did you mean" for a mistyped mode, then every mode. */
function modeHint(mode: string): string {
  const near = nearest(mode, INJECT_MODES);
  return `${near ? `did you mean "${near}"? ` : ''}modes are: ${INJECT_MODES.join(', ')}`;
}

/**
 * The number of checks on the longest path from each check to a sink. Starting
 * the check with the longest remaining chain first keeps the critical path busy
 * (a plain FIFO can leave a long chain waiting behind independent checks). Only
 * checks that run count: a chain of dependents left out with --only / --skip
 * is no work to wait for.
 */
function rankBySinkDistance(checks: Check[], allDependents: Map<string, string[]>, selected: Set<string>): Map<string, number> {
  const dependents = new Map([...allDependents].map(([id, next]) => [id, next.filter((d) => selected.has(d))]));
  // Iterative post-order walk: a chain of thousands of checks must not overflow the stack.
  // The loader has already refused cycles, so every walk ends.
  const rank = new Map<string, number>();
  for (const check of checks) {
    const stack: string[] = [check.id];
    while (stack.length > 0) {
      const id = stack[stack.length - 1]!;
      if (rank.has(id)) {
        stack.pop();
        continue;
      }
      const next = (dependents.get(id) ?? []).filter((d) => !rank.has(d));
      if (next.length > 0) {
        stack.push(...next);
        continue;
      }
      stack.pop();
      rank.set(id, 1 + Math.max(0, ...(dependents.get(id) ?? []).map((d) => rank.get(d) ?? 0)));
    }
  }
  return rank;
}

/** "did you mean" for a mistyped id: the nearest by edit distance, when it is near; else the gate's checks. */
export function hintFor(input: string, candidates: string[], gate: Pick<Gate, 'displayFile'>): string {
  const near = nearest(input, candidates);
  return near ? `did you mean "${near}"?` : `known checks: ${someChecks(candidates, gate)}`;
}

/** How many check ids a hint names: a gate of a thousand checks must not turn a hint into a page. */
const HINT_IDS = 20;

/**
 * The gate named by its file as the user reads it, not by its id: `gate list <id>` finds no gate when the
 * file is not gates/<id>.json under the current directory (another name, another folder).
 */
function someChecks(ids: string[], gate: Pick<Gate, 'displayFile'>): string {
  if (ids.length <= HINT_IDS) return ids.join(', ');
  return `${ids.slice(0, HINT_IDS).join(', ')}, … and ${ids.length - HINT_IDS} more (gate list ${shellWord(gate.displayFile)} names them all)`;
}

/** A path as one shell word that is not an option: as it is when it needs no quoting, else single-quoted. */
function shellWord(file: string): string {
  const s = file.startsWith('-') ? `./${file}` : file;
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
