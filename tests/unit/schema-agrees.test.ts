import fs from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadGate } from '../../src/load/load-gate.js';
import { EXPIRES_PATTERN } from '../../src/load/schema.js';
import { parseExpires } from '../../src/load/semantic.js';
import { tempProject, writeGate } from './load-fixture.js';

const REPO = path.resolve(import.meta.dirname, '..', '..');
// strictTuples off: `run` as an argv array is an open tuple (the program, then its arguments), which that lint refuses.
const validate = new Ajv2020({ strict: true, strictTuples: false, allErrors: true }).compile(JSON.parse(fs.readFileSync(path.join(REPO, 'gate.schema.json'), 'utf8')) as object);

const check = (extra: Record<string, unknown> = {}) => ({ id: 'a', run: ['true'], output: 'text', ...extra });
const gateWith = (extra: Record<string, unknown> = {}, checkExtra: Record<string, unknown> = {}) => ({ checks: [check(checkExtra)], ...extra });
const waiver = (expires: string) => ({ waivers: [{ check: 'a', reason: 'r', expires }] });
const NUL_MESSAGE = 'value contains a NUL character, which cannot be passed to a process';
const reserved = (name: string) => `${name}: GATE_* variables are set by gate and cannot be overridden`;
const badDate = (found: string) => `expires must be a date YYYY-MM-DD or an ISO date-time with offset, found "${found}"`;

/**
 * Rules of one field that `gate validate` has always reported in its own words (src/load/semantic.ts):
 * gate.schema.json states them too, so an editor refuses what `gate validate` refuses, and
 * `gate validate` still says each once, in the same words, at the same place.
 */
const CASES: { name: string; gate: Record<string, unknown>; jsonPath: string; message: string }[] = [
  { name: 'an empty program (run[0])', gate: gateWith({}, { run: [''] }), jsonPath: 'checks[0].run[0]', message: 'run[0], the program to run, must not be empty, found ""' },
  { name: 'an empty program before arguments', gate: gateWith({}, { run: ['', 'x'] }), jsonPath: 'checks[0].run[0]', message: 'run[0], the program to run, must not be empty, found ""' },
  { name: 'a program with a space before it', gate: gateWith({}, { run: [' node', 'x'] }), jsonPath: 'checks[0].run[0]', message: 'run[0], the program to run, begins with white space: " node"' },
  { name: 'a program with a line end after it', gate: gateWith({}, { run: ['node\n'] }), jsonPath: 'checks[0].run[0]', message: 'run[0], the program to run, ends with white space: "node\\n"' },
  { name: 'a GATE_* name in the gate env', gate: gateWith({ env: { GATE_RUN_ID: 'x' } }), jsonPath: 'env.GATE_RUN_ID', message: reserved('GATE_RUN_ID') },
  { name: "a GATE_* name in a check's env", gate: gateWith({}, { env: { GATE_WORK_DIR: 'x' } }), jsonPath: 'checks[0].env.GATE_WORK_DIR', message: reserved('GATE_WORK_DIR') },
  { name: 'a GATE_* name in injectFail.env', gate: gateWith({}, { injectFail: { env: { GATE_X: '1' } } }), jsonPath: 'checks[0].injectFail.env.GATE_X', message: reserved('GATE_X') },
  { name: 'a NUL in the program', gate: gateWith({}, { run: ['tr\u0000ue'] }), jsonPath: 'checks[0].run[0]', message: NUL_MESSAGE },
  { name: 'a NUL in an argument', gate: gateWith({}, { run: ['true', 'a\u0000'] }), jsonPath: 'checks[0].run[1]', message: NUL_MESSAGE },
  { name: 'a NUL in a command line', gate: gateWith({}, { run: 'true\u0000', shell: true }), jsonPath: 'checks[0].run', message: NUL_MESSAGE },
  { name: 'a NUL in injectFail.args', gate: gateWith({}, { injectFail: { args: ['\u0000'] } }), jsonPath: 'checks[0].injectFail.args[0]', message: NUL_MESSAGE },
  { name: 'a NUL in a value of the gate env', gate: gateWith({ env: { A: '\u0000' } }), jsonPath: 'env.A', message: NUL_MESSAGE },
  { name: "a NUL in a value of a check's env", gate: gateWith({}, { env: { A: 'x\u0000' } }), jsonPath: 'checks[0].env.A', message: NUL_MESSAGE },
  { name: 'a NUL in a value of injectFail.env', gate: gateWith({}, { injectFail: { env: { A: '\u0000' } } }), jsonPath: 'checks[0].injectFail.env.A', message: NUL_MESSAGE },
  { name: 'a NUL in envFile.path', gate: gateWith({ envFile: { path: 'a\u0000.env', values: {} } }), jsonPath: 'envFile.path', message: 'envFile.path contains a NUL character' },
  { name: 'a date-time without an offset', gate: gateWith(waiver('2026-12-31T18:00:00')), jsonPath: 'waivers[0].expires', message: badDate('2026-12-31T18:00:00') },
  { name: 'an impossible date', gate: gateWith(waiver('2026-02-30')), jsonPath: 'waivers[0].expires', message: badDate('2026-02-30') },
  { name: 'February 29th of a year that is not a leap year', gate: gateWith(waiver('2100-02-29')), jsonPath: 'waivers[0].expires', message: badDate('2100-02-29') },
  { name: 'a date without its dashes', gate: gateWith(waiver('20261231')), jsonPath: 'waivers[0].expires', message: badDate('20261231') },
  { name: 'an hour past 23', gate: gateWith(waiver('2026-12-31T24:00Z')), jsonPath: 'waivers[0].expires', message: badDate('2026-12-31T24:00Z') },
];

describe('gate.schema.json refuses what gate validate refuses, field by field', () => {
  it('accepts the same gate without the problem', async () => {
    expect(validate(gateWith({ env: { APP: 'x' }, envFile: { path: 'a.env', values: { GATE_OK: '1' } }, ...waiver('2028-02-29T23:59:59.5+05:30') }, { run: ['true', ''], env: { B: '' } })), JSON.stringify(validate.errors)).toBe(true);
  });

  for (const c of CASES) {
    it(`${c.name}: refused by the schema; gate validate says it once, as before`, async () => {
      expect(validate(c.gate), 'the schema should refuse it').toBe(false);
      const root = tempProject();
      writeGate(root, 'g', c.gate);
      const r = await loadGate('gates/g.json', { cwd: root });
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.diagnostics.map((d) => [d.jsonPath, d.message])).toEqual([[c.jsonPath, c.message]]);
    });
  }

  it('a program that is only white space is said to be empty of a name, with a hint that names one, not the empty string', async () => {
    const root = tempProject();
    writeGate(root, 'g', gateWith({}, { run: ['  ', 'x'] }));
    const r = await loadGate('gates/g.json', { cwd: root });
    expect(r.ok ? [] : r.diagnostics.map((d) => [d.jsonPath, d.message, d.hint])).toEqual([
      ['checks[0].run[0]', 'run[0], the program to run, is only white space: "  "', 'name the program first, e.g. ["node", "check.mjs"]'],
    ]);
    expect(validate(gateWith({}, { run: ['  ', 'x'] }))).toBe(false);
  });

  it('an empty argv array is still said to be empty', async () => {
    const root = tempProject();
    writeGate(root, 'g', gateWith({}, { run: [] }));
    const r = await loadGate('gates/g.json', { cwd: root });
    expect(r.ok ? [] : r.diagnostics.map((d) => [d.jsonPath, d.message])).toEqual([['checks[0].run', 'run must not be empty, found an empty array']]);
    expect(validate(gateWith({}, { run: [] }))).toBe(false);
  });

  it('an env name that is no name at all and GATE_* too keeps both of its messages', async () => {
    const root = tempProject();
    writeGate(root, 'g', gateWith({ env: { 'GATE_A-B': 'x' } }));
    const r = await loadGate('gates/g.json', { cwd: root });
    expect(r.ok ? [] : r.diagnostics.map((d) => d.code).sort()).toEqual(['invalid-env-name', 'reserved-env-name']);
  });

  it("expires: the schema's pattern and gate validate's parser agree", () => {
    const two = (max: number) => fc.integer({ min: 0, max }).map((n) => String(n).padStart(2, '0'));
    const year = fc.oneof(fc.integer({ min: 0, max: 9999 }), fc.constantFrom(0, 4, 96, 99, 100, 400, 1900, 2000, 2024, 2100, 2400)).map((n) => String(n).padStart(4, '0'));
    const time = fc.option(
      fc.tuple(two(25), two(61), fc.option(fc.tuple(two(61), fc.option(fc.integer({ min: 1, max: 10 }).map((n) => '1'.repeat(n))))), fc.constantFrom('Z', '', '+', '-'), two(25), two(61)).map(
        ([h, m, s, z, oh, om]) => `T${h}:${m}${s ? `:${s[0]}${s[1] ? `.${s[1]}` : ''}` : ''}${z === 'Z' || z === '' ? z : `${z}${oh}:${om}`}`,
      ),
    );
    const text = fc.oneof(fc.tuple(year, two(13), two(32), time).map(([y, m, d, t]) => `${y}-${m}-${d}${t ?? ''}`), fc.string());
    fc.assert(
      fc.property(text, (s) => {
        expect(EXPIRES_PATTERN.test(s), s).toBe(parseExpires(s) !== undefined);
      }),
      { numRuns: 20000 },
    );
    // Every day of a leap year and of a common year, and of the years JavaScript reads as 19xx.
    for (const y of ['2024', '2026', '2100', '2000', '0099', '0100']) {
      for (let m = 1; m <= 12; m++) {
        for (let d = 0; d <= 32; d++) {
          const s = `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
          expect(EXPIRES_PATTERN.test(s), s).toBe(parseExpires(s) !== undefined);
        }
      }
    }
  });
});
