/**
 * What is around the gate process rather than in its command line: a current
 * directory that no longer exists, a stdout that cannot be written or whose
 * reader goes away. Each is set up by a real shell (`sh -c`), as a user or a CI
 * step would meet it.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { baseEnv, type CliResult, GATE_BIN, makeProject, REPO } from './harness.js';

/** Runs `script` with `sh -c` (the positional parameters $1... are `args`), no stdin. */
function sh(script: string, args: string[] = [], cwd = os.tmpdir()): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', script, 'sh', ...args], { cwd, env: baseEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** gate run with its arguments after `cd $1 && rmdir $1`: started in a current directory that no longer exists. */
const inRemovedDir = (args: string[]) => {
  const gone = mkdtempSync(path.join(os.tmpdir(), 'gate-gone-'));
  return sh('cd "$1" && rmdir "$1" && shift && exec node "$@"', [gone, GATE_BIN, ...args]);
};

describe('a current directory that no longer exists', () => {
  it.each(['run', 'validate', 'list', 'graph', 'drill', 'init'])(
    '%s: one line saying so, exit 2, no stack trace and nothing run or written (with absolute paths too)',
    async (command) => {
      const p = makeProject();
      const ran = path.join(p.root, 'ran');
      const file = p.gate('g', { checks: [{ id: 'a', run: ['touch', ran], output: 'text' }] });
      const r = await inRemovedDir([command, command === 'init' ? path.join(p.root, 'scaffold') : file]);
      expect(r.stderr).toBe('gate: the current directory no longer exists; cd to a project and run again\n');
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(readdirSync(p.root)).toEqual(['gates']);
    },
  );

  it('what needs no directory still works there: schema, --help, --version', async () => {
    const schema = await inRemovedDir(['schema']);
    expect(schema.code, schema.stderr).toBe(0);
    expect(schema.stdout).toBe(readFileSync(path.join(REPO, 'gate.schema.json'), 'utf8'));
    const help = await inRemovedDir(['run', '--help']);
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toContain('Usage: gate run');
    const version = await inRemovedDir(['--version']);
    expect(version.code, version.stderr).toBe(0);
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+/);
  });
});
