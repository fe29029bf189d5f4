import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { formatPath, parseAssertion } from '../../src/assert/parse.js';
import { Columns } from '../../src/assert/columns.js';
import { evaluateAssertion } from '../../src/assert/evaluate.js';
import { MAX_EVIDENCE_BYTES, readJsonFile } from '../../src/judge/evidence.js';
import { needOf, projectJson } from '../../src/judge/projected-json.js';
import type { Assertion, PathSegment } from '../../src/model/types.js';

// ------------------------------------------------------------------ generated documents and assertions

/** Few keys, so paths find things and duplicates happen; some only differ in how they are written. */
const KEYS = ['a', 'b', 'ok', '0', '1', '__proto__', 'length', 'x y', 'é', 'toString', '\ufffd', `long-${'k'.repeat(140)}`];

/** A key as JSON text: plain, or every character as a \u escape (the same key to JSON.parse). */
const keyJson = fc
  .tuple(fc.constantFrom(...KEYS), fc.boolean())
  .map(([k, escaped]) => (escaped ? `"${[...k].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')}"` : JSON.stringify(k)));

const space = fc.constantFrom('', '', ' ', '\n', '\t ', '\r\n  ');

const scalarJson = fc.oneof(
  fc.constantFrom('true', 'false', 'null', '0', '-0', '1.5e3', '-12', '1E+2', '0.25', '2e-7', '123456789012345678901234567890', '"s"', '"\\u00e9\\n\\t\\"\\\\\\/"', '"é"', '""', '"\\ud800"'),
  fc.integer({ min: -5, max: 5 }).map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => JSON.stringify(d)),
  fc.string({ maxLength: 6, unit: 'binary' }).map((s) => JSON.stringify(s)),
);

const { json: documentJson } = fc.letrec<{ json: string; array: string; object: string }>((tie) => ({
  json: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalarJson, tie('array'), tie('object')),
  array: fc
    .tuple(fc.array(fc.tuple(space, tie('json'), space), { maxLength: 5 }), space)
    .map(([items, w]) => (items.length === 0 ? `[${w}]` : `[${items.map(([a, v, b]) => a + v + b).join(',')}]`)),
  object: fc
    .tuple(fc.array(fc.tuple(space, keyJson, space, space, tie('json'), space), { maxLength: 5 }), space)
    .map(([members, w]) => (members.length === 0 ? `{${w}}` : `{${members.map(([a, k, b, c, v, d]) => `${a}${k}${b}:${c}${v}${d}`).join(',')}}`)),
}));

const segment: fc.Arbitrary<PathSegment> = fc.oneof(
  fc.constantFrom(...KEYS).map((key) => ({ kind: 'key' as const, key })),
  fc.integer({ min: 0, max: 3 }).map((index) => ({ kind: 'index' as const, index })),
  fc.constant({ kind: 'wildcard' as const }),
);

const tails = ['exists', 'absent', '== 1', '!= null', '== true', '> 0', '<= "m"', 'in [0, 1, "s", true]', 'contains "a"', 'matches "^s"', '== []', '== {}'];
const functions = ['count(%) > 0', 'count(%) == 0', 'count(%) >= 2', 'sum(%) >= 0', 'min(%) < 1', 'max(%) > -1'];

const assertion: fc.Arbitrary<Assertion> = fc
  .tuple(fc.array(segment, { minLength: 1, maxLength: 4 }), fc.boolean(), fc.constantFrom(...tails), fc.constantFrom(...functions))
  .map(([segs, plain, tail, fn]) => {
    const p = formatPath(segs);
    const expr = plain ? `${p} ${tail}` : fn.replace('%', p);
    const r = parseAssertion(expr);
    if (!r.ok) throw new Error(`generated assertion ${expr} does not parse: ${r.message}`);
    return r.assertion;
  });

/** The bytes as gate reads them: one zero byte past the end, or none (the scan must stop either way). */
function project(text: string | Buffer, assertions: readonly Assertion[], sentinel: boolean) {
  const raw = typeof text === 'string' ? Buffer.from(text) : text;
  const bytes = sentinel ? Buffer.concat([raw, Buffer.from([0])]) : raw;
  return projectJson(bytes, raw.length, needOf(assertions));
}

/** What JSON.parse makes of the bytes, as gate decodes them (UTF-8, one BOM dropped). */
function parseWhole(raw: Buffer): { ok: true; value: unknown } | { ok: false } {
  const text = raw.toString('utf8');
  try {
    return { ok: true, value: JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text) as unknown };
  } catch {
    return { ok: false };
  }
}

// ------------------------------------------------------------------ the properties

describe('projected JSON: what the assertions see is what JSON.parse would give them', () => {
  it('every assertion has the same result and message on the projection as on the whole document', () => {
    fc.assert(
      fc.property(documentJson, fc.array(assertion, { minLength: 1, maxLength: 6 }), fc.boolean(), (text, assertions, sentinel) => {
        const whole = JSON.parse(text) as unknown;
        const projected = project(text, assertions, sentinel);
        expect(projected).toBeDefined();
        for (const a of assertions) expect(evaluateAssertion(a, projected!.value)).toEqual(evaluateAssertion(a, whole));
      }),
      { numRuns: 3000 },
    );
  });

  it('refuses exactly what JSON.parse refuses, byte by byte (mutated documents, invalid UTF-8 included)', () => {
    const mutation = fc.tuple(fc.nat(), fc.constantFrom('insert', 'delete', 'replace'), fc.constantFrom(...Buffer.from('{}[],:"\\0-.eE+tfnlu x\u0001\t\u00e9'), 0x80, 0xbf, 0xc3, 0xef, 0xff));
    fc.assert(
      fc.property(documentJson, fc.array(mutation, { minLength: 1, maxLength: 3 }), fc.array(assertion, { maxLength: 3 }), fc.boolean(), (text, mutations, assertions, sentinel) => {
        let bytes = [...Buffer.from(text)];
        for (const [at, how, byte] of mutations) {
          const i = bytes.length === 0 ? 0 : at % (bytes.length + (how === 'insert' ? 1 : 0));
          if (how === 'insert') bytes.splice(i, 0, byte);
          else if (bytes.length > 0) bytes.splice(i, 1, ...(how === 'replace' ? [byte] : []));
        }
        const raw = Buffer.from(bytes);
        const whole = parseWhole(raw);
        const projected = project(raw, assertions, sentinel);
        expect(projected !== undefined).toBe(whole.ok);
        if (projected && whole.ok) for (const a of assertions) expect(evaluateAssertion(a, projected.value)).toEqual(evaluateAssertion(a, whole.value));
      }),
      { numRuns: 4000 },
    );
  });

  it.each([
    ['empty', ''],
    ['only spaces', ' \n\t '],
    ['a BOM alone', '\ufeff'],
    ['two values', '{} {}'],
    ['a trailing comma', '[1,]'],
    ['a comma in an object', '{"a":1,}'],
    ['a leading zero', '01'],
    ['a bare minus', '-'],
    ['a dot without digits', '1.'],
    ['an exponent without digits', '1e+'],
    ['a raw tab in a string', '"a\tb"'],
    ['a short \\u escape', '"\\u12"'],
    ['an unknown escape', '"\\x41"'],
    ['an unclosed string', '{"a": "b'],
    ['an unclosed array', '[[1]'],
    ['a mismatched bracket', '{"a": [1}'],
    ['a single-quoted string', "{'a': 1}"],
    ['a word cut short', 'tru'],
    ['a non-breaking space', '\u00a01'],
    ['a key without a value', '{"a"}'],
    ['a number as a key', '{1: 2}'],
  ])('refuses %s, as JSON.parse does', (_what, text) => {
    expect(parseWhole(Buffer.from(text)).ok).toBe(false);
    expect(project(text, [], true)).toBeUndefined();
    expect(project(text, [], false)).toBeUndefined();
  });

  it('reads past a BOM and any depth of nesting (the scan keeps no call stack per level)', () => {
    const deep = `${'['.repeat(100_000)}1${']'.repeat(100_000)}`;
    expect(parseWhole(Buffer.from(deep)).ok).toBe(true);
    expect(project(deep, [], true)).toEqual({ value: [null] });
    const ok = parseAssertion('ok == true');
    if (!ok.ok) throw new Error(ok.message);
    expect(project(`\ufeff {"ok": true, "deep": ${deep}}`, [ok.assertion], true)).toEqual({ value: { ok: true } });
  });

  it('builds only what the assertions look at: the values at their paths, an array\'s length on the way', () => {
    const a = (expr: string) => {
      const r = parseAssertion(expr);
      if (!r.ok) throw new Error(r.message);
      return r.assertion;
    };
    const text = JSON.stringify({ ok: true, results: [{ id: 1, tags: ['x'] }, { id: 2 }], summary: { failed: 0, passed: 2 }, other: 'x' });
    expect(project(text, [a('ok == true'), a('count(results[*]) > 0')], true)!.value).toEqual({ ok: true, results: [null, null] });
    // An array read only at keys of its elements: one array of values per key (tests/unit/evaluate-wide.test.ts).
    expect(project(text, [a('results[*].id > 0'), a('summary.failed == 0')], true)!.value).toEqual({ results: new Columns(2, new Map([['id', [1, 2]]]), new Map()), summary: { failed: 0 } });
    expect(project(text, [a('count(summary[*]) == 2')], true)!.value).toEqual({ summary: { failed: null, passed: null } });
    expect(project(text, [a('results[1] exists')], true)!.value).toEqual({ results: [null, { id: 2 }] });
  });
});

describe('readJsonFile with what the assertions need', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'gate-projected-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const needs = needOf([parseAssertion('ok == true')].map((r) => (r.ok ? r.assertion : (undefined as never))));

  it('a document from the size limit up is read as the projection; a smaller one whole', async () => {
    const file = path.join(dir, 'doc.json');
    writeFileSync(file, JSON.stringify({ ok: true, results: [1, 2, 3] }));
    expect(await readJsonFile(file, MAX_EVIDENCE_BYTES, needs, 0)).toMatchObject({ ok: true, value: { ok: true } });
    expect(await readJsonFile(file, MAX_EVIDENCE_BYTES, needs, 1024)).toMatchObject({ ok: true, value: { ok: true, results: [1, 2, 3] } });
  });

  it('reads no further than `end`, the size the file had when the check exited, whole or projected', async () => {
    const file = path.join(dir, 'grown.json');
    const doc = JSON.stringify({ ok: true, results: [1, 2, 3] });
    writeFileSync(file, `${doc}\nlate write on TERM\n`);
    expect(await readJsonFile(file, MAX_EVIDENCE_BYTES, undefined, undefined, doc.length)).toEqual({ ok: true, value: { ok: true, results: [1, 2, 3] }, bytes: doc.length });
    expect(await readJsonFile(file, MAX_EVIDENCE_BYTES, needs, 0, doc.length)).toEqual({ ok: true, value: { ok: true }, bytes: doc.length });
    expect(await readJsonFile(file, MAX_EVIDENCE_BYTES, needs, 0, 0)).toMatchObject({ ok: false, code: 'no-json-output' });
    // An `end` past the file's size: all of it.
    expect(await readJsonFile(file, MAX_EVIDENCE_BYTES, needs, 1024, 1 << 20)).toMatchObject({ ok: false, code: 'invalid-json' });
  });

  it.each([
    ['invalid JSON', '{"ok": tru}'],
    ['empty output', '   \n'],
    ['text', 'all good\n'],
  ])('%s gets the verdict and message of the whole read', async (_what, text) => {
    const file = path.join(dir, 'bad.json');
    writeFileSync(file, text);
    const whole = await readJsonFile(file);
    expect(whole.ok).toBe(false);
    expect(await readJsonFile(file, MAX_EVIDENCE_BYTES, needs, 0)).toEqual(whole);
  });
});
