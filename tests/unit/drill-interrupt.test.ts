import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { drillCommand } from '../../src/cli/drill-command.js';
import type { Io } from '../../src/cli/io.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'gate-drill-interrupt-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A project with one gate of two checks, each printing `{"ok":true}` and asserting it. */
function project(name: string): string {
  const dir = path.join(root, name);
  mkdirSync(path.join(dir, 'gates'), { recursive: true });
  const check = (id: string) => ({ id, run: [process.execPath, '-e', 'console.log(JSON.stringify({ ok: true }))'], expect: ['ok == true'] });
  writeFileSync(path.join(dir, 'gates', 'g.json'), JSON.stringify({ id: 'g', checks: [check('a'), check('b')] }));
  return dir;
}

/** Runs `gate drill g` with an interrupt (SIGINT) sent as stderr says `when`. */
async function drillInterrupted(dir: string, when: (text: string) => boolean): Promise<{ code: number; stderr: string }> {
  const interrupt = new AbortController();
  let stderr = '';
  const io: Io = {
    argv: [],
    cwd: dir,
    env: { PATH: process.env.PATH },
    stdout: { write: () => true },
    stderr: {
      write: (text: string) => {
        stderr += text;
        if (!interrupt.signal.aborted && when(text)) interrupt.abort();
        return true;
      },
    },
    interrupt: interrupt.signal,
    interruptedBy: () => (interrupt.signal.aborted ? 'SIGINT' : undefined),
  };
  const code = await drillCommand('g', { only: [], mode: 'exit', json: false }, io);
  return { code, stderr };
}

describe('gate drill: an interrupt', () => {
  it('that comes once every round has ended stops nothing: the matrix is the rounds’, the exit code its, and stderr says so', async () => {
    const dir = project('late');
    const r = await drillInterrupted(dir, (text) => text.startsWith('round 2/2: b (exit) … caught'));
    const report = JSON.parse(readFileSync(path.join(dir, 'reports', 'g_drill', 'drill.json'), 'utf8')) as { verdict: string; exitCode: number };
    expect(report).toMatchObject({ verdict: 'pass', exitCode: 0 });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('gate: SIGINT came once every round had ended: nothing was stopped, and the drill report stands as written\n');
  });

  it('that keeps a round from starting makes the drill aborted, exit 130', async () => {
    const dir = project('early');
    const r = await drillInterrupted(dir, (text) => text.startsWith('round 1/2: a (exit) … caught'));
    const report = JSON.parse(readFileSync(path.join(dir, 'reports', 'g_drill', 'drill.json'), 'utf8')) as { verdict: string; exitCode: number; rounds: { outcome: string }[] };
    expect(report).toMatchObject({ verdict: 'aborted', exitCode: 130 });
    expect(report.rounds.map((row) => row.outcome)).toEqual(['caught', 'not-run']);
    expect(r.code).toBe(130);
    expect(r.stderr).not.toContain('came once every round had ended');
  });
});
