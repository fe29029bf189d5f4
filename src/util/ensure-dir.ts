/**
 * `mkdir -p` one level at a time. Node's `mkdir(..., { recursive: true })`
 * spins forever where a parent exists but refuses children (e.g. under /proc),
 * which would hang the run; this version fails with the errno instead.
 *
 * In place, not on the thread pool: gate makes folders before its checks start
 * and after they have ended, when nothing else waits on the event loop, and a
 * `stat` or `mkdir` takes microseconds where a round trip through the pool
 * takes a good part of a millisecond on a busy machine.
 */
import { mkdirSync, statSync } from 'node:fs';
import path from 'node:path';

export async function ensureDir(dir: string): Promise<void> {
  ensureDirSync(dir);
}

export function ensureDirSync(dir: string): void {
  const missing: string[] = [];
  let current = path.resolve(dir);
  for (;;) {
    const info = statSync(current, { throwIfNoEntry: false });
    if (info) {
      if (!info.isDirectory()) throw Object.assign(new Error(`${current} is not a directory`), { code: 'ENOTDIR' });
      break;
    }
    missing.push(current);
    const parent = path.dirname(current);
    if (parent === current) break;
    current = parent;
  }
  for (const folder of missing.reverse()) {
    try {
      mkdirSync(folder);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}
