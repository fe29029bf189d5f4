/**
 * The assertion language (SPEC section 3): `<path> <op> [<value>]`, or the object form
 * `{ path, op, value?, file? }`. Parsing never throws for user input; errors are values.
 */
import type { Assertion, AssertionFunction, AssertionOp, PathSegment } from '../model/types.js';
import { nearest } from '../util/suggest.js';
import { OPERATORS, OPERATOR_NAMES, checkFunctionValue, checkJsonValue } from './operators.js';

export type ParseError = { ok: false; message: string; hint?: string };
export type ParseAssertionResult = { ok: true; assertion: Assertion } | ParseError;
export type ParsePathResult = { ok: true; path: PathSegment[] } | ParseError;

const FUNCTIONS: readonly AssertionFunction[] = ['count', 'sum', 'min', 'max'];
const FUNCTION_ALIASES: Record<string, AssertionFunction> = { len: 'count', length: 'count', size: 'count', total: 'sum' };
const SYMBOL_OPS = new Set<string>(['==', '!=', '<', '<=', '>', '>=']);
const OP_CHARS = '=!<>~';
const OP_ALIASES: Record<string, AssertionOp> = {
  '=': '==', '===': '==', eq: '==', is: '==', equals: '==',
  '!==': '!=', '<>': '!=', ne: '!=', '=<': '<=', '=>': '>=',
  lt: '<', le: '<=', lte: '<=', gt: '>', ge: '>=', gte: '>=',
  notin: 'not in', nin: 'not in', has: 'contains', includes: 'contains',
  '~': 'matches', '=~': 'matches', '~=': 'matches', match: 'matches', like: 'matches',
  exist: 'exists', present: 'exists', defined: 'exists',
  missing: 'absent', undefined: 'absent', 'not exists': 'absent', not: 'not in',
};
const ERROR_HINT_OPS = `operators: ${OPERATOR_NAMES.join(', ')}`;
const EXAMPLE = 'write <path> <op> [<value>], e.g. status == "ok" or roles[*].ready == true';

const isKeyChar = (c: string | undefined): boolean => c !== undefined && /[A-Za-z0-9_$-]/.test(c);
const isSpace = (c: string | undefined): boolean => c !== undefined && /\s/.test(c);
const fail = (message: string, hint?: string): ParseError => (hint === undefined ? { ok: false, message } : { ok: false, message, hint });
const quote = (s: string): string => JSON.stringify(s);

/** Renders segments back into path text, quoting keys that are not plain. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const seg of path) {
    if (seg.kind === 'wildcard') out += '[*]';
    else if (seg.kind === 'index') out += `[${seg.index}]`;
    else if (/^[A-Za-z0-9_$-]+$/.test(seg.key)) out += out === '' ? seg.key : `.${seg.key}`;
    else out += `[${quote(seg.key)}]`;
  }
  return out;
}

/** Parses a whole string as a path (no function, no operator). */
export function parsePath(text: string): ParsePathResult {
  const s = text.trim();
  const r = scanPath(s, 0);
  if (!r.ok) return r;
  if (r.end < s.length) return strayAfterPath(s, r.end, r.lastStart);
  return { ok: true, path: r.path };
}

/** Parsed strings: loading a gate parses each assertion more than once, and gates repeat the same ones. Results are shared: never mutate one. */
const parsed = new Map<string, ParseAssertionResult>();

export function parseAssertion(input: unknown): ParseAssertionResult {
  if (typeof input === 'string') {
    let result = parsed.get(input);
    if (result === undefined) {
      result = parseString(input);
      if (parsed.size >= 10_000) parsed.clear();
      parsed.set(input, result);
    }
    return result;
  }
  if (typeof input === 'object' && input !== null && !Array.isArray(input)) return parseObject(input as Record<string, unknown>);
  const kind = input === null ? 'null' : Array.isArray(input) ? 'an array' : `a ${typeof input}`;
  return fail(`an assertion must be a string or an object, found ${kind}`, EXAMPLE);
}

// ------------------------------------------------------------------ forms

function parseString(input: string): ParseAssertionResult {
  const s = input.trim();
  if (s === '') return fail('empty assertion', EXAMPLE);
  if (OP_CHARS.includes(s[0] ?? '')) return fail(`missing path before the operator in ${quote(s)}`, EXAMPLE);
  const target = scanTarget(s, 0);
  if (!target.ok) return target;
  const op = scanOperator(s, target.end, target.lastStart);
  if (!op.ok) return op;
  const rest = s.slice(op.end).trim();
  let value: unknown;
  let hasValue = false;
  if (rest !== '') {
    const v = op.op === 'matches' ? parsePatternText(rest) : parseValueText(rest);
    if (!v.ok) return v;
    value = v.value;
    hasValue = true;
    const numberLike = numberLikeWord(op.op, rest, value);
    if (numberLike) return numberLike;
  }
  const r = finish({ expr: s, pathText: target.pathText, path: target.path, fn: target.fn, op: op.op }, hasValue, value, rest);
  if (!r.ok) return fail(r.message, r.hint);
  if (typeof value === 'string' && COMPARISONS.has(op.op) && !rest.startsWith('"')) r.assertion.bareWord = true;
  return r;
}

/** The operators after which a bare word may have been meant as another path (`passed == total`). */
const COMPARISONS: ReadonlySet<AssertionOp> = new Set<AssertionOp>(['==', '!=', '<', '<=', '>', '>=']);

const OBJECT_FIELDS = ['path', 'op', 'value', 'file'] as const;
const OBJECT_FIELDS_HINT = 'an assertion object has "path", "op", and optionally "value" and "file"';

/**
 * One problem of an assertion, and where it lies: `field` names the field of the object form it
 * is about (`key` when it is the field's name that is wrong, an unknown field); without `field`,
 * the problem is the assertion as a whole (a string, or an object missing what it needs).
 */
export type AssertionProblem = ParseError & { field?: string; key?: boolean };

function parseObject(obj: Record<string, unknown>): ParseAssertionResult {
  const r = checkObject(obj);
  if (r.ok) return r;
  // The unknown fields first, said in one message (as always); then the first other problem.
  const unknown = Object.keys(obj).filter((k) => !(OBJECT_FIELDS as readonly string[]).includes(k));
  if (unknown.length > 0) return fail(`unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map(quote).join(', ')} in assertion`, OBJECT_FIELDS_HINT);
  const { message, hint } = r.problems[0] as AssertionProblem;
  return fail(message, hint);
}

/**
 * Every problem of an assertion, each where it lies: all of them for the object form (an unknown
 * field, and a bad op, path, file or value each at its own field), the one a string can have.
 * Empty when it parses. A problem that rests on another is not looked for (no value check with an
 * unknown op), so that one mistake is said once.
 */
export function assertionProblems(input: unknown): AssertionProblem[] {
  if (typeof input === 'object' && input !== null && !Array.isArray(input)) {
    const r = checkObject(input as Record<string, unknown>);
    return r.ok ? [] : r.problems;
  }
  const r = parseAssertion(input);
  return r.ok ? [] : [{ ok: false, message: r.message, ...(r.hint === undefined ? {} : { hint: r.hint }) }];
}

function checkObject(obj: Record<string, unknown>): { ok: true; assertion: Assertion } | { ok: false; problems: AssertionProblem[] } {
  const problems: AssertionProblem[] = [];
  const at = (field: string | undefined, e: ParseError, key = false): void => {
    const problem: AssertionProblem = fail(e.message, e.hint);
    if (field !== undefined) problem.field = field;
    if (key) problem.key = true;
    problems.push(problem);
  };
  // An unknown field near the name of a missing one is that field misspelled: said once, as the unknown field.
  const missing = OBJECT_FIELDS.filter((k) => !Object.hasOwn(obj, k));
  const misspelled = new Set<string>();
  for (const k of Object.keys(obj)) {
    if ((OBJECT_FIELDS as readonly string[]).includes(k)) continue;
    const guess = nearest(k, missing);
    if (guess !== undefined) misspelled.add(guess);
    at(k, fail(`unknown field ${quote(k)} in assertion`, guess !== undefined ? `did you mean ${quote(guess)}?` : OBJECT_FIELDS_HINT), true);
  }

  let target: (TargetScan & { ok: true }) | undefined;
  let pathExpr = '';
  if (!Object.hasOwn(obj, 'path')) {
    if (!misspelled.has('path')) at(undefined, fail('assertion object is missing "path"', 'e.g. { "path": "status", "op": "==", "value": "ok" }'));
  } else if (typeof obj.path !== 'string') at('path', fail('"path" must be a string', 'e.g. "roles[*].ready"'));
  else {
    pathExpr = obj.path.trim();
    const scanned = pathExpr === '' ? fail('empty path', 'e.g. "status" or "roles[*].ready"') : scanTarget(pathExpr, 0);
    if (!scanned.ok) at('path', scanned);
    else if (scanned.end < pathExpr.length) {
      const stray = strayAfterPath(pathExpr, scanned.end, scanned.lastStart);
      if (OP_CHARS.includes(pathExpr[scanned.end] ?? '') || isSpace(pathExpr[scanned.end])) {
        at('path', fail(`unexpected text after the path in ${quote(pathExpr)}`, 'put the operator in "op" and the expected value in "value"'));
      } else at('path', stray);
    } else target = scanned;
  }

  let op: AssertionOp | undefined;
  if (!Object.hasOwn(obj, 'op')) {
    if (!misspelled.has('op')) at(undefined, fail('assertion object is missing "op"', ERROR_HINT_OPS));
  } else if (typeof obj.op !== 'string') at('op', fail('"op" must be a string', ERROR_HINT_OPS));
  else if (!(OPERATOR_NAMES as readonly string[]).includes(obj.op)) at('op', unknownOperator(obj.op));
  else op = obj.op as AssertionOp;

  let file: string | undefined;
  if (Object.hasOwn(obj, 'file') && obj.file !== undefined) {
    if (typeof obj.file !== 'string' || obj.file.trim() === '') at('file', fail('"file" must be a non-empty string', 'a path relative to the check\'s cwd, e.g. "out/result.json"'));
    else file = obj.file;
  }

  const hasValue = Object.hasOwn(obj, 'value') && obj.value !== undefined;
  let valueOk = true;
  if (hasValue) {
    const bad = checkJsonValue(obj.value);
    if (bad !== undefined) {
      at('value', fail(`"value" must be a JSON value: ${bad}`, 'use a number a double can hold, or quote it as a string'));
      valueOk = false;
    }
  }

  // What the op asks of the value: only with a path and an op to ask it, and a value that is JSON.
  if (target !== undefined && op !== undefined && valueOk && !(misspelled.has('value') && !hasValue)) {
    let expr = `${pathExpr} ${op}`;
    if (hasValue) expr += ` ${renderExprValue(obj.value)}`;
    const r = finish({ expr, pathText: target.pathText, path: target.path, fn: target.fn, op }, hasValue, obj.value, hasValue ? renderExprValue(obj.value) : '');
    if (!r.ok) at(r.field, r);
    else if (problems.length === 0) {
      if (file !== undefined) r.assertion.file = file;
      return { ok: true, assertion: r.assertion };
    }
  }
  return { ok: false, problems };
}

/** Checks shared by both forms: value presence, the operator's value check, function compatibility. */
function finish(base: Omit<Assertion, 'value'>, hasValue: boolean, value: unknown, valueText: string): { ok: true; assertion: Assertion } | (ParseError & { field?: 'value' }) {
  const spec = OPERATORS[base.op];
  if (!spec.needsValue && hasValue) {
    return { ...fail(`"${base.op}" takes no value, found ${valueText}`, `remove the value, or compare with ==, e.g. ${base.pathText} == ${valueText}`), field: 'value' };
  }
  if (spec.needsValue && !hasValue) return fail(`"${base.op}" needs a value`, `e.g. ${base.pathText} ${base.op} ${exampleValue(base.op)}`);
  if (hasValue) {
    const bad = spec.checkValue(value);
    if (bad !== undefined) return { ok: false, ...bad, field: 'value' };
  }
  if (base.fn !== undefined) {
    const bad = checkFunctionValue(base.fn, base.op, value);
    if (bad !== undefined) return { ok: false, ...bad };
  }
  const assertion: Assertion = { expr: base.expr, pathText: base.pathText, path: base.path, op: base.op };
  if (base.fn !== undefined) assertion.fn = base.fn;
  if (hasValue) assertion.value = value;
  return { ok: true, assertion };
}

function exampleValue(op: AssertionOp): string {
  if (op === 'in' || op === 'not in') return '["a", "b"]';
  if (op === 'matches') return '"^v[0-9]+"';
  if (op === '==' || op === '!=' || op === 'contains') return '"ok"';
  return '0';
}

function renderExprValue(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch {
    return String(value); // too deep to stringify; checkJsonValue already vetted the content
  }
}

// ------------------------------------------------------------------ values

/** JSON if it parses; else a single bare word is a string; else an error. */
export function parseValueText(text: string): { ok: true; value: unknown } | ParseError {
  try {
    const value: unknown = JSON.parse(text);
    const bad = checkJsonValue(value);
    if (bad !== undefined) return fail(`value ${text} is out of range: ${bad}`, 'use a number a double can hold, or quote it as a string');
    return { ok: true, value };
  } catch {
    // not JSON: fall through to the bare-word rule
  }
  if (/^[^\s"'`[\]{},]+$/.test(text)) return { ok: true, value: text };
  if (/^'.*'$/s.test(text)) return fail(`value ${text} is not JSON`, `use double quotes for a string: ${quote(text.slice(1, -1))}`);
  return fail(`value ${text} is not valid JSON, nor a single bare word`, `write a JSON literal (true, 0, null, [1,2]); to compare with text, quote it as a JSON string: ${quote(text)}`);
}

/**
 * The value after `matches`: JSON if it parses, else one word without whitespace is the pattern
 * itself, whatever characters it holds (`[a-z]+`, `/[a-z/`), so that an invalid one is reported as
 * an invalid regular expression when the operator checks it. A word that starts with a quote is a
 * string quoted wrongly (`'v1'`, `"v1`) and keeps the value rule's message.
 */
function parsePatternText(text: string): { ok: true; value: unknown } | ParseError {
  const v = parseValueText(text);
  if (v.ok || !/^[^\s"']\S*$/.test(text)) return v;
  return { ok: true, value: text };
}

/** Why a bare word that looks like another JSON value (`kind`: "a number", "true"), read as a string, misleads with each operator that takes it. */
const WORD_TRAPS: Partial<Record<AssertionOp, (kind: string) => string>> = {
  '==': (kind) => `never finds a string equal to ${kind}`,
  '!=': (kind) => `never finds a string equal to ${kind}`,
  '<': () => 'orders a string only against strings',
  '<=': () => 'orders a string only against strings',
  '>': () => 'orders a string only against strings',
  '>=': () => 'orders a string only against strings',
  contains: (kind) => `would look for that string, never for ${kind}`,
};

/** Digits, with single `_` separators between them (`1_000`), in a given base. */
const digitsOf = (d: string): string => `[${d}]+(?:_[${d}]+)*`;
const DEC = digitsOf('0-9');
/**
 * A numeric literal as common syntaxes write it: an optional sign, then a hex, binary or octal
 * literal (`0x10`, `0b1`, `0o17`), a decimal with optional fraction and exponent (`5.`, `.5`,
 * `1_000`, `1e1_0`), or `Infinity` / `NaN`.
 */
const NUMERIC_LITERAL = new RegExp(
  `^([+-]?)(?:(0[xX]${digitsOf('0-9a-fA-F')}|0[bB]${digitsOf('01')}|0[oO]${digitsOf('0-7')})|((?:${DEC}(?:\\.(?:${DEC})?)?|\\.${DEC})(?:[eE][+-]?${DEC})?)|(Infinity|NaN))$`,
);

/** The number a numeric literal stands for, or undefined when the word is not one. */
function numericLiteral(text: string): number | undefined {
  const m = NUMERIC_LITERAL.exec(text);
  if (m === null) return undefined;
  const body = (m[2] ?? m[3] ?? m[4] ?? '').replace(/_/g, '');
  const n = Number(body); // Number() reads 0x/0b/0o, decimals, Infinity and NaN, but no sign before a prefix
  return m[1] === '-' ? -n : n;
}

/**
 * The JSON number a number-like bare word stands for (`0x10`: `16`), null for one JSON has none of
 * (`Infinity`, `NaN`), undefined when the word is not number-like. The hint for such a word writes it:
 * the same value in another spelling, which masking a definition error hides with the word.
 */
export function jsonNumberOfWord(text: string): string | null | undefined {
  const n = numericLiteral(text);
  if (n === undefined) return undefined;
  return Number.isFinite(n) ? JSON.stringify(n) : null;
}

/**
 * A bare word that reads as a number but is not JSON (`+5`, `.5`, `5.`, `0x10`, `-0x10`, `00`,
 * `1_000`, and `Infinity`, `-Infinity`, `NaN`, which JSON lacks) is a string by the bare-word
 * rule: compared with a number it never equals (so `n != 5.` always holds), never orders, is never
 * an element. So is `true`, `false` or `null` in another case (`True`, `FALSE`, `Null`). Refused, so
 * the mistake shows when the gate loads. `matches` keeps it (`1.` is a
 * pattern), and `in` / `not in` take an array, never a bare word.
 */
function numberLikeWord(op: AssertionOp, text: string, value: unknown): ParseError | undefined {
  const trap = WORD_TRAPS[op];
  if (trap === undefined || typeof value !== 'string' || value !== text) return undefined;
  const literal = text.toLowerCase();
  if (literal === 'true' || literal === 'false' || literal === 'null') {
    // A JSON literal in another case (Python's True, YAML's TRUE): as a string, ok != FALSE holds for every boolean.
    return fail(`value ${text} is not JSON's ${literal}: it is read as the string ${quote(text)}, and "${op}" ${trap(literal)}`, `write ${literal} (JSON writes it in lower case), or quote it to compare strings: ${quote(text)}`);
  }
  const n = jsonNumberOfWord(text);
  if (n === undefined) return undefined;
  const write = n !== null ? `write it as a JSON number (${n})` : `JSON has no ${text}: write a finite number`;
  return fail(`value ${text} is not a JSON number: it is read as the string ${quote(text)}, and "${op}" ${trap('a number')}`, `${write}, or quote it to compare strings: ${quote(text)}`);
}

// ------------------------------------------------------------------ operators

type OpScan = { ok: true; op: AssertionOp; end: number } | ParseError;

function scanOperator(s: string, start: number, lastStart: number): OpScan {
  let i = start;
  while (isSpace(s[i])) i++;
  const spaced = i > start;
  const c = s[i];
  if (c === undefined) return fail(`missing operator after ${quote(s)}`, ERROR_HINT_OPS);
  if (OP_CHARS.includes(c)) {
    let j = i;
    while (j < s.length && OP_CHARS.includes(s[j] ?? '')) j++;
    const sym = s.slice(i, j);
    if (SYMBOL_OPS.has(sym)) return { ok: true, op: sym as AssertionOp, end: j };
    return unknownOperator(sym);
  }
  if (!spaced) {
    if (/[A-Za-z]/.test(c)) {
      const word = /^[A-Za-z]+/.exec(s.slice(i))?.[0] ?? '';
      if ((OPERATOR_NAMES as readonly string[]).includes(word) || word === 'not') {
        return fail(`word operators need whitespace around them: ${quote(s)}`, `write ${s.slice(0, i)} ${s.slice(i)}`);
      }
      return fail(`missing "." before ${quote(word)} in the path`, `write ${s.slice(0, i)}.${word}`);
    }
    return strayAfterPath(s, i, lastStart);
  }
  if (!/[A-Za-z]/.test(c)) return fail(`expected an operator, found ${quote(s.slice(i, i + 12))}`, ERROR_HINT_OPS);
  let j = i;
  while (/[A-Za-z]/.test(s[j] ?? '')) j++;
  let word = s.slice(i, j);
  if (word === 'not') {
    let k = j;
    while (isSpace(s[k])) k++;
    let m = k;
    while (/[A-Za-z]/.test(s[m] ?? '')) m++;
    if (k > j && m > k) {
      word = `not ${s.slice(k, m)}`;
      j = m;
    }
  }
  if (word !== 'not' && (OPERATOR_NAMES as readonly string[]).includes(word)) {
    if (j < s.length && !isSpace(s[j])) {
      return fail(`word operators need whitespace around them: ${quote(s)}`, `write ${s.slice(0, j)} ${s.slice(j)}`);
    }
    return { ok: true, op: word as AssertionOp, end: j };
  }
  return unknownOperator(word);
}

function unknownOperator(op: string): ParseError {
  const norm = op.trim().replace(/\s+/g, ' ');
  const lower = norm.toLowerCase();
  const guess: string | undefined =
    (OPERATOR_NAMES as readonly string[]).includes(lower) ? lower
    : Object.hasOwn(OP_ALIASES, lower) ? OP_ALIASES[lower]
    : /^[A-Za-z ]+$/.test(norm) ? nearest(norm, OPERATOR_NAMES.filter((o) => /^[a-z ]+$/.test(o))) : undefined;
  const hint = guess === undefined ? ERROR_HINT_OPS : `did you mean "${guess}"? ${ERROR_HINT_OPS}`;
  return fail(`unknown operator ${quote(op)}`, hint);
}

// ------------------------------------------------------------------ paths

type TargetScan = { ok: true; fn?: AssertionFunction; path: PathSegment[]; pathText: string; end: number; lastStart: number } | ParseError;

/** A path, or `fn(path)`. */
function scanTarget(s: string, start: number): TargetScan {
  const call = /^([A-Za-z_][A-Za-z0-9_]*)\s*\(/.exec(s.slice(start));
  if (call === null) {
    const r = scanPath(s, start);
    return r.ok ? { ...r, pathText: s.slice(start, r.end) } : r;
  }
  const name = call[1] ?? '';
  if (!(FUNCTIONS as readonly string[]).includes(name)) {
    const guess = FUNCTION_ALIASES[name.toLowerCase()] ?? nearest(name, [...FUNCTIONS]);
    return fail(`unknown function ${quote(name)}`, `${guess === undefined ? '' : `did you mean ${guess}()? `}functions: count, sum, min, max`);
  }
  let i = start + call[0].length;
  while (isSpace(s[i])) i++;
  if (s[i] === ')') return fail(`${name}() needs a path`, `e.g. ${name}(items[*])`);
  const pathStart = i;
  const r = scanPath(s, i);
  if (!r.ok) return r;
  const pathText = s.slice(pathStart, r.end);
  i = r.end;
  while (isSpace(s[i])) i++;
  if (s[i] !== ')') {
    if (i >= s.length) return fail(`unclosed "(" in ${name}(${pathText}`, `close it: ${name}(${pathText})`);
    return fail(`expected ")" after ${name}(${pathText}, found ${quote(s.slice(i, i + 12))}`, `e.g. ${name}(${pathText}) > 0; functions take one path`);
  }
  return { ok: true, fn: name as AssertionFunction, path: r.path, pathText, end: i + 1, lastStart: i + 1 };
}

type PathScan = { ok: true; path: PathSegment[]; end: number; lastStart: number } | ParseError;

/** Scans a path from `start`; stops at the first character that cannot continue it. */
function scanPath(s: string, start: number): PathScan {
  const path: PathSegment[] = [];
  let i = start;
  let lastStart = start;
  const shown = (): string => quote(s.slice(start).split(/\s/)[0] ?? '');
  if (s[i] === '.') return fail(`path ${shown()} starts with "."`, `drop the leading dot: ${s.slice(start + 1).split(/\s/)[0] ?? ''}`);
  if (s[i] === '*') return fail(`"*" must be in brackets in path ${shown()}`, 'write [*] for every element');
  if (!isKeyChar(s[i]) && s[i] !== '[') {
    return fail(i >= s.length ? 'empty path' : `expected a path, found ${quote(s.slice(i, i + 12))}`, 'e.g. status, profiles.prod.ok, roles[*].ready, ["key.with.dots"]');
  }
  while (i < s.length) {
    const c = s[i];
    lastStart = i;
    if (isKeyChar(c) && path.length === 0) {
      const j = keyEnd(s, i);
      path.push({ kind: 'key', key: s.slice(i, j) });
      i = j;
    } else if (c === '.') {
      const n = s[i + 1];
      if (isKeyChar(n)) {
        const j = keyEnd(s, i + 1);
        path.push({ kind: 'key', key: s.slice(i + 1, j) });
        i = j;
      } else if (n === '[') {
        return fail(`"[" right after "." in path ${shown()}`, `drop the dot: ${s.slice(start, i)}${s.slice(i + 1).split(/\s/)[0] ?? ''}`);
      } else if (n === '*') {
        return fail(`"*" must be in brackets in path ${shown()}`, `write ${s.slice(start, i)}[*]`);
      } else if (n === '.') {
        return fail(`empty key between dots in path ${shown()}`, 'remove the extra dot');
      } else if (n === undefined || isSpace(n) || OP_CHARS.includes(n) || n === ')') {
        return fail(`path ${quote(s.slice(start, i + 1))} ends with "."`, `add a key after the dot, or remove it: ${s.slice(start, i)}`);
      } else {
        return fail(`unexpected ${quote(n)} in path ${shown()}`, quoteKeyHint(s, i + 1));
      }
    } else if (c === '[') {
      const b = scanBracket(s, i, start);
      if (!b.ok) return b;
      path.push(b.seg);
      i = b.end;
    } else {
      break;
    }
  }
  return { ok: true, path, end: i, lastStart };
}

function keyEnd(s: string, i: number): number {
  let j = i;
  while (isKeyChar(s[j])) j++;
  return j;
}

function scanBracket(s: string, open: number, pathStart: number): { ok: true; seg: PathSegment; end: number } | ParseError {
  const unclosed = (): ParseError => {
    const text = s.slice(pathStart).split(/\s/)[0] ?? '';
    return fail(`unclosed "[" in path ${quote(text)}`, 'close it with "]", e.g. roles[0] or ["key"]');
  };
  let i = open + 1;
  while (isSpace(s[i])) i++;
  const c = s[i];
  let seg: PathSegment;
  if (c === undefined) return unclosed();
  if (c === '*') {
    seg = { kind: 'wildcard' };
    i++;
  } else if (/[0-9]/.test(c)) {
    const digits = /^[0-9]+/.exec(s.slice(i))?.[0] ?? '';
    const index = Number(digits);
    if ((digits.length > 1 && digits.startsWith('0')) || !Number.isSafeInteger(index)) {
      return fail(`invalid index [${digits}]`, 'an index is a non-negative integer without leading zeros, e.g. [0], [12]');
    }
    seg = { kind: 'index', index };
    i += digits.length;
  } else if (c === '"' || c === "'") {
    const q = scanQuoted(s, i);
    if (!q.ok) return q;
    seg = { kind: 'key', key: q.value };
    i = q.end;
  } else if (c === '-' && /[0-9]/.test(s[i + 1] ?? '')) {
    return fail(`negative index in path ${quote(s.slice(pathStart, s.indexOf(']', i) + 1 || undefined))}`, 'indices count from 0; negative indices are not supported');
  } else {
    const close = s.indexOf(']', i);
    const inner = close < 0 ? s.slice(i).split(/\s/)[0] ?? '' : s.slice(i, close);
    return fail(`[${inner}] is not an index, [*] or a quoted key`, `quote keys inside brackets: [${quote(inner)}]`);
  }
  while (isSpace(s[i])) i++;
  if (s[i] === undefined) return unclosed();
  if (s[i] !== ']') {
    if (seg.kind === 'index' && s[i] === '.') return fail('an index must be a non-negative integer', 'e.g. [0], [12]');
    return fail(`expected "]" in path, found ${quote(s.slice(i, i + 12))}`, 'brackets hold one index, [*], or one quoted key');
  }
  return { ok: true, seg, end: i + 1 };
}

/** A quoted key with JSON string escapes (plus \' inside single quotes). */
function scanQuoted(s: string, open: number): { ok: true; value: string; end: number } | ParseError {
  const q = s[open];
  const ESC: Record<string, string> = { '"': '"', "'": "'", '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
  let out = '';
  let i = open + 1;
  while (i < s.length) {
    const c = s[i] ?? '';
    if (c === q) return { ok: true, value: out, end: i + 1 };
    if (c === '\\') {
      const e = s[i + 1] ?? '';
      if (e === 'u' && /^[0-9A-Fa-f]{4}$/.test(s.slice(i + 2, i + 6))) {
        out += String.fromCharCode(parseInt(s.slice(i + 2, i + 6), 16));
        i += 6;
        continue;
      }
      const decoded = ESC[e];
      if (decoded === undefined) return fail(`invalid escape ${quote('\\' + e)} in a quoted key`, 'quoted keys use JSON string escapes: \\" \\\\ \\n \\t \\uXXXX');
      out += decoded;
      i += 2;
      continue;
    }
    if (c.charCodeAt(0) < 0x20) return fail('control character in a quoted key', 'escape it, e.g. \\n or \\u0001');
    out += c;
    i++;
  }
  return fail(`unclosed string in path ${quote(s.slice(open))}`, `close the quote: ${q}...${q}]`);
}

function quoteKeyHint(s: string, i: number): string {
  let a = i;
  while (a > 0 && isKeyChar(s[a - 1])) a--;
  let b = i;
  while (b < s.length && !isSpace(s[b]) && !OP_CHARS.includes(s[b] ?? '') && s[b] !== '.' && s[b] !== '[') b++;
  return `plain keys hold only letters, digits, _, $ and -; quote others in brackets, e.g. [${quote(s.slice(a, b))}]`;
}

function strayAfterPath(s: string, i: number, lastStart: number): ParseError {
  const c = s[i] ?? '';
  if (c === '(') return fail(`unexpected "(" in path ${quote(s.slice(lastStart).split(/\s/)[0] ?? '')}`, 'functions are count(), sum(), min(), max(), and cannot be nested');
  if (c === '*') return fail(`"*" must be in brackets in path ${quote(s.slice(0, i + 1))}`, `write ${s.slice(0, i)}[*]`);
  return fail(`unexpected ${quote(c)} in path ${quote(s.split(/\s/)[0] ?? '')}`, quoteKeyHint(s, i));
}
