/**
 * A check's captured output, as the report keeps it: whole when small, else a
 * bounded head and tail with the byte count of the whole, marked truncated.
 * Only the kept parts are ever read into memory.
 */
import { open } from 'node:fs/promises';

/** Output up to this size is kept whole. */
export const KEEP_WHOLE_BYTES = 1024 * 1024;
/** Past it, this much of the head and of the tail. */
export const KEEP_PART_BYTES = 256 * 1024;
/** What the Markdown and JUnit reports show of an output. */
const TAIL_BYTES = 4096;

export interface KeptOutput {
  text: string;
  /** Size of the whole output. */
  bytes: number;
  truncated: boolean;
  /** The last few KiB, for the human reports. */
  tail: string;
}

async function readRange(file: string, start: number, length: number): Promise<string> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, start);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}

export async function keepOutput(file: string, bytes: number): Promise<KeptOutput> {
  const tail = await readRange(file, Math.max(0, bytes - TAIL_BYTES), Math.min(bytes, TAIL_BYTES));
  if (bytes <= KEEP_WHOLE_BYTES) return { text: await readRange(file, 0, bytes), bytes, truncated: false, tail };
  const head = await readRange(file, 0, KEEP_PART_BYTES);
  const end = await readRange(file, bytes - KEEP_PART_BYTES, KEEP_PART_BYTES);
  const marker = `\n[gate: output truncated: ${bytes} bytes in all; ${bytes - 2 * KEEP_PART_BYTES} bytes omitted here]\n`;
  return { text: head + marker + end, bytes, truncated: true, tail };
}
