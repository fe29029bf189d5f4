/**
 * `gate run`: load → plan → run → report → exit code, for one or more gates.
 * Everything that can be refused is refused before the first check starts.
 */
import os from 'node:os';
import path from 'node:path';
import { formatDiagnostics } from '../load/diagnostics.js';
import { displayPath, loadGates } from '../load/load-gate.js';
import { createProgress, renderSummary, verdictLine } from '../log/progress.js';
import type { Gate, Report } from '../model/types.js';
import { planGate, type Plan } from '../plan/plan.js';
import { renderJson } from '../report/json.js';
import { renderJunit } from '../report/junit.js';
import { renderMarkdown } from '../report/markdown.js';
import { redactorFor } from '../report/redact.js';
import { lockReportDir, lockWaitMs, type Release } from '../report/lock.js';
import { prepareReportDir } from '../report/write.js';
import { prepareWorkDir, runGate } from '../run/run-gate.js';
import { exitCodeForSignal } from '../model/exit-codes.js';
import { EXIT, type Io } from './io.js';
import type { RunOptions } from './main.js';

/** What each `--reporter` prints on stdout (the files are always written). */
const STDOUT_REPORTERS = {
  pretty: (report: Report, reportDir: string) => renderSummary(report, reportDir),
  json: (report: Report) => renderJson(report),
  junit: (report: Report) => renderJunit(report),
  markdown: (report: Report) => renderMarkdown(report),
} as const;
type StdoutReporter = keyof typeof STDOUT_REPORTERS;

interface Planned {
  gate: Gate;
  plan: Plan;
  workDir: string;
  reportDir: string;
  /** Masks this gate's secrets in whatever is printed or written. */
  redact: (text: string) => string;
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

export async function runCommand(args: string[], opts: RunOptions, io: Io): Promise<number> {
  const loaded = await loadGates(args, { cwd: io.cwd });
  if (!loaded.ok) {
    io.stderr.write(formatDiagnostics(loaded.diagnostics));
    return EXIT.usage;
  }
  const several = loaded.gates.length > 1;
  const planned: Planned[] = [];
  const problems: string[] = [];
  for (const gate of loaded.gates) {
    const result = planGate(gate, { only: opts.only, skip: opts.skip, injectFail: opts.injectFail });
    if (!result.ok) {
      for (const p of result.problems) problems.push(`gate: ${gate.displayFile}: ${p.message}${p.hint ? `\n  hint: ${p.hint}` : ''}`);
      continue;
    }
    planned.push({ gate, plan: result.plan, ...dirsFor(gate, opts, io.cwd, several), redact: redactorFor(gate, io.env) });
  }
  if (problems.length > 0) {
    io.stderr.write(`${problems.join('\n')}\nnothing ran.\n`);
    return EXIT.usage;
  }
  const releases: Release[] = [];
  try {
    for (const p of planned) {
      const ready = await prepareReportDir(p.reportDir);
      const locked = ready.ok ? await lockReportDir(p.reportDir, lockWaitMs(io.env)) : ready;
      if (locked.ok) releases.push(locked.release);
      const problem = locked.ok ? await prepareWorkDir(p.workDir, p.gate.envFile) : locked.message;
      if (problem) {
        io.stderr.write(`gate: ${problem}\nnothing ran.\n`);
        return EXIT.internal;
      }
    }
    return await runPlanned(planned, opts, io);
  } finally {
    for (const release of releases) await release();
  }
}

async function runPlanned(planned: Planned[], opts: RunOptions, io: Io): Promise<number> {

  const jobs = opts.jobs ?? os.availableParallelism();
  const json = opts.json || opts.reporter.includes('json');
  const quiet = opts.quiet;
  const abort = io.interrupt ?? new AbortController().signal;
  const reports: Report[] = [];
  let failedToWrite = false;
  for (const p of planned) {
    if (abort.aborted) break;
    const { redact } = p;
    const out = (text: string) => io.stdout.write(redact(text));
    const progress = createProgress((line) => io.stderr.write(`${redact(line)}\n`), quiet || json);
    const { report, writeError } = await runGate(p.gate, {
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
    reports.push(report);
    if (writeError) {
      io.stderr.write(`gate: ${writeError}\n`);
      failedToWrite = true;
    }
    if (json) continue;
    if (quiet) out(`${verdictLine(report)}\n`);
    else for (const name of opts.reporter.length ? opts.reporter : ['pretty']) out(STDOUT_REPORTERS[name as StdoutReporter](report, displayPath(p.reportDir, io.cwd)));
  }

  // A report that could not be written is gate failing at its job: never a GO.
  const code = abort.aborted
    ? exitCodeForSignal(io.interruptedBy?.())
    : failedToWrite
      ? EXIT.internal
      : reports.every((r) => r.decision === 'GO')
        ? EXIT.go
        : EXIT.noGo;
  if (json) {
    const redactAll = (text: string) => planned.reduce((t, p) => p.redact(t), text);
    io.stdout.write(redactAll(reports.length === 1 ? renderJson(reports[0]!) : `${JSON.stringify(reports, null, 2)}\n`));
  }
  return code;
}
