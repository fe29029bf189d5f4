/**
 * What gate prints when a run ends: the verdict line (all `--quiet` keeps of the summary) and
 * the summary of the checks that did not pass.
 */
import { CHECK_STATUSES, type CheckResult, type Report } from '../model/types.js';
import { formatDuration } from '../report/text.js';
import { createStyles, type Styles } from './style.js';

/** The verdict line: the one line of the summary `--quiet` keeps. */
export function verdictLine(report: Report, styles: Styles = createStyles(false)): string {
  const parts = CHECK_STATUSES.filter((s) => report.summary[s] > 0).map((s) => styles.status(s, `${report.summary[s]} ${s}`));
  const aborted = report.verdict === 'aborted' ? ' (aborted)' : '';
  const decision = styles.bold(report.decision === 'GO' ? styles.green(report.decision) : styles.red(report.decision));
  return `gate ${report.gate.id}: ${decision}${aborted}: ${parts.join(', ')} in ${formatDuration(report.durationMs)}`;
}

/** Statuses the summary leaves out: passed, or set aside on purpose. */
const QUIET_STATUSES = new Set(['pass', 'skipped']);

/** Where a check's full output is kept, for the checks that printed anything. */
function outputPaths(r: CheckResult, reportDirShown: string): string[] {
  return [r.stdout, r.stderr].filter((o) => o !== undefined && o.originalBytes > 0).map((o) => `${reportDirShown}/${o!.file}`);
}

/**
 * The summary on stdout: every check that did not pass, with its reason, each
 * failed assertion (it says what was found), notes and where its full output is;
 * then the verdict and where the report is.
 */
export function renderSummary(report: Report, reportDirShown: string, styles: Styles = createStyles(false)): string {
  const lines: string[] = [];
  for (const r of report.checks) {
    if (QUIET_STATUSES.has(r.status)) {
      // A passing check that left processes behind is still worth a line: gate ended them.
      if (r.leakedProcesses) for (const note of r.notes) lines.push(`  ${styles.yellow('note')} ${styles.bold(r.id)}: ${note}`);
      continue;
    }
    const marks = `${r.required ? '' : ' (advisory)'}${r.injected ? ' (injected)' : ''}`;
    lines.push(`  ${styles.status(r.status)} ${styles.bold(r.id)}${marks}: ${r.reason}`);
    // The reason already is the first failed assertion when only one failed: say it once.
    const failed = r.assertions.filter((a) => !a.ok);
    if (!(failed.length === 1 && failed[0]!.message === r.reason)) for (const a of failed) lines.push(`    ${styles.red('✗')} ${a.message}`);
    for (const note of r.notes) lines.push(`    note: ${note}`);
    const outputs = outputPaths(r, reportDirShown);
    if (outputs.length > 0) lines.push(`    ${styles.dim(`output: ${outputs.join(', ')}`)}`);
  }
  if (report.partial) lines.push(`  partial run: required checks not run: ${report.requiredNotRun.join(', ')}`);
  for (const w of report.waivers) if (w.state === 'expired') lines.push(`  ${styles.yellow('expired waiver')} for ${w.check} (${w.expires}) covers nothing`);
  lines.push(verdictLine(report, styles));
  lines.push(`  report: ${reportDirShown}/closeout.md`);
  return lines.join('\n') + '\n';
}
