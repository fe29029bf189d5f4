import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { makeCheck, makeGate } from './gate-fixture.js';
import { runGateIn, withTempDir } from './run-gate-fixture.js';

/** Removals of the run's scratch folder (`gate-run-*` in the temp dir) fail with EACCES while set. */
const scratchStuck = vi.hoisted(() => ({ on: false, tried: 0 }));
vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs')>();
  const rmSync = (target: Parameters<typeof real.rmSync>[0], options?: Parameters<typeof real.rmSync>[1]) => {
    if (scratchStuck.on && path.basename(String(target)).startsWith('gate-run-')) {
      scratchStuck.tried += 1;
      throw Object.assign(new Error(`EACCES: permission denied, rm '${String(target)}'`), { code: 'EACCES' });
    }
    return real.rmSync(target, options);
  };
  return { ...real, rmSync, default: { ...real, rmSync } };
});

/** The secret scan of the written report throws once while set (a file gone between its look and its read, say). */
const sealThrows = vi.hoisted(() => ({ on: false }));
vi.mock('../../src/report/seal.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/report/seal.js')>();
  return {
    ...real,
    sealReport: (...args: Parameters<typeof real.sealReport>) => {
      if (!sealThrows.on) return real.sealReport(...args);
      sealThrows.on = false;
      return Promise.reject(Object.assign(new Error('ENOENT: no such file or directory'), { code: 'ENOENT' }));
    },
  };
});

const root = mkdtempSync(path.join(os.tmpdir(), 'gate-run-end-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
afterEach(() => {
  scratchStuck.on = false;
  sealThrows.on = false;
});

const gateIn = (dir: string) => makeGate([makeCheck('a', { run: [process.execPath, '-e', 'console.log("{}")'], output: 'text', cwd: dir })], { projectRoot: dir });

describe('the end of a run', () => {
  it('a scratch folder that cannot be removed costs no report: the run is written whole', async () => {
    const dir = path.join(root, 'stuck');
    mkdirSync(dir);
    // The run's scratch folder goes where this test can remove what is left of it.
    scratchStuck.on = true;
    await withTempDir(async (scratch) => {
      const run = await runGateIn(dir, gateIn(dir));
      expect(readdirSync(scratch)).toHaveLength(1);
      expect(scratchStuck.tried).toBeGreaterThan(0);
      expect(run).toMatchObject({ written: true, report: { decision: 'GO' } });
      expect(run.writeError).toBeUndefined();
      for (const name of ['closeout.json', 'closeout.md', 'junit.xml', 'run.log', 'checks/a.stdout.txt']) expect(existsSync(path.join(run.reportDir, name)), name).toBe(true);
      // What is left can go once removals are no longer refused.
      scratchStuck.on = false;
    });
  });

  it('a run that throws after its report is written has pruned history by then: the caller releases the lock after it', async () => {
    const dir = path.join(root, 'pruned');
    mkdirSync(dir);
    const history = path.join(dir, 'reports', 'history');
    const old = Array.from({ length: 21 }, (_, i) => `20000101T0000${String(i).padStart(2, '0')}Z-old`);
    const gate = gateIn(dir);
    // A first run makes the report dir its own; then 21 old runs, one too many already.
    expect((await runGateIn(dir, gate)).written).toBe(true);
    for (const id of old) {
      mkdirSync(path.join(history, id, 'checks'), { recursive: true });
      writeFileSync(path.join(history, id, 'closeout.json'), '{}\n');
    }
    sealThrows.on = true;
    await expect(runGateIn(dir, gate)).rejects.toThrow('ENOENT');
    // The run before joined history; the two oldest are gone, with nothing of the pruning left under way.
    const kept = readdirSync(history).sort();
    expect(kept).toHaveLength(20);
    expect(kept.slice(0, 19)).toEqual(old.slice(2));
  });
});
