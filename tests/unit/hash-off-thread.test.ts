import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import threads from 'node:worker_threads';
import { afterAll, describe, expect, it, vi } from 'vitest';

/** How many of the next thread starts fail, as `new Worker` does when no thread can be had (EAGAIN under a process limit). */
const refuse = { next: 0 };
// gate requires node:worker_threads when its first thread starts, and reads its Worker at each start: a
// stand-in put on the module object is the one it gets.
const RealWorker = threads.Worker;
class RefusingWorker extends RealWorker {
  constructor(...args: ConstructorParameters<typeof RealWorker>) {
    if (refuse.next > 0) {
      refuse.next -= 1;
      throw Object.assign(new Error('ERR_WORKER_INIT_FAILED: EAGAIN'), { code: 'ERR_WORKER_INIT_FAILED' });
    }
    super(...args);
  }
}
threads.Worker = RefusingWorker;
afterAll(() => {
  threads.Worker = RealWorker;
});

const { HASH_THREADS, hashOffThread, hashThreadsRunning } = await import('../../src/util/hash-off-thread.js');

const dir = mkdtempSync(path.join(os.tmpdir(), 'gate-hash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('hashing threads that cannot start', () => {
  it('a thread that cannot be made fails its own hash only: the turn passes on, nothing waits forever', async () => {
    const file = path.join(dir, 'out');
    const raw = Buffer.alloc(2 * 1024 * 1024, 'x');
    writeFileSync(file, raw);
    const sha256 = createHash('sha256').update(raw).digest('hex');
    // The first start fails at once; of the queued ones behind a running thread, the next fails too.
    refuse.next = 1;
    const first = hashOffThread(file);
    await expect(first.digest).rejects.toThrow(/EAGAIN/);
    expect(hashThreadsRunning()).toBe(0);
    const running = Array.from({ length: HASH_THREADS }, () => hashOffThread(file));
    refuse.next = 1;
    const queued = [hashOffThread(file), hashOffThread(file)];
    await expect(queued[0]!.digest).rejects.toThrow(/EAGAIN/);
    for (const h of [...running, queued[1]!]) expect((await h.digest).sha256).toBe(sha256);
    await vi.waitFor(() => expect(hashThreadsRunning()).toBe(0));
  });
});
