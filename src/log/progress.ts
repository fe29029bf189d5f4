/**
 * Human progress on stderr: one plain line per event, nothing on stdout.
 * Plain lines suit CI logs and pipes alike.
 */
import { CHECK_STATUSES, type CheckResult, type Report } from '../model/types.js';
import { formatDuration } from '../report/text.js';

export interface Progress {
  runStarted(gateId: string, checks: number, jobs: number): void;
  checkStarted(id: string): void;
  checkFinished(result: CheckResult): void;
}

export function createProgress(write: (line: string) => void, quiet: boolean): Progress {
  if (quiet) return { runStarted() {}, checkStarted() {}, checkFinished() {} };
  return {
    runStarted: (gateId, checks, jobs) => write(`gate ${gateId}: running ${checks} check${checks === 1 ? '' : 's'} (-j ${jobs})`),
    checkStarted: (id) => write(`  start  ${id}`),
    checkFinished: (r) => write(`  ${r.status.padEnd(6)} ${r.id}${r.durationMs ? ` (${formatDuration(r.durationMs)})` : ''}${r.status === 'pass' ? '' : `: ${r.reason}`}`),
  };
}

/** The verdict line: the one line `--quiet` keeps. */
export function verdictLine(report: Report): string {
  const parts = CHECK_STATUSES.filter((s) => report.summary[s] > 0).map((s) => `${report.summary[s]} ${s}`);
  const aborted = report.verdict === 'aborted' ? ' (aborted)' : '';
  return `gate ${report.gate.id}: ${report.decision}${aborted}: ${parts.join(', ')} in ${formatDuration(report.durationMs)}`;
}

/** The summary on stdout: the verdict, every check that did not pass with its reason, where the report is. */
export function renderSummary(report: Report, reportDirShown: string): string {
  const lines = [verdictLine(report)];
  for (const r of report.checks) {
    if (r.status === 'pass' || r.status === 'skipped') continue;
    lines.push(`  ${r.status} ${r.id}${r.required ? '' : ' (advisory)'}: ${r.reason}`);
    for (const a of r.assertions) if (!a.ok) lines.push(`    ✗ ${a.message}`);
    for (const note of r.notes) lines.push(`    note: ${note}`);
  }
  if (report.partial) lines.push(`  partial run: required checks not run: ${report.requiredNotRun.join(', ')}`);
  for (const w of report.waivers) if (w.state === 'expired') lines.push(`  expired waiver for ${w.check} (${w.expires}) covers nothing`);
  lines.push(`  report: ${reportDirShown}/closeout.md`);
  return lines.join('\n') + '\n';
}
