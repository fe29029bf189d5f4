/**
 * The one writer of report files.
 *
 * A run's files are first written under staging names in the report dir
 * (`.staging-<pid>-<time>-closeout.json`, and the checks' files in a
 * `.staging-<pid>-<time>-checks/` folder). The previous run then moves to
 * `history/<runId>/`: its `checks/` folder in one rename, its top-level files
 * hard-linked (they are replaced next, so they survive in history). The new
 * `checks/` folder takes its place in one rename, and each top-level file is
 * renamed over the old one, `closeout.json` last. A reader never sees half a
 * file, and a run killed at any point leaves a readable `closeout.json`: the
 * old one until the very last rename (killed between the two renames of
 * `checks/`, the old run's output files are in `history/<runId>/checks/`
 * only).
 *
 * A write that fails (a full disk, a file that cannot be replaced) with some
 * of the new run's files in place but not `closeout.json` puts the previous
 * run back, so the top of the report dir is one run's, never two: each new
 * file is replaced by the previous run's copy in history (its hard link), or
 * removed where that run had none or there was no previous run; the new
 * `checks/` goes back to its staging name and the previous one returns from
 * history. This is best effort: the message names the first error and what
 * the dir holds after, including which files are still the new run's if
 * putting one back failed too. A write that fails after `closeout.json` is in
 * place (its fsync) leaves the new run whole. Pruning old runs from history
 * (`pruneHistory`, once the new run is in place) is best effort: one that
 * cannot be removed is no failure, and is tried again after the next write.
 *
 * Nothing is staged in a folder of its own, and the run's scratch folder is
 * removed before the first fsync (src/run/run-gate.ts): on some disks
 * (ext4 mounted with `discard`, as on the benchmark's machine) removing a file
 * or folder whose blocks an fsync has put on disk waits about 1.2 ms for the
 * disk, where one that never reached it is gone in microseconds.
 *
 * The top-level files are fsynced before their rename, and the folders after:
 * `closeout.json` on disk means the run's verdict is. The checks' output files
 * are not fsynced one by one (hundreds of them cost more than the rest of the
 * write); `closeout.json` holds each one's size and sha256, so a file cut short
 * by a power loss right after a run shows as such.
 *
 * Every step is taken in place (the synchronous calls), not through the
 * thread pool: gate writes once every check has ended, when nothing else waits
 * on the event loop, and a round trip through the pool costs more than most of
 * these calls (200 checks' 400 output files: about 16 ms written one after the
 * other, about 45 ms sixteen at a time on the pool, on a disk where creating a
 * file is slow; the files of a folder are made one at a time by the file
 * system anyway).
 *
 * gate writes only into report dirs it made (or found empty): it marks them,
 * and refuses a non-empty folder without its mark rather than moving or
 * pruning someone else's files. It never writes through a symbolic link: a
 * link planted among the report's files or folders (by a check, which knows
 * the report dir) is refused, before any check runs and again before writing.
 * Nor does it write into a report dir that is no longer the folder it
 * prepared (replaced by a link or another folder, or removed, while the
 * checks ran): that is refused too, and never recreated.
 */
import { accessSync, closeSync, constants, fsyncSync, linkSync, lstatSync, mkdirSync, openSync, readdirSync, renameSync, rm, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ensureDirSync } from '../util/ensure-dir.js';
import { orUndefined } from '../util/or-undefined.js';
import { readRegularText } from '../util/read-regular.js';
import { preparedDirChanged, rememberPreparedDir } from '../util/prepared-dir.js';
import { maskFile, type Masking } from './redact.js';

/** The files at the top of a report dir that make up one run; `closeout.json` goes last. */
export const RUN_FILES = ['run.log', 'junit.xml', 'closeout.md', 'closeout.json'];
export const CHECKS_DIR = 'checks';
export const HISTORY_DIR = 'history';
const MARKER = '.gate-report-dir';
export const DEFAULT_HISTORY = 20;

export interface ReportFile {
  /** Relative to the report dir. */
  name: string;
  content: string;
}

export type WriteResult = { ok: true } | { ok: false; message: string };

const errno = (error: unknown) => (error as NodeJS.ErrnoException).code ?? (error as Error).message;

/** Asked in place, not through the thread pool: there are dozens of names to look at, each answered at once. */
const isLink = (file: string) => {
  try {
    return lstatSync(file).isSymbolicLink();
  } catch {
    return false;
  }
};

const entriesInPlace = (dir: string) => orUndefined(() => readdirSync(dir)) ?? [];

/**
 * The first symbolic link among what gate reads, writes, moves or prunes in a
 * report dir: its mark, the run's files, `checks/`, `history/`, each run folder
 * in it and its `checks/`. What is inside `checks/` is never written through:
 * the folder moves to history whole and a new one takes its place.
 */
function plantedLink(dir: string): string | undefined {
  const candidates = [MARKER, ...RUN_FILES, CHECKS_DIR, HISTORY_DIR].map((n) => path.join(dir, n));
  for (const file of candidates) if (isLink(file)) return file;
  const runs = entriesInPlace(path.join(dir, HISTORY_DIR)).map((n) => path.join(dir, HISTORY_DIR, n));
  for (const file of [...runs, ...runs.map((r) => path.join(r, CHECKS_DIR))]) if (isLink(file)) return file;
  return undefined;
}

const linkRefused = (link: string) => `${link} is a symbolic link; gate never writes through links (remove it, or choose another --report-dir)`;

/**
 * Makes sure the report dir is gate's and can be written, before any check runs. In place, not on
 * the thread pool: nothing else is under way yet, and each round trip would cost more than the call.
 */
export async function prepareReportDir(dir: string): Promise<WriteResult> {
  try {
    const info = orUndefined(() => lstatSync(dir));
    if (info?.isSymbolicLink()) return { ok: false, message: `report dir ${dir} is a symlink; gate does not write through links` };
    if (info && !info.isDirectory()) return { ok: false, message: `report dir ${dir} exists and is not a directory` };
    ensureDirSync(dir);
    accessSync(dir, constants.W_OK | constants.X_OK);
    const entries = readdirSync(dir);
    if (entries.length > 0 && !entries.includes(MARKER)) {
      return { ok: false, message: `report dir ${dir} is not empty and was not made by gate; gate writes only into folders it made (choose another --report-dir)` };
    }
    const link = plantedLink(dir);
    if (link) return { ok: false, message: linkRefused(link) };
    // Made once, never rewritten: a write must not follow whatever might sit at that name.
    if (!entries.includes(MARKER)) {
      writeFileSync(path.join(dir, MARKER), 'This folder holds gate closeout reports; gate moves and prunes what is in it.\n', { flag: 'wx' });
    }
    // What the folder is now: before writing, gate makes sure it still is.
    const changed = await rememberPreparedDir(dir, 'report dir');
    return changed ? { ok: false, message: changed.message } : { ok: true };
  } catch (error) {
    return { ok: false, message: `report dir ${dir} is not writable: ${errno(error)}` };
  }
}

/**
 * Why the report dir is no longer the folder gate prepared (undefined while it
 * is): a check may have removed it or put a link or another folder in its place.
 */
export async function reportDirChanged(dir: string): Promise<string | undefined> {
  const changed = await preparedDirChanged(dir, 'report dir', MARKER);
  return changed && `${changed.message}; gate writes only into the folder it prepared (it never makes a new one), so it wrote nothing there`;
}

function previousRunId(dir: string): string {
  try {
    const previous = JSON.parse(readRegularText(path.join(dir, 'closeout.json')) ?? 'null') as { runId?: unknown } | null;
    if (typeof previous?.runId === 'string' && /^[\w.-]+$/.test(previous.runId)) return previous.runId;
  } catch {
    // no readable previous report
  }
  return `unknown-${Date.now()}`;
}

/** A new file (`wx`: never through whatever sits at the name) with its content on disk, fsynced, before the call returns. */
function writeSynced(file: string, content: string): void {
  const fd = openSync(file, 'wx');
  try {
    writeFileSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Where the previous run went, filled in as it moves: what a failed write puts back. */
interface Moved {
  /** Its folder in history/ (unset while there was no previous run). */
  folder?: string;
  /** Whether this write made that folder. */
  made: boolean;
  /** Its top-level files, hard-linked into the folder. */
  files: string[];
  /** Whether its `checks/` folder was renamed into the folder. */
  checks: boolean;
}

/**
 * Moves the run now at the top of the report dir into history/<runId>/: its
 * `checks/` folder in one rename, its top-level files as hard links (they stay
 * in place until the new ones replace them).
 */
function moveToHistory(dir: string, moved: Moved): void {
  const top = readdirSync(dir).filter((n) => RUN_FILES.includes(n));
  const checks = orUndefined(() => lstatSync(path.join(dir, CHECKS_DIR)).isDirectory()) ?? false;
  if (top.length === 0 && !checks) return;
  ensureDirSync(path.join(dir, HISTORY_DIR));
  const id = previousRunId(dir);
  let target = path.join(dir, HISTORY_DIR, id);
  // A run killed after it moved the checks' files keeps that folder: the rest joins it.
  for (let n = 2; ; n += 1) {
    if (made(target)) {
      moved.made = true;
      break;
    }
    const has = orUndefined(() => lstatSync(path.join(target, CHECKS_DIR))) !== undefined;
    if (!(checks && has)) break;
    target = path.join(dir, HISTORY_DIR, `${id}.${n}`);
  }
  moved.folder = target;
  for (const name of top) {
    unlessExists(() => linkSync(path.join(dir, name), path.join(target, name)));
    moved.files.push(name);
  }
  if (checks) {
    renameSync(path.join(dir, CHECKS_DIR), path.join(target, CHECKS_DIR));
    moved.checks = true;
  }
}

/** Whether `mkdir` made the folder (false: it was there); throws any other error. */
function made(folder: string): boolean {
  return unlessExists(() => mkdirSync(folder)) !== 'EEXIST';
}

/** Runs `call`; an EEXIST it throws is returned as such, any other error thrown. */
function unlessExists(call: () => unknown): 'EEXIST' | undefined {
  try {
    call();
    return undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return 'EEXIST';
  }
}

/**
 * After a failed write, makes the top of the report dir the previous run's
 * again: each of the new run's files in place is replaced by the previous
 * run's copy in history (or removed, where that run had none), the new
 * `checks/` goes back to its staging name and the previous one returns
 * from history. `placed` lists the new run's files in place, in the order they
 * were put there. Best effort: it goes on past a failure, and returns what
 * failed and the new run's files still in place.
 */
function putBack(dir: string, staging: string, moved: Moved, placed: string[]): { failed: string[]; left: string[] } {
  const failed: string[] = [];
  const left: string[] = [];
  const attempt = (name: string, step: () => unknown) => {
    try {
      step();
      return true;
    } catch (error) {
      failed.push(`${name}: ${errno(error)}`);
      return false;
    }
  };
  for (const name of [...placed].reverse()) {
    const target = path.join(dir, name);
    let done: boolean;
    if (name === CHECKS_DIR) {
      // Moved aside whole (never emptied in place), then the previous one back.
      done = attempt(name, () => renameSync(target, `${staging}${CHECKS_DIR}`));
    } else if (moved.folder && moved.files.includes(name)) {
      // A second link beside the new file, renamed over it: the copy in history stays until all is back.
      const copy = `${staging}previous-${name}`;
      done = attempt(name, () => {
        linkSync(path.join(moved.folder!, name), copy);
        renameSync(copy, target);
      });
    } else {
      done = attempt(name, () => rmSync(target, { force: true }));
    }
    if (!done) left.push(name);
  }
  if (moved.folder && moved.checks && !left.includes(CHECKS_DIR)) {
    if (attempt(CHECKS_DIR, () => renameSync(path.join(moved.folder!, CHECKS_DIR), path.join(dir, CHECKS_DIR)))) moved.checks = false;
  }
  // A history folder this write made holds only links to what is on top again.
  if (moved.folder && moved.made && failed.length === 0) orUndefined(() => rmSync(moved.folder!, { recursive: true, force: true }));
  orUndefined(() => fsyncDir(dir));
  return { failed, left: left.reverse() };
}

/** What a failed write left in the report dir, for its message; puts the previous run back first where need be. */
function afterFailure(dir: string, staging: string, moved: Moved, placed: string[], complete: boolean): string {
  if (complete) return "the new run's files are all in place";
  const touched = placed.length > 0 || moved.checks;
  if (!touched && !moved.folder) return 'no file of the new run was put in place';
  const { failed, left } = putBack(dir, staging, moved, placed);
  if (failed.length === 0) {
    if (!moved.folder) return "there was no previous run, and the new run's files were removed";
    return touched ? "the previous run's files are back in place" : "the previous run's files are unchanged";
  }
  const whose = left.length > 0 ? `${left.join(', ')} ${left.length === 1 ? 'is' : 'are'} the new run's, the rest the previous run's` : "the new run's files are gone";
  const copies = moved.folder ? `, whose copies are in ${moved.folder}` : '';
  return `putting the previous run back failed too (${failed.join('; ')}): ${whose}${copies}`;
}

/**
 * The runs in a history/ folder, oldest first: by name, which is the run's id (src/run/run-gate.ts
 * `newRunId`: its start to the millisecond, then a random part), so the order they started in. Not
 * by any time the file system keeps: a folder's times change when anything in it does (an editor's
 * swap file next to a report read in history/ would make that run the newest).
 */
export function oldestFirst(history: string): string[] {
  return entriesInPlace(history).sort();
}

/**
 * Keeps only the newest `keep` runs in history/, once a write has put a new
 * run in place. Best effort, and never rejects: an old run that cannot be
 * removed now is tried again after the next write. The removals go through
 * the thread pool, so that gate's last steps (checking the report for secrets,
 * the summary) go on meanwhile: each removed file and folder was fsynced by
 * the run that wrote it, and waits for the disk (see above), not for the CPU.
 * Await it before the report dir's lock is released.
 */
export async function pruneHistory(dir: string, keep = DEFAULT_HISTORY): Promise<void> {
  const runs = oldestFirst(path.join(dir, HISTORY_DIR));
  const old = runs.slice(0, Math.max(0, runs.length - keep));
  await Promise.all(old.map((name) => new Promise<void>((resolve) => rm(path.join(dir, HISTORY_DIR, name), { recursive: true, force: true }, () => resolve()))));
}

/**
 * Replaces files of the run just written, in place (nothing moves to
 * history): each is written to a temp file beside it, fsynced and renamed over
 * the old one. `remove` names files to delete instead.
 */
export async function replaceReportFiles(dir: string, files: ReportFile[], remove: string[] = []): Promise<WriteResult> {
  try {
    const changed = await reportDirChanged(dir);
    if (changed) return { ok: false, message: `could not rewrite the report: ${changed}` };
    const link = plantedLink(dir);
    if (link) return { ok: false, message: `could not rewrite the report: ${linkRefused(link)}` };
    for (const file of files) {
      const target = path.join(dir, file.name);
      const temp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.tmp`);
      rmSync(temp, { force: true });
      writeSynced(temp, file.content);
      renameSync(temp, target);
    }
    for (const name of remove) rmSync(path.join(dir, name), { force: true });
    fsyncDir(path.join(dir, CHECKS_DIR));
    fsyncDir(dir);
    return { ok: true };
  } catch (error) {
    return { ok: false, message: `could not rewrite the report in ${dir}: ${errno(error)}` };
  }
}

function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes a run's files; `redact` masks secrets in every one of them on the way out (the JSON gate renders
 * itself as such: see `Masking.json`). History is pruned apart (`pruneHistory`).
 */
export async function writeReportFiles(dir: string, files: ReportFile[], redact: Masking): Promise<WriteResult> {
  // Checked before anything is made in it: a removed report dir is not recreated.
  const changed = await reportDirChanged(dir);
  if (changed) return { ok: false, message: changed };
  /** Each file's and the checks' folder's name while staged: this prefix and the name (`checks/` as `<prefix>checks/`). */
  const staging = path.join(dir, `.staging-${process.pid}-${Date.now()}-`);
  const staged = (name: string) => (name.startsWith(`${CHECKS_DIR}/`) ? `${staging}${name}` : `${staging}${name.replaceAll('/', '-')}`);
  const moved: Moved = { made: false, files: [], checks: false };
  /** The new run's files now in place (`checks/` first), and whether all are. */
  const placed: string[] = [];
  let complete = false;
  try {
    const planted = plantedLink(dir);
    if (planted) return { ok: false, message: linkRefused(planted) };
    // Staged files and folders left by a run that was killed midway (the lock is held, so none is in use).
    for (const name of readdirSync(dir)) if (name.startsWith('.staging-')) rmSync(path.join(dir, name), { recursive: true, force: true });
    mkdirSync(`${staging}${CHECKS_DIR}`);
    const top = files.filter((f) => RUN_FILES.includes(f.name));
    const perCheck = files.filter((f) => !RUN_FILES.includes(f.name));
    for (const folder of [...new Set(perCheck.map((f) => path.dirname(staged(f.name))))]) ensureDirSync(folder);
    for (const file of perCheck) writeFileSync(staged(file.name), maskFile(redact, file.name, file.content), { flag: 'wx' });
    for (const file of top) writeSynced(staged(file.name), maskFile(redact, file.name, file.content));
    fsyncDir(`${staging}${CHECKS_DIR}`);
    // Again before the previous run's files move: staging big outputs takes time.
    const stillChanged = await reportDirChanged(dir);
    if (stillChanged) return { ok: false, message: stillChanged };
    moveToHistory(dir, moved);
    // The checks' files in one move, then the run's own files in order, closeout.json last.
    renameSync(`${staging}${CHECKS_DIR}`, path.join(dir, CHECKS_DIR));
    placed.push(CHECKS_DIR);
    for (const file of RUN_FILES.flatMap((n) => top.filter((f) => f.name === n))) {
      renameSync(staged(file.name), path.join(dir, file.name));
      placed.push(file.name);
    }
    complete = true;
    fsyncDir(dir);
    return { ok: true };
  } catch (error) {
    // Some of the new run's files in place but not closeout.json: the previous run's go back.
    let state: string;
    try {
      state = afterFailure(dir, staging, moved, placed, complete);
    } catch (failure) {
      state = `what it left is unknown (${errno(failure)})`;
    }
    return { ok: false, message: `writing in ${dir} failed: ${errno(error)}; ${state}` };
  } finally {
    // Nothing is left staged unless the write failed midway; in place, as the rest.
    if (!complete) {
      for (const name of entriesInPlace(dir)) {
        if (!path.join(dir, name).startsWith(staging)) continue;
        try {
          rmSync(path.join(dir, name), { recursive: true, force: true });
        } catch {
          // best effort: the next write removes what is left staged
        }
      }
    }
  }
}
