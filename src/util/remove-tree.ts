/**
 * Removing a tree of gate's (the run's scratch folder, a check's own folder)
 * that a check may have made read-only. A check can leave a folder it made
 * unwritable (`chmod 555`) in either; for any user but root nothing in that
 * folder can then be removed, and the removal fails with EACCES. gate owns
 * these trees, so it gives itself the permission back and tries once more.
 *
 * Only after a removal has failed: the usual removal costs no walk. The walk
 * looks at every entry with lstat and never goes through a symbolic link (a
 * link is removed as a link; what it points to is not the tree's), and it
 * changes only folders in the tree that belong to this process's user.
 */
import { chmodSync, closeSync, constants, fstatSync, lstatSync, openSync, readdirSync, readlinkSync, realpathSync, rmSync, type Stats } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { orUndefined } from './or-undefined.js';

/** The owner's read (to list the folder), write (to remove from it) and execute (to reach into it). */
const OWNER_ALL = 0o700;

const refused = (error: unknown) => {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'EACCES' || code === 'EPERM';
};

/**
 * Gives every folder in the tree at `dir` (itself included) that belongs to this process's user its
 * owner's read, write and execute permission (it is about to be removed: nothing else is kept). True
 * if it changed any: only then is another removal worth trying. Linux only: it needs /proc to make
 * sure of each folder (see `openUp`); elsewhere nothing is changed and the removal's error stands.
 */
export function openOwnFolders(dir: string): boolean {
  const uid = process.getuid?.();
  if (uid === undefined || process.platform !== 'linux') return false;
  const root = orUndefined(() => realpathSync(dir));
  if (root === undefined) return false;
  let changed = false;
  const folders = [dir];
  while (folders.length > 0) {
    const folder = folders.pop()!;
    // lstat: a link (or anything else not a folder) is left as it is, never followed.
    const info = orUndefined(() => lstatSync(folder));
    if (!info?.isDirectory()) continue;
    if (info.uid === uid && (info.mode & OWNER_ALL) !== OWNER_ALL) {
      // One that cannot be changed is left as it is: the removal that follows says why.
      if (orUndefined(() => openUp(folder, info, root))) changed = true;
    }
    const entries = orUndefined(() => readdirSync(folder, { withFileTypes: true })) ?? [];
    // Listed by path: a listing taken through a link put there since the lstat is not the tree's.
    if (!sameFolder(folder, info)) continue;
    for (const entry of entries) if (entry.isDirectory()) folders.push(path.join(folder, entry.name));
  }
  return changed;
}

/** Whether `folder` is still the folder lstat saw (not a link, nor another folder, put there since). */
function sameFolder(folder: string, seen: Stats): boolean {
  const now = orUndefined(() => lstatSync(folder));
  return now !== undefined && now.isDirectory() && now.dev === seen.dev && now.ino === seen.ino;
}

/** Linux's O_PATH (fs.constants does not name it): a descriptor for the folder itself, which its permissions do not refuse. */
const O_PATH = 0o10000000;

/**
 * Sets the folder's mode to 0700 through a descriptor, never through a path a check could change
 * meanwhile (a check of the run may still be running, and a check's folder's siblings are theirs):
 * opened without following a link at the last step, then made sure of. /proc tells where the
 * descriptor really is, so a folder on the way swapped for a link since the walk listed it (which
 * would lead out of the tree) is left alone, as is one that is not the folder lstat saw. chmod of
 * /proc/self/fd/<fd> reaches that very folder.
 */
function openUp(folder: string, seen: Stats, root: string): boolean {
  const fd = openSync(folder, O_PATH | constants.O_DIRECTORY | constants.O_NOFOLLOW);
  try {
    const real = readlinkSync(`/proc/self/fd/${fd}`);
    if (real !== root && !real.startsWith(`${root}${path.sep}`)) return false;
    const info = fstatSync(fd);
    if (!info.isDirectory() || info.dev !== seen.dev || info.ino !== seen.ino) return false;
    chmodSync(`/proc/self/fd/${fd}`, OWNER_ALL);
    return true;
  } finally {
    closeSync(fd);
  }
}

/** `rm -rf` in place, again after opening up gate's own folders in the tree if it was refused. Throws what the last try threw. */
export function removeTreeSync(dir: string): void {
  try {
    rmSync(dir, { recursive: true, force: true });
  } catch (error) {
    if (!refused(error) || !openOwnFolders(dir)) throw error;
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `rm -rf` on the thread pool (for a tree that may be big), as removeTreeSync otherwise. */
export async function removeTree(dir: string): Promise<void> {
  try {
    await rm(dir, { recursive: true, force: true });
  } catch (error) {
    if (!refused(error) || !openOwnFolders(dir)) throw error;
    await rm(dir, { recursive: true, force: true });
  }
}
