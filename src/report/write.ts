/**
 * The one writer of report files.
 *
 * A run's files are first written, fsynced, into a staging folder inside the
 * report dir. The previous run's files are then hard-linked into
 * `history/<runId>/` (so they survive being replaced), and each new file is
 * renamed over the old one, `closeout.json` last. A reader never sees half a
 * file, and a run killed at any point leaves a readable `closeout.json`: the
 * old one until the very last rename.
 *
 * gate writes only into report dirs it made (or found empty): it marks them,
 * and refuses a non-empty folder without its mark rather than moving or
 * pruning someone else's files.
 */
import { constants } from 'node:fs';
import { access, link, lstat, open, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { ensureDir } from '../util/ensure-dir.js';

/** The files at the top of a report dir that make up one run; `closeout.json` goes last. */
const RUN_FILES = ['run.log', 'junit.xml', 'closeout.md', 'closeout.json'];
const CHECKS_DIR = 'checks';
const MARKER = '.gate-report-dir';
export const DEFAULT_HISTORY = 20;

export interface ReportFile {
  /** Relative to the report dir. */
  name: string;
  content: string;
}

export type WriteResult = { ok: true } | { ok: false; message: string };

const errno = (error: unknown) => (error as NodeJS.ErrnoException).code ?? (error as Error).message;

/** Makes sure the report dir is gate's and can be written, before any check runs. */
export async function prepareReportDir(dir: string): Promise<WriteResult> {
  try {
    const info = await lstat(dir).catch(() => undefined);
    if (info?.isSymbolicLink()) return { ok: false, message: `report dir ${dir} is a symlink; gate does not write through links` };
    if (info && !info.isDirectory()) return { ok: false, message: `report dir ${dir} exists and is not a directory` };
    await ensureDir(dir);
    await access(dir, constants.W_OK | constants.X_OK);
    const entries = await readdir(dir);
    if (entries.length > 0 && !entries.includes(MARKER)) {
      return { ok: false, message: `report dir ${dir} is not empty and was not made by gate; gate writes only into folders it made (choose another --report-dir)` };
    }
    await writeFile(path.join(dir, MARKER), 'This folder holds gate closeout reports; gate moves and prunes what is in it.\n');
    return { ok: true };
  } catch (error) {
    return { ok: false, message: `report dir ${dir} is not writable: ${errno(error)}` };
  }
}

async function previousRunId(dir: string): Promise<string> {
  try {
    const previous = JSON.parse(await readFile(path.join(dir, 'closeout.json'), 'utf8')) as { runId?: unknown };
    if (typeof previous.runId === 'string' && /^[\w.-]+$/.test(previous.runId)) return previous.runId;
  } catch {
    // no readable previous report
  }
  return `unknown-${Date.now()}`;
}

async function exists(file: string): Promise<boolean> {
  return lstat(file).then(
    () => true,
    () => false,
  );
}

/** Hard-links the current top-level run into history/<runId>/, then keeps only the newest `keep` runs. */
async function keepPrevious(dir: string, keep: number): Promise<void> {
  const top = (await readdir(dir)).filter((n) => RUN_FILES.includes(n));
  const checks = (await readdir(path.join(dir, CHECKS_DIR)).catch(() => [])).map((n) => path.join(CHECKS_DIR, n));
  if (top.length === 0 && checks.length === 0) return;
  const target = path.join(dir, 'history', await previousRunId(dir));
  await ensureDir(path.join(target, CHECKS_DIR));
  for (const name of [...top, ...checks]) {
    if (!(await exists(path.join(target, name)))) await link(path.join(dir, name), path.join(target, name));
  }
  const runs = (await readdir(path.join(dir, 'history'))).sort();
  for (const old of runs.slice(0, Math.max(0, runs.length - keep))) {
    await rm(path.join(dir, 'history', old), { recursive: true, force: true });
  }
}

async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes a run's files; `redact` masks secrets in every one of them on the way out. */
export async function writeReportFiles(
  dir: string,
  files: ReportFile[],
  redact: (text: string) => string,
  keepHistory = DEFAULT_HISTORY,
): Promise<WriteResult> {
  const staging = path.join(dir, `.staging-${process.pid}-${Date.now()}`);
  try {
    // Staging left by a run that was killed midway (the lock is held, so none is in use).
    for (const name of await readdir(dir)) if (name.startsWith('.staging-')) await rm(path.join(dir, name), { recursive: true, force: true });
    for (const file of files) {
      const target = path.join(staging, file.name);
      await ensureDir(path.dirname(target));
      await writeFileAtomic(target, redact(file.content), { fsync: true });
    }
    await keepPrevious(dir, keepHistory);
    await ensureDir(path.join(dir, CHECKS_DIR));
    const staged = new Set(files.map((f) => f.name));
    // Output of checks the previous run had and this one has not: it is in history now.
    for (const old of await readdir(path.join(dir, CHECKS_DIR))) {
      if (!staged.has(path.join(CHECKS_DIR, old))) await rm(path.join(dir, CHECKS_DIR, old), { force: true });
    }
    const order = [...files.filter((f) => !RUN_FILES.includes(f.name)), ...RUN_FILES.flatMap((n) => files.filter((f) => f.name === n))];
    for (const file of order) await rename(path.join(staging, file.name), path.join(dir, file.name));
    await fsyncDir(path.join(dir, CHECKS_DIR));
    await fsyncDir(dir);
    return { ok: true };
  } catch (error) {
    return { ok: false, message: `could not write the report in ${dir}: ${errno(error)}` };
  } finally {
    await rm(staging, { recursive: true, force: true }).catch(() => undefined);
  }
}
