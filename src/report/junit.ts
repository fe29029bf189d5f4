/**
 * JUnit XML for CI test reporters: one <testsuite> for the gate, one <testcase> a check (and one for
 * the decision when a NO-GO would otherwise show no failure).
 * Conforms to the Jenkins xUnit JUnit schema (tests/junit-10.xsd).
 */
import XMLBuilder from 'fast-xml-builder';
import { EXIT } from '../model/exit-codes.js';
import type { CheckResult, CheckStatus, Report } from '../model/types.js';
import { plainText, tailText } from './text.js';

/** Captured output the caller may hand to a reporter, keyed by check id (already redacted). */
export type CheckOutputs = Map<string, { stdoutTail?: string; stderrTail?: string }>;

/** An element for the builder: `@name` keys are attributes, `#text` is the text, other keys child elements. */
type Element = { [key: string]: string | Element | Element[] };

/** `&`, `<` and `>` as entities: every `&`, entity-shaped text (`&nbsp;`, `&#0;`) included, so a reader gets back exactly the text the check wrote. */
const escapeMarkup = (value: string) => value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * Text escapes `&`, `<` and `>` only (quotes need no escaping there, and the
 * evidence JSON in <system-out> stays readable); the builder escapes quotes in
 * attribute values itself.
 */
const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  textNodeName: '#text',
  format: true,
  suppressEmptyNode: true,
  suppressBooleanAttributes: false,
  processEntities: false,
  tagValueProcessor: (_name, value) => escapeMarkup(String(value)),
  attributeValueProcessor: (_name, value) => escapeMarkup(String(value)),
});

/**
 * The fixed text of junit.xml: every element and attribute name gate writes,
 * the entities its escaping writes, the declaration's values and the names of
 * the suite's properties. A secret that is (part of) one of them cannot be
 * masked without breaking the file (src/report/collisions.ts). junit.test.ts
 * holds the list to what `renderJunit` writes.
 */
export const JUNIT_MARKUP = [
  'xml', 'version', 'encoding', '1.0', 'UTF-8',
  'testsuites', 'testsuite', 'properties', 'property', 'testcase', 'failure', 'error', 'skipped', 'system-out', 'system-err',
  'name', 'tests', 'failures', 'errors', 'time', 'timestamp', 'classname', 'message', 'type', 'value',
  'amp', 'lt', 'gt', 'quot', 'apos',
  'gate', 'runId', 'verdict', 'decision', 'gateVersion', 'gitCommit', 'partial', 'injected',
] as const;

const XML_NAME = /^[A-Za-z_][\w.-]*$/;
/** A `&` that does not start one of the references gate's escaping writes (or a numeric one). */
const BAD_REFERENCE = /&(?!(?:amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);)/;
const ATTRIBUTE = /\s+([^\s=]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/y;

/** Whether a tag's attributes (`rest`, what follows its name) are well-formed: names, quoted values, references. */
function attributesWellFormed(rest: string): boolean {
  ATTRIBUTE.lastIndex = 0;
  let end = 0;
  for (let m = ATTRIBUTE.exec(rest); m !== null; m = ATTRIBUTE.exec(rest)) {
    const value = m[2] ?? m[3]!;
    if (!XML_NAME.test(m[1]!) || value.includes('<') || BAD_REFERENCE.test(value)) return false;
    end = ATTRIBUTE.lastIndex;
  }
  return /^\s*$/.test(rest.slice(end));
}

/**
 * Whether `xml` is well-formed, as far as the XML gate writes goes: a declaration,
 * one root element, tags with well-formed names and quoted attributes,
 * balanced, and text whose `&` are references. (No comments, CDATA or `>` in
 * attribute values: gate writes none.) The check after writing, for masking
 * that turned markup into `[REDACTED]` (src/report/seal.ts).
 */
export function xmlWellFormed(xml: string): boolean {
  const declaration = /^<\?xml((?:\s+[^\s=?]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*\?>/.exec(xml);
  if (declaration && !attributesWellFormed(declaration[1]!)) return false;
  const pieces = xml.slice(declaration ? declaration[0].length : 0).split(/(<[^>]*>)/);
  const open: string[] = [];
  let roots = 0;
  for (const [index, piece] of pieces.entries()) {
    if (index % 2 === 0) {
      // Text: none around the root but white space; inside, no `<` and no bare `&`.
      if (open.length === 0 ? !/^\s*$/.test(piece) : piece.includes('<') || BAD_REFERENCE.test(piece)) return false;
      continue;
    }
    const tag = /^<(\/?)([^\s/>]*)([^]*?)(\/?)>$/.exec(piece)!;
    const [, closing, name, rest, empty] = tag as unknown as [string, string, string, string, string];
    if (!XML_NAME.test(name)) return false;
    if (closing) {
      if (empty || !/^\s*$/.test(rest) || open.pop() !== name) return false;
      continue;
    }
    if (!attributesWellFormed(rest)) return false;
    if (open.length === 0 && ++roots > 1) return false;
    if (!empty) open.push(name);
  }
  return roots === 1 && open.length === 0;
}

/** Attributes from a plain object: `{ name: 'x' }` → `{ '@name': 'x' }`. */
const attrs = (values: Record<string, string>): Element => Object.fromEntries(Object.entries(values).map(([k, v]) => [`@${k}`, v]));

type CaseKind = 'passed' | 'failure' | 'error' | 'skipped';

const CASE_KIND: Record<CheckStatus, CaseKind> = {
  pass: 'passed',
  flaky: 'passed',
  waived: 'passed',
  fail: 'failure',
  error: 'error',
  timeout: 'error',
  interrupted: 'error',
  blocked: 'skipped',
  skipped: 'skipped',
  'not-run': 'skipped',
};

// XML 1.0 `Char` excludes most C0 controls, lone surrogates and U+FFFE/U+FFFF. Without the `u`
// flag the regex sees UTF-16 code units, so a surrogate is "lone" when its partner is missing.
const INVALID_XML_CHARS =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Text that XML 1.0 can carry: ANSI colour codes dropped, other invalid characters → U+FFFD. */
export function xmlSafeText(text: string): string {
  return plainText(text).replace(INVALID_XML_CHARS, '\uFFFD');
}

/** For attributes: one line, since a parser turns raw newlines and tabs in attributes into spaces anyway. */
function xmlSafeLine(text: string): string {
  return xmlSafeText(text).replace(/\s*\n\s*/g, ' ').replace(/\t/g, ' ').trim();
}

/** Seconds with three decimals, as the SUREFIRE_TIME pattern accepts (never negative, never NaN). */
export function junitSeconds(ms: number): string {
  return (Number.isFinite(ms) && ms > 0 ? ms / 1000 : 0).toFixed(3);
}

/**
 * How a check shows in a test view. An advisory check that did not pass is
 * `<skipped>` with the reason: it does not block the release, and a test view
 * that counts it as a failure would turn a GO red. An injected one keeps its
 * `<failure>` or `<error>`: a run with an injection is never GO, so that run
 * must not read as a green test run.
 */
function caseKind(check: CheckResult): CaseKind {
  const kind = CASE_KIND[check.status];
  return !check.required && !check.injected && (kind === 'failure' || kind === 'error') ? 'skipped' : kind;
}

function caseName(check: CheckResult): string {
  return check.title ? `${check.id}: ${check.title}` : check.id;
}

/** The body of <failure>/<error>: failed assertions one a line, then how the process ended. */
function problemDetails(check: CheckResult): string {
  const lines = check.assertions.filter((a) => !a.ok).map((a) => a.message);
  if (check.exitCode !== null) lines.push(`exit code: ${check.exitCode}`);
  if (check.signal !== null) lines.push(`signal: ${check.signal}`);
  if (check.injected) lines.push(`injected failure: ${check.injectMode ?? 'declared'}`);
  lines.push(...check.notes);
  return lines.join('\n');
}

/** A note for checks that count as passing but did not simply pass. */
function passNote(check: CheckResult): string | undefined {
  if (check.status === 'flaky') {
    return `flaky: passed after ${check.attempts} attempts (${check.reason})`;
  }
  if (check.status === 'waived') {
    const was = check.waivedStatus ? ` (was ${check.waivedStatus})` : '';
    const lines = [`waived${was}: ${check.reason}`];
    if (check.waiver) {
      const owner = check.waiver.owner ? `, owner ${check.waiver.owner}` : '';
      lines.push(`waiver: ${check.waiver.reason}${owner}, expires ${check.waiver.expires}`);
    }
    return lines.join('\n');
  }
  return undefined;
}

function testcase(gateId: string, check: CheckResult, outputs?: CheckOutputs): Element {
  const tc: Element = attrs({
    classname: xmlSafeLine(`gate.${gateId}`),
    name: xmlSafeLine(caseName(check)),
    time: junitSeconds(check.durationMs),
  });
  const kind = caseKind(check);
  const problem = { message: xmlSafeLine(check.reason), type: check.reasonCode };
  if (kind === 'failure' || kind === 'error') {
    const details = problemDetails(check);
    tc[kind] = { ...attrs(problem), ...(details ? { '#text': xmlSafeText(details) } : {}) };
  } else if (kind === 'skipped') {
    const advisory = CASE_KIND[check.status] !== 'skipped' ? `advisory, does not block the release: ${check.status}: ` : '';
    const details = advisory ? problemDetails(check) : '';
    tc.skipped = { ...attrs({ message: xmlSafeLine(advisory + check.reason) }), ...(details ? { '#text': xmlSafeText(details) } : {}) };
  }

  const out = outputs?.get(check.id);
  const systemOut = [passNote(check), out?.stdoutTail ? tailText(out.stdoutTail) : undefined]
    .filter((part): part is string => part !== undefined && part !== '')
    .join('\n\n');
  if (systemOut) tc['system-out'] = { '#text': xmlSafeText(systemOut) };
  if (out?.stderrTail) tc['system-err'] = { '#text': xmlSafeText(tailText(out.stderrTail)) };
  return tc;
}

/**
 * Why a run is NO-GO when no check shows as `<failure>` or `<error>`: an advisory check ended by an
 * interrupt, an injected check that never started, a report that failed its own checks once written.
 */
function decisionProblem(report: Report): { message: string; type: string } {
  if (report.exitCode === EXIT.internal) {
    return { type: 'report-failed', message: 'gate failed at its own job once the report was written (a secret got past masking, or masking broke a file; stderr says which), exit code 1' };
  }
  if (report.verdict === 'aborted') return { type: 'interrupted', message: 'the run was interrupted; checks that had not finished are not judged' };
  if (report.injected.length > 0) {
    return { type: 'injected', message: `a run with an injection is never GO: ${report.injected.map((i) => `${i.checkId} (${i.mode})`).join(', ')}` };
  }
  return { type: 'required-not-passing', message: `required checks not passing: ${report.summary.requiredFailTotal}` };
}

/**
 * A NO-GO that no check shows as failed would read as a green test run: it gets a failed testcase
 * of its own, `(gate decision)` (no check id has parentheses), saying why.
 */
function decisionCase(report: Report): Element {
  const { message, type } = decisionProblem(report);
  const aborted = report.verdict === 'aborted' ? ' (aborted)' : '';
  return { ...attrs({ classname: xmlSafeLine(`gate.${report.gate.id}`), name: '(gate decision)' }), failure: attrs({ message: xmlSafeLine(`${report.decision}${aborted}: ${message}`), type }) };
}

/**
 * Renders a run as JUnit XML. Pure: the caller writes the file.
 * `outputs` optionally adds each check's captured output tail as <system-out>/<system-err>.
 */
export function renderJunit(report: Report, outputs?: CheckOutputs): string {
  const counts = { tests: report.checks.length, failures: 0, errors: 0, skipped: 0 };
  for (const check of report.checks) {
    const kind = caseKind(check);
    if (kind === 'failure') counts.failures += 1;
    else if (kind === 'error') counts.errors += 1;
    else if (kind === 'skipped') counts.skipped += 1;
  }
  const cases = report.checks.map((check) => testcase(report.gate.id, check, outputs));
  if (report.decision === 'NO-GO' && counts.failures + counts.errors === 0) {
    cases.push(decisionCase(report));
    counts.tests += 1;
    counts.failures += 1;
  }
  const time = junitSeconds(report.durationMs);
  // The schema allows no `skipped` attribute on <testsuites>; it is on <testsuite> only.
  const totals = { tests: String(counts.tests), failures: String(counts.failures), errors: String(counts.errors) };
  const properties: [string, string][] = [
    ['runId', report.runId],
    ['verdict', report.verdict],
    ['decision', report.decision],
    ['gateVersion', report.provenance.gateVersion],
  ];
  if (report.provenance.gitCommit) properties.push(['gitCommit', report.provenance.gitCommit]);
  if (report.partial) properties.push(['partial', 'true']);
  if (report.injected.length > 0) {
    properties.push(['injected', report.injected.map((i) => `${i.checkId}:${i.mode}`).join(',')]);
  }
  const suite: Element = {
    ...attrs({ name: xmlSafeLine(report.gate.id), ...totals, skipped: String(counts.skipped), time, timestamp: xmlSafeLine(report.startedAt) }),
    properties: { property: properties.map(([name, value]) => attrs({ name, value: xmlSafeLine(value) })) },
  };
  if (cases.length > 0) suite.testcase = cases;
  const doc: Element = {
    '?xml': attrs({ version: '1.0', encoding: 'UTF-8' }),
    testsuites: { ...attrs({ name: 'gate', ...totals, time }), testsuite: suite },
  };
  return builder.build(doc) as string;
}

/** The root element `renderJunit` writes: its totals, then the gate's `<testsuite>` up to `</testsuites>`. */
const JUNIT_ROOT = /^<testsuites name="gate" tests="(\d+)" failures="(\d+)" errors="(\d+)" time="(\d+\.\d{3})">\n/m;

/**
 * Several gates' `junit.xml`, as written, as one document (`--reporter junit` when several gates
 * run): one `<testsuites>` adding up their totals, holding each gate's `<testsuite>` in turn.
 * Documents printed one after the other would be no XML at all (a CI test reporter reads one root).
 * A document not in the shape `renderJunit` gives is left whole, as before.
 */
export function joinJunit(docs: string[]): string {
  const roots = docs.map((doc) => JUNIT_ROOT.exec(doc));
  if (docs.length < 2 || roots.some((root) => root === null)) return docs.join('');
  const totals = { tests: 0, failures: 0, errors: 0, ms: 0 };
  const suites = docs.map((doc, i) => {
    const root = roots[i]!;
    totals.tests += Number(root[1]);
    totals.failures += Number(root[2]);
    totals.errors += Number(root[3]);
    totals.ms += Math.round(Number(root[4]) * 1000);
    return doc.slice(root.index + root[0].length, doc.lastIndexOf('</testsuites>'));
  });
  const head = docs[0]!.slice(0, roots[0]!.index);
  const open = `<testsuites name="gate" tests="${totals.tests}" failures="${totals.failures}" errors="${totals.errors}" time="${junitSeconds(totals.ms)}">\n`;
  return `${head}${open}${suites.join('')}</testsuites>\n`;
}
