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

/** The same problem by offset, with how a person writing the JSON would fix it. */
export interface LocatedJsonProblem {
  /** In UTF-16 code units; the text's length for a problem at its end. */
  offset: number;
  problem: string;
  hint: string;
}

type Expect = 'value' | 'value-or-close' | 'key' | 'key-or-close' | 'colon' | 'comma-or-close' | 'end';

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);
const HEX4 = /[0-9a-fA-F]{4}/y;

/** One character, safe to show: printable ASCII as itself (a `"` as the string it starts), anything else by code point. */
function showChar(c: string): string {
  const code = c.codePointAt(0) ?? 0;
  if (c === '"') return 'string';
  if (c === "'") return `"'"`;
  return code >= 0x21 && code <= 0x7e ? `'${c}'` : `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

const at = (offset: number, problem: string, hint: string): LocatedJsonProblem => ({ offset, problem, hint });

const ESCAPE_HINT = 'a backslash starts an escape: \\" \\\\ \\/ \\b \\f \\n \\r \\t or \\u and four hex digits; write a backslash itself as \\\\';
const TRAILING_COMMA = 'remove the comma before it: JSON allows no trailing commas';
const NO_COMMENTS = 'remove it: JSON allows no comments';

/** How to fix a character found where a value should start; `before` is the last character before it that is not a space. */
function valueHint(c: string, before: string | undefined): string {
  if ((c === ']' || c === '}') && before === ',') return TRAILING_COMMA;
  if (c === "'") return 'use double quotes: JSON strings are written "like this"';
  if (c === '/' || c === '#') return NO_COMMENTS;
  if (c === ',') return 'a value is missing before the comma';
  if (/[A-Za-z]/.test(c)) return 'put text in double quotes: the only bare words JSON allows are true, false and null';
  return 'write a value here: a string in double quotes, a number, true, false, null, an object or an array';
}

/** How to fix a number whose JSON part `json` is followed by `next`, which JSON numbers cannot hold. */
function numberHint(json: string, next: string): string {
  if (/^-?0$/.test(json) && /[0-9]/.test(next)) return 'JSON numbers have no leading zeros: write 1, not 01';
  if (/^-?0$/.test(json) && /[xXbBoO]/.test(next)) return 'JSON numbers are decimal: write 16, not 0x10';
  if (next === '_') return 'JSON numbers have no digit separators: write 60000, not 60_000';
  if (next === '.') return 'a decimal point must be followed by digits, once (1.5); quote other text, such as a version, as a string: "1.2.3"';
  if ((next === 'e' || next === 'E') && !/[eE]/.test(json)) return 'an exponent needs digits, e.g. 1e3';
  return 'write the number alone (timeoutMs and the like are in milliseconds: 30000, not 30s), or quote text as a string';
}

/** How to fix a character found where a property name should be. */
function keyHint(c: string): string {
  if (c === '}') return TRAILING_COMMA;
  if (c === '/' || c === '#') return NO_COMMENTS;
  return 'put the property name in double quotes, like "id" (JSON allows neither single quotes nor bare names)';
}

/** How to fix a character found where `,` or the bracket that closes `open` should be. */
function commaHint(c: string, open: '{' | '['): string {
  if (c === '}' || c === ']') return `the ${open === '{' ? 'object' : 'array'} opened with '${open}' is still open: close it with '${open === '{' ? '}' : ']'}' first`;
  if (c === '/' || c === '#') return NO_COMMENTS;
  return `a comma is missing before it: ${open === '{' ? 'members' : 'elements'} are separated by commas`;
}

/** How to fix a text that ends while `open` (the innermost bracket not closed, if any) is open. */
function endHint(open: '{' | '[' | undefined): string {
  if (open === undefined) return 'the text is empty: write a JSON value';
  return `the text ends inside the ${open === '{' ? 'object' : 'array'} opened with '${open}': add what is missing, ending with '${open === '{' ? '}' : ']'}'`;
}

const lastNonSpace = (text: string, before: number): string | undefined => {
  let i = before - 1;
  while (i >= 0 && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i--;
  return text[i];
};

function toLineColumn(text: string, found: LocatedJsonProblem): JsonProblem {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < found.offset; i = text.indexOf('\n', i + 1)) {
    line += 1;
    lineStart = i + 1;
  }
  return { line, column: found.offset - lineStart + 1, problem: found.problem };
}

/** The end of the string that starts at `start` (a `"`), or the problem inside it. */
function scanString(text: string, start: number): number | LocatedJsonProblem {
  for (let i = start + 1; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x22) return i + 1;
    if (code < 0x20) return at(i, `a control character (${showChar(text[i]!)}) inside a string; it must be escaped`, 'write it as an escape: \\n for a line break, \\t for a tab, \\u0001 for others');
    if (code === 0x5c) {
      const next = text[i + 1];
      if (next === 'u') {
        HEX4.lastIndex = i + 2;
        if (!HEX4.test(text)) return at(i, 'a \\u escape without four hex digits', ESCAPE_HINT);
        i += 5;
      } else if (next !== undefined && ESCAPES.has(next)) {
        i += 1;
      } else {
        return at(i, next === undefined ? 'unexpected end of input inside a string' : 'an invalid escape sequence', ESCAPE_HINT);
      }
    }
  }
  return at(start, 'a string that is never closed', 'close it with a double quote');
}

/** The first problem in `text` as JSON, or undefined when it is valid JSON. */
export function findJsonProblem(text: string): JsonProblem | undefined {
  const found = locateJsonProblem(text);
  return found === undefined ? undefined : toLineColumn(text, found);
}

/** As `findJsonProblem`, by offset and with a hint. */
export function locateJsonProblem(text: string): LocatedJsonProblem | undefined {
  const stack: ('{' | '[')[] = [];
  let expect: Expect = 'value';
  const afterValue = (): Expect => (stack.length === 0 ? 'end' : 'comma-or-close');
  let i = 0;
  for (;;) {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
    if (i >= text.length) return expect === 'end' ? undefined : at(i, 'unexpected end of input', endHint(stack[stack.length - 1]));
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
          if (!m) return at(i, 'an invalid number', 'a "-" must be followed by a digit, e.g. -1 or -0.5');
          // A number that goes on where JSON's ends (`01`, `60_000`, `1.`, `0x10`, `30s`) is one bad number, not a missing comma.
          const next = text[i + m[0].length];
          if (next !== undefined && /[0-9A-Za-z_.+-]/.test(next)) return at(i, 'an invalid number', numberHint(m[0], next));
          i += m[0].length;
          expect = afterValue();
        } else {
          const literal = ['true', 'false', 'null'].find((word) => text.startsWith(word, i));
          if (!literal) return at(i, `unexpected ${showChar(c)} where a value should start`, valueHint(c, lastNonSpace(text, i)));
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
          return at(i, `unexpected ${showChar(c)} where a property name in double quotes should be`, keyHint(c));
        }
        break;
      }
      case 'colon':
        if (c !== ':') return at(i, `unexpected ${showChar(c)} where ':' should follow a property name`, 'put a colon between the property name and its value, e.g. "id": "a"');
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
          return at(i, `unexpected ${showChar(c)} where ',' or '${close}' should be`, commaHint(c, open ?? '['));
        }
        break;
      }
      case 'end':
        return at(i, 'more text after the JSON document', 'remove it, or the bracket before it that closes the document too early: the text holds one JSON value');
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
