/**
 * One gate, run end to end: prepare the dirs, run the plan, decide, write the
 * report. Returns the report; the caller turns it into an exit code.
 */
import { createHash, randomBytes } from 'node:crypto';
import { lstatSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureDirSync } from '../util/ensure-dir.js';
import { orUndefined } from '../util/or-undefined.js';
import { removeTreeSync } from '../util/remove-tree.js';
import { OFF_THREAD_HASH_BYTES } from '../util/hash-off-thread.js';
import { preparedDirChanged, rememberPreparedDir } from '../util/prepared-dir.js';
import { exitCodeFor, type StopSignal } from '../model/exit-codes.js';
import { GATE_VERSION } from '../model/version.js';
import { LOCK_NAME, WORK_DIR_MARKER } from '../model/gate-names.js';
import { applyWaiver, decideVerdict, reportWaivers, summarize } from '../judge/decide.js';
import { createRunLog, type RunLog } from '../log/run-log.js';
import type { Progress } from '../log/progress.js';
import type { AttemptOutcome, CheckResult, EnvFileSpec, Gate, Report } from '../model/types.js';
import type { Plan } from '../plan/plan.js';
import { HASH_LIMIT_BYTES, hashMaskedBytes, hashMaskedFile, keepOutput } from '../report/capture.js';
import { lockWorkDir, type LockResult } from '../report/lock.js';
import { isIdentity, redactDeep, redactorFor, secretSources, type Masking, type Redactor } from '../report/redact.js';
import { checkShapes, sealReport } from '../report/seal.js';
import { renderJson } from '../report/json.js';
import { renderJunit } from '../report/junit.js';
import { renderMarkdown } from '../report/markdown.js';
import { pruneHistory, writeReportFiles, type ReportFile } from '../report/write.js';
import { readGitCommit } from './git.js';
import { endEscapedFrom, endEscapedProcesses, endLeftoversIn, MAX_OUTPUT_BYTES, type Escaped } from './process.js';
import { chainStarts } from './chain-start.js';
import { attemptFiles, runCheck, type RunContext } from './run-check.js';
import { runSchedule } from './scheduler.js';

export interface RunGateOptions {
  plan: Plan;
  workDir: string;
  reportDir: string;
  jobs: number;
  failFast: boolean;
  env: Record<string, string | undefined>;
  abort: AbortSignal;
  /** Which signal interrupted the run, once one has. */
  interruptedBy?: () => StopSignal | undefined;
  progress: Progress;
  /** Masks secrets in everything written. */
  redact: Masking;
  now?: () => Date;
}

/**
 * A run's (or drill's) id: when it started, to the millisecond, and a random part, e.g.
 * `20261122T091332.123Z-b7d846`. Runs in one report dir take turns (its lock), so their ids sort
 * in the order they started: history/ is pruned by name (src/report/write.ts).
 */
export function newRunId(now: Date): string {
  return `${now.toISOString().replace(/[-:]/g, '')}-${randomBytes(3).toString('hex')}`;
}

/**
 * Why gate will not take `dir` as a work dir (a link, a file, someone else's folder), if it will not.
 * The work dir is looked at and prepared in place, not on the thread pool: no check has started yet,
 * and a round trip would cost more than the call.
 */
function workDirRefused(dir: string): string | undefined {
  const info = orUndefined(() => lstatSync(dir));
  if (info?.isSymbolicLink()) return `work dir ${dir} is a symbolic link; gate does not write through links (choose another --work-dir)`;
  if (info && !info.isDirectory()) return `work dir ${dir} exists and is not a directory`;
  // A lone lock is a run of gate's that got no further.
  const entries = (orUndefined(() => readdirSync(dir)) ?? []).filter((n) => n !== LOCK_NAME);
  if (entries.length > 0 && !entries.includes(WORK_DIR_MARKER)) {
    return `work dir ${dir} exists, is not empty and was not made by gate; gate only empties folders it made (choose another --work-dir)`;
  }
  return undefined;
}

/**
 * Makes the work dir if need be and locks it, before anything in it is written
 * or emptied: two runs of one gate with different report dirs would otherwise
 * empty each other's check folders. A second run waits, as for the report dir.
 */
export async function lockWorkDirOf(
  dir: string,
  waitMs: number,
  onWait?: (message: string) => void,
  abort?: AbortSignal,
): Promise<LockResult & { ended?: string }> {
  const refused = workDirRefused(dir);
  if (refused) return { ok: false, message: refused };
  try {
    ensureDirSync(dir);
  } catch (error) {
    return { ok: false, message: `work dir ${dir} is not writable: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` };
  }
  const locked = await lockWorkDir(dir, waitMs, onWait, abort);
  if (!locked.ok || !locked.tookOver) return locked;
  // A stale lock is a run that died, maybe by SIGKILL, which ended none of its checks: they may still run here.
  const left = [...(await endLeftoversIn(dir)).values()].flatMap((e) => e.pids);
  if (left.length === 0) return locked;
  return {
    ...locked,
    ended: `ended ${left.length} process(es) of an earlier run that did not finish, still running in work dir ${dir} (pid ${left.join(', ')})`,
  };
}

/**
 * Claims the work dir before any check runs, and writes the gate's env file
 * into it. gate empties only folders it made: a work dir it did not make must be
 * empty to be taken over. Returns what is wrong, if anything.
 */
export async function prepareWorkDir(dir: string, envFile: EnvFileSpec | undefined): Promise<string | undefined> {
  try {
    const refused = workDirRefused(dir);
    if (refused) return refused;
    ensureDirSync(dir);
    // What the folder is now: before making each check's folder in it, gate makes sure it still is.
    const changed = await rememberPreparedDir(dir, 'work dir');
    if (changed) return changed.message;
    // The mark is a plain file gate made: kept as it is. A check may have put a link (or anything else)
    // at its name: that is removed and the mark made anew, never written through.
    const mark = path.join(dir, WORK_DIR_MARKER);
    if (!orUndefined(() => lstatSync(mark).isFile())) {
      rmSync(mark, { force: true });
      writeFileSync(mark, "This folder is gate's scratch space; gate empties each check's folder in it before the check runs.\n", { flag: 'wx' });
    }
    if (envFile) {
      const file = path.join(dir, envFile.path);
      // A check may have put a link on the way (its own folder's parent is the work dir): never write through it.
      const link = linkOnTheWay(dir, path.dirname(envFile.path));
      if (link) return `work dir ${dir}: ${link} is a symbolic link; gate does not write the env file through links (remove it)`;
      ensureDirSync(path.dirname(file));
      // A check may have replaced the file with a link: remove it and create anew, never write through it.
      rmSync(file, { force: true });
      writeFileSync(file, renderEnvFile(envFile.values), { flag: 'wx' });
    }
    return undefined;
  } catch (error) {
    return `work dir ${dir} is not writable: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`;
  }
}

/**
 * What keeps gate from making its scratch folder in the temporary folder (os.tmpdir(): $TMPDIR, else /tmp), if
 * anything. Asked before any check runs: a TMPDIR naming a folder that does not exist, a file or a folder
 * that cannot be written is gate unable to do its job (exit 1, said with what to change), never a crash.
 */
export function scratchDirProblem(): string | undefined {
  const base = os.tmpdir();
  try {
    rmSync(mkdtempSync(path.join(base, 'gate-run-')), { recursive: true, force: true });
    return undefined;
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    // os.tmpdir() is $TMPDIR when set (then also the thing to unset), else /tmp.
    return process.env.TMPDIR
      ? `cannot make a scratch folder in the temporary folder ${base} ($TMPDIR): ${why}; point TMPDIR at a folder gate can write, or unset it`
      : `cannot make a scratch folder in the temporary folder ${base}: ${why}; point TMPDIR at a folder gate can write`;
  }
}

/** The first folder of `relative` (under `dir`) that is a symbolic link, if any; the walk stops at one that does not exist yet. */
function linkOnTheWay(dir: string, relative: string): string | undefined {
  let at = dir;
  for (const part of path.normalize(relative).split(path.sep)) {
    if (part === '' || part === '.') continue;
    at = path.join(at, part);
    const info = orUndefined(() => lstatSync(at));
    if (!info) return undefined;
    if (info.isSymbolicLink()) return at;
  }
  return undefined;
}

/** The same bytes on every run: sorted keys, one `KEY=value` a line, JSON-quoted when needed. */
export function renderEnvFile(values: Record<string, string>): string {
  return Object.keys(values)
    .sort()
    .map((k) => {
      const v = values[k] ?? '';
      return `${k}=${/^[\w@%+=:,./-]*$/.test(v) ? v : JSON.stringify(v)}\n`;
    })
    .join('');
}

/**
 * One line a check in run.log: the sha256 of each output it left (stdout, stderr, the evidence document it
 * wrote) and of each evidence file hashed for it, the same values as in closeout.json.
 *
 * For an output the line gives `originalSha256` (with `originalBytes`), not the `sha256` of the file the
 * report keeps: it is the provenance of what the check wrote, the whole output even when the kept file is
 * cut, with each secret in it replaced by `[REDACTED]` (a hash of the raw bytes would let anyone holding the
 * log confirm a guessed secret). It is also fixed once the check has ended, while the kept file's hash can
 * still change after run.log is written (the seal masks a file again if a secret got past masking), and
 * anyone can take that one from the file itself. Evidence files are hashed masked too (RunContext.hashEvidence).
 */
function logOutputHashes(log: RunLog['log'], result: CheckResult): void {
  const fields: Record<string, unknown> = {};
  for (const stream of ['stdout', 'stderr', 'evidenceFile'] as const) {
    const kept = result[stream];
    if (kept) fields[stream] = { file: kept.file, originalSha256: kept.originalSha256, originalBytes: kept.originalBytes, truncated: kept.truncated };
  }
  if (result.evidence.length > 0) fields.evidence = result.evidence;
  if (Object.keys(fields).length > 0) log.info({ check: result.id, ...fields }, 'outputs hashed');
}

/** The report, and why it could not be written, if it could not. */
export interface GateRun {
  report: Report;
  /** Why the report could not be written, or why the one written failed its secret scan or was broken by masking. */
  writeError?: string;
  /** False when no whole report was written (`writeError` says why): nothing may then show this report as the run's. */
  written: boolean;
  /**
   * Old runs being pruned from history once this one is in place (src/report/write.ts): they wait on
   * the disk while gate shows its summary. Never rejects; await it before the report dir's lock goes.
   */
  pruned: Promise<void>;
}

const nothingToPrune = Promise.resolve();

export async function runGate(gate: Gate, options: RunGateOptions): Promise<GateRun> {
  const { plan } = options;
  const now = options.now ?? (() => new Date());
  const started = now();
  const startedMs = performance.now();
  const runId = newRunId(started);
  // Read once a run, for closeout.json and run.log alike; started now and awaited only once the checks
  // have run, so reading .git adds nothing on the way to the first check. Never rejects (null on any failure).
  const gitCommit = readGitCommit(gate.projectRoot);

  const envFilePath = gate.envFile ? path.join(options.workDir, gate.envFile.path) : undefined;
  // Absolute even when TMPDIR is relative: $GATE_EVIDENCE_FILE points into it, and a check runs in its own cwd.
  const scratchDir = mkdtempSync(path.join(path.resolve(os.tmpdir()), 'gate-run-'));
  // The gate's secrets, for masking raw output before it is cut and for the scan after writing;
  // the caller's own masking still applies to every string.
  const secrets = redactorFor(gate, options.env);
  // Where neither has anything to mask, the caller's redactor itself: `isIdentity` then tells the log and the report so.
  const redact: Masking =
    secrets.reach === 0 && isIdentity(options.redact)
      ? options.redact
      : Object.assign((text: string) => options.redact(secrets(text)), { json: (text: string) => options.redact.json(secrets.json(text)) });
  const floods = floodWatch(runId, scratchDir);
  try {
    const runLog = createRunLog(path.join(scratchDir, 'run.log'), runId, redact);
    const { log } = runLog;
    log.info({ gate: gate.id, file: gate.displayFile, sha256: gate.sha256, jobs: options.jobs, injected: [...plan.injections] }, 'run started');
    /** Aborted when --fail-fast stops the run: a check waiting to retry makes no further attempt. */
    const failFast = new AbortController();
    const ctx: RunContext = {
      runId,
      projectRoot: gate.projectRoot,
      workDir: options.workDir,
      reportDir: options.reportDir,
      scratchDir,
      envFilePath,
      baseEnv: options.env,
      gateEnv: gate.env,
      abort: options.abort,
      failFast: failFast.signal,
      workDirChanged: () => preparedDirChanged(options.workDir, 'work dir', WORK_DIR_MARKER),
      onAttempt: (id, attempt, files) => options.progress.attemptStarted?.(id, attempt, files),
      hashOffThreadFrom: secrets.reach === 0 ? OFF_THREAD_HASH_BYTES : undefined,
      // No hash in a report may cover an unmasked secret: evidence files are hashed masked, as outputs are.
      hashEvidence: secrets.reach === 0 ? undefined : { file: (handle) => hashMaskedFile(handle, secrets), bytes: (bytes) => hashMaskedBytes(bytes, secrets) },
    };
    const outcomes = new Map<string, AttemptOutcome>();
    const byId = new Map(gate.checks.map((c) => [c.id, c]));
    const chains = chainStarts((id) => byId.get(id)?.dependsOn ?? []);
    options.progress.runStarted(gate.id, plan.selected.size, options.jobs);
    const results = await runSchedule(plan, {
      jobs: options.jobs,
      failFast: options.failFast,
      abort: options.abort,
      onFailFast: () => failFast.abort(),
      onStart: (id) => {
        log.info({ check: id }, 'check started');
        options.progress.checkStarted(id);
      },
      runOne: async (id) => {
        // Its evidence must be written no earlier than its chain started: a file an unrelated check wrote before does not count.
        const run = await runCheck(byId.get(id)!, plan.injections.get(id), ctx, chains.started(id, Date.now()));
        if (run.outcome) {
          outcomes.set(id, run.outcome);
          floods.watch(id, run.outcome);
        }
        return run.result;
      },
      // Every waiver is judged as of the run's start: one that expires while the run goes on still covers,
      // and the report (below) says so; two readings of the clock could otherwise apply one and call it expired.
      finalize: (result) => applyWaiver(result, gate.waivers, started),
      onResult: (result) => {
        const notes = result.notes.length > 0 ? { notes: result.notes } : {};
        log.info({ check: result.id, status: result.status, reason: result.reason, attempts: result.attempts, durationMs: result.durationMs, exitCode: result.exitCode, signalsSent: result.signalsSent, ...notes }, 'check finished');
        options.progress.checkFinished(result);
      },
    });

    const checks: CheckResult[] = gate.checks.map((c) => results.get(c.id)!);
    const escapedFrom = (ended: Map<string, Escaped>, how: string) => {
      for (const [checkId, { pids, signals }] of ended) {
        const result = results.get(checkId);
        if (!result || pids.length === 0) continue;
        result.leakedProcesses = true;
        // Times after the check started, as for what it left in its own group.
        const startedAt = result.startedAt === undefined ? undefined : Date.parse(result.startedAt);
        const cleanup = signals.map(({ signal, at }) => ({ signal, atMs: startedAt === undefined ? 0 : Math.max(0, at - startedAt) }));
        if (cleanup.length > 0) result.cleanupSignals = [...(result.cleanupSignals ?? []), ...cleanup];
        result.notes.push(`${pids.length} process(es) escaped the check's process group (pid ${pids.join(', ')})${how}; gate ended them`);
        log.warn({ check: checkId, pids }, 'escaped processes ended');
      }
    };
    escapedFrom(await floods.stop(), ` and wrote its output past the ${(MAX_OUTPUT_BYTES / 1048576).toFixed(1)} MiB output limit after it exited`);
    escapedFrom(await endEscapedProcesses(runId), '');
    const outputs = new Map<string, { stdoutTail?: string; stderrTail?: string }>();
    const files: ReportFile[] = [];
    for (const result of checks) {
      const outcome = outcomes.get(result.id);
      if (!outcome) continue;
      const tails: { stdoutTail?: string; stderrTail?: string } = {};
      for (const [stream, suffix] of [['stdout', 'stdout.txt'], ['stderr', 'stderr.txt'], ['evidenceFile', 'evidence.json']] as const) {
        const captured = outcome[stream];
        if (!captured) continue;
        const kept = await keepOutput(captured.path, secrets, captured.digest).catch((error: NodeJS.ErrnoException) => {
          result.notes.push(`its ${stream} could not be kept: ${error.code ?? error.message}`);
          return undefined;
        });
        if (!kept) continue;
        if (kept.sha256 === undefined) {
          const what = stream === 'evidenceFile' ? '$GATE_EVIDENCE_FILE' : stream;
          result.notes.push(`its ${what} (${kept.bytes} bytes) is over the ${(HASH_LIMIT_BYTES / 1048576).toFixed(1)} MiB output limit: kept in part, not hashed`);
        }
        const name = `checks/${result.id}.${suffix}`;
        const content = redact(kept.text);
        files.push({ name, content });
        const stored = Buffer.from(content, 'utf8');
        result[stream] = {
          file: name,
          bytes: stored.length,
          sha256: createHash('sha256').update(stored).digest('hex'),
          originalSha256: kept.sha256,
          originalBytes: kept.maskedBytes,
          truncated: kept.truncated,
        };
        if (stream !== 'evidenceFile') tails[`${stream}Tail`] = redact(kept.tail);
      }
      outputs.set(result.id, tails);
      logOutputHashes(log, result);
    }

    const provenance: Report['provenance'] = {
      gateVersion: GATE_VERSION,
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      gitCommit: await gitCommit,
      gateFileSha256: gate.sha256,
    };
    log.info(provenance, 'provenance');
    const finishedAt = now();
    const summary = summarize(checks);
    // Aborted when the interrupt stopped a check (ended it, or kept it from starting); one that came once
    // every check had ended stopped nothing, and the checks' verdict stands.
    const stopped = checks.some((c) => c.status === 'interrupted' || (c.status === 'not-run' && c.reasonCode === 'interrupted'));
    const verdict = decideVerdict(summary, { interrupted: stopped, injected: plan.injections.size > 0 });
    const assembled: Report = {
      schemaVersion: 1,
      gate: { id: gate.id, title: gate.title, file: gate.displayFile, sha256: gate.sha256 },
      runId,
      startedAt: started.toISOString(),
      finishedAt: finishedAt.toISOString(),
      durationMs: Math.round(performance.now() - startedMs),
      verdict,
      decision: verdict === 'pass' ? 'GO' : 'NO-GO',
      exitCode: exitCodeFor(verdict, options.interruptedBy?.()),
      partial: plan.partial,
      requiredNotRun: plan.requiredNotRun,
      summary,
      injected: [...plan.injections].map(([checkId, mode]) => ({ checkId, mode })),
      checks,
      waivers: reportWaivers(gate.waivers, checks, started),
      handover: gate.handover,
      provenance,
      workDir: options.workDir,
      reportDir: options.reportDir,
    };
    // A copy with every string masked, unless there is nothing to mask.
    const report = secrets.reach === 0 && isIdentity(options.redact) ? assembled : redactDeep(assembled, redact);
    log.info({ verdict, decision: report.decision, summary }, 'run finished');
    const logged = runLog.close();
    // closeout.json goes last: once it is there, the rest of the run's files are too.
    files.push(
      { name: 'run.log', content: logged },
      { name: 'junit.xml', content: renderJunit(report, outputs) },
      { name: 'closeout.md', content: renderMarkdown(report, outputs) },
      { name: 'closeout.json', content: renderJson(report) },
    );
    // Everything the report needs from the scratch folder is read: it goes before the report's fsyncs
    // put its blocks on disk, when removing it still costs no wait for the disk (src/report/write.ts).
    removeScratch(scratchDir);
    const written = await writeReportFiles(options.reportDir, files, redact);
    if (!written.ok) return { report, writeError: written.message, written: false, pruned: nothingToPrune };
    const pruned = pruneHistory(options.reportDir);
    try {
      return { ...(await sealed(options, gate, files, report, outputs, secrets, redact)), pruned };
    } catch (error) {
      // The caller awaits the pruning only of a run that returns: before the locks go, it ends here.
      await pruned;
      throw error;
    }
  } finally {
    void floods.stop();
    // Gone already unless the run failed before its report was written.
    removeScratch(scratchDir);
  }
}

/**
 * How often the outputs of the checks that have ended are looked at: a look costs two `lstat`s a check, so
 * a gate of a thousand checks that runs for minutes would spend a few percent of a core on it at the
 * 250 ms that running checks get; at disk speed, a second more of flooding is under a gigabyte.
 */
const FLOOD_POLL_MS = 1000;

/**
 * Watches the captured output of each check that has ended, of each of its attempts: a process that escaped its
 * process group (found only when the gate's last check has ended, by endEscapedProcesses) may still write there
 * meanwhile, as fast as the disk takes it, whichever attempt left it, and also when the check itself was ended
 * for its output. Once an attempt's output is past the output limit and has grown since the check ended, the
 * check's escaped processes are ended at once. A look at the sizes of two files an attempt, every
 * FLOOD_POLL_MS; `stop` ends the watch and gives what was ended.
 */
function floodWatch(runId: string, scratchDir: string): { watch(id: string, outcome: AttemptOutcome): void; stop(): Promise<Map<string, Escaped>> } {
  /** For each check, each attempt's two output files and their size when the watch began. */
  const watched = new Map<string, { files: string[]; from: number }[]>();
  const ended = new Map<string, Escaped>();
  const ending: Promise<void>[] = [];
  const size = (file: string) => orUndefined(() => lstatSync(file, { throwIfNoEntry: false }))?.size ?? 0;
  const total = (files: string[]) => files.reduce((sum, file) => sum + size(file), 0);
  /** Past the output limit, and grown since the watch began: something still writes it. */
  const flooded = ({ files, from }: { files: string[]; from: number }) => {
    const now = total(files);
    return now > MAX_OUTPUT_BYTES && now > from;
  };
  const timer = setInterval(() => {
    for (const [id, attempts] of watched) {
      if (!attempts.some(flooded)) continue;
      watched.delete(id);
      ending.push(endEscapedFrom(runId, id).then((found) => void (found.get(id) && ended.set(id, found.get(id)!))));
    }
  }, FLOOD_POLL_MS);
  timer.unref();
  return {
    watch: (id, outcome) => {
      // The last attempt's size as it ended; an earlier attempt's as it is now (what it wrote itself is not told apart).
      const attempts = Array.from({ length: outcome.attempt }, (_, i) => Object.values(attemptFiles(scratchDir, id, i + 1)));
      watched.set(id, attempts.map((files, i) => ({ files, from: i + 1 === outcome.attempt ? outcome.stdout.bytes + outcome.stderr.bytes : total(files) })));
    },
    stop: async () => {
      clearInterval(timer);
      watched.clear();
      await Promise.all(ending);
      return ended;
    },
  };
}

/**
 * Removes the run's scratch folder, best effort: what a check left there that cannot be removed
 * costs no report. A folder a check made unwritable there is gate's own to open up again
 * (src/util/remove-tree.ts), so nothing of the run stays behind in the temp dir. In place, not
 * through the thread pool: Node's asynchronous recursive removal takes a round trip a file.
 */
function removeScratch(dir: string): void {
  orUndefined(() => removeTreeSync(dir));
}

/** The written report checked for secrets and, where anything was masked, for files masking broke: why it failed, if it did. */
async function sealed(
  options: RunGateOptions,
  gate: Gate,
  files: ReportFile[],
  report: Report,
  outputs: Map<string, { stdoutTail?: string; stderrTail?: string }>,
  secrets: Redactor,
  redact: Masking,
): Promise<{ report: Report; writeError?: string; written: true }> {
  const verdictFiles = (amended: Report): ReportFile[] => [
    { name: 'junit.xml', content: renderJunit(amended, outputs) },
    { name: 'closeout.md', content: renderMarkdown(amended, outputs) },
    { name: 'closeout.json', content: renderJson(amended) },
  ];
  // Masking is checked, not trusted: every file is read back and searched for every secret,
  const leak = await sealReport(options.reportDir, files, report, secrets, verdictFiles);
  // and, where anything was masked, the files a program reads are parsed again (after a leak, the run has failed already).
  const masked = secrets.reach > 0 || !isIdentity(options.redact);
  const broken = masked && !leak ? await checkShapes(options.reportDir, files, report, redact, verdictFiles, secretSources(gate, options.env)) : undefined;
  const failure = leak ?? broken;
  return failure ? { report, writeError: failure, written: true } : { report, written: true };
}
