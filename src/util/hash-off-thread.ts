/**
 * The sha256 of a large output file, taken on a worker thread while the event
 * loop goes on judging the check (sha256 runs at a few hundred MB/s: 50 MB
 * would hold the loop for well over 100 ms). The worker reads the file itself, a MiB at a
 * time, so nothing large crosses threads, and never past the size the file
 * had when it began: a process left behind that keeps writing cannot keep it
 * busy. It reports that size with the file's inode and modification time, and
 * fails if the file changed while it read, so that the caller can tell
 * whether the file is still what was hashed.
 */
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import type { RawDigest } from '../model/types.js';

/** Outputs from this size up are hashed off the event loop (a worker costs a few ms to start). */
export const OFF_THREAD_HASH_BYTES = 16 * 1024 * 1024;

const SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { closeSync, constants, fstatSync, openSync, readSync } = require('node:fs');
const fd = openSync(workerData, constants.O_RDONLY | constants.O_NONBLOCK);
try {
  const before = fstatSync(fd);
  if (!before.isFile()) throw new Error('not a regular file');
  const hash = createHash('sha256');
  const chunk = Buffer.allocUnsafe(1 << 20);
  let bytes = 0;
  while (bytes < before.size) {
    const read = readSync(fd, chunk, 0, Math.min(chunk.length, before.size - bytes), bytes);
    if (read === 0) break;
    hash.update(chunk.subarray(0, read));
    bytes += read;
  }
  const after = fstatSync(fd);
  if (bytes !== before.size || after.size !== before.size || after.mtimeMs !== before.mtimeMs) throw new Error('the file changed while it was hashed');
  parentPort.postMessage({ sha256: hash.digest('hex'), bytes, mtimeMs: before.mtimeMs, ino: before.ino });
} finally {
  closeSync(fd);
}
`;

export interface OffThreadHash {
  /** Never goes unhandled: a failure is for whoever awaits it. */
  digest: Promise<RawDigest>;
  /** Stops the worker (its digest then fails): for an attempt whose output will not be kept. */
  cancel: () => void;
}

/**
 * At most this many hashing threads at once (more wait their turn): under a
 * high `-j`, many large outputs ending together must not start a thread each.
 */
export const HASH_THREADS = Math.max(1, Math.min(4, availableParallelism() - 1));

/**
 * node:worker_threads, required when the first thread starts (and its Worker read at each start):
 * about 1 ms of every start that a run without a large output would spend for nothing.
 */
const lazyRequire = createRequire(import.meta.url);
const threads = () => lazyRequire('node:worker_threads') as typeof import('node:worker_threads');
let running = 0;
const waiting: (() => void)[] = [];

/** How many hashing threads run now (for tests). */
export const hashThreadsRunning = () => running;

/** Starts hashing `file` on a worker thread, or as soon as one of the `HASH_THREADS` is free. */
export function hashOffThread(file: string): OffThreadHash {
  let worker: Worker | undefined;
  let stop: () => void = () => undefined;
  const digest = new Promise<RawDigest>((resolve, reject) => {
    const start = () => {
      try {
        worker = new (threads().Worker)(SOURCE, { eval: true, workerData: file, env: {}, stdout: true, stderr: true, resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 4 } });
      } catch (error) {
        // No thread to be had (a process limit, say): this hash fails (it is then taken in the event loop), and the next one gets its turn.
        reject(error as Error);
        waiting.shift()?.();
        return;
      }
      running += 1;
      worker.once('message', (message: RawDigest) => resolve(message));
      worker.once('error', reject);
      // After a message this changes nothing; without one, the worker ended early.
      worker.once('exit', (code) => {
        running -= 1;
        waiting.shift()?.();
        reject(new Error(`the hashing thread ended (code ${code}) without a digest`));
      });
    };
    stop = () => {
      if (worker) return void worker.terminate();
      const at = waiting.indexOf(start);
      if (at >= 0) waiting.splice(at, 1);
      reject(new Error('the hashing was stopped before its thread began'));
    };
    if (running < HASH_THREADS) start();
    else waiting.push(start);
  });
  digest.catch(() => undefined);
  return { digest, cancel: () => stop() };
}

/**
 * The hash of a digest taken earlier, if the file as it is now (`info`, from
 * a stat) is still the one hashed: the same inode, with the size and
 * modification time it had throughout the hashing. Otherwise undefined (also
 * when the hashing failed or was stopped): hash the file here.
 */
export async function hashIfUnchanged(early: Promise<RawDigest> | undefined, info: { size: number; mtimeMs: number; ino: number }): Promise<string | undefined> {
  if (early === undefined) return undefined;
  const digest = await early.catch(() => undefined);
  return digest && digest.bytes === info.size && digest.mtimeMs === info.mtimeMs && digest.ino === info.ino ? digest.sha256 : undefined;
}
