/**
 * `--verbose`: every running check's output, as it is written, one prefixed
 * line at a time: `[id] ` for stdout, `[id:err] ` for stderr. Lines come in
 * batches, one batch a poll, so a redrawn view redraws once a batch.
 *
 * Each stream is masked on its own, as it was written, before the prefixes go
 * in (they would split a secret of several lines): a line that could still be
 * the start of one waits for the lines that settle it (see `LineMasker`).
 */
import type { Redactor } from '../report/redact.js';
import { DEFAULT_TAIL_LIMITS, FileTail, type TailEvent, type TailLimits } from './tail.js';

export interface OutputStreamer {
  /** An attempt of `id` is starting and writes to these files; the check's earlier attempt is read to its end first. */
  attach(id: string, attempt: number, files: { stdout: string; stderr: string }): void;
  /** `id` has ended: read the rest of its output and let go of its files. */
  done(id: string): void;
  /** The run is over: read what is left of every check, stop polling. */
  stop(): void;
}

export interface StreamerOptions {
  pollMs?: number;
  limits?: TailLimits;
  /** The gate's secrets, masked in each stream as it was written. */
  redact?: Redactor;
}

export const DEFAULT_POLL_MS = 150;

export function createOutputStreamer(emit: (lines: string[]) => void, options: StreamerOptions = {}): OutputStreamer {
  const tails = new Map<string, FileTail[]>();
  let batch: string[] = [];
  let timer: NodeJS.Timeout | undefined;

  const flush = () => {
    if (batch.length === 0) return;
    const lines = batch;
    batch = [];
    emit(lines);
  };
  const tailFor = (id: string, stream: 'out' | 'err', file: string) => {
    const prefix = stream === 'out' ? `[${id}] ` : `[${id}:err] `;
    return new FileTail(
      file,
      (event: TailEvent) =>
        batch.push(
          event.kind === 'line'
            ? `${prefix}${event.text}`
            : `${prefix}… ${event.bytes} bytes not shown (written faster than they can be streamed; the report keeps the output)`,
        ),
      options.limits ?? DEFAULT_TAIL_LIMITS,
      options.redact?.lines(),
    );
  };
  const finishTails = (id: string) => {
    for (const tail of tails.get(id) ?? []) tail.finish();
    tails.delete(id);
  };
  const poll = () => {
    for (const list of tails.values()) for (const tail of list) tail.poll();
    flush();
  };

  return {
    attach(id, attempt, files) {
      finishTails(id);
      if (attempt > 1) batch.push(`[${id}] attempt ${attempt}`);
      tails.set(id, [tailFor(id, 'out', files.stdout), tailFor(id, 'err', files.stderr)]);
      flush();
      if (!timer) {
        timer = setInterval(poll, options.pollMs ?? DEFAULT_POLL_MS);
        // Polling alone never keeps gate alive.
        timer.unref();
      }
    },
    done(id) {
      finishTails(id);
      flush();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      for (const id of [...tails.keys()]) finishTails(id);
      flush();
    },
  };
}
