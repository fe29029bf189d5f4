/**
 * Wildcards over many elements: evaluated as they are walked, with a location built only for
 * what a message names (large evidence has millions of elements), and the same messages.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { parseAssertion } from '../../src/assert/parse.js';
import { evaluateAssertion } from '../../src/assert/evaluate.js';
import * as location from '../../src/assert/location.js';
import { Columns } from '../../src/assert/columns.js';
import { needOf, projectJson } from '../../src/judge/projected-json.js';

vi.mock('../../src/assert/location.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/assert/location.js')>();
  return { ...real, locationOf: vi.fn(real.locationOf) };
});
const locationOf = vi.mocked(location.locationOf);

const N = 100_000;
const assertion = (expr: string) => {
  const r = parseAssertion(expr);
  if (!r.ok) throw new Error(r.message);
  return r.assertion;
};
/** What a pass shows of N values: their array, cut to the 120-character budget. */
const shown = (value: string) => `[${Array.from({ length: N }, () => value).join(',')}]`.slice(0, 119) + '…';
const evaluate = (expr: string, doc: unknown) => evaluateAssertion(assertion(expr), doc);
/** `{"a":[{"ok":true,"n":0},...]}` with N elements, projected for `expr` as gate projects large evidence. */
function projected(expr: string, change: (i: number) => string | undefined = () => undefined): unknown {
  const parts: string[] = [];
  for (let i = 0; i < N; i++) parts.push(change(i) ?? `{"ok":true,"n":${i}}`);
  const bytes = Buffer.from(`{"a":[${parts.join(',')}]}`);
  const r = projectJson(bytes, bytes.length, needOf([assertion(expr)]));
  if (r === undefined) throw new Error('not projected');
  return r.value;
}

beforeEach(() => {
  locationOf.mockClear();
});

describe('a wildcard over many elements builds no location per element', () => {
  it.each([
    ['a[*].ok == true', true, `a[*].ok == true: found ${shown('true')}`],
    ['a[*].ok exists', true, `a[*].ok exists: found ${shown('true')}`],
    ['a[*].x absent', true, `a[*].x absent: found nothing in any of ${N} matched elements`],
    ['sum(a[*].n) > 0', true, `sum(a[*].n) > 0: found ${(N * (N - 1)) / 2}`],
    ['max(a[*].n) == 99999', true, 'max(a[*].n) == 99999: found 99999'],
    ['count(a[*].ok) > 0', true, `count(a[*].ok) > 0: found ${N}`],
    ['count(a[*].x) == 0', true, 'count(a[*].x) == 0: found 0 (no "x" at a[0])'],
  ])('%s', (expr, ok, message) => {
    expect(evaluate(expr, projected(expr))).toEqual({ expr, ok, message });
    // At most the one location its message names, however many elements there are.
    expect(locationOf.mock.calls.length).toBeLessThanOrEqual(1);
  });
});

describe('a few failing elements among many: the messages name the first, as before', () => {
  const bad = (i: number) => (i === 61_234 ? '{"ok":false,"n":"x"}' : i === 80_000 ? '{"n":-1}' : undefined);
  it.each([
    ['a[*].ok == true', 'a[*].ok == true: found false at a[61234].ok'],
    ['a[*].ok != false', 'a[*].ok != false: found false at a[61234].ok'],
    ['a[*].ok exists', 'a[*].ok exists: found nothing (no "ok" at a[80000])'],
    ['a[*].ok absent', 'a[*].ok absent: found true at a[0].ok'],
    ['sum(a[*].n) > 0', 'sum(a[*].n) > 0: found "x" at a[61234].n, not a number'],
    ['min(a[*].ok) < 1', 'min(a[*].ok) < 1: found true at a[0].ok, not a number'],
  ])('%s', (expr, message) => {
    expect(evaluate(expr, projected(expr, bad))).toEqual({ expr, ok: false, message });
    expect(locationOf.mock.calls.length).toBe(1);
  });

  it('counts what is there, and says nothing of where when it is not 0', () => {
    expect(evaluate('count(a[*].ok) == 99999', projected('count(a[*].ok) == 99999', bad))).toEqual({ expr: 'count(a[*].ok) == 99999', ok: true, message: 'count(a[*].ok) == 99999: found 99999' });
  });

  it('the same messages on the whole document', () => {
    const doc = JSON.parse(`{"a":[${Array.from({ length: N }, (_, i) => bad(i) ?? `{"ok":true,"n":${i}}`).join(',')}]}`) as unknown;
    expect(evaluate('a[*].ok == true', doc).message).toBe('a[*].ok == true: found false at a[61234].ok');
    expect(evaluate('sum(a[*].n) > 0', doc).message).toBe('sum(a[*].n) > 0: found "x" at a[61234].n, not a number');
    expect(evaluate('a[*].ok exists', doc).message).toBe('a[*].ok exists: found nothing (no "ok" at a[80000])');
  });
});

describe('nothing is kept per element while a wildcard is walked', () => {
  // The last element is read through a getter, which notes how much the heap grew since the
  // walk began: by then every element before it has been visited. One object per element
  // (a branch, a location) for 1,000,000 elements is over 100 MB; the walk keeps none. The
  // bound leaves room for short-lived garbage not yet collected (the young generation's size).
  const M = 1_000_000;
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  it.each(['a[*].ok == true', 'a[*].ok exists', 'a[*].x absent', 'sum(a[*].n) >= 0', 'count(a[*].ok) > 0', 'count(a[*].x[*]) == 0'])('%s', (expr) => {
    const element = { ok: true, n: 1 };
    const a: unknown[] = new Array<unknown>(M).fill(element);
    let grown = NaN;
    let start = 0;
    Object.defineProperty(a, M - 1, {
      get: () => {
        grown = process.memoryUsage().heapUsed - start;
        return element;
      },
    });
    // What earlier tests left is collected first, so that it cannot be collected during the walk and hide what it keeps.
    gc();
    start = process.memoryUsage().heapUsed;
    const result = evaluate(expr, { a });
    expect(result.ok, result.message).toBe(true);
    expect(grown).toBeLessThan(32 * 1024 * 1024);
  });
});

describe('an array read only at keys of its elements is projected as one array of values per key', () => {
  it('holds no object per element, and reads as the array it stands for', () => {
    const expr = 'a[*].ok == true';
    const doc = projected(expr, (i) => (i === 7 ? '5' : i === 9 ? '{"n":1,"ok":false,"ok":true}' : i === 11 ? '{}' : undefined)) as { a: Columns };
    expect(doc.a).toBeInstanceOf(Columns);
    expect(doc.a.length).toBe(N);
    expect([...doc.a.byKey.keys()]).toEqual(['ok']);
    const ok = doc.a.byKey.get('ok') as unknown[];
    expect(ok).toHaveLength(N);
    expect([ok[0], ok[7], ok[9], ok[11], ok[N - 1]]).toEqual([true, undefined, true, undefined, true]);
    expect([...doc.a.others]).toEqual([[7, 5]]);
    expect(evaluate(expr, doc).message).toBe('a[*].ok == true: found nothing (no "ok" at a[7], which is a number)');
    expect(evaluate('a[*].ok exists', projected('a[*].ok exists', (i) => (i === 11 ? '{"n":1}' : undefined))).message).toBe('a[*].ok exists: found nothing (no "ok" at a[11])');
    expect(evaluate('count(a[*]) == 100000', projected('count(a[*]) == 100000'))).toMatchObject({ ok: true });
  });

  it.each(['count(a[*].ok) > 0', 'sum(a[*].n) > 0', 'a[*].ok exists', 'a[*].n.x absent'])('%s: columns too, whatever is read past the key', (expr) => {
    const doc = projected(expr) as { a: unknown };
    expect(doc.a).toBeInstanceOf(Columns);
    expect(evaluate(expr, doc)).toMatchObject({ ok: true });
  });
});
