/**
 * Human progress on stderr, and the summary gate prints at the end. Two views:
 * plain (one line per event: CI logs, pipes, files) and live (a redrawn list on
 * a terminal, see live.ts). `--verbose` adds each check's output, streamed.
 */
import type { CheckResult, Report } from '../model/types.js';
import type { Redactor } from '../report/redact.js';
import { formatDuration } from '../report/text.js';
import { createLiveView } from './live.js';
import { createOutputStreamer, type StreamerOptions } from './stream-output.js';
import { createStyles, type Styles } from './style.js';

export { renderSummary, verdictLine } from './summary.js';

export interface Progress {
  runStarted(gateId: string, checks: number, jobs: number): void;
  checkStarted(id: string): void;
  /** An attempt is about to start; its output goes to these files. */
  attemptStarted?(id: string, attempt: number, files: { stdout: string; stderr: string }): void;
  checkFinished(result: CheckResult): void;
  /** The run is over (report absent if it broke off): stop every timer, read the last output, leave the final view. */
  finish?(report?: Report): void;
}

export type ProgressMode = 'off' | 'plain' | 'live';

export interface ProgressOptions {
  /** Writes text as given; every call ends its lines. */
  write: (text: string) => void;
  mode: ProgressMode;
  styles?: Styles;
  /** Stream each check's output (also when `mode` is `off`). */
  verbose?: boolean;
  /** The checks that run, in file order (the live view lists them). */
  checks?: string[];
  /** The terminal's size, read at every redraw. */
  terminal?: { columns?: number; rows?: number };
  /** Live view: the summary is printed next on the same terminal, so the final view keeps nothing. */
  summaryFollows?: boolean;
  now?: () => number;
  tickMs?: number;
  streamer?: StreamerOptions;
  /** The gate's secrets, masked in each check's streamed output as it was written, before it is prefixed (a secret of several lines whole). */
  redact?: Redactor;
}

export function createProgress(options: ProgressOptions): Progress {
  const styles = options.styles ?? createStyles(false);
  if (options.mode === 'live') {
    const view = createLiveView({ ...options, styles, checks: options.checks ?? [] });
    return withStreaming(view, options.verbose ? (lines) => view.printAbove(lines) : undefined, options);
  }
  const line = (text: string) => options.write(`${text}\n`);
  const plain: Progress =
    options.mode === 'off'
      ? { runStarted() {}, checkStarted() {}, checkFinished() {} }
      : {
          runStarted: (gateId, checks, jobs) => line(`gate ${gateId}: running ${checks} check${checks === 1 ? '' : 's'} (-j ${jobs})`),
          checkStarted: (id) => line(`  ${styles.status('running', 'start ')} ${id}`),
          checkFinished: (r) => line(`  ${styles.status(r.status, r.status.padEnd(6))} ${resultText(r)}`),
        };
  return withStreaming(plain, options.verbose ? (lines) => options.write(lines.map((l) => `${l}\n`).join('')) : undefined, options);
}

function resultText(r: CheckResult): string {
  return `${r.id}${r.durationMs ? ` (${formatDuration(r.durationMs)})` : ''}${r.status === 'pass' ? '' : `: ${r.reason}`}`;
}

/** Adds `--verbose` streaming to a view: lines go out through `print`. */
function withStreaming(view: Progress, print: ((lines: string[]) => void) | undefined, options: ProgressOptions): Progress {
  if (!print) return view;
  const streamer = createOutputStreamer(print, { redact: options.redact });
  return {
    runStarted: (...args) => view.runStarted(...args),
    checkStarted: (id) => view.checkStarted(id),
    attemptStarted: (id, attempt, files) => streamer.attach(id, attempt, files),
    checkFinished: (result) => {
      streamer.done(result.id);
      view.checkFinished(result);
    },
    finish: (report) => {
      streamer.stop();
      view.finish?.(report);
    },
  };
}
