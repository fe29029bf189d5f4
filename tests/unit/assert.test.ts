import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { assertionProblems, parseAssertion, parsePath, formatPath } from '../../src/assert/parse.js';
import { evaluateAssertion, unreadableAssertion, render } from '../../src/assert/evaluate.js';
import { deepEqual, OPERATORS } from '../../src/assert/operators.js';
import type { Assertion } from '../../src/model/types.js';

function parse(input: unknown): Assertion {
  const r = parseAssertion(input);
  if (!r.ok) throw new Error(`expected ${JSON.stringify(input)} to parse: ${r.message}`);
  return r.assertion;
}

function parseError(input: unknown): { message: string; hint?: string } {
  const r = parseAssertion(input);
  if (r.ok) throw new Error(`expected ${JSON.stringify(input)} not to parse`);
  return r;
}

function run(input: unknown, doc: unknown) {
  return evaluateAssertion(parse(input), doc);
}

const holds = (input: unknown, doc: unknown): boolean => run(input, doc).ok;

const DOC = {
  go_no_go: 'go',
  required_fail_total: 0,
  startup_2: { reason: 'ok' },
  'x-y': 1,
  'key.with.dots': { x: 1 },
  "it's": 2,
  profiles: { prod: { ok: true }, dev: { ok: false } },
  roles: [{ ready: true, name: 'a' }, { ready: true, name: 'b' }, { ready: true, name: 'c' }],
  none: [],
  latencies: [120, 80, 199],
  modules: [{ fails: 0 }, { fails: 0 }],
  grid: { b: [[{ c: 1 }, { c: 1 }], [{ c: 1 }]] },
  version: 'v1.2.3',
  tags: ['alpha', 'beta'],
  nil: null,
  no: false,
  zero: 0,
  five: '5',
  obj: { a: 1, b: [1, 2] },
};

describe('paths', () => {
  it.each([
    ['profiles.prod.ok', [{ kind: 'key', key: 'profiles' }, { kind: 'key', key: 'prod' }, { kind: 'key', key: 'ok' }]],
    ['roles[0].ready', [{ kind: 'key', key: 'roles' }, { kind: 'index', index: 0 }, { kind: 'key', key: 'ready' }]],
    ['["key.with.dots"].x', [{ kind: 'key', key: 'key.with.dots' }, { kind: 'key', key: 'x' }]],
    ["['single'].x", [{ kind: 'key', key: 'single' }, { kind: 'key', key: 'x' }]],
    ['roles[*].ready', [{ kind: 'key', key: 'roles' }, { kind: 'wildcard' }, { kind: 'key', key: 'ready' }]],
    ['[*].errorCount', [{ kind: 'wildcard' }, { kind: 'key', key: 'errorCount' }]],
    ['a.b[*][*].c', [{ kind: 'key', key: 'a' }, { kind: 'key', key: 'b' }, { kind: 'wildcard' }, { kind: 'wildcard' }, { kind: 'key', key: 'c' }]],
    ['x-y.$ref._1', [{ kind: 'key', key: 'x-y' }, { kind: 'key', key: '$ref' }, { kind: 'key', key: '_1' }]],
    ['["a\\"b\\n\\u0041"]', [{ kind: 'key', key: 'a"b\nA' }]],
    ["['it\\'s']", [{ kind: 'key', key: "it's" }]],
    ['[ 12 ]', [{ kind: 'index', index: 12 }]],
  ])('parses %s', (text, path) => {
    expect(parsePath(text)).toEqual({ ok: true, path });
  });

  it.each([
    ['', 'empty path'],
    ['a.', 'ends with "."'],
    ['.a', 'starts with "."'],
    ['a..b', 'empty key'],
    ['roles[0', 'unclosed "["'],
    ['roles[', 'unclosed "["'],
    ['["abc', 'unclosed string'],
    ['a[-1]', 'negative index'],
    ['a[1.5]', 'non-negative integer'],
    ['a[01]', 'invalid index'],
    ['a[name]', 'not an index'],
    ['a.*', 'must be in brackets'],
    ['a.[0]', 'right after "."'],
    ['a#b', 'unexpected "#"'],
    ['a b', 'unexpected'],
    ['["\\q"]', 'invalid escape'],
  ])('rejects %j', (text, phrase) => {
    const r = parsePath(text);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.message).toContain(phrase);
      expect(r.hint).toBeTruthy();
    }
  });

  it('formats paths back, quoting keys that are not plain', () => {
    const p = parsePath('a["b c"][0][*].d-e');
    expect(p.ok && formatPath(p.path)).toBe('a["b c"][0][*].d-e');
  });
});

describe('parsing the string form', () => {
  it('splits path, op and value, keeping the trimmed text as expr', () => {
    expect(parse('  go_no_go == "go"  ')).toEqual({ expr: 'go_no_go == "go"', pathText: 'go_no_go', path: [{ kind: 'key', key: 'go_no_go' }], op: '==', value: 'go' });
  });

  it.each(['a==1', 'a == 1', 'a  ==1', 'a== 1'])('symbol ops need no spaces: %s', (s) => {
    expect(parse(s)).toMatchObject({ op: '==', value: 1 });
  });

  it.each([
    ['a != 1', '!='], ['a<1', '<'], ['a <= 1', '<='], ['a>1', '>'], ['a >= 1', '>='], ['a in [1]', 'in'], ['a not in [1]', 'not in'],
    ['a not \t in [1]', 'not in'], ['a contains 1', 'contains'], ['a matches x', 'matches'], ['a exists', 'exists'], ['a absent', 'absent'],
    ['a<-1', '<'], ['exists exists', 'exists'], ['in == 1', '=='],
  ])('reads the operator of %s', (s, op) => {
    expect(parse(s).op).toBe(op);
  });

  it.each([
    ['true', true], ['false', false], ['0', 0], ['-1.5e2', -150], ['"go"', 'go'], ['[1,2]', [1, 2]], ['null', null], ['{"a":1}', { a: 1 }],
    ['go', 'go'], ['active_run', 'active_run'], ['1.2.3', '1.2.3'], ['http://x/y', 'http://x/y'], ['"go now"', 'go now'], ['[ 1 , 2 ]', [1, 2]],
    ['no_go', 'no_go'], ['v1.2', 'v1.2'], ['2024-01-01', '2024-01-01'], ['-', '-'], ['nan', 'nan'], ['inf', 'inf'], ['Infinityx', 'Infinityx'], ['1e', '1e'],
    ['"5."', '5.'], ['"Infinity"', 'Infinity'],
    ['x86_64', 'x86_64'], ['0x', '0x'], ['0b2', '0b2'], ['0o8', '0o8'], ['1_', '1_'], ['_1', '_1'], ['1__0', '1__0'], ['1._5', '1._5'], ['-x10', '-x10'], ['0xg', '0xg'],
  ])('reads the value %s', (text, value) => {
    const a = parse(`x == ${text}`);
    expect(a.value).toEqual(value);
    expect(Object.hasOwn(a, 'value')).toBe(true);
  });

  it('keeps number-like bare words where they are not compared with numbers', () => {
    // A pattern: "1." is a regular expression (1 and any character); "in" and "not in" take an array anyway.
    expect(parse('v matches 1.')).toMatchObject({ op: 'matches', value: '1.' });
    expect(parse('v matches .5')).toMatchObject({ op: 'matches', value: '.5' });
    expect(parse('v matches True')).toMatchObject({ op: 'matches', value: 'True' });
    expect(parse('v == Truth')).toMatchObject({ op: '==', value: 'Truth' });
    expect(parseError('v in +5').message).toContain('needs an array');
    expect(parse('v != v1.2').value).toBe('v1.2');
    expect(parse('s == go').value).toBe('go');
  });

  it('takes one word after matches as its pattern, so an invalid one is an invalid regular expression', () => {
    for (const input of ['x matches /[a-z/', 'x matches [a-', 'x matches "(a"', 'x matches a{2,1}']) {
      const e = parseError(input);
      expect(e.message, input).toMatch(/^invalid regular expression /);
      expect(e.hint, input).toContain('RE2 syntax');
    }
    expect(parseError('x matches [a-').message).toBe('invalid regular expression "[a-": missing closing ]: `[a-`');
    expect(parse('x matches [a-z]+').value).toBe('[a-z]+');
    expect(parse('x matches /^v[0-9]+,[0-9]/i').value).toBe('/^v[0-9]+,[0-9]/i');
    expect(holds('version matches ^v[0-9]\\.[2]', DOC)).toBe(true);
    // JSON is still read as JSON, a misquoted string is still refused, and other operators keep the bare-word rule.
    expect(parseError('x matches [1,2]').message).toContain('needs a regular expression as a string, found an array');
    expect(parseError("x matches 'a'").message).toBe("value 'a' is not JSON");
    expect(parseError('x matches "a').message).toContain('not valid JSON, nor a single bare word');
    expect(parseError('x matches a b').message).toContain('not valid JSON, nor a single bare word');
    expect(parseError('x == [a-').message).toContain('not valid JSON, nor a single bare word');
    expect(parseError('x contains /[a-z/').message).toContain('not valid JSON, nor a single bare word');
  });

  it('parses functions', () => {
    expect(parse('count(roles[*]) >= 3')).toMatchObject({ fn: 'count', pathText: 'roles[*]', op: '>=', value: 3 });
    expect(parse('sum( modules[*].fails )==0')).toMatchObject({ fn: 'sum', pathText: 'modules[*].fails' });
    expect(parse('max(latencies) < 200').fn).toBe('max');
    expect(parse('min(latencies) in [1, 2]').fn).toBe('min');
    expect(parse('count == 1')).toMatchObject({ path: [{ kind: 'key', key: 'count' }] });
    expect(parse('count == 1').fn).toBeUndefined();
  });

  it.each([
    ['', 'empty assertion'],
    ['   ', 'empty assertion'],
    ['== 1', 'missing path'],
    ['a', 'missing operator'],
    ['a = 1', 'unknown operator "="', 'did you mean "=="'],
    ['a === 1', 'unknown operator "==="', '"=="'],
    ['a => 1', 'unknown operator', '">="'],
    ['a IN [1]', 'unknown operator "IN"', '"in"'],
    ['a notin [1]', 'unknown operator', '"not in"'],
    ['a not [1]', 'unknown operator', '"not in"'],
    ['a equals 1', 'unknown operator', '"=="'],
    ['a exist', 'unknown operator', '"exists"'],
    ['a in[1]', 'whitespace'],
    ['a[0]in [1]', 'whitespace'],
    ['a ==', 'needs a value'],
    ['a in', 'needs a value'],
    ['a exists true', 'takes no value'],
    ['a absent 1', 'takes no value'],
    ['a == go now', 'not valid JSON', '"go now"'],
    ['a == [1,2', 'not valid JSON'],
    ["a == 'go'", 'not JSON', '"go"'],
    ['a == 1e400', 'out of range'],
    ['a in go', 'needs an array'],
    ['a not in {"a":1}', 'needs an array'],
    ['a matches "("', 'invalid regular expression'],
    ['a matches "(?=x)"', 'invalid regular expression'],
    ['a matches /x/g', 'unsupported flag'],
    ['a matches 1', 'needs a regular expression', '"1"'],
    ['a < true', 'number or a string'],
    ['a >= null', 'number or a string'],
    ['a > [1]', 'number or a string'],
    ['avg(a) > 1', 'unknown function "avg"'],
    ['len(a) > 1', 'unknown function', 'count'],
    ['count() > 1', 'needs a path'],
    ['count(a > 1', 'expected ")"'],
    ['count(a', 'unclosed "("'],
    ['count(a) contains 1', 'does not apply'],
    ['sum(a) matches x', 'does not apply'],
    ['count(a) exists', 'does not apply'],
    ['count(a) == "3"', 'compare it with a number'],
    ['sum(a) in [1, "x"]', 'compare it with a number'],
    ['count(a) == 1.5', 'whole number'],
    // A bare word that reads as a number but is not JSON would be a string that never orders against a number.
    ['n > +5', 'value +5 is not a JSON number: it is read as the string "+5", and ">" orders a string only against strings'],
    ['n <= .5e2', 'not a JSON number', 'write it as a JSON number (50)'],
    ['n >= 5.', 'not a JSON number'],
    // The same trap with equality: n != 5. would hold for every number, n == +5 for none.
    ['n != 5.', 'value 5. is not a JSON number: it is read as the string "5.", and "!=" never finds a string equal to a number', 'write it as a JSON number (5), or quote it to compare strings: "5."'],
    ['n == +5', 'not a JSON number', 'write it as a JSON number (5)'],
    ['n == 0x10', 'not a JSON number', 'write it as a JSON number (16)'],
    ['n == 00', 'not a JSON number', 'write it as a JSON number (0)'],
    ['tags contains .5', 'value .5 is not a JSON number: it is read as the string ".5", and "contains" would look for that string, never for a number', '(0.5)'],
    ['count(a) == +5', 'not a JSON number', '(5)'],
    // JSON has no Infinity or NaN: as bare words they are strings that never compare with a number.
    ['t < Infinity', 'value Infinity is not a JSON number: it is read as the string "Infinity", and "<" orders a string only against strings', 'JSON has no Infinity'],
    ['t > -Infinity', 'not a JSON number', 'JSON has no -Infinity'],
    ['t <= +Infinity', 'not a JSON number', 'JSON has no +Infinity'],
    ['t != NaN', 'not a JSON number', 'JSON has no NaN'],
    ['t == -NaN', 'not a JSON number', 'quote it to compare strings: "-NaN"'],
    // Signed prefixed literals and digit separators read as numbers in common syntaxes too.
    ['x != -0x10', 'value -0x10 is not a JSON number', 'write it as a JSON number (-16)'],
    ['y != 1_000', 'value 1_000 is not a JSON number', 'write it as a JSON number (1000)'],
    ['x != -0b10000', 'not a JSON number', '(-16)'],
    ['x == +0o17', 'not a JSON number', '(15)'],
    ['x == 0X1F', 'not a JSON number', '(31)'],
    ['x == 0xFF_FF', 'not a JSON number', '(65535)'],
    ['x >= 1_000.5', 'not a JSON number', '(1000.5)'],
    ['x < 1e1_0', 'not a JSON number', '(10000000000)'],
    ['x < -.5e-1', 'not a JSON number', '(-0.05)'],
    ['x contains -1_0', 'not a JSON number', '(-10)'],
    // true, false and null in another case (Python's True, YAML's TRUE) are bare-word strings: ok != FALSE would always hold.
    ['ok == True', 'value True is not JSON\'s true: it is read as the string "True", and "==" never finds a string equal to true', 'write true (JSON writes it in lower case), or quote it to compare strings: "True"'],
    ['ok != FALSE', 'value FALSE is not JSON\'s false', 'write false'],
    ['v == Null', 'value Null is not JSON\'s null', 'write null'],
    ['v > NULL', 'value NULL is not JSON\'s null: it is read as the string "NULL", and ">" orders a string only against strings'],
    ['flags contains True', 'value True is not JSON\'s true', 'write true'],
    ['a. == 1', 'ends with "."'],
    ['a.b. exists', 'ends with "."'],
  ])('rejects %j', (input, phrase, hintPhrase?: string) => {
    const e = parseError(input);
    expect(e.message).toContain(phrase);
    expect(e.hint).toBeTruthy();
    if (hintPhrase !== undefined) expect(e.hint).toContain(hintPhrase);
  });

  it('lists the operators when it cannot guess', () => {
    expect(parseError('a <=> 1').hint).toContain('==, !=, <, <=, >, >=, in, not in, contains, matches, exists, absent');
  });

  it('rejects inputs that are neither strings nor objects', () => {
    for (const v of [42, null, true, ['a == 1'], undefined]) expect(parseError(v).message).toContain('must be a string or an object');
  });
});

describe('parsing the object form', () => {
  it('renders expr as path, op, JSON value', () => {
    expect(parse({ path: 'go_no_go', op: '==', value: 'go' })).toEqual({ expr: 'go_no_go == "go"', pathText: 'go_no_go', path: [{ kind: 'key', key: 'go_no_go' }], op: '==', value: 'go' });
    expect(parse({ path: 'a', op: 'exists' }).expr).toBe('a exists');
    expect(parse({ path: 'a', op: 'in', value: [1, 'x'] }).expr).toBe('a in [1,"x"]');
    expect(parse({ path: 'a', op: '==', value: null }).value).toBeNull();
  });

  it('keeps file and accepts functions in the path', () => {
    expect(parse({ path: 'count(roles[*])', op: '>=', value: 3, file: 'out/r.json' })).toMatchObject({ fn: 'count', pathText: 'roles[*]', file: 'out/r.json', expr: 'count(roles[*]) >= 3' });
  });

  it('takes any string as a value, with no bare-word rules', () => {
    expect(parse({ path: 'a', op: '==', value: 'go now' }).value).toBe('go now');
  });

  it.each([
    [{ path: 'a', op: '==', value: 1, extra: 1, other: 2 }, 'unknown fields "extra", "other"'],
    [{ op: '==', value: 1 }, 'missing "path"'],
    [{ path: 'a', value: 1 }, 'missing "op"'],
    [{ path: 1, op: '==' }, '"path" must be a string'],
    [{ path: 'a', op: 1 }, '"op" must be a string'],
    [{ path: '', op: 'exists' }, 'empty path'],
    [{ path: 'a ==', op: '==', value: 1 }, 'after the path'],
    [{ path: 'a', op: '=', value: 1 }, 'unknown operator'],
    [{ path: 'a', op: '==' }, 'needs a value'],
    [{ path: 'a', op: 'exists', value: true }, 'takes no value'],
    [{ path: 'a', op: 'in', value: 'x' }, 'needs an array'],
    [{ path: 'a', op: '==', value: new Date(0) }, 'JSON value'],
    [{ path: 'a', op: '==', value: Number.NaN }, 'JSON value'],
    [{ path: 'a', op: 'exists', file: '' }, '"file"'],
  ])('rejects %j', (input, phrase) => {
    expect(parseError(input).message).toContain(phrase);
  });

  it('lists every problem of an object, each with the field it is about, and none that rests on another', () => {
    const where = (input: unknown) => assertionProblems(input).map((p) => `${p.field ?? '-'}${p.key === true ? ' (key)' : ''}: ${p.message}`);
    expect(where({ path: 'x', op: 'exists', value: 1, extra: 1 })).toEqual(['extra (key): unknown field "extra" in assertion', 'value: "exists" takes no value, found 1']);
    expect(where({ path: 'a ==', op: 'nope', value: 1, file: '' })).toEqual([
      'path: unexpected text after the path in "a =="',
      'op: unknown operator "nope"',
      'file: "file" must be a non-empty string',
    ]);
    expect(where({ value: 1 })).toEqual(['-: assertion object is missing "path"', '-: assertion object is missing "op"']);
    expect(where({ path: 'a', op: 'in', value: 'x' })).toEqual(['value: "in" needs an array of values, found a string']);
    expect(where({ path: 'a', op: '==' })).toEqual(['-: "==" needs a value']);
    // A misspelled field is said once, as the unknown field, not again as the one missing.
    expect(where({ path: 'a', op: '==', valu: 1 })).toEqual(['valu (key): unknown field "valu" in assertion']);
    expect(assertionProblems({ opp: '==', path: 'a', value: 1 })[0]?.hint).toBe('did you mean "op"?');
    // A string has one problem, about the whole of it; a valid assertion none.
    expect(where('x exists 1')).toEqual(['-: "exists" takes no value, found 1']);
    expect(where({ path: 'a', op: '==', value: 1 })).toEqual([]);
    expect(where('a == 1')).toEqual([]);
  });

  it('suggests the spelling of a near operator', () => {
    expect(parseError({ path: 'a', op: 'not  in', value: [] }).hint).toContain('"not in"');
  });
});

describe('operators', () => {
  it.each([
    ['go_no_go == "go"', true], ['go_no_go == go', true], ['go_no_go == "no"', false],
    ['five == 5', false], ['five == "5"', true], ['zero == false', false], ['nil == null', true], ['no == false', true],
    ['obj == {"b":[1,2],"a":1}', true], ['obj.b == [2,1]', false], ['obj == {"a":1}', false],
    ['go_no_go != "no"', true], ['go_no_go != go', false], ['five != 5', true],
    ['zero < 1', true], ['zero < 0', false], ['zero <= 0', true], ['zero > -1', true], ['zero >= 1', false],
    ['version > "v1"', true], ['version < "v2"', true], ['["B"] < "a"', true], ['["B"] > "a"', false], ['five < 6', false], ['five > 4', false], ['nil < 1', false],
    ['go_no_go in ["go", "ok"]', true], ['go_no_go in ["no"]', false], ['five in [5]', false], ['obj in [{"a":1,"b":[1,2]}]', true],
    ['go_no_go not in ["no"]', true], ['go_no_go not in ["go"]', false],
    ['version contains "1.2"', true], ['version contains "9"', false], ['tags contains "beta"', true], ['tags contains "gamma"', false],
    ['latencies contains 80', true], ['version contains 1', false], ['obj contains "a"', false], ['zero contains 0', false],
    ['version matches "^v[0-9]+\\\\.[0-9]+"', true], ['version matches 1\\.2', true], ['version matches ^1', false],
    ['version matches /^V1/i', true], ['version matches ^V1', false], ['zero matches "0"', false], ['tags matches alpha', false],
    ['nil exists', true], ['no exists', true], ['missing exists', false],
    ['missing absent', true], ['nil absent', false], ['no absent', false],
  ])('%s → %s', (input, ok) => {
    expect(holds(input, { ...DOC, B: 'B' })).toBe(ok);
  });

  it('matches with m and s flags', () => {
    const doc = { s: 'a\nb' };
    expect(holds('s matches /^b$/m', doc)).toBe(true);
    expect(holds('s matches /^b$/', doc)).toBe(false);
    expect(holds('s matches /a.b/s', doc)).toBe(true);
    expect(holds('s matches /a.b/', doc)).toBe(false);
  });

  it('treats a pattern that is not a /…/flags literal as the whole pattern', () => {
    expect(holds({ path: 'p', op: 'matches', value: '/usr/bin' }, { p: 'x/usr/bin' })).toBe(true);
  });

  it('has a registry entry for every operator', () => {
    expect(Object.keys(OPERATORS).sort()).toEqual(['!=', '<', '<=', '==', '>', '>=', 'absent', 'contains', 'exists', 'in', 'matches', 'not in'].sort());
  });

  it('deepEqual is strict and copes with deep values', () => {
    expect(deepEqual({ a: [1, { b: null }] }, { a: [1, { b: null }] })).toBe(true);
    expect(deepEqual([1, 2], { 0: 1, 1: 2 })).toBe(false);
    expect(deepEqual({ a: undefined }, { b: undefined })).toBe(false);
    let x: unknown = 1;
    let y: unknown = 1;
    for (let i = 0; i < 100_000; i++) {
      x = [x];
      y = [y];
    }
    expect(deepEqual(x, y)).toBe(true);
  });
});

describe('evaluation', () => {
  it('resolves every path form', () => {
    expect(holds('profiles.prod.ok == true', DOC)).toBe(true);
    expect(holds('roles[1].name == b', DOC)).toBe(true);
    expect(holds('["key.with.dots"].x == 1', DOC)).toBe(true);
    expect(holds("['it\\'s'] == 2", DOC)).toBe(true);
    expect(holds('required_fail_total == 0', DOC)).toBe(true);
    expect(holds('startup_2.reason == ok', DOC)).toBe(true);
    expect(holds('x-y == 1', DOC)).toBe(true);
    expect(holds('[*].errorCount == 0', [{ errorCount: 0 }, { errorCount: 0 }])).toBe(true);
    expect(holds('[0] == 7', [7])).toBe(true);
    expect(holds('grid.b[*][*].c == 1', DOC)).toBe(true);
    expect(holds('profiles[*].ok exists', DOC)).toBe(true);
    expect(holds('profiles[*].ok == true', DOC)).toBe(false);
  });

  it('reads own properties only', () => {
    for (const p of ['constructor.name', 'constructor', 'toString', '__proto__', 'hasOwnProperty', 'roles.length', 'version.length']) {
      expect(holds(`${p} exists`, DOC)).toBe(false);
      expect(holds(`${p} absent`, DOC)).toBe(true);
    }
    expect(holds('__proto__ == 1', JSON.parse('{"__proto__": 1}'))).toBe(true);
    expect(holds('[*] == 1', JSON.parse('{"__proto__": 1}'))).toBe(true);
  });

  it('never matches key segments on arrays or index segments on objects', () => {
    expect(holds('roles.0 exists', DOC)).toBe(false);
    expect(holds('obj[0] exists', { obj: { 0: 1 } })).toBe(false);
    expect(holds('obj.0 == 1', { obj: { 0: 1 } })).toBe(true);
    expect(holds('obj["0"] == 1', { obj: { 0: 1 } })).toBe(true);
  });

  it('has no vacuous truth over wildcards', () => {
    expect(holds('none[*].ready == true', DOC)).toBe(false);
    expect(holds('none[*] exists', DOC)).toBe(false);
    expect(holds('none[*].x absent', DOC)).toBe(false);
    expect(holds('missing[*].x absent', DOC)).toBe(false);
    expect(holds('[*] == 1', [])).toBe(false);
    expect(holds('[*] == 1', {})).toBe(false);
    expect(holds('a[*][*] == 1', { a: [[1], []] })).toBe(false);
    expect(holds('go_no_go[*] exists', DOC)).toBe(false);
  });

  it('needs every element to hold', () => {
    const doc = { roles: [{ ready: true }, { ready: true }, { ready: false }] };
    expect(holds('roles[*].ready == true', doc)).toBe(false);
    expect(holds('roles[*].ready exists', { roles: [{ ready: 1 }, {}] })).toBe(false);
    expect(holds('roles[*].ready absent', { roles: [{}, {}] })).toBe(true);
    expect(holds('roles[*].ready absent', { roles: [{}, { ready: null }] })).toBe(false);
    expect(holds('roles[*].ready == true', { roles: [{ ready: true }, {}] })).toBe(false);
  });

  it('does not hold over missing paths, except absent', () => {
    for (const op of ['== 1', '!= 1', '< 1', '> 1', 'in [1]', 'not in [1]', 'contains 1', 'matches x', 'exists']) {
      expect(holds(`nope.deeper ${op}`, DOC)).toBe(false);
    }
    expect(holds('nope.deeper absent', DOC)).toBe(true);
    expect(holds('nil.x absent', DOC)).toBe(true);
  });

  it('count: elements of an array, matched values, 0 for nothing', () => {
    expect(holds('count(roles[*]) >= 3', DOC)).toBe(true);
    expect(holds('count(roles) == 3', DOC)).toBe(true);
    expect(holds('count(roles[*].name) == 3', DOC)).toBe(true);
    expect(holds('count(none) == 0', DOC)).toBe(true);
    expect(holds('count(none[*]) == 0', DOC)).toBe(true);
    expect(holds('count(roles[*].extra) == 0', DOC)).toBe(true);
    expect(holds('count(profiles[*]) == 2', DOC)).toBe(true);
    // Without a wildcard an object counts its members, as an array its elements: {} counts 0.
    expect(holds('count(profiles) == 2', DOC)).toBe(true);
    expect(holds('count(e) == 0', { e: {} })).toBe(true);
    expect(holds('count(e) > 0', { e: {} })).toBe(false);
    expect(holds('count(e) == 1', JSON.parse('{"e": {"__proto__": 1}}'))).toBe(true);
    // Any other value found is one, null included (it is there); nothing found is 0.
    expect(holds('count(nil) == 1', DOC)).toBe(true);
    expect(holds('count(zero) == 1', DOC)).toBe(true);
    expect(holds('count(grid.b[*][*]) == 3', DOC)).toBe(true);
    expect(holds('count(grid.b[*]) == 2', DOC)).toBe(true);
  });

  it('count: a missing path is not a count of 0, so a typo never gives a vacuous GO', () => {
    const doc = { errors: ['E1', 'E2'] };
    // No wildcard: the whole path must be there.
    expect(holds('count(erors) == 0', doc)).toBe(false);
    expect(holds('count(erors) < 1', doc)).toBe(false);
    expect(holds('count(erors) != 2', doc)).toBe(false);
    expect(holds('count(report.errors) == 0', { report: {} })).toBe(false);
    // With a wildcard: the part before the first one must be there, and [*] must be able to walk it.
    expect(holds('count(erors[*]) == 0', doc)).toBe(false);
    expect(holds('count(erors[*].code) == 0', doc)).toBe(false);
    expect(holds('count(r[0].errors[*]) == 0', { r: [] })).toBe(false);
    expect(holds('count(errors[*]) == 0', { errors: 5 })).toBe(false);
    expect(holds('count(errors[*]) == 0', { errors: null })).toBe(false);
    expect(holds('count(errors[*].code) == 0', { errors: 'none' })).toBe(false);
    // Present but empty is a count of nothing: 0.
    expect(holds('count(errors[*]) == 0', { errors: [] })).toBe(true);
    expect(holds('count(errors[*]) == 0', { errors: {} })).toBe(true);
    expect(holds('count(errors[*].code) == 0', { errors: [] })).toBe(true);
    expect(holds('count(errors) == 0', { errors: [] })).toBe(true);
    // Past a wildcard that reached something, a branch that is missing adds nothing.
    expect(holds('count(results[*].errors[*]) == 1', { results: [{ errors: ['a'] }, {}] })).toBe(true);
    expect(holds('count(results[*].errors[*]) == 0', { results: [{}, { errors: [] }] })).toBe(true);
    expect(holds('count(results[*].errors) == 1', { results: [{ errors: 1 }, {}] })).toBe(true);
    expect(holds('count(results[*].errors[*]) == 0', { results: [{ errors: 3 }] })).toBe(true);
  });

  it('sum, min, max: numbers only, never over nothing', () => {
    expect(holds('sum(modules[*].fails) == 0', DOC)).toBe(true);
    expect(holds('sum(latencies) == 399', DOC)).toBe(true);
    expect(holds('max(latencies) < 200', DOC)).toBe(true);
    expect(holds('min(latencies) == 80', DOC)).toBe(true);
    expect(holds('max(latencies) < 199', DOC)).toBe(false);
    expect(holds('sum(zero) == 0', DOC)).toBe(true);
    expect(holds('sum(none) == 0', DOC)).toBe(false);
    expect(holds('sum(none[*]) == 0', DOC)).toBe(false);
    expect(holds('sum(nope) == 0', DOC)).toBe(false);
    expect(holds('min(tags) < 1', DOC)).toBe(false);
    expect(holds('sum(roles[*].ready) == 0', DOC)).toBe(false);
    expect(holds('sum(m[*].f) == 0', { m: [{ f: 0 }, {}] })).toBe(false);
    expect(holds('max(x) > 0', { x: Array.from({ length: 300_000 }, (_, i) => i) })).toBe(true);
    // An object's members are summed as an array's elements are.
    expect(holds('sum(s) == 3', { s: { lint: 1, test: 2 } })).toBe(true);
    expect(holds('max(s) == 2', { s: { lint: 1, test: 2 } })).toBe(true);
    expect(holds('sum(s) == 0', { s: {} })).toBe(false);
  });
});

describe('messages', () => {
  it.each([
    ['go_no_go == "go"', { go_no_go: 'no_go' }, false, 'go_no_go == "go": found "no_go"'],
    ['go_no_go == "go"', { go_no_go: 'go' }, true, 'go_no_go == "go": found "go"'],
    ['roles[*].ready == true', { roles: [{ ready: true }, { ready: true }, { ready: false }] }, false, 'roles[*].ready == true: found false at roles[2].ready'],
    ['roles[*].ready == true', { roles: [] }, false, 'roles[*].ready == true: found nothing ([*] matched no element at roles)'],
    ['profiles.prod.ok == true', { profiles: {} }, false, 'profiles.prod.ok == true: found nothing (no "prod" at profiles)'],
    ['status == ok', {}, false, 'status == ok: found nothing (no "status" at the top level)'],
    ['roles[5] exists', { roles: [1] }, false, 'roles[5] exists: found nothing (no [5] at roles, which has 1 element)'],
    ['roles.x exists', { roles: [] }, false, 'roles.x exists: found nothing (no "x" at roles, which is an array)'],
    ['count(roles[*]) >= 3', { roles: [1, 2] }, false, 'count(roles[*]) >= 3: found 2'],
    ['count(erors) == 0', { errors: ['E1', 'E2'] }, false, 'count(erors) == 0: found nothing (no "erors" at the top level)'],
    ['count(erors[*]) == 0', { errors: ['E1', 'E2'] }, false, 'count(erors[*]) == 0: found nothing (no "erors" at the top level)'],
    ['count(a.erors[*].x) == 0', { a: {} }, false, 'count(a.erors[*].x) == 0: found nothing (no "erors" at a)'],
    ['count(errors[*]) == 0', { errors: null }, false, 'count(errors[*]) == 0: found nothing (no [*] at errors, which is null)'],
    ['count(errors[*]) == 0', { errors: [] }, true, 'count(errors[*]) == 0: found 0 ([*] matched no element at errors)'],
    ['count(r[*].e[*]) == 0', { r: [{}] }, true, 'count(r[*].e[*]) == 0: found 0 (no "e" at r[0])'],
    ['sum(erors[*]) == 0', { errors: [1] }, false, 'sum(erors[*]) == 0: found nothing (no "erors" at the top level)'],
    ['max(erors) < 5', { errors: [1] }, false, 'max(erors) < 5: found nothing (no "erors" at the top level)'],
    ['min(errors[*]) > 0', { errors: 3 }, false, 'min(errors[*]) > 0: found nothing (no [*] at errors, which is a number)'],
    ['sum(m[*]) == 0', { m: [] }, false, 'sum(m[*]) == 0: found nothing ([*] matched no element at m)'],
    ['sum(m) == 0', { m: [1, 'x'] }, false, 'sum(m) == 0: found "x" at m[1], not a number'],
    ['sum(m) == 0', { m: { a: 1, b: 'x' } }, false, 'sum(m) == 0: found "x" at m.b, not a number'],
    ['sum(m) == 0', { m: {} }, false, 'sum(m) == 0: found nothing (an empty object at m)'],
    ['count(m) == 1', { m: { a: 1, b: 2 } }, false, 'count(m) == 1: found 2'],
    ['v >= 2', { v: '2.10' }, false, 'v >= 2: found "2.10" (a string, and ">=" orders two numbers or two strings)'],
    ['v[*] < "b"', { v: ['a', 3] }, false, 'v[*] < "b": found 3 at v[1] (a number, and "<" orders two numbers or two strings)'],
    ['s contains 1.2', { s: 'v1.2.3' }, false, 's contains 1.2: found "v1.2.3" (a string, which holds text: a number is never in it; quote 1.2 to look for the text)'],
    ['s[*] contains true', { s: ['true'] }, false, 's[*] contains true: found "true" at s[0] (a string, which holds text: a boolean is never in it; quote true to look for the text)'],
    ['s contains null', { s: 'null' }, false, 's contains null: found "null" (a string, which holds text: null is never in it; quote null to look for the text)'],
    ['n contains 1', { n: 5 }, false, 'n contains 1: found 5 (a number, and "contains" looks in a string or an array)'],
    ['o contains "a"', { o: { a: 1 } }, false, 'o contains "a": found {"a":1} (an object, and "contains" looks in a string or an array)'],
    ['s contains ["v"]', { s: 'v' }, false, 's contains ["v"]: found "v" (a string, which holds text: an array is never in it)'],
    ['s contains "9"', { s: 'v1' }, false, 's contains "9": found "v1"'],
    ['s contains 1.2', { s: [1] }, false, 's contains 1.2: found [1]'],
    ['v < "b"', { v: 'c' }, false, 'v < "b": found "c"'],
    ['a absent', { a: 1 }, false, 'a absent: found 1'],
    ['r[*].x == 1', { r: [{ x: 1 }, {}] }, false, 'r[*].x == 1: found nothing (no "x" at r[1])'],
    ['[*].n == 1', [], false, '[*].n == 1: found nothing ([*] matched no element at the top level)'],
  ])('%s over %j', (input, doc, ok, message) => {
    expect(run(input, doc)).toEqual({ expr: input, ok, message });
  });

  it.each([
    ['passed == scenarios', { passed: 5, scenarios: 5 }, false, 'passed == scenarios: found 5 (scenarios is the string "scenarios" here: an assertion compares a path with a value, never with another path)'],
    ['n >= passed', { n: 3, passed: 2 }, false, 'n >= passed: found 3 (a number, and ">=" orders two numbers or two strings; passed is the string "passed" here: an assertion compares a path with a value, never with another path)'],
    ['r[*].ok == summary.ok', { r: [{ ok: true }], summary: { ok: true } }, false, 'r[*].ok == summary.ok: found true at r[0].ok (summary.ok is the string "summary.ok" here: an assertion compares a path with a value, never with another path)'],
    // A string found, or a value written as JSON, is a comparison of text as meant: nothing is added.
    ['status == go', { status: 'no_go' }, false, 'status == go: found "no_go"'],
    ['n == "total"', { n: 3 }, false, 'n == "total": found 3'],
    ['v >= 2', { v: 1 }, false, 'v >= 2: found 1'],
  ])('a bare word compared with a value that is not a string says it was read as a string: %s', (input, doc, ok, message) => {
    expect(run(input, doc)).toEqual({ expr: input, ok, message });
  });

  it('renders object-form expressions', () => {
    expect(run({ path: 'go_no_go', op: '==', value: 'go' }, { go_no_go: 'no_go' }).message).toBe('go_no_go == "go": found "no_go"');
  });

  it('carries file on results', () => {
    const a = parse({ path: 'x', op: 'exists', file: 'r.json' });
    expect(evaluateAssertion(a, { x: 1 })).toEqual({ expr: 'x exists', ok: true, message: 'x exists: found 1', file: 'r.json' });
    expect(unreadableAssertion(a, 'cannot read r.json: not found')).toEqual({ expr: 'x exists', ok: false, message: 'x exists: cannot read r.json: not found', file: 'r.json' });
  });

  it('is always one line', () => {
    expect(run('s == "x"', { s: 'a\nb\u2028c\u0085' }).message).toBe('s == "x": found "a\\nb\\u2028c\\u0085"');
    expect(run('["a\\nb"] exists', {}).message).not.toMatch(/[\n\r]/);
    expect(run('a ==\n1', { a: 1 }).message).toBe('a ==\\n1: found 1');
    expect(unreadableAssertion(parse('a exists'), 'line1\nline2').message).toBe('a exists: line1\\nline2');
  });

  it('truncates long values', () => {
    const m = run('s == 1', { s: 'x'.repeat(10_000) }).message;
    expect(m.endsWith('…')).toBe(true);
    expect(m.length).toBeLessThan(160);
    expect(render(Array.from({ length: 1000 }, (_, i) => i)).length).toBeLessThanOrEqual(120);
    expect(render({ a: 1 })).toBe('{"a":1}');
  });
});

describe('robustness', () => {
  it('copes with deep nesting, huge arrays and weird keys', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = { a: deep };
    expect(run('a exists', deep).ok).toBe(true);
    expect(run('a == 1', deep).message.length).toBeLessThan(200);
    expect(holds('a contains 1', { a: [deep, 1] })).toBe(true);
    const big = { xs: Array.from({ length: 200_000 }, () => ({ ok: true })) };
    expect(holds('xs[*].ok == true', big)).toBe(true);
    expect(holds('count(xs[*]) == 200000', big)).toBe(true);
    const weird = { '': 1, ' ': 2, '\u0000': 3, '😀': 4 };
    expect(holds('[""] == 1', weird)).toBe(true);
    expect(holds('[" "] == 2', weird)).toBe(true);
    expect(holds('["\\u0000"] == 3', weird)).toBe(true);
    expect(holds('["😀"] == 4', weird)).toBe(true);
  });

  it('evaluates against any JSON value without throwing', () => {
    for (const doc of [null, 0, 'x', true, [], {}, [null], { a: null }]) {
      for (const input of ['a.b exists', '[*] == 1', 'count(a[*]) == 0', 'sum([*]) == 1', 'a contains x', 'a matches x', '[0].a absent']) {
        expect(() => run(input, doc)).not.toThrow();
      }
    }
  });

  it('never throws while parsing, and every result is one line', () => {
    const chars = fc.constantFrom(...'ab0_.[]*"\'()=!<>~ \n\tinotcuexsabmh$-/{},:'.split(''));
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: chars, maxLength: 30 })), fc.jsonValue(), (text, doc) => {
        const r = parseAssertion(text);
        if (r.ok) expect(evaluateAssertion(r.assertion, doc).message).not.toMatch(/[\n\r\u2028\u2029]/);
        else expect(typeof r.message).toBe('string');
      }),
      { numRuns: 3000 },
    );
  });
});
