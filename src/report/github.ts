/**
 * GitHub Actions: workflow-command annotations for a run, and the step summary.
 * Pure renderers: the caller prints the annotations and appends the summary.
 *
 * - `::error` for each required check that did not pass (`fail`, `error`,
 *   `timeout`, `blocked`), and one for each NO-GO verdict, first.
 * - `::warning` for advisory checks that did not pass, and for waivers that have
 *   expired or expire within `WAIVER_WARN_DAYS`.
 * - `::notice` for each GO verdict.
 * GitHub shows at most 10 annotations of each kind per step, so each kind is
 * capped at 10 lines for the whole run; when there are more, the last line says
 * how many are not shown and where the report is.
 * Escaping follows the runner: in data `%`, CR and LF are percent-encoded; in
 * properties also `:` and `,`.
 */
import type { CheckResult, CheckStatus, Report } from '../model/types.js';

/** Annotations of one kind GitHub shows for a step. */
export const ANNOTATIONS_PER_KIND = 10;
/** A waiver that ends within this many days is announced. */
export const WAIVER_WARN_DAYS = 7;
/** GitHub refuses a step summary larger than this. */
export const STEP_SUMMARY_LIMIT = 1024 * 1024;
/** One annotation's message is cut to this many characters. */
const MAX_MESSAGE_CHARS = 4000;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface GithubRun {
  report: Report;
  /** The report dir as the user should read it. */
  reportDirShown: string;
}

type Kind = 'error' | 'warning' | 'notice';
interface Annotation {
  title: string;
  message: string;
}

export function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** The older `##[command]` form is read anywhere in a line, even inside an annotation's data. */
const breakLegacy = (text: string) => text.replace(/##\[/g, '#\u2423#[');

/** `text` cut to `max` UTF-16 units with an ellipsis, never between the two halves of a character. */
function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  if (/[\uD800-\uDBFF]/.test(text[end - 1] ?? '')) end -= 1;
  return `${text.slice(0, end)}…`;
}

function line(kind: Kind, a: Annotation): string {
  const message = cut(a.message, MAX_MESSAGE_CHARS);
  return `::${kind} title=${escapeProperty(a.title)}::${breakLegacy(escapeData(message))}\n`;
}

const FAILING_REQUIRED: ReadonlySet<CheckStatus> = new Set<CheckStatus>(['fail', 'error', 'timeout', 'blocked']);
const PASSING_OR_UNJUDGED: ReadonlySet<CheckStatus> = new Set<CheckStatus>(['pass', 'flaky', 'waived', 'skipped', 'interrupted', 'not-run']);

function checkMessage(check: CheckResult, reportDirShown: string): string {
  const lines = [`${check.status}${check.required ? '' : ' (advisory)'}: ${check.reason}`];
  const failed = check.assertions.find((a) => !a.ok);
  if (failed && !check.reason.includes(failed.message)) lines.push(failed.message);
  const outputs = [check.stdout, check.stderr].filter((o) => o !== undefined && o.originalBytes > 0).map((o) => `${reportDirShown}/${o!.file}`);
  if (outputs.length > 0) lines.push(`output: ${outputs.join(', ')}`);
  lines.push(`report: ${reportDirShown}/closeout.md`);
  return lines.join('\n');
}

/** The instant a waiver stops covering anything: a date is in force through the end of that day, UTC. */
export function waiverEnd(expires: string): number {
  return /^\d{4}-\d{2}-\d{2}$/.test(expires) ? Date.parse(`${expires}T00:00:00Z`) + DAY_MS : Date.parse(expires);
}

function waiverWarnings(report: Report): Annotation[] {
  const now = Date.parse(report.finishedAt);
  const out: Annotation[] = [];
  for (const w of report.waivers) {
    const end = waiverEnd(w.expires);
    const title = `${report.gate.id}: ${w.check}`;
    if (w.state === 'expired') {
      out.push({ title, message: `waiver expired (${w.expires}) and covers nothing: ${w.reason}${w.owner ? ` (owner: ${w.owner})` : ''}` });
    } else if (Number.isFinite(end) && end - now <= WAIVER_WARN_DAYS * DAY_MS) {
      const days = Math.max(0, Math.ceil((end - now) / DAY_MS));
      out.push({ title, message: `waiver expires ${w.expires} (within ${days} day${days === 1 ? '' : 's'}): ${w.reason}${w.owner ? ` (owner: ${w.owner})` : ''}` });
    }
  }
  return out;
}

/** At most `ANNOTATIONS_PER_KIND` lines; when there are more, the last one counts the rest. */
function capped(kind: Kind, list: Annotation[], runs: GithubRun[]): string {
  if (list.length <= ANNOTATIONS_PER_KIND) return list.map((a) => line(kind, a)).join('');
  const shown = list.slice(0, ANNOTATIONS_PER_KIND - 1);
  const more = list.length - shown.length;
  const where = runs.map((r) => `${r.reportDirShown}/closeout.md`).join(', ');
  const title = runs.length === 1 ? `gate ${runs[0]!.report.gate.id}` : 'gate';
  const rest = { title, message: `${more} more ${kind === 'error' ? 'errors' : `${kind}s`} not shown here (GitHub shows ${ANNOTATIONS_PER_KIND} per step); see ${where}` };
  return [...shown, rest].map((a) => line(kind, a)).join('');
}

/** The annotations for a run of one or more gates, as workflow-command lines. */
export function renderGithub(runs: GithubRun[]): string {
  const errors: Annotation[] = [];
  const checkErrors: Annotation[] = [];
  const warnings: Annotation[] = [];
  const notices: Annotation[] = [];
  for (const { report, reportDirShown } of runs) {
    const verdict = `${report.decision}${report.verdict === 'aborted' ? ' (aborted)' : ''}`;
    const counts = `${report.summary.total} check${report.summary.total === 1 ? "" : "s"}, ${report.summary.requiredFailTotal} required not passing; report: ${reportDirShown}/closeout.md`;
    (report.decision === 'GO' ? notices : errors).push({ title: `gate ${report.gate.id}: ${verdict}`, message: `${report.gate.title ?? report.gate.id}: ${verdict}: ${counts}` });
    for (const check of report.checks) {
      const title = `${report.gate.id}: ${check.id}`;
      if (check.required && FAILING_REQUIRED.has(check.status)) checkErrors.push({ title, message: checkMessage(check, reportDirShown) });
      else if (!check.required && !PASSING_OR_UNJUDGED.has(check.status)) warnings.push({ title, message: checkMessage(check, reportDirShown) });
    }
    warnings.push(...waiverWarnings(report));
  }
  return capped('error', [...errors, ...checkErrors], runs) + capped('warning', warnings, runs) + capped('notice', notices, runs);
}

/** How a fenced code block opens or closes: its run of backticks or tildes. */
const FENCE = /^ {0,3}(`{3,}|~{3,})/;

/**
 * The Markdown to append to `$GITHUB_STEP_SUMMARY` when `room` bytes are left
 * under its limit: the whole report, or its first lines, an open code block
 * closed, and a line saying where the full report is. Empty when not even the
 * note fits.
 */
export function stepSummary(markdown: string, room: number, fullReportShown: string): string {
  const whole = markdown.endsWith('\n') ? markdown : `${markdown}\n`;
  if (Buffer.byteLength(whole, 'utf8') <= room) return whole;
  const note = `\n> ✂️ Cut short to stay under GitHub's 1 MiB step summary limit: the full report is \`${fullReportShown}\`.\n`;
  let budget = room - Buffer.byteLength(note, 'utf8');
  const kept: string[] = [];
  let fence: string | undefined;
  for (const text of whole.split('\n')) {
    const bytes = Buffer.byteLength(text, 'utf8') + 1;
    const m = FENCE.exec(text);
    let after = fence;
    if (m && !fence) after = m[1]!;
    else if (m && fence && m[1]![0] === fence[0] && m[1]!.length >= fence.length && text.trim() === m[1]) after = undefined;
    // Room is kept for closing a fence that is open at the cut.
    if (bytes + (after ? after.length + 1 : 0) > budget) break;
    kept.push(text);
    budget -= bytes;
    fence = after;
  }
  if (budget < 0) return '';
  if (fence) kept.push(fence);
  return `${kept.join('\n')}\n${note}`;
}
