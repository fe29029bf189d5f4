/**
 * `gate run`: load → plan → run → report → exit code, for one or more gates.
 * Everything that can be refused is refused before the first check starts.
 */
import { appendFile, readFile, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { formatDiagnostics } from '../load/diagnostics.js';
import { displayPath, loadGates } from '../load/load-gate.js';
import { createNeutralizingWriter, neutralizeJson, type NeutralizingWriter } from '../log/neutralize.js';
import { createProgress, renderSummary, stoppingOn, verdictLine, type ProgressMode } from '../log/progress.js';
import { colorEnabled, createStyles, isCi, type Styles } from '../log/style.js';
import type { Gate, Report } from '../model/types.js';
import { planGate, type Plan } from '../plan/plan.js';
import { renderGithub, STEP_SUMMARY_LIMIT, stepSummary, type GithubRun } from '../report/github.js';
import { renderJson } from '../report/json.js';
import { joinJunit, renderJunit } from '../report/junit.js';
import { renderMarkdown } from '../report/markdown.js';
import { secretCollisions } from '../report/collisions.js';
import { redactorFor, redactTypoWarnings, type Redactor } from '../report/redact.js';
import { interruptedWait, lockReportDir, lockWaitMs, type LockResult, type Release } from '../report/lock.js';
import { otherKindIn } from '../report/report-kind.js';
import { prepareReportDir } from '../report/write.js';
import { lockWorkDirOf, prepareWorkDir, runGate, scratchDirProblem, type GateRun } from '../run/run-gate.js';
import { exitCodeForSignal } from '../model/exit-codes.js';
import { EXIT, type Io, type Output } from './io.js';
import type { RunOptions } from './main.js';

/**
 * What each `--reporter` prints on stdout (the files are always written); `github` prints once for
 * the whole run. A reporter with a `file` prints that file as written (with the output tails), or
 * renders the report again if it could not be written.
 */
const STDOUT_REPORTERS: Record<'pretty' | 'json' | 'junit' | 'markdown', { file?: string; render: (report: Report, reportDir: string, styles: Styles) => string }> = {
  pretty: { render: (report, reportDir, styles) => renderSummary(report, reportDir, styles) },
  json: { render: (report) => renderJson(report) },
  junit: { file: 'junit.xml', render: (report) => renderJunit(report) },
  markdown: { file: 'closeout.md', render: (report) => renderMarkdown(report) },
};
type StdoutReporter = keyof typeof STDOUT_REPORTERS;

async function printed(name: StdoutReporter, report: Report, p: Planned, shown: string, styles: Styles, written: boolean): Promise<string> {
  const { file, render } = STDOUT_REPORTERS[name];
  const kept = file && written ? await readFile(path.join(p.reportDir, file), 'utf8').catch(() => undefined) : undefined;
  return kept ?? render(report, shown, styles);
}

interface Planned {
  gate: Gate;
  plan: Plan;
  workDir: string;
  reportDir: string;
  /** Masks this gate's secrets in whatever is printed or written. */
  redact: Redactor;
}

/** Default dirs sit under the project root; named dirs are relative to the cwd, one sub-folder a gate when several run. */
function dirsFor(gate: Gate, opts: RunOptions, cwd: string, several: boolean) {
  const named = (dir: string | undefined, fallback: string) =>
    dir === undefined ? fallback : several ? path.resolve(cwd, dir, gate.id) : path.resolve(cwd, dir);
  return {
    workDir: named(opts.workDir, path.join(gate.projectRoot, 'data', 'state', `${gate.id}_closeout`)),
    reportDir: named(opts.reportDir, path.join(gate.projectRoot, 'reports', `${gate.id}_closeout`)),
  };
}

/** Whether `dir` is `folder` or somewhere below it (both absolute). */
function within(dir: string, folder: string): boolean {
  const rel = path.relative(folder, dir);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

/**
 * A work dir that is a report dir, or is inside one (or the other way round):
 * a usage error before anything is made, since gate empties check folders in
 * the one and moves and prunes files in the other.
 */
function sharedDirs(planned: Planned[], cwd: string): string | undefined {
  for (const { workDir } of planned) {
    for (const { reportDir } of planned) {
      if (!within(workDir, reportDir) && !within(reportDir, workDir)) continue;
      const how =
        workDir === reportDir
          ? `are the same folder (${displayPath(workDir, cwd)})`
          : `overlap (${displayPath(workDir, cwd)} and ${displayPath(reportDir, cwd)})`;
      return `the work dir and the report dir ${how}: gate empties check folders in the one and moves files in the other; give --work-dir and --report-dir folders apart`;
    }
  }
  return undefined;
}

/** Why this gate's report dir cannot take a run's report (it holds a drill's), if it cannot. */
const mixedReportDir = (p: Planned, cwd: string) => {
  const mixed = otherKindIn(p.reportDir, 'run', displayPath(p.reportDir, cwd));
  return mixed && p.redact(mixed);
};

/** Options that contradict each other: a usage error before anything is loaded. */
function contradiction(opts: RunOptions): string | undefined {
  const others = opts.reporter.filter((r) => r !== 'json');
  if ((opts.json || opts.reporter.includes('json')) && others.length > 0) {
    const json = opts.json ? '--json' : '--reporter json';
    return `${json} prints the report JSON alone on stdout, so it cannot go with --reporter ${others.join(', ')}; the report dir has every format (closeout.json, junit.xml, closeout.md)`;
  }
  if (opts.quiet && opts.verbose) return "--quiet keeps stderr silent and --verbose streams every check's output to it: choose one";
  return undefined;
}

export async function runCommand(args: string[], opts: RunOptions, io: Io): Promise<number> {
  const wait = lockWaitMs(io.env);
  const refused = contradiction(opts) ?? (wait.ok ? undefined : wait.message);
  if (refused || !wait.ok) {
    io.stderr.write(`gate: ${refused}\n`);
    return EXIT.usage;
  }
  const loaded = await loadGates(args, { cwd: io.cwd, env: io.env });
  if (!loaded.ok) {
    io.stderr.write(formatDiagnostics(loaded.diagnostics));
    return EXIT.usage;
  }
  const several = loaded.gates.length > 1;
  const planned: Planned[] = [];
  const problems: string[] = [];
  for (const gate of loaded.gates) {
    const result = planGate(gate, { only: opts.only, skip: opts.skip, injectFail: opts.injectFail });
    // And every secret whose masking would mask the report's own text too (src/report/collisions.ts).
    const collisions = secretCollisions(gate, io.env);
    const refused = [...(result.ok ? [] : result.problems), ...collisions];
    // A plan problem is masked as all else gate says (an id, the gate's id or its file's path may hold a secret,
    // and a hint names ids); a collision names no value, and masking would eat its own words (that is its point).
    const redact = redactorFor(gate, io.env);
    const say = (p: { message: string; hint?: string }) => `gate: ${gate.displayFile}: ${p.message}${p.hint ? `\n  hint: ${p.hint}` : ''}`;
    for (const p of result.ok ? [] : result.problems) problems.push(redact(say(p)));
    for (const p of collisions) problems.push(say(p));
    if (!result.ok || refused.length > 0) continue;
    planned.push({ gate, plan: result.plan, ...dirsFor(gate, opts, io.cwd, several), redact });
  }
  // The dirs are named, and a path may hold a secret of any gate.
  const shared = sharedDirs(planned, io.cwd);
  if (shared) problems.push(`gate: ${planned.reduce((text, p) => p.redact(text), shared)}`);
  // Before anything is made or locked: a report dir that holds a drill's report is refused.
  for (const p of planned) {
    const mixed = mixedReportDir(p, io.cwd);
    if (mixed) problems.push(`gate: ${mixed}`);
  }
  if (problems.length > 0) {
    io.stderr.write(`${problems.join('\n')}\nnothing ran.\n`);
    return EXIT.usage;
  }
  // Said even under --quiet: a mistyped redact name leaves a secret unmasked.
  for (const p of planned) for (const line of redactTypoWarnings(p.gate, io.env)) io.stderr.write(`${p.redact(line)}\n`);
  const releases: Release[] = [];
  // A wait for another run's lock is said where progress would show: --quiet and --json keep stderr to errors.
  const saysWait = progressMode(opts, opts.json || opts.reporter.includes('json'), io) !== 'off';
  try {
    // Every report dir first, then every work dir, each kind in the order of its paths, whatever order the
    // gates are named in (a drill takes its report dir, then its work dir, too). Two runs that take some of
    // the same locks then never each hold one the other waits for: `gate run a b` against `gate run b a`, or
    // gates of two projects against a run of them with another --report-dir (whose report dirs sort by gate
    // id, while the work dirs they share sort by project) would otherwise wait for each other until one gave up.
    const inOrder = (dir: (p: Planned) => string) => [...planned].sort((x, y) => (dir(x) < dir(y) ? -1 : dir(x) > dir(y) ? 1 : 0));
    /** Why the run cannot start once a lock was not taken (the exit code), after saying so. */
    const notTaken = (p: Planned, result: Extract<LockResult, { ok: false }>): number => {
      const interrupted = interruptedWait(result);
      if (interrupted) {
        // The run never started and the dirs are the other run's: no report, nothing written; the locks taken are released below.
        const signal = io.interruptedBy?.() ?? 'SIGINT';
        io.stderr.write(`gate: ${p.redact(interrupted)} (${signal}); nothing ran, no report written.\n`);
        return exitCodeForSignal(signal);
      }
      io.stderr.write(`gate: ${p.redact(result.message)}\nnothing ran.\n`);
      return EXIT.internal;
    };
    const waitingFor = (p: Planned) => (saysWait ? (message: string) => io.stderr.write(`gate: ${p.redact(message)}\n`) : undefined);
    for (const p of inOrder((x) => x.reportDir)) {
      const ready = await prepareReportDir(p.reportDir);
      const locked = ready.ok ? await lockReportDir(p.reportDir, wait.ms, waitingFor(p), io.interrupt) : ready;
      if (!locked.ok) return notTaken(p, locked);
      releases.push(locked.release);
      // Again once the lock is held: a drill may have written its report there while this run waited for it.
      const mixed = mixedReportDir(p, io.cwd);
      if (mixed) {
        io.stderr.write(`gate: ${mixed}\nnothing ran.\n`);
        return EXIT.usage;
      }
    }
    for (const p of inOrder((x) => x.workDir)) {
      // Locked before anything in it is written or emptied: another run may use it with another report dir.
      const claimed = await lockWorkDirOf(p.workDir, wait.ms, waitingFor(p), io.interrupt);
      if (!claimed.ok) return notTaken(p, claimed);
      releases.push(claimed.release);
      if (claimed.ended) io.stderr.write(`gate: ${p.redact(claimed.ended)}\n`);
      const problem = (await prepareWorkDir(p.workDir, p.gate.envFile)) ?? scratchDirProblem();
      if (problem) {
        io.stderr.write(`gate: ${p.redact(problem)}\nnothing ran.\n`);
        return EXIT.internal;
      }
    }
    return await runPlanned(planned, opts, io);
  } finally {
    // Last taken, first released: a run waiting on a report dir then finds its work dir free.
    for (const release of releases.reverse()) await release();
  }
}

/**
 * Under GitHub Actions every line gate prints is neutralised, so nothing a check
 * printed can become a workflow command; gate's own annotations go through `raw`.
 */
function writerFor(output: Output, github: boolean): NeutralizingWriter {
  const write = (text: string) => output.write(text);
  return github ? createNeutralizingWriter(write) : { write, raw: write, flush() {} };
}

/** How progress shows on stderr: redrawn on a terminal, plain lines in CI and pipes, none for --quiet / --json. */
function progressMode(opts: RunOptions, json: boolean, io: Io): ProgressMode {
  if (opts.quiet || json) return 'off';
  return io.stderr.isTTY && !isCi(io.env) && io.env.TERM !== 'dumb' ? 'live' : 'plain';
}

async function runPlanned(planned: Planned[], opts: RunOptions, io: Io): Promise<number> {
  const jobs = opts.jobs ?? os.availableParallelism();
  const json = opts.json || opts.reporter.includes('json');
  const quiet = opts.quiet;
  const reporters = (opts.reporter.length ? [...new Set(opts.reporter)] : ['pretty']).filter((r) => r !== 'github');
  const github = io.env.GITHUB_ACTIONS === 'true';
  const stdout = writerFor(io.stdout, github);
  const stderr = writerFor(io.stderr, github);
  const outStyles = createStyles(colorEnabled(io.stdout, io.env));
  const errStyles = createStyles(colorEnabled(io.stderr, io.env));
  const mode = progressMode(opts, json, io);
  const redactAll = (text: string) => planned.reduce((t, p) => p.redact(t), text);
  /** The reports as JSON on stdout: their numbers are gate's own (see `Masking.json`). */
  const redactAllJson = (text: string) => planned.reduce((t, p) => p.redact.json(t), text);
  const abort = io.interrupt ?? new AbortController().signal;
  const several = planned.length > 1;
  const reports: Report[] = [];
  const githubRuns: GithubRun[] = [];
  /** With several gates, each one's JUnit XML (masked), joined into one document at the end. */
  const junitDocs: string[] = [];
  let failedToWrite = false;
  /** Whether the interrupt stopped anything: a gate it kept from starting, or a run it ended (verdict `aborted`). */
  let stoppedByInterrupt = false;
  /** Each written report's history being pruned: awaited last, after the summary is out, before the locks go. */
  const pruning: Promise<void>[] = [];
  try {
    for (const [index, p] of planned.entries()) {
      if (abort.aborted) {
        // Said, not left out in silence: the gates after an interrupt never started and have no report.
        if (!quiet) for (const left of planned.slice(index)) stderr.write(`gate ${left.gate.id}: not run: the run was interrupted before it started; no report written\n`);
        stoppedByInterrupt = true;
        break;
      }
      const { redact } = p;
      const shown = displayPath(p.reportDir, io.cwd);
      const out = (text: string) => stdout.write(redact(text));
      const progress = createProgress({
        write: (text) => stderr.write(redact(text)),
        mode,
        styles: errStyles,
        verbose: opts.verbose,
        redact,
        checks: p.plan.checks.filter((c) => p.plan.selected.has(c.id)).map((c) => c.id),
        terminal: io.stderr,
        summaryFollows: io.stdout.isTTY === true && !quiet && !json && reporters.includes('pretty'),
      });
      let run: GateRun | undefined;
      const unlisten = stoppingOn(progress, abort, () => io.interruptedBy?.() ?? 'SIGINT');
      try {
        run = await runGate(p.gate, {
          plan: p.plan,
          workDir: p.workDir,
          reportDir: p.reportDir,
          jobs,
          failFast: opts.failFast,
          env: io.env,
          abort,
          interruptedBy: io.interruptedBy,
          progress,
          redact,
        });
      } finally {
        unlisten();
        // A report that was not written is not the run's to show: the view ends without a verdict.
        progress.finish?.(run?.written ? run.report : undefined);
      }
      const { report, writeError, written } = run;
      pruning.push(run.pruned);
      if (report.verdict === 'aborted') stoppedByInterrupt = true;
      if (writeError) failedToWrite = true;
      if (!written) {
        // Nothing on stdout for this gate (no summary, no JSON, no annotation): whatever its checks did, it is not a GO.
        stderr.write(`gate ${p.gate.id}: report could not be written: ${redact(writeError ?? 'no reason given')}; not a GO (exit 1)\n`);
        continue;
      }
      if (writeError) stderr.write(`gate: ${redact(writeError)}\n`);
      reports.push(report);
      githubRuns.push({ report, reportDirShown: shown });
      const summaryFile = io.env.GITHUB_STEP_SUMMARY;
      if (summaryFile) {
        const warning = await appendStepSummary(path.resolve(io.cwd, summaryFile), p, report, shown, writeError === undefined);
        if (warning) stderr.write(`gate: warning: ${warning}\n`);
      }
      if (json) continue;
      // --quiet cuts gate's own summary to its verdict line; a reporter named with --reporter prints as asked.
      for (const name of reporters) {
        const text = quiet && name === 'pretty' ? `${verdictLine(report, outStyles)}\n` : await printed(name as StdoutReporter, report, p, shown, outStyles, writeError === undefined);
        // Several gates' JUnit XML is one document, printed once every gate has run.
        if (name === 'junit' && several) junitDocs.push(redact(text));
        else out(text);
      }
    }
    if (junitDocs.length > 0) stdout.write(joinJunit(junitDocs));

    // Annotations: on stdout when asked for with --reporter github (--quiet or not); under GitHub Actions on
    // stderr unasked (stdout stays what the other options make it), except with --quiet, which keeps stderr silent.
    if (githubRuns.length > 0) {
      if (opts.reporter.includes('github')) stdout.raw(redactAll(renderGithub(githubRuns)));
      else if (github && !quiet) stderr.raw(redactAll(renderGithub(githubRuns)));
    }

    // An interrupt that came once every check had ended (while the last report was written) stopped
    // nothing: the reports stand as written, and so does their exit code; said, not hidden.
    if (abort.aborted && !stoppedByInterrupt) {
      stderr.write(`gate: ${io.interruptedBy?.() ?? 'SIGINT'} came once every check had ended: nothing was stopped, and the report${several ? 's stand' : ' stands'} as written\n`);
    }
    // A report that could not be written, failed its secret scan or was broken by masking is gate failing at its job: never a GO.
    const code = stoppedByInterrupt
      ? exitCodeForSignal(io.interruptedBy?.())
      : failedToWrite
        ? EXIT.internal
        : reports.every((r) => r.decision === 'GO')
          ? EXIT.go
          : EXIT.noGo;
    // With several gates, an array of the reports written; with one whose report was not written, nothing.
    if (json && (several || reports.length > 0)) {
      const text = redactAllJson(!several ? renderJson(reports[0]!) : `${JSON.stringify(reports, null, 2)}\n`);
      stdout.write(github ? neutralizeJson(text) : text);
    }
    return code;
  } finally {
    stdout.flush();
    stderr.flush();
    await Promise.all(pruning);
  }
}

/**
 * Appends the gate's Markdown report to `$GITHUB_STEP_SUMMARY`, kept under
 * GitHub's 1 MiB limit for the whole file (earlier steps' text counts). Returns
 * a warning when it could not: a summary is a courtesy, never a reason to fail.
 */
async function appendStepSummary(file: string, p: Planned, report: Report, shown: string, written: boolean): Promise<string | undefined> {
  try {
    // The written closeout.md also has the failing checks' output tails.
    const markdown = written
      ? await readFile(path.join(p.reportDir, 'closeout.md'), 'utf8').catch(() => renderMarkdown(report))
      : renderMarkdown(report);
    const used = await stat(file).then((s) => s.size, () => 0);
    const separator = used > 0 ? '\n' : '';
    // Strictly under the limit, separator included.
    const room = STEP_SUMMARY_LIMIT - 1 - used - separator.length;
    const text = stepSummary(p.redact(markdown), room, `${shown}/closeout.md`);
    if (text === '') return `no room left in $GITHUB_STEP_SUMMARY (${file}) for the report of gate ${report.gate.id}; it is in ${shown}/closeout.md`;
    await appendFile(file, separator + text);
    return undefined;
  } catch (error) {
    return `could not append to $GITHUB_STEP_SUMMARY (${file}): ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`;
  }
}
