/**
 * What is around the gate process rather than in its command line: a current
 * directory that no longer exists, a stdout that cannot be written or whose
 * reader goes away. Each is set up by a real shell (`sh -c`), as a user or a CI
 * step would meet it.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
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

/** /dev/full takes no byte: every write to it fails with ENOSPC, as on a full disk. Linux has it; elsewhere these tests are skipped. */
const noDevFull = !existsSync('/dev/full');
const FULL_DISK = 'gate: could not write to stdout (ENOSPC: no space left on device); what gate printed there is incomplete\n';

describe.skipIf(noDevFull)('stdout on a full disk (/dev/full): said on stderr, exit 1', () => {
  it.each([
    [['run', 'g', '--json']],
    [['run', 'g', '--quiet', '--reporter', 'junit']],
    [['run', 'g', '--reporter', 'markdown']],
    [['run', 'g']],
  ])('%j: the report is written, but the run is not a GO (exit 1)', async (args) => {
    const p = makeProject();
    p.gate('g', { checks: [{ id: 'a', run: ['node', '-e', 'console.log(JSON.stringify({ ok: true }))'], expect: ['ok == true'] }] });
    const r = await sh('exec node "$@" >/dev/full', [GATE_BIN, ...args], p.root);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr.endsWith(FULL_DISK), r.stderr).toBe(true);
    expect(r.stderr.split(FULL_DISK)).toHaveLength(2);
    expect(p.report('g').decision).toBe('GO');
  });

  it.each([
    [['validate']],
    [['validate', '--json']],
    [['list', '--json']],
    [['graph', 'g']],
    [['schema']],
    [['schema', 'report']],
    [['drill', 'g', '--json']],
    [['--help']],
    [['--version']],
  ])('%j: exit 1 where it would be 0', async (args) => {
    const p = makeProject();
    p.gate('g', { checks: [{ id: 'a', run: ['node', '-e', 'process.exit(process.env.GATE_INJECT_FAIL ? 1 : 0)'], output: 'text' }] });
    const r = await sh('exec node "$@" >/dev/full', [GATE_BIN, ...args], p.root);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr.endsWith(FULL_DISK), r.stderr).toBe(true);
  });

  it('a NO-GO that cannot be printed is exit 1 too: the caller gets neither the JSON nor a verdict it can read', async () => {
    const p = makeProject();
    p.gate('g', { checks: [{ id: 'a', run: ['node', '-e', 'console.log(JSON.stringify({ ok: false }))'], expect: ['ok == true'] }] });
    const r = await sh('exec node "$@" >/dev/full', [GATE_BIN, 'run', 'g', '--json'], p.root);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr.endsWith(FULL_DISK)).toBe(true);
    expect(p.report('g').decision).toBe('NO-GO');
  });
});

describe('a reader that goes away (EPIPE): nothing said, the verdict is the exit code', () => {
  it.each([[[]], [['--json']], [['--reporter', 'junit']]])('gate run g %j | a reader that closes its end at once', async (args) => {
    const p = makeProject();
    const closed = path.join(p.root, 'reader-closed');
    const codeFile = path.join(p.root, 'gate-exit-code');
    // The check ends only once the reader has closed its end, so every byte gate prints meets a closed pipe.
    const waitThenFail = `const f = require('fs'); setInterval(() => f.existsSync(${JSON.stringify(closed)}) && (console.log('{"ok":false}'), process.exit(0)), 10)`;
    p.gate('g', { checks: [{ id: 'a', run: ['node', '-e', waitThenFail], expect: ['ok == true'] }] });
    const r = await sh('c=$1 k=$2 g=$3; shift 3; { node "$g" run g "$@"; echo $? > "$k"; } | { exec 0<&-; : > "$c"; }', [closed, codeFile, GATE_BIN, ...args], p.root);
    expect(r.code).toBe(0);
    expect(readFileSync(codeFile, 'utf8').trim(), r.stderr).toBe('3');
    expect(r.stderr).not.toContain('could not write');
    expect(r.stderr).not.toContain('EPIPE');
    expect(p.report('g').decision).toBe('NO-GO');
  });
});

describe('gate --version, written straight to its descriptor', () => {
  it('| a reader that closes its end at once: exit 0, nothing said', async () => {
    const p = makeProject();
    const closed = path.join(p.root, 'reader-closed');
    const codeFile = path.join(p.root, 'gate-exit-code');
    const r = await sh('c=$1 k=$2 g=$3; { node "$g" --version; echo $? > "$k"; } | { exec 0<&-; : > "$c"; }', [closed, codeFile, GATE_BIN], p.root);
    expect(r.code).toBe(0);
    expect(readFileSync(codeFile, 'utf8').trim(), r.stderr).toBe('0');
    expect(r.stderr).toBe('');
  });
});
