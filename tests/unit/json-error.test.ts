import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeJsonProblem, findJsonProblem, locateJsonProblem } from '../../src/judge/json-error.js';

const parses = (text: string) => {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
};

describe('where a text stops being JSON', () => {
  it('names the line, the column and the kind of problem', () => {
    expect(findJsonProblem('{"a": 1,\n  "b": tru }')).toEqual({ line: 2, column: 8, problem: "unexpected 't' where a value should start" });
    expect(findJsonProblem('{"a" 1}')).toMatchObject({ line: 1, column: 6, problem: "unexpected '1' where ':' should follow a property name" });
    expect(findJsonProblem('[1, 2')).toMatchObject({ line: 1, column: 6, problem: 'unexpected end of input' });
    expect(findJsonProblem('{"ok": true} x')).toMatchObject({ column: 14, problem: 'more text after the JSON document' });
    expect(findJsonProblem('{ok: 1}')).toMatchObject({ column: 2, problem: "unexpected 'o' where a property name in double quotes should be" });
    expect(findJsonProblem('"a\tb"')).toMatchObject({ column: 3, problem: 'a control character (U+0009) inside a string; it must be escaped' });
    expect(findJsonProblem('"abc')).toMatchObject({ column: 1, problem: 'a string that is never closed' });
    expect(findJsonProblem('"\\x"')).toMatchObject({ problem: 'an invalid escape sequence' });
    expect(findJsonProblem('[1,]')).toMatchObject({ problem: "unexpected ']' where a value should start" });
    expect(findJsonProblem('')).toMatchObject({ line: 1, column: 1, problem: 'unexpected end of input' });
    expect(findJsonProblem('{"a":[1,{"b":null}],"c":-1.5e3}')).toBeUndefined();
    expect(findJsonProblem('{"a": 1 "b": 2}')).toMatchObject({ column: 9, problem: "unexpected string where ',' or '}' should be" });
  });

  it('gives the offset and a hint for fixing it by hand', () => {
    expect(locateJsonProblem('[1, 2,]')).toEqual({ offset: 6, problem: "unexpected ']' where a value should start", hint: 'remove the comma before it: JSON allows no trailing commas' });
    expect(locateJsonProblem('{"a": 1,}')?.hint).toBe('remove the comma before it: JSON allows no trailing commas');
    expect(locateJsonProblem('{"a": [1}')?.hint).toBe("the array opened with '[' is still open: close it with ']' first");
    expect(locateJsonProblem('{"a": 1')).toMatchObject({ offset: 7, hint: "the text ends inside the object opened with '{': add what is missing, ending with '}'" });
    expect(locateJsonProblem('  ')?.hint).toBe('the text is empty: write a JSON value');
    expect(locateJsonProblem('{"a": /* x */ 1}')?.hint).toBe('remove it: JSON allows no comments');
    expect(locateJsonProblem('{"a": -x}')?.hint).toMatch(/"-" must be followed by a digit/);
    expect(locateJsonProblem('"\\q"')?.hint).toMatch(/^a backslash starts an escape/);
  });

  it('names a number that goes on where JSON’s ends as an invalid number at its start, not as a missing comma', () => {
    expect(locateJsonProblem('{"timeoutMs": 01}')).toEqual({ offset: 14, problem: 'an invalid number', hint: 'JSON numbers have no leading zeros: write 1, not 01' });
    expect(locateJsonProblem('{"timeoutMs": 60_000}')).toMatchObject({ offset: 14, problem: 'an invalid number', hint: 'JSON numbers have no digit separators: write 60000, not 60_000' });
    expect(locateJsonProblem('[1.]')).toMatchObject({ offset: 1, problem: 'an invalid number', hint: expect.stringMatching(/^a decimal point must be followed by digits/) });
    expect(locateJsonProblem('[1.2.3]')).toMatchObject({ offset: 1, problem: 'an invalid number', hint: expect.stringContaining('"1.2.3"') });
    expect(locateJsonProblem('[0x10]')).toMatchObject({ offset: 1, hint: 'JSON numbers are decimal: write 16, not 0x10' });
    expect(locateJsonProblem('[-1e]')).toMatchObject({ offset: 1, hint: 'an exponent needs digits, e.g. 1e3' });
    expect(locateJsonProblem('{"timeoutMs": 30s}')).toMatchObject({ offset: 14, problem: 'an invalid number', hint: expect.stringContaining('30000, not 30s') });
    expect(findJsonProblem('{"n": 1,\n "m": 007}')).toEqual({ line: 2, column: 7, problem: 'an invalid number' });
    // A number followed by what may follow one is still read as before.
    expect(locateJsonProblem('[1 2]')?.hint).toBe('a comma is missing before it: elements are separated by commas');
  });

  it('never quotes the text: a secret at the start shows as one character at most', () => {
    const text = 'ghp_Abcdef1234567890 is not JSON';
    const message = describeJsonProblem(text, new SyntaxError('whatever the parser said'));
    expect(message).toBe("line 1, column 1: unexpected 'g' where a value should start");
    expect(message).not.toContain('hp_');
    expect(describeJsonProblem('{"s": "\u0001secret-value"}', undefined)).not.toContain('secret');
  });

  it('agrees with JSON.parse on what is JSON', () => {
    const jsonish = fc.oneof(
      fc.json(),
      fc.json().map((j) => j.slice(0, Math.max(0, j.length - 1))),
      fc.json().chain((j) => fc.nat(j.length).map((i) => `${j.slice(0, i)}${j.slice(i + 1)}`)),
      fc.string({ unit: fc.constantFrom('{', '}', '[', ']', '"', ':', ',', '\\', 'u', '0', '1', '-', '.', 'e', 't', 'r', 'n', ' ', '\n', 'a') }),
    );
    fc.assert(
      fc.property(jsonish, (text) => {
        expect(findJsonProblem(text) === undefined).toBe(parses(text));
      }),
      { numRuns: 2000 },
    );
  });

  it('deep nesting costs no recursion', () => {
    expect(findJsonProblem('['.repeat(200_000))).toMatchObject({ problem: 'unexpected end of input' });
    expect(findJsonProblem(`${'['.repeat(200_000)}${']'.repeat(200_000)}`)).toBeUndefined();
  });
});
