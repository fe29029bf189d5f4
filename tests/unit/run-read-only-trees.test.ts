import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { makeCheck, makeGate } from './gate-fixture.js';
import { runGateIn, withTempDir } from './run-gate-fixture.js';

/**
 * The tests run as root in CI, where permission bits stop no removal: while `asUser.on`, removals fail
 * as they do for any other user. A tree holding a folder with something in it and without its owner's
 * read, write and execute permission is refused with EACCES (nothing of it removed), until that folder
 * is given them back. Folders in `asUser.foreign` belong to another user: their owner is someone else,
 * and chmod on them fails with EPERM.
 */
const asUser = vi.hoisted(() => {
  type Fs = typeof import('node:fs');
  const state = {
    on: false,
    foreign: new Set<string>(),
    /** Why removing `target` is refused, if it is: the first entry of a locked folder in the tree, never through a link. */
    refusal(fs: Fs, target: string): NodeJS.ErrnoException | undefined {
      if (!state.on) return undefined;
      const folders = [target];
      while (folders.length > 0) {
        const dir = folders.pop()!;
        const info = fs.lstatSync(dir, { throwIfNoEntry: false });
        if (!info?.isDirectory()) continue;
        const names = fs.readdirSync(dir);
        if (names.length > 0 && (info.mode & 0o700) !== 0o700) {
          const file = `${dir}/${names[0]}`;
          return Object.assign(new Error(`EACCES: permission denied, unlink '${file}'`), { code: 'EACCES', errno: -13, syscall: 'unlink', path: file });
        }
        for (const name of names) folders.push(`${dir}/${name}`);
      }
      return undefined;
    },
  };
  return state;
});

vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs')>();
  const rmSync = (target: Parameters<typeof real.rmSync>[0], options?: Parameters<typeof real.rmSync>[1]) => {
    const refused = asUser.refusal(real, String(target));
    if (refused) throw refused;
    return real.rmSync(target, options);
  };
  const chmodSync = (target: Parameters<typeof real.chmodSync>[0], mode: Parameters<typeof real.chmodSync>[1]) => {
    if (asUser.on && asUser.foreign.has(String(target))) {
      throw Object.assign(new Error(`EPERM: operation not permitted, chmod '${String(target)}'`), { code: 'EPERM', syscall: 'chmod', path: String(target) });
    }
    return real.chmodSync(target, mode);
  };
  // Another user's folder: lstat shows another owner.
  const lstatSync = ((target: Parameters<typeof real.lstatSync>[0], options?: Parameters<typeof real.lstatSync>[1]) => {
    const info = real.lstatSync(target, options);
    if (info && asUser.on && asUser.foreign.has(String(target))) info.uid = Number(info.uid) + 1;
    return info;
  }) as typeof real.lstatSync;
  return { ...real, rmSync, chmodSync, lstatSync, default: { ...real, rmSync, chmodSync, lstatSync } };
});
// A check's own folder is emptied through the thread pool (`rm` of fs/promises): the same refusals reach it.
vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  const fs = await vi.importActual<typeof import('node:fs')>('node:fs');
  const rm = async (target: Parameters<typeof real.rm>[0], options?: Parameters<typeof real.rm>[1]) => {
    const refused = asUser.refusal(fs, String(target));
    if (refused) throw refused;
    return real.rm(target, options);
  };
  return { ...real, rm, default: { ...real, rm } };
});

const root = mkdtempSync(path.join(os.tmpdir(), 'gate-read-only-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
afterEach(() => {
  asUser.on = false;
  asUser.foreign.clear();
});

const shell = (dir: string, script: string) => makeGate([makeCheck('a', { run: ['sh', '-c', script], output: 'text', cwd: dir })], { projectRoot: dir });

/** A read-only folder outside the run's trees, holding a file: what a link a check plants points to. */
function outsideFolder(dir: string): string {
  const outside = path.join(dir, 'outside');
  mkdirSync(outside);
  writeFileSync(path.join(outside, 'keep'), 'keep\n');
  chmodSync(outside, 0o555);
  return outside;
}

const modeOf = (file: string) => lstatSync(file).mode & 0o7777;

describe('trees a check made read-only', () => {
  it('the scratch folder goes whole, links in it neither followed nor changed, and the report is written', async () => {
    const dir = path.join(root, 'scratch');
    mkdirSync(dir);
    const outside = outsideFolder(dir);
    // The run's scratch folder goes where this test can see what is left of it.
    asUser.on = true;
    await withTempDir(async (tmp) => {
      const script = `D=$(dirname "$GATE_EVIDENCE_FILE"); mkdir -p "$D/ro/sub" && touch "$D/ro/sub/f" && ln -s '${outside}' "$D/ro/link" && chmod 555 "$D/ro/sub" "$D/ro"`;
      const run = await runGateIn(dir, shell(dir, script));
      expect(run).toMatchObject({ written: true, report: { decision: 'GO' } });
      expect(run.writeError).toBeUndefined();
      for (const name of ['closeout.json', 'run.log', 'checks/a.stdout.txt']) expect(existsSync(path.join(run.reportDir, name)), name).toBe(true);
      expect(readdirSync(tmp)).toEqual([]);
      expect(modeOf(outside)).toBe(0o555);
      expect(readdirSync(outside)).toEqual(['keep']);
      asUser.on = false;
    });
  });

  it('a check whose folder holds a read-only folder from its last run runs normally, in its folder emptied', async () => {
    const dir = path.join(root, 'work');
    mkdirSync(dir);
    asUser.on = true;
    // Passes only in an empty folder; leaves a read-only folder with a file in it.
    const gate = shell(dir, 'test -z "$(ls -A "$GATE_WORK_DIR")" && mkdir -p "$GATE_WORK_DIR/ro/sub" && touch "$GATE_WORK_DIR/ro/sub/f" && chmod 555 "$GATE_WORK_DIR/ro/sub" "$GATE_WORK_DIR/ro"');
    expect((await runGateIn(dir, gate)).report.checks[0]).toMatchObject({ status: 'pass' });
    const second = await runGateIn(dir, gate);
    expect(second.report.checks[0]).toMatchObject({ status: 'pass', attempts: 1 });
    expect(second.report.decision).toBe('GO');
  });

  it('a link in the check folder to a read-only folder outside is removed as a link: its target is neither followed nor changed', async () => {
    const dir = path.join(root, 'link');
    mkdirSync(dir);
    const outside = outsideFolder(dir);
    asUser.on = true;
    const gate = shell(dir, `test -z "$(ls -A "$GATE_WORK_DIR")" && mkdir "$GATE_WORK_DIR/ro" && ln -s '${outside}' "$GATE_WORK_DIR/ro/link" && ln -s '${outside}' "$GATE_WORK_DIR/top" && chmod 555 "$GATE_WORK_DIR/ro"`);
    expect((await runGateIn(dir, gate)).report.checks[0]).toMatchObject({ status: 'pass' });
    const second = await runGateIn(dir, gate);
    expect(second.report.checks[0]).toMatchObject({ status: 'pass' });
    expect(modeOf(outside)).toBe(0o555);
    expect(readdirSync(outside)).toEqual(['keep']);
  });

  it('a folder gate cannot make writable (another user’s) gives the check a reason naming it, not an internal error', async () => {
    const dir = path.join(root, 'foreign');
    mkdirSync(dir);
    const gate = shell(dir, 'mkdir -p "$GATE_WORK_DIR/theirs" && touch "$GATE_WORK_DIR/theirs/f" && chmod 555 "$GATE_WORK_DIR/theirs"');
    expect((await runGateIn(dir, gate)).report.checks[0]).toMatchObject({ status: 'pass' });
    const theirs = path.join(dir, 'work', 'a', 'theirs');
    asUser.on = true;
    asUser.foreign.add(theirs);
    const second = await runGateIn(dir, gate);
    const check = second.report.checks[0]!;
    expect(check).toMatchObject({ status: 'error', reasonCode: 'not-startable', attempts: 0 });
    expect(check.reason).not.toContain('internal error');
    expect(check.reason).toContain('EACCES');
    expect(check.reason).toContain('could not be emptied');
    expect(check.reason).toContain(path.join(dir, 'work', 'a'));
    expect(second.report.decision).toBe('NO-GO');
    // Nothing of another user's was changed.
    expect(modeOf(theirs)).toBe(0o555);
  });
});
