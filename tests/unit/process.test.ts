import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { endEscapedProcesses, groupAlive, runProcess, type ProcessRequest } from '../../src/run/process.js';

const FIXTURES = path.resolve(__dirname, '../fixtures/checks');
const dir = mkdtempSync(path.join(os.tmpdir(), 'gate-process-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function request(run: string[], over: Partial<ProcessRequest> = {}): ProcessRequest {
  n += 1;
  return {
    run,
    shell: false,
    cwd: dir,
    env: { PATH: process.env.PATH ?? '' },
    timeoutMs: 20_000,
    killGraceMs: 200,
    stdoutPath: path.join(dir, `${n}.out`),
    stderrPath: path.join(dir, `${n}.err`),
    ...over,
  };
}
const node = (script: string, ...args: string[]) => [process.execPath, path.join(FIXTURES, script), ...args];

describe('the process module, with real processes', () => {
  it('captures stdout and stderr to files and reports the exit code', async () => {
    const req = request([process.execPath, '-e', 'console.log("out"); console.error("err"); process.exit(7)']);
    const r = await runProcess(req);
    expect(r.end).toEqual({ kind: 'exited', exitCode: 7 });
    expect(readFileSync(req.stdoutPath, 'utf8')).toBe('out\n');
    expect(readFileSync(req.stderrPath, 'utf8')).toBe('err\n');
    expect(r).toMatchObject({ stdoutBytes: 4, stderrBytes: 4, leakedProcesses: false, signalsSent: [] });
  });

  it('passes only the environment it is given', async () => {
    const req = request([process.execPath, '-e', 'console.log(JSON.stringify(Object.keys(process.env).sort()))'], { env: { PATH: process.env.PATH ?? '', ONLY: '1' } });
    await runProcess(req);
    expect(JSON.parse(readFileSync(req.stdoutPath, 'utf8'))).toEqual(['ONLY', 'PATH']);
  });

  it('times out: TERM to the group, then KILL after the grace, and says when', async () => {
    const r = await runProcess(request(node('ignore-term.mjs'), { timeoutMs: 200, killGraceMs: 200 }));
    expect(r.end).toMatchObject({ kind: 'timed-out', signal: 'SIGKILL' });
    expect(r.signalsSent.map((s) => s.signal)).toEqual(['SIGTERM', 'SIGKILL']);
    expect(r.signalsSent[0]!.atMs).toBeGreaterThanOrEqual(150);
  });

  it('maps a crash by signal and a program that cannot start', async () => {
    expect((await runProcess(request(node('crash.mjs', 'SIGKILL')))).end).toEqual({ kind: 'signaled', signal: 'SIGKILL' });
    const missing = await runProcess(request(['/no/such/program']));
    expect(missing.end).toMatchObject({ kind: 'not-started', errno: 'ENOENT' });
    const notExecutable = await runProcess(request([path.join(FIXTURES, 'README.md')]));
    expect(notExecutable.end).toMatchObject({ kind: 'not-started', errno: 'EACCES' });
  });

  it('a program that cannot be started says what is there and what to do: a path taken from the cwd, PATH, a file not executable, a missing interpreter', async () => {
    const cwd = path.join(dir, 'web');
    mkdirSync(path.join(cwd, 'bin'), { recursive: true });
    writeFileSync(path.join(cwd, 'bin/plain.sh'), '#!/bin/sh\necho {}\n');
    writeFileSync(path.join(cwd, 'bin/lost.sh'), '#!/no/such/interpreter\necho {}\n', { mode: 0o755 });
    const message = async (run: string[]) => {
      const r = await runProcess(request(run, { cwd }));
      return r.end.kind === 'not-started' ? `${r.end.errno} (${r.end.message})` : r.end.kind;
    };
    // A path from the project root, though the program's path is taken from the check's cwd.
    expect(await message(['web/bin/plain.sh'])).toBe(`ENOENT (${path.join(cwd, 'web/bin/plain.sh')} does not exist; a program's path is taken from the check's cwd, ${cwd})`);
    expect(await message(['/no/such/program'])).toBe('ENOENT (/no/such/program does not exist)');
    expect(await message(['no-such-program-xyz'])).toBe('ENOENT (no program no-such-program-xyz on the check\'s PATH)');
    expect(await message(['./bin/plain.sh'])).toBe(`EACCES (${path.join(cwd, 'bin/plain.sh')} is not executable: chmod +x it, or put its interpreter first in run, e.g. ["sh", "./bin/plain.sh"])`);
    expect(await message(['./bin'])).toBe(`EACCES (${path.join(cwd, 'bin')} is a directory)`);
    expect(await message(['./bin/lost.sh'])).toBe(`ENOENT (${path.join(cwd, 'bin/lost.sh')} exists, but the interpreter its #! line names does not)`);
  });

  it('a reason that quotes a cwd or a program name with control characters keeps it whole, escaped, on one line', async () => {
    const cwd = await runProcess(request([process.execPath, '-e', '0'], { cwd: path.join(dir, 'nodir\u001b[31m\nX') }));
    expect(cwd.end).toMatchObject({ kind: 'not-started', errno: 'ENOENT' });
    const program = await runProcess(request(['/nonexistent/RED\r\nZZ']));
    expect(program.end).toMatchObject({ kind: 'not-started', errno: 'ENOENT' });
    // A cwd that is a file, and DEL and C1 controls (CSI, U+009B), are escaped too.
    writeFileSync(path.join(dir, 'f\u001b[31mile'), 'x');
    const fileCwd = await runProcess(request([process.execPath, '-e', '0'], { cwd: path.join(dir, 'f\u001b[31mile') }));
    expect(fileCwd.end).toMatchObject({ kind: 'not-started', errno: 'ENOTDIR' });
    const c1 = await runProcess(request(['no\u009b31m\u007fexist']));
    for (const [r, quoted] of [
      [cwd, 'nodir\\u001b[31m\\nX'],
      [program, '/nonexistent/RED\\r\\nZZ does not exist'],
      [fileCwd, 'its cwd ' + path.join(dir, 'f\\u001b[31mile') + ' is not a directory'],
      [c1, "no program no\\u009b31m\\u007fexist on the check's PATH"],
    ] as const) {
      const message = r.end.kind === 'not-started' ? r.end.message : '';
      expect(message).toContain(quoted);
      expect(message).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    }
  });

  it('a value Node refuses to pass is not quoted in the reason (it may be a secret)', async () => {
    const r = await runProcess(request(['true'], { env: { PATH: process.env.PATH ?? '', TOKEN: 'hunter2\u0000tail-part' } }));
    expect(r.end).toMatchObject({ kind: 'not-started', errno: 'ERR_INVALID_ARG_VALUE' });
    const message = (r.end as { message: string }).message;
    expect(message).toContain('without null bytes');
    expect(message).not.toMatch(/hunter2|tail-part|Received/);
  });

  it('ends a check that floods more output than the bound', async () => {
    const r = await runProcess(request(node('big-output.mjs', String(64 * 1024 * 1024)), { maxOutputBytes: 1024 * 1024 }));
    expect(r.end).toEqual({ kind: 'output-limit', limit: 1024 * 1024 });
    expect(r.stdoutBytes).toBeGreaterThan(1024 * 1024);
  });

  it('an abort ends the group as an interruption', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const r = await runProcess(request(node('forever.mjs'), { abort: controller.signal }));
    expect(r.end).toEqual({ kind: 'interrupted' });
  });

  it('records what ended leftovers apart from what ended the check; a leftover ignoring TERM gets KILL after the grace', async () => {
    const r = await runProcess(request(node('stubborn-grandchild.mjs'), { leakGraceMs: 200 }));
    expect(r.end).toEqual({ kind: 'exited', exitCode: 0 });
    expect(r.leakedProcesses).toBe(true);
    expect(r.signalsSent).toEqual([]);
    expect(r.cleanupSignals.map((s) => s.signal)).toEqual(['SIGTERM', 'SIGKILL']);
    expect(r.cleanupSignals[0]!.atMs).toBeLessThanOrEqual(r.cleanupSignals[1]!.atMs);
  });

  it('takes what the output and $GATE_EVIDENCE_FILE hold at the check\'s own exit, before its leftovers are ended', async () => {
    const evidencePath = path.join(dir, `evidence-${n}.json`);
    const late = 'late write on TERM\n';
    const r = await runProcess(request(node('late-writer.mjs', 'evidence'), { env: { PATH: process.env.PATH ?? '', GATE_EVIDENCE_FILE: evidencePath }, evidencePath, leakGraceMs: 2000 }));
    expect(r.end).toEqual({ kind: 'exited', exitCode: 0 });
    expect(r.leakedProcesses).toBe(true);
    expect(r.atExit).toEqual({ stdoutBytes: 8, stderrBytes: 0, evidenceBytes: 12 });
    expect(readFileSync(evidencePath, 'utf8')).toBe(`{"ok":true}\n${late}`);
    // Written on the TERM that ended it: in the output, not in what it held at the exit.
    const stdout = await runProcess(request(node('late-writer.mjs', 'stdout'), { leakGraceMs: 2000 }));
    expect(stdout).toMatchObject({ stdoutBytes: 12 + late.length, stderrBytes: late.length, atExit: { stdoutBytes: 12, stderrBytes: 0 } });
    expect(stdout.atExit.evidenceBytes).toBeUndefined();
  });

  it('a timeout names each signal once, even with children in the group', async () => {
    const r = await runProcess(request(node('stubborn-grandchild.mjs', 'hang'), { timeoutMs: 3000, killGraceMs: 200 }));
    expect(r.end).toMatchObject({ kind: 'timed-out', signal: 'SIGKILL' });
    expect(r.signalsSent.map((s) => s.signal)).toEqual(['SIGTERM', 'SIGKILL']);
    // Ended members nobody has reaped yet are not leftovers.
    expect(r.leakedProcesses).toBe(false);
    expect(r.cleanupSignals).toEqual([]);
  });

  it('members still ending after the KILL are not leftovers', async () => {
    // A member with a large heap takes a moment to end after SIGKILL, often
    // after its leader has been reaped: it must not count as a leak.
    const member = 'process.on("SIGTERM", () => {}); const a = []; for (let i = 0; i < 15; i++) a.push(Buffer.alloc(8e6, 1)); process.stdout.write("r"); setInterval(() => {}, 1000)';
    const leader = `
      const { spawn } = require('node:child_process');
      process.on('SIGTERM', () => {});
      let ready = 0;
      for (let i = 0; i < 2; i++) spawn(process.execPath, ['-e', ${JSON.stringify(member)}], { stdio: ['ignore', 'pipe', 'inherit'] })
        .stdout.once('data', () => { if (++ready === 2) require('node:fs').writeFileSync(process.argv[1], ''); });
      setInterval(() => {}, 1000);`;
    for (let round = 0; round < 4; round++) {
      const ready = path.join(dir, `ready-${round}`);
      const controller = new AbortController();
      const poll = setInterval(() => existsSync(ready) && controller.abort(), 10);
      const r = await runProcess(request([process.execPath, '-e', leader, ready], { abort: controller.signal, killGraceMs: 100 }));
      clearInterval(poll);
      expect(r.end).toEqual({ kind: 'interrupted' });
      expect(r.signalsSent.map((s) => s.signal)).toEqual(['SIGTERM', 'SIGKILL']);
      expect(r.leakedProcesses).toBe(false);
      expect(r.cleanupSignals).toEqual([]);
    }
  });

  it('a group whose members have all ended is not alive, even while unreaped', async () => {
    const { spawn } = await import('node:child_process');
    const leader = spawn('sh', ['-c', 'sleep 30 & sleep 30'], { detached: true, stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 200));
    expect(groupAlive(leader.pid!)).toBe(true);
    process.kill(-leader.pid!, 'SIGKILL');
    await new Promise((r) => leader.once('exit', r));
    // The sleeps are now zombies (or gone): either way nothing in the group runs.
    for (let i = 0; i < 50 && groupAlive(leader.pid!); i++) await new Promise((r) => setTimeout(r, 20));
    expect(groupAlive(leader.pid!)).toBe(false);
  });

  it('finds an escaped process by its run id even past the first 64 KiB of its environment, and ends it', async () => {
    const { spawn } = await import('node:child_process');
    const runId = `escape-test-${process.pid}-${Date.now()}`;
    // Object order is the order of the environment block: the tag comes after 100 KB.
    const env = { BIG: 'x'.repeat(100_000), GATE_CHECK_ID: 'far', GATE_RUN_ID: runId };
    const escaped = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { detached: true, stdio: 'ignore', env });
    const other = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { detached: true, stdio: 'ignore', env: { ...env, GATE_RUN_ID: `${runId}-other` } });
    try {
      await new Promise((r) => setTimeout(r, 300));
      const found = await endEscapedProcesses(runId, 200);
      expect([...found.keys()]).toEqual(['far']);
      expect(found.get('far')?.pids).toEqual([escaped.pid]);
      expect(found.get('far')?.signals[0]?.signal).toBe('SIGTERM');
      await new Promise((r) => (escaped.exitCode !== null || escaped.signalCode !== null ? r(undefined) : escaped.once('exit', r)));
      expect(escaped.signalCode).toBe('SIGTERM');
      expect(other.exitCode === null && other.signalCode === null).toBe(true);
    } finally {
      for (const child of [escaped, other]) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});
