import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { createRedactor } from '../../src/report/redact.js';
import { newRunId } from '../../src/run/run-gate.js';
import { oldestFirst, prepareReportDir, pruneHistory, writeReportFiles, type ReportFile } from '../../src/report/write.js';

/** Renames to fail with EIO, each once and in turn: the next one fails the first rename it matches. */
const renameFaults = vi.hoisted(() => [] as Array<(from: string, to: string) => boolean>);
/** Removals to fail with EACCES, as `renameFaults`. */
const rmFaults = vi.hoisted(() => [] as Array<(target: string) => boolean>);
// The writer works in place (synchronous calls): the faults reach renameSync and rmSync.
vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs')>();
  const renameSync = (from: Parameters<typeof real.renameSync>[0], to: Parameters<typeof real.renameSync>[1]) => {
    if (renameFaults[0]?.(String(from), String(to))) {
      renameFaults.shift();
      throw Object.assign(new Error(`EIO: i/o error, rename '${String(from)}' -> '${String(to)}'`), { code: 'EIO' });
    }
    return real.renameSync(from, to);
  };
  const rmSync = (target: Parameters<typeof real.rmSync>[0], options?: Parameters<typeof real.rmSync>[1]) => {
    if (rmFaults[0]?.(String(target))) {
      rmFaults.shift();
      throw Object.assign(new Error(`EACCES: permission denied, rm '${String(target)}'`), { code: 'EACCES' });
    }
    return real.rmSync(target, options);
  };
  // Old runs are pruned through the thread pool (`rm`): the same faults reach it.
  const rm = (target: Parameters<typeof real.rm>[0], options: Parameters<typeof real.rm>[1], done: Parameters<typeof real.rm>[2]) => {
    if (rmFaults[0]?.(String(target))) {
      rmFaults.shift();
      done(Object.assign(new Error(`EACCES: permission denied, rm '${String(target)}'`), { code: 'EACCES' }));
      return;
    }
    real.rm(target, options, done);
  };
  return { ...real, renameSync, rmSync, rm, default: { ...real, renameSync, rmSync, rm } };
});
afterEach(() => {
  renameFaults.length = 0;
  rmFaults.length = 0;
});

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
      expect(await writeReportFiles(dir, run(`r${i}`, [{ name: 'checks/a.stdout.txt', content: `${i}\n` }]), redact)).toEqual({ ok: true });
      await pruneHistory(dir, 2);
    }
    expect(readdirSync(path.join(dir, 'history')).sort()).toEqual(['r3', 'r4']);
    expect(readFileSync(path.join(dir, 'checks/a.stdout.txt'), 'utf8')).toBe('5\n');
  });

  it('keeps the runs that started last: two runs of one second sort by their start to the millisecond, not by their random part', async () => {
    const dir = await preparedDir();
    // Started one millisecond apart, in turn (a report dir's runs take turns): many pairs, any random parts.
    const ids = Array.from({ length: 40 }, (_, i) => newRunId(new Date(Date.UTC(2026, 10, 22, 9, 13, 32, 100 + i))));
    expect([...ids].sort()).toEqual(ids);
    for (const id of ids.slice(0, 4)) expect(await writeReportFiles(dir, run(id, []), redact)).toEqual({ ok: true });
    // The first three are in history, the first of them the oldest.
    expect(oldestFirst(path.join(dir, 'history'))).toEqual(ids.slice(0, 3));
    await pruneHistory(dir, 2);
    expect(readdirSync(path.join(dir, 'history')).sort()).toEqual(ids.slice(1, 3));
  });

  it('an old run that cannot be pruned is no failure: the new run is in place, and the old one goes next time', async () => {
    const dir = await preparedDir();
    for (let i = 1; i <= 2; i += 1) {
      expect(await writeReportFiles(dir, run(`r${i}`, []), redact)).toEqual({ ok: true });
      await pruneHistory(dir, 1);
    }
    rmFaults.push((target) => target === path.join(dir, 'history', 'r1'));
    expect(await writeReportFiles(dir, run('r3', []), redact)).toEqual({ ok: true });
    await expect(pruneHistory(dir, 1)).resolves.toBeUndefined();
    expect(rmFaults).toEqual([]);
    expect(readFileSync(path.join(dir, 'closeout.json'), 'utf8')).toBe(`${JSON.stringify({ runId: 'r3' })}\n`);
    expect(readdirSync(path.join(dir, 'history')).sort()).toEqual(['r1', 'r2']);
    expect(await writeReportFiles(dir, run('r4', []), redact)).toEqual({ ok: true });
    await pruneHistory(dir, 1);
    expect(readdirSync(path.join(dir, 'history')).sort()).toEqual(['r3']);
  });
});

const TOP = ['run.log', 'junit.xml', 'closeout.md', 'closeout.json'];

/** A run with every top-level file. */
const fullRun = (id: string, checks: ReportFile[]): ReportFile[] => [
  ...checks,
  { name: 'run.log', content: `log ${id}\n` },
  { name: 'junit.xml', content: `<testsuites name="${id}"/>\n` },
  { name: 'closeout.md', content: `# ${id}\n` },
  { name: 'closeout.json', content: `${JSON.stringify({ runId: id })}\n` },
];

/** Each top-level file and each file in checks/, with its content ('-' where missing). */
function topOf(dir: string): Record<string, string> {
  const seen: Record<string, string> = {};
  for (const name of TOP) seen[name] = existsSync(path.join(dir, name)) ? readFileSync(path.join(dir, name), 'utf8') : '-';
  const checks = path.join(dir, 'checks');
  if (existsSync(checks)) for (const name of readdirSync(checks)) seen[`checks/${name}`] = readFileSync(path.join(checks, name), 'utf8');
  return seen;
}

const named = (name: string) => (_from: string, to: string) => path.basename(to) === name;
const staged = (dir: string) => readdirSync(dir).filter((name) => name.startsWith('.staging-'));

describe('a write that fails midway', () => {
  it('puts the previous run back when closeout.json cannot be renamed into place: no file of the new run is left on top', async () => {
    const dir = await preparedDir();
    expect(await writeReportFiles(dir, fullRun('r1', [{ name: 'checks/a.stdout.txt', content: 'old a\n' }]), redact)).toEqual({ ok: true });
    const before = topOf(dir);
    renameFaults.push(named('closeout.json'));
    const result = await writeReportFiles(dir, fullRun('r2', [{ name: 'checks/a.stdout.txt', content: 'new a\n' }, { name: 'checks/b.stdout.txt', content: 'new b\n' }]), redact);
    expect(renameFaults).toEqual([]);
    expect(result).toMatchObject({ ok: false });
    expect(topOf(dir)).toEqual(before);
    expect(before['closeout.md']).toBe('# r1\n');
    expect(staged(dir)).toEqual([]);
    expect(result).toEqual({ ok: false, message: `writing in ${dir} failed: EIO; the previous run's files are back in place` });
    // history/ holds no copy of the run that is on top again.
    expect(readdirSync(path.join(dir, 'history'))).toEqual([]);
    // The next write moves the previous run to history whole.
    expect(await writeReportFiles(dir, fullRun('r3', [{ name: 'checks/a.stdout.txt', content: 'r3 a\n' }]), redact)).toEqual({ ok: true });
    expect(topOf(path.join(dir, 'history', 'r1'))).toEqual(before);
    expect(topOf(dir)['closeout.json']).toContain('r3');
  });

  it('puts the previous checks/ back when the new one cannot be renamed into place', async () => {
    const dir = await preparedDir();
    expect(await writeReportFiles(dir, fullRun('r1', [{ name: 'checks/a.stdout.txt', content: 'old a\n' }]), redact)).toEqual({ ok: true });
    const before = topOf(dir);
    renameFaults.push((from, to) => path.basename(to) === 'checks' && path.basename(from).startsWith('.staging-'));
    const result = await writeReportFiles(dir, fullRun('r2', [{ name: 'checks/a.stdout.txt', content: 'new a\n' }]), redact);
    expect(renameFaults).toEqual([]);
    expect(result).toMatchObject({ ok: false });
    expect(topOf(dir)).toEqual(before);
    expect(staged(dir)).toEqual([]);
    expect(result).toEqual({ ok: false, message: `writing in ${dir} failed: EIO; the previous run's files are back in place` });
  });

  it('removes the new run’s files that were in place when there was no previous run', async () => {
    const dir = await preparedDir();
    renameFaults.push(named('closeout.json'));
    const result = await writeReportFiles(dir, fullRun('r1', [{ name: 'checks/a.stdout.txt', content: 'a\n' }]), redact);
    expect(renameFaults).toEqual([]);
    expect(result).toMatchObject({ ok: false });
    expect(topOf(dir)).toEqual({ 'run.log': '-', 'junit.xml': '-', 'closeout.md': '-', 'closeout.json': '-' });
    expect(existsSync(path.join(dir, 'checks'))).toBe(false);
    expect(staged(dir)).toEqual([]);
    expect(result).toEqual({ ok: false, message: `writing in ${dir} failed: EIO; there was no previous run, and the new run's files were removed` });
  });

  it('says which files are whose when putting the previous run back fails too', async () => {
    const dir = await preparedDir();
    expect(await writeReportFiles(dir, fullRun('r1', [{ name: 'checks/a.stdout.txt', content: 'old a\n' }]), redact)).toEqual({ ok: true });
    // closeout.json fails, then so does putting the previous closeout.md back.
    renameFaults.push(named('closeout.json'), named('closeout.md'));
    const result = await writeReportFiles(dir, fullRun('r2', [{ name: 'checks/a.stdout.txt', content: 'new a\n' }]), redact);
    expect(renameFaults).toEqual([]);
    expect(result).toMatchObject({ ok: false });
    const now = topOf(dir);
    expect(now).toEqual({ 'run.log': 'log r1\n', 'junit.xml': '<testsuites name="r1"/>\n', 'closeout.md': '# r2\n', 'closeout.json': '{"runId":"r1"}\n', 'checks/a.stdout.txt': 'old a\n' });
    expect(readFileSync(path.join(dir, 'history', 'r1', 'closeout.md'), 'utf8')).toBe('# r1\n');
    expect(staged(dir)).toEqual([]);
    expect(result).toEqual({
      ok: false,
      message:
        `writing in ${dir} failed: EIO; putting the previous run back failed too (closeout.md: EIO): ` +
        `closeout.md is the new run's, the rest the previous run's, whose copies are in ${path.join(dir, 'history', 'r1')}`,
    });
  });
});
