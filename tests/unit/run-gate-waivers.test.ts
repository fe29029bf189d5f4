import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { planGate } from '../../src/plan/plan.js';
import { prepareReportDir } from '../../src/report/write.js';
import { prepareWorkDir, runGate } from '../../src/run/run-gate.js';
import { makeCheck, makeGate } from './gate-fixture.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'gate-run-waivers-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('waivers are judged against one instant, the run start', () => {
  it('a waiver that expires while the run goes on covers its check, and the report says applied, not expired', async () => {
    const start = new Date('2026-11-22T10:00:00.000Z');
    const expires = '2026-11-22T10:00:01.000Z';
    // The clock passes the waiver's end at once: every reading after the first is ten seconds on.
    let readings = 0;
    const now = () => new Date(start.getTime() + (readings++ === 0 ? 0 : 10_000));
    const gate = makeGate([makeCheck('a', { run: [process.execPath, '-e', 'process.exit(1)'], output: 'text', cwd: root })], {
      projectRoot: root,
      waivers: [{ check: 'a', reason: 'known', expires, expiresAt: new Date(expires) }],
    });
    const planned = planGate(gate, {});
    if (!planned.ok) throw new Error('plan refused');
    const workDir = path.join(root, 'work');
    const reportDir = path.join(root, 'reports');
    expect(await prepareWorkDir(workDir, undefined)).toBeUndefined();
    expect(await prepareReportDir(reportDir)).toEqual({ ok: true });
    const { report } = await runGate(gate, {
      plan: planned.plan,
      workDir,
      reportDir,
      jobs: 1,
      failFast: false,
      env: { PATH: process.env.PATH },
      abort: new AbortController().signal,
      progress: { runStarted() {}, checkStarted() {}, checkFinished() {} },
      redact: (text) => text,
      now,
    });
    expect(readings).toBeGreaterThan(1);
    expect(report.checks[0]).toMatchObject({ id: 'a', status: 'waived', waivedStatus: 'fail' });
    expect(report.waivers).toEqual([{ check: 'a', reason: 'known', expires, state: 'applied' }]);
    expect(report.decision).toBe('GO');
  });
});
