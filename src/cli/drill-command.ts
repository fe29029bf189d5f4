/**
 * `gate drill`: every check of one gate (or those named by --only) injected in
 * turn, one round each, each round a normal run of the injected check and the
 * checks it depends on. The drill passes (exit 0) only if every round caught
 * its injection; the matrix names the rounds that did not.
 */
import { link, lstat, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { drillExitCode, drillVerdict, judgeRound, roundNotRun, summarizeDrill } from '../judge/drill.js';
import { formatDiagnostics } from '../load/diagnostics.js';
import { displayPath, loadGates, resolveGateFiles } from '../load/load-gate.js';
import { stoppingNoticeOnly, stoppingOn } from '../log/progress.js';
import type { DrillReport, DrillRound, DrillRoundPlan } from '../model/drill.js';
import { exitCodeForSignal } from '../model/exit-codes.js';
import type { Gate, InjectMode } from '../model/types.js';
import { GATE_VERSION } from '../model/version.js';
import { planDrill, roundGate, roundPlanOptions } from '../plan/drill.js';
import { planGate, type Plan } from '../plan/plan.js';
import { renderDrillJson, renderDrillMarkdown, renderDrillTable, roundEndLine, roundStartLine, timeoutNote } from '../report/drill.js';
import { interruptedWait, lockReportDir, lockWaitMs, type Release } from '../report/lock.js';
import { secretCollisions } from '../report/collisions.js';
import { maskFile, redactDeep, redactorFor, redactorOf, redactTypoWarnings, secretSources, type Redactor, type SecretSource } from '../report/redact.js';
import { DRILL_FILES, otherKindIn, ROUNDS_DIR } from '../report/report-kind.js';
import { jsonReportProblem, whoBreaks } from '../report/seal.js';
import { DEFAULT_HISTORY, oldestFirst, prepareReportDir, reportDirChanged } from '../report/write.js';
import { lockWorkDirOf, newRunId, prepareWorkDir, runGate, scratchDirProblem } from '../run/run-gate.js';
import { ensureDir } from '../util/ensure-dir.js';
import { orUndefined } from '../util/or-undefined.js';
import { readRegularText } from '../util/read-regular.js';
import { EXIT, type Io } from './io.js';

export interface DrillOptions {
  only: string[];
  mode: InjectMode;
  timeoutMs?: number;
  jobs?: number;
  workDir?: string;
  reportDir?: string;
  json: boolean;
}

/** A round's own checks report nothing on the terminal: the drill prints one line a round. */

interface Round {
  plan: DrillRoundPlan;
  gate: Gate;
  runPlan: Plan;
  reportDir: string;
}

interface Drill {
  gate: Gate;
  rounds: Round[];
  workDir: string;
  reportDir: string;
  redact: Redactor;
  /** Where each secret was set, to name the one that breaks the matrix, if one does. */
  secrets: SecretSource[];
}

const usage = (io: Io, text: string) => {
  io.stderr.write(`${text}\nnothing ran.\n`);
  return EXIT.usage;
};

export async function drillCommand(gateArg: string | undefined, opts: DrillOptions, io: Io): Promise<number> {
  const wait = lockWaitMs(io.env);
  if (!wait.ok) {
    io.stderr.write(`gate: ${wait.message}\n`);
    return EXIT.usage;
  }
  if (gateArg === undefined) {
    const found = await resolveGateFiles([], { cwd: io.cwd });
    if (found.ok && found.files.length > 1) {
      const ids = found.files.map((f) => path.basename(f, '.json'));
      return usage(io, `gate: drill takes one gate, and gates/ holds ${ids.length}: ${ids.join(', ')}\n  hint: name one, e.g. gate drill ${ids[0]}`);
    }
  }
  const loaded = await loadGates(gateArg === undefined ? [] : [gateArg], { cwd: io.cwd, env: io.env });
  if (!loaded.ok) {
    io.stderr.write(formatDiagnostics(loaded.diagnostics));
    return EXIT.usage;
  }
  const gate = loaded.gates[0]!;
  const drill = planRounds(gate, opts, io);
  if (typeof drill === 'string') return usage(io, drill);
  // Before anything is made or locked: a report dir that holds a run's report is refused.
  const mixed = mixedReportDir(drill, io.cwd);
  if (mixed) return usage(io, mixed);
  // Said even with --json: a mistyped redact name leaves a secret unmasked.
  for (const line of redactTypoWarnings(gate, io.env)) io.stderr.write(`${drill.redact(line)}\n`);

  // Everything that can be refused is refused before the first round starts.
  let release: Release | undefined;
  let releaseWork: Release | undefined;
  try {
    // Said as progress is: not with --json.
    const waiting = opts.json ? undefined : (message: string) => io.stderr.write(`gate: ${drill.redact(message)}\n`);
    const ready = await prepareReportDir(drill.reportDir);
    const locked = ready.ok ? await lockReportDir(drill.reportDir, wait.ms, waiting, io.interrupt) : ready;
    if (locked.ok) release = locked.release;
    // Again once the lock is held: a run may have written its report there while this drill waited for it.
    const mixedNow = locked.ok ? mixedReportDir(drill, io.cwd) : undefined;
    if (mixedNow) return usage(io, mixedNow);
    let problem = locked.ok ? undefined : locked.message;
    for (const round of drill.rounds) {
      if (problem) break;
      const prepared = await prepareReportDir(round.reportDir);
      if (!prepared.ok) problem = prepared.message;
    }
    const claimed = problem ? undefined : await lockWorkDirOf(drill.workDir, wait.ms, waiting, io.interrupt);
    if (claimed?.ok) releaseWork = claimed.release;
    if (claimed?.ok && claimed.ended) io.stderr.write(`gate: ${drill.redact(claimed.ended)}\n`);
    const interrupted = interruptedWait(locked) ?? interruptedWait(claimed);
    if (interrupted) {
      // No round started and the dirs are the other drill's: no matrix, nothing written; the lock taken is released below.
      const signal = io.interruptedBy?.() ?? 'SIGINT';
      io.stderr.write(`gate: ${drill.redact(interrupted)} (${signal}); nothing ran, no matrix written.\n`);
      return exitCodeForSignal(signal);
    }
    problem ??= claimed?.ok === false ? claimed.message : ((await prepareWorkDir(drill.workDir, gate.envFile)) ?? scratchDirProblem());
    if (problem) {
      io.stderr.write(`gate: ${drill.redact(problem)}\nnothing ran.\n`);
      return EXIT.internal;
    }
    return await runRounds(drill, opts, io);
  } finally {
    await releaseWork?.();
    await release?.();
  }
}

/**
 * Why the drill cannot report where it would (a usage error as text), if it
 * cannot: its report dir holds a run's report, or a round's dir (each a run's
 * report dir) holds a drill's.
 */
function mixedReportDir(drill: Drill, cwd: string): string | undefined {
  const dirs = [{ dir: drill.reportDir, kind: 'drill' as const }, ...drill.rounds.map((r) => ({ dir: r.reportDir, kind: 'run' as const }))];
  for (const { dir, kind } of dirs) {
    const mixed = otherKindIn(dir, kind, displayPath(dir, cwd), 'drill');
    if (mixed) return `gate: ${drill.redact(mixed)}`;
  }
  return undefined;
}

/** The rounds, each planned as the run it will be; a usage error as text. */
function planRounds(gate: Gate, opts: DrillOptions, io: Io): Drill | string {
  const planned = planDrill(gate, { only: opts.only, mode: opts.mode, timeoutMs: opts.timeoutMs });
  const problemText = (problems: { message: string; hint?: string }[]) =>
    redactorFor(gate, io.env)(problems.map((p) => `gate: ${gate.displayFile}: ${p.message}${p.hint ? `\n  hint: ${p.hint}` : ''}`).join('\n'));
  // And every secret whose masking would mask the reports' own text too (src/report/collisions.ts).
  const collisions = secretCollisions(gate, io.env);
  if (!planned.ok) return problemText([...planned.problems, ...collisions]);
  if (collisions.length > 0) return problemText(collisions);
  const reportDir = opts.reportDir === undefined ? path.join(gate.projectRoot, 'reports', `${gate.id}_drill`) : path.resolve(io.cwd, opts.reportDir);
  const workDir = opts.workDir === undefined ? path.join(gate.projectRoot, 'data', 'state', `${gate.id}_drill`) : path.resolve(io.cwd, opts.workDir);
  const rounds: Round[] = [];
  for (const plan of planned.rounds) {
    const runGateOf = roundGate(gate, plan);
    const result = planGate(runGateOf, roundPlanOptions(plan));
    if (!result.ok) return problemText(result.problems);
    rounds.push({ plan, gate: runGateOf, runPlan: result.plan, reportDir: path.join(reportDir, ROUNDS_DIR, plan.check) });
  }
  const secrets = secretSources(gate, io.env);
  return { gate, rounds, workDir, reportDir, redact: redactorOf(secrets), secrets };
}

async function runRounds(drill: Drill, opts: DrillOptions, io: Io): Promise<number> {
  const { gate, redact } = drill;
  const abort = io.interrupt ?? new AbortController().signal;
  const jobs = opts.jobs ?? os.availableParallelism();
  const say = (line: string) => {
    if (!opts.json) io.stderr.write(`${redact(line)}\n`);
  };
  const started = new Date();
  const startedMs = performance.now();
  const total = drill.rounds.length;
  const rows: DrillRound[] = [];
  let failedToWrite = false;
  /** Why the rounds left are not run, once something stops the drill. */
  let stopped: string | undefined;
  /** Whether the interrupt stopped anything: a round it kept from starting, or one it ended (its report `aborted`). */
  let stoppedByInterrupt = false;
  say(`drill ${gate.id}: ${total} round${total === 1 ? '' : 's'} (${opts.mode}), -j ${jobs}`);
  for (const [index, round] of drill.rounds.entries()) {
    if (abort.aborted && stopped === undefined) {
      stopped = 'not run: the drill was interrupted';
      stoppedByInterrupt = true;
    }
    if (stopped) {
      rows.push(roundNotRun(round.plan, gate.checks.find((c) => c.id === round.plan.check), stopped));
      continue;
    }
    const note = timeoutNote(round.plan);
    if (note) say(note);
    say(roundStartLine(index, total, round.plan));
    // The env file again: a check of the last round may have changed it.
    const problem = await prepareWorkDir(drill.workDir, gate.envFile);
    if (problem) {
      io.stderr.write(`gate: ${redact(problem)}\n`);
      failedToWrite = true;
      stopped = 'not run: the work dir could not be prepared';
      rows.push(roundNotRun(round.plan, gate.checks.find((c) => c.id === round.plan.check), stopped));
      continue;
    }
    const progress = stoppingNoticeOnly(say);
    const unlisten = stoppingOn(progress, abort, () => io.interruptedBy?.() ?? 'SIGINT');
    const { report, writeError, pruned } = await runGate(round.gate, {
      plan: round.runPlan,
      workDir: drill.workDir,
      reportDir: round.reportDir,
      jobs,
      failFast: false,
      env: io.env,
      abort,
      interruptedBy: io.interruptedBy,
      progress,
      redact,
    }).finally(unlisten);
    if (writeError) {
      io.stderr.write(`gate: ${redact(writeError)}\n`);
      failedToWrite = true;
    }
    if (report.verdict === 'aborted') stoppedByInterrupt = true;
    // By place, not by id: the report's ids are masked, and an id may hold a secret.
    const injected = report.checks[round.gate.checks.findIndex((c) => c.id === round.plan.check)]!;
    // A waiver in force as the round started (judged as the round's run judged it) would cover a real failure of the check.
    const waiver = report.waivers.find((w, i) => gate.waivers[i]?.check === round.plan.check && w.state !== 'expired');
    const row = judgeRound(round.plan, injected, {
      runId: report.runId,
      report: `rounds/${round.plan.check}/closeout.json`,
      durationMs: report.durationMs,
      waiver: waiver && { reason: waiver.reason, ...(waiver.owner !== undefined && { owner: waiver.owner }), expires: waiver.expires },
    });
    rows.push(row);
    say(roundEndLine(index, total, row));
    // The round's report dir is the drill's, under its lock: its history is pruned before the next round.
    await pruned;
  }

  const summary = summarizeDrill(rows);
  // As for a run: an interrupt that came once every round had ended stopped nothing, and the matrix stands.
  const verdict = drillVerdict(summary, stoppedByInterrupt);
  const report = redactDeep<DrillReport>(
    {
      schemaVersion: 1,
      kind: 'drill',
      gate: { id: gate.id, title: gate.title, file: gate.displayFile, sha256: gate.sha256 },
      drillId: newRunId(started),
      startedAt: started.toISOString(),
      finishedAt: new Date().toISOString(),
      durationMs: Math.round(performance.now() - startedMs),
      mode: opts.mode,
      timeoutMsOverride: opts.timeoutMs ?? null,
      verdict,
      exitCode: drillExitCode(verdict, io.interruptedBy?.()),
      summary,
      escaped: rows.filter((r) => r.outcome === 'escaped').map((r) => r.check),
      inconclusive: rows.filter((r) => r.outcome === 'inconclusive').map((r) => r.check),
      rounds: rows,
      gateVersion: GATE_VERSION,
      reportDir: drill.reportDir,
      workDir: drill.workDir,
    },
    redact,
  );
  const written = await writeDrillFiles(drill.reportDir, report, redact, drill.secrets);
  if (written) {
    io.stderr.write(`gate: ${redact(written)}\n`);
    failedToWrite = true;
  }
  io.stdout.write(opts.json ? redact.json(renderDrillJson(report)) : redact(renderDrillTable(report, displayPath(drill.reportDir, io.cwd))));
  if (abort.aborted && !stoppedByInterrupt) {
    io.stderr.write(`gate: ${io.interruptedBy?.() ?? 'SIGINT'} came once every round had ended: nothing was stopped, and the drill report stands as written\n`);
  }
  // A report that could not be written is gate failing at its job: never a pass.
  if (stoppedByInterrupt) return exitCodeForSignal(io.interruptedBy?.());
  return failedToWrite ? EXIT.internal : report.exitCode;
}

/**
 * drill.md, then drill.json, each written atomically (a reader never sees half
 * a file). The previous drill's two files are first hard-linked into
 * `history/<drillId>/`, so replacing them loses nothing. Returns what went wrong, if anything.
 */
async function writeDrillFiles(dir: string, report: DrillReport, redact: Redactor, secrets: SecretSource[]): Promise<string | undefined> {
  try {
    const changed = await reportDirChanged(dir);
    if (changed) return `could not write the drill report: ${changed}`;
    await keepPreviousDrill(dir);
    // Should masking break drill.json (src/report/collisions.ts refuses the secrets it knows would), the drill fails at its own job.
    const json = renderDrillJson(report);
    const problemWith = (masking: Redactor) => jsonReportProblem('drill.json', masking.json(json), json, masking);
    const broken = problemWith(redact);
    if (broken) {
      report.verdict = 'fail';
      report.exitCode = EXIT.internal;
    }
    const content = { 'drill.md': renderDrillMarkdown(report), 'drill.json': broken ? renderDrillJson(report) : json };
    for (const name of DRILL_FILES) await writeFileAtomic(path.join(dir, name), maskFile(redact, name, content[name]), { fsync: true });
    // As a run's check of its files does, the message names the variable whose value alone breaks it.
    return broken && `masking secrets broke the drill report: ${broken}; ${whoBreaks(secrets, (alone) => problemWith(alone) !== undefined)}; it was written as failed (exit code 1)`;
  } catch (error) {
    return `could not write the drill report in ${dir}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`;
  }
}

async function keepPreviousDrill(dir: string): Promise<void> {
  const previous = orUndefined(() => (JSON.parse(readRegularText(path.join(dir, 'drill.json')) ?? 'null') as { drillId?: unknown } | null)?.drillId);
  if (typeof previous !== 'string' || !/^[\w.-]+$/.test(previous)) return;
  const history = path.join(dir, 'history');
  const target = path.join(history, previous);
  await ensureDir(target);
  for (const name of DRILL_FILES) {
    const exists = await lstat(path.join(target, name)).then(() => true, () => false);
    if (!exists) await link(path.join(dir, name), path.join(target, name)).catch(() => undefined);
  }
  const kept = oldestFirst(history);
  for (const old of kept.slice(0, Math.max(0, kept.length - DEFAULT_HISTORY))) await rm(path.join(history, old), { recursive: true, force: true });
}
