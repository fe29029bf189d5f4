/**
 * closeout.md: the run as a person reads it — decision first, then checks, failures, waivers,
 * the gate's handover notes and provenance.
 */
import { EXIT } from '../model/exit-codes.js';
import { CHECK_STATUSES } from '../model/types.js';
import type { CheckResult, CheckStatus, Report, WaiverReport } from '../model/types.js';
import type { CheckOutputs } from './junit.js';
import { formatDuration, plainText, tailText } from './text.js';

const STATUS_ICON: Record<CheckStatus, string> = {
  pass: '✅',
  flaky: '🔁',
  waived: '🟡',
  fail: '❌',
  error: '💥',
  timeout: '⏱️',
  interrupted: '⏹️',
  blocked: '⛔',
  skipped: '⏭️',
  'not-run': '⏸️',
};

/**
 * Statuses listed under "Failures": every check that did not pass. `waived` is in (the failure is
 * real, only excused); `skipped` is out (the user filtered it on purpose).
 */
const NEEDS_ATTENTION: ReadonlySet<CheckStatus> = new Set([
  'fail',
  'error',
  'timeout',
  'interrupted',
  'blocked',
  'not-run',
  'waived',
]);

const WAIVER_ORDER: WaiverReport['state'][] = ['applied', 'unused', 'expired'];
// C0 controls except tab and newline, DEL, and lone surrogates (code units: no `u` flag).
const CONTROL_CHARS =
  /[\u0000-\u0008\u000B-\u001F\u007F]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function clean(text: string): string {
  return plainText(text).replace(CONTROL_CHARS, '\uFFFD');
}

/** User text outside code: no raw HTML, no accidental emphasis, links or table breaks. */
export function escapeText(text: string): string {
  return clean(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[\\`*_[\]|~]/g, '\\$&')
    .replace(/\n/g, '<br>');
}

function longestBacktickRun(text: string): number {
  let longest = 0;
  for (const run of text.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  return longest;
}

/**
 * An inline code span no backtick in `text` can close. Inside a table cell a pipe still splits
 * the row (GFM splits cells before parsing code spans), so it is escaped there.
 */
export function codeSpan(text: string, inTable = false): string {
  let content = clean(text).replace(/\n/g, ' ');
  if (inTable) content = content.replace(/\|/g, '\\|');
  const ticks = '`'.repeat(longestBacktickRun(content) + 1);
  // CommonMark strips one space from each end, so padding keeps edge backticks and spaces intact.
  const pad = /^[` ]|[` ]$/.test(content) ? ' ' : '';
  return `${ticks}${pad}${content}${pad}${ticks}`;
}

/** A fenced block that no backtick run in `text` can close: the fence is longer than any run. */
export function codeFence(text: string, info = ''): string {
  const content = clean(text).replace(/\n$/, '');
  const fence = '`'.repeat(Math.max(3, longestBacktickRun(content) + 1));
  return `${fence}${info}\n${content}\n${fence}`;
}

/** Escaped text that opens a list item, where a leading `#`, `-`, `+` or `1.` would start a block of its own. */
function listItemText(text: string): string {
  return escapeText(text)
    .replace(/^(\s*\d{1,9})([.)])/, '$1\\$2')
    .replace(/^(\s*)([#+-])/, '$1\\$2');
}

/**
 * The handover as written, with a code fence it leaves open closed: otherwise the rest of
 * closeout.md (the footer) would read as code. Fences as CommonMark reads them: up to three
 * spaces, then three or more backticks or tildes; closed by a run of the same, at least as long.
 * A fence opened on a list item's own line (`- ```sh`) is inside that item: it is closed by a
 * fence indented as the item's text, and ends with the item (at a line indented less), as
 * CommonMark has it; nothing is added for it.
 */
function handoverText(text: string): string {
  const body = text.replace(/^\s*\n|\s+$/g, '');
  /** The fence left open, and the indent of the list item's text it is in (0: none). */
  let open: { run: string; indent: number } | undefined;
  for (const line of body.split('\n')) {
    if (open && open.indent > 0 && line.trim() !== '' && /^ */.exec(line)![0].length < open.indent) open = undefined;
    if (open) {
      const close = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(line.slice(open.indent));
      if (close && close[1]![0] === open.run[0] && close[1]!.length >= open.run.length) open = undefined;
      continue;
    }
    const fence = /^( {0,3}(?:[-+*]|\d{1,9}[.)]) {1,4})?( {0,3})(`{3,}|~{3,})(.*)$/.exec(line);
    if (!fence) continue;
    const [, item, , run, rest] = fence as unknown as [string, string | undefined, string, string, string];
    if (!(run[0] === '`' && rest.includes('`'))) open = { run, indent: item?.length ?? 0 };
  }
  return open === undefined ? body : `${body}\n${open.run}`;
}

/** Escaped text on one line; a trailing `#` run would otherwise read as an ATX closing sequence. */
export function headingText(text: string): string {
  return escapeText(text).replace(/<br>/g, ' ').replace(/#+$/, (run) => `\\${run}`);
}

function banner(report: Report): string {
  const name = headingText(report.gate.title ?? report.gate.id);
  const decision = report.decision === 'GO' ? '✅ GO' : '❌ NO-GO';
  const aborted = report.verdict === 'aborted' ? ' (aborted)' : '';
  return `# ${decision}${aborted} — ${name}`;
}

function runLine(report: Report): string {
  return [
    `Run ${codeSpan(report.runId)}`,
    `started ${escapeText(report.startedAt)}`,
    `finished ${escapeText(report.finishedAt)}`,
    `took ${formatDuration(report.durationMs)}`,
    `exit code ${report.exitCode}`,
  ].join(' · ');
}

function notices(report: Report): string[] {
  const out: string[] = [];
  if (report.verdict === 'aborted') {
    out.push('> ⚠️ **Aborted** — the run was interrupted; checks that had not finished are not judged.');
  }
  if (report.partial || report.requiredNotRun.length > 0) {
    const names = report.requiredNotRun.map((id) => codeSpan(id)).join(', ') || 'none';
    out.push(`> ⚠️ **Partial run** — required checks not run: ${names}.`);
  }
  if (report.exitCode === EXIT.internal) {
    // Only the checks after writing set it (src/report/seal.ts): without this line the NO-GO would have no reason in the file.
    out.push("> ⛔ **Report failed gate's own checks** — once written, a secret was found past masking or masking broke a file (gate's stderr says which): the run is NO-GO with exit code 1, whatever its checks did.");
  }
  if (report.injected.length > 0) {
    const names = report.injected.map((i) => `${codeSpan(i.checkId)} (${i.mode})`).join(', ');
    out.push(`> 💉 **Failure injection** — ${names}. A run with an injection is never GO.`);
  }
  return out;
}

function summaryLine(report: Report): string {
  const parts = CHECK_STATUSES.filter((s) => (report.summary[s] ?? 0) > 0).map(
    (s) => `${report.summary[s]} ${s}`,
  );
  const counts = parts.length > 0 ? `: ${parts.join(', ')}` : '';
  const noun = report.summary.total === 1 ? 'check' : 'checks';
  return `**${report.summary.total} ${noun}**${counts} · required not passing: ${report.summary.requiredFailTotal}`;
}

function checksTable(checks: CheckResult[]): string[] {
  const rows = checks.map((c) => {
    const status = `${STATUS_ICON[c.status]} ${c.status}${c.injected ? ' 💉' : ''}`;
    const cells = [
      codeSpan(c.id, true),
      escapeText(c.title ?? ''),
      escapeText(c.priority ?? ''),
      escapeText(c.owner ?? ''),
      status,
      c.required ? 'yes' : 'no',
      String(c.attempts),
      formatDuration(c.durationMs),
      escapeText(c.reason),
    ];
    return `| ${cells.join(' | ')} |`;
  });
  return [
    '| Check | Title | Priority | Owner | Status | Required | Attempts | Duration | Reason |',
    '|---|---|---|---|---|---|---:|---:|---|',
    ...rows,
  ];
}

function failureBlock(check: CheckResult, outputs?: CheckOutputs): string[] {
  const title = check.title ? ` — ${headingText(check.title)}` : '';
  const lines = [`### ${STATUS_ICON[check.status]} ${codeSpan(check.id)}${title}`, ''];
  const was = check.waivedStatus ? ` (was ${check.waivedStatus})` : '';
  const ended: string[] = [`**${check.status}**${was}${check.required ? '' : ' (advisory)'}`];
  if (check.exitCode !== null) ended.push(`exit code ${check.exitCode}`);
  if (check.signal !== null) ended.push(`signal ${escapeText(check.signal)}`);
  if (check.attempts > 1) ended.push(`${check.attempts} attempts`);
  lines.push(`${ended.join(' · ')} — ${escapeText(check.reason)}`, '');
  const who = [check.priority ? `Priority ${escapeText(check.priority)}` : '', check.owner ? `owner ${escapeText(check.owner)}` : ''].filter(Boolean);
  if (who.length > 0) lines.push(who.join(' · ').replace(/^owner/, 'Owner'), '');
  if (check.waiver) {
    const owner = check.waiver.owner ? `, owner ${escapeText(check.waiver.owner)}` : '';
    lines.push(`Waiver: ${escapeText(check.waiver.reason)}${owner}, expires ${escapeText(check.waiver.expires)}`, '');
  }

  const failed = check.assertions.filter((a) => !a.ok);
  const notes = check.notes.map((n) => `- ${listItemText(n)}`);
  if (failed.length > 0 || notes.length > 0) {
    lines.push(...failed.map((a) => `- ${codeSpan(a.message)}`), ...notes, '');
  }
  const out = outputs?.get(check.id);
  for (const [label, text] of [['stdout', out?.stdoutTail], ['stderr', out?.stderrTail]] as const) {
    if (!text) continue;
    lines.push(`${label} (tail):`, '', codeFence(tailText(text), 'text'), '');
  }
  return lines;
}

function waiversTable(waivers: WaiverReport[]): string[] {
  const sorted = [...waivers].sort((a, b) => WAIVER_ORDER.indexOf(a.state) - WAIVER_ORDER.indexOf(b.state));
  return [
    '| Check | State | Reason | Owner | Expires |',
    '|---|---|---|---|---|',
    ...sorted.map(
      (w) =>
        `| ${codeSpan(w.check, true)} | ${w.state} | ${escapeText(w.reason)} | ${escapeText(w.owner ?? '')} | ${escapeText(w.expires)} |`,
    ),
  ];
}

function footer(report: Report): string {
  const p = report.provenance;
  const parts = [`gate ${escapeText(p.gateVersion)}`];
  if (p.gitCommit) parts.push(`git commit ${codeSpan(p.gitCommit)}`);
  parts.push(`gate file ${codeSpan(report.gate.file)} sha256 ${codeSpan(p.gateFileSha256)}`);
  parts.push(`node ${escapeText(p.node)} on ${escapeText(p.platform)}`);
  return parts.join(' · ');
}

/**
 * Renders a run as Markdown. Pure: the caller writes the file.
 * `outputs` optionally adds each failing check's captured output tail in a code fence.
 */
export function renderMarkdown(report: Report, outputs?: CheckOutputs): string {
  const lines: string[] = [banner(report), '', runLine(report), ''];
  const warn = notices(report);
  if (warn.length > 0) lines.push(warn.join('\n>\n'), '');
  lines.push(summaryLine(report), '', '## Checks', '', ...checksTable(report.checks), '');

  const failing = report.checks.filter((c) => NEEDS_ATTENTION.has(c.status));
  if (failing.length > 0) {
    lines.push('## Failures', '');
    for (const check of failing) lines.push(...failureBlock(check, outputs));
  }
  // What a check that did not need attention still has to say: processes it left behind, a note on its evidence.
  const noted = report.checks.filter((c) => !NEEDS_ATTENTION.has(c.status) && c.notes.length > 0);
  if (noted.length > 0) {
    lines.push('## Notes', '');
    for (const check of noted) for (const note of check.notes) lines.push(`- ${codeSpan(check.id)}: ${escapeText(note)}`);
    lines.push('');
  }
  if (report.waivers.length > 0) lines.push('## Waivers', '', ...waiversTable(report.waivers), '');
  if (report.handover) lines.push('## Handover', '', handoverText(report.handover), '');
  lines.push('---', '', footer(report), '');
  return lines.join('\n');
}
