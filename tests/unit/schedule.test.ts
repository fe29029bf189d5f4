import { describe, expect, it } from 'vitest';
import { describeReason } from '../../src/judge/reasons.js';
import type { Check, CheckResult, CheckStatus, Gate } from '../../src/model/types.js';
import { planGate, type Plan } from '../../src/plan/plan.js';
import { runSchedule } from '../../src/run/scheduler.js';

function mkCheck(id: string, index: number, dependsOn: string[] = [], required = true): Check {
  return {
    id, index, run: ['true'], shell: false, cwd: '/', env: {}, output: 'json', expect: [], expectExitCode: [0],
    dependsOn, required, timeoutMs: 1000, retries: 0, retryDelayMs: 0, killGraceMs: 0, evidence: [],
  };
}

function mkGate(checks: Check[]): Gate {
  return { id: 'g', file: '/g.json', displayFile: 'g.json', projectRoot: '/', sha256: '', env: {}, checks, waivers: [], redact: [] };
}

function mkPlan(checks: Check[], opts = {}): Plan {
  const r = planGate(mkGate(checks), opts);
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.plan;
}

function result(id: string, status: CheckStatus): CheckResult {
  return {
    id, required: true, status, reasonCode: 'passed', reason: describeReason({ code: 'passed' }), attempts: 1, durationMs: 1,
    exitCode: 0, signal: null, assertions: [], injected: false, evidence: [], signalsSent: [], leakedProcesses: false, notes: [],
  };
}

async function schedule(plan: Plan, statuses: Record<string, CheckStatus>, jobs = 2, failFast = false) {
  const started: string[] = [];
  let running = 0;
  let peak = 0;
  const results = await runSchedule(plan, {
    jobs,
    failFast,
    abort: new AbortController().signal,
    onStart: (id) => started.push(id),
    runOne: async (id) => {
      running += 1;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 5));
      running -= 1;
      return result(id, statuses[id] ?? 'pass');
    },
  });
  return { results, started, peak };
}

describe('scheduler', () => {
  it('never runs more than -j checks at once and runs a check only after its dependencies', async () => {
    const checks = [mkCheck('a', 0), mkCheck('b', 1, ['a']), mkCheck('c', 2), mkCheck('d', 3), mkCheck('e', 4, ['b', 'c'])];
    const { started, peak } = await schedule(mkPlan(checks), {}, 2);
    expect(peak).toBeLessThanOrEqual(2);
    expect(started.indexOf('b')).toBeGreaterThan(started.indexOf('a'));
    expect(started.indexOf('e')).toBeGreaterThan(started.indexOf('b'));
    expect(started).toHaveLength(5);
  });

  it('starts the longest chain first, then file order: a stable order', async () => {
    const checks = [mkCheck('x', 0), mkCheck('y', 1), mkCheck('c1', 2), mkCheck('c2', 3, ['c1']), mkCheck('c3', 4, ['c2'])];
    const first = await schedule(mkPlan(checks), {}, 1);
    // c1 and c2 lead the longest chains; then every remaining check has rank 1, taken in file order.
    expect(first.started).toEqual(['c1', 'c2', 'x', 'y', 'c3']);
    const again = await schedule(mkPlan(checks), {}, 1);
    expect(again.started).toEqual(first.started);
  });

  it('ranks by the chain that runs: dependents left out with --skip / --only do not make a check start first', async () => {
    // `lone`'s chain is long in the file, but --skip leaves only `lone` of it; `p1 -> p2` is the longest chain that runs.
    const checks = [mkCheck('p1', 0), mkCheck('p2', 1, ['p1']), mkCheck('lone', 2), mkCheck('t1', 3, ['lone']), mkCheck('t2', 4, ['t1']), mkCheck('t3', 5, ['t2'])];
    const skipped = await schedule(mkPlan(checks, { skip: ['t1', 't2', 't3'] }), {}, 1);
    expect(skipped.started).toEqual(['p1', 'p2', 'lone']);
    const only = await schedule(mkPlan(checks, { only: ['p1', 'p2', 'lone'] }), {}, 1);
    expect(only.started).toEqual(['p1', 'p2', 'lone']);
    // With nothing left out, the long chain leads.
    expect((await schedule(mkPlan(checks), {}, 1)).started).toEqual(['lone', 't1', 'p1', 't2', 'p2', 't3']);
  });

  it('blocks the transitive dependents of a failure with the chain, and runs the rest', async () => {
    const checks = [mkCheck('a', 0), mkCheck('b', 1, ['a']), mkCheck('c', 2, ['b']), mkCheck('d', 3)];
    const { results } = await schedule(mkPlan(checks), { a: 'fail' });
    expect(results.get('b')).toMatchObject({ status: 'blocked', blockedBy: ['a'] });
    expect(results.get('c')).toMatchObject({ status: 'blocked', blockedBy: ['b', 'a'], reason: 'dependency did not pass: b -> a (fail)' });
    expect(results.get('d')?.status).toBe('pass');
  });

  it('lets flaky and waived dependencies through', async () => {
    const checks = [mkCheck('a', 0), mkCheck('b', 1), mkCheck('c', 2, ['a', 'b'])];
    const { results } = await schedule(mkPlan(checks), { a: 'flaky', b: 'waived' });
    expect(results.get('c')?.status).toBe('pass');
  });

  it('with fail-fast, starts nothing new after a required failure', async () => {
    const checks = [mkCheck('a', 0), mkCheck('b', 1), mkCheck('c', 2)];
    const { results, started } = await schedule(mkPlan(checks), { a: 'fail' }, 1, true);
    expect(started).toEqual(['a']);
    expect(results.get('b')).toMatchObject({ status: 'not-run', reasonCode: 'fail-fast' });
  });

  it('an interruption marks unstarted checks not-run', async () => {
    const plan = mkPlan([mkCheck('a', 0), mkCheck('b', 1)]);
    const controller = new AbortController();
    const results = await runSchedule(plan, {
      jobs: 1,
      failFast: false,
      abort: controller.signal,
      runOne: async (id) => {
        controller.abort();
        return result(id, 'interrupted');
      },
    });
    expect(results.get('b')).toMatchObject({ status: 'not-run', reasonCode: 'interrupted' });
  });
});

describe('planning', () => {
  const checks = [mkCheck('a', 0), mkCheck('b', 1, ['a'])];
  it('refuses unknown ids in --only, --skip and --inject-fail with a suggestion', () => {
    const r = planGate(mkGate(checks), { only: ['A'], skip: ['zz'], injectFail: ['b:explode', 'q'] });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.map((p) => p.code)).toEqual(['unknown-check', 'unknown-check', 'unknown-inject-mode', 'unknown-check']);
    expect(r.problems[0]?.hint).toBe('did you mean "a"?');
  });

  it('names an unknown id given twice (--skip x,x, --inject-fail x twice) once', () => {
    const r = planGate(mkGate(checks), { only: ['zz', 'zz'], skip: ['ok', 'ok'], injectFail: ['q', 'q', 'b:explode', 'b:explode'] });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.map((p) => p.message.split(':')[0])).toEqual(['--only zz', '--skip ok', '--inject-fail q', '--inject-fail b']);
  });

  it('names at most 20 of a large gate\'s checks in a hint, then how many more and where to see them all', () => {
    const many = Array.from({ length: 1000 }, (_, i) => mkCheck(`c${String(i).padStart(4, '0')}`, i));
    const unknown = planGate(mkGate(many), { only: ['zzzzzzzz'] });
    const nothing = planGate(mkGate(many), { skip: many.map((c) => c.id) });
    for (const r of [unknown, nothing]) {
      expect(r.ok).toBe(false);
      if (r.ok) return;
      const hint = r.problems[0]?.hint ?? '';
      expect(hint).toContain('c0000, c0001');
      expect(hint).toContain('c0019, … and 980 more (gate list g.json names them all)');
      expect(hint).not.toContain('c0020');
    }
  });

  it('refuses a selection that leaves nothing to run', () => {
    const r = planGate(mkGate(checks), { skip: ['a', 'b'] });
    expect(r.ok).toBe(false);
  });

  it('parses injection modes and marks partial runs', () => {
    const r = planGate(mkGate(checks), { only: ['b'], injectFail: ['b:crash'] });
    expect(r.ok && [...r.plan.injections]).toEqual([['b', 'crash']]);
    expect(r.ok && r.plan.partial).toBe(true);
    expect(r.ok && r.plan.requiredNotRun).toEqual(['a']);
  });

  it('refuses two different injections of one check; the same one twice is one injection', () => {
    const r = planGate(mkGate(checks), { injectFail: ['a', 'a:crash', 'b:exit', 'b:timeout'] });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.map((p) => [p.code, p.message])).toEqual([
      ['conflicting-injection', '--inject-fail a:crash: check "a" is already injected by --inject-fail a; a check takes one injection'],
      ['conflicting-injection', '--inject-fail b:timeout: check "b" is already injected by --inject-fail b:exit; a check takes one injection'],
    ]);
    const same = planGate(mkGate(checks), { injectFail: ['a', 'a:declared', 'b:crash', 'b:crash'] });
    expect(same.ok && [...same.plan.injections]).toEqual([['a', 'declared'], ['b', 'crash']]);
  });

  it('suggests the nearest mode for a mistyped one, and lists them all', () => {
    const hint = (spec: string) => {
      const r = planGate(mkGate(checks), { injectFail: [spec] });
      return r.ok ? undefined : r.problems[0]?.hint;
    };
    expect(hint('a:crsh')).toBe('did you mean "crash"? modes are: declared, exit, timeout, bad-json, crash');
    expect(hint('a:badjson')).toBe('did you mean "bad-json"? modes are: declared, exit, timeout, bad-json, crash');
    expect(hint('a:explode')).toBe('modes are: declared, exit, timeout, bad-json, crash');
  });
});

describe('scheduler: interruption', () => {
  it('leaves the dependents of an interrupted check not-run, not blocked', async () => {
    const plan = mkPlan([mkCheck('a', 0), mkCheck('b', 1, ['a'])]);
    const controller = new AbortController();
    const results = await runSchedule(plan, {
      jobs: 2,
      failFast: false,
      abort: controller.signal,
      runOne: async (id) => {
        controller.abort();
        return result(id, 'interrupted');
      },
    });
    expect(results.get('a')?.status).toBe('interrupted');
    expect(results.get('b')).toMatchObject({ status: 'not-run', reasonCode: 'interrupted' });
  });
});

describe('deep graphs', () => {
  it('plans and blocks a chain of 20,000 checks without overflowing the stack', async () => {
    const checks = Array.from({ length: 20_000 }, (_, i) => mkCheck(`c${i}`, i, i === 0 ? [] : [`c${i - 1}`]));
    const plan = mkPlan(checks);
    expect(plan.rank.get('c0')).toBe(20_000);
    const results = await runSchedule(plan, {
      jobs: 2,
      failFast: false,
      abort: new AbortController().signal,
      runOne: async (id) => result(id, 'fail'),
    });
    expect(results.get('c19999')).toMatchObject({ status: 'blocked' });
    expect(results.get('c19999')?.blockedBy).toEqual(['c19998', 'c19997', 'c19996', 'c19995', 'c19994', 'c19993', 'c19992', 'c19991', 'c19990', 'c19989', '…', 'c0']);
  });
});
