import { mkdtempSync, rmSync } from 'node:fs';
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
