import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeCheck, makeGate } from './gate-fixture.js';
import { runGateIn } from './run-gate-fixture.js';

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});
const freshRoot = () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'gate-run-retries-'));
  made.push(root);
  return root;
};

/** Whether a process has ended (a zombie not yet reaped has). */
function ended(pid: number): boolean {
  try {
    return /^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return true;
  }
}

async function until(ready: () => boolean): Promise<void> {
  while (!ready()) await new Promise((r) => setTimeout(r, 20));
}

describe('retries: what the notes say', () => {
  it('a check that never passes notes each attempt before the last, not the last (its outcome is the reason)', async () => {
    const root = freshRoot();
    const gate = makeGate([makeCheck('x', { run: ['sh', '-c', 'exit 2'], output: 'text', retries: 2, retryDelayMs: 10, cwd: root })], { projectRoot: root });
    const { report } = await runGateIn(root, gate);
    expect(report.checks[0]).toMatchObject({ status: 'fail', attempts: 3, reason: 'exit code 2, expected 0' });
    expect(report.checks[0]!.notes).toEqual(['attempt 1: fail: exit code 2, expected 0', 'attempt 2: fail: exit code 2, expected 0']);
  });

  it('a flaky check notes the attempts that failed before the one that passed', async () => {
    const root = freshRoot();
    const flaky = path.resolve('tests/fixtures/checks/flaky.mjs');
    const gate = makeGate([makeCheck('x', { run: [process.execPath, flaky, path.join(root, 'count'), '2'], output: 'text', retries: 3, retryDelayMs: 10, cwd: root })], { projectRoot: root });
    const { report } = await runGateIn(root, gate);
    expect(report.checks[0]).toMatchObject({ status: 'flaky', attempts: 3 });
    expect(report.checks[0]!.notes).toEqual(['attempt 1: fail: exit code 1, expected 0', 'attempt 2: fail: exit code 1, expected 0']);
  });
});

describe('retries: an interrupt while a check waits to retry', () => {
  it('leaves the check interrupted (its retries abandoned, the attempt that failed noted) and its dependents not-run', async () => {
    const root = freshRoot();
    const pidFile = path.join(root, 'r.pid');
    const gate = makeGate(
      [
        // The longest wait there is (15 to 30 s): the interrupt comes after the first attempt has ended, long before a second.
        makeCheck('r', { run: ['sh', '-c', `echo $$ > ${pidFile}; exit 1`], output: 'text', retries: 3, retryDelayMs: 600_000, cwd: root }),
        makeCheck('after', { run: ['true'], output: 'text', dependsOn: ['r'], cwd: root }),
      ],
      { projectRoot: root },
    );
    const abort = new AbortController();
    const run = runGateIn(root, gate, { abort: abort.signal });
    await until(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '' && ended(Number(readFileSync(pidFile, 'utf8'))));
    abort.abort();
    const { report } = await run;
    expect(report.verdict).toBe('aborted');
    const [r, after] = report.checks;
    expect(r).toMatchObject({ status: 'interrupted', reasonCode: 'interrupted', attempts: 1, reason: 'interrupted while waiting to retry (attempt 1 did not pass)' });
    expect(r!.notes).toEqual(['attempt 1: fail: exit code 1, expected 0', 'the interrupt abandoned its 3 remaining retries']);
    expect(after).toMatchObject({ status: 'not-run', reasonCode: 'interrupted', reason: 'the run was interrupted before it started' });
  });
});

describe('retries: --fail-fast while a check waits to retry', () => {
  it('starts no further attempt: the check ends with its last attempt and a note, not interrupted; the run ends', async () => {
    const root = freshRoot();
    const pidFile = path.join(root, 'r.pid');
    const go = path.join(root, 'go');
    const gate = makeGate(
      [
        // The longest wait there is (15 to 30 s) before its second attempt.
        makeCheck('r', { run: ['sh', '-c', `echo $$ > ${pidFile}; exit 1`], output: 'text', retries: 3, retryDelayMs: 600_000, cwd: root }),
        // Fails once told to, after r's first attempt has ended: that starts fail-fast.
        makeCheck('b', { run: ['sh', '-c', `while [ ! -f ${go} ]; do sleep 0.01; done; exit 2`], output: 'text', cwd: root }),
        makeCheck('after', { run: ['true'], output: 'text', dependsOn: ['b'], cwd: root }),
      ],
      { projectRoot: root },
    );
    const run = runGateIn(root, gate, { jobs: 2, failFast: true });
    await until(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '' && ended(Number(readFileSync(pidFile, 'utf8'))));
    writeFileSync(go, '');
    const { report } = await run;
    const [r, b, after] = report.checks;
    expect(b).toMatchObject({ status: 'fail', reason: 'exit code 2, expected 0' });
    expect(r).toMatchObject({ status: 'fail', reasonCode: 'exit-code', attempts: 1, reason: 'exit code 1, expected 0' });
    expect(r!.notes).toEqual(['--fail-fast cancelled its 3 remaining retries (another required check did not pass)']);
    expect(after).toMatchObject({ status: 'blocked' });
    expect(report.verdict).not.toBe('aborted');
  });
});
