import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createOutputStreamer } from '../../src/log/stream-output.js';
import { displayLine, FileTail, type TailEvent } from '../../src/log/tail.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'gate-tail-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fresh = () => path.join(dir, `out-${(n += 1)}.txt`);

const follow = (file: string, limits = { maxLineChars: 20, chunkBytes: 16, maxBehindBytes: 64 }) => {
  const events: TailEvent[] = [];
  const tail = new FileTail(file, (e) => events.push(e), limits);
  const lines = () => events.filter((e) => e.kind === 'line').map((e) => (e as { text: string }).text);
  return { tail, events, lines };
};

describe('FileTail', () => {
  it('waits for a file that does not exist yet, then emits complete lines, and the rest at the end', () => {
    const file = fresh();
    const { tail, lines } = follow(file);
    tail.poll();
    writeFileSync(file, 'one\ntw');
    tail.poll();
    tail.poll();
    expect(lines()).toEqual(['one']);
    appendFileSync(file, 'o\nthree');
    tail.finish();
    expect(lines()).toEqual(['one', 'two', 'three']);
  });

  it('keeps a multi-byte character split across reads whole', () => {
    const file = fresh();
    writeFileSync(file, `${'a'.repeat(15)}é\n`);
    const { tail, lines } = follow(file);
    tail.poll();
    tail.finish();
    expect(lines()).toEqual([`${'a'.repeat(15)}é`]);
  });

  it('cuts a long line and drops the rest of it', () => {
    const file = fresh();
    writeFileSync(file, `${'x'.repeat(50)}\nnext\n`);
    const { tail, lines } = follow(file);
    tail.finish();
    expect(lines()).toEqual([`${'x'.repeat(20)} [… line cut]`, 'next']);
  });

  it('skips ahead, with a note, when it falls too far behind, and resumes at the next line', () => {
    const file = fresh();
    writeFileSync(file, `${'0123456789\n'.repeat(20)}last\n`);
    const { tail, events, lines } = follow(file);
    tail.poll();
    expect(events[0]).toEqual({ kind: 'skipped', bytes: 225 });
    appendFileSync(file, 'tail of a line\nfresh\n');
    tail.finish();
    expect(lines()).toEqual(['fresh']);
  });

  it('drops colour codes and other controls from what it shows', () => {
    expect(displayLine('\u001b[31mred\u001b[0m \u001b]0;title\u0007x\r')).toBe('red ]0;titlex');
    expect(displayLine('10%\r20%')).toBe('10% 20%');
  });
});

describe('output streamer', () => {
  it('prefixes stdout and stderr lines with the check id, reads a finished attempt to its end, and says when a retry starts', () => {
    const out = fresh();
    const err = fresh();
    writeFileSync(out, '{"ok":false}\n');
    writeFileSync(err, 'warn\n');
    const batches: string[][] = [];
    const s = createOutputStreamer((lines) => batches.push(lines), { pollMs: 1_000_000 });
    s.attach('a', 1, { stdout: out, stderr: err });
    const out2 = fresh();
    writeFileSync(out2, 'second\n');
    s.attach('a', 2, { stdout: out2, stderr: fresh() });
    s.done('a');
    s.stop();
    expect(batches.flat()).toEqual(['[a] {"ok":false}', '[a:err] warn', '[a] attempt 2', '[a] second']);
  });
});
