import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createRedactor } from '../../src/report/redact.js';
import { prepareReportDir, writeReportFiles, type ReportFile } from '../../src/report/write.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'gate-write-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

async function preparedDir(): Promise<string> {
  const dir = path.join(root, `report-${(n += 1)}`);
  expect(await prepareReportDir(dir)).toEqual({ ok: true });
  return dir;
}

const run = (id: string, checks: ReportFile[]): ReportFile[] => [
  ...checks,
  { name: 'run.log', content: `log ${id}\n` },
  { name: 'closeout.json', content: `${JSON.stringify({ runId: id })}\n` },
];

const redact = createRedactor(['hunter2-secret']);

describe('writing a run’s files', () => {
  it('moves the previous run to history/<runId>/ whole, and the new checks/ holds only the new run’s files', async () => {
    const dir = await preparedDir();
    expect(await writeReportFiles(dir, run('r1', [{ name: 'checks/old.stdout.txt', content: 'old\n' }]), redact)).toEqual({ ok: true });
    expect(await writeReportFiles(dir, run('r2', [{ name: 'checks/new.stdout.txt', content: 'new\n' }]), redact)).toEqual({ ok: true });
    expect(readdirSync(path.join(dir, 'checks'))).toEqual(['new.stdout.txt']);
    expect(readFileSync(path.join(dir, 'closeout.json'), 'utf8')).toContain('r2');
    expect(readdirSync(path.join(dir, 'history'))).toEqual(['r1']);
    expect(readdirSync(path.join(dir, 'history', 'r1')).sort()).toEqual(['checks', 'closeout.json', 'run.log']);
    expect(readFileSync(path.join(dir, 'history', 'r1', 'checks', 'old.stdout.txt'), 'utf8')).toBe('old\n');
    expect(readFileSync(path.join(dir, 'history', 'r1', 'closeout.json'), 'utf8')).toContain('r1');
    expect(readdirSync(dir).filter((name) => name.startsWith('.staging-'))).toEqual([]);
  });

  it('keeps only the newest runs in history', async () => {
    const dir = await preparedDir();
    for (let i = 1; i <= 5; i += 1) {
      expect(await writeReportFiles(dir, run(`r${i}`, [{ name: 'checks/a.stdout.txt', content: `${i}\n` }]), redact, 2)).toEqual({ ok: true });
    }
    expect(readdirSync(path.join(dir, 'history')).sort()).toEqual(['r3', 'r4']);
    expect(readFileSync(path.join(dir, 'checks/a.stdout.txt'), 'utf8')).toBe('5\n');
  });
});
