/**
 * The sha256 of a large output file, taken on a worker thread while the event
 * loop goes on judging the check (this CPU hashes about 250 MB/s: 50 MB would
 * hold the loop for 200 ms). The worker reads the file itself, a MiB at a
 * time, so nothing large crosses threads; it reports the size it hashed and
 * the file's modification time, so that the caller can tell whether the file
 * is still what was hashed.
 */
import { Worker } from 'node:worker_threads';
import type { RawDigest } from '../model/types.js';

/** Outputs from this size up are hashed off the event loop (a worker costs a few ms to start). */
export const OFF_THREAD_HASH_BYTES = 16 * 1024 * 1024;

const SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { closeSync, constants, fstatSync, openSync, readSync } = require('node:fs');
const fd = openSync(workerData, constants.O_RDONLY | constants.O_NONBLOCK);
try {
  const info = fstatSync(fd);
  if (!info.isFile()) throw new Error('not a regular file');
  const hash = createHash('sha256');
  const chunk = Buffer.allocUnsafe(1 << 20);
  let bytes = 0;
  for (;;) {
    const read = readSync(fd, chunk, 0, chunk.length, bytes);
    if (read === 0) break;
    hash.update(chunk.subarray(0, read));
    bytes += read;
  }
  parentPort.postMessage({ sha256: hash.digest('hex'), bytes, mtimeMs: fstatSync(fd).mtimeMs });
} finally {
  closeSync(fd);
}
`;

/** Starts hashing `file` on a worker thread. The promise never goes unhandled: a failure is for the caller to see when it awaits. */
export function hashOffThread(file: string): Promise<RawDigest> {
  const digest = new Promise<RawDigest>((resolve, reject) => {
    const worker = new Worker(SOURCE, { eval: true, workerData: file, env: {}, stdout: true, stderr: true, resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 4 } });
    worker.once('message', (message: RawDigest) => resolve(message));
    worker.once('error', reject);
    // After a message this changes nothing; without one, the worker ended early.
    worker.once('exit', (code) => reject(new Error(`the hashing thread ended (code ${code}) without a digest`)));
  });
  digest.catch(() => undefined);
  return digest;
}
