/**
 * One run at a time per report dir and per work dir. The lock is a folder
 * inside the dir (proper-lockfile: atomic mkdir, refreshed while held, taken
 * over when stale after a crash). A second run says it is waiting, waits up to
 * a bound, then gives up (exit 1); interrupted while it waits, it stops at once.
 *
 * A lock left unrefreshed is not always a dead run's: a run stopped with Ctrl-Z
 * (SIGSTOP) refreshes nothing while its checks go on. So the run holding a lock
 * keeps the lock folder open, and on Linux a lock that one live process still
 * has open is never taken over, however old: the next run waits as for any other
 * and names that process. A run that died holds nothing open (the kernel closed
 * its descriptors), so its lock goes stale as before.
 */
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import lockfile from 'proper-lockfile';
import { LOCK_NAME } from '../model/gate-names.js';
import { orUndefined } from '../util/or-undefined.js';

/** How long a second run waits for the lock; `GATE_LOCK_TIMEOUT_MS` overrides it. */
export const DEFAULT_LOCK_WAIT_MS = 30_000;
/** A lock not refreshed for this long belongs to a run that died: take it over. */
const STALE_MS = 10_000;

export type Release = () => Promise<void>;

/** `interrupted`: the run was interrupted while it waited; nothing was taken. */
/** `tookOver`: the lock was there when it was taken, left stale by a run that died (or released just then). */
export type LockResult = { ok: true; release: Release; tookOver: boolean } | { ok: false; message: string; interrupted?: true };

/** What to say when `result` is a lock wait that the run's interrupt ended; undefined otherwise. */
export function interruptedWait(result: { ok: boolean; message?: string; interrupted?: true } | undefined): string | undefined {
  return result && !result.ok && result.interrupted ? result.message : undefined;
}


/** The longest wait `GATE_LOCK_TIMEOUT_MS` may ask for (about 24.8 days), the bound of a check's `timeoutMs` too. */
const MAX_LOCK_WAIT_MS = 2_147_483_647;

/**
 * How long a second run waits for a lock: `GATE_LOCK_TIMEOUT_MS` in whole milliseconds (unset or empty:
 * the default), or, for any other value, why it is refused. Refused rather than ignored: a CI job that
 * asks for `5m` or `-1` should hear that it did not get it, not wait 30 s.
 */
export function lockWaitMs(env: Record<string, string | undefined>): { ok: true; ms: number } | { ok: false; message: string } {
  const raw = env.GATE_LOCK_TIMEOUT_MS;
  if (raw === undefined || raw === '') return { ok: true, ms: DEFAULT_LOCK_WAIT_MS };
  if (/^\d+$/.test(raw) && Number(raw) <= MAX_LOCK_WAIT_MS) return { ok: true, ms: Number(raw) };
  return {
    ok: false,
    message: `GATE_LOCK_TIMEOUT_MS must be a whole number of milliseconds from 0 to ${MAX_LOCK_WAIT_MS} (how long to wait for another run's lock), found ${JSON.stringify(raw)}`,
  };
}

/** `500 ms`, `1 s`, `2.5 s`: short waits in ms, longer ones in seconds without a misleading round. */
export function formatWait(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Number((ms / 1000).toFixed(1))} s`;
}

/**
 * Locks a report dir (which exists); `onWait` is told once, with a line to show, if the wait begins.
 * The wait ends as soon as `abort` is aborted (the run was interrupted).
 */
export function lockReportDir(dir: string, waitMs: number, onWait?: (message: string) => void, abort?: AbortSignal): Promise<LockResult> {
  return lockDir(dir, 'report dir', waitMs, onWait, abort);
}

/** Locks a work dir (which exists), so that two runs never empty each other's check folders. */
export function lockWorkDir(dir: string, waitMs: number, onWait?: (message: string) => void, abort?: AbortSignal): Promise<LockResult> {
  return lockDir(dir, 'work dir', waitMs, onWait, abort);
}

/** The run holding a lock: a process other than this one with the lock folder open. */
type Holder = { pid: number; stopped: boolean };

/**
 * The live process, other than this one, that has `lockPath` open, as the run holding a lock keeps
 * it (Linux: read from /proc, where processes of other users are not seen); undefined when none is
 * found or it cannot be told.
 */
function holderOf(lockPath: string): Holder | undefined {
  if (process.platform !== 'linux') return undefined;
  const target = orUndefined(() => realpathSync(lockPath));
  if (target === undefined) return undefined;
  for (const entry of orUndefined(() => readdirSync('/proc')) ?? []) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const fds = orUndefined(() => readdirSync(`/proc/${entry}/fd`)) ?? [];
    if (!fds.some((fd) => orUndefined(() => readlinkSync(`/proc/${entry}/fd/${fd}`)) === target)) continue;
    // "pid (comm) state ...": comm may hold spaces and parentheses, so read after the last ')'.
    const stat = orUndefined(() => readFileSync(`/proc/${entry}/stat`, 'latin1')) ?? '';
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'Z' || state === 'X' || state === '') continue;
    return { pid: Number(entry), stopped: state === 'T' || state === 't' };
  }
  return undefined;
}

/** `pid 4242`, `pid 4242, stopped: resume it (fg) or end it`. */
function describeHolder(holder: Holder): string {
  return `pid ${holder.pid}${holder.stopped ? ', stopped: resume it (fg) or end it' : ''}`;
}

/** A lock folder last refreshed longer ago than the stale bound: proper-lockfile would take it over. */
const unrefreshed = (lockPath: string) => (orUndefined(() => statSync(lockPath).mtimeMs) ?? Infinity) < Date.now() - STALE_MS;

async function lockDir(
  dir: string,
  what: string,
  waitMs: number,
  onWait: ((message: string) => void) | undefined,
  abort: AbortSignal | undefined,
): Promise<LockResult> {
  const lockPath = path.join(dir, LOCK_NAME);
  const deadline = Date.now() + waitMs;
  let waiting = false;
  for (;;) {
    try {
      // Taken in place (lockSync: a mkdir, and a stat where a lock is there already) rather than through
      // the thread pool: nothing else is under way before the checks start, and each round trip costs more
      // than the call. The lock is still refreshed from a timer while held, as with lock().
      const tookOver = existsSync(lockPath);
      // An unrefreshed lock whose holder lives (a run stopped with Ctrl-Z) is waited for, not taken over.
      const alive = tookOver && unrefreshed(lockPath) ? holderOf(lockPath) : undefined;
      if (alive) throw Object.assign(new Error('held by a live run'), { code: 'ELOCKED', holder: alive });
      const release = lockfile.lockSync(dir, {
        lockfilePath: lockPath,
        stale: STALE_MS,
        realpath: false,
        // A lock that could not be refreshed is not worth crashing the run over: the report is still written atomically.
        onCompromised: () => {},
      });
      // Kept open while held (never passed to a check: Node opens files close-on-exec): what tells a
      // live holder from a dead one above.
      const open = orUndefined(() => openSync(lockPath, 'r'));
      return {
        ok: true,
        tookOver,
        release: async () => {
          if (open !== undefined) orUndefined(() => closeSync(open));
          try {
            release();
          } catch {
            // already gone, or taken over as stale: nothing of this run's to remove
          }
        },
      };
    } catch (error) {
      const e = error as NodeJS.ErrnoException & { holder?: Holder };
      if (e.code !== 'ELOCKED') return { ok: false, message: `cannot lock ${what} ${dir}: ${e.code ?? e.message}` };
      const interrupted = { ok: false, interrupted: true, message: `interrupted while waiting for the lock on ${what} ${dir}` } as const;
      if (abort?.aborted) return interrupted;
      const giveUp = Date.now() >= deadline;
      // Looked up only for what is said: at the start of the wait and at its end.
      const holder = giveUp || !waiting ? (e.holder ?? holderOf(lockPath)) : undefined;
      if (giveUp) {
        return {
          ok: false,
          message: `${what} ${dir} is in use by another gate run (${holder ? `${describeHolder(holder)}; ` : ''}lock ${lockPath}); gave up after ${formatWait(waitMs)}`,
        };
      }
      // Said once: a run that waits in silence looks hung.
      if (!waiting) onWait?.(`${what} ${dir} is in use by another gate run${holder ? ` (${describeHolder(holder)})` : ''}; waiting up to ${formatWait(waitMs)}`);
      waiting = true;
      // An interrupt ends the pause at once: nothing is held yet, so there is nothing to undo.
      await sleep(Math.min(250, Math.max(10, deadline - Date.now())), undefined, { signal: abort }).catch(() => undefined);
      if (abort?.aborted) return interrupted;
    }
  }
}
