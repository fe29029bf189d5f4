/**
 * Colour on the terminal: one decision, made once from the stream and the
 * environment, and a few ANSI styles. Hand-written escapes: gate needs five.
 */
import type { CheckStatus } from '../model/types.js';

type Env = Record<string, string | undefined>;

/**
 * Whether to colour what goes to a stream. `FORCE_COLOR` wins when set and not
 * empty (`0` or `false` turns colour off, anything else on, even into a pipe or
 * a file), as in Node itself; then a non-empty `NO_COLOR` turns it off
 * (https://no-color.org); otherwise colour only on a terminal that is not `dumb`.
 */
export function colorEnabled(stream: { isTTY?: boolean }, env: Env): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '') return force !== '0' && force.toLowerCase() !== 'false';
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return stream.isTTY === true && env.TERM !== 'dumb';
}

/** `CI=true` (or any value but `false` / `0`): CI systems set it; their logs want plain lines. */
export function isCi(env: Env): boolean {
  const ci = env.CI;
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}

export interface Styles {
  enabled: boolean;
  green(text: string): string;
  red(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
  /** A status word in its colour: pass green, failures red, not judged yellow, set aside dim. */
  status(status: CheckStatus | 'queued' | 'running', text?: string): string;
}

const sgr = (open: number, close: number) => (text: string) => `\u001b[${open}m${text}\u001b[${close}m`;

const STATUS_COLOR: Record<CheckStatus | 'queued' | 'running', 'green' | 'red' | 'yellow' | 'cyan' | 'dim'> = {
  pass: 'green',
  flaky: 'green',
  fail: 'red',
  error: 'red',
  timeout: 'red',
  blocked: 'yellow',
  'not-run': 'yellow',
  interrupted: 'yellow',
  waived: 'cyan',
  skipped: 'dim',
  queued: 'dim',
  running: 'cyan',
};

export function createStyles(enabled: boolean): Styles {
  const plain = (text: string) => text;
  const styles = {
    enabled,
    green: enabled ? sgr(32, 39) : plain,
    red: enabled ? sgr(31, 39) : plain,
    yellow: enabled ? sgr(33, 39) : plain,
    cyan: enabled ? sgr(36, 39) : plain,
    dim: enabled ? sgr(2, 22) : plain,
    bold: enabled ? sgr(1, 22) : plain,
  };
  return { ...styles, status: (status, text = status) => styles[STATUS_COLOR[status]](text) };
}
