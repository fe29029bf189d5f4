/**
 * Definition errors as people read them: `file:line:col: json.path: message`, a hint,
 * and the source line with a caret under the offending text. Never a stack trace.
 * Never a secret either: see `definitionSecrets`.
 */
import { jsonNumberOfWord } from '../assert/parse.js';
import type { Diagnostic } from '../model/types.js';
import { createRedactor, SECRET_NAME, secretValues, type Redactor } from '../report/redact.js';
import { displayWidth, graphemeEnd, graphemes, graphemeStart } from '../util/display-width.js';

/** Line starts of a text, to turn offsets into 1-based line:column (columns count UTF-16 units). */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(private readonly text: string) {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10) this.starts.push(i + 1);
      else if (c === 13) {
        if (text.charCodeAt(i + 1) === 10) i++;
        this.starts.push(i + 1);
      }
    }
  }

  position(offset: number): { line: number; column: number } {
    const at = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.starts[mid] ?? 0) <= at) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: at - (this.starts[lo] ?? 0) + 1 };
  }

  /** The text of a 1-based line, without its line break. */
  lineText(line: number): string {
    const start = this.starts[line - 1];
    if (start === undefined) return '';
    const next = this.starts[line];
    let end = next === undefined ? this.text.length : next;
    while (end > start && (this.text[end - 1] === '\n' || this.text[end - 1] === '\r')) end--;
    return this.text.slice(start, end);
  }
}

/** 1-based line and column of `offset` in `text`. */
export function lineColAt(text: string, offset: number): { line: number; column: number } {
  return new LineIndex(text).position(offset);
}

const MAX_SHOWN = 100;

/** Control characters would let a gate file drive the terminal; show them as U+FFFD (one column, so carets stay aligned). */
function printable(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029]/g, '\uFFFD');
}

/** Columns of the text a caret line stands under: a tab is kept (the terminal places it), anything else is its display width. */
const columnsOf = (segment: string): number => (segment === '\t' ? 1 : displayWidth(segment));

/**
 * The source line and, under it, carets under the offending text, as a terminal lays them out:
 * the column (UTF-16 units, as editors count) is turned into display columns (a wide character
 * or an emoji takes two, a combining mark none; tabs stay tabs), and the carets span the
 * offending text's display width. A long line is cut around the error, never inside a grapheme.
 */
function caretView(d: Diagnostic): string[] {
  if (d.sourceLine === undefined || d.line <= 0) return [];
  let line = d.sourceLine;
  let col = Math.max(1, d.column) - 1;
  let prefix = '';
  let suffix = '';
  if (line.length > MAX_SHOWN) {
    const around = Math.max(0, Math.min(col - 40, line.length - MAX_SHOWN));
    const upTo = Math.min(line.length, around + MAX_SHOWN);
    // Whole graphemes only: the cut moves inwards, unless the error's own grapheme straddles it.
    let start = graphemeEnd(line, around);
    if (start > col) start = graphemeStart(line, around);
    let end = graphemeStart(line, upTo);
    if (end <= col && upTo > col) end = graphemeEnd(line, upTo);
    prefix = start > 0 ? '…' : '';
    suffix = end < line.length ? '…' : '';
    line = line.slice(start, end);
    col = col - start + prefix.length;
  }
  const shown = printable(prefix + line + suffix);
  const width = String(d.line).length;
  const gutter = ' '.repeat(width);
  const at = graphemeStart(shown, Math.max(0, Math.min(col, shown.length)));
  let pad = '';
  for (const { segment } of graphemes(shown.slice(0, at))) pad += segment === '\t' ? '\t' : ' '.repeat(displayWidth(segment));
  // The offending text, to the end of the grapheme it ends in, clamped to what is shown.
  const spanEnd = graphemeEnd(shown, Math.min(shown.length, col + Math.max(0, d.length ?? 1)));
  let span = 0;
  if (spanEnd > at) for (const { segment } of graphemes(shown.slice(at, spanEnd))) span += columnsOf(segment);
  const carets = '^'.repeat(Math.max(1, span));
  return [`    ${d.line} | ${shown}`, `    ${gutter} | ${pad}${carets}`];
}

/** A diagnostic's file as shown: an empty gate argument (its `file`) as `""`, so the line still has a subject. */
const shownFile = (file: string): string => (file === '' ? '""' : file);

/** One diagnostic, as lines of text. */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.line > 0 ? `${d.file}:${d.line}:${d.column}` : shownFile(d.file);
  const head = `${where}: ${d.jsonPath === '' ? '' : `${printable(d.jsonPath)}: `}${printable(d.message)}`;
  const lines = [head];
  if (d.hint !== undefined && d.hint !== '') lines.push(`  hint: ${printable(d.hint)}`);
  lines.push(...caretView(d));
  return lines.join('\n');
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * Every problem, grouped by file in the order the files first appear, each group sorted by
 * position; then one closing line saying nothing ran. Ends with a newline; '' for no problems.
 */
export function formatDiagnostics(diags: Diagnostic[]): string {
  if (diags.length === 0) return '';
  const byFile = new Map<string, Diagnostic[]>();
  for (const d of diags) {
    const list = byFile.get(d.file);
    if (list) list.push(d);
    else byFile.set(d.file, [d]);
  }
  const blocks: string[] = [];
  for (const list of byFile.values()) {
    const sorted = [...list].sort((a, b) => a.line - b.line || a.column - b.column);
    blocks.push(sorted.map(formatDiagnostic).join('\n'));
  }
  const files = [...byFile.keys()].map(shownFile);
  const tail =
    files.length === 1
      ? `${plural(diags.length, 'problem')} in ${files[0]}; nothing ran.`
      : `${plural(diags.length, 'problem')} in ${files.length} files (${files.join(', ')}); nothing ran.`;
  return `${blocks.join('\n\n')}\n${tail}\n`;
}

/** Orders one file's diagnostics by position (stable: equal positions keep their order). */
export function byPosition(diags: Diagnostic[]): Diagnostic[] {
  return [...diags].sort((a, b) => a.line - b.line || a.column - b.column);
}

/**
 * JSON string literals in order: the body, and the closing quote unless the
 * string is left open (it then ends at its line's end). Outside strings JSON
 * has no quotes, so the scan keeps in step even in a file that does not parse.
 */
const STRING_TOKEN = /"((?:[^"\\\r\n]|\\.)*)("?)/g;

/** A literal's value, or its body as written when that does not parse (a bad escape). */
function literalValue(body: string): string {
  try {
    return JSON.parse(`"${body}"`) as string;
  } catch {
    return body;
  }
}

/** The names listed under `redact`, when the file parses. */
function listedNames(text: string): string[] {
  try {
    const value = JSON.parse(text) as { redact?: unknown } | null;
    return Array.isArray(value?.redact) ? value.redact.filter((n): n is string => typeof n === 'string') : [];
  } catch {
    return [];
  }
}

/**
 * Where each array or object in the text ends: for the offset of its `[` or `{`, the offset
 * after its closing bracket, or the text's end when it is never closed. One pass, so that a
 * file nested however deep costs linear time.
 */
function containerEnds(text: string): Map<number, number> {
  const ends = new Map<number, number>();
  const open: number[] = [];
  for (const m of text.matchAll(/"(?:[^"\\\r\n]|\\.)*"?|[[\]{}]/g)) {
    if (m[0] === '[' || m[0] === '{') open.push(m.index);
    else if (m[0] === ']' || m[0] === '}') {
      const start = open.pop();
      if (start !== undefined) ends.set(start, m.index + 1);
    }
  }
  for (const start of open) ends.set(start, text.length);
  return ends;
}

/**
 * The lines of `text` that `spans` (disjoint `[start, end)` offsets, in order) touch, each with
 * its parts in a span masked by `*` (spaces around them kept), keyed by the line as written.
 * Each line is built once, however many spans it holds.
 */
function maskedLines(text: string, spans: [number, number][]): Map<string, string> {
  const lines = new LineIndex(text);
  const parts = new Map<number, [number, number][]>();
  for (const [start, end] of spans) {
    const from = lines.position(start);
    const to = lines.position(end);
    for (let n = from.line; n <= to.line; n++) {
      const part: [number, number] = [n === from.line ? from.column - 1 : 0, n === to.line ? to.column - 1 : Infinity];
      const list = parts.get(n);
      if (list) list.push(part);
      else parts.set(n, [part]);
    }
  }
  const out = new Map<string, string>();
  for (const [n, ranges] of parts) {
    const line = lines.lineText(n);
    let masked = '';
    let pos = 0;
    for (const [a, b] of ranges) {
      const part = line.slice(a, b);
      const body = part.trim();
      const at = a + part.indexOf(body);
      masked += line.slice(pos, at) + '*'.repeat(body.length);
      pos = at + body.length;
    }
    out.set(line, masked + line.slice(pos));
  }
  return out;
}

/** `secrets`, with `blank` masking first the lines in `lines` (a line as written → the line masked). */
function blankingLines(secrets: Redactor, lines: Map<string, string>): Redactor {
  if (lines.size === 0) return secrets;
  const { json, maskBytes, maskSettled, find, lines: lineMasker } = secrets;
  return Object.assign((text: string) => secrets(text), {
    json,
    // What it hides reaches as far as its longest line (no spread: a file may have a great many).
    reach: [...lines.keys()].reduce((most, line) => Math.max(most, Buffer.byteLength(line)), secrets.reach),
    maskBytes,
    maskSettled,
    find,
    lines: lineMasker,
    blank: (text: string) => secrets.blank(lines.get(text) ?? text),
  });
}

/**
 * What a definition error must not show: the values of gate's own environment
 * variables whose names look secret or are listed under `redact`, and, in the
 * gate file's text, every value of a key with such a name (`"API_TOKEN": "…"`),
 * found by a lexical scan that also works on a file that is not valid JSON.
 * The thresholds are those of the report's masking, but for an array or an
 * object: it is masked whole in the quoted source line, however short.
 */
export function definitionSecrets(text: string, env: Record<string, string | undefined>): Redactor {
  const listed = listedNames(text);
  const values = secretValues([env], listed);
  const names = new Set(listed);
  const tokens = [...text.matchAll(STRING_TOKEN)];
  let ends: Map<number, number> | undefined;
  const containers: [number, number][] = [];
  for (let i = 0; i < tokens.length; i++) {
    const key = tokens[i]!;
    // Inside an array or object already masked whole in its lines: its values may still be quoted elsewhere (in a message, another line).
    const inside = key.index < (containers.at(-1)?.[1] ?? 0);
    const after = text.slice(key.index + key[0].length);
    if (key[2] !== '"' || !/^\s*:/.test(after)) continue;
    const name = literalValue(key[1] ?? '');
    if (!SECRET_NAME.test(name) && !names.has(name)) continue;
    // A value that is not a string (a number, say) is refused by the schema, and its message quotes it.
    const scalar = /^\s*:\s*(-?[0-9][0-9.eE+-]*|true|false|null)/.exec(after);
    // As written, and as JavaScript prints the number it reads (`1234567890123456789` as `1234567890123456800`, `12345678.0` as `12345678`).
    if (scalar) for (const v of new Set([scalar[1]!, String(Number(scalar[1]))])) values.push(...secretValues([{ [name]: v }], listed));
    // An array or object is refused too, but its message names only its kind ("found an array"): only the lines that show it need masking.
    const container = /^\s*:\s*[[{]/.exec(after);
    if (container) {
      const start = key.index + key[0].length + container[0].length - 1;
      if (!inside) containers.push([start, (ends ??= containerEnds(text)).get(start) ?? text.length]);
      continue;
    }
    const value = tokens[i + 1];
    if (value === undefined || !/^\s*:\s*$/.test(text.slice(key.index + key[0].length, value.index))) continue;
    // The body as written too: it may spell the value with escapes its JSON form would not use (`\u0041`, `\/`).
    const body = value[1] ?? '';
    for (const v of new Set([literalValue(body), body])) values.push(...secretValues([{ [name]: v }], listed));
  }
  return blankingLines(createRedactor([...new Set(values)]), maskedLines(text, containers));
}

/** The word of "value 0x7fab3c19 is not a JSON number" (src/assert/parse.ts). */
const NUMBER_WORD = /^invalid assertion: value (\S+) is not a JSON number:/;

/**
 * The hint with the JSON number it spells for a number-like word (`0x7fab3c19`: `2141928473`) as
 * `[REDACTED]` when the word holds a secret: that number is the secret in decimal, which no form masks.
 */
function hideSpelledNumber(d: Diagnostic, secrets: Redactor): string {
  const word = d.code === 'invalid-assertion' ? NUMBER_WORD.exec(d.message)?.[1] : undefined;
  if (word === undefined || secrets(word) === word) return d.hint!;
  const spelled = jsonNumberOfWord(word);
  return spelled ? d.hint!.replace(`(${spelled})`, '([REDACTED])') : d.hint!;
}

/**
 * A diagnostic with its secrets masked: `[REDACTED]` in the message and hint;
 * in the quoted source line a run of `*` as long as what it hides, so that the
 * column (true to the file) still puts the caret under the right text.
 */
export function maskDiagnostic(d: Diagnostic, secrets: Redactor): Diagnostic {
  if (secrets.reach === 0) return d;
  const masked: Diagnostic = { ...d, jsonPath: secrets(d.jsonPath), message: secrets(d.message) };
  if (d.hint !== undefined) masked.hint = secrets(hideSpelledNumber(d, secrets));
  if (d.sourceLine !== undefined) masked.sourceLine = secrets.blank(d.sourceLine);
  return masked;
}
