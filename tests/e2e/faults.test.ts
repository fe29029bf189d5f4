/**
 * The fault suite: each way a check, the terminal or the file system can go
 * wrong, reproduced with real processes, real signals and real files, and
 * what gate must do about it. What tests/e2e/run.test.ts already shows is not
 * repeated here.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, utimesSync, watch, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateXML } from 'xmllint-wasm';
import type { Report } from '../../src/model/types.js';
import { alive, baseEnv, byId, filesUnder, fixture, gate, GATE_BIN, makeProject, REPO, signalOnceSaid, survivors, type Project } from './harness.js';

const check = (id: string, run: string[] | string, extra: object = {}) => ({ id, run, ...extra });
const reportDir = (p: Project, id = 'g') => path.join(p.root, 'reports', `${id}_closeout`);
const pidOf = (p: Project, checkId: string, file: string) => Number(readFileSync(path.join(p.root, 'data/state/g_closeout', checkId, file), 'utf8'));
const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');
const XSD = readFileSync(path.join(REPO, 'tests/junit-10.xsd'), 'utf8');

/** Every piece of `text` of `min` characters or more (the pieces of the pieces are in it too). */
const pieces = (text: string, min: number) => Array.from({ length: Math.max(0, text.length - min + 1) }, (_, i) => text.slice(i, i + min));

describe('faults: what a check leaves running', () => {
  it('a grandchild that ignores SIGTERM and holds stdout open: judged by the check\'s own exit, killed after the grace, reported', async () => {
    const p = makeProject();
    p.gate('g', { checks: [check('a', fixture('stubborn-grandchild.mjs'), { expect: ['ok == true'], killGraceMs: 300 })] });
    const r = await gate(['run', 'g'], { cwd: p.root });
    expect(r.code, r.stderr).toBe(0);
    const a = byId(p.report('g'), 'a');
    expect(a).toMatchObject({ status: 'pass', leakedProcesses: true, signalsSent: [] });
    // What ended the leftover is recorded apart, with when.
    expect(a.cleanupSignals?.map((s) => s.signal)).toEqual(['SIGTERM', 'SIGKILL']);
    const [term, kill] = a.cleanupSignals!;
    expect(kill!.atMs).toBeGreaterThanOrEqual(term!.atMs);
    // The check's duration ends with its own exit, before the leftover's grace began; so does its finishedAt.
    expect(a.durationMs).toBeLessThan(kill!.atMs);
    expect(Date.parse(a.finishedAt!) - Date.parse(a.startedAt!)).toBe(a.durationMs);
    expect(a.notes.join('\n')).toContain('left processes behind');
    expect(alive(pidOf(p, 'a', 'stubborn.pid'))).toBe(false);
    expect(survivors(p.root)).toEqual([]);
  });

  it('what an attempt before the one that counts left behind is ended and reported too, under its number', async () => {
    const p = makeProject();
    // Attempt 1 leaves a process behind and fails; attempt 2 passes and leaves nothing.
    const script = 'if [ -e "$GATE_WORK_DIR/once" ]; then exit 0; fi; touch "$GATE_WORK_DIR/once"; (sleep 30; :) & echo $! > "$GATE_WORK_DIR/left.pid"; exit 1';
    p.gate('g', { checks: [check('a', ['sh', '-c', script], { output: 'text', retries: 1, retryDelayMs: 0, killGraceMs: 300 })] });
    const r = await gate(['run', 'g'], { cwd: p.root });
    expect(r.code, r.stderr).toBe(0);
    const a = byId(p.report('g'), 'a');
    expect(a).toMatchObject({ status: 'flaky', attempts: 2, leakedProcesses: true });
    expect(a.notes).toEqual(['attempt 1: fail: exit code 1, expected 0', 'attempt 1: left processes behind after it exited; gate ended them']);
    expect(r.stdout).toContain('attempt 1: left processes behind after it exited; gate ended them');
    expect(alive(pidOf(p, 'a', 'left.pid'))).toBe(false);
  });

  it('a check that exits 0 once it gets SIGTERM is still a timeout; the report says which signal went when', async () => {
    const p = makeProject();
    p.gate('g', { checks: [check('a', fixture('exit-on-term.mjs', '0'), { expect: ['ok == true'], timeoutMs: 3000, killGraceMs: 5000 })] });
    const r = await gate(['run', 'g'], { cwd: p.root });
    expect(r.code).toBe(3);
    const a = byId(p.report('g'), 'a');
    expect(a).toMatchObject({ status: 'timeout', reasonCode: 'timeout', exitCode: 0, reason: 'timed out after 3000 ms (sent SIGTERM)' });
    expect(a.signalsSent).toEqual([{ signal: 'SIGTERM', atMs: expect.any(Number) as unknown as number }]);
    // Sent at the time limit, not before it (the attempt's own clock, in ms).
    expect(a.signalsSent[0]!.atMs).toBeGreaterThanOrEqual(3000 - 50);
    expect(a.notes).toContain('exited 0 after it was signalled: still a timeout');
    expect(a.cleanupSignals).toBeUndefined();
    expect(alive(pidOf(p, 'a', 'exit-on-term.pid'))).toBe(false);
  });

  it('a timed-out check with children in its group: each signal is named once, and nothing is called leftover', async () => {
    const p = makeProject();
    p.gate('g', { checks: [check('a', fixture('stubborn-grandchild.mjs', 'hang'), { timeoutMs: 3000, killGraceMs: 300 })] });
    const r = await gate(['run', 'g'], { cwd: p.root });
    expect(r.code).toBe(3);
    const a = byId(p.report('g'), 'a');
    expect(a.reason).toBe('timed out after 3000 ms (sent SIGTERM, then SIGKILL)');
    expect(a.signalsSent.map((s) => s.signal)).toEqual(['SIGTERM', 'SIGKILL']);
    expect(a).toMatchObject({ status: 'timeout', leakedProcesses: false, signal: 'SIGKILL' });
    expect(a.cleanupSignals).toBeUndefined();
    expect(alive(pidOf(p, 'a', 'stubborn.pid'))).toBe(false);
    expect(survivors(p.root)).toEqual([]);
  });
});

describe('faults: what leftovers write after the check exited', () => {
  const LATE = 'late write on TERM\n';
  const run = async (mode: string, extra: object = {}) => {
    const p = makeProject();
    p.gate('g', { checks: [check('a', fixture('late-writer.mjs', mode), { expect: ['ok == true'], killGraceMs: 2000, ...extra })] });
    const r = await gate(['run', 'g'], { cwd: p.root });
    expect(survivors(p.root)).toEqual([]);
    return { p, r, a: byId(p.report('g'), 'a') };
  };

  it('output after the exit is kept whole in the report but not judged, and the notes say how much came', async () => {
    const { p, r, a } = await run('stdout');
    expect(r.code, r.stderr).toBe(0);
    expect(a).toMatchObject({ status: 'pass', leakedProcesses: true });
    expect(a.notes).toContain(`after it exited, what it left behind wrote ${LATE.length} bytes to stdout, ${LATE.length} bytes to stderr: kept, not judged`);
    expect(p.reportFile('g', 'checks/a.stdout.txt')).toBe(`{"ok":true}\n${LATE}`);
    expect(p.reportFile('g', 'checks/a.stderr.txt')).toBe(LATE);
    expect(a.stdout).toMatchObject({ originalBytes: 12 + LATE.length, originalSha256: sha256(`{"ok":true}\n${LATE}`) });
  });

  it('a check that printed nothing is not passed by what its leftover prints after it exited', async () => {
    const { r, a } = await run('silent');
    expect(r.code).toBe(3);
    expect(a).toMatchObject({ status: 'error', reasonCode: 'no-json-output' });
    expect(a.notes).toContain('after it exited, what it left behind wrote 12 bytes to stdout: kept, not judged');
  });

  it('a document of over 1 MiB, read for what its assertions need, is judged as it stood at the exit too', async () => {
    const { r, a } = await run('big', { expect: ['ok == true', 'count(pad[*]) == 50000'] });
    expect(r.code, r.stderr).toBe(0);
    expect(a.status).toBe('pass');
    expect(a.notes).toContain(`after it exited, what it left behind wrote ${LATE.length} bytes to stdout: kept, not judged`);
  });

  it('$GATE_EVIDENCE_FILE is judged as it stood at the exit; the report keeps and hashes it whole', async () => {
    const { p, r, a } = await run('evidence');
    expect(r.code, r.stderr).toBe(0);
    expect(a.status).toBe('pass');
    expect(a.notes).toContain(`after it exited, what it left behind wrote ${LATE.length} bytes to $GATE_EVIDENCE_FILE: kept, not judged`);
    const whole = `{"ok":true}\n${LATE}`;
    expect(p.reportFile('g', 'checks/a.evidence.json')).toBe(whole);
    expect(a.evidence).toEqual([{ path: '$GATE_EVIDENCE_FILE', sha256: sha256(whole), bytes: whole.length }]);
  });

  it('a $GATE_EVIDENCE_FILE made after the exit is not the check\'s evidence: its stdout is judged', async () => {
    const { p, r, a } = await run('evidence-made');
    expect(r.code).toBe(3);
    expect(a).toMatchObject({ status: 'fail', reasonCode: 'assertion-failed', evidence: [] });
    expect(a.notes).toContain('after it exited, what it left behind wrote 12 bytes to $GATE_EVIDENCE_FILE (not there when it exited): kept, not judged');
    // Kept for the audit all the same.
    expect(p.reportFile('g', 'checks/a.evidence.json')).toBe('{"ok":true}\n');
  });
});

describe('faults: checks that crash or cannot start', () => {
  it('a crash by SIGSEGV is an error naming the signal', async () => {
    const p = makeProject();
    p.gate('g', { checks: [check('a', fixture('crash.mjs', 'SIGSEGV'))] });
    expect((await gate(['run', 'g'], { cwd: p.root })).code).toBe(3);
    expect(byId(p.report('g'), 'a')).toMatchObject({ status: 'error', reasonCode: 'crashed', signal: 'SIGSEGV', reason: 'crashed: killed by signal SIGSEGV' });
  });

  it.each([
    ['ENOENT', 'a program that does not exist', (p: Project) => path.join(p.root, 'tools/missing')],
    ['EACCES', 'a file that is not executable', (p: Project) => p.file('tools/not-executable.sh', '#!/bin/sh\necho \'{"ok":true}\'\n')],
  ])('%s (%s) is an error with the errno and the command, tried once despite retries', async (errno, _what, program) => {
    const p = makeProject();
    const command = program(p);
    p.gate('g', { checks: [check('a', [command, '--flag'], { retries: 3, retryDelayMs: 10 })] });
    expect((await gate(['run', 'g'], { cwd: p.root })).code).toBe(3);
    const a = byId(p.report('g'), 'a');
    expect(a).toMatchObject({ status: 'error', reasonCode: 'not-startable', attempts: 1, exitCode: null });
    expect(a.reason).toContain(`could not start ${JSON.stringify(`${command} --flag`)}: ${errno}`);
  });

  it('a cwd that does not exist is an error that says so, not one that reads as if the program were missing', async () => {
    const p = makeProject();
    p.file('file-not-folder', 'x');
    p.gate('g', { checks: [check('a', ['true'], { cwd: 'nodir', output: 'text' }), check('b', ['true'], { cwd: 'file-not-folder', output: 'text' })] });
    expect((await gate(['run', 'g'], { cwd: p.root })).code).toBe(3);
    const report = p.report('g');
    expect(byId(report, 'a')).toMatchObject({ status: 'error', reasonCode: 'not-startable', reason: `could not start "true": ENOENT (its cwd ${path.join(p.root, 'nodir')} does not exist)` });
    expect(byId(report, 'b')).toMatchObject({ status: 'error', reasonCode: 'not-startable', reason: `could not start "true": ENOTDIR (its cwd ${path.join(p.root, 'file-not-folder')} is not a directory)` });
  });
});

describe('faults: huge output and unreadable evidence', () => {
  it.each([
    ['8 MiB', 8 * 1024 * 1024],
    ['17 MiB, hashed on another thread', 17 * 1024 * 1024],
  ])('big output (%s): a bounded head and tail are kept, with the size and sha256 of the whole', async (_what, size) => {
    const p = makeProject();
    p.gate('g', { checks: [check('a', fixture('big-output.mjs', String(size)), { output: 'text' })] });
    expect((await gate(['run', 'g'], { cwd: p.root })).code).toBe(0);
    const out = byId(p.report('g'), 'a').stdout!;
    // What big-output.mjs writes: its line over and over, cut at the size.
    const line = 'big-output 0123456789 abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOP\n';
    const whole = line.repeat(Math.ceil(size / line.length)).slice(0, size);
    expect(out).toMatchObject({ truncated: true, originalBytes: size, originalSha256: sha256(whole) });
    const kept = readFileSync(path.join(reportDir(p), out.file));
    expect(kept.length).toBe(out.bytes);
    expect(sha256(kept)).toBe(out.sha256);
    expect(kept.length).toBeLessThan(600 * 1024);
    expect(kept.toString()).toContain(`[gate: output truncated: ${size} bytes in all;`);
  });

  it('large JSON evidence is judged as JSON.parse reads it: the last of a duplicate key, every element counted, a failing element named', async () => {
    const p = makeProject();
    const expect_ = ['ok == true', 'count(results[*]) == 30000', 'results[29999].id == 29999', 'summary.failed == 0'];
    p.gate('g', {
      checks: [
        check('good', fixture('big-json.mjs', '30000'), { expect: expect_ }),
        check('bad', fixture('big-json.mjs', '30000', '1234'), { expect: [...expect_, 'results[*].status == "pass"'] }),
      ],
    });
    expect((await gate(['run', 'g'], { cwd: p.root })).code).toBe(3);
    const report = p.report('g');
    const good = byId(report, 'good');
    expect(good.status).toBe('pass');
    expect(good.stdout!.originalBytes).toBeGreaterThan(2 * 1024 * 1024);
    expect(good.assertions.map((a) => a.message)).toEqual([
      'ok == true: found true',
      'count(results[*]) == 30000: found 30000',
      'results[29999].id == 29999: found 29999',
      'summary.failed == 0: found 0',
    ]);
    const bad = byId(report, 'bad');
    expect(bad).toMatchObject({ status: 'fail', reasonCode: 'assertion-failed' });
    expect(bad.assertions.filter((a) => !a.ok).map((a) => a.message)).toEqual(['results[*].status == "pass": found "fail" at results[1234].status']);
  });

  it('a large $GATE_EVIDENCE_FILE (hashed on another thread) is judged and hashed as written', async () => {
    const p = makeProject();
    p.gate('g', { checks: [check('a', fixture('big-json.mjs', '220000', '-1', 'evidence-file'), { expect: ['ok == true', 'count(results[*]) == 220000', 'summary.failed == 0'] })] });
    expect((await gate(['run', 'g'], { cwd: p.root })).code).toBe(0);
    const a = byId(p.report('g'), 'a');
    // The same document, printed: what the check wrote to the file.
    const doc = execFileSync(process.execPath, [fixture('big-json.mjs')[1]!, '220000', '-1'], { maxBuffer: 64 * 1024 * 1024 });
    expect(doc.length).toBeGreaterThan(16 * 1024 * 1024);
    expect(a.status).toBe('pass');
    expect(a.evidence).toContainEqual({ path: '$GATE_EVIDENCE_FILE', sha256: sha256(doc), bytes: doc.length });
    expect(a.evidenceFile).toMatchObject({ originalSha256: sha256(doc), originalBytes: doc.length, truncated: true });
  });

  it('JSON evidence over the limit is an error that says so (a sparse 129 MiB $GATE_EVIDENCE_FILE)', async () => {
    const p = makeProject();
    p.gate('g', { checks: [check('a', fixture('odd-evidence.mjs', 'huge'), { expect: ['ok == true'] })] });
    expect((await gate(['run', 'g'], { cwd: p.root })).code).toBe(3);
    const a = byId(p.report('g'), 'a');
    expect(a).toMatchObject({ status: 'error', reasonCode: 'output-too-large', reason: 'JSON evidence in $GATE_EVIDENCE_FILE is 129.0 MiB, over the 128.0 MiB limit' });
    expect(a.evidenceFile).toMatchObject({ truncated: true, originalBytes: 129 * 1024 * 1024 });
  });

  it('output made huge by one ftruncate of its stdout (a sparse file past the 1 GiB limit) is an error, kept in part and not hashed, with a note', async () => {
    const size = 1024 ** 3 + 1024 * 1024;
    const p = makeProject();
    p.gate('g', { checks: [check('a', ['node', '-e', `const fs = require('fs'); fs.writeSync(1, '{"ok":true}\\n'); fs.ftruncateSync(1, ${size})`], { expect: ['ok == true'] })] });
    expect((await gate(['run', 'g'], { cwd: p.root })).code).toBe(3);
    const a = byId(p.report('g'), 'a');
    expect(a).toMatchObject({ status: 'error', reasonCode: 'output-too-large' });
    expect(a.stdout).toMatchObject({ truncated: true, originalBytes: size });
    expect(a.stdout!.originalSha256).toBeUndefined();
    expect(a.notes).toContain(`its stdout (${size} bytes) is over the 1024.0 MiB output limit: kept in part, not hashed`);
    expect(readFileSync(path.join(reportDir(p), a.stdout!.file), 'utf8').startsWith('{"ok":true}\n')).toBe(true);
  });

  it('a $GATE_EVIDENCE_FILE made huge by one ftruncate (past the 1 GiB output limit) is an error, kept in part and hashed nowhere, with a note', async () => {
    const size = 1024 ** 3 + 1024 * 1024;
    const p = makeProject();
    const write = `const fs = require('fs'); const fd = fs.openSync(process.env.GATE_EVIDENCE_FILE, 'w'); fs.writeSync(fd, '{"ok":true}'); fs.ftruncateSync(fd, ${size})`;
    p.gate('g', { checks: [check('a', ['node', '-e', write], { expect: ['ok == true'] })] });
    expect((await gate(['run', 'g'], { cwd: p.root })).code).toBe(3);
    const a = byId(p.report('g'), 'a');
    expect(a).toMatchObject({ status: 'error', reasonCode: 'output-too-large' });
    expect(a.evidenceFile).toMatchObject({ truncated: true, originalBytes: size });
    expect(a.evidenceFile!.originalSha256).toBeUndefined();
    expect(a.evidence).toEqual([]);
    expect(a.notes).toContain(`its $GATE_EVIDENCE_FILE (${size} bytes) is over the 1024.0 MiB output limit: kept in part, not hashed`);
  });

  it.each([
    ['fifo', 'a FIFO'],
    ['directory', 'a directory'],
    ['symlink', 'a symbolic link'],
  ])('$GATE_EVIDENCE_FILE left as a %s is an error, never a silent fall back to stdout', async (kind, described) => {
    const p = makeProject();
    p.gate('g', { checks: [check('a', fixture('odd-evidence.mjs', kind), { expect: ['ok == true'] })] });
    expect((await gate(['run', 'g'], { cwd: p.root })).code).toBe(3);
    const a = byId(p.report('g'), 'a');
    expect(a).toMatchObject({ status: 'error', reasonCode: 'unreadable-evidence', reason: `cannot read $GATE_EVIDENCE_FILE as evidence: not a regular file (${described})` });
    expect(a.evidenceFile).toBeUndefined();
  });
});

/** Lines of a Markdown document inside fenced code blocks (CommonMark rules for backtick and tilde fences); throws on a fence left open. */
function fencedLines(markdown: string): Set<number> {
  const inside = new Set<number>();
  let open: { char: string; length: number } | undefined;
  markdown.split('\n').forEach((line, i) => {
    if (!open) {
      const m = /^ {0,3}(`{3,}|~{3,})(.*)$/.exec(line);
      if (m && !(m[1]!.startsWith('`') && m[2]!.includes('`'))) open = { char: m[1]![0]!, length: m[1]!.length };
      return;
    }
    const close = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(line);
    if (close && close[1]![0] === open.char && close[1]!.length >= open.length) open = undefined;
    else inside.add(i);
  });
  if (open) throw new Error('a code fence is never closed');
  return inside;
}

describe('faults: hostile output', () => {
  it('control characters, invalid UTF-8, ]]>, backtick runs and HTML keep junit.xml valid and closeout.md fenced', async () => {
    const p = makeProject();
    p.gate('g', { checks: [check('a', [...fixture('hostile-output.mjs'), '--entities'], { output: 'text', title: 'Hostile <b>title</b> `x` & "q" &nbsp; &#0;' })] });
    const r = await gate(['run', 'g', '--reporter', 'markdown'], { cwd: p.root });
    expect(r.code).toBe(3);

    const junit = p.reportFile('g', 'junit.xml');
    const validated = await validateXML({ xml: [{ fileName: 'junit.xml', contents: junit }], schema: [{ fileName: 'junit-10.xsd', contents: XSD }] });
    expect(validated.errors).toEqual([]);
    expect(validated.valid).toBe(true);
    expect(junit).toContain('end of hostile output');
    // Text shaped like entity references comes back as the very text the check wrote.
    expect(junit).toContain('entities: &amp;amp; &amp;nbsp; &amp;#0; &amp;#x1; &amp;lt;');

    const md = p.reportFile('g', 'closeout.md');
    const inside = fencedLines(md);
    const lines = md.split('\n');
    // stdout and stderr: five lines of each that would break out of a fence or into HTML.
    const hostile = lines.flatMap((line, i) => (/<script>|hostile output|closing\?|]]>/.test(line) ? [i] : []));
    expect(hostile.length).toBe(10);
    for (const i of hostile) expect(inside.has(i), `line ${i + 1}: ${lines[i]}`).toBe(true);
    expect(() => fencedLines(r.stdout)).not.toThrow();
    expect(() => JSON.parse(p.reportFile('g', 'closeout.json')) as Report).not.toThrow();
  });
});

describe('faults: the terminal goes away', () => {
  /** Runs gate with stdout a pipe that is closed after `lines` lines (0: at once, before gate writes anything). */
  function runClosingStdout(args: string[], cwd: string, lines: number): Promise<{ code: number | null; seen: string; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [GATE_BIN, ...args], { cwd, env: baseEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
      let seen = '';
      let stderr = '';
      if (lines === 0) child.stdout.destroy();
      else {
        child.stdout.on('data', (d: Buffer) => {
          seen += d.toString();
          if (seen.split('\n').length > lines) child.stdout.destroy();
        });
      }
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, seen, stderr }));
    });
  }

  it('`gate run … | head -1`: no EPIPE crash, every report written, the exit code is the verdict\'s', async () => {
    const p = makeProject();
    p.gate('g1', { checks: [check('a', fixture('pass.mjs'))] });
    p.gate('g2', { checks: [check('a', fixture('fail.mjs'))] });
    const r = await runClosingStdout(['run', 'g1', 'g2', '--reporter', 'pretty', '--reporter', 'markdown'], p.root, 1);
    expect(r.seen.split('\n')[0]).toContain('g1');
    expect(r.stderr).not.toMatch(/EPIPE|internal error|at .*\.js:\d+/);
    expect(r.code).toBe(3);
    expect(p.report('g1').decision).toBe('GO');
    expect(p.report('g2').decision).toBe('NO-GO');
  });

  it('stdout closed before gate writes anything: a GO is still exit 0, with its report', async () => {
    const p = makeProject();
    p.gate('g', { checks: [check('a', fixture('pass.mjs'))] });
    const r = await runClosingStdout(['run', 'g', '--reporter', 'pretty', '--reporter', 'junit'], p.root, 0);
    expect(r.stderr).not.toMatch(/EPIPE|internal error/);
    expect(r.code).toBe(0);
    expect(p.report('g').decision).toBe('GO');
  });
});

describe('faults: the report dir', () => {
  it('an interrupt that comes once every check has ended stops nothing: the verdict and the exit code are the checks\', and stderr says so', async () => {
    const p = makeProject();
    // Big outputs: what follows the last check (keeping and hashing them, the write) takes long enough for the signal to land in it.
    const checks = Array.from({ length: 12 }, (_, i) => check(`c${i}`, fixture('big-output.mjs', String(2 * 1024 * 1024)), { output: 'text' }));
    // c11 ends last: it waits for the rest.
    p.gate('g', { checks: checks.map((c, i) => (i === 11 ? { ...c, dependsOn: checks.slice(0, 11).map((d) => d.id) } : c)) });
    const r = await gate(['run', 'g', '-j', '2'], { cwd: p.root, env: { CI: 'true' }, onSpawn: signalOnceSaid('pass   c11', 'SIGINT') });
    const report = p.report('g');
    expect(report).toMatchObject({ verdict: 'pass', decision: 'GO', exitCode: 0 });
    expect(report.checks.map((c) => c.status)).toEqual(Array(12).fill('pass'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('GO');
    expect(r.stderr).toContain('gate: SIGINT came once every check had ended: nothing was stopped, and the report stands as written\n');
  });

  it('a run killed with SIGKILL while it writes leaves the previous closeout.json readable; the next run recovers', async () => {
    const p = makeProject();
    // Many outputs to write and fsync: the write takes long enough to be caught in the middle.
    const checks = Array.from({ length: 12 }, (_, i) => check(`c${i}`, fixture('big-output.mjs', String(2 * 1024 * 1024)), { output: 'text' }));
    p.gate('g', { checks });
    // gate's scratch space inside the project, so that what the killed run leaves there goes with it.
    const env = { TMPDIR: path.join(p.root, 'tmp') };
    mkdirSync(env.TMPDIR);
    expect((await gate(['run', 'g', '-j', '2'], { cwd: p.root, env })).code).toBe(0);
    const firstId = p.report('g').runId;
    let killedWhileWriting = false;
    const killed = await gate(['run', 'g', '-j', '2'], {
      cwd: p.root,
      env,
      onSpawn: (child) => {
        const watcher = watch(reportDir(p), (_event, name) => {
          if (!killedWhileWriting && String(name).startsWith('.staging-')) {
            killedWhileWriting = true;
            child.kill('SIGKILL');
            watcher.close();
          }
        });
        child.on('close', () => watcher.close());
      },
    });
    expect(killed.signal).toBe('SIGKILL');
    expect(killedWhileWriting).toBe(true);
    const left = JSON.parse(readFileSync(path.join(reportDir(p), 'closeout.json'), 'utf8')) as Report;
    expect(left.verdict).toBe('pass');
    expect(typeof left.runId).toBe('string');
    // The next run takes the lock over once it is stale, clears the staging left behind, writes a whole report.
    const next = await gate(['run', 'g', '-j', '2'], { cwd: p.root, env });
    expect(next.code, next.stderr).toBe(0);
    expect(p.report('g').runId).not.toBe(firstId);
    expect(readdirSync(reportDir(p)).filter((n) => n.startsWith('.staging-'))).toEqual([]);
    expect(survivors(p.root)).toEqual([]);
  });

  it('the checks of a run killed with SIGKILL (which it cannot end) are ended by the next run, when it takes over the stale work dir lock, and it says so', async () => {
    const p = makeProject();
    p.gate('g', { checks: [check('hang', fixture('forever.mjs'), { output: 'text', timeoutMs: 60_000 }), check('quick', fixture('pass.mjs'), { expect: ['ok == true'] })] });
    const pidFile = path.join(p.root, 'data/state/g_closeout/hang/forever.pid');
    const killed = await gate(['run', 'g', '--only', 'hang'], {
      cwd: p.root,
      onSpawn: (child) =>
        void (async () => {
          while (!existsSync(pidFile)) await new Promise((r) => setTimeout(r, 20));
          child.kill('SIGKILL');
        })(),
    });
    expect(killed.signal).toBe('SIGKILL');
    const orphan = Number(readFileSync(pidFile, 'utf8'));
    expect(alive(orphan)).toBe(true);
    const next = await gate(['run', 'g', '--only', 'quick'], { cwd: p.root });
    expect(next.code, next.stderr).toBe(0);
    expect(next.stderr).toContain(`gate: ended 1 process(es) of an earlier run that did not finish, still running in work dir ${path.join(p.root, 'data/state/g_closeout')} (pid ${orphan})`);
    expect(alive(orphan)).toBe(false);
    expect(survivors(p.root)).toEqual([]);
  });

  it('a symlink planted in the report dir is refused before any check runs (exit 1); its target is untouched', async () => {
    const p = makeProject();
    const ran = path.join(p.root, 'ran.txt');
    p.gate('g', { checks: [check('a', ['node', '-e', `require('fs').appendFileSync(${JSON.stringify(ran)}, 'x')`], { output: 'text' })] });
    expect((await gate(['run', 'g'], { cwd: p.root })).code).toBe(0);
    const victim = p.file('victim.txt', 'not gate\'s to write\n');
    const planted = path.join(reportDir(p), 'closeout.md');
    rmSync(planted);
    symlinkSync(victim, planted);
    const r = await gate(['run', 'g'], { cwd: p.root });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${planted} is a symbolic link`);
    expect(readFileSync(ran, 'utf8')).toBe('x');
    expect(readFileSync(victim, 'utf8')).toBe('not gate\'s to write\n');
    expect(lstatSync(planted).isSymbolicLink()).toBe(true);
  });

  it('a symlink a check plants in the report dir while it runs is refused at write time (exit 1), never written through', async () => {
    const p = makeProject();
    const victim = path.join(p.root, 'victim');
    mkdirSync(victim);
    writeFileSync(path.join(victim, 'keep.txt'), 'mine\n');
    const plant = `const fs = require('fs'), path = require('path');
      if (process.env.PLANT) { const d = path.join(process.env.GATE_REPORT_DIR, 'checks'); fs.rmSync(d, { recursive: true, force: true }); fs.symlinkSync(${JSON.stringify(victim)}, d); }
      console.log('{"ok":true}');`;
    p.gate('g', { checks: [check('a', ['node', '-e', plant], { expect: ['ok == true'] })] });
    expect((await gate(['run', 'g'], { cwd: p.root })).code).toBe(0);
    const firstId = p.report('g').runId;
    const r = await gate(['run', 'g'], { cwd: p.root, env: { PLANT: '1' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${path.join(reportDir(p), 'checks')} is a symbolic link`);
    expect(readdirSync(victim)).toEqual(['keep.txt']);
    expect(readFileSync(path.join(victim, 'keep.txt'), 'utf8')).toBe('mine\n');
    // Nothing was written: the previous report is still the one there.
    expect(p.report('g').runId).toBe(firstId);
  });

  it.each([
    ['a path under a regular file', 'blocker/sub', /ENOTDIR/],
    // Refused even to root: sysfs takes no new folders (read-only where it is mounted so).
    ['a file system that refuses it', '/sys/gate-report', /EPERM|EROFS|EACCES/],
  ])('a report dir that cannot be written (%s) is found before any check runs: exit 1, with the path and the reason', async (_what, dir, errno) => {
    const p = makeProject();
    const ran = path.join(p.root, 'ran');
    p.file('blocker', 'a file where the report dir should be');
    p.gate('g', { checks: [check('a', ['touch', ran], { output: 'text' })] });
    const r = await gate(['run', 'g', '--report-dir', dir], { cwd: p.root });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(path.resolve(p.root, dir));
    expect(r.stderr).toMatch(errno);
    expect(existsSync(ran)).toBe(false);
  });

  it('two runs on one report dir never interleave: a short wait gives up saying how long; every file of a run carries its run id', async () => {
    const p = makeProject();
    p.gate('g', { checks: [check('a', fixture('sleep.mjs', '1500'), { expect: ['ok == true'] })] });
    const first = gate(['run', 'g'], { cwd: p.root });
    const lockDir = path.join(reportDir(p), '.gate.lock');
    while (!existsSync(lockDir)) await new Promise((r) => setTimeout(r, 20));
    const impatient = await gate(['run', 'g'], { cwd: p.root, env: { GATE_LOCK_TIMEOUT_MS: '500' } });
    expect(impatient.code).toBe(1);
    expect(impatient.stderr).toContain('in use by another gate run');
    expect(impatient.stderr).toContain('gave up after 500 ms');
    const second = gate(['run', 'g'], { cwd: p.root, env: { GATE_LOCK_TIMEOUT_MS: '30000' } });
    expect((await first).code).toBe(0);
    const firstId = p.report('g').runId;
    expect((await second).code).toBe(0);
    const secondId = p.report('g').runId;
    expect(secondId).not.toBe(firstId);

    const runIdsIn = (dir: string) => {
      const log = readFileSync(path.join(dir, 'run.log'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { runId: string }).runId);
      const junit = /<property name="runId" value="([^"]+)"/.exec(readFileSync(path.join(dir, 'junit.xml'), 'utf8'))?.[1];
      const json = (JSON.parse(readFileSync(path.join(dir, 'closeout.json'), 'utf8')) as Report).runId;
      return { ids: new Set([...log, junit, json]), md: readFileSync(path.join(dir, 'closeout.md'), 'utf8') };
    };
    const top = runIdsIn(reportDir(p));
    expect(top.ids).toEqual(new Set([secondId]));
    expect(top.md).toContain(secondId);
    const before = runIdsIn(path.join(reportDir(p), 'history', firstId));
    expect(before.ids).toEqual(new Set([firstId]));
    expect(before.md).toContain(firstId);
  });
});

describe('faults: secrets', () => {
  const TOKEN = 'q7Zx9Lk2Vb8Nw4Rt';
  const LISTED = 'Lst-8kP2mQ9zW';

  it('in two writes, across every cut, at the start of invalid JSON, in a cut assertion message: no piece of 6 or more in any file, run.log or the terminal', async () => {
    const p = makeProject();
    p.gate('g', {
      redact: ['LISTED_VALUE'],
      checks: [
        check('pieces', fixture('secret-output.mjs', 'pieces', 'RELEASE_TOKEN'), { output: 'text' }),
        check('boundary', fixture('secret-output.mjs', 'boundary', 'LISTED_VALUE'), { expect: ['ok == true'] }),
        check('boundary-token', fixture('secret-output.mjs', 'boundary', 'RELEASE_TOKEN'), { expect: ['ok == true'] }),
        check('first', fixture('secret-output.mjs', 'first', 'RELEASE_TOKEN')),
        check('cut', fixture('secret-output.mjs', 'cut', 'RELEASE_TOKEN'), { expect: ['v == "x"'] }),
      ],
    });
    const env = { RELEASE_TOKEN: TOKEN, LISTED_VALUE: LISTED };
    const r = await gate(['run', 'g', '--reporter', 'pretty', '--reporter', 'markdown', '--reporter', 'junit'], { cwd: p.root, env });
    expect(r.code).toBe(3);
    const json = await gate(['run', 'g', '--json'], { cwd: p.root, env });
    expect(json.code).toBe(3);

    const report = p.report('g');
    expect(byId(report, 'first')).toMatchObject({ reasonCode: 'invalid-json', reason: "invalid JSON in stdout: line 1, column 1: unexpected 'q' where a value should start" });
    expect(byId(report, 'cut').assertions[0]?.message).toMatch(/^v == "x": found "x+\[REDACTED\]…/);
    expect(byId(report, 'boundary').stdout).toMatchObject({ truncated: true });
    expect(byId(report, 'boundary').evidenceFile).toMatchObject({ truncated: true });
    expect(p.reportFile('g', 'checks/pieces.stdout.txt')).toBe('token: [REDACTED]\n');
    expect(p.reportFile('g', 'checks/pieces.stderr.txt')).toBe('base64: [REDACTED] url: [REDACTED]\n');

    const b64 = (s: string) => Buffer.from(s).toString('base64');
    const leaks = [...pieces(TOKEN, 6), ...pieces(LISTED, 6), ...pieces(b64(TOKEN), 8), ...pieces(b64(LISTED), 8)];
    const files = filesUnder(reportDir(p));
    expect(files.length).toBeGreaterThan(20);
    const texts = [r.stdout, r.stderr, json.stdout, json.stderr, ...files.map((f) => readFileSync(f, 'latin1'))];
    for (const [i, text] of texts.entries()) {
      for (const leak of leaks) expect(text.includes(leak), `${leak} in ${i < 4 ? 'the terminal' : files[i - 4]}`).toBe(false);
    }
  });

  it('a secret that got past masking is found after writing: exit 1, never GO, no file left holding it', async () => {
    const p = makeProject();
    // Masking one secret leaves text that reads as the next one, a chain longer than masking has passes.
    const links = 'abcdefgh'.split('');
    const env: Record<string, string> = { CHAIN_0_TOKEN: 's3cret-zero-0' };
    for (const l of links) env[`CHAIN_${l.toUpperCase()}_TOKEN`] = `${l}-[REDACTED]`;
    const printed = `${[...links].reverse().map((l) => `${l}-`).join('')}s3cret-zero-0`;
    p.gate('g', { checks: [check('a', ['node', '-e', `console.log(${JSON.stringify(printed)})`], { output: 'text' })] });
    const r = await gate(['run', 'g'], { cwd: p.root, env });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('a secret got past masking into checks/a.stdout.txt (plain)');
    expect(r.stdout).toContain('NO-GO');
    expect(p.report('g')).toMatchObject({ verdict: 'fail', decision: 'NO-GO', exitCode: 1 });
    for (const f of filesUnder(reportDir(p))) {
      const text = readFileSync(f, 'utf8');
      for (const value of Object.values(env)) expect(text.includes(value), `${f} holds ${value}`).toBe(false);
    }
    const a = byId(p.report('g'), 'a');
    expect(sha256(readFileSync(path.join(reportDir(p), a.stdout!.file)))).toBe(a.stdout!.sha256);
  });
});

describe('faults: a report or work dir replaced, removed or shared while a run holds it', () => {
  const workDir = (p: Project, id = 'g') => path.join(p.root, 'data/state', `${id}_closeout`);
  /** A check that waits until `file` exists, then passes: a run held open for as long as a test needs. */
  const holdUntil = (file: string) =>
    check('hold', ['node', '-e', `const fs = require('fs'); const t = setInterval(() => { if (fs.existsSync(${JSON.stringify(file)})) { clearInterval(t); console.log('{"ok":true}'); } }, 20);`], {
      expect: ['ok == true'],
      // Bounded, so that a test that goes wrong still ends its processes within the test's own time.
      timeoutMs: 20_000,
    });
  /** Resolves once the running gate has written `text` on stderr. */
  const stderrSays = (child: ReturnType<typeof spawn>, text: string) =>
    new Promise<void>((resolve) => {
      let seen = '';
      child.stderr!.on('data', (d: Buffer) => {
        seen += d.toString();
        if (seen.includes(text)) resolve();
      });
    });

  it.each([
    ['replaced by a link to another folder', (victim: string) => `fs.renameSync(r, r + '.moved'); fs.symlinkSync(${JSON.stringify(victim)}, r);`, 'is now a symbolic link (to VICTIM), not the folder gate prepared'],
    ['replaced by a new folder with a copied mark', () => `fs.renameSync(r, r + '.moved'); fs.mkdirSync(r); fs.writeFileSync(path.join(r, '.gate-report-dir'), '');`, 'was replaced after gate prepared it: it is no longer the same folder'],
  ])('a report dir %s by a check: exit 1, nothing written there, nothing on stdout, never a GO', async (_how, tamper, said) => {
    const p = makeProject();
    const victim = path.join(p.root, 'victim');
    mkdirSync(path.join(victim, 'checks'), { recursive: true });
    writeFileSync(path.join(victim, 'closeout.json'), '{"runId":"not-gates"}\n');
    writeFileSync(path.join(victim, 'checks', 'keep.txt'), 'mine\n');
    const script = `const fs = require('fs'), path = require('path'); const r = process.env.GATE_REPORT_DIR; ${tamper(victim)} console.log('{}');`;
    p.gate('g', { checks: [check('a', ['node', '-e', script])] });
    for (const args of [[], ['--json'], ['--quiet']]) {
      rmSync(`${reportDir(p)}.moved`, { recursive: true, force: true });
      rmSync(reportDir(p), { recursive: true, force: true });
      const r = await gate(['run', 'g', ...args], { cwd: p.root });
      expect(r.code, r.stderr).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(`gate g: report could not be written: report dir ${reportDir(p)} ${said.replace('VICTIM', victim)}`);
      expect(r.stderr).toMatch(/so it wrote nothing there; not a GO \(exit 1\)\n/);
      expect(r.stderr).not.toMatch(/: GO:/);
      // The folder it was pointed at, or put in its place, holds only what it held.
      expect(filesUnder(victim).sort()).toEqual([path.join(victim, 'checks', 'keep.txt'), path.join(victim, 'closeout.json')]);
      expect(readFileSync(path.join(victim, 'closeout.json'), 'utf8')).toBe('{"runId":"not-gates"}\n');
      if (!lstatSync(reportDir(p)).isSymbolicLink()) expect(readdirSync(reportDir(p))).toEqual(['.gate-report-dir']);
    }
  });

  it('a report dir a check removes (through a shell) is not recreated: exit 1, the reason on stderr, no GO on stdout, no JSON', async () => {
    const p = makeProject();
    p.gate('g', { checks: [check('a', 'rm -rf "$GATE_REPORT_DIR"; echo {}', { shell: true })] });
    for (const args of [[], ['--json'], ['--quiet'], ['--reporter', 'markdown']]) {
      const r = await gate(['run', 'g', ...args], { cwd: p.root });
      expect(r.code, r.stderr).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(`gate g: report could not be written: report dir ${reportDir(p)} is gone: it was removed after gate prepared it`);
      expect(r.stderr).toContain('not a GO (exit 1)');
      expect(existsSync(reportDir(p))).toBe(false);
    }
  });

  it('a FIFO a check puts at closeout.json does not hold the report write: the run ends GO, what was at that name goes to history', async () => {
    const p = makeProject();
    p.gate('g', { checks: [check('a', 'rm -f "$GATE_REPORT_DIR/closeout.json"; mkfifo "$GATE_REPORT_DIR/closeout.json"; echo {}', { shell: true })] });
    // A safety net, not a measure: a gate stuck reading the FIFO would otherwise outlive the test.
    let timer: NodeJS.Timeout | undefined;
    const r = await gate(['run', 'g'], { cwd: p.root, onSpawn: (child) => (timer = setTimeout(() => child.kill('SIGKILL'), 30_000)) });
    clearTimeout(timer);
    expect(r.signal).toBeNull();
    expect(r.code, r.stderr).toBe(0);
    expect(p.report('g').verdict).toBe('pass');
    const history = readdirSync(path.join(reportDir(p), 'history'));
    expect(history).toHaveLength(1);
    expect(history[0]).toMatch(/^unknown-\d+$/);
  });

  it('a work dir a check turns into a link: the next check is an error, nothing is emptied or made through the link', async () => {
    const p = makeProject();
    const victim = path.join(p.root, 'victim');
    mkdirSync(path.join(victim, 'b'), { recursive: true });
    writeFileSync(path.join(victim, 'b', 'keep.txt'), 'mine\n');
    const swap = `const fs = require('fs'), path = require('path'); const w = path.dirname(process.env.GATE_WORK_DIR);
      fs.renameSync(w, w + '.moved'); fs.symlinkSync(${JSON.stringify(victim)}, w);`;
    p.gate('g', { checks: [check('a', ['node', '-e', swap], { output: 'text' }), check('b', ['node', '-e', 'console.log("{}")'], { dependsOn: ['a'] })] });
    const r = await gate(['run', 'g'], { cwd: p.root });
    expect(r.code, r.stderr).toBe(3);
    const b = byId(p.report('g'), 'b');
    expect(b).toMatchObject({ status: 'error', reasonCode: 'not-startable', attempts: 0 });
    expect(b.reason).toContain(`ELOOP (work dir ${workDir(p)} is now a symbolic link (to ${victim}), not the folder gate prepared; gate makes a check's folder only in the work dir it prepared)`);
    expect(filesUnder(victim)).toEqual([path.join(victim, 'b', 'keep.txt')]);
    // The next run refuses the link before any check runs.
    const next = await gate(['run', 'g'], { cwd: p.root });
    expect(next.code).toBe(1);
    expect(next.stderr).toContain(`work dir ${workDir(p)} is a symbolic link`);
    expect(filesUnder(victim)).toEqual([path.join(victim, 'b', 'keep.txt')]);
  });

  it("a link a check puts at the work dir's mark is replaced by the mark, never written through; a plain mark is kept as it is", async () => {
    const p = makeProject();
    const victim = path.join(p.root, 'victim.txt');
    writeFileSync(victim, 'mine\n');
    const plant = `const fs = require('fs'), path = require('path'); const m = path.join(path.dirname(process.env.GATE_WORK_DIR), '.gate-work-dir');
      fs.rmSync(m); fs.symlinkSync(${JSON.stringify(victim)}, m);`;
    p.gate('g', { checks: [check('a', ['node', '-e', plant], { output: 'text' })] });
    expect((await gate(['run', 'g'], { cwd: p.root })).code).toBe(0);
    const mark = path.join(workDir(p), '.gate-work-dir');
    expect(lstatSync(mark).isSymbolicLink()).toBe(true);
    p.gate('g', { checks: [check('a', ['node', '-e', 'console.log("{}")'], { output: 'text' })] });
    expect((await gate(['run', 'g'], { cwd: p.root })).code).toBe(0);
    expect(readFileSync(victim, 'utf8')).toBe('mine\n');
    expect(lstatSync(mark).isFile()).toBe(true);
    // A plain file at the mark's name is the mark: the next run leaves it (and what it says) alone.
    const said = `${readFileSync(mark, 'utf8')}kept\n`;
    writeFileSync(mark, said);
    expect((await gate(['run', 'g'], { cwd: p.root })).code).toBe(0);
    expect(readFileSync(mark, 'utf8')).toBe(said);
  });

  it('two runs with different report dirs share no work dir: the second waits (saying so), gives up naming the work dir; the first is untouched', async () => {
    const p = makeProject();
    const go = path.join(p.root, 'go');
    p.gate('g', { checks: [holdUntil(go)] });
    let firstPid = 0;
    const first = gate(['run', 'g', '--report-dir', 'r1'], { cwd: p.root, onSpawn: (c) => (firstPid = c.pid ?? 0) });
    let firstEnded = false;
    void first.then(() => (firstEnded = true));
    const workLock = path.join(workDir(p), '.gate.lock');
    while (!existsSync(workLock) && !firstEnded) await new Promise((r) => setTimeout(r, 20));
    expect(firstEnded).toBe(false);
    const second = await gate(['run', 'g', '--report-dir', 'r2'], { cwd: p.root, env: { GATE_LOCK_TIMEOUT_MS: '300' } });
    expect(second.code).toBe(1);
    expect(second.stderr).toBe(
      `gate: work dir ${workDir(p)} is in use by another gate run (pid ${firstPid}); waiting up to 300 ms\n` +
        `gate: work dir ${workDir(p)} is in use by another gate run (pid ${firstPid}; lock ${workLock}); gave up after 300 ms\nnothing ran.\n`,
    );
    // gate drill locks a work dir too.
    const drill = await gate(['drill', 'g', '--work-dir', workDir(p)], { cwd: p.root, env: { GATE_LOCK_TIMEOUT_MS: '0' } });
    expect(drill.code).toBe(1);
    expect(drill.stderr).toContain(`work dir ${workDir(p)} is in use by another gate run`);
    // A run on the same report dir says it waits (the default bound), then goes on once the first is done.
    const third = await gate(['run', 'g', '--report-dir', 'r1'], {
      cwd: p.root,
      onSpawn: (c) => void stderrSays(c, 'waiting up to').then(() => writeFileSync(go, '')),
    });
    expect(third.stderr.split('\n')[0]).toBe(`gate: report dir ${path.join(p.root, 'r1')} is in use by another gate run (pid ${firstPid}); waiting up to 30 s`);
    expect(third.stderr.match(/waiting up to/g)).toHaveLength(1);
    expect(third.code, third.stderr).toBe(0);
    expect((await first).code).toBe(0);
    // Both runs' reports are whole: the first's in history, the third's on top.
    const top = JSON.parse(readFileSync(path.join(p.root, 'r1', 'closeout.json'), 'utf8')) as Report;
    const [before] = readdirSync(path.join(p.root, 'r1', 'history'));
    const earlier = JSON.parse(readFileSync(path.join(p.root, 'r1', 'history', before!, 'closeout.json'), 'utf8')) as Report;
    expect([top.decision, earlier.decision]).toEqual(['GO', 'GO']);
    expect(earlier.runId).not.toBe(top.runId);
    expect(readdirSync(path.join(p.root, 'r2'))).toEqual(['.gate-report-dir']);
    expect(survivors(p.root)).toEqual([]);
  });

  it('a run stopped with SIGSTOP (Ctrl-Z) keeps its locks however old: the next run waits, names it as stopped, gives up, and ends none of its checks; resumed, it ends GO', async () => {
    const p = makeProject();
    const go = path.join(p.root, 'go');
    p.gate('g', { checks: [holdUntil(go)] });
    let pid = 0;
    const first = gate(['run', 'g'], { cwd: p.root, onSpawn: (c) => (pid = c.pid ?? 0) });
    const reportLock = path.join(reportDir(p), '.gate.lock');
    const workLock = path.join(workDir(p), '.gate.lock');
    // Its check has started (its folder is made just before): the run holds both locks.
    while (!existsSync(path.join(workDir(p), 'hold'))) await new Promise((r) => setTimeout(r, 20));
    process.kill(pid, 'SIGSTOP');
    try {
      // As if stopped for a minute: both locks unrefreshed for longer than the 10 s after which a dead run's are taken over.
      const minuteAgo = new Date(Date.now() - 60_000);
      utimesSync(reportLock, minuteAgo, minuteAgo);
      utimesSync(workLock, minuteAgo, minuteAgo);
      const second = await gate(['run', 'g'], { cwd: p.root, env: { GATE_LOCK_TIMEOUT_MS: '300' } });
      expect(second.code, second.stderr).toBe(1);
      const holder = `pid ${pid}, stopped: resume it (fg) or end it`;
      expect(second.stderr).toBe(
        `gate: report dir ${reportDir(p)} is in use by another gate run (${holder}); waiting up to 300 ms\n` +
          `gate: report dir ${reportDir(p)} is in use by another gate run (${holder}; lock ${reportLock}); gave up after 300 ms\nnothing ran.\n`,
      );
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    writeFileSync(go, '');
    const resumed = await first;
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(byId(p.report('g'), 'hold')).toMatchObject({ status: 'pass', attempts: 1 });
    expect(existsSync(reportLock) || existsSync(workLock)).toBe(false);
    expect(survivors(p.root)).toEqual([]);
  });

  it('`gate run a b` and `gate run b a` at once take the locks in one order: neither holds what the other waits for, and both end GO', async () => {
    const p = makeProject();
    const go = path.join(p.root, 'go');
    p.gate('a', { checks: [holdUntil(go)] });
    p.gate('b', { checks: [holdUntil(go)] });
    // A run of a into another report dir holds a's work dir until `go` exists.
    const holder = gate(['run', 'a', '--report-dir', 'held'], { cwd: p.root });
    while (!existsSync(path.join(workDir(p, 'a'), '.gate.lock'))) await new Promise((r) => setTimeout(r, 20));
    // Bounded, so that runs that hold each other's locks end (exit 1) within the test's time.
    const env = { GATE_LOCK_TIMEOUT_MS: '15000' };
    const waiting = (args: string[]) => {
      let run!: ReturnType<typeof gate>;
      const waits = new Promise<void>((resolve) => {
        run = gate(args, { cwd: p.root, env, onSpawn: (c) => void stderrSays(c, 'is in use by another gate run').then(resolve) });
      });
      return { run, waits };
    };
    // `gate run a b` holds a's report dir and waits for a's work dir; then `gate run b a` starts and waits too.
    const ab = waiting(['run', 'a', 'b']);
    await ab.waits;
    const ba = waiting(['run', 'b', 'a']);
    await ba.waits;
    writeFileSync(go, '');
    const [first, second, held] = await Promise.all([ab.run, ba.run, holder]);
    expect(held.code, held.stderr).toBe(0);
    expect(first.code, first.stderr).toBe(0);
    expect(second.code, second.stderr).toBe(0);
    expect([p.report('a').decision, p.report('b').decision]).toEqual(['GO', 'GO']);
    expect(survivors(p.root)).toEqual([]);
  });

  it('a run of several gates holds no work dir while it waits for a report dir: a run that needs only that work dir is not kept waiting (no two runs can hold what the other waits for)', async () => {
    const p = makeProject();
    const go = path.join(p.root, 'go');
    // Two projects: `zz` sorts after `aa`, while gate `a` sorts before gate `b`.
    const a = p.file('zz/gates/a.json', JSON.stringify({ checks: [holdUntil(go)] }));
    const b = p.file('aa/gates/b.json', JSON.stringify({ checks: [check('quick', fixture('pass.mjs'), { expect: ['ok == true'] })] }));
    // Holds a's report dir (and work dir) until `go` exists.
    const holder = gate(['run', a], { cwd: p.root });
    while (!existsSync(path.join(p.root, 'zz/data/state/a_closeout/.gate.lock'))) await new Promise((r) => setTimeout(r, 20));
    // `gate run a b` waits for a's report dir.
    let both!: ReturnType<typeof gate>;
    await new Promise<void>((resolve) => {
      both = gate(['run', a, b], { cwd: p.root, onSpawn: (c) => void stderrSays(c, 'is in use by another gate run').then(resolve) });
    });
    // A run of b into another report dir needs b's work dir, which that waiting run must not hold yet.
    const other = await gate(['run', b, '--report-dir', 'other'], { cwd: p.root, env: { GATE_LOCK_TIMEOUT_MS: '0' } });
    writeFileSync(go, '');
    const [held, first] = await Promise.all([holder, both]);
    expect(other.code, other.stderr).toBe(0);
    expect(held.code, held.stderr).toBe(0);
    expect(first.code, first.stderr).toBe(0);
    expect(survivors(p.root)).toEqual([]);
  });
});

describe('faults: the temporary folder', () => {
  it.each([
    ['run', 'a folder that does not exist', (p: Project) => path.join(p.root, 'no-such-tmp')],
    ['run', 'a file', (p: Project) => p.file('tmp-is-a-file', '')],
    ['drill', 'a folder that does not exist', (p: Project) => path.join(p.root, 'no-such-tmp')],
  ])('gate %s with TMPDIR naming %s: exit 1 before any check runs, saying TMPDIR is the problem, not a bug in gate', async (command, _what, tmp) => {
    const p = makeProject();
    const ran = path.join(p.root, 'ran');
    p.gate('g', { checks: [check('a', ['touch', ran], { output: 'text' })] });
    const tmpdir = tmp(p);
    const r = await gate([command, 'g'], { cwd: p.root, env: { TMPDIR: tmpdir } });
    expect(r.code).toBe(1);
    expect(r.stderr).not.toContain('this is a bug');
    expect(r.stderr).toContain(`gate: cannot make a scratch folder in the temporary folder ${tmpdir} ($TMPDIR): `);
    expect(r.stderr).toContain('point TMPDIR at a folder gate can write, or unset it\nnothing ran.\n');
    expect(r.stdout).toBe('');
    expect(existsSync(ran)).toBe(false);
  });
});

describe('faults: a relative TMPDIR', () => {
  it('$GATE_EVIDENCE_FILE is an absolute path, so a check whose cwd is not gate\'s (the project root) writes its evidence where gate reads it', async () => {
    const p = makeProject();
    const outer = path.dirname(p.root);
    const tmp = mkdtempSync(path.join(p.root, 'tmp-'));
    const write = "const f = process.env.GATE_EVIDENCE_FILE; require('fs').writeFileSync(f, JSON.stringify({ ok: true, absolute: require('path').isAbsolute(f) }));";
    p.gate('g', { checks: [check('a', ['node', '-e', write], { expect: ['ok == true', 'absolute == true'] })] });
    // gate runs from the project's parent; TMPDIR is relative to there, the check runs in the project root.
    const r = await gate(['run', path.join(path.basename(p.root), 'gates/g.json')], { cwd: outer, env: { TMPDIR: path.relative(outer, tmp) } });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(byId(p.report('g'), 'a')).toMatchObject({ status: 'pass' });
  });
});

describe('faults: a check that empties the temporary folder', () => {
  it('removing $TMPDIR/gate-run-* (a cleanup of the temp dir) costs that check its captured output, never the run: later checks run, the report is written, run.log whole', async () => {
    const p = makeProject();
    const tmp = path.join(p.root, 'tmp');
    mkdirSync(tmp);
    p.gate('g', {
      checks: [
        check('clean', ['sh', '-c', 'echo \'{"ok":true}\'; rm -rf "$TMPDIR"/gate-run-*'], { expect: ['ok == true'] }),
        check('after', fixture('pass.mjs'), { expect: ['ok == true'] }),
      ],
    });
    // One at a time, in file order: 'after' starts once 'clean' has emptied the temp dir.
    const r = await gate(['run', 'g', '--json', '-j', '1'], { cwd: p.root, env: { TMPDIR: tmp } });
    expect(r.stderr).not.toContain('this is a bug');
    const report = JSON.parse(r.stdout) as Report;
    expect(report).toEqual(p.report('g'));
    // The check removed its own output before gate read it: not judged on it, and said.
    expect(byId(report, 'clean').status).not.toBe('pass');
    expect(byId(report, 'clean').notes.join('\n')).toContain('could not be kept');
    expect(byId(report, 'after')).toMatchObject({ status: 'pass', attempts: 1 });
    expect(r.code).toBe(3);
    const log = p.reportFile('g', 'run.log').trim().split('\n').map((l) => JSON.parse(l) as { msg: string });
    expect(log.map((l) => l.msg)).toContain('run finished');
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('the scratch folder made again after a check removed it is private to its user (0700), as the one gate made first', async () => {
    const p = makeProject();
    const tmp = path.join(p.root, 'tmp');
    mkdirSync(tmp);
    const mode = "const fs = require('fs'); const d = require('path').dirname(process.env.GATE_EVIDENCE_FILE); console.log(JSON.stringify({ mode: (fs.lstatSync(d).mode & 0o777).toString(8) }));";
    p.gate('g', {
      checks: [
        check('before', ['node', '-e', mode], { expect: ['mode == "700"'] }),
        check('clean', ['sh', '-c', 'rm -rf "$TMPDIR"/gate-run-*'], { output: 'text' }),
        check('after', ['node', '-e', mode], { expect: ['mode == "700"'] }),
      ],
    });
    // One at a time, in file order, under a umask that leaves folders readable by others.
    const r = await gate(['run', 'g', '-j', '1'], { cwd: p.root, env: { TMPDIR: tmp } });
    expect(r.stderr).not.toContain('this is a bug');
    const report = p.report('g');
    expect(byId(report, 'before')).toMatchObject({ status: 'pass' });
    expect(byId(report, 'after')).toMatchObject({ status: 'pass', attempts: 1 });
  });

  it('a scratch folder a check replaced with a link is never written through: the checks after it cannot start, the link\'s target is untouched', async () => {
    const p = makeProject();
    const tmp = path.join(p.root, 'tmp');
    const elsewhere = path.join(p.root, 'elsewhere');
    mkdirSync(tmp);
    mkdirSync(elsewhere);
    p.gate('g', {
      checks: [
        check('swap', ['sh', '-c', 'd=$(dirname "$GATE_EVIDENCE_FILE"); rm -rf "$d"; ln -s "$ELSEWHERE" "$d"; exit 1'], { output: 'text', env: { ELSEWHERE: elsewhere }, retries: 2, retryDelayMs: 1 }),
        check('after', fixture('pass.mjs'), { expect: ['ok == true'] }),
      ],
    });
    const r = await gate(['run', 'g', '-j', '1'], { cwd: p.root, env: { TMPDIR: tmp } });
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).not.toContain('this is a bug');
    // Its own retries are not made there either: the attempt that failed is the one that counts.
    const swap = byId(p.report('g'), 'swap');
    expect(swap).toMatchObject({ status: 'fail', reasonCode: 'exit-code', attempts: 1 });
    expect(swap.notes.join('\n')).toMatch(/its 2 remaining retries were not made: the run's scratch folder .* is not a folder gate made \(a check replaced it\)/);
    expect(byId(p.report('g'), 'after')).toMatchObject({ status: 'error', reasonCode: 'not-startable', attempts: 0 });
    expect(byId(p.report('g'), 'after').reason).toContain('is not a folder gate made');
    expect(readdirSync(elsewhere)).toEqual([]);
  });
});

describe('faults: contradictory command lines are refused before anything is made', () => {
  it.each([
    [['--report-dir', 'out', '--work-dir', 'out'], 'are the same folder (out)'],
    [['--report-dir', 'out', '--work-dir', 'out/work'], 'overlap (out/work and out)'],
    [['--work-dir', 'out', '--report-dir', 'out/report'], 'overlap (out and out/report)'],
  ])('%j is a usage error (exit 2) that leaves no folder behind', async (args, said) => {
    const p = makeProject();
    const ran = path.join(p.root, 'ran');
    p.gate('g', { checks: [check('a', ['touch', ran], { output: 'text' })] });
    const r = await gate(['run', 'g', ...args], { cwd: p.root });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`gate: the work dir and the report dir ${said}: gate empties check folders in the one and moves files in the other; give --work-dir and --report-dir folders apart\nnothing ran.\n`);
    expect(existsSync(path.join(p.root, 'out'))).toBe(false);
    expect(existsSync(ran)).toBe(false);
  });

  it.each([
    [['run', 'g', '--report-dir', ''], '--report-dir must not be empty'],
    [['run', 'g', '--work-dir', ''], '--work-dir must not be empty'],
    [['run', 'g', '--report-dir='], '--report-dir must not be empty'],
    [['drill', 'g', '--report-dir', ''], '--report-dir must not be empty'],
    [['drill', 'g', '--work-dir', ''], '--work-dir must not be empty'],
    [['init', ''], 'dir must not be empty'],
    [['run', ''], '"": an empty argument names no gate'],
  ])('%j: an empty path is a usage error naming it (exit 2), not the current directory', async (args, said) => {
    const p = makeProject();
    const ran = path.join(p.root, 'ran');
    p.gate('g', { checks: [check('a', ['touch', ran], { output: 'text' })] });
    const r = await gate(args, { cwd: p.root });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(said);
    expect(r.stderr).not.toContain('overlap');
    expect(r.stdout).toBe('');
    expect(readdirSync(p.root).sort()).toEqual(['gates']);
  });

  it('two different injections of one check are a usage error; a mistyped mode gets the nearest one', async () => {
    const p = makeProject();
    const ran = path.join(p.root, 'ran');
    p.gate('g', { checks: [check('a', ['touch', ran], { output: 'text' })] });
    const twice = await gate(['run', 'g', '--inject-fail', 'a', '--inject-fail', 'a:crash'], { cwd: p.root });
    expect(twice.code).toBe(2);
    expect(twice.stderr).toBe(
      'gate: gates/g.json: --inject-fail a:crash: check "a" is already injected by --inject-fail a; a check takes one injection\n' +
        '  hint: keep one of them; to try another mode, run again with that one\nnothing ran.\n',
    );
    const typo = await gate(['run', 'g', '--inject-fail', 'a:crsh'], { cwd: p.root });
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('--inject-fail a:crsh: unknown mode "crsh"\n  hint: did you mean "crash"? modes are: declared, exit, timeout, bad-json, crash');
    expect(existsSync(ran)).toBe(false);
    expect(existsSync(path.join(p.root, 'reports'))).toBe(false);
  });

  it.each([
    [['--inject-fail', ':exit'], '--inject-fail :exit: gate "g" has no check ""'],
    [['--inject-fail', 'nope:crash'], '--inject-fail nope:crash: gate "g" has no check "nope"'],
    [['--inject-fail', 'b:timeout', '--only', 'a'], '--inject-fail b:timeout: that check is filtered out by --only/--skip'],
  ])('%j is a usage error that echoes the argument as typed, mode and all', async (args, said) => {
    const p = makeProject();
    const ran = path.join(p.root, 'ran');
    p.gate('g', { checks: [check('a', ['touch', ran], { output: 'text' }), check('b', ['touch', ran], { output: 'text' })] });
    const r = await gate(['run', 'g', ...args], { cwd: p.root });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`gate: gates/g.json: ${said}`);
    expect(existsSync(ran)).toBe(false);
  });
});
