/**
 * The drill matrix, rendered: drill.json, drill.md, the table gate drill
 * prints, and its progress lines. Pure: the caller writes and prints.
 */
import { DRILL_OUTCOMES, type DrillOutcome, type DrillReport, type DrillRound, type DrillRoundPlan } from '../model/drill.js';
import { codeSpan, escapeText, headingText } from './markdown.js';
import { formatDuration, plainText } from './text.js';

const OUTCOME_ICON: Record<DrillOutcome, string> = {
  caught: '✅',
  escaped: '❌',
  inconclusive: '⚠️',
  interrupted: '⏹️',
  'not-run': '⏸️',
};

/** What each outcome means, for the people reading drill.md. */
const OUTCOME_MEANING: Record<DrillOutcome, string> = {
  caught: 'the injected check failed, so the gate went red: this failure would be caught',
  escaped: 'the injected check passed anyway ("injection not detected"): this failure would leave the gate green',
  inconclusive: 'a dependency did not pass, so the injected check never ran: the round proves nothing',
  interrupted: 'the drill was interrupted during this round',
  'not-run': 'the drill was interrupted before this round',
};

// C0 and C1 controls (line breaks included), DEL, and line separators: a check's text must not drive the terminal.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/** Text for a terminal: one line, colour codes dropped, control characters shown as U+FFFD. */
function oneLine(text: string): string {
  return plainText(text).replace(/\n/g, ' ').replace(CONTROL, '\uFFFD');
}

/** `drill.json`: the matrix as data. */
export function renderDrillJson(report: DrillReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

const ids = (rounds: DrillRound[], outcome: DrillOutcome) => rounds.filter((r) => r.outcome === outcome).map((r) => r.check);
/** The caught rounds whose check a waiver in force covers: in a real run, its failure would be waived. */
const waivedCatches = (rounds: DrillRound[]) => rounds.filter((r) => r.outcome === 'caught' && r.waiver).map((r) => r.check);
/** `(waived until 2026-12-31)` after a check covered by a waiver, or nothing. */
const waivedMark = (r: DrillRound) => (r.waiver ? ` (waived until ${r.waiver.expires})` : '');
/** Rounds that ran to an end (whatever they proved). */
const finished = (r: DrillRound) => r.outcome === 'caught' || r.outcome === 'escaped' || r.outcome === 'inconclusive';

/** The last line of `gate drill`: `drill m28: 8/8 caught`, or what went wrong first. */
export function drillLine(report: DrillReport): string {
  const { rounds, summary } = report;
  const parts: string[] = [];
  if (report.verdict === 'aborted') parts.push(`INTERRUPTED after ${rounds.filter(finished).length}/${summary.rounds} rounds`);
  // Every round caught and still failed: only masking that broke drill.json does that (src/cli/drill-command.ts).
  if (report.verdict === 'fail' && summary.rounds > 0 && summary.caught === summary.rounds) parts.push('FAILED: masking secrets broke the drill report');
  const escaped = ids(rounds, 'escaped');
  const inconclusive = ids(rounds, 'inconclusive');
  if (escaped.length > 0) parts.push(`ESCAPED: ${escaped.join(', ')}`);
  if (inconclusive.length > 0) parts.push(`INCONCLUSIVE: ${inconclusive.join(', ')}`);
  const caught = `${summary.caught}/${summary.rounds} caught`;
  // A catch that a waiver would cover in a real run proves the check can fail, not that the gate would go red.
  const waived = waivedCatches(rounds);
  const covered = waived.length > 0 ? `; waived, so a real failure would not block: ${waived.join(', ')}` : '';
  return `drill ${report.gate.id}: ${parts.length === 0 ? caught : `${parts.join('; ')} (${caught})`}${covered}`;
}

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  // The last column is not padded: no trailing blanks.
  return rows.map((r) => `  ${r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')}`.trimEnd());
}

/** What `gate drill` prints on stdout: the matrix as a table, the drill line, where the report is. */
export function renderDrillTable(report: DrillReport, reportDirShown: string): string {
  const header = ['#', 'check', 'mode', 'outcome', 'status', 'took', 'reason'];
  const rows = report.rounds.map((r, i) => [
    String(i + 1),
    `${r.check}${r.required ? '' : ' (advisory)'}${waivedMark(r)}`,
    r.mode,
    r.outcome,
    r.status ?? '-',
    r.status === null ? '-' : formatDuration(r.durationMs),
    oneLine(r.reason),
  ]);
  const lines = [`drill ${report.gate.id} (${report.mode}): ${report.summary.rounds} round${report.summary.rounds === 1 ? '' : 's'}`, ...table([header, ...rows]), drillLine(report)];
  lines.push(`  report: ${reportDirShown}/drill.md`);
  return `${lines.join('\n')}\n`;
}

/** Progress on stderr, before a round: `round 3/8: M28-3 (declared) …`. */
export function roundStartLine(index: number, total: number, round: DrillRoundPlan): string {
  const needs = round.needs.length > 0 ? ` with ${round.needs.join(', ')}` : '';
  return `round ${index + 1}/${total}: ${round.check} (${round.mode})${needs} …`;
}

/** Progress on stderr, after a round: `round 3/8: M28-3 (declared) … caught: fail: <reason> (1.2 s)`. */
export function roundEndLine(index: number, total: number, round: DrillRound): string {
  // Each said once: an interrupted round's outcome and status are the same word.
  const said = [round.outcome, round.status ?? undefined, round.status === null ? undefined : oneLine(round.reason)];
  const parts = said.filter((part, i): part is string => part !== undefined && part !== '' && part !== said[i - 1]);
  return `round ${index + 1}/${total}: ${round.check} (${round.mode}) … ${parts.join(': ')} (${formatDuration(round.durationMs)})`;
}

/** A timeout-mode round lasts as long as the check's time limit; over this, gate says so first. */
export const LONG_TIMEOUT_MS = 30_000;

/** The note printed before a timeout-mode round with a long limit, if one is due. */
export function timeoutNote(round: DrillRoundPlan): string | undefined {
  if (round.mode !== 'timeout' || round.timeoutMs <= LONG_TIMEOUT_MS) return undefined;
  return `note: the stand-in for ${round.check} hangs until its time limit: this round takes about ${formatDuration(round.timeoutMs)} (--timeout-ms shortens it)`;
}

function banner(report: DrillReport): string {
  const name = headingText(report.gate.title ?? report.gate.id);
  const head = report.verdict === 'pass' ? '✅ Drill passed' : report.verdict === 'aborted' ? '⏹️ Drill interrupted' : '❌ Drill failed';
  return `# ${head} — ${name}`;
}

function notices(report: DrillReport): string[] {
  const out: string[] = [];
  const list = (names: string[]) => names.map((id) => codeSpan(id)).join(', ');
  if (report.escaped.length > 0) {
    out.push(`> ❌ **Escaped** — ${list(report.escaped)}: injected, the check still passed. A real failure of this kind would leave the gate green: give the check a fail path (\`injectFail\`) or an assertion that notices.`);
  }
  if (report.inconclusive.length > 0) {
    out.push(`> ⚠️ **Inconclusive** — ${list(report.inconclusive)}: a dependency did not pass, so the injected check never ran. Fix the dependency and drill again.`);
  }
  for (const r of report.rounds.filter((x) => x.outcome === 'caught' && x.waiver)) {
    out.push(`> 🟡 **Waived** — ${codeSpan(r.check)}: a waiver in force covers it (until ${escapeText(r.waiver!.expires)}: ${escapeText(r.waiver!.reason)}). Injected, it failed, but in a real run its failure would be waived and the gate would stay GO until the waiver expires.`);
  }
  if (report.verdict === 'aborted') out.push('> ⏹️ **Interrupted** — rounds that had not finished prove nothing.');
  return out;
}

function matrix(report: DrillReport): string[] {
  const rows = report.rounds.map((r, i) => {
    const link = r.report === null ? '' : `[closeout.md](<${r.report.replace(/closeout\.json$/, 'closeout.md')}>)`;
    const cells = [
      String(i + 1),
      codeSpan(r.check, true),
      escapeText(r.title ?? ''),
      `${r.required ? 'yes' : 'no'}${escapeText(waivedMark(r))}`,
      r.mode,
      `${OUTCOME_ICON[r.outcome]} ${r.outcome}`,
      r.status ?? '—',
      escapeText(r.reason),
      r.status === null ? '—' : formatDuration(r.durationMs),
      link,
    ];
    return `| ${cells.join(' | ')} |`;
  });
  return ['| # | Check | Title | Required | Mode | Outcome | Status | Reason | Took | Round report |', '|---:|---|---|---|---|---|---|---|---:|---|', ...rows];
}

/** `drill.md`: the drill as a person reads it. */
export function renderDrillMarkdown(report: DrillReport): string {
  const run = [
    `Drill ${codeSpan(report.drillId)}`,
    `mode ${codeSpan(report.mode)}${report.timeoutMsOverride === null ? '' : ` (time limit ${report.timeoutMsOverride} ms)`}`,
    `started ${escapeText(report.startedAt)}`,
    `took ${formatDuration(report.durationMs)}`,
    `exit code ${report.exitCode}`,
  ].join(' · ');
  const lines = [banner(report), '', run, ''];
  const warn = notices(report);
  if (warn.length > 0) lines.push(warn.join('\n>\n'), '');
  lines.push(`**${escapeText(drillLine(report))}**`, '', '## Matrix', '', ...matrix(report), '');
  const seen = new Set(report.rounds.map((r) => r.outcome));
  lines.push('## Outcomes', '', ...DRILL_OUTCOMES.filter((o) => seen.has(o)).map((o) => `- ${OUTCOME_ICON[o]} **${o}**: ${OUTCOME_MEANING[o]}`), '');
  lines.push('---', '', `gate ${escapeText(report.gateVersion)} · gate file ${codeSpan(report.gate.file)} sha256 ${codeSpan(report.gate.sha256)}`, '');
  return lines.join('\n');
}
