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
  /**
   * The run was interrupted (`signal`): said at once, while checks still run, with what happens next (a
   * check that ignores SIGTERM keeps the run until its `killGraceMs` is over, and nothing else would show).
   */
  stopping?(signal: string): void;
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
    return withStopping(withStreaming(view, options.verbose ? (lines) => view.printAbove(lines) : undefined, options), (text) => view.printAbove([text]));
  }
  if (options.mode === 'off') return withStreaming(silent(), options.verbose ? printLines(options) : undefined, options);
  const line = (text: string) => options.write(`${text}\n`);
  const plain: Progress = {
    runStarted: (gateId, checks, jobs) => line(`gate ${gateId}: running ${checks} check${checks === 1 ? '' : 's'} (-j ${jobs})`),
    checkStarted: (id) => line(`  ${styles.status('running', 'start ')} ${id}`),
    checkFinished: (r) => line(`  ${styles.status(r.status, r.status.padEnd(6))} ${resultText(r)}`),
  };
  return withStopping(withStreaming(plain, options.verbose ? printLines(options) : undefined, options), line);
}

const silent = (): Progress => ({ runStarted() {}, checkStarted() {}, checkFinished() {} });

/**
 * Says the interrupt through `progress` when `abort` fires (`signal`: which one came), at once: the running
 * checks may take their killGraceMs to end, and nothing else shows meanwhile. Returns what stops listening.
 */
export function stoppingOn(progress: Progress, abort: AbortSignal, signal: () => string): () => void {
  const onStop = () => progress.stopping?.(signal());
  abort.addEventListener('abort', onStop, { once: true });
  return () => abort.removeEventListener('abort', onStop);
}

/** No view at all (a drill's rounds have their own lines), only the interrupt notice, through `say`. */
export const stoppingNoticeOnly = (say: (text: string) => void): Progress => withStopping(silent(), say);

const printLines = (options: ProgressOptions) => (lines: string[]) => options.write(lines.map((l) => `${l}\n`).join(''));

/**
 * Adds the interrupt notice to a view: one line, and only while checks run (an interrupt that comes once
 * every check has ended stops nothing, and the run says so when it ends).
 */
function withStopping(view: Progress, say: (text: string) => void): Progress {
  // By id: checks that never started (blocked, not-run, skipped) finish too.
  const running = new Set<string>();
  let said = false;
  return {
    ...view,
    checkStarted: (id) => {
      running.add(id);
      view.checkStarted(id);
    },
    checkFinished: (result) => {
      running.delete(result.id);
      view.checkFinished(result);
    },
    stopping: (signal) => {
      if (said || running.size === 0) return;
      said = true;
      const them = running.size === 1 ? 'the running check gets' : `the ${running.size} running checks get`;
      const its = running.size === 1 ? 'its' : 'their';
      say(`gate: ${signal}: stopping: no new check starts; ${them} SIGTERM, then SIGKILL once ${its} killGraceMs is over; send ${signal} again to kill at once`);
    },
  };
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
