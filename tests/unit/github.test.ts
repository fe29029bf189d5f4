import { describe, expect, it } from 'vitest';
import {
  ANNOTATIONS_PER_KIND,
  escapeData,
  escapeProperty,
  renderGithub,
  STEP_SUMMARY_LIMIT,
  stepSummary,
  waiverEnd,
} from '../../src/report/github.js';
import type { WaiverReport } from '../../src/model/types.js';
import { makeCheck, makeReport } from './report-fixture.js';

const lines = (text: string) => text.split('\n').filter(Boolean);
const kind = (text: string, k: string) => lines(text).filter((l) => l.startsWith(`::${k} `));

describe('escaping, as the runner unescapes', () => {
  it('data: %, CR and LF', () => {
    expect(escapeData('100% done\r\nnext: a, b')).toBe('100%25 done%0D%0Anext: a, b');
  });
  it('properties: also : and ,', () => {
    expect(escapeProperty('m28: M28-3, retry 50%\n')).toBe('m28%3A M28-3%2C retry 50%25%0A');
  });
  it('% first, so an escape in the text survives the round trip', () => {
    expect(escapeData('%0A')).toBe('%250A');
  });
});

describe('annotations', () => {
  it('an ::error per failing required check, with its reason, first failed assertion and output path', () => {
    const check = makeCheck('M28-3', 'fail', {
      reason: 'exit code 1, expected 0',
      assertions: [{ expr: 'go_no_go == "go"', ok: false, message: 'go_no_go == "go": found "no_go"' }],
      stdout: { file: 'checks/M28-3.stdout.txt', bytes: 5, sha256: 'x', originalBytes: 5, truncated: false },
    });
    const out = renderGithub([{ report: makeReport([makeCheck('M28-1', 'pass'), check]), reportDirShown: 'reports/m28_closeout' }]);
    const errors = kind(out, 'error');
    expect(errors).toEqual([
      '::error title=gate m28%3A NO-GO::Milestone 28: NO-GO: 2 checks, 0 required not passing; report: reports/m28_closeout/closeout.md',
      '::error title=m28%3A M28-3::fail: exit code 1, expected 0%0Ago_no_go == "go": found "no_go"%0Aoutput: reports/m28_closeout/checks/M28-3.stdout.txt%0Areport: reports/m28_closeout/closeout.md',
    ]);
    expect(out.endsWith('\n')).toBe(true);
  });

  it('blocked, error and timeout are errors too; waived, skipped, not-run are not', () => {
    const checks = (['blocked', 'error', 'timeout', 'waived', 'skipped', 'not-run', 'pass', 'flaky'] as const).map((s) => makeCheck(s, s));
    const out = renderGithub([{ report: makeReport(checks), reportDirShown: 'r' }]);
    expect(kind(out, 'error').map((l) => /title=m28%3A (\S+)::/.exec(l)?.[1]).filter(Boolean)).toEqual(['blocked', 'error', 'timeout']);
  });

  it('a ::warning for advisory failures, a ::notice for a GO', () => {
    const advisory = makeCheck('lint', 'fail', { required: false, reason: 'exit code 2, expected 0' });
    const out = renderGithub([{ report: makeReport([makeCheck('a', 'pass'), advisory], { decision: 'GO', verdict: 'pass' }), reportDirShown: 'r' }]);
    expect(kind(out, 'error')).toEqual([]);
    expect(kind(out, 'warning')).toEqual(['::warning title=m28%3A lint::fail (advisory): exit code 2, expected 0%0Areport: r/closeout.md']);
    expect(kind(out, 'notice')).toEqual(['::notice title=gate m28%3A GO::Milestone 28: GO: 2 checks, 0 required not passing; report: r/closeout.md']);
  });

  it('warns of waivers that have expired or expire within 7 days, not of later ones', () => {
    const waiver = (check: string, expires: string, state: WaiverReport['state']): WaiverReport => ({ check, reason: `why ${check}`, owner: 'ops', expires, state });
    const report = makeReport([makeCheck('a', 'pass')], {
      finishedAt: '2024-05-01T10:00:00.000Z',
      waivers: [
        waiver('old', '2024-04-30', 'expired'),
        waiver('soon', '2024-05-03', 'applied'),
        waiver('edge', '2024-05-07', 'unused'),
        waiver('later', '2024-05-09', 'applied'),
        waiver('instant', '2024-05-01T12:00:00Z', 'applied'),
      ],
    });
    const warnings = kind(renderGithub([{ report, reportDirShown: 'r' }]), 'warning');
    expect(warnings).toEqual([
      '::warning title=m28%3A old::waiver expired (2024-04-30) and covers nothing: why old (owner: ops)',
      '::warning title=m28%3A soon::waiver expires 2024-05-03 (within 3 days): why soon (owner: ops)',
      '::warning title=m28%3A edge::waiver expires 2024-05-07 (within 7 days): why edge (owner: ops)',
      '::warning title=m28%3A instant::waiver expires 2024-05-01T12:00:00Z (within 1 day): why instant (owner: ops)',
    ]);
  });

  it('a date waiver ends at the end of its day, UTC', () => {
    expect(new Date(waiverEnd('2024-05-03')).toISOString()).toBe('2024-05-04T00:00:00.000Z');
    expect(new Date(waiverEnd('2024-05-03T10:00:00+02:00')).toISOString()).toBe('2024-05-03T08:00:00.000Z');
  });

  it('caps each kind at 10 lines over the whole run; the last says how many more and where the report is', () => {
    const failing = Array.from({ length: 25 }, (_, i) => makeCheck(`c${i}`, 'fail'));
    const advisory = Array.from({ length: 12 }, (_, i) => makeCheck(`w${i}`, 'error', { required: false }));
    const out = renderGithub([
      { report: makeReport([...failing, ...advisory]), reportDirShown: 'reports/a' },
      { report: makeReport([makeCheck('x', 'fail')], { gate: { id: 'm29', file: 'gates/m29.json', sha256: 'b' } }), reportDirShown: 'reports/b' },
    ]);
    const errors = kind(out, 'error');
    expect(errors).toHaveLength(ANNOTATIONS_PER_KIND);
    // Verdicts come first, so a NO-GO is always shown.
    expect(errors[0]).toContain('title=gate m28%3A NO-GO');
    expect(errors[1]).toContain('title=gate m29%3A NO-GO');
    // 2 verdicts + 26 checks = 28; 9 shown, 19 counted.
    expect(errors[9]).toBe('::error title=gate::19 more errors not shown here (GitHub shows 10 per step); see reports/a/closeout.md, reports/b/closeout.md');
    const warnings = kind(out, 'warning');
    expect(warnings).toHaveLength(ANNOTATIONS_PER_KIND);
    expect(warnings[9]).toContain('3 more warnings not shown here');
  });

  it('a check cannot break out of its annotation: newlines escaped, `##[` broken, the line stays one command', () => {
    const check = makeCheck('a', 'fail', { reason: 'boom\n::add-mask::x\r##[set-output name=x]y' });
    const out = renderGithub([{ report: makeReport([check]), reportDirShown: 'r' }]);
    for (const line of lines(out)) expect(line).toMatch(/^::(error|warning|notice) title=[^:]*::/);
    expect(out).not.toContain('##[');
    expect(kind(out, 'error')[1]).toContain('boom%0A::add-mask::x%0D#\u2423#[set-output');
  });

  it('cuts a very long message', () => {
    const check = makeCheck('a', 'fail', { reason: 'x'.repeat(10_000) });
    const line = kind(renderGithub([{ report: makeReport([check]), reportDirShown: 'r' }]), 'error')[1]!;
    expect(line.length).toBeLessThan(4100);
    expect(line.endsWith('…')).toBe(true);
  });

  it('cuts a long message between characters, never inside one', () => {
    const check = makeCheck('a', 'fail', { reason: `${'x'.repeat(3990)}${'😀'.repeat(20)}` });
    const line = kind(renderGithub([{ report: makeReport([check]), reportDirShown: 'r' }]), 'error')[1]!;
    expect(line.endsWith('…')).toBe(true);
    expect(line).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
  });
});

describe('step summary', () => {
  it('appends the whole report when it fits', () => {
    expect(stepSummary('# GO\n\nall good\n', 1000, 'r/closeout.md')).toBe('# GO\n\nall good\n');
    expect(stepSummary('# GO', 1000, 'r/closeout.md')).toBe('# GO\n');
  });

  it('cuts at a line, within the room, and says where the full report is', () => {
    const md = Array.from({ length: 1000 }, (_, i) => `line ${i} ${'é'.repeat(50)}`).join('\n');
    const out = stepSummary(md, 5000, 'reports/m28_closeout/closeout.md');
    expect(Buffer.byteLength(out)).toBeLessThanOrEqual(5000);
    expect(out).toMatch(/^line 0 /);
    expect(out).toContain('the full report is `reports/m28_closeout/closeout.md`');
    for (const l of out.split('\n')) if (l.startsWith('line ')) expect(l).toMatch(/^line \d+ (é){50}$/);
  });

  it('closes a code block left open by the cut', () => {
    const md = ['# NO-GO', '', 'stdout (tail):', '', '````text', ...Array.from({ length: 200 }, (_, i) => `out ${i}`), '````', '', 'after'].join('\n');
    const out = stepSummary(md, 600, 'r/closeout.md');
    expect(Buffer.byteLength(out)).toBeLessThanOrEqual(600);
    const fences = out.split('\n').filter((l) => l.startsWith('````'));
    expect(fences).toEqual(['````text', '````']);
    expect(out.indexOf('Cut short')).toBeGreaterThan(out.lastIndexOf('````'));
  });

  it('keeps a whole 3 MiB report under the 1 MiB limit', () => {
    const md = `# NO-GO\n\n${'| a | b |\n'.repeat(350_000)}`;
    const out = stepSummary(md, STEP_SUMMARY_LIMIT - 1, 'r/closeout.md');
    expect(Buffer.byteLength(out)).toBeLessThan(STEP_SUMMARY_LIMIT);
    expect(Buffer.byteLength(out)).toBeGreaterThan(STEP_SUMMARY_LIMIT - 200);
  });

  it('is empty when not even the note fits', () => {
    expect(stepSummary('# GO\n'.repeat(100), 20, 'r/closeout.md')).toBe('');
  });
});
