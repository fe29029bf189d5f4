/**
 * One check from first attempt to last: its environment, its injection, its
 * attempts with retries, and the judged result (before any waiver).
 */
import { lstatSync, mkdirSync, readdirSync, readFileSync, rmdirSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { ensureDir, ensureDirSync } from '../util/ensure-dir.js';
import { removeTree } from '../util/remove-tree.js';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EvidenceHasher } from '../judge/evidence.js';
import { judgeAttempt, type Judgement } from '../judge/judge.js';
import { describeReason } from '../judge/reasons.js';
import type { AttemptOutcome, Check, CheckResult, InjectMode, ReasonDetail } from '../model/types.js';
import { hashOffThread, type OffThreadHash } from '../util/hash-off-thread.js';
import { HASH_LIMIT_BYTES } from '../report/capture.js';
import type { DirChange } from '../util/prepared-dir.js';
import { injectionFlag } from '../plan/plan.js';
import { regularFileSize, runProcess } from './process.js';
import { decideRetry } from './retry.js';

export interface RunContext {
  runId: string;
  projectRoot: string;
  workDir: string;
  reportDir: string;
  /** Where raw output of attempts is kept until the report is written. */
  scratchDir: string;
  envFilePath?: string;
  /** The environment gate itself runs in. */
  baseEnv: Record<string, string | undefined>;
  gateEnv: Record<string, string>;
  abort: AbortSignal;
  /** Aborted when --fail-fast stops the run (a required check did not pass): no check starts another attempt. */
  failFast?: AbortSignal;
  /** Why the work dir is no longer the folder gate prepared (a check may have replaced it), if it is not. */
  workDirChanged: () => Promise<DirChange | undefined>;
  /** Told where an attempt's output goes, just before it starts (`--verbose` streams it from there). */
  onAttempt?: (checkId: string, attempt: number, files: { stdout: string; stderr: string }) => void;
  /** Outputs from this size up are hashed on another thread while the check is judged; undefined: none (when there are secrets to mask, the hash is of the masked output). */
  hashOffThreadFrom?: number;
  /** How evidence files are hashed for the report (masked when there are secrets); default: as they are. */
  hashEvidence?: EvidenceHasher;
}

export interface CheckRun {
  result: CheckResult;
  /** The last attempt's raw output files (for the report). */
  outcome?: AttemptOutcome;
}

/** Stand-ins for the injection modes that replace the check's process. */
const STAND_INS: Record<Exclude<InjectMode, 'declared'>, string> = {
  exit: 'process.stderr.write("gate: injected exit\\n"); process.exit(1)',
  timeout: 'process.stderr.write("gate: injected hang\\n"); setInterval(() => {}, 1 << 30)',
  'bad-json': 'process.stdout.write("{\\"injected\\": tru\\n")',
  // SIGKILL: a signal no runtime can catch, so the stand-in always dies by it.
  crash: 'process.kill(process.pid, "SIGKILL")',
};

/**
 * The mode, owner and group of a folder as gate's `mkdir` makes it here (0777
 * less the umask, this process's user and group), the umask read from /proc once; undefined where
 * that cannot be known, and then an empty folder is always made anew.
 */
let madeAs: { mode: number; uid: number; gid: number } | null | undefined;
function folderAsMade(): { mode: number; uid: number; gid: number } | undefined {
  if (madeAs === undefined) {
    madeAs = null;
    try {
      const umask = /^Umask:\s*([0-7]+)$/m.exec(readFileSync('/proc/self/status', 'latin1'))?.[1];
      if (umask !== undefined && process.getuid && process.getgid) madeAs = { mode: 0o777 & ~parseInt(umask, 8), uid: process.getuid(), gid: process.getgid() };
    } catch {
      // not Linux: no /proc
    }
  }
  return madeAs ?? undefined;
}

/**
 * Gives the check its own empty folder. The usual cases (no folder yet, or the
 * empty one the last run left) take a few quick calls made in place; a folder
 * with something in it is emptied on the thread pool, as it may hold a lot. A
 * folder the check made unwritable there is opened up again and the emptying
 * tried once more (src/util/remove-tree.ts), only after it was refused.
 */
async function freshFolder(dir: string): Promise<void> {
  try {
    const info = lstatSync(dir);
    if (info.isDirectory() && readdirSync(dir).length === 0) {
      // Kept as it is only when its mode, owner and group are still those gate gave it (a check may
      // have changed them); else made anew. Keeping it spares the disk a folder freed and made a check.
      const made = folderAsMade();
      if (made && (info.mode & 0o7777) === made.mode && info.uid === made.uid && info.gid === made.gid) return;
      rmdirSync(dir);
      mkdirSync(dir);
      return;
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      // The work dir itself was made before the run: one mkdir is enough, unless a check removed it.
      await mkdir(dir).catch(() => ensureDir(dir));
      return;
    }
  }
  await removeTree(dir);
  await mkdir(dir).catch(() => ensureDir(dir));
}

/** Why the check's folder could not be emptied, naming what gate may not remove and what to do. */
function notFresh(dir: string, error: NodeJS.ErrnoException): string {
  if (error.code === 'EACCES' || error.code === 'EPERM') {
    // Only on Linux does gate open its own folders up first (src/util/remove-tree.ts).
    const tried = process.platform === 'linux' ? ', not even after making its own folders there writable' : '';
    return `check folder ${dir} could not be emptied: gate may not remove ${error.path ?? dir}${tried}; remove it (it may be another user's), then run again`;
  }
  return `check folder ${dir} could not be emptied and made anew: ${error.message}`;
}

export function commandLine(check: Check): string {
  return typeof check.run === 'string' ? check.run : check.run.join(' ');
}

function processSpec(check: Check, mode: InjectMode | undefined): { run: string[] | string; shell: boolean } {
  if (mode && mode !== 'declared') return { run: [process.execPath, '-e', STAND_INS[mode]], shell: false };
  const extra = mode === 'declared' ? (check.injectFail?.args ?? []) : [];
  if (typeof check.run === 'string') return { run: [check.run, ...extra.map(shellQuote)].join(' '), shell: true };
  return { run: [...check.run, ...extra], shell: check.shell };
}

const shellQuote = (arg: string) => `'${arg.replace(/'/g, `'\\''`)}'`;

/** The base environment as a plain object, copied once a run: `process.env` is slow to read key by key. */
const plainEnvs = new WeakMap<object, Record<string, string>>();
function plainEnv(base: Record<string, string | undefined>): Record<string, string> {
  let plain = plainEnvs.get(base);
  if (!plain) {
    plain = {};
    for (const [k, v] of Object.entries(base)) if (v !== undefined) plain[k] = v;
    plainEnvs.set(base, plain);
  }
  return plain;
}

function childEnv(check: Check, ctx: RunContext, mode: InjectMode | undefined, checkWorkDir: string, evidenceFile: string) {
  const env: Record<string, string> = { ...plainEnv(ctx.baseEnv) };
  Object.assign(env, ctx.gateEnv, check.env);
  if (mode === 'declared') Object.assign(env, check.injectFail?.env ?? {});
  // gate's own variables come last: a gate file cannot override them.
  for (const k of Object.keys(env)) if (k.startsWith('GATE_')) delete env[k];
  env.GATE_RUN_ID = ctx.runId;
  env.GATE_CHECK_ID = check.id;
  env.GATE_WORK_DIR = checkWorkDir;
  env.GATE_REPORT_DIR = ctx.reportDir;
  env.GATE_EVIDENCE_FILE = evidenceFile;
  if (ctx.envFilePath) env.GATE_ENV_FILE = ctx.envFilePath;
  if (mode) env.GATE_INJECT_FAIL = '1';
  return env;
}

/**
 * Runs one check. `chainStartedMs`: when its chain started (epoch ms), the earliest start among it and its
 * dependencies, direct or not (chain-start.ts); evidence last written before that was not written by them.
 */
export async function runCheck(check: Check, mode: InjectMode | undefined, ctx: RunContext, chainStartedMs: number): Promise<CheckRun> {
  const startedAt = new Date();
  const started = performance.now();
  const checkWorkDir = path.join(ctx.workDir, check.id);
  // Never emptied or made through a work dir that is no longer gate's (a link to someone else's folder).
  const changed = await ctx.workDirChanged();
  if (changed) {
    const message = `${changed.message}; gate makes a check's folder only in the work dir it prepared`;
    return { result: notStarted(check, mode, startedAt, { code: 'not-startable', errno: changed.errno, command: commandLine(check), message }) };
  }
  // Its own empty folder, kept across its attempts (a retry may need what the last one left).
  // One gate cannot empty (something in it is another user's, say) is why the check cannot start.
  const unemptied = await freshFolder(checkWorkDir).then(
    () => undefined,
    (error: NodeJS.ErrnoException) => error,
  );
  if (unemptied) {
    const detail = { code: 'not-startable', errno: unemptied.code ?? 'EIO', command: commandLine(check), message: notFresh(checkWorkDir, unemptied) } as const;
    return { result: notStarted(check, mode, startedAt, detail) };
  }
  const scratch = scratchFolderProblem(ctx.scratchDir);
  if (scratch) return { result: notStarted(check, mode, startedAt, { code: 'not-startable', errno: scratch.errno, command: commandLine(check), message: scratch.message }) };
  const spec = processSpec(check, mode);

  let attempt = 0;
  /** Time spent ending what attempts left behind: not part of the check's duration. */
  let cleanupMs = 0;
  /** When the last attempt's process exited (on the clock of `started`), and the check's time until then less cleanupMs before it. */
  let exited = started;
  let ownMs = 0;
  let judgement: Judgement;
  let outcome: AttemptOutcome;
  /**
   * An attempt before the one that counts: its line, then its own notes (what it left behind, which gate
   * ended), each under its number; the one that counts gives the reason and its notes unnumbered.
   */
  const failures: { lines: string[]; leaked: boolean }[] = [];
  /** Retries the run's interrupt left unmade while the check waited for its next attempt. */
  let retriesAbandoned = 0;
  /** Retries --fail-fast cancelled: the run stopped before the check's next attempt. */
  let retriesCancelled = 0;
  /** Why the retries left were not made, when the scratch folder could not be used for them. */
  let retriesUnmade: string | undefined;
  const stopped = ctx.failFast === undefined ? ctx.abort : AbortSignal.any([ctx.abort, ctx.failFast]);
  for (;;) {
    attempt += 1;
    const base = path.join(ctx.scratchDir, `${check.id}.${attempt}`);
    const evidenceFile = `${base}.evidence.json`;
    const attemptStart = new Date().toISOString();
    const files = attemptFiles(ctx.scratchDir, check.id, attempt);
    ctx.onAttempt?.(check.id, attempt, files);
    const proc = await runProcess({
      ...spec,
      cwd: check.cwd,
      env: childEnv(check, ctx, mode, checkWorkDir, evidenceFile),
      timeoutMs: check.timeoutMs,
      killGraceMs: check.killGraceMs,
      // What the check leaves behind gets the same grace as the check itself.
      leakGraceMs: check.killGraceMs,
      stdoutPath: files.stdout,
      stderrPath: files.stderr,
      evidencePath: evidenceFile,
      abort: ctx.abort,
    });
    // The attempt ended when its process exited: ending what it left behind came after, and is not the check's.
    exited = performance.now() - proc.cleanupMs;
    ownMs = exited - started - cleanupMs;
    cleanupMs += proc.cleanupMs;
    // Only a regular file is kept as the evidence document (never a link, a FIFO or a folder put there).
    const evidenceBytes = regularFileSize(evidenceFile);
    outcome = {
      attempt,
      startedAt: attemptStart,
      durationMs: proc.durationMs,
      end: proc.end,
      stdout: { path: files.stdout, bytes: proc.stdoutBytes },
      stderr: { path: files.stderr, bytes: proc.stderrBytes },
      evidenceFile: evidenceBytes === undefined ? undefined : { path: evidenceFile, bytes: evidenceBytes },
      signalsSent: proc.signalsSent,
      leakedProcesses: proc.leakedProcesses,
      cleanupSignals: proc.cleanupSignals,
      atExit: proc.atExit,
    };
    // Hashes that only a kept output needs: an attempt that ran to its end may be the one kept.
    const hashing: OffThreadHash[] = [];
    for (const stream of [outcome.stdout, outcome.stderr, outcome.evidenceFile]) {
      // Past HASH_LIMIT_BYTES nothing is hashed (src/report/capture.ts).
      if (!stream || proc.end.kind !== 'exited' || ctx.hashOffThreadFrom === undefined || stream.bytes < ctx.hashOffThreadFrom || stream.bytes > HASH_LIMIT_BYTES) continue;
      const hash = hashOffThread(stream.path);
      hashing.push(hash);
      stream.digest = hash.digest;
    }
    judgement = await judgeAttempt({
      check,
      outcome,
      evidenceFile,
      projectRoot: ctx.projectRoot,
      command: commandLine(check),
      notBeforeMs: chainStartedMs,
      hashFile: ctx.hashEvidence,
    });
    if (judgement.status === 'pass') break;
    const next = decideRetry(
      { attempt, retries: check.retries, retryDelayMs: check.retryDelayMs, reasonCode: judgement.detail.code, injected: mode !== undefined },
    );
    if (!next.retry) break;
    // The run is stopping (--fail-fast): this attempt is the one that counts.
    const cancelled = () => !ctx.abort.aborted && ctx.failFast?.aborted === true;
    if (cancelled()) {
      retriesCancelled = check.retries - attempt + 1;
      break;
    }
    // An attempt before the one that counts: a line in the notes (the one that counts gives the reason).
    failures.push({
      lines: [`attempt ${attempt}: ${judgement.status}: ${describeReason(judgement.detail)}`, ...judgement.notes.map((n) => `attempt ${attempt}: ${n}`)],
      leaked: proc.leakedProcesses,
    });
    if (!ctx.abort.aborted) {
      // Another attempt follows: this one's output will not be kept.
      for (const hash of hashing) hash.cancel();
      await sleep(next.delayMs, undefined, { signal: stopped }).catch(() => undefined);
    }
    if (ctx.abort.aborted) {
      // Still in its retry loop: the interrupt, not this attempt, is how the check ended.
      retriesAbandoned = check.retries - attempt + 1;
      break;
    }
    if (cancelled()) {
      // Stopped while it waited: the attempt that failed is the one that counts after all.
      failures.pop();
      retriesCancelled = check.retries - attempt + 1;
      break;
    }
    const lost = scratchFolderProblem(ctx.scratchDir);
    if (lost) {
      // Nowhere safe to capture the next attempt: the attempt that failed is the one that counts.
      failures.pop();
      retriesUnmade = `its ${check.retries - attempt + 1} remaining ${check.retries - attempt + 1 === 1 ? 'retry was' : 'retries were'} not made: ${lost.message}`;
      break;
    }
  }

  let status: CheckResult['status'] = judgement.status;
  let detail = judgement.detail;
  if (status === 'pass' && attempt > 1) {
    status = 'flaky';
    detail = { code: 'passed-on-retry', attempts: attempt };
  }
  const notes = [...judgement.notes, ...failures.flatMap((f) => f.lines)];
  if (retriesAbandoned > 0) {
    status = 'interrupted';
    detail = { code: 'interrupted', started: true, waitingAfter: attempt };
    notes.push(`the interrupt abandoned its ${retriesAbandoned} remaining ${retriesAbandoned === 1 ? 'retry' : 'retries'}`);
  }
  if (retriesUnmade) notes.push(retriesUnmade);
  if (retriesCancelled > 0) notes.push(`--fail-fast cancelled its ${retriesCancelled} remaining ${retriesCancelled === 1 ? 'retry' : 'retries'} (another required check did not pass)`);
  // A drill must turn the gate red; a check that passes anyway has not shown its fail path.
  if (mode && (status === 'pass' || status === 'flaky')) {
    status = 'fail';
    detail = { code: 'injection-not-detected' };
    notes.push(`the check passed although ${injectionFlag(check.id, mode)} was set`);
  }
  const end = outcome.end;
  return {
    outcome,
    result: {
      id: check.id,
      title: check.title,
      priority: check.priority,
      owner: check.owner,
      required: check.required,
      status,
      reasonCode: detail.code,
      reason: describeReason(detail),
      attempts: attempt,
      durationMs: Math.round(ownMs),
      exitCode: end.kind === 'exited' ? end.exitCode : end.kind === 'timed-out' ? (end.exitCode ?? null) : null,
      signal: end.kind === 'signaled' ? end.signal : end.kind === 'timed-out' ? (end.signal ?? null) : null,
      assertions: judgement.assertions,
      injected: mode !== undefined,
      injectMode: mode,
      startedAt: startedAt.toISOString(),
      finishedAt: new Date(startedAt.getTime() + Math.round(exited - started)).toISOString(),
      evidence: judgement.evidence,
      signalsSent: outcome.signalsSent,
      // What an attempt before the one that counts left behind was ended too: the report says so as for the last.
      leakedProcesses: outcome.leakedProcesses || failures.some((f) => f.leaked),
      ...(outcome.cleanupSignals.length > 0 ? { cleanupSignals: outcome.cleanupSignals } : {}),
      notes,
    },
  };
}

/** Where an attempt's stdout and stderr are captured, in the run's scratch folder. */
export function attemptFiles(scratchDir: string, checkId: string, attempt: number): { stdout: string; stderr: string } {
  const base = path.join(scratchDir, `${checkId}.${attempt}`);
  return { stdout: `${base}.stdout`, stderr: `${base}.stderr` };
}

/**
 * The run's scratch folder, before an attempt: made again if a check removed it (a cleanup of the temp
 * dir), private to this user as mkdtemp made it (the raw output it holds is not masked yet). What stands in
 * its place and is not a folder of this user's (a link, a file, another user's folder made in the shared
 * temp dir meanwhile) is never written through or into: why, as a check that cannot start.
 */
function scratchFolderProblem(dir: string): { errno: string; message: string } | undefined {
  try {
    let info = lstatSync(dir, { throwIfNoEntry: false });
    if (!info) {
      ensureDirSync(path.dirname(dir));
      mkdirSync(dir, { mode: 0o700 });
      info = lstatSync(dir);
    }
    if (!info.isDirectory()) return { errno: 'ENOTDIR', message: `the run's scratch folder ${dir} is not a folder gate made (a check replaced it)` };
    const uid = process.getuid?.();
    if (uid !== undefined && info.uid !== uid) return { errno: 'EPERM', message: `the run's scratch folder ${dir} is not a folder gate made (another user's)` };
    return undefined;
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    return { errno: e.code ?? 'EIO', message: `cannot make the run's scratch folder ${dir} again: ${e.code ?? e.message}` };
  }
}

/** The result of a check that gate refused to start: `error`, no attempt made. */
function notStarted(check: Check, mode: InjectMode | undefined, startedAt: Date, detail: ReasonDetail): CheckResult {
  return {
    id: check.id,
    title: check.title,
    priority: check.priority,
    owner: check.owner,
    required: check.required,
    status: 'error',
    reasonCode: detail.code,
    reason: describeReason(detail),
    attempts: 0,
    durationMs: 0,
    exitCode: null,
    signal: null,
    assertions: [],
    injected: mode !== undefined,
    injectMode: mode,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    evidence: [],
    signalsSent: [],
    leakedProcesses: false,
    notes: [],
  };
}
