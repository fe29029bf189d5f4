/**
 * The operator registry: for each operator, whether it takes a value, how that value is
 * checked when the gate loads, and how a found value is tested against it.
 */
import { createRequire } from 'node:module';
import type { RE2JS } from 're2js';
import type { AssertionFunction, AssertionOp } from '../model/types.js';

export interface ValueProblem {
  message: string;
  hint?: string;
}

export interface OperatorSpec {
  needsValue: boolean;
  /** Definition-time check of the expected value; `undefined` when it is fine. */
  checkValue(value: unknown): ValueProblem | undefined;
  /** Whether one found value satisfies the operator. `exists`/`absent` are decided by path resolution. */
  test(found: unknown, expected: unknown): boolean;
  /** Why a found value could not be tested at all (not why it failed the test), for the message. */
  untestable?(found: unknown, expected: unknown): string | undefined;
}

export const OPERATOR_NAMES: readonly AssertionOp[] = ['==', '!=', '<', '<=', '>', '>=', 'in', 'not in', 'contains', 'matches', 'exists', 'absent'];

const anyValue = (): undefined => undefined;

function orderValue(op: string) {
  return (value: unknown): ValueProblem | undefined =>
    typeof value === 'number' || typeof value === 'string'
      ? undefined
      : { message: `"${op}" needs a number or a string to compare with, found ${describeType(value)}`, hint: `e.g. latency_ms ${op} 200` };
}

function arrayValue(op: string) {
  return (value: unknown): ValueProblem | undefined =>
    Array.isArray(value) ? undefined : { message: `"${op}" needs an array of values, found ${describeType(value)}`, hint: `e.g. status ${op} ["ok", "skipped"]` };
}

/** Both numbers or both strings (code-unit order); anything else does not compare. */
function ordered(cmp: (a: number | string, b: number | string) => boolean) {
  return (found: unknown, expected: unknown): boolean =>
    (typeof found === 'number' && typeof expected === 'number') || (typeof found === 'string' && typeof expected === 'string')
      ? cmp(found, expected)
      : false;
}

/** A found value of another type than the expected number or string: it fails, and the message says why. */
function unordered(op: string) {
  return (found: unknown, expected: unknown): string | undefined =>
    typeof found === typeof expected ? undefined : `${describeType(found)}, and "${op}" orders two numbers or two strings`;
}

/**
 * A string found for a `contains` whose value is not a string: a substring is text, so it never holds
 * (the value could be an element of an array, so it is not refused when the gate loads); the message says why.
 */
function notText(found: unknown, expected: unknown): string | undefined {
  // Neither text nor a list (a number, true, an object): there is nothing to look in.
  if (typeof found !== 'string' && !Array.isArray(found)) return `${describeType(found)}, and "contains" looks in a string or an array`;
  if (typeof found !== 'string' || typeof expected === 'string') return undefined;
  const scalar = typeof expected === 'number' || typeof expected === 'boolean' || expected === null;
  return `${describeType(found)}, which holds text: ${describeType(expected)} is never in it${scalar ? `; quote ${JSON.stringify(expected)} to look for the text` : ''}`;
}

const isIn = (found: unknown, expected: unknown): boolean => Array.isArray(expected) && expected.some((e) => deepEqual(found, e));

export const OPERATORS: Record<AssertionOp, OperatorSpec> = {
  '==': { needsValue: true, checkValue: anyValue, test: (f, e) => deepEqual(f, e) },
  '!=': { needsValue: true, checkValue: anyValue, test: (f, e) => !deepEqual(f, e) },
  '<': { needsValue: true, checkValue: orderValue('<'), test: ordered((a, b) => a < b), untestable: unordered('<') },
  '<=': { needsValue: true, checkValue: orderValue('<='), test: ordered((a, b) => a <= b), untestable: unordered('<=') },
  '>': { needsValue: true, checkValue: orderValue('>'), test: ordered((a, b) => a > b), untestable: unordered('>') },
  '>=': { needsValue: true, checkValue: orderValue('>='), test: ordered((a, b) => a >= b), untestable: unordered('>=') },
  in: { needsValue: true, checkValue: arrayValue('in'), test: isIn },
  'not in': { needsValue: true, checkValue: arrayValue('not in'), test: (f, e) => Array.isArray(e) && !isIn(f, e) },
  contains: {
    needsValue: true,
    checkValue: anyValue,
    test: (f, e) => (typeof f === 'string' ? typeof e === 'string' && f.includes(e) : Array.isArray(f) && f.some((x) => deepEqual(x, e))),
    untestable: notText,
  },
  matches: {
    needsValue: true,
    checkValue: (value) => {
      if (typeof value !== 'string') {
        const hint = typeof value === 'number' || typeof value === 'boolean' ? `quote the pattern as a JSON string: "${String(value)}"` : 'e.g. version matches "^v[0-9]+" or /^ok$/i';
        return { message: `"matches" needs a regular expression as a string, found ${describeType(value)}`, hint };
      }
      const r = compileRegex(value);
      return r.ok ? undefined : { message: `invalid regular expression ${JSON.stringify(value)}: ${r.message}`, hint: 'patterns use RE2 syntax (no lookaround or backreferences); write /pattern/flags for flags i, m, s' };
    },
    test: (f, e) => {
      if (typeof f !== 'string' || typeof e !== 'string') return false;
      const r = compileRegex(e);
      try {
        return r.ok && r.re.test(f);
      } catch {
        return false;
      }
    },
  },
  exists: { needsValue: false, checkValue: anyValue, test: () => true },
  absent: { needsValue: false, checkValue: anyValue, test: () => false },
};

/** count/sum/min/max yield a number: only comparisons and (list) equality make sense. */
export function checkFunctionValue(fn: AssertionFunction, op: AssertionOp, value: unknown): ValueProblem | undefined {
  const allowed: AssertionOp[] = ['==', '!=', '<', '<=', '>', '>=', 'in', 'not in'];
  if (!allowed.includes(op)) return { message: `${fn}() yields a number; "${op}" does not apply to it`, hint: `use one of ${allowed.join(', ')}, e.g. ${fn}(items[*]) >= 1` };
  const values = Array.isArray(value) && (op === 'in' || op === 'not in') ? value : [value];
  for (const v of values) {
    if (typeof v !== 'number') return { message: `${fn}() yields a number; compare it with a number, not ${describeType(v)}`, hint: `e.g. ${fn}(items[*]) >= 1` };
    if (fn === 'count' && !Number.isInteger(v) && op !== '<' && op !== '<=' && op !== '>' && op !== '>=') {
      return { message: `count() yields a whole number, so it never equals ${v}`, hint: 'compare with a whole number' };
    }
  }
  return undefined;
}

// ------------------------------------------------------------------ regular expressions

let re2: typeof RE2JS | undefined;
/**
 * The RE2 engine, loaded the first time a pattern is compiled: it is a large
 * module, and most gates never use a pattern, so start-up does not pay for it.
 */
export function regexEngine(): typeof RE2JS {
  re2 ??= (createRequire(import.meta.url)('re2js') as typeof import('re2js')).RE2JS;
  return re2;
}
const flagBit = (flag: string): number => {
  const engine = regexEngine();
  return ({ i: engine.CASE_INSENSITIVE, m: engine.MULTILINE, s: engine.DOTALL } as Record<string, number>)[flag] ?? 0;
};
const regexCache = new Map<string, { ok: true; re: RE2JS } | { ok: false; message: string }>();

/** `/pattern/flags` (flags among i, m, s) or a bare pattern; searched anywhere in the string (RE2: linear time). */
export function compileRegex(value: string): { ok: true; re: RE2JS } | { ok: false; message: string } {
  const cached = regexCache.get(value);
  if (cached !== undefined) return cached;
  let pattern = value;
  let flags = 0;
  const literal = /^\/(.+)\/([A-Za-z]*)$/s.exec(value);
  let result: { ok: true; re: RE2JS } | { ok: false; message: string } | undefined;
  if (literal !== null) {
    const letters = literal[2] ?? '';
    if (/^[ims]*$/.test(letters)) {
      pattern = literal[1] ?? '';
      for (const f of letters) flags |= flagBit(f);
    } else if (/^[gimsuyvd]+$/.test(letters)) {
      // JS-only flags: refuse rather than silently treating "/x/g" as a literal pattern.
      result = { ok: false, message: `unsupported flag(s) "${letters.replace(/[ims]/g, '')}"; only i, m and s are supported (matches already searches the whole string)` };
    }
  }
  if (result === undefined) {
    try {
      result = { ok: true, re: regexEngine().compile(pattern, flags) };
    } catch (e) {
      result = { ok: false, message: e instanceof Error ? e.message.replace(/^error parsing regexp: /, '') : String(e) };
    }
  }
  if (regexCache.size >= 500) regexCache.clear();
  regexCache.set(value, result);
  return result;
}

// ------------------------------------------------------------------ JSON values

/** Strict JSON equality, deep; key order is irrelevant, array order is not. Iterative, so any depth is safe. */
export function deepEqual(a: unknown, b: unknown): boolean {
  // Two scalars (the common case: one per element of a wildcard) need no stack.
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  const stack: [unknown, unknown][] = [[a, b]];
  while (stack.length > 0) {
    const [x, y] = stack.pop() as [unknown, unknown];
    if (x === y) continue;
    if (typeof x !== 'object' || typeof y !== 'object' || x === null || y === null) return false;
    const xa = Array.isArray(x);
    if (xa !== Array.isArray(y)) return false;
    if (xa) {
      const ya = y as unknown[];
      if (x.length !== ya.length) return false;
      for (let i = 0; i < x.length; i++) stack.push([x[i], ya[i]]);
      continue;
    }
    const xo = x as Record<string, unknown>;
    const yo = y as Record<string, unknown>;
    const keys = Object.keys(xo);
    if (keys.length !== Object.keys(yo).length) return false;
    for (const k of keys) {
      if (!Object.hasOwn(yo, k)) return false;
      stack.push([xo[k], yo[k]]);
    }
  }
  return true;
}

/** Why a value is not plain JSON (e.g. a YAML date, NaN), or `undefined` when it is. */
export function checkJsonValue(value: unknown): string | undefined {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (v === null || typeof v === 'string' || typeof v === 'boolean') continue;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) return `${v} is not a finite number`;
      continue;
    }
    if (Array.isArray(v)) {
      for (const e of v) stack.push(e);
      continue;
    }
    if (typeof v === 'object') {
      const proto: unknown = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) return `found ${describeType(v)}`;
      for (const k of Object.keys(v)) stack.push((v as Record<string, unknown>)[k]);
      continue;
    }
    return `found ${describeType(v)}`;
  }
  return undefined;
}

export function describeType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') {
    const name = (Object.getPrototypeOf(v) as { constructor?: { name?: unknown } } | null)?.constructor?.name;
    return typeof name === 'string' && name !== 'Object' ? `a ${name}` : 'an object';
  }
  if (typeof v === 'undefined') return 'nothing';
  return `a ${typeof v}`;
}
