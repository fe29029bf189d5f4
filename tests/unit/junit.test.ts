import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { validateXML } from 'xmllint-wasm';
import { JUNIT_MARKUP, renderJunit, xmlWellFormed, type CheckOutputs } from '../../src/report/junit.js';
import { createRedactor } from '../../src/report/redact.js';
import { CHECK_STATUSES, type CheckResult, type Report } from '../../src/model/types.js';
import { makeCheck, makeReport } from './report-fixture.js';

const XSD = readFileSync(fileURLToPath(new URL('../junit-10.xsd', import.meta.url)), 'utf8');


/** One check of every status, with the details each status carries. */
function allStatuses(): CheckResult[] {
  return CHECK_STATUSES.map((status) => {
    switch (status) {
      case 'fail':
        return makeCheck('fail', 'fail', {
          reasonCode: 'assertion-failed',
          reason: '2 assertions did not hold',
          exitCode: 1,
          assertions: [
            { expr: 'ok == true', ok: true, message: 'ok == true: found true' },
            { expr: 'go_no_go == "go"', ok: false, message: 'go_no_go == "go": found "no_go"' },
            { expr: 'count(errors) == 0', ok: false, message: 'count(errors) == 0: found 3' },
          ],
        });
      case 'timeout':
        return makeCheck('timeout', 'timeout', { reasonCode: 'timeout', reason: 'ended after 30 s', signal: 'SIGTERM' });
      case 'blocked':
        return makeCheck('blocked', 'blocked', { reasonCode: 'blocked', reason: 'dependency fail did not pass', attempts: 0, durationMs: 0 });
      case 'flaky':
        return makeCheck('flaky', 'flaky', { reasonCode: 'passed-on-retry', reason: 'passed on attempt 2', attempts: 2, exitCode: 0 });
      case 'waived':
        return makeCheck('waived', 'waived', {
          reasonCode: 'waived',
          waivedStatus: 'fail',
          waiver: { reason: 'known issue JIRA-1', owner: 'ops', expires: '2099-01-01' },
        });
      default:
        return makeCheck(status, status);
    }
  });
}

async function expectValid(xml: string): Promise<void> {
  const result = await validateXML({
    xml: [{ fileName: 'junit.xml', contents: xml }],
    schema: [{ fileName: 'junit-10.xsd', contents: XSD }],
  });
  expect(result.errors).toEqual([]);
  expect(result.valid).toBe(true);
}

/** The XML of the testcase whose name starts with `name`, up to the next testcase or the suite's end. */
function testcase(xml: string, name: string): string {
  const start = xml.indexOf(`<testcase classname="gate.m28" name="${name}`);
  expect(start).toBeGreaterThanOrEqual(0);
  const next = xml.indexOf('<testcase ', start + 1);
  return xml.slice(start, next === -1 ? xml.indexOf('</testsuite>') : next);
}

describe('renderJunit', () => {
  it('validates against the JUnit schema with every status', async () => {
    await expectValid(renderJunit(makeReport(allStatuses())));
  });

  it('counts agree with the testcases', () => {
    const xml = renderJunit(makeReport(allStatuses()));
    expect(xml).toContain('<testsuites name="gate" tests="10" failures="1" errors="3" time="65.500">');
    expect(xml).toMatch(/<testsuite name="m28" tests="10" failures="1" errors="3" skipped="3" time="65.500" timestamp="2024-05-01T10:00:00.000Z">/);
    expect(xml.match(/<testcase /g)).toHaveLength(10);
    expect(xml.match(/<failure /g)).toHaveLength(1);
    expect(xml.match(/<error /g)).toHaveLength(3);
    expect(xml.match(/<skipped /g)).toHaveLength(3);
  });

  it('writes times in seconds with three decimals', () => {
    const xml = renderJunit(makeReport([makeCheck('a', 'pass', { durationMs: 1234 }), makeCheck('b', 'pass', { durationMs: 7 })]));
    expect(xml).toContain('name="a: Title of a" time="1.234"');
    expect(xml).toContain('name="b: Title of b" time="0.007"');
  });

  it('lists every failed assertion and the exit code in the failure', () => {
    const tc = testcase(renderJunit(makeReport(allStatuses())), 'fail:');
    expect(tc).toContain('<failure message="2 assertions did not hold" type="assertion-failed">');
    expect(tc).toContain('>go_no_go == "go": found "no_go"\ncount(errors) == 0: found 3\nexit code: 1</failure>');
    expect(tc).not.toContain('ok == true');
  });

  it('maps timeout, error and interrupted to <error>, with the reason code as type', () => {
    const xml = renderJunit(makeReport(allStatuses()));
    expect(testcase(xml, 'timeout:')).toContain('<error message="ended after 30 s" type="timeout">signal: SIGTERM</error>');
    expect(testcase(xml, 'error:')).toContain('<error message="reason for error" type="exit-code"');
    expect(testcase(xml, 'interrupted:')).toContain('<error message="reason for interrupted"');
  });

  it('gives skipped checks the reason', () => {
    const xml = renderJunit(makeReport(allStatuses()));
    expect(testcase(xml, 'blocked:')).toContain('<skipped message="dependency fail did not pass"/>');
    expect(testcase(xml, 'skipped:')).toContain('<skipped message="reason for skipped"/>');
    expect(testcase(xml, 'not-run:')).toContain('<skipped message="reason for not-run"/>');
  });

  it('shows an advisory check that did not pass as <skipped>, so a GO never reads as a failed test run', async () => {
    const advisory = makeCheck('adv', 'fail', { required: false, reasonCode: 'exit-code', reason: 'exit code 1, expected 0', exitCode: 1 });
    const xml = renderJunit(makeReport([makeCheck('a', 'pass'), advisory], { verdict: 'pass', decision: 'GO', exitCode: 0 }));
    await expectValid(xml);
    expect(testcase(xml, 'adv')).toContain('<skipped message="advisory, does not block the release: fail: exit code 1, expected 0">exit code: 1</skipped>');
    expect(xml).toMatch(/<testsuite [^>]*failures="0" errors="0" skipped="1"/);
  });

  it('shows an injected advisory check that failed as <failure>: the injection makes the run NO-GO, so the test view is red too', async () => {
    const injected = makeCheck('adv', 'fail', { required: false, injected: true, injectMode: 'exit', reasonCode: 'exit-code', reason: 'exit code 1, expected 0', exitCode: 1 });
    const xml = renderJunit(makeReport([makeCheck('a', 'pass'), injected], { injected: [{ checkId: 'adv', mode: 'exit' }] }));
    await expectValid(xml);
    expect(testcase(xml, 'adv')).toContain('<failure message="exit code 1, expected 0" type="exit-code">exit code: 1\ninjected failure: exit</failure>');
    expect(xml).not.toContain('does not block the release');
    expect(xml).toMatch(/<testsuite [^>]*failures="1" errors="0" skipped="0"/);
  });

  it.each([
    ['an advisory check interrupted', { verdict: 'aborted', exitCode: 130 }, [makeCheck('adv', 'interrupted', { required: false, reasonCode: 'interrupted', reason: 'interrupted by SIGINT' }), makeCheck('b', 'not-run', { reasonCode: 'interrupted', reason: 'the run was interrupted' })], 'interrupted', 'NO-GO (aborted): the run was interrupted; checks that had not finished are not judged'],
    ['a report that failed its secret scan', { exitCode: 1 }, [makeCheck('a', 'pass')], 'report-failed', 'NO-GO: gate failed at its own job once the report was written (a secret got past masking, or masking broke a file; stderr says which), exit code 1'],
    ['an injected check that never started', { injected: [{ checkId: 'b', mode: 'exit' }] }, [makeCheck('a', 'pass'), makeCheck('b', 'not-run', { injected: true })], 'injected', 'NO-GO: a run with an injection is never GO: b (exit)'],
  ] as [string, Partial<Report>, CheckResult[], string, string][])('shows a NO-GO that no check shows as failed (%s) as a failed testcase of its own, with why', async (_, over, checks, type, message) => {
    const xml = renderJunit(makeReport(checks, { verdict: 'fail', decision: 'NO-GO', ...over }));
    await expectValid(xml);
    expect(xml).toContain(`<testcase classname="gate.m28" name="(gate decision)">\n      <failure message="${message}" type="${type}"/>`);
    expect(xml).toMatch(new RegExp(`<testsuite [^>]*tests="${checks.length + 1}" failures="1" errors="0"`));
    expect(xml).toMatch(new RegExp(`<testsuites [^>]*tests="${checks.length + 1}" failures="1" errors="0"`));
  });

  it('adds no decision testcase to a GO, nor to a NO-GO that a check shows as failed', () => {
    const go = renderJunit(makeReport([makeCheck('a', 'pass')], { verdict: 'pass', decision: 'GO', exitCode: 0 }));
    const noGo = renderJunit(makeReport([makeCheck('a', 'pass'), makeCheck('b', 'fail')]));
    for (const xml of [go, noGo]) expect(xml).not.toContain('(gate decision)');
  });

  it('notes flaky and waived passes in system-out', () => {
    const xml = renderJunit(makeReport(allStatuses()));
    expect(testcase(xml, 'flaky:')).toContain('<system-out>flaky: passed after 2 attempts (passed on attempt 2)</system-out>');
    const waived = testcase(xml, 'waived:');
    expect(waived).toContain('waived (was fail): reason for waived');
    expect(waived).toContain('waiver: known issue JIRA-1, owner ops, expires 2099-01-01');
    expect(testcase(xml, 'pass:')).not.toContain('<system-out>');
  });

  it('carries gate properties', () => {
    const xml = renderJunit(makeReport([makeCheck('a', 'pass')], { injected: [{ checkId: 'a', mode: 'exit' }] }));
    for (const [name, value] of [['runId', 'run-2024-0001'], ['verdict', 'fail'], ['decision', 'NO-GO'], ['gateVersion', '0.1.0'], ['gitCommit', 'deadbeefcafe'], ['injected', 'a:exit']]) {
      expect(xml).toContain(`<property name="${name}" value="${value}"/>`);
    }
    const noCommit = makeReport([makeCheck('a', 'pass')]);
    noCommit.provenance.gitCommit = null;
    expect(renderJunit(noCommit)).not.toContain('gitCommit');
  });

  it('adds output tails only when given', async () => {
    const report = makeReport(allStatuses());
    expect(renderJunit(report)).not.toMatch(/system-err/);
    const outputs: CheckOutputs = new Map([
      ['fail', { stdoutTail: 'line 1\nline 2\n', stderrTail: 'boom\n' }],
      ['pass', { stdoutTail: '' }],
    ]);
    const xml = renderJunit(report, outputs);
    await expectValid(xml);
    expect(testcase(xml, 'fail:')).toContain('<system-out>line 1\nline 2\n</system-out>');
    expect(testcase(xml, 'fail:')).toContain('<system-err>boom\n</system-err>');
    expect(testcase(xml, 'pass:')).not.toContain('<system-out>');
  });

  it('stays valid with hostile text', async () => {
    const hostile = 'nul\u0000 esc\u001b[31mred\u001b[0m bel\u0007 lone\uD800 low\uDC00 nonchar\uFFFE ]]> <script>alert("x")</script> & \'q\' "dq"';
    const checks = [
      makeCheck('h1', 'fail', {
        title: hostile,
        reason: `${hostile}\nsecond line`,
        exitCode: 2,
        assertions: [{ expr: 'x', ok: false, message: hostile }],
        notes: [hostile],
      }),
      makeCheck('h2', 'blocked', { reason: hostile }),
      makeCheck('h3', 'error', { reason: hostile, signal: 'SIGKILL' }),
      makeCheck('h4', 'waived', { reason: hostile, waiver: { reason: hostile, expires: '2099-01-01' } }),
    ];
    const report = makeReport(checks, { gate: { id: 'm28', file: 'g', sha256: '0' }, runId: hostile });
    const outputs: CheckOutputs = new Map(checks.map((c) => [c.id, { stdoutTail: hostile, stderrTail: `${hostile}\r\n😀` }]));
    const xml = renderJunit(report, outputs);
    await expectValid(xml);
    expect(xml).not.toMatch(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE]/);
    expect(xml).not.toContain(']]>');
    expect(xml).not.toContain('<script>');
    expect(xml).toContain(']]&gt; &lt;script&gt;alert(');
    expect(xml).toContain('nul\uFFFD esc');
    expect(xml).toContain('esc' + 'red bel\uFFFD'); // colour codes dropped whole
    expect(xml).toContain('lone\uFFFD low\uFFFD nonchar\uFFFD');
    expect(xml).toContain('😀'); // a valid surrogate pair survives
    expect(xml).toContain('&amp; \'q\' "dq"'); // text: quotes need no escaping
    expect(xml).toMatch(/message="[^"]*&quot;dq&quot; second line"/); // attributes: one line
  });

  it('renders an empty run as a valid, empty suite', async () => {
    const xml = renderJunit(makeReport([], { verdict: 'pass', decision: 'GO', exitCode: 0 }));
    await expectValid(xml);
    expect(xml).toContain('tests="0" failures="0" errors="0" skipped="0"');
  });
});

describe('the markup of junit.xml', () => {
  const hostile = 'nul\u0000 ]]> <script>alert("x")</script> & \'q\' "dq" &amp; &#0;';
  const advisory = makeCheck('advisory', 'fail', { required: false, reason: hostile });
  const full = makeReport([...allStatuses(), advisory, makeCheck('h', 'error', { title: hostile, reason: hostile, notes: [hostile] })], {
    partial: true,
    injected: [{ checkId: 'fail', mode: 'exit' }],
  });
  const outputs: CheckOutputs = new Map(full.checks.map((c) => [c.id, { stdoutTail: hostile, stderrTail: hostile }]));
  const renders = [renderJunit(full, outputs), renderJunit(full), renderJunit(makeReport([]))];

  /** What xmllint says of the document's well-formedness. */
  const xmllint = async (xml: string) => (await validateXML({ xml: [{ fileName: 'junit.xml', contents: xml }], normalization: 'format' })).valid;

  it('is every name, reference and property name in JUNIT_MARKUP (the words a secret must not be)', () => {
    const written = new Set<string>();
    for (const xml of renders) {
      for (const [, name] of xml.matchAll(/<\/?\??([\w.-]+)/g)) written.add(name!);
      for (const [, name] of xml.matchAll(/\s([\w.-]+)="/g)) written.add(name!);
      for (const [, name] of xml.matchAll(/&(\w+);/g)) written.add(name!);
      for (const [, name] of xml.matchAll(/<property name="([^"]+)"/g)) written.add(name!);
      for (const [, value] of xml.matchAll(/<\?xml version="([^"]+)" encoding="([^"]+)"/g)) written.add(value!);
    }
    expect(written.size).toBeGreaterThan(25);
    expect([...written].filter((w) => !(JUNIT_MARKUP as readonly string[]).includes(w))).toEqual([]);
  });

  it('is well-formed as gate writes it, hostile text and all', async () => {
    for (const xml of renders) {
      expect(xmlWellFormed(xml)).toBe(true);
      expect(await xmllint(xml)).toBe(true);
    }
  });

  it('is no longer well-formed where masking took a name or a reference, as xmllint says too', async () => {
    const xml = renders[0]!;
    for (const name of ['testcase', 'failure', 'system-out', 'classname', 'message', 'amp', 'xml', 'version', 'properties']) {
      const masked = createRedactor([name])(xml);
      expect(xmlWellFormed(masked), name).toBe(false);
      expect(await xmllint(masked), name).toBe(false);
    }
  });

  it('tells what is not well-formed, as xmllint does', async () => {
    const cases = [
      ['<a><b/></a>', true],
      ['<?xml version="1.0"?>\n<a x="1" y=\'2\'/>', true],
      ['<a x="&lt;&#x41;&#65;">t &amp; t</a>', true],
      ['<a></b>', false],
      ['<a><b></a></b>', false],
      ['<a/><b/>', false],
      ['text<a/>', false],
      ['<a>x & y</a>', false],
      ['<a x="&nope;"/>', false],
      ['<a x=1/>', false],
      ['<a x="1"x="2"/>', false],
      ['<[REDACTED] x="1"/>', false],
      ['<a [REDACTED]="1"/>', false],
      ['<a>', false],
      ['', false],
    ] as const;
    for (const [xml, whole] of cases) {
      expect(xmlWellFormed(xml), xml).toBe(whole);
      expect(await xmllint(xml), xml).toBe(whole);
    }
  });
});
