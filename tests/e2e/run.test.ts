import { createHash } from 'node:crypto';
import { chmodSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { alive, byId, filesUnder, fixture, gate, heldUntil, makeProject, signalOnceSaid, signalOnceStarted, survivors, whileHeld, type CliOptions } from './harness.js';

const check = (id: string, run: string[] | string, extra: object = {}) => ({ id, run, ...extra });

describe('gate run: statuses, reasons, exit codes', () => {
  it('passes a gate whose checks pass: exit 0, GO, report files written', async () => {
    const p = makeProject();
    p.gate('g', { checks: [check('a', fixture('pass.mjs'), { expect: ['ok == true', 'n >= 1'] })] });
    const r = await gate(['run', 'g'], { cwd: p.root });
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
    expect(r.code).toBe(0);
    const report = p.report('g');
    expect(report).toMatchObject({ schemaVersion: 1, verdict: 'pass', decision: 'GO', exitCode: 0 });
    expect(byId(report, 'a')).toMatchObject({ status: 'pass', attempts: 1, exitCode: 0, injected: false });
    expect(byId(report, 'a').assertions).toEqual([
      { expr: 'ok == true', ok: true, message: 'ok == true: found true' },
      { expr: 'n >= 1', ok: true, message: 'n >= 1: found 1' },
    ]);
    for (const f of ['closeout.md', 'junit.xml', 'run.log', 'checks/a.stdout.txt', 'checks/a.stderr.txt']) {
      expect(existsSync(path.join(p.root, 'reports/g_closeout', f)), f).toBe(true);
    }
    expect(p.reportFile('g', 'checks/a.stdout.txt')).toContain('"ok":true');
    const log = p.reportFile('g', 'run.log').trim().split('\n').map((l) => JSON.parse(l) as { msg: string; runId: string });
    expect(log.map((l) => l.msg)).toContain('run finished');
    expect(new Set(log.map((l) => l.runId))).toEqual(new Set([report.runId]));
    expect(r.stdout).toContain('gate g: GO');
  });

  it('fails on a false assertion with the message naming what was found: exit 3, NO-GO', async () => {
    const p = makeProject();
    p.gate('g', { checks: [check('a', fixture('echo-json.mjs', '{"go_no_go":"no_go"}'), { expect: ['go_no_go == "go"'] })] });
    const r = await gate(['run', 'g'], { cwd: p.root });
    expect(r.code).toBe(3);
    const a = byId(p.report('g'), 'a');
    expect(a.status).toBe('fail');
    expect(a.reasonCode).toBe('assertion-failed');
    expect(a.assertions[0]?.message).toBe('go_no_go == "go": found "no_go"');
    expect(r.stdout).toContain('go_no_go == "go": found "no_go"');
    expect(p.report('g')).toMatchObject({ verdict: 'fail', decision: 'NO-GO', exitCode: 3 });
  });

  it('a count over a misspelt path is NO-GO naming the missing key, never a vacuous GO', async () => {
    const p = makeProject();
    p.gate('g', { checks: [check('a', fixture('echo-json.mjs', '{"errors":["E1","E2"]}'), { expect: ['count(erors) == 0'] })] });
    expect((await gate(['run', 'g'], { cwd: p.root })).code).toBe(3);
    expect(byId(p.report('g'), 'a')).toMatchObject({
      status: 'fail',
      reasonCode: 'assertion-failed',
      assertions: [{ expr: 'count(erors) == 0', ok: false, message: 'count(erors) == 0: found nothing (no "erors" at the top level)' }],
    });
  });

  it('judges a wrong exit code as fail and still evaluates every assertion', async () => {
    const p = makeProject();
    p.gate('g', { checks: [check('a', fixture('fail.mjs'), { expect: ['ok == true', 'ok exists'] })] });
    const r = await gate(['run', 'g'], { cwd: p.root });
    expect(r.code).toBe(3);
    const a = byId(p.report('g'), 'a');
    expect(a).toMatchObject({ status: 'fail', reasonCode: 'exit-code', exitCode: 1 });
    expect(a.assertions.map((x) => x.ok)).toEqual([false, true]);
  });

  it('accepts the exit codes listed in expectExitCode', async () => {
    const p = makeProject();
    p.gate('g', { checks: [check('a', fixture('echo-json.mjs', '{"ok":true}', '4'), { expectExitCode: [0, 4], expect: ['ok == true'] })] });
    expect((await gate(['run', 'g'], { cwd: p.root })).code).toBe(0);
  });

  it('calls invalid JSON an error, not a pass', async () => {
    const p = makeProject();
    p.gate('g', { checks: [check('a', fixture('bad-json.mjs'))] });
    const r = await gate(['run', 'g'], { cwd: p.root });
    expect(r.code).toBe(3);
    expect(byId(p.report('g'), 'a')).toMatchObject({ status: 'error', reasonCode: 'invalid-json' });
  });

  it('output that breaks its outputSchema is an error; the reason names the first violation, every report file lists them all', async () => {
    const p = makeProject();
    const outputSchema = { type: 'object', properties: { ok: { type: 'boolean' }, n: { minimum: 0 } }, additionalProperties: false };
    p.gate('g', { checks: [check('s', fixture('echo-json.mjs', '{"ok":"yes","n":-1,"extra":1}'), { outputSchema })] });
    const r = await gate(['run', 'g'], { cwd: p.root });
    expect(r.code).toBe(3);
    const violations = ['extra: is not allowed (additionalProperties is false)', 'ok: must be boolean, found "yes"', 'n: must be >= 0, found -1'];
    const s = byId(p.report('g'), 's');
    expect(s).toMatchObject({ status: 'error', reasonCode: 'output-schema', reason: `output breaks its outputSchema: ${violations[0]} (and 2 more)` });
    expect(s.notes).toEqual(violations.map((v) => `outputSchema: ${v}`));
    const logged = p.reportFile('g', 'run.log').trim().split('\n').map((l) => JSON.parse(l) as { msg: string; notes?: string[] });
    expect(logged.find((l) => l.msg === 'check finished')?.notes).toEqual(s.notes);
    // As each file escapes them (`"` and `>` are markup in one or the other).
    for (const file of ['closeout.md', 'junit.xml']) {
      for (const v of ['extra: is not allowed (additionalProperties is false)', 'ok: must be boolean, found ', 'n: must be &gt;= 0, found -1']) expect(p.reportFile('g', file), file).toContain(v);
    }
    for (const v of violations) expect(r.stdout).toContain(v);
  });

  it('lists 20 violations of an outputSchema, then how many more', async () => {
    const p = makeProject();
    const items = JSON.stringify(Array.from({ length: 25 }, (_, i) => `x${i}`));
    p.gate('g', { checks: [check('s', fixture('echo-json.mjs', items), { outputSchema: { items: { type: 'number' } } })] });
    expect((await gate(['run', 'g'], { cwd: p.root })).code).toBe(3);
    const s = byId(p.report('g'), 's');
    expect(s.reason).toBe('output breaks its outputSchema: [0]: must be number, found "x0" (and 24 more)');
    expect(s.notes).toHaveLength(21);
    expect(s.notes.slice(-2)).toEqual(['outputSchema: [19]: must be number, found "x19"', 'outputSchema: and 5 more']);
  });

  it('keeps text output unparsed with output: text', async () => {
    const p = makeProject();
    p.gate('g', { checks: [check('a', fixture('text.mjs'), { output: 'text' })] });
    expect((await gate(['run', 'g'], { cwd: p.root })).code).toBe(0);
    expect(p.reportFile('g', 'checks/a.stdout.txt').length).toBeGreaterThan(0);
  });

  it('ends a check that outlives its timeout, whole tree, and calls it timeout', async () => {
    const p = makeProject();
    p.gate('g', { checks: [check('a', fixture('ignore-term.mjs'), { timeoutMs: 300, killGraceMs: 300 })] });
    const r = await gate(['run', 'g'], { cwd: p.root });
    expect(r.code).toBe(3);
    const a = byId(p.report('g'), 'a');
    expect(a.status).toBe('timeout');
    expect(a.reason).toContain('timed out after 300 ms');
    expect(a.signalsSent.map((s) => s.signal)).toEqual(['SIGTERM', 'SIGKILL']);
    expect(survivors(p.root)).toEqual([]);
  });

  it('a grandchild holding stdout open neither hangs the run nor survives it', async () => {
    const p = makeProject();
    p.gate('g', { checks: [check('a', fixture('grandchild.mjs'), { expect: ['ok == true'], timeoutMs: 20000 })] });
    const started = Date.now();
    const r = await gate(['run', 'g'], { cwd: p.root });
    expect(r.code).toBe(0);
    const a = byId(p.report('g'), 'a');
    expect(a.status).toBe('pass');
    expect(a.leakedProcesses).toBe(true);
    expect(Date.now() - started).toBeLessThan(15000);
    const pid = Number(readFileSync(path.join(p.root, 'data/state/g_closeout/a/grandchild.pid'), 'utf8'));
    expect(alive(pid)).toBe(false);
    expect(survivors(p.root)).toEqual([]);
  });

  it('retries a flaky check and reports it as flaky, which counts as passing', async () => {
    const p = makeProject();
    const counter = path.join(p.root, 'counter');
    p.gate('g', { checks: [check('a', fixture('flaky.mjs', counter, '2'), { retries: 3, retryDelayMs: 10, expect: ['ok == true'] })] });
    const r = await gate(['run', 'g'], { cwd: p.root });
    expect(r.code).toBe(0);
    const a = byId(p.report('g'), 'a');
    expect(a).toMatchObject({ status: 'flaky', attempts: 3, reasonCode: 'passed-on-retry' });
    expect(p.report('g').summary.flaky).toBe(1);
  });

  it('stops retrying after the bound and reports fail', async () => {
    const p = makeProject();
    const counter = path.join(p.root, 'counter');
    p.gate('g', { checks: [check('a', fixture('flaky.mjs', counter, '5'), { retries: 1, retryDelayMs: 10 })] });
    expect((await gate(['run', 'g'], { cwd: p.root })).code).toBe(3);
    expect(byId(p.report('g'), 'a')).toMatchObject({ status: 'fail', attempts: 2 });
    expect(readFileSync(counter, 'utf8').trim()).toBe('2');
  });

  it('a program that cannot start is an error naming the errno, with no retry', async () => {
    const p = makeProject();
    p.gate('g', { checks: [check('a', ['/definitely/not/here'], { retries: 3, retryDelayMs: 10 })] });
    expect((await gate(['run', 'g'], { cwd: p.root })).code).toBe(3);
    const a = byId(p.report('g'), 'a');
    expect(a).toMatchObject({ status: 'error', reasonCode: 'not-startable', attempts: 1 });
    expect(a.reason).toContain('ENOENT');
  });

  it('a crash by signal is an error naming the signal', async () => {
    const p = makeProject();
    p.gate('g', { checks: [check('a', fixture('crash.mjs', 'SIGKILL'))] });
    expect((await gate(['run', 'g'], { cwd: p.root })).code).toBe(3);
    expect(byId(p.report('g'), 'a')).toMatchObject({ status: 'error', reasonCode: 'crashed', signal: 'SIGKILL' });
  });
});

describe('gate run: a check that printed its evidence, then timed out or crashed', () => {
  it('has its assertions evaluated and reported, its status still timeout or error; unparsable output gives none', async () => {
    const p = makeProject();
    p.gate('g', {
      checks: [
        check('late', ['sh', '-c', `echo '{"ok":false,"n":1}'; sleep 5`], { timeoutMs: 500, killGraceMs: 200, expect: ['ok == true', 'n == 1'] }),
        check('crashed', ['sh', '-c', `echo '{"ok":true}'; kill -9 $$`], { expect: ['ok == true'] }),
        check('file', ['sh', '-c', `echo '{"ok":false}' > "$GATE_EVIDENCE_FILE"; sleep 5`], { timeoutMs: 500, killGraceMs: 200, expect: ['ok == true'] }),
        check('cut', ['sh', '-c', `echo '{"ok": tr'; sleep 5`], { timeoutMs: 500, killGraceMs: 200, expect: ['ok == true'] }),
      ],
    });
    expect((await gate(['run', 'g'], { cwd: p.root })).code).toBe(3);
    const report = p.report('g');
    expect(byId(report, 'late')).toMatchObject({
      status: 'timeout',
      reasonCode: 'timeout',
      assertions: [
        { expr: 'ok == true', ok: false, message: 'ok == true: found false' },
        { expr: 'n == 1', ok: true, message: 'n == 1: found 1' },
      ],
    });
    // Assertions that all hold never turn a crash into a pass.
    expect(byId(report, 'crashed')).toMatchObject({ status: 'error', reasonCode: 'crashed', signal: 'SIGKILL', assertions: [{ expr: 'ok == true', ok: true }] });
    expect(byId(report, 'file')).toMatchObject({ status: 'timeout', assertions: [{ expr: 'ok == true', ok: false, message: 'ok == true: found false' }] });
    expect(byId(report, 'file').evidence.map((e) => e.path)).toEqual(['$GATE_EVIDENCE_FILE']);
    expect(byId(report, 'cut')).toMatchObject({ status: 'timeout', assertions: [], evidence: [] });
    expect(p.reportFile('g', 'closeout.md')).toContain('- `ok == true: found false`');
    expect(p.reportFile('g', 'junit.xml')).toMatch(/<error message="timed out after 500 ms[^"]*" type="timeout">ok == true: found false\n/);
  });
});

describe('gate run: output that breaks its outputSchema when the check failed otherwise', () => {
  it('lists the violations in the notes, for a wrong exit code, a timeout, a crash; the status and the reason stay', async () => {
    const p = makeProject();
    const outputSchema = { type: 'object', properties: { ok: { type: 'boolean' }, n: { type: 'number' } } };
    p.gate('g', {
      checks: [
        check('exit', ['node', '-e', `console.log('{"ok":"yes"}');process.exit(3)`], { outputSchema, expect: ['ok == true'] }),
        check('late', ['sh', '-c', `echo '{"ok":"yes","n":"1"}'; sleep 5`], { timeoutMs: 500, killGraceMs: 200, outputSchema }),
        check('crashed', ['sh', '-c', `echo '{"ok":1}'; kill -9 $$`], { outputSchema }),
        check('cut', ['sh', '-c', `echo '{"ok": tr'; kill -9 $$`], { outputSchema }),
      ],
    });
    expect((await gate(['run', 'g'], { cwd: p.root })).code).toBe(3);
    const report = p.report('g');
    expect(byId(report, 'exit')).toMatchObject({ status: 'fail', reasonCode: 'exit-code', notes: ['outputSchema: ok: must be boolean, found "yes"'] });
    expect(byId(report, 'exit').reason).not.toContain('outputSchema');
    expect(byId(report, 'late')).toMatchObject({
      status: 'timeout',
      reasonCode: 'timeout',
      notes: ['outputSchema: ok: must be boolean, found "yes"', 'outputSchema: n: must be number, found "1"'],
    });
    expect(byId(report, 'crashed')).toMatchObject({ status: 'error', reasonCode: 'crashed', notes: ['outputSchema: ok: must be boolean, found 1'] });
    expect(byId(report, 'cut')).toMatchObject({ status: 'error', reasonCode: 'crashed', notes: [] });
    expect(p.reportFile('g', 'closeout.md')).toContain('outputSchema: n: must be number, found "1"');
  });
});

describe('gate run: the graph', () => {
  it('blocks dependents with the chain back to the check that did not pass', async () => {
    const p = makeProject();
    p.gate('g', {
      checks: [
        check('root', fixture('fail.mjs')),
        check('mid', fixture('pass.mjs'), { dependsOn: ['root'] }),
        check('leaf', fixture('pass.mjs'), { dependsOn: ['mid'] }),
        check('free', fixture('pass.mjs')),
      ],
    });
    expect((await gate(['run', 'g'], { cwd: p.root })).code).toBe(3);
    const report = p.report('g');
    expect(byId(report, 'mid')).toMatchObject({ status: 'blocked', blockedBy: ['root'], attempts: 0 });
    expect(byId(report, 'leaf')).toMatchObject({ status: 'blocked', blockedBy: ['mid', 'root'] });
    expect(byId(report, 'leaf').reason).toBe('dependency did not pass: mid -> root (fail)');
    expect(byId(report, 'free').status).toBe('pass');
    expect(report.summary).toMatchObject({ total: 4, requiredFailTotal: 3 });
  });

  it('an advisory check that fails warns but blocks neither its dependents nor the release', async () => {
    const p = makeProject();
    p.gate('g', {
      checks: [check('lint', fixture('fail.mjs'), { required: false }), check('ship', fixture('pass.mjs'), { dependsOn: ['lint'] })],
    });
    expect((await gate(['run', 'g'], { cwd: p.root })).code).toBe(0);
    const report = p.report('g');
    expect(byId(report, 'lint').status).toBe('fail');
    expect(byId(report, 'ship').status).toBe('pass');
    expect(report.summary.requiredFailTotal).toBe(0);
  });

  it('runs many checks at once (-j 16) with no warning from Node on stderr', async () => {
    const p = makeProject();
    const meet = path.join(p.root, 'meet');
    mkdirSync(meet);
    // Each check waits until all 16 have started, so all 16 run at once.
    const rendezvous = `touch "${meet}/$GATE_CHECK_ID"; while [ "$(ls "${meet}" | wc -l)" -lt 16 ]; do sleep 0.05; done; echo '{}'`;
    p.gate('g', { checks: Array.from({ length: 16 }, (_, i) => check(`c${i}`, ['sh', '-c', rendezvous], { timeoutMs: 60_000 })) });
    const r = await gate(['run', 'g', '-j', '16'], { cwd: p.root });
    expect(r.code).toBe(0);
    expect(p.report('g').summary.pass).toBe(16);
    expect(r.stderr).not.toContain('MaxListenersExceededWarning');
    expect(r.stderr).not.toMatch(/\(node:\d+\)/);
  });

  it('--fail-fast starts nothing after the first required failure', async () => {
    const p = makeProject();
    p.gate('g', { checks: [check('a', fixture('fail.mjs')), check('b', fixture('pass.mjs')), check('c', fixture('pass.mjs'))] });
    expect((await gate(['run', 'g', '--fail-fast', '-j', '1'], { cwd: p.root })).code).toBe(3);
    const report = p.report('g');
    expect(byId(report, 'a').status).toBe('fail');
    expect(byId(report, 'b')).toMatchObject({ status: 'not-run', reason: 'fail-fast' });
    expect(byId(report, 'c')).toMatchObject({ status: 'not-run', reason: 'fail-fast' });
  });

  it('--only and --skip filter checks; a run that leaves required checks out is partial', async () => {
    const p = makeProject();
    p.gate('g', { checks: [check('a', fixture('pass.mjs')), check('b', fixture('fail.mjs')), check('c', fixture('pass.mjs'), { dependsOn: ['b'] })] });
    expect((await gate(['run', 'g', '--skip', 'b'], { cwd: p.root })).code).toBe(0);
    let report = p.report('g');
    expect(byId(report, 'b')).toMatchObject({ status: 'skipped' });
    expect(byId(report, 'c').status).toBe('pass');
    expect(report).toMatchObject({ partial: true, requiredNotRun: ['b'] });
    expect((await gate(['run', 'g', '--only', 'a'], { cwd: p.root })).code).toBe(0);
    report = p.report('g');
    expect(report.checks.map((c) => c.status)).toEqual(['pass', 'skipped', 'skipped']);
  });

  it('selecting no check, or an unknown one, is a usage error and runs nothing', async () => {
    const p = makeProject();
    p.gate('g', { checks: [check('a', fixture('pass.mjs'))] });
    const none = await gate(['run', 'g', '--skip', 'a'], { cwd: p.root });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('no check');
    const unknown = await gate(['run', 'g', '--only', 'A'], { cwd: p.root });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('did you mean "a"?');
    expect(existsSync(path.join(p.root, 'reports/g_closeout/closeout.json'))).toBe(false);
  });
});

describe('gate run: waivers', () => {
  it('an unexpired waiver covers a failure; an expired one covers nothing and is reported', async () => {
    const p = makeProject();
    p.gate('g', {
      checks: [check('a', fixture('fail.mjs')), check('b', fixture('fail.mjs'))],
      waivers: [
        { check: 'a', reason: 'known issue', owner: 'ops', expires: '2999-12-31' },
        { check: 'b', reason: 'old', expires: '2000-01-01' },
      ],
    });
    expect((await gate(['run', 'g'], { cwd: p.root })).code).toBe(3);
    let report = p.report('g');
    expect(byId(report, 'a')).toMatchObject({ status: 'waived', waivedStatus: 'fail' });
    expect(byId(report, 'b').status).toBe('fail');
    expect(report.waivers.map((w) => w.state)).toEqual(['applied', 'expired']);

    p.gate('g', { checks: [check('a', fixture('fail.mjs'))], waivers: [{ check: 'a', reason: 'known', expires: '2999-01-01' }] });
    expect((await gate(['run', 'g'], { cwd: p.root })).code).toBe(0);
    report = p.report('g');
    expect(report.decision).toBe('GO');
    expect(report.summary.waived).toBe(1);
  });
});

describe('gate run: what a check gets', () => {
  it('sets the GATE_* variables, its own empty work dir, the env file, and no stdin', async () => {
    const p = makeProject();
    p.gate('g', {
      env: { FROM_GATE: 'g' },
      envFile: { path: 'cfg/app.env', values: { ZED: 'last', ALPHA: 'first word' } },
      checks: [check('a', fixture('env-dump.mjs', 'FROM_GATE', 'FROM_CHECK'), { env: { FROM_CHECK: 'c' } })],
    });
    // gate's own variables come from gate, even when the environment it runs in has them.
    expect((await gate(['run', 'g'], { cwd: p.root, env: { GATE_RUN_ID: 'spoofed', GATE_INJECT_FAIL: '1' } })).code).toBe(0);
    const report = p.report('g');
    const seen = JSON.parse(p.reportFile('g', 'checks/a.stdout.txt')) as {
      env: Record<string, string>;
      cwd: string;
      stdinIsTTY: boolean;
      stdinEOF: boolean;
      stdinBytes: number;
      envFile: string;
      workDir: string[];
    };
    const workDir = path.join(p.root, 'data/state/g_closeout');
    expect(seen.env).toEqual({
      FROM_GATE: 'g',
      FROM_CHECK: 'c',
      GATE_RUN_ID: report.runId,
      GATE_CHECK_ID: 'a',
      GATE_WORK_DIR: path.join(workDir, 'a'),
      GATE_REPORT_DIR: path.join(p.root, 'reports/g_closeout'),
      GATE_EVIDENCE_FILE: expect.stringMatching(/evidence/) as unknown as string,
      GATE_ENV_FILE: path.join(workDir, 'cfg/app.env'),
    });
    expect(seen.cwd).toBe(p.root);
    expect(seen).toMatchObject({ stdinIsTTY: false, stdinEOF: true, stdinBytes: 0, workDir: [] });
    expect(seen.envFile).toBe('ALPHA="first word"\nZED=last\n');
    expect(readFileSync(path.join(p.root, 'data/state/g_closeout/cfg/app.env'), 'utf8')).toBe('ALPHA="first word"\nZED=last\n');
  });

  it('gives each run an empty folder as gate makes it, whatever the last run left or changed', async () => {
    const p = makeProject();
    // Each run says what its folder looked like, opens it to everyone and, when asked, leaves a file in it.
    const probe = `const fs = require('fs'), d = process.env.GATE_WORK_DIR, s = fs.statSync(d);
      console.log(JSON.stringify({ entries: fs.readdirSync(d), mode: s.mode & 0o7777 }));
      if (process.env.LEAVE) fs.writeFileSync(d + '/left.txt', 'x');
      fs.chmodSync(d, 0o777);`;
    p.gate('g', { checks: [check('a', ['node', '-e', probe], { expect: ['count(entries) == 0'] })] });
    const seen: { mode: number }[] = [];
    for (const env of [{ LEAVE: '1' }, {}, {}] as Record<string, string>[]) {
      expect((await gate(['run', 'g'], { cwd: p.root, env })).code).toBe(0);
      seen.push(JSON.parse(p.reportFile('g', 'checks/a.stdout.txt')) as { mode: number });
    }
    // Emptied after run 1 left a file; made anew after run 2 left it empty but open to everyone.
    expect(seen[0]!.mode).not.toBe(0o777);
    expect(seen.map((s) => s.mode)).toEqual([seen[0]!.mode, seen[0]!.mode, seen[0]!.mode]);
    // An empty folder with gate's mode is kept as it is (the same inode).
    const folder = path.join(p.root, 'data/state/g_closeout/a');
    chmodSync(folder, seen[0]!.mode);
    const inode = statSync(folder).ino;
    expect((await gate(['run', 'g'], { cwd: p.root })).code).toBe(0);
    expect(statSync(folder).ino).toBe(inode);
  });

  it('reads evidence from $GATE_EVIDENCE_FILE when the check writes it', async () => {
    const p = makeProject();
    p.gate('g', { checks: [check('a', fixture('env-dump.mjs', '--to-evidence-file'), { expect: ['env.GATE_CHECK_ID == a', 'stdinEOF == true'] })] });
    const r = await gate(['run', 'g'], { cwd: p.root });
    expect(r.code, r.stdout).toBe(0);
  });

  it('runs a command line through a shell only when the gate asks for one', async () => {
    const p = makeProject();
    p.gate('g', { checks: [check('a', 'echo \'{"ok":true}\' | cat', { shell: true, expect: ['ok == true'] })] });
    expect((await gate(['run', 'g'], { cwd: p.root })).code).toBe(0);
    p.gate('h', { checks: [check('a', ['echo', '{"ok":true}', '|', 'cat'], { expect: ['ok == true'] })] });
    expect((await gate(['run', 'h'], { cwd: p.root })).code).toBe(3);
  });
});

describe('gate run: failure injection', () => {
  it('--inject-fail runs the declared fail path and turns the gate red', async () => {
    const p = makeProject();
    p.gate('g', {
      checks: [check('a', fixture('inject-aware.mjs'), { expect: ['ok == true'], injectFail: { args: ['--break'] } }), check('b', fixture('pass.mjs'))],
    });
    const r = await gate(['run', 'g', '--inject-fail', 'a'], { cwd: p.root });
    expect(r.code).toBe(3);
    const report = p.report('g');
    expect(byId(report, 'a')).toMatchObject({ status: 'fail', injected: true });
    expect(byId(report, 'b')).toMatchObject({ status: 'pass', injected: false });
    expect(report.injected).toEqual([{ checkId: 'a', mode: 'declared' }]);
  });

  it('an injection the check does not notice is a fail with reason "injection not detected"', async () => {
    const p = makeProject();
    p.gate('g', { checks: [check('a', fixture('pass.mjs'), { expect: ['ok == true'] })] });
    expect((await gate(['run', 'g', '--inject-fail', 'a'], { cwd: p.root })).code).toBe(3);
    expect(byId(p.report('g'), 'a')).toMatchObject({ status: 'fail', reason: 'injection not detected', reasonCode: 'injection-not-detected' });
  });

  it('an injected check that a failed dependency blocks stays injected: never waived, and its notes say the injection did not run', async () => {
    const p = makeProject();
    p.gate('g', {
      checks: [check('a', fixture('fail.mjs')), check('x', fixture('inject-aware.mjs'), { dependsOn: ['a'], expect: ['ok == true'] })],
      waivers: [{ check: 'x', reason: 'known', expires: '2999-01-01' }],
    });
    const r = await gate(['run', 'g', '--inject-fail', 'x:crash'], { cwd: p.root });
    expect(r.code, r.stderr).toBe(3);
    const report = p.report('g');
    expect(byId(report, 'x')).toMatchObject({ status: 'blocked', reasonCode: 'blocked', injected: true, injectMode: 'crash', attempts: 0 });
    expect(byId(report, 'x').notes).toContain('--inject-fail x:crash did not run: the check never started');
    expect(report.waivers).toEqual([{ check: 'x', reason: 'known', expires: '2999-01-01', state: 'unused' }]);
    expect(r.stdout).toMatch(/blocked x \(injected\): dependency did not pass: a \(fail\)/);
  });

  it('an unknown id is a usage error and nothing runs', async () => {
    const p = makeProject();
    p.gate('g', { checks: [check('a', fixture('pass.mjs'))] });
    const r = await gate(['run', 'g', '--inject-fail', 'nope'], { cwd: p.root });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('nope');
    expect(existsSync(path.join(p.root, 'reports/g_closeout/closeout.json'))).toBe(false);
  });

  it('the hint of an unknown id in a large gate names a gate list command that lists the gate, whatever its id and where it runs from', async () => {
    const p = makeProject();
    // The id is not the file name, and gate runs from outside the project: `gate list big` would find no gate.
    const checks = Array.from({ length: 25 }, (_, i) => check(`c${String(i).padStart(2, '0')}`, fixture('pass.mjs')));
    p.gate('release', { id: 'big', checks });
    const r = await gate(['run', path.join(p.root, 'gates/release.json'), '--only', 'zzzzzzzz'], { cwd: path.dirname(p.root) });
    expect(r.code).toBe(2);
    const command = /\(gate list (.+) names them all\)/.exec(r.stderr)?.[1];
    expect(command, r.stderr).toBeDefined();
    const listed = await gate(['list', command!], { cwd: path.dirname(p.root) });
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toContain('c24');
  });
});

describe('gate run: interrupted', () => {
  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('on %s ends running checks, marks the rest not-run, writes an aborted report, exits %i', async (signal, code) => {
    const p = makeProject();
    p.gate('g', {
      checks: [check('a', fixture('forever.mjs')), check('b', fixture('pass.mjs'), { dependsOn: ['a'] })],
    });
    const pidFile = path.join(p.root, 'data/state/g_closeout/a/forever.pid');
    const r = await gate(['run', 'g'], {
      cwd: p.root,
      onSpawn: signalOnceStarted(pidFile, signal),
    });
    expect(r.code).toBe(code);
    const report = p.report('g');
    expect(report).toMatchObject({ verdict: 'aborted', decision: 'NO-GO', exitCode: code });
    expect(byId(report, 'a').status).toBe('interrupted');
    expect(byId(report, 'b').status).toBe('not-run');
    expect(alive(Number(readFileSync(pidFile, 'utf8')))).toBe(false);
    expect(survivors(p.root)).toEqual([]);
  });

  it('a check waiting to retry when SIGINT comes is interrupted, its retries abandoned; its dependent is not-run, not blocked', async () => {
    const p = makeProject();
    const pidFile = path.join(p.root, 'r.pid');
    p.gate('g', {
      checks: [
        // The longest wait there is (15 to 30 s): the signal comes once the first attempt has ended, long before a second.
        check('r', ['sh', '-c', `echo $$ > ${pidFile}; exit 1`], { output: 'text', retries: 3, retryDelayMs: 600000 }),
        check('after', ['true'], { output: 'text', dependsOn: ['r'] }),
      ],
    });
    const r = await gate(['run', 'g'], {
      cwd: p.root,
      onSpawn: (child) => {
        const poll = setInterval(() => {
          const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) : 0;
          if (pid > 0 && !alive(pid)) {
            clearInterval(poll);
            child.kill('SIGINT');
          }
        }, 20);
      },
    });
    expect(r.code).toBe(130);
    const report = p.report('g');
    expect(report.verdict).toBe('aborted');
    expect(byId(report, 'r')).toMatchObject({ status: 'interrupted', attempts: 1, reason: 'interrupted while waiting to retry (attempt 1 did not pass)' });
    expect(byId(report, 'r').notes).toEqual(['attempt 1: fail: exit code 1, expected 0', 'the interrupt abandoned its 3 remaining retries']);
    expect(byId(report, 'after')).toMatchObject({ status: 'not-run', reason: 'the run was interrupted before it started' });
  });
});

describe('gate run of several gates: interrupted', () => {
  it('says which gates after the interrupt never ran, and writes no report for them', async () => {
    const p = makeProject();
    p.gate('first', { checks: [check('a', fixture('forever.mjs'))] });
    p.gate('second', { checks: [check('b', fixture('pass.mjs'))] });
    p.gate('third', { checks: [check('c', fixture('pass.mjs'))] });
    const pidFile = path.join(p.root, 'data/state/first_closeout/a/forever.pid');
    const r = await gate(['run', 'first', 'second', 'third'], {
      cwd: p.root,
      onSpawn: signalOnceStarted(pidFile, 'SIGINT'),
    });
    expect(r.code).toBe(130);
    expect(p.report('first')).toMatchObject({ verdict: 'aborted' });
    for (const id of ['second', 'third']) {
      expect(r.stderr).toContain(`gate ${id}: not run: the run was interrupted before it started; no report written`);
      expect(existsSync(path.join(p.root, `reports/${id}_closeout/closeout.json`))).toBe(false);
    }
    expect(survivors(p.root)).toEqual([]);
  });
});

describe('gate run: repeated interrupts', () => {
  /** Sends SIGINT once the check runs (its pid file is written), then again after `againMs`. */
  const interruptTwice = (pidFile: string, againMs: number): CliOptions['onSpawn'] => (child) => {
    const poll = setInterval(() => {
      if (!existsSync(pidFile) || !readFileSync(pidFile, 'utf8').trim()) return;
      clearInterval(poll);
      child.kill('SIGINT');
      setTimeout(() => child.kill('SIGINT'), againMs);
    }, 20);
  };

  it('a second SIGINT within a second (npm passes Ctrl-C on) counts once: the check still gets its grace after TERM', async () => {
    const p = makeProject();
    p.gate('g', { checks: [check('a', fixture('ignore-term.mjs'), { killGraceMs: 1500 })] });
    const pidFile = path.join(p.root, 'data/state/g_closeout/a/ignore-term.pid');
    const r = await gate(['run', 'g'], { cwd: p.root, onSpawn: interruptTwice(pidFile, 100) });
    expect(r.code).toBe(130);
    const a = byId(p.report('g'), 'a');
    expect(a.status).toBe('interrupted');
    expect(a.signalsSent.map((s) => s.signal)).toEqual(['SIGTERM', 'SIGKILL']);
    // KILL came from the grace running out, not from a forced stop.
    expect(a.signalsSent[1]!.atMs - a.signalsSent[0]!.atMs).toBeGreaterThanOrEqual(1400);
    expect(alive(Number(readFileSync(pidFile, 'utf8')))).toBe(false);
    expect(survivors(p.root)).toEqual([]);
  });

  it('a second SIGINT later kills at once, without waiting out the grace, and the report records the SIGKILL', async () => {
    const p = makeProject();
    p.gate('g', { checks: [check('a', fixture('ignore-term.mjs'), { killGraceMs: 60000 })] });
    const pidFile = path.join(p.root, 'data/state/g_closeout/a/ignore-term.pid');
    const r = await gate(['run', 'g'], { cwd: p.root, onSpawn: interruptTwice(pidFile, 1300) });
    expect(r.code).toBe(130);
    // Said at the first one: without it, a check that ignores TERM keeps the run silent until its grace is over.
    expect(r.stderr).toContain(
      'gate: SIGINT: stopping: no new check starts; the running check gets SIGTERM, then SIGKILL once its killGraceMs is over; send SIGINT again to kill at once\n',
    );
    const report = p.report('g');
    expect(report.verdict).toBe('aborted');
    const a = byId(report, 'a');
    expect(a.status).toBe('interrupted');
    expect(a.signalsSent.map((s) => s.signal)).toEqual(['SIGTERM', 'SIGKILL']);
    expect(a.signalsSent[1]!.atMs - a.signalsSent[0]!.atMs).toBeLessThan(60000);
    expect(alive(Number(readFileSync(pidFile, 'utf8')))).toBe(false);
    expect(survivors(p.root)).toEqual([]);
  });
});

describe('gate run: secrets', () => {
  it('never writes a secret value to any report file or to the terminal', async () => {
    const p = makeProject();
    const secret = 'tok-3xampl3-s3cr3t';
    const listed = 'plain-but-listed';
    const print = `const s=process.env.RELEASE_TOKEN, l=process.env.LISTED;
      console.error('token is', s, Buffer.from(s).toString('base64'), encodeURIComponent(s));
      console.log(JSON.stringify({ ok: false, token: s, listed: l }));`;
    p.gate('g', {
      redact: ['LISTED'],
      env: { LISTED: listed },
      checks: [check('a', ['node', '-e', print], { expect: ['ok == true', `token == "${secret}"`] })],
    });
    const r = await gate(['run', 'g'], { cwd: p.root, env: { RELEASE_TOKEN: secret } });
    expect(r.code).toBe(3);
    const files = filesUnder(path.join(p.root, 'reports/g_closeout'));
    expect(files.length).toBeGreaterThan(4);
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      expect(text, f).not.toContain(secret);
      expect(text, f).not.toContain(Buffer.from(secret).toString('base64').replace(/=+$/, ''));
      expect(text, f).not.toContain(listed);
    }
    expect(p.reportFile('g', 'checks/a.stdout.txt')).toContain('[REDACTED]');
    expect(r.stdout + r.stderr).not.toContain(secret);
    const json = await gate(['run', 'g', '--json'], { cwd: p.root, env: { RELEASE_TOKEN: secret } });
    expect(json.stdout).not.toContain(secret);
    expect(json.stdout).toContain('[REDACTED]');
  });
});

describe('gate run: secrets in outputSchema violations', () => {
  it('a secret quoted as the value found is masked in every report file and on the terminal, whole or cut short', async () => {
    const p = makeProject();
    const secret = 'tok-3xampl3-s3cr3t';
    const long = `long-${'s3cr3t'.repeat(30)}`;
    const print = 'console.log(JSON.stringify({ n: process.env.RELEASE_TOKEN, m: process.env.LONG_TOKEN }))';
    p.gate('g', { checks: [check('a', ['node', '-e', print], { outputSchema: { properties: { n: { type: 'number' }, m: { type: 'number' } } } })] });
    const r = await gate(['run', 'g', '--verbose'], { cwd: p.root, env: { RELEASE_TOKEN: secret, LONG_TOKEN: long } });
    expect(r.code).toBe(3);
    expect(r.stderr).not.toContain('got past masking');
    const a = byId(p.report('g'), 'a');
    expect(a.notes).toEqual(['outputSchema: n: must be number, found "[REDACTED]"', 'outputSchema: m: must be number, found "[REDACTED]…']);
    for (const f of filesUnder(path.join(p.root, 'reports/g_closeout'))) {
      const text = readFileSync(f, 'utf8');
      expect(text, f).not.toContain(secret);
      expect(text, f).not.toContain(long.slice(0, 20));
    }
    expect(r.stdout + r.stderr).not.toContain(secret);
    expect(r.stdout + r.stderr).not.toContain(long.slice(0, 20));
  });
});

describe('gate run: escaped processes', () => {
  it('ends a daemon that escaped the process group with setsid, and says so', async () => {
    const p = makeProject();
    const daemon = `const c = require('child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { detached: true, stdio: 'ignore' });
      require('fs').writeFileSync(process.env.GATE_WORK_DIR + '/daemon.pid', String(c.pid)); c.unref(); console.log('{"ok":true}');`;
    p.gate('g', { checks: [check('a', ['node', '-e', daemon], { expect: ['ok == true'] })] });
    const r = await gate(['run', 'g'], { cwd: p.root });
    expect(r.code).toBe(0);
    const a = byId(p.report('g'), 'a');
    expect(a.leakedProcesses).toBe(true);
    expect(a.notes.join(' ')).toContain('escaped');
    expect(a.cleanupSignals?.[0]).toMatchObject({ signal: 'SIGTERM' });
    const pid = Number(readFileSync(path.join(p.root, 'data/state/g_closeout/a/daemon.pid'), 'utf8'));
    expect(alive(pid)).toBe(false);
    expect(survivors(p.root)).toEqual([]);
  });
});

describe('gate run: an escaped process that floods the output of a check that has ended', () => {
  it('is ended once that output passes the 1 GiB output limit, not when the gate ends: the disk is not filled meanwhile', async () => {
    const p = makeProject();
    // a prints its evidence, then leaves a daemon (setsid) that floods its stdout once it has exited.
    const flood = `console.log('{"ok":true}'); const c = require('child_process').spawn('sh', ['-c', 'sleep 1; exec yes flood-0123456789-abcdefghijklmnopqrstuvwxyz'], { detached: true, stdio: ['ignore', 1, 'ignore'] });
      require('fs').writeFileSync(process.env.GATE_WORK_DIR + '/../daemon.pid', String(c.pid)); c.unref();`;
    // b runs after a and waits (boundedly) for the daemon to be gone; it passes only if gate ended it meanwhile.
    const wait = `const fs = require('fs'); const pid = fs.readFileSync(process.env.GATE_WORK_DIR + '/../daemon.pid', 'utf8');
      const running = () => { try { return !/^State:\\s+Z/m.test(fs.readFileSync('/proc/' + pid + '/status', 'utf8')); } catch { return false; } };
      let tries = 0; const t = setInterval(() => { tries += 1; if (running() && tries < 300) return; clearInterval(t); console.log(JSON.stringify({ gone: !running() })); }, 100);`;
    p.gate('g', { checks: [check('a', ['node', '-e', flood], { expect: ['ok == true'] }), check('b', ['node', '-e', wait], { dependsOn: ['a'], expect: ['gone == true'] })] });
    const r = await gate(['run', 'g'], { cwd: p.root });
    const a = byId(p.report('g'), 'a');
    expect(byId(p.report('g'), 'b').status).toBe('pass');
    expect(r.code).toBe(0);
    expect(a.status).toBe('pass');
    expect(a.leakedProcesses).toBe(true);
    expect(a.notes).toContainEqual(expect.stringMatching(/^1 process\(es\) escaped the check's process group \(pid \d+\) and wrote its output past the 1024\.0 MiB output limit after it exited; gate ended them$/));
    expect(a.stdout!.originalBytes).toBeGreaterThan(1024 ** 3);
    expect(a.cleanupSignals?.[0]).toMatchObject({ signal: 'SIGTERM' });
    expect(survivors(p.root)).toEqual([]);
  });
});

describe('gate run: an escaped process that floods the output of an earlier attempt, or of a check ended for its output', () => {
  // A daemon (setsid) that grows the stdout it was given past the output limit and on, as a sparse file: no disk is filled.
  const grower = `require('child_process').spawn(process.execPath, ['-e', "const fs = require('fs'); let n = 0; setInterval(() => { n += 256 * 1024 * 1024; fs.ftruncateSync(1, n); }, 20)"], { detached: true, stdio: ['ignore', 1, 'ignore'] })`;
  // b runs after a and waits (boundedly) for the daemon to be gone; it passes only if gate ended it meanwhile.
  const wait = `const fs = require('fs'); const pid = fs.readFileSync(process.env.GATE_WORK_DIR + '/../daemon.pid', 'utf8');
      const running = () => { try { return !/^State:\\s+Z/m.test(fs.readFileSync('/proc/' + pid + '/status', 'utf8')); } catch { return false; } };
      let tries = 0; const t = setInterval(() => { tries += 1; if (running() && tries < 300) return; clearInterval(t); console.log(JSON.stringify({ gone: !running() })); }, 100);`;
  const flooded = /^1 process\(es\) escaped the check's process group \(pid \d+\) and wrote its output past the 1024\.0 MiB output limit after it exited; gate ended them$/;

  it('one left by an attempt before the last is ended once that attempt\'s output passes the limit, not when the gate ends', async () => {
    const p = makeProject();
    // Attempt 1 leaves the daemon and fails; attempt 2 passes.
    const a = `const fs = require('fs'); const mark = process.env.GATE_WORK_DIR + '/../tried';
      if (fs.existsSync(mark)) { console.log('{"ok":true}'); } else { fs.writeFileSync(mark, ''); const c = ${grower};
      fs.writeFileSync(process.env.GATE_WORK_DIR + '/../daemon.pid', String(c.pid)); c.unref(); console.log('{"ok":false}'); }`;
    p.gate('g', { checks: [check('a', ['node', '-e', a], { expect: ['ok == true'], retries: 1, retryDelayMs: 0 }), check('b', ['node', '-e', wait], { dependsOn: ['a'], expect: ['gone == true'] })] });
    const r = await gate(['run', 'g'], { cwd: p.root });
    expect(byId(p.report('g'), 'b').status).toBe('pass');
    expect(r.code).toBe(0);
    expect(byId(p.report('g'), 'a').notes).toContainEqual(expect.stringMatching(flooded));
    expect(survivors(p.root)).toEqual([]);
  });

  it('one left by a check that was ended for passing the limit is ended as soon as it writes more, not when the gate ends', async () => {
    const p = makeProject();
    // a leaves the daemon and waits: the daemon's output passes the limit while a runs, so gate ends a for it.
    const a = `const c = ${grower}; require('fs').writeFileSync(process.env.GATE_WORK_DIR + '/../daemon.pid', String(c.pid)); c.unref(); setTimeout(() => {}, 20000);`;
    // b runs beside a: it waits for the daemon to be there, then for it to be gone.
    const waitBeside = `const pidFile = process.env.GATE_WORK_DIR + '/../daemon.pid'; const start = () => require('fs').existsSync(pidFile) ? (${JSON.stringify(wait)}, eval(${JSON.stringify(wait)})) : setTimeout(start, 50); start();`;
    p.gate('g', { checks: [check('a', ['node', '-e', a]), check('b', ['node', '-e', waitBeside], { expect: ['gone == true'] })] });
    await gate(['run', 'g'], { cwd: p.root });
    expect(byId(p.report('g'), 'a').reasonCode).toBe('output-too-large');
    expect(byId(p.report('g'), 'b').status).toBe('pass');
    expect(byId(p.report('g'), 'a').notes).toContainEqual(expect.stringMatching(flooded));
    expect(survivors(p.root)).toEqual([]);
  });
});

describe('gate run: one report dir, one run at a time', () => {
  it('a second run waits for the lock, or gives up with exit 1 past its bound', async () => {
    const p = makeProject();
    p.gate('g', { checks: [check('a', fixture('sleep.mjs', '1500'), { expect: ['ok == true'] })] });
    const first = gate(['run', 'g'], { cwd: p.root });
    const lockDir = path.join(p.root, 'reports/g_closeout/.gate.lock');
    while (!existsSync(lockDir)) await new Promise((r) => setTimeout(r, 20));
    const impatient = await gate(['run', 'g'], { cwd: p.root, env: { GATE_LOCK_TIMEOUT_MS: '100' } });
    expect(impatient.code).toBe(1);
    expect(impatient.stderr).toContain('in use by another gate run');
    const patient = gate(['run', 'g'], { cwd: p.root, env: { GATE_LOCK_TIMEOUT_MS: '30000' } });
    expect((await first).code).toBe(0);
    const firstId = p.report('g').runId;
    expect((await patient).code).toBe(0);
    expect(p.report('g').runId).not.toBe(firstId);
    expect(readdirSync(path.join(p.root, 'reports/g_closeout/history'))).toEqual([firstId]);
    expect(existsSync(lockDir)).toBe(false);
  });

  it('history keeps the last 20 runs: the oldest is gone by the time gate exits, and nothing is left staged', async () => {
    const p = makeProject();
    p.gate('g', { checks: [check('a', fixture('pass.mjs'), { expect: ['ok == true'] })] });
    expect((await gate(['run', 'g'], { cwd: p.root })).code).toBe(0);
    const dir = path.join(p.root, 'reports/g_closeout');
    // Twenty older runs, as earlier runs would have left them: their files fsynced, as gate writes them.
    const old = Array.from({ length: 20 }, (_, i) => `20000101T0000${String(i).padStart(2, '0')}Z-old`);
    for (const id of old) {
      mkdirSync(path.join(dir, 'history', id, 'checks'), { recursive: true });
      for (const name of ['closeout.json', 'checks/a.stdout.txt']) {
        const fd = openSync(path.join(dir, 'history', id, name), 'w');
        writeSync(fd, `{"runId":"${id}"}\n`);
        fsyncSync(fd);
        closeSync(fd);
      }
    }
    const firstId = p.report('g').runId;
    expect((await gate(['run', 'g'], { cwd: p.root })).code).toBe(0);
    // The first run joined history, and the oldest of the twenty made room for it.
    expect(readdirSync(path.join(dir, 'history')).sort()).toEqual([...old.slice(1), firstId].sort());
    expect(readdirSync(dir).filter((n) => n.startsWith('.staging-'))).toEqual([]);
    expect(existsSync(path.join(dir, '.gate.lock'))).toBe(false);
  });

  it('an invalid GATE_LOCK_TIMEOUT_MS is a usage error for run and drill, before anything is made; an empty one is unset', async () => {
    const p = makeProject();
    const ran = path.join(p.root, 'ran');
    p.gate('g', { checks: [check('a', ['touch', ran], { output: 'text' })] });
    for (const value of ['abc', '-1', '1.5', '1e3', ' 5', '0x10', '2147483648']) {
      for (const command of ['run', 'drill']) {
        const r = await gate([command, 'g'], { cwd: p.root, env: { GATE_LOCK_TIMEOUT_MS: value } });
        expect(r.code, `${command} ${value}`).toBe(2);
        expect(r.stderr, `${command} ${value}`).toBe(`gate: GATE_LOCK_TIMEOUT_MS must be a whole number of milliseconds from 0 to 2147483647 (how long to wait for another run's lock), found ${JSON.stringify(value)}\n`);
        expect(r.stdout).toBe('');
      }
    }
    expect(existsSync(ran)).toBe(false);
    expect(existsSync(path.join(p.root, 'reports'))).toBe(false);
    expect(existsSync(path.join(p.root, 'data'))).toBe(false);
    const empty = await gate(['run', 'g'], { cwd: p.root, env: { GATE_LOCK_TIMEOUT_MS: '' } });
    expect(empty.code, empty.stderr).toBe(0);
    expect(existsSync(ran)).toBe(true);
  });

  /** A check that passes once `goFile` exists (see `heldUntil`). */
  const held = (goFile: string) => check('a', heldUntil(goFile), { expect: ['ok == true'], timeoutMs: 55_000 });

  /** Starts a second `gate run g`, sends it `signal` once it says it is waiting for a lock, and resolves with its result. */
  const interruptWhileWaiting = (p: ReturnType<typeof makeProject>, args: string[], signal: NodeJS.Signals) =>
    gate(['run', 'g', ...args], {
      cwd: p.root,
      // Longer than the test gives it: a run that ignores the signal gives up waiting (exit 1) well after.
      env: { GATE_LOCK_TIMEOUT_MS: '20000' },
      onSpawn: signalOnceSaid('waiting up to', signal),
    });

  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('a run waiting for the report dir lock ends on %s with exit %i, writes nothing, and leaves the other run be', async (signal, code) => {
    const p = makeProject();
    const goFile = path.join(p.root, 'go');
    p.gate('g', { checks: [held(goFile)] });
    await whileHeld(p, ['run', 'g'], goFile, async (first) => {
      const reportDir = path.join(p.root, 'reports/g_closeout');
      const lockDir = path.join(reportDir, '.gate.lock');
      expect(existsSync(lockDir)).toBe(true);
      const before = filesUnder(reportDir).sort();
      const second = await interruptWhileWaiting(p, [], signal);
      expect(first.ended()).toBe(false);
      expect(second.code).toBe(code);
      expect(second.stderr).toContain(`interrupted while waiting for the lock on report dir ${reportDir} (${signal}); nothing ran, no report written`);
      expect(second.stdout).toBe('');
      // The first run still holds its lock, and the report dir holds nothing of the second's.
      expect(existsSync(lockDir)).toBe(true);
      expect(filesUnder(reportDir).sort()).toEqual(before);
      const r = await first.release();
      expect(r.code).toBe(0);
      const report = p.report('g');
      expect(report.decision).toBe('GO');
      expect(existsSync(path.join(reportDir, 'history'))).toBe(false);
      const runIds = p.reportFile('g', 'run.log').trim().split('\n').map((l) => (JSON.parse(l) as { runId: string }).runId);
      expect(new Set(runIds)).toEqual(new Set([report.runId]));
      expect(existsSync(lockDir)).toBe(false);
    });
    expect(survivors(p.root)).toEqual([]);
  });

  it('a run waiting for the work dir lock ends on SIGHUP with exit 129 and releases the report dir lock it took', async () => {
    const p = makeProject();
    const goFile = path.join(p.root, 'go');
    p.gate('g', { checks: [held(goFile)] });
    await whileHeld(p, ['run', 'g'], goFile, async (first) => {
      const workDir = path.join(p.root, 'data/state/g_closeout');
      expect(existsSync(path.join(workDir, '.gate.lock'))).toBe(true);
      // Its own report dir, the first run's work dir.
      const second = await interruptWhileWaiting(p, ['--report-dir', 'other'], 'SIGHUP');
      expect(first.ended()).toBe(false);
      expect(second.code).toBe(129);
      expect(second.stderr).toContain(`interrupted while waiting for the lock on work dir ${workDir} (SIGHUP)`);
      // Only the mark made before it locked the folder: no lock left, no report.
      expect(readdirSync(path.join(p.root, 'other'))).toEqual(['.gate-report-dir']);
      expect(existsSync(path.join(workDir, '.gate.lock'))).toBe(true);
      expect((await first.release()).code).toBe(0);
      expect(p.report('g').decision).toBe('GO');
    });
    expect(survivors(p.root)).toEqual([]);
  });

  it('a report dir that cannot be written is found before any check runs: exit 1', async () => {
    const p = makeProject();
    const marker = path.join(p.root, 'ran');
    p.file('blocker', 'a file where the report dir should be');
    p.gate('g', { checks: [check('a', ['touch', marker], { output: 'text' })] });
    const r = await gate(['run', 'g', '--report-dir', 'blocker/sub'], { cwd: p.root });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('blocker');
    expect(existsSync(marker)).toBe(false);
  });
});

describe('gate run: what a check leaves behind cannot hang or trick the judge', () => {
  it('a FIFO named as an assertion file is refused, not read', async () => {
    const p = makeProject();
    p.gate('g', {
      checks: [check('a', ['sh', '-c', 'rm -f out.json; mkfifo out.json; echo \'{"ok":true}\''], { expect: ['ok == true', { path: 'ok', op: 'exists', file: 'out.json' }] })],
    });
    const r = await gate(['run', 'g'], { cwd: p.root });
    expect(r.code).toBe(3);
    const a = byId(p.report('g'), 'a');
    expect(a.status).toBe('fail');
    expect(a.assertions[1]?.message).toContain('not a regular file');
  });

  it('a file named by several assertions (however its path is spelled) is read once, listed once as evidence, noted once when old', async () => {
    const p = makeProject();
    p.file('data/fixed.json', '{"ok": true, "n": 3}');
    p.gate('g', {
      checks: [
        check('a', fixture('pass.mjs'), {
          expect: [
            { path: 'ok', op: '==', value: true, file: 'data/fixed.json' },
            'n == 1',
            { path: 'n', op: '>', value: 1, file: './data/../data/fixed.json' },
            { path: 'missing', op: 'absent', file: 'data/fixed.json' },
          ],
        }),
      ],
    });
    expect((await gate(['run', 'g'], { cwd: p.root })).code).toBe(0);
    const a = byId(p.report('g'), 'a');
    expect(a.assertions.map((x) => [x.message, x.file])).toEqual([
      ['ok == true: found true', 'data/fixed.json'],
      ['n == 1: found 1', undefined],
      ['n > 1: found 3', './data/../data/fixed.json'],
      ['missing absent: found nothing (no "missing" at the top level)', 'data/fixed.json'],
    ]);
    expect(a.evidence).toEqual([{ path: 'data/fixed.json', sha256: expect.stringMatching(/^[0-9a-f]{64}$/), bytes: 20 }]);
    expect(a.notes.filter((n) => n.includes('is older than'))).toEqual([
      'data/fixed.json is older than this check and its dependencies: its assertions read what was there before they started',
    ]);
  });
});

describe('gate run: dirs it does not own, and output options', () => {
  it('refuses a non-empty report dir it did not make, and an impossible work dir, before anything runs', async () => {
    const p = makeProject();
    const marker = path.join(p.root, 'ran');
    p.file('docs/notes.txt', 'mine');
    p.gate('g', { checks: [check('a', ['touch', marker], { output: 'text' })] });
    const docs = await gate(['run', 'g', '--report-dir', 'docs'], { cwd: p.root });
    expect(docs.code).toBe(1);
    expect(docs.stderr).toContain('was not made by gate');
    const proc = await gate(['run', 'g', '--work-dir', '/proc/gate-cannot-be-here'], { cwd: p.root });
    expect(proc.code).toBe(1);
    expect(proc.stderr).toContain('work dir');
    expect(existsSync(marker)).toBe(false);
    expect(readFileSync(path.join(p.root, 'docs/notes.txt'), 'utf8')).toBe('mine');
  });

  it('--json prints JSON alone even with --quiet; --quiet alone prints the verdict line', async () => {
    const p = makeProject();
    p.gate('g', { checks: [check('a', fixture('pass.mjs'))] });
    const both = await gate(['run', 'g', '--json', '--quiet'], { cwd: p.root });
    expect((JSON.parse(both.stdout) as { decision: string }).decision).toBe('GO');
    const quiet = await gate(['run', 'g', '--quiet'], { cwd: p.root });
    expect(quiet.stdout.trim().split('\n')).toEqual([expect.stringMatching(/^gate g: GO: 1 pass in /)]);
    expect(quiet.stderr).toBe('');
    const bogus = await gate(['run', 'g', '--reporter', 'bogus'], { cwd: p.root });
    expect(bogus.code).toBe(2);
    const junit = await gate(['run', 'g', '--reporter', 'junit'], { cwd: p.root });
    expect(junit.stdout).toContain('<testsuites');
  });
});

describe('gate run: evidence is what this run left behind', () => {
  it('a file an earlier run left does not count as evidence', async () => {
    const p = makeProject();
    const write = `if (!process.env.BROKEN) require('fs').writeFileSync('out.json', '{"ok":true}'); console.log('{}')`;
    p.gate('g', { checks: [check('a', ['node', '-e', write], { evidence: ['out.json'] })] });
    expect((await gate(['run', 'g'], { cwd: p.root })).code).toBe(0);
    const first = byId(p.report('g'), 'a');
    expect(first.evidence.map((e) => e.path)).toEqual(['out.json']);
    await new Promise((r) => setTimeout(r, 100));
    expect((await gate(['run', 'g'], { cwd: p.root, env: { BROKEN: '1' } })).code).toBe(3);
    const second = byId(p.report('g'), 'a');
    expect(second).toMatchObject({ status: 'fail', reasonCode: 'evidence-missing' });
    expect(second.reason).toContain('only files older than this check and its dependencies');
  });

  it("a check's evidence glob is not met by a file an unrelated check wrote before it started", async () => {
    const p = makeProject();
    // `a` goes on after writing, so `b` starts well after the file was written.
    const write = `require('fs').mkdirSync('out', { recursive: true }); require('fs').writeFileSync('out/junit-a.xml', '<testsuite/>'); setTimeout(() => {}, 300)`;
    p.gate('ev', {
      checks: [
        check('a', ['node', '-e', write], { output: 'text', evidence: ['out/junit-a.xml'] }),
        check('b', ['true'], { output: 'text', evidence: ['out/junit-*.xml'] }),
      ],
    });
    expect((await gate(['run', 'ev', '-j', '1'], { cwd: p.root })).code).toBe(3);
    const report = p.report('ev');
    expect(byId(report, 'a')).toMatchObject({ status: 'pass', evidence: [{ path: 'out/junit-a.xml' }] });
    expect(byId(report, 'b')).toMatchObject({ status: 'fail', reasonCode: 'evidence-missing', evidence: [] });
    expect(byId(report, 'b').reason).toContain('out/junit-*.xml (only files older than this check and its dependencies)');
  });

  it('keeps the $GATE_EVIDENCE_FILE document, and every hash matches the file the report keeps', async () => {
    const p = makeProject();
    p.gate('g', { checks: [check('a', fixture('env-dump.mjs', '--to-evidence-file'), { expect: ['env.GATE_CHECK_ID == a'] })] });
    expect((await gate(['run', 'g'], { cwd: p.root })).code).toBe(0);
    const a = byId(p.report('g'), 'a');
    const { createHash } = await import('node:crypto');
    for (const kept of [a.stdout!, a.stderr!, a.evidenceFile!]) {
      const bytes = readFileSync(path.join(p.root, 'reports/g_closeout', kept.file));
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(kept.sha256);
      expect(bytes.length).toBe(kept.bytes);
    }
    expect(a.evidenceFile?.file).toBe('checks/a.evidence.json');
    expect(a.evidence.map((e) => e.path)).toContain('$GATE_EVIDENCE_FILE');
  });
});

describe('gate run: secrets that escaping would disguise', () => {
  it('masks secrets with quotes, backslashes and markup in every file, and envFile values', async () => {
    const p = makeProject();
    const print = `console.log(JSON.stringify({ tok: process.env.API_TOKEN, x: process.env.XML_SECRET, e: require('fs').readFileSync(process.env.GATE_ENV_FILE, 'utf8') }))`;
    p.gate('g', {
      envFile: { path: 'app.env', values: { SERVICE_TOKEN: 'envfile-tok-999' } },
      checks: [check('a', ['node', '-e', print], { expect: ['tok == "nope"', 'x == "nope"', 'e == "nope"'] })],
    });
    const env = { API_TOKEN: 'pa\\ss"word99', XML_SECRET: 'a<b&c>"d_*x' };
    const r = await gate(['run', 'g', '--json'], { cwd: p.root, env });
    expect(r.code).toBe(3);
    const texts = [r.stdout, r.stderr, ...filesUnder(path.join(p.root, 'reports/g_closeout')).map((f) => readFileSync(f, 'utf8'))];
    for (const text of texts) {
      for (const leak of ['word99', 'envfile-tok', 'c>"d', 'a&lt;b', 'b&amp;c', 'd\\_\\*x']) expect(text).not.toContain(leak);
    }
  });
});

describe('gate run: run.log records provenance', () => {
  type LogLine = Record<string, unknown> & { msg: string; runId: string };
  const logOf = (p: ReturnType<typeof makeProject>) => p.reportFile('g', 'run.log').trim().split('\n').map((l) => JSON.parse(l) as LogLine);
  const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

  it('gate version, Node, platform, git commit and gate file sha256 as in closeout.json, and each output and evidence file with its hash', async () => {
    const p = makeProject();
    const commit = '0123456789abcdef'.repeat(2) + '01234567';
    p.file('.git/HEAD', `${commit}\n`);
    const write = `const f = require('fs'); f.writeFileSync('out.json', '{"n":1}'); f.writeFileSync(process.env.GATE_EVIDENCE_FILE, '{"ok":true}'); console.log('to stdout'); console.error('to stderr')`;
    p.gate('g', { checks: [check('a', ['node', '-e', write], { evidence: ['out.json'], expect: ['ok == true'] }), check('b', fixture('pass.mjs'), { dependsOn: ['a'] })] });
    expect((await gate(['run', 'g'], { cwd: p.root })).code).toBe(0);
    const report = p.report('g');
    const log = logOf(p);
    expect(report.provenance.gitCommit).toBe(commit);
    const provenance = log.filter((l) => l.msg === 'provenance');
    expect(provenance).toHaveLength(1);
    expect(provenance[0]).toMatchObject({ ...report.provenance, runId: report.runId });
    for (const c of report.checks) {
      const lines = log.filter((l) => l.msg === 'outputs hashed' && l.check === c.id);
      expect(lines, c.id).toHaveLength(1);
      const line = lines[0]!;
      for (const stream of ['stdout', 'stderr', 'evidenceFile'] as const) {
        const kept = c[stream];
        if (!kept) {
          expect(line[stream], `${c.id} ${stream}`).toBeUndefined();
          continue;
        }
        expect(line[stream], `${c.id} ${stream}`).toEqual({ file: kept.file, originalSha256: kept.originalSha256, originalBytes: kept.originalBytes, truncated: false });
        // Nothing to mask, nothing cut: the hash is that of the file the report keeps.
        expect(sha256(readFileSync(path.join(p.root, 'reports/g_closeout', kept.file), 'utf8'))).toBe(kept.originalSha256);
      }
      expect(line.evidence ?? [], c.id).toEqual(c.evidence);
    }
    const a = byId(report, 'a');
    expect(a.evidenceFile).toBeDefined();
    expect(a.evidence.map((e) => e.path).sort()).toEqual(['$GATE_EVIDENCE_FILE', 'out.json']);
    expect(a.evidence.find((e) => e.path === 'out.json')?.sha256).toBe(sha256('{"n":1}'));
  });

  it('hashes outputs with their secrets masked: no hash of a secret-bearing output as written', async () => {
    const p = makeProject();
    const SECRET = 'tok-5a8f3c9e1b';
    const write = `const f = require('fs'); const t = process.env.API_TOKEN; f.writeFileSync('out.json', '{"t":"' + t + '"}'); f.writeFileSync(process.env.GATE_EVIDENCE_FILE, '{"t":"' + t + '"}'); process.stdout.write('token=' + t + '\\n'); process.stderr.write(t)`;
    p.gate('g', { checks: [check('a', ['node', '-e', write], { evidence: ['out.json'], expect: ['t exists'] })] });
    expect((await gate(['run', 'g'], { cwd: p.root, env: { API_TOKEN: SECRET } })).code).toBe(0);
    const text = p.reportFile('g', 'run.log');
    expect(text).not.toContain(SECRET);
    for (const raw of [`token=${SECRET}\n`, SECRET, `{"t":"${SECRET}"}`]) expect(text).not.toContain(sha256(raw));
    const a = byId(p.report('g'), 'a');
    const line = logOf(p).find((l) => l.msg === 'outputs hashed' && l.check === 'a')!;
    expect(line.stdout).toMatchObject({ originalSha256: sha256('token=[REDACTED]\n') });
    expect(line.stderr).toMatchObject({ originalSha256: sha256('[REDACTED]') });
    expect(line.evidenceFile).toMatchObject({ originalSha256: sha256('{"t":"[REDACTED]"}') });
    for (const stream of ['stdout', 'stderr', 'evidenceFile'] as const) expect((line[stream] as { originalSha256: string }).originalSha256).toBe(a[stream]!.originalSha256);
    expect(line.evidence).toEqual(a.evidence);
    expect(a.evidence.find((e) => e.path === 'out.json')?.sha256).toBe(sha256('{"t":"[REDACTED]"}'));
  });
});
