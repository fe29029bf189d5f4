/**
 * The process boundary: wires the real process into `main` and sets the exit
 * code. Nothing else in gate touches `process.exit` or the global console.
 */
import { main } from './main.js';

const controller = new AbortController();
let interruptedBy: 'SIGINT' | 'SIGTERM' | undefined;
const onSignal = (signal: 'SIGINT' | 'SIGTERM') => {
  if (!interruptedBy) interruptedBy = signal;
  controller.abort();
};
process.on('SIGINT', () => onSignal('SIGINT'));
process.on('SIGTERM', () => onSignal('SIGTERM'));
// A reader that goes away (`gate run | head -1`) must not crash the run: the report still gets written.
process.stdout.on('error', () => {});
process.stderr.on('error', () => {});

const safeWrite = (stream: NodeJS.WriteStream) => (text: string) => {
  if (!stream.destroyed && stream.writable) stream.write(text);
};

main({
  argv: process.argv.slice(2),
  cwd: process.cwd(),
  env: process.env,
  stdout: { write: safeWrite(process.stdout), isTTY: process.stdout.isTTY },
  stderr: { write: safeWrite(process.stderr), isTTY: process.stderr.isTTY },
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
