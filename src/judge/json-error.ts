/**
 * Where a text stops being JSON, and why, in words that never quote the text.
 *
 * `JSON.parse` names the problem by quoting the start of the text
 * (`Unexpected token 'g', "ghp_Abcdef"... is not valid JSON`). A check's
 * output may hold a secret, and a quoted piece of it is shorter than the
 * secret, so masking would miss it. This scanner finds the first offence
 * itself and describes it by line, column and kind; at most the one offending
 * character is shown. Linear time, no recursion (nesting depth costs nothing).
 */

export interface JsonProblem {
  /** 1-based. */
  line: number;
  /** 1-based, in UTF-16 code units, as editors count. */
  column: number;
  problem: string;
}

type Expect = 'value' | 'value-or-close' | 'key' | 'key-or-close' | 'colon' | 'comma-or-close' | 'end';

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);
const HEX4 = /[0-9a-fA-F]{4}/y;

/** One character, safe to show: printable ASCII as itself, anything else by code point. */
function showChar(c: string): string {
  const code = c.codePointAt(0) ?? 0;
  return code >= 0x21 && code <= 0x7e ? `'${c}'` : `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

function at(text: string, offset: number, problem: string): JsonProblem {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line += 1;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1, problem };
}

/** The end of the string that starts at `start` (a `"`), or the problem inside it. */
function scanString(text: string, start: number): number | JsonProblem {
  for (let i = start + 1; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x22) return i + 1;
    if (code < 0x20) return at(text, i, `a control character (${showChar(text[i]!)}) inside a string; it must be escaped`);
    if (code === 0x5c) {
      const next = text[i + 1];
      if (next === 'u') {
        HEX4.lastIndex = i + 2;
        if (!HEX4.test(text)) return at(text, i, 'a \\u escape without four hex digits');
        i += 5;
      } else if (next !== undefined && ESCAPES.has(next)) {
        i += 1;
      } else {
        return at(text, i, next === undefined ? 'unexpected end of input inside a string' : 'an invalid escape sequence');
      }
    }
  }
  return at(text, start, 'a string that is never closed');
}

/** The first problem in `text` as JSON, or undefined when it is valid JSON. */
export function findJsonProblem(text: string): JsonProblem | undefined {
  const stack: ('{' | '[')[] = [];
  let expect: Expect = 'value';
  const afterValue = (): Expect => (stack.length === 0 ? 'end' : 'comma-or-close');
  let i = 0;
  for (;;) {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
    if (i >= text.length) return expect === 'end' ? undefined : at(text, i, 'unexpected end of input');
    const c = text[i]!;
    switch (expect) {
      case 'value':
      case 'value-or-close': {
        if (expect === 'value-or-close' && c === ']') {
          stack.pop();
          i++;
          expect = afterValue();
        } else if (c === '{' || c === '[') {
          stack.push(c);
          i++;
          expect = c === '{' ? 'key-or-close' : 'value-or-close';
        } else if (c === '"') {
          const end = scanString(text, i);
          if (typeof end !== 'number') return end;
          i = end;
          expect = afterValue();
        } else if (c === '-' || (c >= '0' && c <= '9')) {
          NUMBER.lastIndex = i;
          const m = NUMBER.exec(text);
          if (!m) return at(text, i, 'an invalid number');
          i += m[0].length;
          expect = afterValue();
        } else {
          const literal = ['true', 'false', 'null'].find((word) => text.startsWith(word, i));
          if (!literal) return at(text, i, `unexpected ${showChar(c)} where a value should start`);
          i += literal.length;
          expect = afterValue();
        }
        break;
      }
      case 'key':
      case 'key-or-close': {
        if (expect === 'key-or-close' && c === '}') {
          stack.pop();
          i++;
          expect = afterValue();
        } else if (c === '"') {
          const end = scanString(text, i);
          if (typeof end !== 'number') return end;
          i = end;
          expect = 'colon';
        } else {
          return at(text, i, `unexpected ${showChar(c)} where a property name in double quotes should be`);
        }
        break;
      }
      case 'colon':
        if (c !== ':') return at(text, i, `unexpected ${showChar(c)} where ':' should follow a property name`);
        i++;
        expect = 'value';
        break;
      case 'comma-or-close': {
        const open = stack[stack.length - 1];
        const close = open === '{' ? '}' : ']';
        if (c === ',') {
          i++;
          expect = open === '{' ? 'key' : 'value';
        } else if (c === close) {
          stack.pop();
          i++;
          expect = afterValue();
        } else {
          return at(text, i, `unexpected ${showChar(c)} where ',' or '${close}' should be`);
        }
        break;
      }
      case 'end':
        return at(text, i, 'more text after the JSON document');
    }
  }
}

/** A one-line description of why `text` is not JSON, for a reason; never quotes the text. */
export function describeJsonProblem(text: string, error: unknown): string {
  const found = findJsonProblem(text);
  if (found) return `line ${found.line}, column ${found.column}: ${found.problem}`;
  // The scanner found none, yet the parser refused: name the kind of failure only, never its message.
  return error instanceof RangeError ? 'nested too deeply to parse' : 'not valid JSON';
}
