import type { StopSignal } from '../model/exit-codes.js';

/** What the CLI reads from and writes to: injected, so `main` runs in-process in tests. */
export interface Output {
  write(text: string): unknown;
  isTTY?: boolean;
  /** A terminal's width and height, when it is one (read when needed: a resize shows). */
  columns?: number;
  rows?: number;
}

export interface Io {
  argv: string[];
  cwd: string;
  env: Record<string, string | undefined>;
  stdout: Output;
  stderr: Output;
  /** Aborted when the run is interrupted (SIGINT / SIGTERM in the bin). */
  interrupt?: AbortSignal;
  /** The signal that interrupted the run, once it has. */
  interruptedBy?: () => StopSignal | undefined;
}

/**
 * What the process hands `main`: its current directory is undefined when it no longer exists (removed
 * under the shell that started gate), and only the commands that need one refuse to go on without it.
 */
export interface ProcessIo extends Omit<Io, 'cwd'> {
  cwd: string | undefined;
}

export { EXIT } from '../model/exit-codes.js';
