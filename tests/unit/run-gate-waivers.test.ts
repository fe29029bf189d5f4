import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeCheck, makeGate } from './gate-fixture.js';
import { runGateIn } from './run-gate-fixture.js';

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
    const { report } = await runGateIn(root, gate, { now });
    expect(readings).toBeGreaterThan(1);
    expect(report.checks[0]).toMatchObject({ id: 'a', status: 'waived', waivedStatus: 'fail' });
    expect(report.waivers).toEqual([{ check: 'a', reason: 'known', expires, state: 'applied' }]);
    expect(report.decision).toBe('GO');
  });
});

describe('an injected check is never waived, and its report says why a waiver in force did not cover it', () => {
  it('notes the waiver it was not given, so the failure beside an "unused" waiver reads as meant', async () => {
    const expires = '2999-12-31';
    const gate = makeGate(
      [
        makeCheck('a', { run: [process.execPath, '-e', 'process.exit(1)'], output: 'text', cwd: root }),
        makeCheck('b', { run: [process.execPath, '-e', 'process.exit(1)'], output: 'text', cwd: root }),
      ],
      {
        projectRoot: root,
        waivers: [
          { check: 'a', reason: 'known', expires, expiresAt: new Date('3000-01-01T00:00:00Z') },
          { check: 'b', reason: 'known too', expires, expiresAt: new Date('3000-01-01T00:00:00Z') },
        ],
      },
    );
    const { report } = await runGateIn(root, gate, {}, { injectFail: ['a:exit'] });
    const [a, b] = report.checks;
    expect(a).toMatchObject({ status: 'fail', injected: true });
    expect(a!.notes).toContain('not waived: the waiver in force (until 2999-12-31: known) does not cover an injected check');
    expect(b).toMatchObject({ status: 'waived', notes: [] });
    expect(report.waivers.map((w) => w.state)).toEqual(['unused', 'applied']);
  });
});
