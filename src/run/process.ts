/**
 * The one module that starts child processes. It alone imports execa, and it
 * maps every way a process can end into gate's own `ProcessEnd`; no library
 * error escapes it.
 *
 * Why it is shaped this way:
 * - Each check runs in its own process group (`detached: true` is setsid on
 *   POSIX), so a timeout or an interruption can end the whole tree with
 *   `kill(-pgid)`, grandchildren included.
 * - stdout and stderr go straight to files through inherited descriptors, not
 *   pipes: the parent never buffers output (a 200 MB flood costs no memory), a
 *   grandchild that keeps the descriptor open cannot hang the run, and the
 *   result comes from the check's own exit.
 * - What the output files (and $GATE_EVIDENCE_FILE) hold at that exit is
 *   taken before what the check left behind is ended: that is what is judged,
 *   not what the leftovers write when they are told to stop.
 * - Checks get no stdin (`ignore`), so a check that reads it sees EOF at once.
 */
import { closeSync, fstatSync, lstatSync, open, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import type { AtExit, ProcessEnd, SignalSent } from '../model/types.js';
import { escapeControls } from '../util/escape-controls.js';
import { liveGroups, signalGroup, signalPid } from './groups.js';

export interface ProcessRequest {
  /** argv without a shell, or one command line when `shell` is true. */
  run: string[] | string;
  shell: boolean;
  cwd: string;
  /** The complete environment of the child (nothing else is inherited). */
  env: Record<string, string>;
  timeoutMs: number;
  /** Between TERM and KILL. */
  killGraceMs: number;
  stdoutPath: string;
  stderrPath: string;
  /** Where the check may write its JSON document ($GATE_EVIDENCE_FILE): its size at the exit is taken too. */
  evidencePath?: string;
  /** Aborting ends the process group as an interruption. */
  abort?: AbortSignal;
  /** How long a leaked process group gets after TERM before KILL. */
  leakGraceMs?: number;
  /** stdout and stderr together may not grow past this; a check that floods more is ended. */
  maxOutputBytes?: number;
}

export interface ProcessResult {
  end: ProcessEnd;
  /** From the start to the check's own exit. */
  durationMs: number;
  /** Spent after the exit, ending what the check left in its process group. */
  cleanupMs: number;
  /** Signals that ended the check itself (timeout, interruption, output flood). */
  signalsSent: SignalSent[];
  leakedProcesses: boolean;
  /** Signals sent to what the check left behind, after it exited. */
  cleanupSignals: SignalSent[];
  stdoutBytes: number;
  stderrBytes: number;
  /** What the output held at the check's own exit, before its leftovers were ended (the sizes above are of all of it). */
  atExit: AtExit;
}

const DEFAULT_LEAK_GRACE_MS = 500;
/** Output goes to disk, not memory; this bound keeps a runaway check from filling the disk. */
export const MAX_OUTPUT_BYTES = 1024 ** 3;
const OUTPUT_POLL_MS = 250;

/**
 * execa hands a descriptor number straight to child_process.spawn, which gives
 * the child that open file as its stdout/stderr; execa's types only name 1 and 2.
 */
const descriptor = (fd: number) => fd as 1;

/**
 * Whether a process group has a member that still runs. `kill(-pgid, 0)`
 * alone also reaches zombies: members that have ended but that nobody has
 * reaped yet (where the init process does not reap, they stay forever). On
 * Linux, /proc tells them apart; elsewhere any member counts.
 */
export function groupAlive(pgid: number): boolean {
  if (!signalGroup(pgid, 0)) return false;
  if (process.platform !== 'linux') return true;
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      let stat: string;
      try {
        stat = readFileSync(`/proc/${entry}/stat`, 'latin1');
      } catch {
        continue; // gone meanwhile
      }
      // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses, so read after the last ')'.
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(pgrp) === pgid && state !== 'Z' && state !== 'X') return true;
    }
    return false;
  } catch {
    return true;
  }
}

/** Whether one process still runs (a zombie does not), as `groupAlive` for a group. */
function pidRunning(pid: number): boolean {
  if (!signalPid(pid, 0)) return false;
  if (process.platform !== 'linux') return true;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** Ends a process group: TERM, then KILL once `graceMs` has passed with members still running. */
async function endGroup(pgid: number, graceMs: number, record: (signal: string) => void): Promise<void> {
  if (!groupAlive(pgid) || !signalGroup(pgid, 'SIGTERM')) return;
  record('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    await sleep(25);
    if (!groupAlive(pgid)) return;
  }
  if (groupAlive(pgid) && signalGroup(pgid, 'SIGKILL')) {
    record('SIGKILL');
    await settle(pgid);
  }
}

/** How long members may take to end once KILL is sent before they count as still running. */
const KILL_SETTLE_MS = 2000;

/**
 * KILL takes effect at once, but a member ends only after its memory is given
 * back, often after its leader has been reaped: waits for that (boundedly), so
 * a member on its way out is not taken for a leftover.
 */
async function settle(pgid: number): Promise<void> {
  // By the clock, not by the sleeps: each look at /proc takes time of its own on a busy host.
  const deadline = performance.now() + KILL_SETTLE_MS;
  while (performance.now() < deadline && groupAlive(pgid)) await sleep(10);
}

/** The size of a regular file (never a link, a FIFO or a folder put there); undefined when there is none. */
export function regularFileSize(file: string): number | undefined {
  try {
    // Most checks write no evidence file: no exception to build for that.
    const info = lstatSync(file, { throwIfNoEntry: false });
    return info?.isFile() ? info.size : undefined;
  } catch {
    return undefined;
  }
}

/** Opens a file for writing on libuv's thread pool: creating files is slow on some disks, and the event loop has checks to start. */
const openForWrite = (file: string) =>
  new Promise<number>((resolve, reject) => open(file, 'w', (error, fd) => (error ? reject(error) : resolve(fd))));

export async function runProcess(req: ProcessRequest): Promise<ProcessResult> {
  const [opened, openedErr] = await Promise.allSettled([openForWrite(req.stdoutPath), openForWrite(req.stderrPath)]);
  if (opened.status === 'rejected' || openedErr.status === 'rejected') {
    for (const r of [opened, openedErr]) if (r.status === 'fulfilled') closeSync(r.value);
    throw opened.status === 'rejected' ? opened.reason : (openedErr as PromiseRejectedResult).reason;
  }
  const outFd = opened.value;
  const errFd = openedErr.value;
  const started = performance.now();
  const signalsSent: SignalSent[] = [];
  const cleanupSignals: SignalSent[] = [];
  const recordIn = (list: SignalSent[]) => (signal: string) => list.push({ signal, atMs: Math.round(performance.now() - started) });
  const record = recordIn(signalsSent);
  const sizes = () => ({ stdoutBytes: fstatSync(outFd).size, stderrBytes: fstatSync(errFd).size });

  const [file, args] = typeof req.run === 'string' ? [req.run, []] : [req.run[0] ?? '', req.run.slice(1)];
  let subprocess;
  try {
    subprocess = execa(file, args, {
      cwd: req.cwd,
      env: req.env,
      extendEnv: false,
      shell: req.shell,
      stdin: 'ignore',
      stdout: descriptor(outFd),
      stderr: descriptor(errFd),
      detached: true,
      cleanup: false,
      reject: false,
      buffer: false,
      windowsHide: true,
    });
  } catch (error) {
    // execa validates its options synchronously; treat anything it throws as not startable.
    const result = notStarted(error, req.cwd, req.shell ? undefined : file, started, sizes(), req.env.PATH);
    closeSync(outFd);
    closeSync(errFd);
    return result;
  }
  const pgid = subprocess.pid;
  // A forced stop (a second interrupt) kills every group at once from outside this function: it is recorded too.
  let recordForced = record;
  if (pgid !== undefined) liveGroups.set(pgid, (signal) => recordForced(signal));

  let stopping: 'timed-out' | 'interrupted' | 'output-limit' | undefined;
  let stopDone: Promise<void> | undefined;
  const stop = (why: 'timed-out' | 'interrupted' | 'output-limit') => {
    // A check that has already ended (only unreaped remains are left) is judged by its own exit.
    if (stopping || pgid === undefined || !groupAlive(pgid)) return;
    stopping = why;
    stopDone = endGroup(pgid, req.killGraceMs, record);
  };
  const timer = setTimeout(() => stop('timed-out'), req.timeoutMs);
  const maxOutput = req.maxOutputBytes ?? MAX_OUTPUT_BYTES;
  const flood = setInterval(() => {
    const { stdoutBytes, stderrBytes } = sizes();
    if (stdoutBytes + stderrBytes > maxOutput) stop('output-limit');
  }, OUTPUT_POLL_MS);
  const onAbort = () => stop('interrupted');
  if (req.abort?.aborted) onAbort();
  else req.abort?.addEventListener('abort', onAbort, { once: true });

  const result = await subprocess;
  // What it left as it exited: what its leftovers write from here on (told to stop, say) is not judged.
  const atExit: AtExit = { ...sizes(), evidenceBytes: req.evidencePath === undefined ? undefined : regularFileSize(req.evidencePath) };
  clearTimeout(timer);
  clearInterval(flood);
  req.abort?.removeEventListener('abort', onAbort);
  await stopDone;
  // The check's own time: what it takes to end its leftovers is not the check's.
  const exitedAt = performance.now();
  const durationMs = Math.round(exitedAt - started);

  // The check has exited; anything left in its group leaked (a grandchild, a
  // daemon it forgot). End it so no process outlives the run, and say so.
  // Recorded apart from the signals that ended the check: a timeout's reason names only those.
  let leakedProcesses = false;
  // After a KILL (also one sent from outside, by a forced stop) members may still be on their way out.
  if (pgid !== undefined && signalsSent.some((s) => s.signal === 'SIGKILL')) await settle(pgid);
  recordForced = recordIn(cleanupSignals);
  if (pgid !== undefined && groupAlive(pgid)) {
    leakedProcesses = true;
    await endGroup(pgid, req.leakGraceMs ?? DEFAULT_LEAK_GRACE_MS, recordIn(cleanupSignals));
  }
  if (pgid !== undefined) liveGroups.delete(pgid);
  const cleanupMs = performance.now() - exitedAt;
  const out = sizes();
  // Over the bound is over the bound, whether or not the poll saw it before the exit.
  if (!stopping && out.stdoutBytes + out.stderrBytes > maxOutput) stopping = 'output-limit';
  closeSync(outFd);
  closeSync(errFd);

  if (pgid === undefined || (result.exitCode === undefined && !result.signal && !stopping)) {
    // No exit code and no signal: it never ran (or ended in a way nobody can judge). Never a pass.
    return notStarted(result, req.cwd, req.shell ? undefined : file, started, out, req.env.PATH);
  }
  let end: ProcessEnd;
  if (stopping === 'interrupted') end = { kind: 'interrupted' };
  else if (stopping === 'output-limit') end = { kind: 'output-limit', limit: maxOutput };
  else if (stopping === 'timed-out') end = { kind: 'timed-out', signal: result.signal, exitCode: result.exitCode };
  else if (result.signal) end = { kind: 'signaled', signal: result.signal };
  else end = { kind: 'exited', exitCode: result.exitCode! };
  return { end, durationMs, cleanupMs, signalsSent, leakedProcesses, cleanupSignals, ...out, atExit };
}

/** How execa begins its messages for a cwd it cannot use ("is invalid", "is not a directory"). */
const CWD_PROBLEM = /^The "cwd" option (is [^:]*): /;

/**
 * Why `program` could not be started, for ENOENT and EACCES, as the kernel looked for it: a path (one with a
 * slash) from `cwd`, a bare name in each folder of the check's PATH in turn. undefined for any other errno.
 */
function programProblem(program: string, cwd: string, errno: string, pathVar: string | undefined): string | undefined {
  if (errno !== 'ENOENT' && errno !== 'EACCES') return undefined;
  const kind = (file: string) => {
    try {
      return statSync(file, { throwIfNoEntry: false });
    } catch {
      return undefined;
    }
  };
  let file: string | undefined;
  let fromCwd = '';
  if (program.includes('/')) {
    file = path.resolve(cwd, program);
    if (!path.isAbsolute(program)) fromCwd = `; a program's path is taken from the check's cwd, ${cwd}`;
  } else {
    // An empty entry of PATH is the current folder, as execvp reads it.
    file = (pathVar ?? '').split(':').map((folder) => path.resolve(cwd, folder, program)).find((candidate) => kind(candidate)?.isFile());
    if (file === undefined) return errno === 'ENOENT' ? `no program ${program} on the check's PATH` : undefined;
  }
  const info = kind(file);
  if (info === undefined) return errno === 'ENOENT' ? `${file} does not exist${fromCwd}` : undefined;
  if (info.isDirectory()) return `${file} is a directory`;
  if (errno === 'EACCES') return `${file} is not executable: chmod +x it, or put its interpreter first in run, e.g. ["sh", ${JSON.stringify(program)}]`;
  return `${file} exists, but the interpreter its #! line names does not`;
}

function notStarted(error: unknown, cwd: string, program: string | undefined, started: number, sizes: { stdoutBytes: number; stderrBytes: number }, pathOf?: string): ProcessResult {
  const e = error as { code?: unknown; originalMessage?: unknown; message?: unknown };
  const errno = typeof e.code === 'string' ? e.code : 'ESPAWN';
  const raw = typeof e.originalMessage === 'string' ? e.originalMessage : String(e.message ?? error);
  // One line, whole: a control character in a value the message quotes (a program name, a cwd) is written as
  // its escape, not cut at nor passed to a terminal. execa's messages run over lines of their own and drop
  // escape sequences from what they quote: the cwd and the program as given stand in for them. Node's
  // messages for a bad argument quote the value they got, which may be an environment variable's (a
  // secret): that part is never kept.
  const cwdProblem = CWD_PROBLEM.exec(raw)?.[1];
  let message: string;
  // Said of the cwd, in words of its own: execa's "The "cwd" option is invalid", after "could not start "true": ENOENT",
  // reads as if the program were missing.
  if (cwdProblem !== undefined) message = `its cwd ${escapeControls(cwd)} ${errno === 'ENOENT' ? 'does not exist' : errno === 'ENOTDIR' ? 'is not a directory' : cwdProblem}`;
  // Node's "spawn <file> <errno>": said of the program in words that tell what to do, where they can be (ENOENT,
  // EACCES); else the file as the gate gave it (execa's copy has lost its escape sequences).
  else if (program !== undefined && raw.startsWith('spawn ') && raw.endsWith(` ${errno}`)) message = escapeControls(programProblem(program, cwd, errno, pathOf) ?? `spawn ${program} ${errno}`);
  else message = escapeControls(raw).replace(/\.? Received .*$/, '');
  return {
    end: { kind: 'not-started', errno, message },
    durationMs: Math.round(performance.now() - started),
    cleanupMs: 0,
    signalsSent: [],
    leakedProcesses: false,
    cleanupSignals: [],
    ...sizes,
    atExit: sizes,
  };
}

/** A file of /proc, whole, as latin1; empty when it cannot be read (the process is gone, or not ours). */
function readProcFile(file: string, buffer: Buffer): string {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return '';
  }
  try {
    const parts: Buffer[] = [];
    for (;;) {
      const n = readSync(fd, buffer, 0, buffer.length, null);
      if (n === 0) break;
      parts.push(Buffer.from(buffer.subarray(0, n)));
    }
    return parts.length === 1 ? parts[0]!.toString('latin1') : Buffer.concat(parts).toString('latin1');
  } catch {
    return '';
  } finally {
    closeSync(fd);
  }
}

/** The processes that escaped one check, and the signals sent to end them (`at`: epoch ms). */
export interface Escaped {
  pids: number[];
  signals: { signal: string; at: number }[];
}

/**
 * Processes of this run that escaped their check's process group (a daemon that
 * called setsid) still carry the run's environment. Best effort, Linux only:
 * find them by `GATE_RUN_ID` in /proc/<pid>/environ and end them (TERM, then
 * KILL after `graceMs` for those still running).
 * Returns, by check id, the escaped pids and the signals sent to them.
 */
export function endEscapedProcesses(runId: string, graceMs = 500): Promise<Map<string, Escaped>> {
  const tag = `GATE_RUN_ID=${runId}`;
  return endProcessesWhere(tag, (vars) => vars.includes(tag), graceMs);
}

/**
 * The processes of one check of this run that escaped its process group, as endEscapedProcesses finds them:
 * for a check that has ended, while the run's other checks (with the same run id) still run.
 */
export function endEscapedFrom(runId: string, checkId: string, graceMs = 500): Promise<Map<string, Escaped>> {
  const tag = `GATE_RUN_ID=${runId}`;
  const own = `GATE_CHECK_ID=${checkId}`;
  return endProcessesWhere(tag, (vars) => vars.includes(tag) && vars.includes(own), graceMs);
}

/**
 * Processes still running from the checks of an earlier run in `workDir` (one killed with SIGKILL, which
 * could end none of them): each check gets `GATE_WORK_DIR=<workDir>/<check id>`. Asked by a run that took
 * over the work dir's stale lock, so no run holds it and no such process can be another run's. Best
 * effort, Linux only, as endEscapedProcesses.
 */
export function endLeftoversIn(workDir: string, graceMs = 500): Promise<Map<string, Escaped>> {
  // environ is read as latin1: the dir's UTF-8 bytes, spelled the same way.
  const prefix = `GATE_WORK_DIR=${Buffer.from(path.resolve(workDir) + path.sep, 'utf8').toString('latin1')}`;
  return endProcessesWhere(prefix, (vars) => vars.some((v) => v.startsWith(prefix) && !v.slice(prefix.length).includes(path.sep)), graceMs);
}

/**
 * Finds the processes whose environment (its variables, as latin1) `selects`, with `hint` a text every such
 * environment holds (a quick test before the split), and ends them as endEscapedProcesses says.
 */
async function endProcessesWhere(hint: string, selects: (vars: string[]) => boolean, graceMs: number): Promise<Map<string, Escaped>> {
  const found = new Map<string, number[]>();
  // Read in a row, in pid order, with plain reads: every check has ended, so nothing waits on the event
  // loop meanwhile, and a read of /proc costs far less than a round trip through the thread pool.
  const buffer = Buffer.allocUnsafe(64 * 1024);
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    entries = [];
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const environ = readProcFile(`/proc/${entry}/environ`, buffer);
    if (!environ.includes(hint)) continue;
    const vars = environ.split('\0');
    if (!selects(vars)) continue;
    const checkId = vars.find((v) => v.startsWith('GATE_CHECK_ID='))?.slice('GATE_CHECK_ID='.length) ?? '';
    found.set(checkId, [...(found.get(checkId) ?? []), Number(entry)]);
  }
  const escaped = new Map<string, Escaped>([...found].map(([checkId, pids]) => [checkId, { pids, signals: [] }]));
  const send = (signal: 'SIGTERM' | 'SIGKILL', running: (pid: number) => boolean) => {
    const at = Date.now();
    for (const entry of escaped.values()) {
      let sent = false;
      for (const pid of entry.pids) if (running(pid) && signalPid(pid, signal)) sent = true;
      if (sent) entry.signals.push({ signal, at });
    }
  };
  const pids = [...found.values()].flat();
  send('SIGTERM', () => true);
  const deadline = Date.now() + graceMs;
  while (pids.some(pidRunning) && Date.now() < deadline) await sleep(20);
  send('SIGKILL', pidRunning);
  return escaped;
}
