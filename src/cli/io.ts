/** What the CLI reads from and writes to: injected, so `main` runs in-process in tests. */
export interface Output {
  write(text: string): unknown;
  isTTY?: boolean;
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
  interruptedBy?: () => 'SIGINT' | 'SIGTERM' | undefined;
}

/** Exit codes (SPEC section 7). */
export const EXIT = {
  go: 0,
  internal: 1,
  usage: 2,
  noGo: 3,
  sigint: 130,
  sigterm: 143,
} as const;
