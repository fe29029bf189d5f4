import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DrillReport } from '../../src/model/drill.js';
import type { Report } from '../../src/model/types.js';
import { lockReportDir } from '../../src/report/lock.js';
import { alive, byId, filesUnder, fixture, gate, heldUntil, makeProject, REPO, signalOnceSaid, signalOnceStarted, survivors, whileHeld, type Project } from './harness.js';

const check = (id: string, run: string[] | string, extra: object = {}) => ({ id, run, ...extra });
/** Passes unless injected (GATE_INJECT_FAIL=1 breaks it): a check with a working fail path. */
const aware = (id: string, extra: object = {}) => check(id, fixture('inject-aware.mjs'), { expect: ['ok == true'], ...extra });

const drillDir = (p: Project, id: string) => path.join(p.root, 'reports', `${id}_drill`);
const drillJson = (p: Project, id: string) => JSON.parse(readFileSync(path.join(drillDir(p, id), 'drill.json'), 'utf8')) as DrillReport;
const roundReport = (p: Project, id: string, checkId: string) =>
  JSON.parse(readFileSync(path.join(drillDir(p, id), 'rounds', checkId, 'closeout.json'), 'utf8')) as Report;
const outcomes = (d: DrillReport) => d.rounds.map((r) => [r.check, r.outcome]);

describe('gate drill', () => {
  it('injects every check in turn: all caught is exit 0, with the matrix on stdout and in drill.json / drill.md', async () => {
    const p = makeProject();
    p.gate('g', { checks: [aware('a'), aware('b', { dependsOn: ['a'] }), aware('c', { dependsOn: ['b'], required: false })] });
    const r = await gate(['drill', 'g'], { cwd: p.root });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('drill g (declared): 3 rounds');
    expect(r.stdout).toMatch(/^ {2}3 {2}c \(advisory\) +declared +caught +fail /m);
    expect(r.stdout).toContain('drill g: 3/3 caught\n');
    expect(r.stdout).toContain(`report: ${path.join('reports', 'g_drill')}/drill.md`);
    expect(r.stderr).toContain('round 2/3: b (declared) with a …\n');
    expect(r.stderr).toMatch(/^round 3\/3: c \(declared\) … caught: fail: /m);

    const d = drillJson(p, 'g');
    expect(d).toMatchObject({ kind: 'drill', mode: 'declared', verdict: 'pass', exitCode: 0, escaped: [], inconclusive: [] });
    expect(d.summary).toEqual({ rounds: 3, caught: 3, escaped: 0, inconclusive: 0, interrupted: 0, 'not-run': 0 });
    expect(d.rounds.map((x) => [x.check, x.needs, x.outcome, x.status, x.report])).toEqual([
      ['a', [], 'caught', 'fail', 'rounds/a/closeout.json'],
      ['b', ['a'], 'caught', 'fail', 'rounds/b/closeout.json'],
      ['c', ['a', 'b'], 'caught', 'fail', 'rounds/c/closeout.json'],
    ]);
    // Each round is a normal run of the injected check and what it needs; dependents are left out.
    const b = roundReport(p, 'g', 'b');
    expect(b.runId).toBe(d.rounds[1]!.runId);
    expect(b.injected).toEqual([{ checkId: 'b', mode: 'declared' }]);
    expect(b.checks.map((c) => [c.id, c.status, c.injected])).toEqual([
      ['a', 'pass', false],
      ['b', 'fail', true],
      ['c', 'skipped', false],
    ]);
    const md = readFileSync(path.join(drillDir(p, 'g'), 'drill.md'), 'utf8');
    expect(md.split('\n')[0]).toBe('# ✅ Drill passed — g');
    expect(md).toContain('[closeout.md](<rounds/b/closeout.md>)');
    expect(survivors(p.root)).toEqual([]);
  });

  it('a check whose fail path is missing escapes: exit 3, and the matrix names it', async () => {
    const p = makeProject();
    // pass.mjs ignores GATE_INJECT_FAIL and its injectFail env: injected, it still passes.
    p.gate('g', { checks: [aware('a'), check('b', fixture('pass.mjs'), { expect: ['ok == true'], injectFail: { env: { NOTHING_LISTENS: '1' } } })] });
    const r = await gate(['drill', 'g'], { cwd: p.root });
    expect(r.code, r.stderr).toBe(3);
    expect(r.stdout).toMatch(/^ {2}2 {2}b +declared +escaped +fail +\S+ +\S+ +injection not detected$/m);
    expect(r.stdout).toContain('drill g: ESCAPED: b (1/2 caught)\n');
    const d = drillJson(p, 'g');
    expect(d).toMatchObject({ verdict: 'fail', exitCode: 3, escaped: ['b'] });
    expect(d.rounds[1]).toMatchObject({ outcome: 'escaped', status: 'fail', reasonCode: 'injection-not-detected' });
    const md = readFileSync(path.join(drillDir(p, 'g'), 'drill.md'), 'utf8');
    expect(md).toContain('> ❌ **Escaped** — `b`');
  });

  it('--only drills just those checks, in gate order; the rest get no round', async () => {
    const p = makeProject();
    p.gate('g', { checks: [aware('a'), aware('b', { dependsOn: ['a'] }), aware('c'), aware('d', { dependsOn: ['b'] })] });
    const r = await gate(['drill', 'g', '--only', 'd', '--only', 'a'], { cwd: p.root });
    expect(r.code, r.stderr).toBe(0);
    const d = drillJson(p, 'g');
    expect(d.rounds.map((x) => [x.check, x.needs])).toEqual([
      ['a', []],
      ['d', ['a', 'b']],
    ]);
    expect(existsSync(path.join(drillDir(p, 'g'), 'rounds', 'b'))).toBe(false);
    expect(roundReport(p, 'g', 'd').checks.map((c) => [c.id, c.status])).toEqual([
      ['a', 'pass'],
      ['b', 'pass'],
      ['c', 'skipped'],
      ['d', 'fail'],
    ]);
  });

  it.each([
    ['exit', 'fail', 'exit-code', { exitCode: 1, signal: null }],
    ['crash', 'error', 'crashed', { exitCode: null, signal: 'SIGKILL' }],
    ['bad-json', 'error', 'invalid-json', { exitCode: 0, signal: null }],
  ] as const)('--mode %s replaces each check with a stand-in: %s (%s), caught', async (mode, status, reasonCode, ended) => {
    const p = makeProject();
    p.gate('g', { checks: [check('a', fixture('pass.mjs'), { expect: ['ok == true'] }), check('b', fixture('pass.mjs'), { dependsOn: ['a'] })] });
    const r = await gate(['drill', 'g', '--mode', mode], { cwd: p.root });
    expect(r.code, r.stderr).toBe(0);
    const d = drillJson(p, 'g');
    expect(d.mode).toBe(mode);
    expect(d.rounds.map((x) => [x.check, x.mode, x.outcome, x.status, x.reasonCode])).toEqual([
      ['a', mode, 'caught', status, reasonCode],
      ['b', mode, 'caught', status, reasonCode],
    ]);
    expect(byId(roundReport(p, 'g', 'b'), 'b')).toMatchObject({ injected: true, injectMode: mode, ...ended });
    expect(byId(roundReport(p, 'g', 'b'), 'a')).toMatchObject({ status: 'pass', injected: false });
    expect(survivors(p.root)).toEqual([]);
  });

  it('--mode timeout with --timeout-ms: the stand-in hangs until that limit', async () => {
    const p = makeProject();
    p.gate('g', { checks: [check('a', fixture('pass.mjs'), { killGraceMs: 100 })] });
    const r = await gate(['drill', 'g', '--mode', 'timeout', '--timeout-ms', '300'], { cwd: p.root });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('note:');
    const d = drillJson(p, 'g');
    expect(d).toMatchObject({ mode: 'timeout', timeoutMsOverride: 300 });
    expect(d.rounds[0]).toMatchObject({ outcome: 'caught', status: 'timeout', timeoutMs: 300, reason: 'timed out after 300 ms (sent SIGTERM)' });
    expect(survivors(p.root)).toEqual([]);
  });

  it('--mode timeout warns before a round with a long limit; SIGTERM stops it: exit 143, no process left', async () => {
    const p = makeProject();
    p.gate('g', { checks: [check('a', fixture('pass.mjs'))] });
    const r = await gate(['drill', 'g', '--mode', 'timeout'], {
      cwd: p.root,
      onSpawn: signalOnceSaid('round 1/1: a (timeout) …\n', 'SIGTERM'),
    });
    expect(r.code, r.stderr).toBe(143);
    expect(r.stderr).toContain('note: the stand-in for a hangs until its time limit: this round takes about 5 min 0 s (--timeout-ms shortens it)\n');
    expect(drillJson(p, 'g')).toMatchObject({ verdict: 'aborted', exitCode: 143 });
    expect(survivors(p.root)).toEqual([]);
  });

  it('a dependency that does not pass makes the round inconclusive: exit 3, and the matrix says why', async () => {
    const p = makeProject();
    p.gate('g', { checks: [check('a', fixture('fail.mjs')), aware('b', { dependsOn: ['a'] })] });
    const r = await gate(['drill', 'g', '--only', 'b'], { cwd: p.root });
    expect(r.code, r.stderr).toBe(3);
    expect(r.stdout).toContain('drill g: INCONCLUSIVE: b (0/1 caught)\n');
    const d = drillJson(p, 'g');
    expect(d).toMatchObject({ verdict: 'fail', exitCode: 3, inconclusive: ['b'], escaped: [] });
    expect(d.rounds[0]).toMatchObject({ outcome: 'inconclusive', status: 'blocked', reason: 'dependency did not pass: a (fail)' });
  });

  it('a round whose check a waiver in force covers says so: a real failure of it would be waived and leave the gate GO', async () => {
    const p = makeProject();
    p.gate('g', {
      checks: [aware('a'), aware('w')],
      waivers: [
        { check: 'w', reason: 'lint flaky on ARM', owner: 'ops', expires: '2999-01-01' },
        { check: 'a', reason: 'long gone', expires: '2000-01-01' },
      ],
    });
    const r = await gate(['drill', 'g'], { cwd: p.root });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ {2}1 {2}a +declared +caught +fail /m);
    expect(r.stdout).toMatch(/^ {2}2 {2}w \(waived until 2999-01-01\) +declared +caught +fail /m);
    expect(r.stdout).toContain('drill g: 2/2 caught; waived, so a real failure would not block: w\n');
    const d = drillJson(p, 'g');
    // The expired waiver covers nothing, in a round as in a run.
    expect(d.rounds[0]!.waiver).toBeUndefined();
    expect(d.rounds[1]).toMatchObject({ outcome: 'caught', waiver: { reason: 'lint flaky on ARM', owner: 'ops', expires: '2999-01-01' } });
    const md = readFileSync(path.join(drillDir(p, 'g'), 'drill.md'), 'utf8');
    expect(md).toContain('> 🟡 **Waived** — `w`: a waiver in force covers it (until 2999-01-01: lint flaky on ARM)');
    expect(md).toContain('| 2 | `w` |  | yes (waived until 2999-01-01) | declared | ✅ caught |');
  });

  it('a round whose check a failed dependency blocks is inconclusive, not an escape, even when a waiver covers the check', async () => {
    const p = makeProject();
    p.gate('g', {
      checks: [check('a', fixture('fail.mjs')), aware('x', { dependsOn: ['a'] })],
      waivers: [{ check: 'x', reason: 'known', expires: '2999-01-01' }],
    });
    const r = await gate(['drill', 'g', '--only', 'x'], { cwd: p.root });
    expect(r.code, r.stderr).toBe(3);
    expect(r.stdout).toContain('drill g: INCONCLUSIVE: x (0/1 caught)\n');
    const d = drillJson(p, 'g');
    expect(d).toMatchObject({ escaped: [], inconclusive: ['x'] });
    expect(d.rounds[0]).toMatchObject({ outcome: 'inconclusive', status: 'blocked', reason: 'dependency did not pass: a (fail)' });
    expect(byId(roundReport(p, 'g', 'x'), 'x')).toMatchObject({ status: 'blocked', injected: true });
  });

  it('SIGINT mid-drill ends the round, runs no further round, writes the matrix, exits 130 and leaves no process', async () => {
    const p = makeProject();
    p.gate('g', { checks: [aware('a'), check('b', fixture('forever.mjs'), { output: 'text' }), aware('c')] });
    const pidFile = path.join(p.root, 'data/state/g_drill/b/forever.pid');
    const r = await gate(['drill', 'g'], {
      cwd: p.root,
      onSpawn: signalOnceStarted(pidFile, 'SIGINT'),
    });
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toContain(
      'gate: SIGINT: stopping: no new check starts; the running check gets SIGTERM, then SIGKILL once its killGraceMs is over; send SIGINT again to kill at once\n',
    );
    expect(r.stdout).toContain('drill g: INTERRUPTED after 1/3 rounds (1/3 caught)\n');
    const d = drillJson(p, 'g');
    expect(d).toMatchObject({ verdict: 'aborted', exitCode: 130 });
    expect(outcomes(d)).toEqual([
      ['a', 'caught'],
      ['b', 'interrupted'],
      ['c', 'not-run'],
    ]);
    expect(roundReport(p, 'g', 'b').verdict).toBe('aborted');
    expect(existsSync(path.join(drillDir(p, 'g'), 'rounds', 'c', 'closeout.json'))).toBe(false);
    expect(alive(Number(readFileSync(pidFile, 'utf8')))).toBe(false);
    expect(survivors(p.root)).toEqual([]);
  });

  it('SIGINT while waiting for another drill\'s lock: exit 130 before that drill ends, nothing written, that drill unaffected', async () => {
    const p = makeProject();
    const goFile = path.join(p.root, 'go');
    p.gate('g', { checks: [check('a', heldUntil(goFile), { expect: ['ok == true'], timeoutMs: 55_000 })] });
    await whileHeld(p, ['drill', 'g'], goFile, async (first) => {
      const lockDir = path.join(drillDir(p, 'g'), '.gate.lock');
      expect(existsSync(lockDir)).toBe(true);
      const before = filesUnder(drillDir(p, 'g')).sort();
      const second = await gate(['drill', 'g'], { cwd: p.root, env: { GATE_LOCK_TIMEOUT_MS: '20000' }, onSpawn: signalOnceSaid('waiting up to', 'SIGINT') });
      expect(first.ended()).toBe(false);
      expect(second.code, second.stderr).toBe(130);
      expect(second.stderr).toContain('(SIGINT); nothing ran, no matrix written');
      expect(existsSync(lockDir)).toBe(true);
      expect(filesUnder(drillDir(p, 'g')).sort()).toEqual(before);
      // The injection goes unnoticed by this check: the first drill ends as it would have, escaped.
      expect((await first.release()).code).toBe(3);
      expect(outcomes(drillJson(p, 'g'))).toEqual([['a', 'escaped']]);
    });
    expect(survivors(p.root)).toEqual([]);
  });

  it('--json prints drill.json alone; a second drill keeps the first under history/', async () => {
    const p = makeProject();
    p.gate('g', { checks: [aware('a')] });
    const first = await gate(['drill', 'g', '--json'], { cwd: p.root });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toBe('');
    const printed = JSON.parse(first.stdout) as DrillReport;
    expect(printed).toEqual(drillJson(p, 'g'));
    const second = await gate(['drill', 'g', '--json'], { cwd: p.root });
    expect(second.code).toBe(0);
    expect(readFileSync(path.join(drillDir(p, 'g'), 'history', printed.drillId, 'drill.json'), 'utf8')).toBe(first.stdout);
  });

  it('--report-dir and --work-dir are relative to the current directory', async () => {
    const p = makeProject();
    p.gate('g', { checks: [aware('a')] });
    const r = await gate(['drill', 'gates/g.json', '--report-dir', 'out/drill', '--work-dir', 'out/work'], { cwd: p.root });
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(path.join(p.root, 'out/drill/drill.json'))).toBe(true);
    expect(existsSync(path.join(p.root, 'out/drill/rounds/a/closeout.json'))).toBe(true);
    expect(existsSync(path.join(p.root, 'out/work/a'))).toBe(true);
    expect(existsSync(drillDir(p, 'g'))).toBe(false);
  });

  it('never writes a secret into the matrix, its files or the terminal', async () => {
    const secret = 'hunter2-drill-secret-value';
    const p = makeProject();
    p.gate('g', {
      env: { DEPLOY_TOKEN: secret },
      checks: [check('a', fixture('echo-json.mjs', JSON.stringify({ token: secret })), { expect: ['token == "other"'], title: `uses ${secret}` })],
    });
    const r = await gate(['drill', 'g'], { cwd: p.root });
    expect(r.code, r.stderr).toBe(0);
    expect(drillJson(p, 'g').rounds[0]!.reason).toContain('[REDACTED]');
    expect(r.stdout + r.stderr).not.toContain(secret);
    for (const file of filesUnder(drillDir(p, 'g'))) expect(readFileSync(file, 'utf8'), file).not.toContain(secret);
  });
});

/** Every file and folder below `dir` (hidden ones too), each file with its content and modification time. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const entry of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const name = path.join(rel, entry.name);
      if (entry.isDirectory()) {
        out[`${name}/`] = '';
        walk(name);
      } else out[name] = `${statSync(path.join(dir, name)).mtimeMs} ${readFileSync(path.join(dir, name), 'utf8')}`;
    }
  };
  walk('');
  return out;
}

/** Runs gate with a lock wait of 30 s; `waiting` resolves true once it says it waits for a lock (false if it has not within 20 s). */
function gateThatWaits(args: string[], cwd: string) {
  let said = false;
  const done = gate(args, { cwd, env: { GATE_LOCK_TIMEOUT_MS: '30000' }, onSpawn: (child) => child.stderr!.on('data', (d: Buffer) => (said ||= d.toString().includes('waiting up to 30 s'))) });
  const waiting = (async () => {
    for (const deadline = Date.now() + 20_000; !said && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 20));
    return said;
  })();
  return { done, waiting };
}

describe('gate drill and gate run never share a report dir', () => {
  it("a drill into a run's report dir is refused (exit 2) before anything runs or is written; the run's dir still takes runs", async () => {
    const p = makeProject();
    p.gate('g', { checks: [aware('a')] });
    expect((await gate(['run', 'g'], { cwd: p.root })).code).toBe(0);
    const runDir = path.join(p.root, 'reports', 'g_closeout');
    const before = snapshot(runDir);
    const r = await gate(['drill', 'g', '--report-dir', 'reports/g_closeout'], { cwd: p.root });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toBe(
      "gate: report dir reports/g_closeout holds a run's report (closeout.json, run.log, junit.xml, closeout.md, checks/); a drill's report is never written beside it, " +
        'as the two would mix their files and history\n  hint: choose another --report-dir for the drill (a drill reports into reports/<id>_drill by default)\nnothing ran.\n',
    );
    expect(r.stdout).toBe('');
    expect(snapshot(runDir)).toEqual(before);
    expect(existsSync(path.join(p.root, 'data', 'state', 'g_drill'))).toBe(false);
    // The run's own kind still reuses it: the first run moves to history/.
    const first = p.report('g').runId;
    expect((await gate(['run', 'g'], { cwd: p.root })).code).toBe(0);
    expect(existsSync(path.join(runDir, 'history', first, 'closeout.json'))).toBe(true);
    expect(existsSync(path.join(runDir, 'drill.json'))).toBe(false);
  });

  it("a check that writes a drill's file names into its report dir does not lock its gate's runs out of it", async () => {
    const p = makeProject();
    const writes = "const fs = require('fs'); const d = process.env.GATE_REPORT_DIR; fs.writeFileSync(d + '/drill.md', '# notes'); fs.mkdirSync(d + '/rounds', { recursive: true }); console.log('{\"ok\":true}')";
    p.gate('g', { checks: [check('a', ['node', '-e', writes], { expect: ['ok == true'] })] });
    for (let i = 0; i < 2; i++) {
      const r = await gate(['run', 'g'], { cwd: p.root });
      expect(r.code, r.stderr).toBe(0);
    }
    // The dir holds a run's report: a drill is still refused there.
    const drill = await gate(['drill', 'g', '--report-dir', 'reports/g_closeout'], { cwd: p.root });
    expect(drill.code).toBe(2);
    expect(drill.stderr).toContain("holds a run's report (closeout.json");
  });

  it("a check that writes drill.json into its report dir opens it to neither kind: drill and run are refused (exit 2), nothing written", async () => {
    const p = makeProject();
    const writes = "require('fs').writeFileSync(process.env.GATE_REPORT_DIR + '/drill.json', '{}'); console.log('{\"ok\":true}')";
    p.gate('g', { checks: [check('a', ['node', '-e', writes], { expect: ['ok == true'] })] });
    expect((await gate(['run', 'g'], { cwd: p.root })).code).toBe(0);
    const runDir = path.join(p.root, 'reports', 'g_closeout');
    const before = snapshot(runDir);
    for (const [kind, args] of [['drill', ['drill', 'g', '--report-dir', 'reports/g_closeout']], ['run', ['run', 'g']]] as const) {
      const r = await gate([...args], { cwd: p.root });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(
        new RegExp(`^gate: report dir reports/g_closeout holds both a run's report \\(closeout\\.json\\) and a drill's \\(drill\\.json\\) at its top; neither kind is written there, .*\\n  hint: choose another --report-dir for the ${kind} .*\\nnothing ran\\.\\n$`),
      );
      expect(r.stdout).toBe('');
    }
    expect(snapshot(runDir)).toEqual(before);
    expect(existsSync(path.join(runDir, 'drill.md'))).toBe(false);
    expect(existsSync(path.join(runDir, 'rounds'))).toBe(false);
  });

  it("a round's dir that a check mixed (drill.json beside its closeout.json) refuses the next drill with a hint for the drill, not for a run", async () => {
    const p = makeProject();
    const writes = "require('fs').writeFileSync(process.env.GATE_REPORT_DIR + '/drill.json', '{}'); process.exit(process.env.GATE_INJECT_FAIL === '1' ? 1 : 0)";
    p.gate('g', { checks: [check('a', ['node', '-e', writes], { output: 'text' })] });
    expect((await gate(['drill', 'g'], { cwd: p.root })).code).toBe(0);
    const r = await gate(['drill', 'g'], { cwd: p.root });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain("gate: report dir reports/g_drill/rounds/a holds both a run's report (closeout.json) and a drill's (drill.json) at its top;");
    expect(r.stderr).toContain('\n  hint: choose another --report-dir for the drill (a drill reports into reports/<id>_drill by default, each round into its rounds/<check>/)');
    expect(r.stderr).not.toContain('for the run');
  });

  it("a run into a drill's report dir is refused (exit 2) before anything runs or is written; the drill's dir still takes drills", async () => {
    const p = makeProject();
    p.gate('g', { checks: [aware('a')] });
    expect((await gate(['drill', 'g'], { cwd: p.root })).code).toBe(0);
    const before = snapshot(drillDir(p, 'g'));
    for (const args of [['run', 'g', '--report-dir', 'reports/g_drill'], ['run', 'g', '--report-dir', 'reports/g_drill', '--json']]) {
      const r = await gate(args, { cwd: p.root });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toBe(
        "gate: report dir reports/g_drill holds a drill's report (drill.md, drill.json, rounds/); a run's report is never written beside it, " +
          'as the two would mix their files and history\n  hint: choose another --report-dir for the run (a run reports into reports/<id>_closeout by default)\nnothing ran.\n',
      );
      expect(r.stdout).toBe('');
    }
    expect(snapshot(drillDir(p, 'g'))).toEqual(before);
    expect(existsSync(path.join(p.root, 'data', 'state', 'g_closeout'))).toBe(false);
    // The drill's own kind still reuses it: the first drill moves to history/.
    const first = drillJson(p, 'g').drillId;
    expect((await gate(['drill', 'g'], { cwd: p.root })).code).toBe(0);
    expect(existsSync(path.join(drillDir(p, 'g'), 'history', first, 'drill.json'))).toBe(true);
    expect(existsSync(path.join(drillDir(p, 'g'), 'closeout.json'))).toBe(false);
  });

  it("a drill that waited for a run's lock on a new dir is refused once the run has reported there", async () => {
    const p = makeProject();
    const goFile = path.join(p.root, 'go');
    p.gate('g', { checks: [check('a', heldUntil(goFile), { expect: ['ok == true'], timeoutMs: 55_000 })] });
    await whileHeld(p, ['run', 'g', '--report-dir', 'shared'], goFile, async (first) => {
      // The run has not reported yet: the dir holds only gate's mark and the lock, so the drill waits for it.
      const drill = gateThatWaits(['drill', 'g', '--report-dir', 'shared'], p.root);
      expect(await drill.waiting).toBe(true);
      expect(first.ended()).toBe(false);
      expect((await first.release()).code).toBe(0);
      const r = await drill.done;
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain("gate: report dir shared holds a run's report (closeout.json");
      expect(r.stderr).toMatch(/hint: choose another --report-dir for the drill .*\nnothing ran\.\n$/);
    });
    const shared = path.join(p.root, 'shared');
    expect(readdirSync(shared).sort()).toEqual(['.gate-report-dir', 'checks', 'closeout.json', 'closeout.md', 'junit.xml', 'run.log']);
    expect(existsSync(path.join(p.root, 'data', 'state', 'g_drill'))).toBe(false);
  });

  it("a run that waited for the lock on a new dir is refused if a drill's report was written there meanwhile", async () => {
    const p = makeProject();
    p.gate('g', { checks: [aware('a')] });
    const shared = path.join(p.root, 'shared');
    // A dir as gate prepares it, its lock held as another gate process holds it.
    mkdirSync(shared);
    writeFileSync(path.join(shared, '.gate-report-dir'), 'This folder holds gate closeout reports; gate moves and prunes what is in it.\n');
    const held = await lockReportDir(shared, 0);
    if (!held.ok) throw new Error(held.message);
    const run = gateThatWaits(['run', 'g', '--report-dir', 'shared'], p.root);
    try {
      expect(await run.waiting).toBe(true);
      // What a drill leaves there before it lets the lock go.
      mkdirSync(path.join(shared, 'rounds', 'a'), { recursive: true });
      writeFileSync(path.join(shared, 'drill.json'), '{}\n');
    } finally {
      await held.release();
    }
    const r = await run.done;
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain("gate: report dir shared holds a drill's report (drill.json, rounds/)");
    expect(r.stderr).toMatch(/hint: choose another --report-dir for the run .*\nnothing ran\.\n$/);
    expect(readdirSync(shared).sort()).toEqual(['.gate-report-dir', 'drill.json', 'rounds']);
    expect(existsSync(path.join(p.root, 'data', 'state', 'g_closeout'))).toBe(false);
  });

  it("a run into a drill's dir is refused at once, even while that drill runs: it does not wait for the lock", async () => {
    const p = makeProject();
    const goFile = path.join(p.root, 'go');
    p.gate('g', { checks: [check('a', heldUntil(goFile), { expect: ['ok == true'], timeoutMs: 55_000 })] });
    await whileHeld(p, ['drill', 'g'], goFile, async (first) => {
      const r = await gate(['run', 'g', '--report-dir', 'reports/g_drill'], { cwd: p.root, env: { GATE_LOCK_TIMEOUT_MS: '30000' } });
      expect(first.ended()).toBe(false);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).not.toContain('waiting');
      expect(r.stderr).toContain("gate: report dir reports/g_drill holds a drill's report (rounds/)");
      expect((await first.release()).code).toBe(3);
    });
    expect(existsSync(path.join(drillDir(p, 'g'), 'closeout.json'))).toBe(false);
  });
});

describe('gate drill: usage errors (exit 2, nothing runs)', () => {
  it('several gates and none named', async () => {
    const p = makeProject();
    p.gate('one', { checks: [aware('a')] });
    p.gate('two', { checks: [aware('a')] });
    const r = await gate(['drill'], { cwd: p.root });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('gate: drill takes one gate, and gates/ holds 2: one, two\n  hint: name one, e.g. gate drill one\nnothing ran.\n');
    expect(existsSync(path.join(p.root, 'reports'))).toBe(false);
  });

  it.each([
    [['--only', 'x'], '--only x: gate "g" has no check "x"'],
    [['--timeout-ms', '100'], '--timeout-ms applies only to --mode timeout (this drill\'s mode is declared)'],
    [['--mode', 'explode'], "argument 'explode' is invalid"],
  ])('%j', async (args, message) => {
    const p = makeProject();
    p.gate('g', { checks: [aware('a')] });
    const r = await gate(['drill', 'g', ...args], { cwd: p.root });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(existsSync(path.join(p.root, 'reports'))).toBe(false);
  });

  it('a gate with a definition error', async () => {
    const p = makeProject();
    p.gate('g', { checks: [aware('a', { timout: 5 })] });
    const r = await gate(['drill'], { cwd: p.root });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown field "timout"');
  });
});

describe('gate drill on the M28 demo', () => {
  it('catches the injection of each of the 8 checks along its own fail path', async () => {
    const p = makeProject();
    cpSync(path.join(REPO, 'gates'), path.join(p.root, 'gates'), { recursive: true });
    cpSync(path.join(REPO, 'fixtures'), path.join(p.root, 'fixtures'), { recursive: true });
    const r = await gate(['drill', 'm28'], { cwd: p.root });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('drill m28: 8/8 caught\n');
    const d = drillJson(p, 'm28');
    expect(outcomes(d)).toEqual(['M28-1', 'M28-2', 'M28-3', 'M28-4', 'M28-5', 'M28-6', 'M28-7', 'M28-8'].map((id) => [id, 'caught']));
    for (const round of d.rounds) expect(round.reasonCode).not.toBe('injection-not-detected');
    expect(d.rounds.find((x) => x.check === 'M28-8')!.needs).toEqual(['M28-1', 'M28-2', 'M28-7']);
    expect(survivors(p.root)).toEqual([]);
  });
});
