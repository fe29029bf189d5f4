import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import * as git from '../../src/run/git.js';
import { makeCheck, makeGate } from './gate-fixture.js';
import { runGateIn } from './run-gate-fixture.js';

vi.mock('../../src/run/git.js', async (original) => {
  const actual = await original<typeof import('../../src/run/git.js')>();
  return { readGitCommit: vi.fn(actual.readGitCommit) };
});

const root = mkdtempSync(path.join(os.tmpdir(), 'gate-run-log-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

describe('run.log: provenance and the hash of every output', () => {
  it('reads the git commit once, and logs the hash of the whole output (masked), not of the kept file, when it was cut', async () => {
    const commit = 'f'.repeat(40);
    mkdirSync(path.join(root, '.git'));
    writeFileSync(path.join(root, '.git', 'HEAD'), `${commit}\n`);
    // 2 MiB, the secret at the start: kept as head and tail only, so the kept file and the whole output differ.
    const print = `process.stdout.write(process.env.API_TOKEN + 'x'.repeat(2 * 1024 * 1024))`;
    const gate = makeGate([makeCheck('a', { run: [process.execPath, '-e', print], output: 'text', cwd: root })], { projectRoot: root });
    const secret = 'hunter2-secret-value';
    vi.mocked(git.readGitCommit).mockClear();
    const { report, written, reportDir } = await runGateIn(root, gate, { env: { PATH: process.env.PATH, API_TOKEN: secret } });
    expect(written).toBe(true);
    expect(vi.mocked(git.readGitCommit)).toHaveBeenCalledTimes(1);
    expect(report.provenance.gitCommit).toBe(commit);

    const text = readFileSync(path.join(reportDir, 'run.log'), 'utf8');
    const log = text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(log.find((l) => l.msg === 'provenance')).toMatchObject(report.provenance);

    const stdout = report.checks[0]!.stdout!;
    expect(stdout.truncated).toBe(true);
    const whole = `[REDACTED]${'x'.repeat(2 * 1024 * 1024)}`;
    expect(stdout.originalSha256).toBe(sha256(whole));
    expect(stdout.sha256).not.toBe(stdout.originalSha256);
    const line = log.find((l) => l.msg === 'outputs hashed' && l.check === 'a')!;
    expect(line.stdout).toEqual({ file: 'checks/a.stdout.txt', originalSha256: sha256(whole), originalBytes: Buffer.byteLength(whole), truncated: true });
    // Neither the kept file's hash (which the seal may still change) nor any hash of the output as written.
    expect(text).not.toContain(stdout.sha256);
    expect(text).not.toContain(sha256(`${secret}${'x'.repeat(2 * 1024 * 1024)}`));
    expect(text).not.toContain(secret);
  });
});
