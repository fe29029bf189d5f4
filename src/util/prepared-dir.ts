/**
 * The folders gate prepared in this process (report dirs and work dirs), each
 * remembered as it was when prepared: its real path, device and inode.
 *
 * A check knows both dirs and may replace one while it runs: with a link to
 * another folder, with a folder of its own, or by removing it. Before gate
 * writes into, moves out of or empties anything in such a dir, it asks whether
 * the dir is still the very folder it prepared, and refuses otherwise: what
 * gate writes or removes must never land in a folder it did not prepare.
 */
import { lstatSync, readlinkSync, realpathSync, type Stats } from 'node:fs';
import path from 'node:path';
import { orUndefined } from './or-undefined.js';

interface Identity {
  realpath: string;
  dev: number;
  ino: number;
}

/** Keyed by the resolved path the dir was prepared under. */
const prepared = new Map<string, Identity>();

/** Why a dir is not the folder gate prepared: an errno-style code and a sentence naming the dir. */
export interface DirChange {
  errno: 'ENOENT' | 'ELOOP' | 'ENOTDIR' | 'ESTALE';
  message: string;
}


/**
 * What the folder at `dir` is now, or why it is not a plain folder. Asked
 * before every check starts, so in place: a `lstat` and a `realpath` take
 * microseconds, and a round trip through the thread pool would take longer
 * on a machine whose cores are busy with checks.
 */
function identify(dir: string, what: string): Identity | DirChange {
  const info: Stats | undefined = orUndefined(() => lstatSync(dir));
  const gone: DirChange = { errno: 'ENOENT', message: `${what} ${dir} is gone: it was removed after gate prepared it` };
  if (!info) return gone;
  if (info.isSymbolicLink()) {
    const target = orUndefined(() => readlinkSync(dir)) ?? '?';
    return { errno: 'ELOOP', message: `${what} ${dir} is now a symbolic link (to ${target}), not the folder gate prepared` };
  }
  if (!info.isDirectory()) return { errno: 'ENOTDIR', message: `${what} ${dir} is no longer a folder` };
  const real = orUndefined(() => realpathSync.native(dir));
  if (real === undefined) return gone;
  return { realpath: real, dev: info.dev, ino: info.ino };
}

const isChange = (x: Identity | DirChange): x is DirChange => 'errno' in x;

/**
 * Remembers `dir` (which exists, and which the caller has just checked and
 * marked as gate's) as prepared. Preparing a dir again (a drill prepares its
 * work dir before every round; a process may run gate more than once) claims
 * it anew.
 */
export async function rememberPreparedDir(dir: string, what: string): Promise<DirChange | undefined> {
  const key = path.resolve(dir);
  const now = identify(key, what);
  if (isChange(now)) return now;
  prepared.set(key, now);
  return undefined;
}

const same = (a: Identity, b: Identity) => a.realpath === b.realpath && a.dev === b.dev && a.ino === b.ino;

/**
 * Why `dir` is no longer the folder gate prepared (undefined while it is): it
 * must still be a folder, not a link, at the same real path with the same
 * device and inode, and still hold gate's `mark`.
 */
export async function preparedDirChanged(dir: string, what: string, mark: string): Promise<DirChange | undefined> {
  const key = path.resolve(dir);
  const known = prepared.get(key);
  if (!known) return { errno: 'ENOENT', message: `${what} ${dir} was not prepared by this run` };
  const now = identify(key, what);
  const marked = orUndefined(() => lstatSync(path.join(key, mark)).isFile()) ?? false;
  if (isChange(now)) return now;
  if (!same(known, now)) return { errno: 'ESTALE', message: `${what} ${dir} was replaced after gate prepared it: it is no longer the same folder` };
  if (!marked) return { errno: 'ENOENT', message: `${what} ${dir} lost its ${mark} mark after gate prepared it` };
  return undefined;
}
