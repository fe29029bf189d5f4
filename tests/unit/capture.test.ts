import { createHash } from 'node:crypto';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { HASH_LIMIT_BYTES, hashMaskedBytes, hashMaskedFile, KEEP_PART_BYTES, KEEP_WHOLE_BYTES, keepOutput, TAIL_BYTES } from '../../src/report/capture.js';
import { MAX_OUTPUT_BYTES } from '../../src/run/process.js';
import { hashRegularFile } from '../../src/judge/evidence.js';
import { createRedactor, REDACTED } from '../../src/report/redact.js';
import { HASH_THREADS, hashOffThread, hashThreadsRunning } from '../../src/util/hash-off-thread.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'gate-capture-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const file = (content: Buffer | string) => {
  const target = path.join(dir, `${(n += 1)}.out`);
  writeFileSync(target, content);
  return target;
};
const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

const SECRET = 'q7Zx9Lk2Vb8Nw4Rt';
const B64 = Buffer.from(SECRET).toString('base64');
const redact = createRedactor([SECRET]);

/** Filler lines of `size` bytes with `text` written so that it starts `before` bytes ahead of each offset. */
function filler(size: number, placements: [offset: number, text: string, before: number][] = []): Buffer {
  const buffer = Buffer.alloc(size, '.');
  for (let i = 63; i < size; i += 64) buffer[i] = 0x0a;
  for (const [offset, text, before] of placements) buffer.write(text, offset - before, 'utf8');
  return buffer;
}

/** Every piece of `text` at least `min` long. */
function pieces(text: string, min: number): string[] {
  const out: string[] = [];
  for (let i = 0; i + min <= text.length; i++) out.push(text.slice(i, i + min));
  return out;
}

describe('keeping captured output', () => {
  it('keeps small output whole, masked, with the hash of the whole', async () => {
    const raw = `one ${SECRET} two\n`;
    const kept = await keepOutput(file(raw), redact);
    expect(kept).toMatchObject({ text: `one ${REDACTED} two\n`, bytes: raw.length, truncated: false, tail: `one ${REDACTED} two\n` });
    expect(kept.sha256).toBe(sha256(`one ${REDACTED} two\n`));
    // The size that goes with that hash: of the same masked bytes.
    expect(kept.maskedBytes).toBe(Buffer.byteLength(`one ${REDACTED} two\n`));
  });

  it('with no secret to mask, the hash is that of the raw bytes', async () => {
    const raw = Buffer.concat([filler(3 * 1024 * 1024 + 17), Buffer.from([0xff, 0xfe, 0x00])]);
    const kept = await keepOutput(file(raw), createRedactor([]));
    expect(kept.sha256).toBe(sha256(raw));
    expect(kept.bytes).toBe(raw.length);
    expect(kept.maskedBytes).toBe(raw.length);
  });

  it('keeps a bounded head and tail of big output, marked, with the size and hash of the whole', async () => {
    const size = 5 * 1024 * 1024 + 3;
    const raw = filler(size);
    const kept = await keepOutput(file(raw), redact);
    expect(kept.truncated).toBe(true);
    expect(kept.bytes).toBe(size);
    expect(kept.text).toContain(`[gate: output truncated: ${size} bytes in all; ${size - 2 * KEEP_PART_BYTES} bytes omitted here]`);
    expect(Buffer.byteLength(kept.text)).toBeLessThan(2 * KEEP_PART_BYTES + 200);
    expect(kept.text.startsWith(raw.subarray(0, KEEP_PART_BYTES).toString())).toBe(true);
    expect(kept.text.endsWith(raw.subarray(size - KEEP_PART_BYTES).toString())).toBe(true);
    expect(kept.tail).toBe(raw.subarray(size - TAIL_BYTES).toString());
    expect(kept.sha256).toBe(sha256(raw));
  });

  it('masks a secret cut by any edge of what is kept whole, leaving no piece of it', async () => {
    const size = KEEP_WHOLE_BYTES + 512 * 1024;
    const edges = [KEEP_PART_BYTES, size - KEEP_PART_BYTES, size - TAIL_BYTES];
    for (const before of [1, 5, SECRET.length - 1]) {
      const raw = filler(size, edges.map((edge) => [edge, SECRET, before] as [number, string, number]));
      const kept = await keepOutput(file(raw), redact);
      for (const piece of pieces(SECRET, 3)) {
        expect(kept.text, `piece ${piece}, ${before} bytes before the edge`).not.toContain(piece);
        expect(kept.tail).not.toContain(piece);
      }
      expect(kept.text.split(REDACTED).length - 1).toBe(3);
      expect(kept.tail.startsWith(REDACTED)).toBe(true);
      // The whole output's hash and size cover it masked, once for each place.
      const masked = raw.toString('latin1').split(SECRET).join(REDACTED);
      expect(kept.sha256).toBe(sha256(masked));
      expect(kept.maskedBytes).toBe(Buffer.byteLength(masked, 'latin1'));
      expect(kept.bytes).toBe(size);
    }
  });

  it('masks a base64 form cut by an edge too', async () => {
    const size = KEEP_WHOLE_BYTES + 4096;
    const raw = filler(size, [[KEEP_PART_BYTES, B64, 7]]);
    const kept = await keepOutput(file(raw), redact);
    for (const piece of pieces(B64, 6)) expect(kept.text).not.toContain(piece);
  });

  it('hashes a secret that spans two of its read chunks as masked', async () => {
    const size = 3 * 1024 * 1024;
    // The hash reads the file in chunks of a power of two up to 256 KiB: put a secret across several of their edges.
    const raw = filler(size, [1, 2, 5, 9].map((k) => [k * 256 * 1024, SECRET, 1 + k] as [number, string, number]));
    const kept = await keepOutput(file(raw), redact);
    const masked = raw.toString('latin1').split(SECRET).join(REDACTED);
    expect(kept.sha256).toBe(sha256(masked));
    expect(kept.maskedBytes).toBe(Buffer.byteLength(masked, 'latin1'));
  });

  it('hashes bytes read already (a document as judged) as it hashes the same file: masked, a secret across its pieces too', async () => {
    const raw = filler(1024 * 1024, [1, 3].map((k) => [k * 64 * 1024, SECRET, 1 + k] as [number, string, number]));
    const masked = raw.toString('latin1').split(SECRET).join(REDACTED);
    const whole = { sha256: sha256(masked), bytes: Buffer.byteLength(masked, 'latin1') };
    expect(hashMaskedBytes(raw, redact)).toEqual(whole);
    const handle = await open(file(raw));
    try {
      expect(await hashMaskedFile(handle, redact)).toEqual(whole);
    } finally {
      await handle.close();
    }
    expect(hashMaskedBytes(raw, createRedactor([]))).toEqual({ sha256: sha256(raw), bytes: raw.length });
    expect(hashMaskedBytes(Buffer.alloc(0), redact)).toEqual({ sha256: sha256(''), bytes: 0 });
  });

  it('never splits a UTF-8 character at a cut', async () => {
    const size = KEEP_WHOLE_BYTES + 100;
    const raw = filler(size);
    // A 3-byte character across the end of the head and the start of the tail.
    raw.write('€', KEEP_PART_BYTES - 1, 'utf8');
    raw.write('€', size - KEEP_PART_BYTES - 1, 'utf8');
    const kept = await keepOutput(file(raw), createRedactor([]));
    expect(kept.text).not.toContain('\ufffd');
    expect(kept.text.split('€').length - 1).toBe(1);
  });

  it('an output over the output limit (a sparse file of a terabyte, made by one ftruncate) is kept in part and not hashed: nothing reads it all', async () => {
    expect(HASH_LIMIT_BYTES).toBe(MAX_OUTPUT_BYTES);
    for (const size of [HASH_LIMIT_BYTES + 1, 1024 ** 4]) {
      const target = file('{"ok":true}\n');
      truncateSync(target, size);
      for (const masking of [createRedactor([]), redact]) {
        const kept = await keepOutput(target, masking);
        expect(kept.sha256).toBeUndefined();
        expect(kept).toMatchObject({ bytes: size, maskedBytes: size, truncated: true });
        expect(kept.text.startsWith('{"ok":true}\n')).toBe(true);
        expect(kept.text).toContain(`[gate: output truncated: ${size} bytes in all;`);
      }
    }
    // Up to the limit it is hashed whole, as any output.
    const target = file('x');
    truncateSync(target, 3 * KEEP_WHOLE_BYTES);
    expect((await keepOutput(target, createRedactor([]))).sha256).toBe(sha256(Buffer.concat([Buffer.from('x'), Buffer.alloc(3 * KEEP_WHOLE_BYTES - 1)])));
  });

  it('refuses to read a FIFO put where an output should be', async () => {
    const fifo = path.join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    await expect(keepOutput(fifo, redact)).rejects.toThrow(/not a regular file/);
  });
});

describe('hashing a large output on another thread', () => {
  it('gives the sha256 of the file\'s bytes, with the size, modification time and inode it hashed', async () => {
    const raw = Buffer.concat([filler(3 * 1024 * 1024 + 5), Buffer.from([0xff, 0x00, 0xc3])]);
    const target = file(raw);
    const { mtimeMs, ino } = statSync(target);
    expect(await hashOffThread(target).digest).toEqual({ sha256: sha256(raw), bytes: raw.length, mtimeMs, ino });
  });

  it('fails as a value for a file it cannot read (a missing file, a FIFO), and when stopped', async () => {
    await expect(hashOffThread(path.join(dir, 'missing')).digest).rejects.toThrow(/ENOENT/);
    const fifo = path.join(dir, 'fifo-hash');
    execFileSync('mkfifo', [fifo]);
    await expect(hashOffThread(fifo).digest).rejects.toThrow(/not a regular file/);
    const stopped = hashOffThread(file(filler(64 * 1024 * 1024)));
    stopped.cancel();
    // Stopped while running, or while waiting for the FIFO's thread to end.
    await expect(stopped.digest).rejects.toThrow(/without a digest|stopped before its thread began/);
  });

  it('runs at most HASH_THREADS threads at once; the rest wait their turn, and one stopped while waiting never starts', async () => {
    const raw = filler(4 * 1024 * 1024);
    const target = file(raw);
    const hashes = Array.from({ length: 2 * HASH_THREADS + 2 }, () => hashOffThread(target));
    expect(hashThreadsRunning()).toBe(HASH_THREADS);
    const last = hashes.pop()!;
    last.cancel();
    await expect(last.digest).rejects.toThrow(/stopped before its thread began/);
    let most = 0;
    const watch = setInterval(() => (most = Math.max(most, hashThreadsRunning())), 1);
    const digests = await Promise.all(hashes.map((h) => h.digest));
    clearInterval(watch);
    for (const d of digests) expect(d.sha256).toBe(sha256(raw));
    expect(most).toBeLessThanOrEqual(HASH_THREADS);
    // Each ended thread hands its turn on: none is left running or waiting.
    await vi.waitFor(() => expect(hashThreadsRunning()).toBe(0));
  });

  it('reads no further than the size the file had when it began, and fails if the file grew meanwhile (a writer left behind never keeps it busy)', async () => {
    const target = file(filler(32 * 1024 * 1024));
    // A real process appending as fast as it can, for as long as the hash takes.
    const writer = spawn('sh', ['-c', `exec yes 0123456789abcdef >> '${target}'`], { stdio: 'ignore' });
    try {
      // Settles (reading without end would never): as a change, or, if the writer stalled all the while,
      // with the hash of exactly what was there at the start.
      const settled = await hashOffThread(target).digest.then((d) => d, (e: Error) => e);
      writer.kill('SIGKILL');
      if (settled instanceof Error) expect(settled.message).toMatch(/changed while it was hashed/);
      else expect(settled.sha256).toBe(sha256(readFileSync(target).subarray(0, settled.bytes)));
    } finally {
      writer.kill('SIGKILL');
    }
  });

  it('keepOutput takes that hash while the file is the one hashed, as it was, and hashes it again otherwise', async () => {
    const raw = filler(2 * 1024 * 1024);
    const target = file(raw);
    const { mtimeMs, ino } = statSync(target);
    // A stand-in digest shows which hash was taken.
    const early = (bytes: number, at = mtimeMs, inode = ino) => Promise.resolve({ sha256: 'taken-earlier', bytes, mtimeMs: at, ino: inode });
    expect((await keepOutput(target, createRedactor([]), early(raw.length))).sha256).toBe('taken-earlier');
    // The file changed size or time since (a process left behind still writing), or another file took its place: hashed again.
    expect((await keepOutput(target, createRedactor([]), early(raw.length - 1))).sha256).toBe(sha256(raw));
    expect((await keepOutput(target, createRedactor([]), early(raw.length, mtimeMs - 1000))).sha256).toBe(sha256(raw));
    expect((await keepOutput(target, createRedactor([]), early(raw.length, mtimeMs, ino + 1))).sha256).toBe(sha256(raw));
    // The thread failed: hashed here. (hashOffThread's promises carry a handler from the start, as this one does.)
    const failed = Promise.reject(new Error('gone'));
    failed.catch(() => undefined);
    expect((await keepOutput(target, createRedactor([]), failed)).sha256).toBe(sha256(raw));
    // Secrets to mask: the raw hash is never the one reported.
    expect((await keepOutput(target, redact, early(raw.length))).sha256).toBe(sha256(raw));
    // A $GATE_EVIDENCE_FILE listed as evidence, on the same terms.
    expect(await hashRegularFile(target, { early: early(raw.length) })).toEqual({ ok: true, sha256: 'taken-earlier', bytes: raw.length, stale: false, identity: expect.any(String) });
    expect(await hashRegularFile(target, { early: early(raw.length, mtimeMs, ino + 1) })).toEqual({ ok: true, sha256: sha256(raw), bytes: raw.length, stale: false, identity: expect.any(String) });
  });
});
