/**
 * Opening a file a check left behind, to read or hash it as evidence: only a
 * regular file, never through a link at its last step and, for a file in the
 * project (an assertion's `file`, an `evidence` match), never outside the
 * project root. The gate file's paths were checked when it loaded; a check
 * can still make a link while it runs (`ln -s /etc/passwd f.json`), so each
 * file is checked again when it is read.
 *
 * In three steps, so that a link swapped in between them is caught too: the
 * real path is found and must be inside the root; that path is opened with
 * O_NOFOLLOW (a link put at its last step since fails); and the descriptor is
 * asked where it leads (on Linux, /proc/self/fd; elsewhere its inode must be
 * the one at the real path). Synchronous: each call takes microseconds.
 */
import { constants, fstatSync, lstatSync, readlinkSync, realpathSync, type Stats } from 'node:fs';
import path from 'node:path';
import { isInside } from '../util/inside.js';
import { orUndefined } from '../util/or-undefined.js';

/** How a file a check left is opened: never blocking (a FIFO swapped in has no writer to wait for), never through a final link. */
export const EVIDENCE_OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW;

export type Refusal = { ok: false; message: string };

/** What a path is when it is not a regular file, for messages: `not a regular file (a FIFO)`. */
export function notRegular(info: Stats): string {
  const kind = info.isFIFO()
    ? 'a FIFO'
    : info.isDirectory()
      ? 'a directory'
      : info.isSymbolicLink()
        ? 'a symbolic link'
        : info.isSocket()
          ? 'a socket'
          : info.isCharacterDevice() || info.isBlockDevice()
            ? 'a device'
            : 'not a file';
  return `not a regular file (${kind})`;
}

export function errnoMessage(error: unknown): string {
  const e = error as { code?: string; message?: string };
  return e.code ?? e.message ?? String(error);
}

/** The real path of each project root, found once. */
const realRoots = new Map<string, string>();
function realRoot(root: string): string {
  let real = realRoots.get(root);
  if (real === undefined) {
    real = orUndefined(() => realpathSync.native(root)) ?? root;
    realRoots.set(root, real);
  }
  return real;
}

/**
 * Which link takes `file` out of the root, and where to: the first one on its
 * way from the root whose real path is outside. `real` is where the file
 * itself leads, for when no single link can be named (it changed meanwhile).
 */
function linkOut(file: string, root: string, real: string): string {
  const rootReal = realRoot(root);
  if (isInside(root, file)) {
    let at = root;
    for (const part of path.relative(root, file).split(path.sep)) {
      at = path.join(at, part);
      if (!orUndefined(() => lstatSync(at))?.isSymbolicLink()) continue;
      const to = orUndefined(() => realpathSync.native(at));
      if (to === undefined || isInside(rootReal, to)) continue;
      const what = at === file ? 'a symbolic link' : `${path.relative(root, at)} is a symbolic link`;
      return `${what} to ${to}, outside the project root`;
    }
  }
  return `it leads outside the project root (to ${real})`;
}

/**
 * The path to open for `file`, once it is known to be a regular file (inside
 * `root`, when given, its real path): a FIFO or a device is never opened, as
 * opening some devices does something.
 */
export function pathToOpen(file: string, root?: string): { ok: true; path: string } | Refusal {
  try {
    let target = file;
    if (root !== undefined) {
      target = realpathSync.native(file);
      if (!isInside(realRoot(root), target)) return { ok: false, message: linkOut(file, root, target) };
    }
    const info = lstatSync(target);
    return info.isFile() ? { ok: true, path: target } : { ok: false, message: notRegular(info) };
  } catch (error) {
    return { ok: false, message: errnoMessage(error) };
  }
}

/**
 * What an open descriptor is: refused when it is not a regular file or, with
 * `root`, when it leads outside it after all (a folder on its way was swapped
 * for a link after `pathToOpen` looked).
 */
export function checkOpened(fd: number, opened: string, root?: string): { ok: true; info: Stats } | Refusal {
  const info = fstatSync(fd);
  if (!info.isFile()) return { ok: false, message: notRegular(info) };
  if (root === undefined) return { ok: true, info };
  const where = orUndefined(() => readlinkSync(`/proc/self/fd/${fd}`));
  if (where !== undefined && path.isAbsolute(where)) {
    return isInside(realRoot(root), where) ? { ok: true, info } : { ok: false, message: `it changed while gate opened it and leads outside the project root (to ${where})` };
  }
  // No /proc: what was opened must still be the file at the real path found inside the root.
  const at = orUndefined(() => lstatSync(opened));
  return at !== undefined && at.dev === info.dev && at.ino === info.ino ? { ok: true, info } : { ok: false, message: 'it changed while gate opened it' };
}
