/**
 * The process boundary: wires the real process into `main` and sets the exit
 * code. Nothing else in gate touches `process.exit` or the global console.
 */
import { fstatSync } from 'node:fs';
import { createRequire } from 'node:module';
import { killAllGroups } from '../run/groups.js';
import { EXIT, exitCodeForSignal, type StopSignal } from '../model/exit-codes.js';
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
 * process.stdout or process.stderr, made on first use: Node builds each stream lazily, and
 * `gate --version` never needs stderr. Every write is followed to its end, so that `settled`
 * can tell, before the exit code is set, whether all of it got out: a write to a file is done
 * at once, but one to a pipe may still be queued when `main` returns. A failed write never
 * throws or crashes the run (the report still gets written); it is kept for `settled`.
 */
function output(name: 'stdout' | 'stderr') {
  let stream: NodeJS.WriteStream | undefined;
  let pending = 0;
  let failure: NodeJS.ErrnoException | undefined;
  let allDone: (() => void) | undefined;
  return {
    write(text: string): void {
      if (!stream) {
        stream = process[name];
        // The write's callback has the error too, and keeps it; unheard, the event would be thrown.
        stream.on('error', () => {});
      }
      // After a failure the stream is destroyed: what follows is lost with it, and the first error says why.
      if (stream.destroyed || !stream.writable) return;
      pending += 1;
      stream.write(text, (error) => {
        failure ??= error ?? undefined;
        pending -= 1;
        if (pending === 0) allDone?.();
      });
    },
    /** Once every write so far has ended: the first one that failed, if one did. */
    settled(): Promise<NodeJS.ErrnoException | undefined> {
      return pending === 0 ? Promise.resolve(failure) : new Promise((resolve) => (allDone = () => resolve(failure)));
    },
  };
}

const stdout = output('stdout');
const stderr = output('stderr');

/**
 * The exit code once stdout has settled. A failed write (ENOSPC, EIO, ...) means that what gate
 * printed is not all there (`gate run --json > report.json` on a full disk would pass with an empty
 * file): gate could not do its job, so exit 1, said on stderr, whatever the verdict; only an
 * interrupt's code is kept, as it is over a report that could not be written. EPIPE is the reader
 * having gone away (`gate run | head -1`): as for other command-line tools, nothing is said and
 * the run's own code stands.
 */
async function exitCodeAfterOutput(code: number): Promise<number> {
  const failure = await stdout.settled();
  if (!failure || failure.code === 'EPIPE') return code;
  stderr.write(`gate: could not write to stdout (${failure.message.replace(/, write$/, '')}); what gate printed there is incomplete\n`);
  return INTERRUPTED.has(code) ? code : EXIT.internal;
}
const INTERRUPTED = new Set<number>([EXIT.sighup, EXIT.sigint, EXIT.sigterm]);

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
  stdout: { write: stdout.write, isTTY: isTerminal(1) },
  stderr: {
    write: stderr.write,
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
})
  .then(
    (code) => code,
    (error: unknown) => {
      stderr.write(`gate: internal error (this is a bug): ${error instanceof Error ? error.message : String(error)}\n`);
      return EXIT.internal;
    },
  )
  .then(exitCodeAfterOutput)
  .then((code) => {
    process.exitCode = code;
  });
