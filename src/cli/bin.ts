/**
 * The process boundary: wires the real process into `main` and sets the exit
 * code. Nothing else in gate touches `process.exit` or the global console.
 */
import { fstatSync } from 'node:fs';
import { createRequire } from 'node:module';
import { killAllGroups } from '../run/groups.js';
import { exitCodeForSignal, type StopSignal } from '../model/exit-codes.js';
import { main } from './main.js';

const controller = new AbortController();
let interruptedBy: StopSignal | undefined;
let firstAt = 0;
/** Repeats within this window are one interrupt: npm passes a Ctrl-C on as a second SIGINT. */
const DUPLICATE_MS = 1000;
/** After a forced stop, the report gets this long to be written before gate exits regardless. */
const FORCED_EXIT_MS = 5000;

const onSignal = (signal: StopSignal) => {
  if (!interruptedBy) {
    // The first one: stop starting checks, end the running ones (TERM, then KILL), write the report.
    interruptedBy = signal;
    firstAt = Date.now();
    controller.abort();
    return;
  }
  if (Date.now() - firstAt < DUPLICATE_MS) return;
  // A second one, later: no more grace. Kill every check now; exit even if something still hangs.
  killAllGroups();
  setTimeout(() => process.exit(exitCodeForSignal(interruptedBy)), FORCED_EXIT_MS).unref();
};
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => onSignal(signal));
/**
 * Writes to process.stdout or process.stderr, making the stream on first use: Node builds
 * each one lazily, and `gate --version` never needs stderr. A reader that goes away
 * (`gate run | head -1`) must not crash the run: the report still gets written.
 */
const safeWrite = (name: 'stdout' | 'stderr') => {
  let stream: NodeJS.WriteStream | undefined;
  return (text: string) => {
    if (!stream) {
      stream = process[name];
      stream.on('error', () => {});
    }
    if (!stream.destroyed && stream.writable) stream.write(text);
  };
};

/**
 * Whether a descriptor is a terminal. Only a character device can be one, and fstat says so
 * without loading node:tty (and node:net with it), which a run into a file or a pipe (CI, scripts,
 * `gate --version` in a build) never needs.
 */
function isTerminal(fd: number): boolean {
  try {
    if (!fstatSync(fd).isCharacterDevice()) return false;
  } catch {
    return false;
  }
  return (createRequire(import.meta.url)('node:tty') as typeof import('node:tty')).isatty(fd);
}

/**
 * The current directory, or undefined when it no longer exists: removed under the shell that started gate,
 * process.cwd() throws ENOENT (on Linux the one way it fails), which would end gate with a stack trace.
 */
function currentDir(): string | undefined {
  try {
    return process.cwd();
  } catch {
    return undefined;
  }
}

main({
  argv: process.argv.slice(2),
  cwd: currentDir(),
  env: process.env,
  stdout: { write: safeWrite('stdout'), isTTY: isTerminal(1) },
  stderr: {
    write: safeWrite('stderr'),
    isTTY: isTerminal(2),
    get columns() {
      return process.stderr.columns;
    },
    get rows() {
      return process.stderr.rows;
    },
  },
  interrupt: controller.signal,
  interruptedBy: () => interruptedBy,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`gate: internal error (this is a bug): ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
