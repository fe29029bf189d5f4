/**
 * `--verbose`: a check's output, streamed from the files it writes to (gate
 * never holds a pipe to a check). Each file is polled from the last offset and
 * cut into lines. Memory stays bounded whatever the check prints: one read
 * buffer, and an unfinished line of at most `maxLineChars`; a check that
 * writes faster than the terminal is fed is skipped ahead, with a note.
 *
 * Lines are masked as they were written, before they are made fit to show:
 * through a `LineMasker`, which holds back the lines that could still be the
 * start of a secret of several lines until the lines after them settle it.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { createRedactor, type LineMasker } from '../report/redact.js';
import { plainText } from '../report/text.js';

export interface TailLimits {
  /** A longer line is cut, marked, and the rest of it dropped. */
  maxLineChars: number;
  /** Read at most this much a poll. */
  chunkBytes: number;
  /** When more than this is waiting to be read, skip to the end and say so. */
  maxBehindBytes: number;
}

export const DEFAULT_TAIL_LIMITS: TailLimits = { maxLineChars: 4096, chunkBytes: 256 * 1024, maxBehindBytes: 4 * 1024 * 1024 };

export type TailEvent = { kind: 'line'; text: string } | { kind: 'skipped'; bytes: number };

// Controls other than tab: a check's output must not move the cursor or retitle the terminal.
const CONTROLS = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g;

/** A streamed line as gate prints it: colour codes and other controls dropped. */
export function displayLine(text: string): string {
  // plainText turns a lone `\r` (a progress bar redrawing itself) into a line break: keep one line.
  return plainText(text).replace(/\n+$/, '').replace(/\n/g, ' ').replace(CONTROLS, '');
}

/** Follows one output file. `poll()` reads what is new; `finish()` reads to the end and closes. */
export class FileTail {
  private fd: number | undefined;
  private offset = 0;
  private line = '';
  /** Whole lines read, for the masker in one go. */
  private whole = '';
  /** Inside a line that was cut or skipped into: drop until its end. */
  private dropping = false;
  private decoder = new StringDecoder('utf8');
  private readonly buffer: Buffer;
  private closed = false;

  constructor(
    private readonly file: string,
    private readonly emit: (event: TailEvent) => void,
    private readonly limits: TailLimits = DEFAULT_TAIL_LIMITS,
    private readonly masker: LineMasker = createRedactor([]).lines(),
  ) {
    this.buffer = Buffer.alloc(limits.chunkBytes);
  }

  poll(): void {
    if (this.closed || !this.open()) return;
    this.read(this.limits.chunkBytes);
  }

  /** Reads what is left (still skipping ahead past a flood), emits the unfinished line, closes. */
  finish(): void {
    if (this.closed) return;
    if (this.open()) {
      while (this.read(this.limits.chunkBytes) > 0);
      this.take(this.decoder.end());
      this.show(this.masker.end(this.dropping ? '' : this.line));
    }
    this.close();
  }

  close(): void {
    this.closed = true;
    if (this.fd !== undefined) {
      try {
        closeSync(this.fd);
      } catch {
        // already gone
      }
      this.fd = undefined;
    }
  }

  private open(): boolean {
    if (this.fd !== undefined) return true;
    try {
      this.fd = openSync(this.file, 'r');
      return true;
    } catch {
      // Not created yet (the attempt is starting), or already cleaned up.
      return false;
    }
  }

  /** One read of at most `max` bytes; how many were read. */
  private read(max: number): number {
    try {
      const size = fstatSync(this.fd!).size;
      if (size - this.offset > this.limits.maxBehindBytes) {
        // The lines held are shown before the note; the unfinished line is skipped into.
        const held = this.masker.gap('');
        if (held[held.length - 1] === '') held.pop();
        this.show(held);
        this.emit({ kind: 'skipped', bytes: size - this.offset });
        this.offset = size;
        this.line = '';
        this.decoder = new StringDecoder('utf8');
        this.dropping = true;
        return 0;
      }
      const n = readSync(this.fd!, this.buffer, 0, Math.min(max, this.buffer.length), this.offset);
      this.offset += n;
      if (n > 0) this.take(this.decoder.write(this.buffer.subarray(0, n)));
      return n;
    } catch {
      // The lines held are shown; the unfinished one goes with the file.
      this.show(this.masker.end(''));
      this.close();
      return 0;
    }
  }

  private show(lines: string[]): void {
    for (const text of lines) this.emit({ kind: 'line', text: displayLine(text) });
  }

  private take(text: string): void {
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      this.append(text.slice(start, nl));
      if (!this.dropping) this.whole += `${this.line}\n`;
      this.line = '';
      this.dropping = false;
      start = nl + 1;
    }
    this.append(text.slice(start));
    this.showWhole();
  }

  /** The whole lines read, masked together (as a check's output is masked: one pass for many lines). */
  private showWhole(): void {
    if (this.whole === '') return;
    const lines = this.whole;
    this.whole = '';
    this.show(this.masker.push(lines));
  }

  private append(piece: string): void {
    if (this.dropping || piece === '') return;
    this.line += piece;
    if (this.line.length > this.limits.maxLineChars) {
      // The rest of the line is dropped: a secret it cuts short is masked from its start.
      this.showWhole();
      const lines = this.masker.gap(this.line.slice(0, this.limits.maxLineChars));
      const cut = lines.pop() ?? '';
      this.show(lines);
      this.emit({ kind: 'line', text: `${displayLine(cut)} [… line cut]` });
      this.line = '';
      this.dropping = true;
    }
  }
}
