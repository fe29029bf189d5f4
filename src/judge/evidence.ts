/**
 * Reading what a check left behind: its JSON document, files named by
 * assertions, and `evidence` globs, each hashed for the report.
 */
import { createHash } from 'node:crypto';
import { closeSync, constants, createReadStream, fstatSync, lstatSync, openSync, readFileSync, readSync, statSync, type Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { EvidenceFile, RawDigest } from '../model/types.js';
import { hashIfUnchanged } from '../util/hash-off-thread.js';
import { describeJsonProblem } from './json-error.js';
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
 * check left behind could block or never end), and never more than the limit:
 * the size is checked before reading, and again after it.
 *
 * Synchronous inside: none of these calls can wait on another process (the
 * open is non-blocking, so a FIFO swapped in after the stat does not wait for a
 * writer), each takes microseconds, and the parse that follows holds the event
 * loop far longer. Done on the thread pool they cost a hand-off each, which
 * on a machine busy with checks is most of a check's bookkeeping.
 */
export async function readJsonFile(file: string, limit = MAX_EVIDENCE_BYTES, need?: Need, projectFrom = PROJECT_FROM_BYTES): Promise<JsonRead> {
  return readJsonFileNow(file, limit, need, projectFrom);
}

function readJsonFileNow(file: string, limit: number, need: Need | undefined, projectFrom: number): JsonRead {
  let fd: number;
  try {
    const info = statSync(file);
    if (!info.isFile()) return { ok: false, code: 'unreadable', message: notRegular(info), bytes: 0 };
    if (info.size > limit) return { ok: false, code: 'output-too-large', message: `${info.size} bytes`, bytes: info.size };
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    return { ok: false, code: 'unreadable', message: errnoMessage(error), bytes: 0 };
  }
  try {
    const info = fstatSync(fd);
    if (!info.isFile()) return { ok: false, code: 'unreadable', message: notRegular(info), bytes: 0 };
    if (info.size > limit) return { ok: false, code: 'output-too-large', message: `${info.size} bytes`, bytes: info.size };
    if (need !== undefined && info.size >= projectFrom) {
      const projected = readProjected(fd, info.size, need);
      if (projected !== undefined) return projected;
    }
    // Straight into a string (Node decodes UTF-8 natively): no Buffer of the whole document is held
    // beside its text (a projection's bytes, when it gave up, are garbage by now, if not yet collected).
    const raw = readFileSync(fd, 'utf8');
    // A process the check left behind could still be writing: refuse a file that grew past the limit.
    const bytesRead = fstatSync(fd).size;
    if (bytesRead > limit) return { ok: false, code: 'output-too-large', message: `over ${limit} bytes`, bytes: bytesRead };
    const text = stripBom(raw);
    if (text.trim() === '') return { ok: false, code: 'no-json-output', message: 'empty', bytes: bytesRead };
    try {
      return { ok: true, value: JSON.parse(text) as unknown, bytes: bytesRead };
    } catch (error) {
      // Never the parser's own message: it quotes the text, and a quoted piece of a secret escapes masking.
      return { ok: false, code: 'invalid-json', message: describeJsonProblem(text, error), bytes: bytesRead };
    }
  } catch (error) {
    return { ok: false, code: 'unreadable', message: errnoMessage(error), bytes: 0 };
  } finally {
    closeSync(fd);
  }
}

/**
 * A large document read as bytes and projected onto what its assertions need:
 * undefined when it is not one JSON document, or changed size while read (the
 * caller then reads it whole, for the exact verdict). Read with positions, so
 * the descriptor's offset stays at the start for that.
 */
function readProjected(fd: number, size: number, need: Need): JsonRead | undefined {
  // One byte more: a zero after the text spares the scan its bounds checks.
  const bytes = Buffer.allocUnsafe(size + 1);
  let filled = 0;
  while (filled < size) {
    const read = readSync(fd, bytes, filled, size - filled, filled);
    if (read === 0) break;
    filled += read;
  }
  if (filled !== size || fstatSync(fd).size !== size) return undefined;
  bytes[size] = 0;
  const projected = projectJson(bytes, size, need);
  return projected && { ok: true, value: projected.value, bytes: size };
}

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

/** How a file is hashed for the report: its bytes as they are, or (with secrets to mask) masked. */
export type FileHasher = (file: string) => Promise<{ sha256: string; bytes: number }>;

export function hashFile(file: string): Promise<{ sha256: string; bytes: number }> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    let bytes = 0;
    createReadStream(file)
      .on('data', (chunk) => {
        bytes += chunk.length;
        hash.update(chunk);
      })
      .on('error', reject)
      .on('end', () => resolve({ sha256: hash.digest('hex'), bytes }));
  });
}

/** Coarse file-system clocks can stamp a file a little before the moment the run started. */
const CLOCK_SLACK_MS = 50;

/**
 * Hashes a file that a check left behind, as a value: only regular files,
 * errors as messages. `stale` when it was last written before `notBeforeMs`.
 */
export async function hashRegularFile(
  file: string,
  notBeforeMs = 0,
  early?: Promise<RawDigest>,
  hash: FileHasher = hashFile,
): Promise<{ ok: true; sha256: string; bytes: number; stale: boolean } | { ok: false; message: string }> {
  try {
    const info = await stat(file);
    if (!info.isFile()) return { ok: false, message: notRegular(info) };
    const stale = info.mtimeMs < notBeforeMs - CLOCK_SLACK_MS;
    // Hashed on another thread already (a large $GATE_EVIDENCE_FILE), if the file is still the one it hashed.
    const sha256 = await hashIfUnchanged(early, info);
    if (sha256 !== undefined) return { ok: true, sha256, bytes: info.size, stale };
    return { ok: true, ...(await hash(file)), stale };
  } catch (error) {
    return { ok: false, message: errnoMessage(error) };
  }
}

/**
 * Hashes every file matched by the globs (relative to cwd). A glob that
 * matches nothing, or only files this run did not write, is missing: evidence
 * is what this run leaves behind (the check, or one before it that it builds
 * on), not what was there before the run.
 */
export async function collectEvidence(
  globs: string[],
  cwd: string,
  projectRoot: string,
  notBeforeMs: number,
  hash: FileHasher = hashFile,
): Promise<{ files: EvidenceFile[]; missing: string[] }> {
  const files: EvidenceFile[] = [];
  const missing: string[] = [];
  if (globs.length === 0) return { files, missing };
  // Loaded only for checks that name evidence globs.
  const { glob } = await import('tinyglobby');
  for (const pattern of globs) {
    const matches = (await glob(pattern, { cwd, absolute: true, onlyFiles: true, dot: true })).sort();
    let fresh = 0;
    let stale = 0;
    for (const match of matches) {
      const shown = path.relative(projectRoot, match);
      const hashed = await hashRegularFile(match, notBeforeMs, undefined, hash);
      if (!hashed.ok) missing.push(`${shown} (${hashed.message})`);
      else if (hashed.stale) stale += 1;
      else {
        fresh += 1;
        files.push({ path: shown, sha256: hashed.sha256, bytes: hashed.bytes });
      }
    }
    if (fresh === 0) missing.push(stale > 0 ? `${pattern} (only files older than this run)` : pattern);
  }
  return { files, missing };
}

export function errnoMessage(error: unknown): string {
  const e = error as { code?: string; message?: string };
  return e.code ?? e.message ?? String(error);
}

const stripBom = (text: string) => (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
