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

describe('formatTimeout', () => {
  it('uses the largest unit that divides the time', () => {
    expect([300000, 30000, 1000, 1500, 1, 90000].map(formatTimeout)).toEqual(['5m', '30s', '1s', '1500ms', '1ms', '90s']);
  });
});
