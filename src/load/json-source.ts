/**
 * A JSON file read for validation: bytes → checked UTF-8 text → plain value, keeping the
 * place of every value and every member key so later checks can point at them.
 * Refuses what JSON.parse would let through silently: duplicate keys, prototype keys,
 * nesting that could exhaust the stack, invalid UTF-8.
 */
import fs from 'node:fs/promises';
import { parse, type MemberNode, type Node, type ValueNode } from '@humanwhocodes/momoa';
import type { Diagnostic } from '../model/types.js';
import { locateJsonProblem } from '../judge/json-error.js';
import { LineIndex } from './diagnostics.js';

export const MAX_FILE_BYTES = 1024 * 1024;
export const MAX_DEPTH = 64;
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
/** For text JSON.parse refuses where the scanner finds nothing wrong (it should not happen: tests/unit/json-error.test.ts). */
const GENERIC_SYNTAX_HINT = 'fix the JSON syntax here (JSON allows no comments, trailing commas or single quotes)';

export type JsonPath = readonly PropertyKey[];

/** `checks[2].timeoutMs`; keys that are not plain identifiers are bracketed: `env["A-B"]`. */
export function formatJsonPath(path: JsonPath): string {
  let out = '';
  for (const seg of path) out = appendPath(out, seg);
  return out;
}

function appendPath(base: string, seg: PropertyKey): string {
  if (typeof seg === 'number') return `${base}[${seg}]`;
  const key = String(seg);
  if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key)) return base === '' ? key : `${base}.${key}`;
  return `${base}[${JSON.stringify(key)}]`;
}

interface Entry {
  value: ValueNode;
  name?: Node;
}

type Problem = Omit<Diagnostic, 'file'>;

export class JsonSource {
  private lineIndex?: LineIndex;
  private located?: Map<string, Entry>;

  /**
   * `entries` may come later: a file that parsed cleanly needs no places until something
   * in it is reported, so they are found on first use (see parseJsonBytes).
   */
  constructor(
    readonly file: string,
    readonly text: string,
    readonly value: unknown,
    private readonly entries: Map<string, Entry> | (() => Map<string, Entry>),
  ) {}

  get lines(): LineIndex {
    return (this.lineIndex ??= new LineIndex(this.text));
  }

  private get places(): Map<string, Entry> {
    return (this.located ??= typeof this.entries === 'function' ? this.entries() : this.entries);
  }

  has(path: JsonPath): boolean {
    return this.places.has(formatJsonPath(path));
  }

  /**
   * A diagnostic at the value of `path` (or its key, with `key: true`); a path not in the file points at its nearest ancestor.
   * The hint is not optional: every problem says how to fix it.
   */
  diag(path: JsonPath, code: string, message: string, hint: string, opts: { key?: boolean } = {}): Diagnostic {
    const jsonPath = formatJsonPath(path);
    let entry: Entry | undefined;
    for (let n = path.length; n >= 0 && entry === undefined; n--) entry = this.places.get(formatJsonPath(path.slice(0, n)));
    const node = opts.key === true && entry?.name !== undefined ? entry.name : entry?.value;
    const start = node?.loc.start.offset ?? 0;
    const isContainer = node !== undefined && (node.type === 'Object' || node.type === 'Array');
    const length = node === undefined || isContainer ? 1 : Math.max(1, node.loc.end.offset - start);
    return this.diagAtOffset(start, length, jsonPath, code, message, hint);
  }

  diagAtOffset(offset: number, length: number, jsonPath: string, code: string, message: string, hint: string): Diagnostic {
    const { line, column } = this.lines.position(offset);
    return { file: this.file, line, column, jsonPath, code, message, sourceLine: this.lines.lineText(line), length, hint };
  }
}

export type SourceResult =
  | { ok: true; source: JsonSource; diagnostics: Diagnostic[] }
  | { ok: false; diagnostics: Diagnostic[] };

/** Offset of the first malformed byte sequence (RFC 3629: no overlongs, surrogates or code points past U+10FFFF), or -1. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] ?? 0;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lo = 0xa0;
      if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lo = 0x90;
      if (b === 0xf4) hi = 0x8f;
    } else return i;
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || c < (k === 1 ? lo : 0x80) || c > (k === 1 ? hi : 0xbf)) return i;
    }
    i += need + 1;
  }
  return -1;
}

function utf8Problem(bytes: Uint8Array, file: string, kind: string): Diagnostic {
  const bad = firstInvalidUtf8(bytes);
  const at = bad < 0 ? 0 : bad;
  // The bytes before the bad one are valid, so they decode to the text the user sees.
  const before = new TextDecoder('utf-8').decode(bytes.subarray(0, at));
  const lines = new LineIndex(before);
  const { line, column } = lines.position(before.length);
  let lineEnd = bytes.indexOf(10, at);
  if (lineEnd < 0) lineEnd = bytes.length;
  const sourceLine = lines.lineText(line) + new TextDecoder('utf-8').decode(bytes.subarray(at, lineEnd)).replace(/\r$/, '');
  const shown = [...bytes.subarray(at, at + 4)].map((b) => `0x${b.toString(16).padStart(2, '0')}`);
  return {
    file,
    line,
    column,
    jsonPath: '',
    code: 'invalid-utf8',
    message: `file is not valid UTF-8: the bytes at byte offset ${at} (${shown.join(' ')}) are not a valid character`,
    hint: `save the ${kind} as UTF-8`,
    sourceLine,
    length: 1,
  };
}

/**
 * One lexical pass, so deep input never reaches a recursive parser: the offset of the bracket
 * that opens nesting level MAX_DEPTH + 1 (or -1), and how many object members the text holds
 * (a string followed by `:`), which tells whether JSON.parse dropped a duplicate key.
 */
function scanText(text: string): { deepAt: number; members: number } {
  // Each match is a whole string (with the `:` after it, if any) or one bracket. Between them there
  // are only numbers, literals, commas, colons and spaces, so a match never starts inside a string.
  // A string left open runs to the end of the text: the match never fails once it has begun, so the
  // scan stays linear whatever the input (the text is refused as JSON afterwards).
  // What matched is told by its last character, so no match object is made for each token.
  const token = /"[^"\\]*(?:\\[\s\S][^"\\]*)*(?:"(?:\s*:)?|\\?$)|[{[\]}]/g;
  let depth = 0;
  let members = 0;
  while (token.test(text)) {
    const at = token.lastIndex - 1;
    const c = text.charCodeAt(at);
    if (c === 0x3a /* : ends a member name */) members++;
    else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (++depth > MAX_DEPTH) return { deepAt: at, members };
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) depth--;
  }
  return { deepAt: -1, members };
}

/**
 * The object members of a JSON.parse value, or -1 when it holds something the located parse
 * must report: a refused key, or a number too large for a double (JSON.parse makes it Infinity).
 */
function countMembers(value: unknown): number {
  if (typeof value !== 'object' || value === null) return typeof value === 'number' && !Number.isFinite(value) ? -1 : 0;
  let total = 0;
  if (Array.isArray(value)) {
    for (const item of value) {
      const n = countMembers(item);
      if (n < 0) return -1;
      total += n;
    }
    return total;
  }
  // JSON.parse makes plain objects: for...in sees exactly their own keys, "__proto__" included.
  for (const key in value) {
    if (FORBIDDEN_KEYS.has(key)) return -1;
    const n = countMembers((value as Record<string, unknown>)[key]);
    if (n < 0) return -1;
    total += n + 1;
  }
  return total;
}

function endOfContent(text: string): number {
  let end = text.length;
  while (end > 0 && /\s/.test(text[end - 1] ?? '')) end--;
  return end;
}

/**
 * Where and why the text is not JSON, in words about what the file holds (a character,
 * the end of the file), with a hint. Neither V8's message nor momoa's is used: V8's quotes
 * the text (a secret with it), momoa's names its own tokens (`RBracket`).
 */
function syntaxProblem(text: string, source: JsonSource): Diagnostic {
  const found = locateJsonProblem(text);
  if (found === undefined) return source.diagAtOffset(0, 1, '', 'invalid-json', 'invalid JSON', GENERIC_SYNTAX_HINT);
  // At the end of the file, point just past its last character rather than at a blank line after it.
  const offset = found.offset >= text.length ? endOfContent(text) : found.offset;
  return source.diagAtOffset(offset, 1, '', 'invalid-json', `invalid JSON: ${found.problem}`, found.hint);
}

/** Builds the plain value, recording each node's place and refusing keys that plain JSON.parse would accept silently. */
function build(node: ValueNode, pathText: string, entries: Map<string, Entry>, problems: Problem[], lines: LineIndex): unknown {
  const problem = (at: Node, jsonPath: string, code: string, message: string, hint: string): void => {
    const start = at.loc.start.offset;
    const { line, column } = lines.position(start);
    problems.push({ line, column, jsonPath, code, message, hint, sourceLine: lines.lineText(line), length: Math.max(1, at.loc.end.offset - start) });
  };
  switch (node.type) {
    case 'Object': {
      const out: Record<string, unknown> = {};
      const seen = new Set<string>();
      for (const member of node.members as MemberNode[]) {
        const key = member.name.type === 'String' ? member.name.value : member.name.name;
        const childPath = appendPath(pathText, key);
        if (FORBIDDEN_KEYS.has(key)) {
          problem(member.name, childPath, 'forbidden-key', `key "${key}" is not allowed`, 'rename it: "__proto__", "constructor" and "prototype" are refused in gate files');
          continue;
        }
        if (seen.has(key)) {
          problem(member.name, childPath, 'duplicate-key', `duplicate key "${key}" in the same object`, 'keep one of them: JSON readers disagree on which one wins');
          continue;
        }
        seen.add(key);
        entries.set(childPath, { value: member.value, name: member.name });
        out[key] = build(member.value, childPath, entries, problems, lines);
      }
      return out;
    }
    case 'Array':
      return node.elements.map((el, i) => {
        const childPath = `${pathText}[${i}]`;
        entries.set(childPath, { value: el.value });
        return build(el.value, childPath, entries, problems, lines);
      });
    case 'String':
    case 'Boolean':
      return node.value;
    case 'Number':
      if (!Number.isFinite(node.value)) problem(node, pathText, 'invalid-number', 'number is too large to represent', 'use a smaller number');
      return node.value;
    case 'Null':
      return null;
    default:
      // NaN / Infinity only exist in JSON5 mode.
      return null;
  }
}

/**
 * Text saved as UTF-16 without a byte order mark decodes as UTF-8 (ASCII with a 0 byte beside each
 * character), and would be reported as a stray U+0000: named for what it is. Read from the first 256
 * bytes: half or more of the bytes on one side 0, none on the other.
 */
function utf16Problem(bytes: Uint8Array, file: string, kind: string): Diagnostic | undefined {
  const sample = bytes.subarray(0, Math.min(bytes.length, 256) & ~1);
  if (sample.length < 4) return undefined;
  let even = 0;
  let odd = 0;
  for (let i = 0; i < sample.length; i += 2) {
    if (sample[i] === 0) even += 1;
    if (sample[i + 1] === 0) odd += 1;
  }
  const half = sample.length / 4;
  const order = odd >= half && even === 0 ? 'little-endian' : even >= half && odd === 0 ? 'big-endian' : undefined;
  if (!order) return undefined;
  return {
    file,
    line: 1,
    column: 1,
    jsonPath: '',
    code: 'invalid-utf8',
    message: `file is not UTF-8: it looks like UTF-16 (${order}): every other byte is 0`,
    hint: `save the ${kind} as UTF-8`,
  };
}

/**
 * Parses raw bytes: a BOM is stripped (columns count from after it); fatal problems give `ok: false`, key problems ride along with the value.
 * `kind`: what the file is, as a hint names it ("save the schema file as UTF-8").
 */
export function parseJsonBytes(bytes: Uint8Array, file: string, kind = 'gate file'): SourceResult {
  const utf16 = utf16Problem(bytes, file, kind);
  if (utf16) return { ok: false, diagnostics: [utf16] };
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { ok: false, diagnostics: [utf8Problem(bytes, file, kind)] };
  }
  const empty = new JsonSource(file, text, undefined, new Map());
  const scanned = scanText(text);
  if (scanned.deepAt >= 0) {
    const msg = `JSON is nested deeper than ${MAX_DEPTH} levels`;
    return { ok: false, diagnostics: [empty.diagAtOffset(scanned.deepAt, 1, '', 'too-deep', msg, 'flatten the structure')] };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, diagnostics: [syntaxProblem(text, empty)] };
  }
  // Nothing JSON.parse let through silently (every member kept, no refused key, every number
  // finite): the value stands, and momoa finds the places only if something is reported.
  if (countMembers(value) === scanned.members) {
    const places = (): Map<string, Entry> => {
      try {
        return locate(text, empty.lines).entries;
      } catch {
        return new Map(); // momoa refusing what JSON.parse took: places fall back to the file's start
      }
    };
    return { ok: true, source: new JsonSource(file, text, value, places), diagnostics: [] };
  }
  const { entries, problems, value: built } = locate(text, empty.lines);
  const source = new JsonSource(file, text, built, entries);
  return { ok: true, source, diagnostics: problems.map((p) => ({ file, ...p })) };
}

/** Parses text that JSON.parse accepted with momoa: the place of every value and key, and the problems found on the way. */
function locate(text: string, lines: LineIndex): { entries: Map<string, Entry>; problems: Problem[]; value: unknown } {
  const doc = parse(text, { mode: 'json', ranges: true });
  const entries = new Map<string, Entry>([['', { value: doc.body }]]);
  const problems: Problem[] = [];
  const value = build(doc.body, '', entries, problems, lines);
  return { entries, problems, value };
}

export type ReadResult = { ok: true; bytes: Buffer } | { ok: false; code: string; message: string; hint?: string };

/** Reads a regular file of at most `maxBytes`, checking the size before reading it all. Never throws; messages do not name the file. */
export async function readFileLimited(abs: string, maxBytes = MAX_FILE_BYTES): Promise<ReadResult> {
  try {
    const st = await fs.stat(abs);
    if (!st.isFile()) return { ok: false, code: 'not-a-file', message: st.isDirectory() ? 'it is a directory, not a file' : 'it is not a regular file' };
    if (st.size > maxBytes) return tooLarge(st.size, maxBytes);
    const fh = await fs.open(abs, 'r');
    try {
      // Sized by the stat (one byte over, to see growth), never past the limit: no megabyte per file.
      let buf = Buffer.allocUnsafe(Math.min(st.size, maxBytes) + 1);
      let total = 0;
      for (;;) {
        if (total === buf.length) {
          const bigger = Buffer.allocUnsafe(Math.min(buf.length * 2, maxBytes + 1));
          buf.copy(bigger);
          buf = bigger;
        }
        const { bytesRead } = await fh.read(buf, total, buf.length - total, total);
        if (bytesRead === 0) break;
        total += bytesRead;
        if (total > maxBytes) return tooLarge(total, maxBytes);
      }
      return { ok: true, bytes: buf.subarray(0, total) };
    } finally {
      await fh.close();
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'EIO';
    if (code === 'ENOENT' || code === 'ENOTDIR') return { ok: false, code: 'file-not-found', message: 'no such file' };
    if (code === 'EACCES' || code === 'EPERM') return { ok: false, code: 'unreadable', message: 'permission denied', hint: 'check the file permissions' };
    if (code === 'EISDIR') return { ok: false, code: 'not-a-file', message: 'it is a directory, not a file' };
    return { ok: false, code: 'unreadable', message: `read failed (${code})` };
  }
}

function tooLarge(size: number, maxBytes: number): ReadResult {
  const mib = (n: number): string => `${(n / (1024 * 1024)).toFixed(n % (1024 * 1024) === 0 ? 0 : 2)} MiB`;
  return { ok: false, code: 'too-large', message: `file is ${size} bytes, over the ${mib(maxBytes)} limit`, hint: 'gate files are small; move large data into separate files' };
}
