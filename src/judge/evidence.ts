/**
 * Reading what a check left behind: its JSON document, files named by
 * assertions, and `evidence` globs, each hashed for the report.
 */
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, lstatSync, openSync, readdir, readFileSync, readlinkSync, readSync, realpath, realpathSync, statSync, type Dirent, type Stats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { EvidenceFile, RawDigest } from '../model/types.js';
import { hashIfUnchanged } from '../util/hash-off-thread.js';
import { isInside } from '../util/inside.js';
import { orUndefined } from '../util/or-undefined.js';
import { describeJsonProblem } from './json-error.js';
import { checkOpened, errnoMessage, EVIDENCE_OPEN_FLAGS, notRegular, pathToOpen } from './open-file.js';
import { projectJson, type Need } from './projected-json.js';

/** JSON evidence larger than this is not parsed: the check is `error`. */
export const MAX_EVIDENCE_BYTES = 128 * 1024 * 1024;
/** Documents from this size up are read for what their assertions need (projected-json.ts); smaller ones are parsed whole. */
export const PROJECT_FROM_BYTES = 1024 * 1024;

export type JsonRead =
  | { ok: true; value: unknown; bytes: number }
  | { ok: false; code: 'no-json-output' | 'invalid-json' | 'output-too-large' | 'unreadable'; message: string; bytes: number };

/**
 * Reads one JSON document. Only a regular file is read (a FIFO or a device a
 * check left behind could block or never end), never through a link at its
 * last step, and never more than the limit: the size is checked before
 * reading, and again after it. With `end` (the size the file had when the
 * check exited), no byte past it is read: what processes the check left
 * behind wrote after its exit is not part of the document.
 *
 * Synchronous inside: none of these calls can wait on another process (the
 * open is non-blocking, so a FIFO swapped in after the stat does not wait for a
 * writer), each takes microseconds, and the parse that follows holds the event
 * loop far longer. Done on the thread pool they cost a hand-off each, which
 * on a machine busy with checks is most of a check's bookkeeping.
 */
export async function readJsonFile(file: string, limit = MAX_EVIDENCE_BYTES, need?: Need, projectFrom = PROJECT_FROM_BYTES, end?: number): Promise<JsonRead> {
  return readJsonFileNow(file, undefined, limit, need, projectFrom, undefined, end);
}

/** Which file an opened descriptor is (device and inode): the same file however its path is spelled, through any link. */
export const fileIdentity = (info: Stats): string => `${info.dev}:${info.ino}`;

/** A document in the project as read, with the hash of the very bytes its assertions judged (none when no bytes were read). */
export type ProjectJsonRead = JsonRead & { hashed?: { ok: true; sha256: string; bytes: number; stale: boolean; identity: string } };

/**
 * Reads a JSON document a check left in the project (an assertion's `file`): refused when its real path leaves
 * `root`. The bytes read are hashed for the report as they are judged, in the same read: a process the check
 * left behind may change the file afterwards, and the report's hash is still of what the assertions read.
 * `stale` when it was last written before `notBeforeMs` (as for `hashRegularFile`).
 */
export async function readProjectJsonFile(file: string, root: string, need: Need, { notBeforeMs = 0, hash = PLAIN_HASHER }: { notBeforeMs?: number; hash?: EvidenceHasher } = {}): Promise<ProjectJsonRead> {
  let hashed: ProjectJsonRead['hashed'];
  const read = readJsonFileNow(file, root, MAX_EVIDENCE_BYTES, need, PROJECT_FROM_BYTES, (bytes, info) => {
    hashed = { ok: true, ...hash.bytes(bytes), stale: isStale(info, notBeforeMs), identity: fileIdentity(info) };
  });
  return hashed ? { ...read, hashed } : read;
}

/** Told the bytes about to be parsed or projected, and what the file was when it was opened. */
type OnRead = (bytes: Buffer, info: Stats) => void;

function readJsonFileNow(file: string, root: string | undefined, limit: number, need: Need | undefined, projectFrom: number, onRead?: OnRead, end?: number): JsonRead {
  let fd: number;
  const target = pathToOpen(file, root);
  if (!target.ok) return { ok: false, code: 'unreadable', message: target.message, bytes: 0 };
  try {
    fd = openSync(target.path, EVIDENCE_OPEN_FLAGS);
  } catch (error) {
    return { ok: false, code: 'unreadable', message: errnoMessage(error), bytes: 0 };
  }
  try {
    const opened = checkOpened(fd, target.path, root);
    if (!opened.ok) return { ok: false, code: 'unreadable', message: opened.message, bytes: 0 };
    const { info } = opened;
    const size = end === undefined ? info.size : Math.min(info.size, end);
    if (size > limit) return { ok: false, code: 'output-too-large', message: `${size} bytes`, bytes: size };
    if ((need !== undefined && size >= projectFrom) || size < info.size) {
      const bytes = readSized(fd, size, end !== undefined);
      if (bytes !== undefined) {
        onRead?.(bytes.subarray(0, size), info);
        const projected = need === undefined ? undefined : projectJson(bytes, size, need);
        if (projected) return { ok: true, value: projected.value, bytes: size };
        // Not one JSON document (or a whole one asked for): the same bytes parsed whole, for the exact verdict.
        return parseJson(bytes.toString('utf8', 0, size), size);
      }
    }
    if (onRead) {
      // Bytes, to be hashed as they are judged (a document in the project, below 1 MiB unless it changed size while read).
      const raw = readFileSync(fd);
      if (raw.length > limit) return { ok: false, code: 'output-too-large', message: `over ${limit} bytes`, bytes: raw.length };
      onRead(raw, info);
      return parseJson(raw.toString('utf8'), raw.length);
    }
    // Straight into a string (Node decodes UTF-8 natively): no Buffer of the whole document is held
    // beside its text.
    const raw = readFileSync(fd, 'utf8');
    // A process the check left behind could still be writing: refuse a file that grew past the limit,
    // and read no further than `end` when it grew past that while read.
    const bytesRead = fstatSync(fd).size;
    const prefix = end !== undefined && bytesRead > size ? readSized(fd, size, true) : undefined;
    if (prefix !== undefined) return parseJson(prefix.toString('utf8', 0, size), size);
    if (bytesRead > limit) return { ok: false, code: 'output-too-large', message: `over ${limit} bytes`, bytes: bytesRead };
    return parseJson(raw, bytesRead);
  } catch (error) {
    return { ok: false, code: 'unreadable', message: errnoMessage(error), bytes: 0 };
  } finally {
    closeSync(fd);
  }
}

function parseJson(raw: string, bytes: number): JsonRead {
  const text = stripBom(raw);
  if (text.trim() === '') return { ok: false, code: 'no-json-output', message: 'empty', bytes };
  try {
    return { ok: true, value: JSON.parse(text) as unknown, bytes };
  } catch (error) {
    // Never the parser's own message: it quotes the text, and a quoted piece of a secret escapes masking.
    return { ok: false, code: 'invalid-json', message: describeJsonProblem(text, error), bytes };
  }
}

/**
 * A large document's bytes, for projecting onto what its assertions need (or
 * the first `size` bytes of a file that has more): undefined when it changed
 * size while read, or is shorter than `size` (the caller then reads it whole,
 * for the exact verdict). `prefix`: the file may have grown past `size`
 * meanwhile. Read with positions, so the descriptor's offset stays at the
 * start for that. One byte more than the document, set to zero: it spares the
 * projection's scan its bounds checks.
 */
function readSized(fd: number, size: number, prefix = false): Buffer | undefined {
  const bytes = Buffer.allocUnsafe(size + 1);
  let filled = 0;
  while (filled < size) {
    const read = readSync(fd, bytes, filled, size - filled, filled);
    if (read === 0) break;
    filled += read;
  }
  if (filled !== size || (!prefix && fstatSync(fd).size !== size)) return undefined;
  bytes[size] = 0;
  return bytes;
}

/**
 * What is at a path, without following a link: `undefined` when nothing is
 * there, else a reason it cannot be read as evidence, or `ok`.
 */
export async function probeEvidencePath(file: string): Promise<undefined | { ok: true } | { ok: false; message: string }> {
  // Synchronous, as in readJsonFile: an lstat cannot wait on anything.
  let info: Stats | undefined;
  try {
    // Nothing there (the usual case) is an answer, not an exception.
    info = lstatSync(file, { throwIfNoEntry: false });
  } catch (error) {
    return { ok: false, message: errnoMessage(error) };
  }
  if (!info) return undefined;
  return info.isFile() ? { ok: true } : { ok: false, message: notRegular(info) };
}

/** What the report says of an evidence file: the sha256 and size of its bytes (with the gate's secrets masked, when it has any). */
export interface Digest {
  sha256: string;
  bytes: number;
}

/** How evidence is hashed for the report: its bytes as they are, or (with secrets to mask) masked. */
export interface EvidenceHasher {
  /** An open file, read a chunk at a time (an `evidence` match, $GATE_EVIDENCE_FILE). */
  file(handle: FileHandle): Promise<Digest>;
  /** Bytes read already: an assertion's `file`, hashed as it was judged. */
  bytes(bytes: Buffer): Digest;
}

function hashFile(handle: FileHandle): Promise<Digest> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    let bytes = 0;
    handle
      .createReadStream({ start: 0, autoClose: false })
      .on('data', (chunk) => {
        bytes += chunk.length;
        hash.update(chunk);
      })
      .on('error', reject)
      .on('end', () => resolve({ sha256: hash.digest('hex'), bytes }));
  });
}

/** The bytes as they are. */
export const PLAIN_HASHER: EvidenceHasher = {
  file: hashFile,
  bytes: (bytes) => ({ sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length }),
};

/** Coarse file-system clocks can stamp a file a little before the moment a check started. */
const CLOCK_SLACK_MS = 50;
/** Whether a file was last written before `notBeforeMs`, less the slack. */
const isStale = (info: Stats, notBeforeMs: number) => info.mtimeMs < notBeforeMs - CLOCK_SLACK_MS;

export interface HashOptions {
  /** When the check's chain started (epoch ms): a file last written before it (less a clock slack) is `stale`. */
  notBeforeMs?: number;
  /** Its sha256 taken on another thread already, if it was (a large $GATE_EVIDENCE_FILE). */
  early?: Promise<RawDigest>;
  hash?: EvidenceHasher;
  /** For a file in the project: refused when its real path (through any link a check made) leaves this root. */
  root?: string;
}

/**
 * Hashes a file that a check left behind, as a value: only regular files,
 * errors as messages. `stale` when it was last written before `notBeforeMs`.
 */
export async function hashRegularFile(
  file: string,
  { notBeforeMs = 0, early, hash = PLAIN_HASHER, root }: HashOptions = {},
): Promise<{ ok: true; sha256: string; bytes: number; stale: boolean; identity: string } | { ok: false; message: string }> {
  const target = pathToOpen(file, root);
  if (!target.ok) return target;
  try {
    const handle = await open(target.path, EVIDENCE_OPEN_FLAGS);
    try {
      const opened = checkOpened(handle.fd, target.path, root);
      if (!opened.ok) return opened;
      const { info } = opened;
      const stale = isStale(info, notBeforeMs);
      const identity = fileIdentity(info);
      // Hashed on another thread already, if the file is still the one it hashed.
      const sha256 = await hashIfUnchanged(early, info);
      if (sha256 !== undefined) return { ok: true, sha256, bytes: info.size, stale, identity };
      return { ok: true, ...(await hash.file(handle)), stale, identity };
    } finally {
      await handle.close();
    }
  } catch (error) {
    return { ok: false, message: errnoMessage(error) };
  }
}

/**
 * The file system as the glob sees it: a link to a folder outside the project
 * root is not followed (a link to a file is, to be refused by name when it is
 * hashed). Only links ask for a real path.
 */
function globFsInside(root: string): { realpath: typeof realpath } {
  const rootReal = orUndefined(() => realpathSync.native(root)) ?? root;
  const inside = (link: string, done: (error: NodeJS.ErrnoException | null, real: string) => void) =>
    realpath(link, (error, real) => {
      if (error || isInside(rootReal, real)) return done(error, real);
      const folder = orUndefined(() => statSync(real))?.isDirectory() ?? false;
      if (!folder) return done(null, real);
      done(Object.assign(new Error(`${link} leads outside the project root`), { code: 'EXDEV' }), real);
    });
  // The glob's crawler (fdir) calls it only as realpath(path, callback).
  return { realpath: inside as unknown as typeof realpath };
}

/** At most this many matches that are not regular files are named for one glob; the rest are counted. */
const MAX_NAMED_IRREGULAR = 5;

/**
 * The file system as `irregularMatches` sees it: a FIFO, socket or device, and a link that leads
 * nowhere, are entries the glob can match like files (the glob itself skips them).
 */
function globFsAll(inside: { realpath: typeof realpath }, cwd: string): { realpath: typeof realpath; readdir: typeof readdir } {
  const asFile = (entry: Dirent): Dirent => Object.assign(Object.create(entry) as Dirent, { isFile: () => true, isSymbolicLink: () => false });
  const irregular = (entry: Dirent, dir: string) => {
    if (entry.isFile() || entry.isDirectory()) return false;
    if (!entry.isSymbolicLink()) return true;
    // A link that leads nowhere; a link to anything else the glob follows as it does.
    return orUndefined(() => statSync(path.resolve(cwd, dir, entry.name))) === undefined;
  };
  const list = (dir: string, options: unknown, done: (error: NodeJS.ErrnoException | null, entries: Dirent[]) => void) =>
    readdir(dir, options as { withFileTypes: true }, (error, entries) => done(error, error ? [] : entries.map((e) => (irregular(e, dir) ? asFile(e) : e))));
  return { realpath: inside.realpath, readdir: list as unknown as typeof readdir };
}

/** Why a path that is there is not evidence: what it is, or where a link that leads nowhere points. */
function whyNotEvidence(file: string): string {
  const info = orUndefined(() => lstatSync(file));
  if (info === undefined) return 'gone';
  if (info.isSymbolicLink()) {
    const to = orUndefined(() => readlinkSync(file));
    return to !== undefined && orUndefined(() => statSync(file)) === undefined ? `a symbolic link to ${to}, which does not exist` : 'a symbolic link';
  }
  return notRegular(info);
}

/**
 * What a glob that met no regular file matches instead (a FIFO, a directory, a link that leads
 * nowhere), each named with why, for the reason to say more than "missing": at most
 * MAX_NAMED_IRREGULAR of them, then how many more.
 */
async function irregularMatches(glob: typeof import('tinyglobby').glob, pattern: string, cwd: string, projectRoot: string, fs: { realpath: typeof realpath }): Promise<string[]> {
  const found = (await glob(pattern, { cwd, absolute: true, onlyFiles: false, dot: true, fs: globFsAll(fs, cwd) }))
    .map((m) => (m.length > 1 && m.endsWith('/') ? m.slice(0, -1) : m))
    .sort();
  const named = found.slice(0, MAX_NAMED_IRREGULAR).map((m) => `${path.relative(projectRoot, m)} (${whyNotEvidence(m)})`);
  const more = found.length - named.length;
  return more > 0 ? [...named, `${pattern} (${more} more that are not regular files)`] : named;
}

/**
 * Hashes every file matched by the globs (relative to cwd). A glob that
 * matches nothing, or only files last written before `notBeforeMs` (when the
 * check's chain started), is missing: evidence is what the check or one it
 * depends on leaves behind, not what was there before they started. A match
 * whose real path leaves the project root (through a link a check made) is
 * refused, naming the link. A glob that meets no regular file but a FIFO, a
 * directory or a link that leads nowhere names each with why.
 *
 * A file is listed (and hashed) once, under its first match: two globs, two
 * spellings (`./a.json`, `a.json`), a link inside the root and its target, or
 * a file `listed` already (an assertion's `file`: its identities, each with
 * whether it is older than the chain) are one file. A match that is such a
 * file meets its glob only when it is not older than the chain either.
 */
export async function collectEvidence(
  globs: string[],
  cwd: string,
  projectRoot: string,
  notBeforeMs: number,
  hash: EvidenceHasher = PLAIN_HASHER,
  listed: ReadonlyMap<string, { stale: boolean }> = new Map(),
): Promise<{ files: EvidenceFile[]; missing: string[] }> {
  const files: EvidenceFile[] = [];
  const missing: string[] = [];
  if (globs.length === 0) return { files, missing };
  // Loaded only for checks that name evidence globs.
  const { glob } = await import('tinyglobby');
  const fs = globFsInside(projectRoot);
  const seen = new Set(listed.keys());
  /** The file a match leads to, when it is one listed already (not hashed again): whether it is older than the chain. */
  const listedAlready = (match: string): { stale: boolean } | undefined => {
    const info = orUndefined(() => statSync(match));
    if (info === undefined) return undefined;
    const identity = fileIdentity(info);
    return listed.get(identity) ?? (seen.has(identity) ? { stale: false } : undefined);
  };
  for (const pattern of globs) {
    const matches = (await glob(pattern, { cwd, absolute: true, onlyFiles: true, dot: true, fs })).sort();
    let fresh = 0;
    let stale = 0;
    let refused = 0;
    for (const match of matches) {
      const already = listedAlready(match);
      if (already) {
        if (already.stale) stale += 1;
        else fresh += 1;
        continue;
      }
      const shown = path.relative(projectRoot, match);
      const hashed = await hashRegularFile(match, { notBeforeMs, hash, root: projectRoot });
      if (!hashed.ok) {
        refused += 1;
        missing.push(`${shown} (${hashed.message})`);
      } else if (hashed.stale) stale += 1;
      else {
        fresh += 1;
        // Looked up before it was opened; a file swapped in meanwhile could still be one listed.
        if (seen.has(hashed.identity)) continue;
        seen.add(hashed.identity);
        files.push({ path: shown, sha256: hashed.sha256, bytes: hashed.bytes });
      }
    }
    // A glob whose every match was refused is already named with why.
    if (fresh === 0 && stale > 0) missing.push(`${pattern} (only files older than this check and its dependencies)`);
    else if (fresh === 0 && refused === 0) {
      const irregular = await irregularMatches(glob, pattern, cwd, projectRoot, fs);
      missing.push(...(irregular.length > 0 ? irregular : [pattern]));
    }
  }
  return { files, missing };
}

const stripBom = (text: string) => (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
