/**
 * The one writer of report files. Every file is written atomically (temp file,
 * fsync, rename, by write-file-atomic), so a reader never sees half a file and a
 * run killed midway leaves the previous report readable. The previous run's
 * files move to `history/<runId>/` first.
 */
import { constants } from 'node:fs';
import { access, lstat, mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import writeFileAtomic from 'write-file-atomic';

/** The files at the top of a report dir that make up one run. */
const RUN_SET = ['closeout.json', 'closeout.md', 'junit.xml', 'run.log', 'checks'];
export const DEFAULT_HISTORY = 20;

export interface ReportFile {
  /** Relative to the report dir. */
  name: string;
  content: string;
}

/** Makes sure the report dir can be written, before any check runs. */
export async function prepareReportDir(dir: string): Promise<{ ok: true } | { ok: false; message: string }> {
  try {
    const info = await lstat(dir).catch(() => undefined);
    if (info?.isSymbolicLink()) return { ok: false, message: `report dir ${dir} is a symlink; gate does not write through links` };
    if (info && !info.isDirectory()) return { ok: false, message: `report dir ${dir} exists and is not a directory` };
    await mkdir(dir, { recursive: true });
    await access(dir, constants.W_OK | constants.X_OK);
    return { ok: true };
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    return { ok: false, message: `report dir ${dir} is not writable: ${e.code ?? e.message}` };
  }
}

async function previousRunId(dir: string): Promise<string | undefined> {
  try {
    const previous = JSON.parse(await readFile(path.join(dir, 'closeout.json'), 'utf8')) as { runId?: unknown };
    return typeof previous.runId === 'string' && /^[\w.-]+$/.test(previous.runId) ? previous.runId : undefined;
  } catch {
    return undefined;
  }
}

async function moveToHistory(dir: string, keep: number): Promise<void> {
  const present = (await readdir(dir)).filter((name) => RUN_SET.includes(name));
  if (present.length === 0) return;
  const id = (await previousRunId(dir)) ?? `unknown-${Date.now()}`;
  const target = path.join(dir, 'history', id);
  await mkdir(target, { recursive: true });
  for (const name of present) await rename(path.join(dir, name), path.join(target, name));
  const runs = (await readdir(path.join(dir, 'history'))).sort();
  for (const old of runs.slice(0, Math.max(0, runs.length - keep))) {
    await rm(path.join(dir, 'history', old), { recursive: true, force: true });
  }
}

/** Writes a run's files; `redact` masks secrets in every one of them on the way out. */
export async function writeReportFiles(dir: string, files: ReportFile[], redact: (text: string) => string, keepHistory = DEFAULT_HISTORY): Promise<void> {
  await mkdir(dir, { recursive: true });
  await moveToHistory(dir, keepHistory);
  for (const file of files) {
    const target = path.join(dir, file.name);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFileAtomic(target, redact(file.content), { fsync: true });
  }
}
