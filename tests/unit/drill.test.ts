import { describe, expect, it } from 'vitest';
import { drillExitCode, drillVerdict, judgeRound, outcomeOf, roundNotRun, summarizeDrill } from '../../src/judge/drill.js';
import type { DrillReport, DrillRound } from '../../src/model/drill.js';
import { CHECK_STATUSES, type Check, type Gate } from '../../src/model/types.js';
import { dependenciesOf, planDrill, roundGate, roundPlanOptions } from '../../src/plan/drill.js';
import { planGate } from '../../src/plan/plan.js';
import { drillLine, renderDrillJson, renderDrillMarkdown, renderDrillTable, roundEndLine, roundStartLine, timeoutNote } from '../../src/report/drill.js';
import { makeCheck as makeGateCheck, makeGate } from './gate-fixture.js';
import { makeCheck } from './report-fixture.js';

const check = makeGateCheck;

const gateOf = (checks: Check[]): Gate =>
  makeGate(checks, { id: 'm28', title: 'Milestone 28', file: '/p/gates/m28.json', displayFile: 'gates/m28.json' });

// a <- b <- d, a <- c, e alone; d also needs c.
const gate = gateOf([
  check('a'),
  check('b', { dependsOn: ['a'] }),
  check('c', { dependsOn: ['a'], timeoutMs: 2000 }),
  check('d', { dependsOn: ['b', 'c'] }),
  check('e'),
]);

describe('planDrill', () => {
  it('gives every check a round, in gate order, with its transitive dependencies in gate order', () => {
    const planned = planDrill(gate, { only: [], mode: 'declared' });
    expect(planned).toEqual({
      ok: true,
      rounds: [
        { check: 'a', mode: 'declared', needs: [], timeoutMs: 300000 },
        { check: 'b', mode: 'declared', needs: ['a'], timeoutMs: 300000 },
        { check: 'c', mode: 'declared', needs: ['a'], timeoutMs: 2000 },
        { check: 'd', mode: 'declared', needs: ['a', 'b', 'c'], timeoutMs: 300000 },
        { check: 'e', mode: 'declared', needs: [], timeoutMs: 300000 },
      ],
    });
  });

  it('--only keeps gate order and leaves dependents out', () => {
    const planned = planDrill(gate, { only: ['d', 'b'], mode: 'crash' });
    expect(planned.ok && planned.rounds.map((r) => [r.check, r.mode, r.needs])).toEqual([
      ['b', 'crash', ['a']],
      ['d', 'crash', ['a', 'b', 'c']],
    ]);
  });

  it('refuses an unknown --only id with a suggestion', () => {
    const planned = planDrill(gate, { only: ['bb'], mode: 'declared' });
    expect(planned).toEqual({ ok: false, problems: [{ code: 'unknown-check', message: '--only bb: gate "m28" has no check "bb"', hint: 'did you mean "b"?' }] });
  });

  it('--timeout-ms sets the injected check\'s limit in timeout mode, and is refused in any other mode', () => {
    const planned = planDrill(gate, { only: ['c'], mode: 'timeout', timeoutMs: 500 });
    expect(planned.ok && planned.rounds[0]!.timeoutMs).toBe(500);
    const refused = planDrill(gate, { only: [], mode: 'declared', timeoutMs: 500 });
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.problems.map((p) => p.code)).toEqual(['timeout-override-needs-timeout-mode']);
  });

  it('a round plans as a run of the check and what it needs, with the one injection', () => {
    const round = { check: 'd', mode: 'bad-json' as const, needs: ['a', 'b', 'c'], timeoutMs: 300000 };
    const planned = planGate(gate, roundPlanOptions(round));
    expect(planned.ok).toBe(true);
    if (!planned.ok) return;
    expect([...planned.plan.selected]).toEqual(['a', 'b', 'c', 'd']);
    expect([...planned.plan.injections]).toEqual([['d', 'bad-json']]);
  });

  it('roundGate changes only the injected check\'s limit, and nothing when it is the same', () => {
    const changed = roundGate(gate, { check: 'c', mode: 'timeout', needs: ['a'], timeoutMs: 100 });
    expect(changed.checks.map((c) => c.timeoutMs)).toEqual([300000, 300000, 100, 300000, 300000]);
    expect(gate.checks[2]!.timeoutMs).toBe(2000);
    const same = roundGate(gate, { check: 'c', mode: 'timeout', needs: ['a'], timeoutMs: 2000 });
    expect(same.checks[2]).toBe(gate.checks[2]);
  });

  it('walks a long chain without recursion', () => {
    const chain = gateOf(Array.from({ length: 5000 }, (_, i) => check(`c${i}`, { dependsOn: i === 0 ? [] : [`c${i - 1}`] })));
    expect(dependenciesOf(chain, 'c4999')).toHaveLength(4999);
  });
});

describe('judging a round', () => {
  it('maps every status of the injected check to an outcome', () => {
    const outcomes = Object.fromEntries(CHECK_STATUSES.map((s) => [s, outcomeOf({ status: s, reasonCode: 'exit-code' })]));
    expect(outcomes).toEqual({
      pass: 'escaped',
      fail: 'caught',
      error: 'caught',
      timeout: 'caught',
      flaky: 'escaped',
      blocked: 'inconclusive',
      skipped: 'inconclusive',
      waived: 'escaped',
      interrupted: 'interrupted',
      'not-run': 'interrupted',
    });
    expect(outcomeOf({ status: 'fail', reasonCode: 'injection-not-detected' })).toBe('escaped');
  });

  it('the drill passes only when every round caught its injection', () => {
    const plan = { check: 'a', mode: 'declared' as const, needs: [], timeoutMs: 1000 };
    const run = { runId: 'r1', report: 'rounds/a/closeout.json', durationMs: 10 };
    const caught = judgeRound(plan, makeCheck('a', 'fail'), run);
    const escaped = judgeRound(plan, makeCheck('a', 'fail', { reasonCode: 'injection-not-detected' }), run);
    const blocked = judgeRound(plan, makeCheck('a', 'blocked', { reasonCode: 'blocked' }), run);
    expect([caught.outcome, escaped.outcome, blocked.outcome]).toEqual(['caught', 'escaped', 'inconclusive']);
    expect(drillVerdict(summarizeDrill([caught, caught]), false)).toBe('pass');
    expect(drillVerdict(summarizeDrill([caught, escaped]), false)).toBe('fail');
    expect(drillVerdict(summarizeDrill([caught, blocked]), false)).toBe('fail');
    expect(drillVerdict(summarizeDrill([]), false)).toBe('fail');
    expect(drillVerdict(summarizeDrill([caught]), true)).toBe('aborted');
    expect([drillExitCode('pass', undefined), drillExitCode('fail', undefined), drillExitCode('aborted', 'SIGINT'), drillExitCode('aborted', 'SIGTERM')]).toEqual([0, 3, 130, 143]);
    expect(roundNotRun(plan, undefined, 'not run: the drill was interrupted')).toMatchObject({ outcome: 'not-run', status: null, report: null, runId: null });
    expect(summarizeDrill([caught, escaped, blocked])).toEqual({ rounds: 3, caught: 1, escaped: 1, inconclusive: 1, interrupted: 0, 'not-run': 0 });
  });
});

function row(check: string, over: Partial<DrillRound> = {}): DrillRound {
  return {
    check,
    mode: 'declared',
    needs: [],
    timeoutMs: 30000,
    title: `Title of ${check}`,
    required: true,
    outcome: 'caught',
    status: 'fail',
    reasonCode: 'assertion-failed',
    reason: `go_no_go == "go": found "no_go"`,
    runId: `run-${check}`,
    report: `rounds/${check}/closeout.json`,
    durationMs: 1234,
    ...over,
  };
}

function drill(rounds: DrillRound[], over: Partial<DrillReport> = {}): DrillReport {
  const summary = summarizeDrill(rounds);
  const verdict = drillVerdict(summary, false);
  return {
    schemaVersion: 1,
    kind: 'drill',
    gate: { id: 'm28', title: 'Milestone 28', file: 'gates/m28.json', sha256: 'a'.repeat(64) },
    drillId: '20240501T100000Z-abcdef',
    startedAt: '2024-05-01T10:00:00.000Z',
    finishedAt: '2024-05-01T10:00:05.000Z',
    durationMs: 5000,
    mode: 'declared',
    timeoutMsOverride: null,
    verdict,
    exitCode: drillExitCode(verdict, undefined),
    summary,
    escaped: rounds.filter((r) => r.outcome === 'escaped').map((r) => r.check),
    inconclusive: rounds.filter((r) => r.outcome === 'inconclusive').map((r) => r.check),
    rounds,
    gateVersion: '0.1.0',
    reportDir: '/p/reports/m28_drill',
    workDir: '/p/data/state/m28_drill',
    ...over,
  };
}

const escapedRow = row('M28-4', { outcome: 'escaped', reasonCode: 'injection-not-detected', reason: 'injection not detected' });
const blockedRow = row('M28-5', {
  needs: ['M28-1', 'M28-4'],
  outcome: 'inconclusive',
  status: 'blocked',
  reasonCode: 'blocked',
  reason: 'dependency did not pass: M28-4 -> M28-1 (fail)',
});

describe('the drill line', () => {
  it('counts the catches, and names escapes, inconclusive rounds and interruptions', () => {
    expect(drillLine(drill([row('M28-1'), row('M28-2')]))).toBe('drill m28: 2/2 caught');
    expect(drillLine(drill([row('M28-1'), escapedRow]))).toBe('drill m28: ESCAPED: M28-4 (1/2 caught)');
    expect(drillLine(drill([escapedRow, blockedRow]))).toBe('drill m28: ESCAPED: M28-4; INCONCLUSIVE: M28-5 (0/2 caught)');
    const interrupted = [row('M28-1'), row('M28-2', { outcome: 'interrupted', status: 'interrupted' }), row('M28-3', { outcome: 'not-run', status: null })];
    expect(drillLine(drill(interrupted, { verdict: 'aborted', exitCode: 130 }))).toBe('drill m28: INTERRUPTED after 1/3 rounds (1/3 caught)');
  });
});

describe('the drill table', () => {
  it('lists every round with its outcome, then the drill line and where the report is', () => {
    const text = renderDrillTable(drill([row('M28-1'), escapedRow, row('M28-7', { required: false, status: 'error', reason: 'crashed: killed by signal SIGKILL' })]), 'reports/m28_drill');
    expect(text).toBe(
      [
        'drill m28 (declared): 3 rounds',
        '  #  check             mode      outcome  status  took   reason',
        '  1  M28-1             declared  caught   fail    1.2 s  go_no_go == "go": found "no_go"',
        '  2  M28-4             declared  escaped  fail    1.2 s  injection not detected',
        '  3  M28-7 (advisory)  declared  caught   error   1.2 s  crashed: killed by signal SIGKILL',
        'drill m28: ESCAPED: M28-4 (2/3 caught)',
        '  report: reports/m28_drill/drill.md',
        '',
      ].join('\n'),
    );
  });

  it('keeps a reason on one line, without control characters', () => {
    const text = renderDrillTable(drill([row('a', { reason: 'line one\nline two \u001b]0;title\u0007 \u001b[31mred\u001b[0m' })]), 'r');
    const line = text.split('\n').find((l) => l.includes('line one'))!;
    expect(line).toContain('line one line two');
    expect(line).toContain('red');
    expect(line).not.toMatch(/[\u0000-\u001f\u007f]/);
  });

  it('shows a round that did not run with dashes', () => {
    const text = renderDrillTable(drill([row('a', { outcome: 'not-run', status: null, reason: 'not run: the drill was interrupted', durationMs: 0 })], { verdict: 'aborted' }), 'r');
    expect(text).toContain('  1  a      declared  not-run  -       -     not run: the drill was interrupted');
  });
});

describe('progress lines', () => {
  it('say which round runs, with what, and what it proved', () => {
    expect(roundStartLine(2, 8, { check: 'M28-5', mode: 'declared', needs: ['M28-1', 'M28-4'], timeoutMs: 1 })).toBe('round 3/8: M28-5 (declared) with M28-1, M28-4 …');
    expect(roundEndLine(0, 8, row('M28-1'))).toBe('round 1/8: M28-1 (declared) … caught: fail: go_no_go == "go": found "no_go" (1.2 s)');
    // An interrupted round: outcome and status are one word, said once.
    const stopped = row('M28-2', { outcome: 'interrupted', status: 'interrupted', reason: 'interrupted while running' });
    expect(roundEndLine(1, 8, stopped)).toBe('round 2/8: M28-2 (declared) … interrupted: interrupted while running (1.2 s)');
  });

  it('warn before a timeout round that lasts over 30 s', () => {
    expect(timeoutNote({ check: 'x', mode: 'timeout', needs: [], timeoutMs: 300000 })).toBe(
      'note: the stand-in for x hangs until its time limit: this round takes about 5 min 0 s (--timeout-ms shortens it)',
    );
    expect(timeoutNote({ check: 'x', mode: 'timeout', needs: [], timeoutMs: 30000 })).toBeUndefined();
    expect(timeoutNote({ check: 'x', mode: 'declared', needs: [], timeoutMs: 300000 })).toBeUndefined();
  });
});

describe('drill.json and drill.md', () => {
  it('drill.json is the report as data', () => {
    const report = drill([row('M28-1'), escapedRow]);
    expect(JSON.parse(renderDrillJson(report))).toEqual(report);
  });

  it('drill.md leads with the result, names escapes, and links each round report', () => {
    const md = renderDrillMarkdown(drill([row('M28-1'), escapedRow, blockedRow]));
    expect(md.split('\n')[0]).toBe('# ❌ Drill failed — Milestone 28');
    expect(md).toContain('> ❌ **Escaped** — `M28-4`: injected, the check still passed.');
    expect(md).toContain('> ⚠️ **Inconclusive** — `M28-5`: a dependency did not pass');
    expect(md).toContain('| 1 | `M28-1` | Title of M28-1 | yes | declared | ✅ caught | fail | go\\_no\\_go == "go": found "no\\_go" | 1.2 s | [closeout.md](<rounds/M28-1/closeout.md>) |');
    expect(md).toContain('- ❌ **escaped**:');
    expect(md).not.toContain('**not-run**');
  });

  it('drill.md for a passed drill has no warnings', () => {
    const md = renderDrillMarkdown(drill([row('M28-1')]));
    expect(md.split('\n')[0]).toBe('# ✅ Drill passed — Milestone 28');
    expect(md).not.toContain('> ');
    expect(md).toContain('**drill m28: 1/1 caught**');
  });

  it('escapes what the gate file wrote, so a title cannot inject Markdown or HTML', () => {
    const md = renderDrillMarkdown(drill([row('a', { title: '<img src=x> | *bold*' })], { gate: { id: 'g', title: '# <b>T</b>', file: 'gates/g.json', sha256: 'b' } }));
    expect(md).not.toContain('<img');
    expect(md).not.toContain('<b>');
    expect(md).toContain('&lt;img src=x&gt; \\| \\*bold\\*');
  });

  it('keeps a title that ends in # whole in the heading (an ATX closing sequence would drop it), as closeout.md does', () => {
    const md = renderDrillMarkdown(drill([row('M28-1')], { gate: { id: 'g', title: 'Release #', file: 'gates/g.json', sha256: 'b' } }));
    expect(md.split('\n')[0]).toBe('# ✅ Drill passed — Release \\#');
  });
});
