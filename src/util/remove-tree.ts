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
import { chmodSync, closeSync, constants, fchmodSync, fstatSync, lstatSync, openSync, readdirSync, rmSync, type Stats } from 'node:fs';
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
 * owner's read, write and execute permission back, keeping its other bits. True if it changed any:
 * only then is another removal worth trying.
 */
export function openOwnFolders(dir: string): boolean {
  const uid = process.getuid?.();
  if (uid === undefined) return false;
  let changed = false;
  const folders = [dir];
  while (folders.length > 0) {
    const folder = folders.pop()!;
    // lstat: a link (or anything else not a folder) is left as it is, never followed.
    const info = orUndefined(() => lstatSync(folder));
    if (!info?.isDirectory()) continue;
    if (info.uid === uid && (info.mode & OWNER_ALL) !== OWNER_ALL) {
      // One that cannot be changed is left as it is: the removal that follows says why.
      if (orUndefined(() => openUp(folder, info))) changed = true;
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

/**
 * Gives the folder its owner's permissions, through a descriptor opened without following a link and
 * checked to be the folder lstat saw: a folder swapped for a link since (a check of the run still
 * running may reach a sibling's folder) is left alone. A folder its owner cannot read cannot be
 * opened (Node has no O_PATH): that one is changed by its path, once lstat has found it still there.
 */
function openUp(folder: string, seen: Stats): boolean {
  let fd: number;
  try {
    fd = openSync(folder, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
  } catch (error) {
    // Anything but a refusal (a link there now: ELOOP or ENOTDIR) means it is not the folder lstat saw.
    if ((error as NodeJS.ErrnoException).code !== 'EACCES' || !sameFolder(folder, seen)) return false;
    chmodSync(folder, (seen.mode & 0o7777) | OWNER_ALL);
    return true;
  }
  try {
    const info = fstatSync(fd);
    if (!info.isDirectory() || info.dev !== seen.dev || info.ino !== seen.ino) return false;
    fchmodSync(fd, (info.mode & 0o7777) | OWNER_ALL);
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
