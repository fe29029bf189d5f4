/**
 * A check's captured output, as the report keeps it: whole when small, else a
 * bounded head and tail with the byte count of the whole, marked truncated;
 * and the sha256 of the whole output with its secrets masked.
 *
 * Memory stays bounded whatever the size: only the kept windows are read into
 * memory, and the whole output is hashed one chunk at a time. Time stays
 * bounded too: an output over the output limit is not hashed (see
 * `HASH_LIMIT_BYTES`).
 *
 * Secrets are masked before anything is cut. Each window is read wider than
 * what is kept, by the longest form of any secret, masked, and only then cut:
 * a secret crossing the edge is masked whole rather than leaving a piece of
 * itself at the edge. The chunks of the hash overlap in the same way.
 */
import { createHash } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import type { RawDigest } from '../model/types.js';
import { hashIfUnchanged } from '../util/hash-off-thread.js';
import type { Redactor } from './redact.js';

/** Output up to this size is kept whole. */
export const KEEP_WHOLE_BYTES = 1024 * 1024;
/** Past it, this much of the head and of the tail. */
export const KEEP_PART_BYTES = 256 * 1024;
/** What the Markdown and JUnit reports show of an output. */
export const TAIL_BYTES = 4096;
/**
 * An output larger than this is kept in part but not hashed: it is over the output limit (MAX_OUTPUT_BYTES in
 * src/run/process.ts), and the check was ended for it. Its size says nothing of how long reading it takes:
 * one ftruncate or lseek of a check's stdout makes a sparse file of terabytes that holds no data, and
 * reading it all to hash it would keep the run busy for hours after the check ended.
 */
export const HASH_LIMIT_BYTES = 1024 ** 3;
/** How much of the output the hash reads at a time. */
const HASH_CHUNK_BYTES = 64 * 1024;
/** Output up to this size is read in one synchronous read (most checks print a few KiB): no thread-pool round trips. */
const READ_AT_ONCE_BYTES = 64 * 1024;

export interface KeptOutput {
  /** What the report keeps, secrets masked. */
  text: string;
  /** Size of the whole output as the check wrote it. */
  bytes: number;
  /** Size of the whole output with its secrets masked: what `sha256` is of (with no `sha256`: its size as written). */
  maskedBytes: number;
  truncated: boolean;
  /** The last few KiB, secrets masked, for the human reports. */
  tail: string;
  /** sha256 of the whole output with its secrets masked (of the raw bytes when there are no secrets); undefined past HASH_LIMIT_BYTES. */
  sha256?: string;
}

async function readRange(handle: FileHandle, start: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(Math.max(0, length));
  let filled = 0;
  while (filled < buffer.length) {
    const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, start + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buffer.subarray(0, filled);
}

/** UTF-8 continuation bytes (10xxxxxx) sit inside a character: never cut before one. */
const isContinuation = (byte: number | undefined) => byte !== undefined && (byte & 0xc0) === 0x80;

/** Moves a cut back (at most 3 bytes) to the start of a UTF-8 character, so no character is split. */
function charBoundaryBefore(buffer: Buffer, at: number): number {
  let cut = at;
  while (cut > 0 && at - cut < 3 && isContinuation(buffer[cut])) cut -= 1;
  return isContinuation(buffer[cut]) ? at : cut;
}

/** The masked text of `raw[from, to)`, where `raw` holds at least `reach - 1` bytes more on each side that is cut. */
const maskedText = (raw: Buffer, from: number, to: number, redact: Redactor) => redact.maskBytes(raw, from, to).toString('utf8');

/**
 * A sha256 of bytes given in order, with secrets masked: each piece carries over
 * to the next what a secret that crosses its end might still need.
 */
function maskedHash(redact: Redactor): { update(data: Buffer): void; digest(): { sha256: string; maskedBytes: number } } {
  const hash = createHash('sha256');
  let maskedBytes = 0;
  let carry = Buffer.alloc(0);
  const put = (masked: Buffer) => {
    hash.update(masked);
    maskedBytes += masked.length;
  };
  return {
    update(data) {
      if (redact.reach === 0) return put(data);
      // A copy: the caller may fill `data` again.
      const raw = carry.length > 0 ? Buffer.concat([carry, data]) : Buffer.from(data);
      const { masked, consumed } = redact.maskSettled(raw, raw.length - (redact.reach - 1));
      put(masked);
      carry = raw.subarray(consumed);
    },
    digest() {
      if (carry.length > 0) put(redact.maskBytes(carry));
      return { sha256: hash.digest('hex'), maskedBytes };
    },
  };
}

/** Each piece must hold more than what it carries over, or nothing would ever be settled. */
const hashChunkBytes = (redact: Redactor) => Math.max(HASH_CHUNK_BYTES, 4 * redact.reach);

/** The sha256 and size of the whole file with secrets masked, read a chunk at a time. */
async function hashWhole(handle: FileHandle, size: number, redact: Redactor): Promise<{ sha256: string; maskedBytes: number }> {
  const hash = maskedHash(redact);
  const chunk = Buffer.alloc(hashChunkBytes(redact));
  for (let position = 0; position < size; ) {
    const { bytesRead } = await handle.read(chunk, 0, Math.min(chunk.length, size - position), position);
    if (bytesRead === 0) break;
    position += bytesRead;
    hash.update(chunk.subarray(0, bytesRead));
  }
  return hash.digest();
}

/**
 * The sha256 and size of an open file with its secrets masked, read a chunk at
 * a time: what a report may say of a file that can hold a secret (a hash of
 * the raw bytes would let anyone holding the report confirm a guessed secret).
 * The caller opened it, and made sure it is a regular file it may read.
 */
export async function hashMaskedFile(handle: FileHandle, redact: Redactor): Promise<{ sha256: string; bytes: number }> {
  const info = await handle.stat();
  const { sha256, maskedBytes } = await hashWhole(handle, info.size, redact);
  return { sha256, bytes: maskedBytes };
}

/** The same hash as `hashMaskedFile`'s, of bytes read already (a document as it was judged), a piece at a time: never a masked copy of it all. */
export function hashMaskedBytes(bytes: Buffer, redact: Redactor): { sha256: string; bytes: number } {
  const hash = maskedHash(redact);
  const step = hashChunkBytes(redact);
  for (let at = 0; at < bytes.length; at += step) hash.update(bytes.subarray(at, at + step));
  const { sha256, maskedBytes } = hash.digest();
  return { sha256, bytes: maskedBytes };
}

/** An output kept whole: `raw` is all of it. */
function keptWhole(raw: Buffer, whole: { sha256?: string; maskedBytes: number }, redact: Redactor): KeptOutput {
  const tailFrom = charBoundaryBefore(raw, Math.max(0, raw.length - TAIL_BYTES));
  return { text: maskedText(raw, 0, raw.length, redact), bytes: raw.length, truncated: false, tail: maskedText(raw, tailFrom, raw.length, redact), ...whole };
}

const notRegular = (file: string) => Object.assign(new Error(`${file} is not a regular file`), { code: 'EINVAL' });
const READ_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK;

/** A small output kept in a few synchronous calls; undefined when the file is larger (read it the bounded way). */
function keepSmallOutput(file: string, redact: Redactor): KeptOutput | undefined {
  const fd = openSync(file, READ_FLAGS);
  try {
    const info = fstatSync(fd);
    if (!info.isFile()) throw notRegular(file);
    if (info.size > READ_AT_ONCE_BYTES) return undefined;
    const raw = Buffer.allocUnsafe(info.size);
    let filled = 0;
    while (filled < raw.length) {
      const read = readSync(fd, raw, filled, raw.length - filled, filled);
      if (read === 0) break;
      filled += read;
    }
    const whole = raw.subarray(0, filled);
    // The same hash as the chunked one: the whole output with its secrets masked.
    const masked = redact.maskBytes(whole);
    return keptWhole(whole, { sha256: createHash('sha256').update(masked).digest('hex'), maskedBytes: masked.length }, redact);
  } finally {
    closeSync(fd);
  }
}

/**
 * Keeps a captured output. Only a regular file is read (O_NONBLOCK: a FIFO put
 * in its place cannot make gate wait). `early`: its hash, if one was started
 * on another thread when the check ended.
 */
export async function keepOutput(file: string, redact: Redactor, early?: Promise<RawDigest>): Promise<KeptOutput> {
  const small = keepSmallOutput(file, redact);
  if (small) return small;
  const handle = await open(file, READ_FLAGS);
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw notRegular(file);
    const bytes = info.size;
    const widen = Math.max(0, redact.reach - 1);
    // A hash taken on another thread is of the raw bytes: it stands for the output only with nothing to mask.
    const early256 = redact.reach === 0 ? await hashIfUnchanged(early, info) : undefined;
    const whole =
      early256 !== undefined ? { sha256: early256, maskedBytes: bytes } : bytes > HASH_LIMIT_BYTES ? { sha256: undefined, maskedBytes: bytes } : await hashWhole(handle, bytes, redact);

    if (bytes <= KEEP_WHOLE_BYTES) return keptWhole(await readRange(handle, 0, bytes), whole, redact);
    // 3 bytes more than masking needs, to see whether the cut falls inside a character.
    const headRaw = await readRange(handle, 0, KEEP_PART_BYTES + widen + 3);
    const headEnd = charBoundaryBefore(headRaw, KEEP_PART_BYTES);
    // The kept end starts `lead` bytes into what is read, then moves back (at most 3 bytes) to a character's start.
    const lead = Math.min(widen + 3, bytes - KEEP_PART_BYTES);
    const endStart = bytes - KEEP_PART_BYTES - lead;
    const endRaw = await readRange(handle, endStart, KEEP_PART_BYTES + lead);
    const endFrom = charBoundaryBefore(endRaw, lead);
    const tailFrom = charBoundaryBefore(endRaw, endRaw.length - TAIL_BYTES);
    const omitted = endStart + endFrom - headEnd;
    const marker = `\n[gate: output truncated: ${bytes} bytes in all; ${omitted} bytes omitted here]\n`;
    return {
      text: maskedText(headRaw, 0, headEnd, redact) + marker + maskedText(endRaw, endFrom, endRaw.length, redact),
      bytes,
      truncated: true,
      tail: maskedText(endRaw, tailFrom, endRaw.length, redact),
      ...whole,
    };
  } finally {
    await handle.close();
  }
}
