import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createOutputStreamer } from '../../src/log/stream-output.js';
import { displayLine, FileTail, type TailEvent, type TailLimits } from '../../src/log/tail.js';
import { createRedactor, REDACTED, type Redactor } from '../../src/report/redact.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'gate-tail-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fresh = () => path.join(dir, `out-${(n += 1)}.txt`);

const follow = (file: string, limits: TailLimits = { maxLineChars: 20, chunkBytes: 16, maxBehindBytes: 64 }, redact?: Redactor) => {
  const events: TailEvent[] = [];
  const tail = new FileTail(file, (e) => events.push(e), limits, redact?.lines());
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

describe('secrets in streamed output', () => {
  const KEY = '-----BEGIN KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\nKUpRKfFLfRYC9AIKjbJTWit+CqvjWYzvQwECAwEAAQ\n-----END KEY-----';
  const keyLines = KEY.split('\n');
  const redact = createRedactor([KEY]);
  const limits = { maxLineChars: 100, chunkBytes: 16, maxBehindBytes: 1024 };
  const noPieceOf = (lines: string[]) => {
    for (const line of keyLines) for (const shown of lines) expect(shown).not.toContain(line);
  };

  it('masks a key of several lines whole, with \\n or \\r\\n line ends, read a few bytes at a time', () => {
    for (const eol of ['\n', '\r\n']) {
      const file = fresh();
      writeFileSync(file, `start${eol}${KEY.replace(/\n/g, eol)}${eol}end${eol}`);
      const { tail, lines } = follow(file, limits, redact);
      while (lines().length < 3) tail.poll();
      tail.finish();
      expect(lines()).toEqual(['start', REDACTED, 'end']);
    }
  });

  it('shows a line at once unless it could start the key, and a held line once the next rules the key out', () => {
    const file = fresh();
    const { tail, lines } = follow(file, { ...limits, chunkBytes: 1024 }, redact);
    writeFileSync(file, 'ready\n');
    tail.poll();
    expect(lines()).toEqual(['ready']);
    appendFileSync(file, `${keyLines[0]}\n`);
    tail.poll();
    expect(lines()).toEqual(['ready']);
    appendFileSync(file, 'something else\n');
    tail.poll();
    expect(lines()).toEqual(['ready', keyLines[0], 'something else']);
    appendFileSync(file, `${keyLines[0]}\n${keyLines[1]}\n`);
    tail.poll();
    tail.finish();
    // Cut short by the end of the output, as the kept output has it: the armor line shown, the line of the body masked on its own.
    expect(lines().slice(3)).toEqual([keyLines[0], REDACTED]);
  });

  it('masks the start of a key that a line cut drops the rest of, and what follows the cut of it', () => {
    const file = fresh();
    writeFileSync(file, `${'x'.repeat(90)}${KEY}\nafter\n`);
    const { tail, lines } = follow(file, limits, redact);
    tail.finish();
    expect(lines()).toEqual([`${'x'.repeat(90)}${REDACTED} [… line cut]`, REDACTED, 'after']);
    noPieceOf(lines());
  });

  it('shows the lines held before skipping ahead with the start of the key masked, and its rest after', () => {
    const file = fresh();
    const { tail, events, lines } = follow(file, { maxLineChars: 100, chunkBytes: 4096, maxBehindBytes: 200 }, redact);
    writeFileSync(file, `${keyLines[0]}\n`);
    tail.poll();
    expect(lines()).toEqual([]);
    appendFileSync(file, `${keyLines.slice(1).join('\n')}\n${'flood\n'.repeat(50)}`);
    tail.poll();
    appendFileSync(file, `${KEY}\nlast\n`);
    tail.finish();
    expect(events[0]).toEqual({ kind: 'line', text: REDACTED });
    expect(events[1]).toMatchObject({ kind: 'skipped' });
    expect(lines().slice(1)).toEqual([REDACTED, 'last']);
    noPieceOf(lines());
  });

  it('masks a secret holding a lone \\r as it was written, before the \\r is shown as a space', () => {
    const file = fresh();
    writeFileSync(file, 'v=first-half\rsecond-half;\n');
    const { tail, lines } = follow(file, limits, createRedactor(['first-half\rsecond-half']));
    tail.finish();
    expect(lines()).toEqual([`v=${REDACTED};`]);
  });

  it('the streamer masks each stream before the prefixes go in', () => {
    const out = fresh();
    const err = fresh();
    writeFileSync(out, `${KEY.replace(/\n/g, '\r\n')}\r\n`);
    writeFileSync(err, `${KEY}\nwarn\n`);
    const batches: string[][] = [];
    const s = createOutputStreamer((lines) => batches.push(lines), { pollMs: 1_000_000, redact });
    s.attach('a', 1, { stdout: out, stderr: err });
    s.done('a');
    s.stop();
    expect(batches.flat()).toEqual([`[a] ${REDACTED}`, `[a:err] ${REDACTED}`, '[a:err] warn']);
  });
});
