import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import { formatTimeout, listChecks, renderCheckTable } from '../../src/report/check-table.js';
import { makeCheck, makeGate } from './gate-fixture.js';

const gate = () =>
  makeGate(
    [
      makeCheck('M28-1', { title: 'Runtime profiles', priority: 'P0', timeoutMs: 30000 }),
      makeCheck('M28-2', { title: 'Hooks\twith\ncontrol characters', dependsOn: ['M28-1'], required: false, retries: 2, timeoutMs: 1500 }),
      makeCheck('M28-3', { title: 'x'.repeat(80), dependsOn: ['M28-1', 'M28-2'] }),
    ],
    { id: 'm28', title: 'M28 closeout' },
  );

describe('listChecks', () => {
  it('gives every check with the same keys, null for what the gate file left out', () => {
    const listing = listChecks(gate());
    expect(listing).toMatchObject({ id: 'm28', title: 'M28 closeout', file: 'gates/g.json' });
    expect(listing.checks[0]).toEqual({ id: 'M28-1', title: 'Runtime profiles', priority: 'P0', required: true, dependsOn: [], timeoutMs: 30000, retries: 0 });
    expect(listing.checks[1]).toMatchObject({ priority: null, required: false, dependsOn: ['M28-1'], timeoutMs: 1500, retries: 2 });
    expect(listing.checks[2]?.title).toBe('x'.repeat(80));
  });
});

describe('renderCheckTable', () => {
  it('aligns the columns, one line a check, titles flattened and cut', () => {
    const lines = renderCheckTable(listChecks(gate())).trimEnd().split('\n');
    expect(lines[0]).toBe('m28 — M28 closeout (gates/g.json, 3 checks)');
    expect(lines[1]).toMatch(/^ID {5}TITLE {2,}PRIORITY {2}REQUIRED {2}DEPENDS ON {2,}TIMEOUT {2}RETRIES$/);
    expect(lines).toHaveLength(5);
    const columnsOf = (line: string) => line.split(/ {2,}/);
    expect(columnsOf(lines[2] ?? '')).toEqual(['M28-1', 'Runtime profiles', 'P0', 'yes', '-', '30s', '0']);
    expect(columnsOf(lines[3] ?? '')).toEqual(['M28-2', 'Hooks with control characters', '-', 'no', 'M28-1', '1500ms', '2']);
    expect(columnsOf(lines[4] ?? '')).toEqual(['M28-3', `${'x'.repeat(59)}…`, '-', 'yes', 'M28-1,M28-2', '5m', '0']);
    // Every column starts at the same place on every line.
    const header = lines[1] ?? '';
    for (const line of lines.slice(2)) expect(line.indexOf('yes') === -1 ? line.indexOf('no ') : line.indexOf('yes')).toBe(header.indexOf('REQUIRED'));
  });
});

describe('renderCheckTable with a check that depends on hundreds', () => {
  it('names as many dependencies as fit in 60 columns, whole ids, then how many more; the other rows stay narrow', () => {
    const ids = Array.from({ length: 300 }, (_, i) => `check-${String(i).padStart(3, '0')}`);
    const listing = listChecks(makeGate([...ids.map((id) => makeCheck(id)), makeCheck('all', { dependsOn: ids })]));
    const lines = renderCheckTable(listing).trimEnd().split('\n');
    const deps = lines.at(-1)?.split(/ {2,}/)[4] ?? '';
    expect(deps).toBe(`${ids.slice(0, 5).join(',')} +295 more`);
    expect(stringWidth(deps)).toBeLessThanOrEqual(60);
    // No row is padded to the width of the long list.
    for (const line of lines.slice(1)) expect(stringWidth(line)).toBeLessThan(120);
    // --json keeps every one.
    expect(listing.checks.at(-1)?.dependsOn).toHaveLength(300);
  });

  it('keeps a list that fits whole', () => {
    const ids = ['a', 'b', 'c'];
    const lines = renderCheckTable(listChecks(makeGate([...ids.map((id) => makeCheck(id)), makeCheck('d', { dependsOn: ids })]))).trimEnd().split('\n');
    expect(lines.at(-1)?.split(/ {2,}/)[4]).toBe('a,b,c');
  });
});

describe('renderCheckTable with wide and combining characters', () => {
  it('lines every column up with the header on a terminal (display columns, not code points)', () => {
    const listing = listChecks(
      makeGate(
        [
          makeCheck('b', { title: '日本語'.repeat(30) }),
          makeCheck('c', { title: 'e\u0301'.repeat(40) }),
          makeCheck('d', { title: '😀 done', priority: 'P1' }),
          makeCheck('e', { title: 'plain' }),
        ],
        { id: 'w' },
      ),
    );
    const lines = renderCheckTable(listing).trimEnd().split('\n').slice(1);
    expect(lines).toHaveLength(5);
    /** Where each column starts, in display columns. */
    const starts = (line: string): number[] => {
      const out: number[] = [];
      let from = 0;
      for (const part of line.split(/ {2,}/)) {
        const at = line.indexOf(part, from);
        out.push(stringWidth(line.slice(0, at)));
        from = at + part.length;
      }
      return out;
    };
    const header = starts(lines[0] ?? '');
    expect(header).toHaveLength(7);
    for (const line of lines.slice(1)) expect(starts(line)).toEqual(header);
    // The wide title is cut to fit 60 columns: 29 ideographs (58) and the ellipsis.
    expect(lines[1]?.split(/ {2,}/)[1]).toBe(`${'日本語'.repeat(10).slice(0, 29)}…`);
    // Forty e + U+0301 are forty columns: shown whole.
    expect(lines[2]?.split(/ {2,}/)[1]).toBe('e\u0301'.repeat(40));
  });

  it('never cuts a title inside a grapheme', () => {
    const listing = listChecks(makeGate([makeCheck('a', { title: `${'x'.repeat(58)}e\u0301\u0302tail` })], { id: 'g' }));
    const title = renderCheckTable(listing).split('\n')[2]?.split(/ {2,}/)[1];
    expect(title).toBe(`${'x'.repeat(58)}e\u0301\u0302…`);
  });
});

describe('formatTimeout', () => {
  it('uses the largest unit that divides the time', () => {
    expect([300000, 30000, 1000, 1500, 1, 90000].map(formatTimeout)).toEqual(['5m', '30s', '1s', '1500ms', '1ms', '90s']);
  });
});
