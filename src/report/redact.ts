/**
 * Secrets never reach a log or a report. The values of environment variables
 * whose names look secret, and of those the gate lists under `redact`, are
 * replaced with `[REDACTED]` in every file gate writes and every line it
 * prints: in their plain, JSON-escaped, base64 and URL-encoded forms. Base64
 * is also found inside a longer blob (`user:secret` in a Basic auth header),
 * at whichever of the three byte offsets the secret starts: see `base64Cores`.
 * The base64 of the value alone (or of the value and a line end, as `echo`
 * writes it) is also found wrapped in lines of 76 or 64 characters (as `base64`
 * and openssl write it), ended with `\n` or `\r\n`: see `wrappedBase64`. A value of several lines is masked in every one of these
 * forms with its line ends as `\n` and as `\r\n`, whichever the value itself
 * holds, and a value stored with a line break at its end also without it: see
 * `printedVariants`. Each specific line of such a value (and of its wrapped
 * base64) is masked on its own as well, and so is any piece of one that is
 * specific itself (16 characters or more: the end of a line at the start of
 * what a check printed, its start where the output was cut short), so that a
 * value printed in part shows none of them: see `ownLines` and `lineRuns`.
 *
 * Masking works on text (strings gate builds) and on raw output bytes. Raw
 * output is masked before it is cut: a window of output is widened by the
 * longest form of any secret, masked, then cut, so that a secret crossing the
 * edge of what is kept is masked whole instead of leaving a piece behind.
 * Output streamed as it is written (`--verbose`) is masked in whole lines,
 * those that could start a secret of several lines held back until the lines
 * after them settle it: see `LineMasker`.
 */

import { layoutBounds, readsAsNumber } from './layout.js';
import { editDistance } from '../util/suggest.js';

export const REDACTED = '[REDACTED]';

/** Names that look secret. */
export const SECRET_NAME = /TOKEN|SECRET|PASSWORD|PASSWD|API_?KEY|PRIVATE_?KEY|CREDENTIAL/i;
/** Shorter values are too likely to be ordinary words to mask everywhere. */
const MIN_PATTERN_LENGTH = 6;
/** A value the gate names explicitly is masked from this length on. */
const MIN_LISTED_LENGTH = 3;
/**
 * A base64 core this long is masked: 7 characters carry 42 bits of the secret,
 * and every secret masked by its name (6 bytes or more) has cores at least this
 * long at every offset. Shorter cores (values of 3 to 5 bytes listed under
 * `redact`) are masked only in the base64 of the value alone.
 */
const MIN_CORE_LENGTH = 7;
/** A secret cut short and marked with an ellipsis (as assertion messages cut long values) is masked from this many characters on. */
const MIN_CUT_PREFIX = MIN_LISTED_LENGTH;
/** Longer pieces are not looked for: the messages that cut values keep far less than this. */
const MAX_CUT_PREFIX = 160;
const ELLIPSIS = '…';

export type SecretForm = 'plain' | 'JSON-escaped' | 'URL-encoded' | 'base64' | 'base64url' | 'XML- or Markdown-escaped';

/** How gate masks what it writes: text, and JSON it renders itself. */
export interface Masking {
  (text: string): string;
  /**
   * Masks JSON that gate rendered itself (closeout.json, drill.json, run.log, `--json` on stdout) as it masks
   * text, except for a number that only unlisted variables hold under secret-looking names (a TTL, a
   * timeout): outside a string it is left where it stands. There it is one of gate's own numbers (a
   * duration, a size, a timeout), not the variable's value, and masking it would break the file.
   */
  json(text: string): string;
}

/** Masks secrets in text; it also knows how to mask raw output and how to look for what slipped through. */
export interface Redactor extends Masking {
  /** The longest form of any secret (base64 cores included), in bytes of UTF-8 (0: nothing to mask). A window of output widened by `reach - 1` sees whole every secret that touches it. */
  readonly reach: number;
  /** Masks raw bytes and keeps what stems from `raw[from, to)`; a secret crossing either edge is masked whole. */
  maskBytes(raw: Buffer, from?: number, to?: number): Buffer;
  /**
   * For a stream read chunk by chunk: masks `raw` as far as it is safe to,
   * at least up to `settle` when no secret crosses it. Returns the masked bytes
   * and how many bytes of `raw` they stand for; the rest goes before the next chunk.
   */
  maskSettled(raw: Buffer, settle: number): { masked: Buffer; consumed: number };
  /**
   * The forms of secrets found in `text` (for the scan of written files),
   * also as a reader of XML or Markdown would read it; never the values.
   * `json`: the text is JSON gate rendered itself, read as `json` masks it.
   */
  find(text: string, json?: boolean): SecretForm[];
  /** Masks with a run of `*` as long as what it hides, so that columns in `text` stay where they were (a caret under a quoted line). */
  blank(text: string): string;
  /** A masker for one stream of text that arrives in whole lines (a check's output as `--verbose` follows it): see `LineMasker`. */
  lines(): LineMasker;
}

/**
 * Masks text that arrives in whole lines (a check's output as `--verbose`
 * follows it) exactly as the whole text would be masked: no piece of a secret of
 * several lines is shown. Lines are held back while the text so far could
 * still be the start of a form of several lines (the lines of a key so far, a
 * first line of its wrapped base64), and masked together with the lines that
 * complete or rule it out. Holding back, not only masking each line of such
 * a secret on its own (as `ownLines` masks its specific lines): that would
 * leave its armor (`-----END KEY-----`) and its short lines in clear where
 * it is printed whole. What is held is bounded: past `2 * reach + 8 KiB`, the
 * lines are shown with the start of the form masked as if it went on.
 */
export interface LineMasker {
  /** The next whole lines, each ended by `\n`: the masked lines that can be shown now (not those held back). */
  push(lines: string): string[];
  /**
   * The text breaks off after `piece` (the start of a line cut short, or `''`),
   * and what comes next starts a line. Returns the lines held and, last, the
   * piece, masked; the start of a secret that the text breaks off in is masked
   * too, as is the rest of one that what comes next starts in.
   */
  gap(piece: string): string[];
  /** The text is over; `rest` is its unfinished last line. Returns the lines held and it, masked. */
  end(rest: string): string[];
}

/** Whether the value of variable `name` is masked: a listed name from 3 characters on, a secret-looking one from 6. */
function isMasked(name: string, value: string, listed: Set<string>): boolean {
  return listed.has(name) ? value.length >= MIN_LISTED_LENGTH : SECRET_NAME.test(name) && value.length >= MIN_PATTERN_LENGTH;
}

export function secretValues(envs: Record<string, string | undefined>[], listed: string[]): string[] {
  const values = new Set<string>();
  const names = new Set(listed);
  for (const env of envs) {
    for (const [name, value] of Object.entries(env)) {
      if (value !== undefined && isMasked(name, value, names)) values.add(value);
    }
  }
  return [...values];
}

/** What a value looks like once written as UTF-8: lone surrogates become U+FFFD (a gate file can hold them, a file cannot). */
const wellFormed = (text: string) => Buffer.from(text, 'utf8').toString('utf8');

/** encodeURIComponent refuses lone surrogates; such a value has no URL-encoded form (its well-formed twin does). */
function uriEncoded(text: string): string | undefined {
  try {
    return encodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/** `%XX` (upper-case hex) for each of `chars` in an encodeURIComponent result. */
const escapeAlso = (url: string, chars: RegExp) => url.replace(chars, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * The value percent-encoded as the common encoders write it, space as `%20` and as `+`:
 * encodeURIComponent (leaves `!'()*~`), RFC 3986 (curl, Python's quote and quote_plus, Go's
 * QueryEscape: `~` only; Python's quote also leaves `/` by default), HTML forms (URLSearchParams,
 * Java's URLEncoder: `*` only), PHP's urlencode (none of them) and encodeURI (which leaves the
 * characters URLs reserve). Upper-case hex; the caller adds the lower-case twins.
 */
function percentForms(text: string, url: string | undefined): string[] {
  if (url === undefined) return [];
  const rfc3986 = escapeAlso(url, /[!'()*]/g);
  const encoded = [url, rfc3986, rfc3986.replace(/%2F/g, '/'), escapeAlso(url, /[!'()~]/g), escapeAlso(url, /[!'()*~]/g), encodeURI(text)];
  return [...new Set(encoded.flatMap((u) => [u, u.replace(/%20/g, '+')]))];
}

/**
 * The base64 characters that the secret's bytes alone decide, wherever in a
 * longer blob the secret starts. Base64 writes 6 bits a character, so a secret
 * starting `k` bytes into a 3-byte group (k = 0, 1, 2) is encoded by the
 * characters from `ceil(8k/6)` up to `floor(8(k+n)/6)` (n: its length in bytes)
 * of the base64 of `k` filler bytes and the secret, whatever the filler was;
 * the character at either end mixes in bits of the bytes around and
 * carries at most 4 bits of the secret, so it may stay.
 */
export function base64Cores(bytes: Buffer): string[] {
  const cores: string[] = [];
  for (let k = 0; k < 3; k++) {
    const encoded = Buffer.concat([Buffer.alloc(k), bytes]).toString('base64');
    const core = encoded.slice(Math.ceil((8 * k) / 6), Math.floor((8 * (k + bytes.length)) / 6));
    if (core.length >= MIN_CORE_LENGTH) cores.push(core);
  }
  return cores;
}

const toBase64url = (base64: string) => base64.replace(/\+/g, '-').replace(/\//g, '_');

/** The widths base64 is wrapped at: 76 columns by coreutils `base64`, 64 by openssl and in PEM. */
const WRAP_WIDTHS = [76, 64];

/**
 * The base64 of a value alone as tools wrap it: lines of 76 or of 64
 * characters, ended with `\n` or `\r\n` (without the line end after the last,
 * which is not the secret's). Only base64 longer than a line wraps.
 */
function wrappedBase64(base64: string): string[] {
  const wrapped: string[] = [];
  for (const width of WRAP_WIDTHS) {
    if (base64.length <= width) continue;
    const lines: string[] = [];
    for (let at = 0; at < base64.length; at += width) lines.push(base64.slice(at, at + width));
    wrapped.push(lines.join('\n'), lines.join('\r\n'));
  }
  return wrapped;
}

/**
 * The value as a check may print it: as it is and, for a value of several
 * lines, with its line ends as `\n` and as `\r\n` (a value read from a file
 * with either, a program that writes the other). A lone `\r` is left as it is:
 * no tool writes it for a line end, and it is masked where it stands, before
 * anything shows it as a line break.
 */
function lineEndVariants(secret: string): string[] {
  if (!secret.includes('\n')) return [secret];
  const lf = secret.replace(/\r\n/g, '\n');
  return [secret, lf, lf.replace(/\n/g, '\r\n')];
}

/**
 * The value as it may be printed: with its line ends as written, as `\n` and as `\r\n`; and, for a value
 * stored with a line break at its end (a key read from a file), also without it, as most programs print it.
 * The value was found secret as stored, by its name or by being listed: what is left is masked with it, down
 * to the least gate masks (3 characters), whichever minimum admitted the value. Were it held to that minimum
 * again, `API_KEY=$'abcde\n'` (6 characters) would be masked as stored and shown as printed.
 */
function printedVariants(secret: string): string[] {
  const trimmed = secret.replace(/[\r\n]+$/, '');
  const variants = lineEndVariants(secret);
  if (trimmed !== secret && trimmed.length >= MIN_LISTED_LENGTH) variants.push(...lineEndVariants(trimmed));
  return variants;
}

/** A line of a form of several lines is masked on its own from this many characters on: a line of a key's body has 64. */
const MIN_LINE_LENGTH = 16;
/** An armor line, framed by dashes (`-----BEGIN RSA PRIVATE KEY-----`, `-----END X509 CRL-----`): the same in every key of its kind. */
const ARMOR = /^-{3,}.*-{3,}$/;

/**
 * The lines of a form of several lines (the value, its wrapped base64) that are masked on their own too, so
 * that a secret printed cut short (three lines of a key, then a hang or a crash) or in part (the body of a
 * key alone) shows none of them: each line without the white space around it, when it is specific enough
 * to be the secret's alone: 16 characters or more, a letter or a digit among them, not an armor line, not a
 * number (a number may stand where a report writes one: see layout.ts). Other lines (armor, `}`, a short
 * `user=ci`) are masked only as part of the whole: alone they are the same in every key, or ordinary text.
 * A piece of a specific line is masked on its own when it is specific by the same measure: `lineRuns`.
 */
function ownLines(form: string): string[] {
  return form
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length >= MIN_LINE_LENGTH && /[\p{L}\p{N}]/u.test(line) && !ARMOR.test(line) && !readsAsNumber(line));
}

/** JSON with every non-ASCII character escaped, as Python's json.dumps writes it by default. */
const asciiJson = (json: string) => json.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

function forms(secret: string): [string, SecretForm][] {
  const out: [string, SecretForm][] = [];
  for (const s of new Set(printedVariants(secret).flatMap((v) => [v, wellFormed(v)]))) {
    const json = JSON.stringify(s).slice(1, -1);
    const bytes = Buffer.from(s, 'utf8');
    const base64 = bytes.toString('base64');
    const cores = base64Cores(bytes);
    const url = uriEncoded(s);
    // Percent-encoding is case-blind, and some encoders escape every byte: those forms too.
    const lowerHex = (u: string) => u.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase());
    const everyByte = [...bytes].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
    out.push(
      [s, 'plain'],
      [json, 'JSON-escaped'],
      [asciiJson(json), 'JSON-escaped'],
      ...percentForms(s, url).map((form): [string, SecretForm] => [form, 'URL-encoded']),
      ...percentForms(s, url).map((form): [string, SecretForm] => [lowerHex(form), 'URL-encoded']),
      [everyByte, 'URL-encoded'],
      [everyByte.toLowerCase(), 'URL-encoded'],
      [base64, 'base64'],
      [base64.replace(/=+$/, ''), 'base64'],
      ...wrappedBase64(base64).map((wrapped): [string, SecretForm] => [wrapped, 'base64']),
      // `echo "$TOKEN" | base64` encodes the value and the line end echo adds.
      ...wrappedBase64(Buffer.from(`${s}\n`, 'utf8').toString('base64')).map((wrapped): [string, SecretForm] => [wrapped, 'base64']),
      [bytes.toString('base64url'), 'base64url'],
      ...cores.map((core): [string, SecretForm] => [core, 'base64']),
      ...cores.map((core): [string, SecretForm] => [toBase64url(core), 'base64url']),
    );
  }
  return out;
}

/** Each specific line of a secret's forms of several lines (`ownLines`) on its own: as printed and inside a JSON string. */
function formsOfLines(whole: [string, SecretForm][]): [string, SecretForm][] {
  const lines = new Map<string, SecretForm>();
  for (const [form, name] of whole) if ((name === 'plain' || name === 'base64') && form.includes('\n')) for (const line of ownLines(form)) lines.set(line, name);
  const out: [string, SecretForm][] = [];
  for (const [line, name] of lines) {
    const json = JSON.stringify(line).slice(1, -1);
    out.push([line, name], [json, 'JSON-escaped'], [asciiJson(json), 'JSON-escaped']);
  }
  return out;
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Text as a reader of XML or Markdown reads it: backslash escapes and character references undone. */
function unescapeMarkup(text: string): string {
  return text
    .replace(/\\([!-/:-@[-`{-~])/g, '$1')
    .replace(/&(lt|gt|amp|quot|apos|#\d{1,7}|#x[0-9a-fA-F]{1,6});/g, (ref: string, name: string) => {
      if (!name.startsWith('#')) return ENTITIES[name] ?? ref;
      const code = name[1] === 'x' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return code <= 0x10ffff ? String.fromCodePoint(code) : ref;
    });
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** What masking asks of a matcher of many literal strings: a global `RegExp`'s `exec`, `test` and `lastIndex`. */
interface Literals {
  lastIndex: number;
  /** The longest of the strings that occurs first at `lastIndex` or after; `lastIndex` moves past it. */
  exec(text: string): { index: number; 0: string } | null;
  test(text: string): boolean;
}

/** A matcher of forms, and of the runs of secrets' lines (`lineRuns`) where a gate has secrets of several lines. */
interface Matcher extends Literals {
  runs?: (text: string) => [number, number, SecretForm][];
}

/** How many characters a string is looked up by: the first pass of `literals`, the cut lines of `cutShortAt`. */
const PREFIX = 8;

/** The strings by their first `PREFIX` characters (a shorter string by all of it), each list in the order given. */
function byStart(strings: readonly string[]): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const string of strings) {
    const start = string.slice(0, PREFIX);
    const list = map.get(start);
    if (list) list.push(string);
    else map.set(start, [string]);
  }
  return map;
}

/** How many characters `lineRuns` reads at each place it looks at, and how far apart those are. */
const GRAM = 4;
const STRIDE = MIN_LINE_LENGTH - GRAM + 1;

const gramHash = (text: string, at: number) =>
  Math.imul(((text.charCodeAt(at) * 31 + text.charCodeAt(at + 1)) * 31 + text.charCodeAt(at + 2)) * 31 + text.charCodeAt(at + 3), 0x9e3779b1);

/**
 * Where a piece of a line (a run of `MIN_LINE_LENGTH` characters or more of one of `lines`) occurs in a
 * text: a line of a key printed in part (cut short by a timeout or a crash, its end alone, cut inside a JSON
 * string). Sampled: every run that long holds the `GRAM` characters at a place
 * that is a multiple of `STRIDE`; each such place is looked up among the `GRAM` characters at every offset
 * of every line (a hash of them, chained in typed arrays: no string is built to look one up), and each line
 * found there is compared with the text both ways from it, as far as the two agree. A run is masked whole when
 * it is specific (`specificRun`). Places well inside a run already found are passed over: a run that goes on
 * past its end holds a place in its last `MIN_LINE_LENGTH` characters. Returns each run and its line's form.
 */
function lineRuns(lines: readonly [string, SecretForm][]): (text: string) => [number, number, SecretForm][] {
  // The lines one after another, each ended by a line end, which no line holds: a comparison stops there.
  const all = lines.map(([line]) => line).join('\n') + '\n';
  const lineOf = new Int32Array(all.length);
  const startOf = new Int32Array(lines.length);
  for (let i = 0, at = 0; i < lines.length; at += lines[i]![0].length + 1, i++) {
    startOf[i] = at;
    lineOf.fill(i, at, at + lines[i]![0].length + 1);
  }
  const count = lines.reduce((sum, [line]) => sum + Math.max(0, line.length - GRAM + 1), 0);
  const bits = Math.min(22, Math.max(8, Math.ceil(Math.log2(count + 1))));
  const head = new Int32Array(1 << bits).fill(-1);
  // A bit a hash, about 8 bits a gram (a table 32 times smaller than the chains'): most places are passed over at one look.
  const seenBits = Math.min(25, bits + 3);
  const seen = new Uint32Array(1 << Math.max(0, seenBits - 5));
  const next = new Int32Array(count);
  const place = new Int32Array(count);
  for (let at = 0, n = 0, end = all.indexOf('\n'); at + GRAM <= all.length; at++) {
    if (at + GRAM > end) {
      // The gram would take in the line end: go on at the next line.
      at = end;
      end = all.indexOf('\n', end + 1);
      continue;
    }
    const hash = gramHash(all, at);
    const bucket = hash >>> (32 - bits);
    seen[hash >>> (37 - seenBits)]! |= 1 << ((hash >>> (32 - seenBits)) & 31);
    place[n] = at;
    next[n] = head[bucket]!;
    head[bucket] = n++;
  }
  return (text) => {
    const runs: [number, number, SecretForm][] = [];
    let lastEnd = 0;
    for (let at = 0; at + GRAM <= text.length; at += STRIDE) {
      if (at < lastEnd - MIN_LINE_LENGTH) continue;
      const hash = gramHash(text, at);
      if ((seen[hash >>> (37 - seenBits)]! & (1 << ((hash >>> (32 - seenBits)) & 31))) === 0) continue;
      let start = at;
      let end = at;
      for (let e = head[hash >>> (32 - bits)]!; e >= 0; e = next[e]!) {
        const p = place[e]!;
        let right = 0;
        while (at + right < text.length && all.charCodeAt(p + right) === text.charCodeAt(at + right) && all.charCodeAt(p + right) !== 10) right++;
        if (right < GRAM) continue;
        let left = 0;
        while (left < at && left < p && all.charCodeAt(p - left - 1) === text.charCodeAt(at - left - 1) && all.charCodeAt(p - left - 1) !== 10) left++;
        if (left + right < MIN_LINE_LENGTH) continue;
        // A whole line is masked as `ownLines` found it specific; a piece of one, when it is specific itself.
        const whole = p - left === startOf[lineOf[p]!] && all.charCodeAt(p + right) === 10;
        if (!whole && !specificRun(text.slice(at - left, at + right))) continue;
        if (end === at || at - left < start) start = at - left;
        end = Math.max(end, at + right);
        if (runs.length === 0 || runs[runs.length - 1]![0] !== start || runs[runs.length - 1]![1] !== end) runs.push([start, end, lines[lineOf[p]!]![1]]);
      }
      lastEnd = Math.max(lastEnd, end);
    }
    return runs;
  };
}

/** Whether a run of a line is specific enough to mask wherever it occurs: as `ownLines` asks of a line, its layout at either edge left off. */
function specificRun(run: string): boolean {
  const [start, end] = layoutBounds(run);
  return end - start >= MIN_LINE_LENGTH && /[\p{L}\p{N}]/u.test(run) && !ARMOR.test(run) && !readsAsNumber(run);
}

/**
 * A matcher of the strings, longest first where two start at one place (so the longer one is masked), as an
 * alternation of them all would match. Secrets' forms can be thousands of characters long (a key, its
 * base64, its encodings, with either line end): one regular expression of them all takes V8 long to compile
 * (and again, whenever it has dropped the code), and at each place tries every form that starts with the
 * same character. Here a small expression of their first `PREFIX` characters finds the places where one may
 * start; the strings with that start are compared there. Strings whose starts begin with almost any
 * character, as the lines of a key's body do, would be tried at almost every place (some 40 ms a MiB with the
 * lines of five keys): the redactor finds the lines of secrets, and their pieces, by sampling (`lineRuns`).
 */
export function literals(strings: Iterable<string>): Literals {
  const sorted = [...new Set([...strings].filter((s) => s.length > 0))].sort((a, b) => b.length - a.length);
  const stringsByStart = byStart(sorted);
  const lengths = [...new Set([...stringsByStart.keys()].map((start) => start.length))];
  const starts = [...new Set(sorted.map((s) => s.slice(0, PREFIX)))].sort((a, b) => b.length - a.length);
  const first = starts.length > 0 ? new RegExp(starts.map(escapeRegExp).join('|'), 'g') : undefined;
  /** The longest string that starts at `at`, if any. */
  const longestAt = (text: string, at: number): string | undefined => {
    let found: string | undefined;
    for (const length of lengths) {
      for (const string of stringsByStart.get(text.slice(at, at + length)) ?? []) {
        if ((found === undefined || string.length > found.length) && text.startsWith(string, at)) found = string;
        // Longest first in each list: the first that fits is its longest.
        if (found === string) break;
      }
    }
    return found;
  };
  const matcher: Literals = {
    lastIndex: 0,
    exec(text) {
      /** The next place the expression finds a start at, from `at` on (`text.length`: none); looked for again once passed. */
      let next = -1;
      for (let at = matcher.lastIndex; at < text.length; ) {
        if (next < at) {
          if (first) first.lastIndex = at;
          next = first?.exec(text)?.index ?? text.length;
        }
        if (next >= text.length) break;
        const found = longestAt(text, next);
        if (found !== undefined) {
          matcher.lastIndex = next + found.length;
          return { index: next, 0: found };
        }
        at = next + 1;
      }
      matcher.lastIndex = 0;
      return null;
    },
    test(text) {
      matcher.lastIndex = 0;
      const hit = matcher.exec(text) !== null;
      matcher.lastIndex = 0;
      return hit;
    },
  };
  return matcher;
}

/**
 * Every place a form occurs, overlapping ones merged: `[start, end)` pairs in
 * order. Overlaps matter: masking only the first of two overlapping secrets
 * would leave the tail of the second in plain sight. `skip` passes over a
 * form where it stands (a number of gate's own in its JSON).
 */
function spansOf(pattern: Matcher, text: string, skip?: (start: number, form: string) => boolean): [number, number][] {
  const spans: [number, number][] = [];
  const runs = pattern.runs?.(text);
  pattern.lastIndex = 0;
  for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
    const start = m.index;
    const end = start + m[0].length;
    if (skip?.(start, m[0])) {
      pattern.lastIndex = start + 1;
      continue;
    }
    const last = spans[spans.length - 1];
    if (last && start < last[1]) last[1] = Math.max(last[1], end);
    else spans.push([start, end]);
    pattern.lastIndex = start + 1;
  }
  return runs === undefined || runs.length === 0 ? spans : mergeSpans(spans, runs.map(([start, end]): [number, number] => [start, end]));
}

/** Whether a place in JSON text is inside a string: after an odd number of the quotes that are not escaped. */
function insideStrings(json: string): (at: number) => boolean {
  const quotes: number[] = [];
  for (let i = json.indexOf('"'); i !== -1; i = json.indexOf('"', i + 1)) {
    let backslashes = 0;
    if (quotes.length % 2 === 1) while (json[i - 1 - backslashes] === '\\') backslashes++;
    if (backslashes % 2 === 0) quotes.push(i);
  }
  return (at) => {
    let low = 0;
    let high = quotes.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (quotes[mid]! < at) low = mid + 1;
      else high = mid;
    }
    return low % 2 === 1;
  };
}

/** `text[from, to)` with every span that touches it replaced by the mask, whole. */
function maskSpans(text: string, spans: [number, number][], from = 0, to = text.length): string {
  let out = '';
  let pos = from;
  for (const [start, end] of spans) {
    if (end <= from) continue;
    if (start >= to) break;
    if (start > pos) out += text.slice(pos, start);
    out += REDACTED;
    pos = end;
  }
  if (pos < to) out += text.slice(pos, to);
  return out;
}

/** The start of the line that `text[at]` is on. */
const lineStart = (text: string, at: number) => (at === 0 ? 0 : text.lastIndexOf('\n', at - 1) + 1);

/** `spans` and `more`, in order, overlapping ones merged (as `spansOf` merges them). */
function mergeSpans(spans: [number, number][], more: [number, number][]): [number, number][] {
  if (more.length === 0) return spans;
  const merged: [number, number][] = [];
  for (const [start, end] of [...spans, ...more].sort((a, b) => a[0] - b[0])) {
    const last = merged[merged.length - 1];
    if (last && start < last[1]) last[1] = Math.max(last[1], end);
    else merged.push([start, end]);
  }
  return merged;
}

/** What a `LineMasker` looks for, from the forms that hold a line end. */
interface LineForms {
  /** The first line of each form that goes on past it (`first\n…`), by its last character. */
  firstLines: Map<string, string[]>;
  /** Each longer start of a form that ends at a line end (`…\nline\n`, more to come), by its last line. */
  openings: Map<string, string[]>;
  /** What follows each line end inside a form, to its end (when it holds more than line ends). */
  rests: string[];
  /** The longest start of a form made of line ends alone: that much of what was shown is kept in sight. */
  lead: number;
}

const ONLY_LINE_ENDS = /^[\r\n]*$/;

function lineForms(forms: string[]): LineForms {
  const firstLines = new Map<string, string[]>();
  const openings = new Map<string, string[]>();
  const add = (map: Map<string, string[]>, key: string, value: string) => {
    const list = map.get(key);
    if (list) list.push(value);
    else map.set(key, [value]);
  };
  const rests: string[] = [];
  let lead = 0;
  for (const form of forms) {
    for (let nl = form.indexOf('\n'), previous = -1; nl !== -1 && nl < form.length - 1; previous = nl, nl = form.indexOf('\n', nl + 1)) {
      const opening = form.slice(0, nl + 1);
      // Line ends alone show nothing of a secret: they are not held, but kept in sight once shown.
      if (ONLY_LINE_ENDS.test(opening)) lead = Math.max(lead, opening.length);
      else if (previous < 0) add(firstLines, form[nl - 1]!, form.slice(0, nl));
      else add(openings, form.slice(previous + 1, nl), opening);
      const rest = form.slice(nl + 1);
      if (!ONLY_LINE_ENDS.test(rest)) rests.push(rest);
    }
  }
  return { firstLines, openings, rests, lead };
}

function createLineMasker(forms: LineForms, allForms: string[], pattern: Matcher, reach: number): LineMasker {
  // Past this much held, the lines are shown: memory, and the work of masking what is held again, stay bounded.
  // Room for the longest form twice over and two lines as long as `--verbose` shows (4096 characters):
  // only forms that follow one another on a line (a key printed again and again) hold more.
  const most = 2 * reach + 8 * 1024;
  const longestForm = allForms.reduce((most, f) => Math.max(most, f.length), 0);
  /** The forms by their first `PREFIX` characters (a shorter one cannot be cut short to that length: it is never looked up so). */
  const formsByStart = byStart(allForms);
  /** Whole lines, each ended by `\n`, not shown yet. */
  let held = '';
  /** The end of what was shown, as it was written: a form that starts in it is still seen whole. */
  let shown = '';
  let keep = forms.lead;
  /** The text broke off, and nothing was shown since: it may start with the rest of a form. */
  let afterGap = false;

  /** Where the earliest start of a form of several lines ends `text` (whole lines); `text.length`: none. */
  const openingAt = (text: string): number => {
    const line = text.slice(lineStart(text, text.length - 1), -1);
    let at = text.length;
    for (const first of forms.firstLines.get(line.slice(-1)) ?? []) if (line.endsWith(first)) at = Math.min(at, text.length - 1 - first.length);
    for (const opening of forms.openings.get(line) ?? []) if (text.endsWith(opening)) at = Math.min(at, text.length - opening.length);
    return at;
  };

  /**
   * Where the earliest start of any form, cut short (`MIN_CUT_PREFIX` characters or more), ends `text`;
   * `text.length`: none. Each place in the last `reach` characters is looked up by the `PREFIX` characters
   * that start there, among the forms that start with them: a line of `-` and keys that begin `-----BEGIN`
   * cost a look-up a place, not a comparison a place and a form (23 ms a cut line with five keys).
   */
  const cutShortAt = (text: string): number => {
    for (let i = Math.max(0, text.length - longestForm + 1); i <= text.length - MIN_CUT_PREFIX; i++) {
      const left = text.length - i;
      const candidates = left >= PREFIX ? (formsByStart.get(text.slice(i, i + PREFIX)) ?? []) : allForms;
      for (const form of candidates) if (form.length > left && text.startsWith(form.slice(0, left), i)) return i;
    }
    return text.length;
  };

  /**
   * Masks `text` (what was held and what came) with what was shown before it
   * in sight, and returns the masked lines that can be shown: after whole
   * lines, up to the line where a form that may go on past them starts; all of
   * it at a gap or at the end.
   */
  const step = (text: string, how: 'lines' | 'gap' | 'end'): string[] => {
    const full = shown + text;
    const base = shown.length;
    const spans = spansOf(pattern, full);
    const more: [number, number][] = [];
    let open = full.length;
    if (afterGap && text !== '') {
      let rest = 0;
      for (const r of forms.rests) {
        if (r.length > rest && text.startsWith(r)) rest = r.length;
        else if (how !== 'end' && r.length > text.length && r.startsWith(text)) open = base;
      }
      if (rest > 0) more.push([base, base + rest]);
    }
    let cut = full.length;
    let forced = false;
    if (how === 'gap') {
      open = Math.min(open, cutShortAt(full));
      if (open < full.length) more.push([open, full.length]);
    } else if (how === 'lines') {
      open = Math.min(open, openingAt(full));
      if (open < full.length) {
        cut = Math.max(base, lineStart(full, open));
        // A secret across the cut is held whole, with the lines after it: the rest of one after a gap too.
        const masked = mergeSpans(spans, more);
        for (let i = masked.length - 1; i >= 0 && cut > base; i--) {
          const [start, end] = masked[i]!;
          if (end <= cut) break;
          if (start < cut) cut = Math.max(base, lineStart(full, start));
        }
        if (cut === base && full.length - base > most) {
          more.push([open, full.length]);
          cut = full.length;
          forced = true;
        }
      }
    }
    const lines = maskSpans(full, mergeSpans(spans, more), base, cut).split('\n');
    if (how === 'lines') {
      held = full.slice(cut);
      if (cut > base) {
        afterGap = false;
        // Shown by force, the start of a form was masked; its rest is masked by keeping it in sight.
        keep = forced ? reach - 1 : forms.lead;
      }
      shown = full.slice(Math.max(0, cut - keep), cut);
    } else {
      held = '';
      shown = '';
      keep = forms.lead;
      afterGap = how === 'gap';
    }
    if (how !== 'gap' && lines[lines.length - 1] === '') lines.pop();
    return lines;
  };

  return {
    push: (lines) => (lines === '' ? [] : step(held + lines, 'lines')),
    gap: (piece) => step(held + piece, 'gap'),
    end: (rest) => step(held + rest, 'end'),
  };
}

const REDACTED_BYTES = Buffer.from(REDACTED);

/** As `maskSpans`, on bytes: views of `raw` and the mask, joined once (no text is built). */
function maskSpanBytes(raw: Buffer, spans: [number, number][], from = 0, to = raw.length): Buffer {
  if (spans.length === 0) return raw.subarray(from, to);
  const parts: Buffer[] = [];
  let pos = from;
  for (const [start, end] of spans) {
    if (end <= from) continue;
    if (start >= to) break;
    if (start > pos) parts.push(raw.subarray(pos, start));
    parts.push(REDACTED_BYTES);
    pos = end;
  }
  if (pos < to) parts.push(raw.subarray(pos, to));
  return Buffer.concat(parts);
}

const UNMASKED_LINES: LineMasker = {
  push: (lines) => lines.split('\n').slice(0, -1),
  gap: (piece) => [piece],
  end: (rest) => (rest === '' ? [] : [rest]),
};

const IDENTITY: Redactor = Object.assign((text: string) => text, {
  json: (text: string) => text,
  reach: 0,
  maskBytes: (raw: Buffer, from = 0, to = raw.length) => raw.subarray(from, to),
  maskSettled: (raw: Buffer) => ({ masked: raw, consumed: raw.length }),
  find: () => [] as SecretForm[],
  blank: (text: string) => text,
  lines: () => UNMASKED_LINES,
});

/** Whether `redact` is the redactor that has nothing to mask (every text comes back as it is). */
export const isIdentity = (redact: (text: string) => string): boolean => redact === IDENTITY;

/** Every text `createRedactor([secret])` masks wherever it occurs (cut pieces before an ellipsis aside): its forms, and its lines' (`ownLines`); and specific pieces of those lines (`maskedLines`). */
export function maskedForms(secret: string): string[] {
  const whole = forms(secret);
  return [...new Set([...whole, ...formsOfLines(whole)].map(([form]) => form).filter((form) => form.length > 0))];
}

/**
 * The forms of a secret's specific lines (`ownLines`: as printed and inside a JSON string), each run of 16
 * characters or more of which `createRedactor([secret])` also masks wherever it occurs (see `lineRuns`).
 */
export function maskedLines(secret: string): string[] {
  return formsOfLines(forms(secret)).map(([line]) => line);
}

/** How long a piece of a secret's line must be to be masked on its own: as long as a line must be. */
export const MIN_RUN_LENGTH = MIN_LINE_LENGTH;

/**
 * The redactor of `secrets`. `numbers` are those of them that only unlisted variables hold under secret-looking
 * names and that read as numbers: `json` leaves them where gate's JSON writes a number (see `Masking`).
 */
export function createRedactor(secrets: string[], numbers: readonly string[] = []): Redactor {
  const formName = new Map<string, SecretForm>();
  /** The forms of the secrets' lines that are no whole form too: found with their pieces (`lineRuns`), not among the forms. */
  const ofLines = new Set<string>();
  /** Every form of the secrets' lines, whole forms too: their pieces are masked (see `lineRuns`). */
  const lineNames = new Map<string, SecretForm>();
  /** The forms of `numbers` that no other secret has. */
  const numberForms = new Set<string>();
  const otherForms = new Set<string>();
  const numberValues = new Set(numbers);
  for (const secret of secrets) {
    const whole = forms(secret);
    const lines = formsOfLines(whole);
    for (const [form, name] of whole) if (form.length > 0 && !formName.has(form)) formName.set(form, name);
    for (const [form, name] of lines) {
      if (!lineNames.has(form)) lineNames.set(form, name);
      if (formName.has(form)) continue;
      formName.set(form, name);
      ofLines.add(form);
    }
    for (const [form] of [...whole, ...lines]) (numberValues.has(secret) ? numberForms : otherForms).add(form);
  }
  for (const form of otherForms) numberForms.delete(form);
  if (formName.size === 0) return IDENTITY;
  const textForms = [...formName.keys()];
  // The secrets' lines are found with their pieces (`lineRuns`), not among the forms.
  const textPattern: Matcher = literals(textForms.filter((f) => !ofLines.has(f)));
  // Raw output is matched byte for byte: latin1 maps each byte to one character and back.
  const latin1 = (f: string) => Buffer.from(f, 'utf8').toString('latin1');
  const byteForms = textForms.map(latin1);
  const bytePattern: Matcher = literals(textForms.filter((f) => !ofLines.has(f)).map(latin1));
  // A piece of a line of a secret of several lines (16 characters or more of it) is masked too.
  const ofLinesNamed = [...lineNames];
  if (ofLinesNamed.length > 0) {
    textPattern.runs = lineRuns(ofLinesNamed);
    bytePattern.runs = lineRuns(ofLinesNamed.map(([form, name]) => [latin1(form), name]));
  }
  // A loop, not a spread: a gate may name tens of thousands of secrets, more than a call takes arguments.
  const reach = byteForms.reduce((most, f) => Math.max(most, f.length), -Infinity);

  // Every piece a cut could leave of a form, for `maskCut`.
  const pieces = new Set<string>();
  for (const form of textForms) for (let n = MIN_CUT_PREFIX; n < Math.min(form.length, MAX_CUT_PREFIX + 1); n++) pieces.add(form.slice(0, n));
  const longestPiece = Math.min(MAX_CUT_PREFIX, textForms.reduce((most, f) => Math.max(most, f.length - 1), 0));

  /** A form cut short right before an ellipsis (as assertion messages cut long values): the piece is masked too. */
  const maskCut = (text: string): string => {
    let at = text.indexOf(ELLIPSIS);
    if (at < 0) return text;
    let out = '';
    let pos = 0;
    while (at >= 0) {
      let cut = 0;
      for (let n = Math.min(longestPiece, at - pos); n >= MIN_CUT_PREFIX; n--) {
        if (pieces.has(text.slice(at - n, at))) {
          cut = n;
          break;
        }
      }
      out += cut > 0 ? `${text.slice(pos, at - cut)}${REDACTED}${ELLIPSIS}` : text.slice(pos, at + ELLIPSIS.length);
      pos = at + ELLIPSIS.length;
      at = text.indexOf(ELLIPSIS, pos);
    }
    return out + text.slice(pos);
  };

  const redact = (text: string) => maskCut(maskSpans(text, spansOf(textPattern, text)));
  /** In JSON gate rendered: whether the form at `start` is one of `numbers` outside a string (found once a place is asked about). */
  const ownNumber = (json: string) => {
    let inside: ((at: number) => boolean) | undefined;
    return (start: number, form: string) => numberForms.has(form) && !(inside ??= insideStrings(json))(start);
  };
  let forLines: LineForms | undefined;
  return Object.assign(redact, {
    json: (text: string) => (numberForms.size === 0 ? redact(text) : maskCut(maskSpans(text, spansOf(textPattern, text, ownNumber(text))))),
    reach,
    maskBytes(raw: Buffer, from = 0, to = raw.length): Buffer {
      return maskSpanBytes(raw, spansOf(bytePattern, raw.toString('latin1')), from, to);
    },
    maskSettled(raw: Buffer, settle: number): { masked: Buffer; consumed: number } {
      const spans = spansOf(bytePattern, raw.toString('latin1'));
      let consumed = Math.max(0, Math.min(settle, raw.length));
      for (const [start, end] of spans) {
        if (start >= consumed || end <= consumed) continue;
        // A secret crosses the cut: stop before it and look again with more bytes,
        // unless it starts the chunk (then nothing else can complete it).
        consumed = start > 0 && end >= raw.length - (reach - 1) ? start : end;
        break;
      }
      return { masked: maskSpanBytes(raw, spans, 0, consumed), consumed };
    },
    find(text: string, json = false): SecretForm[] {
      const found = new Set<SecretForm>();
      const skip = json && numberForms.size > 0 ? ownNumber(text) : undefined;
      textPattern.lastIndex = 0;
      for (let m = textPattern.exec(text); m !== null; m = textPattern.exec(text)) {
        if (!skip?.(m.index, m[0])) found.add(formName.get(m[0]) ?? 'plain');
        textPattern.lastIndex = m.index + 1;
      }
      for (const [, , name] of textPattern.runs?.(text) ?? []) found.add(name);
      // Renderers escape what they write: a secret escaped for XML or Markdown is still a secret.
      // (Undone, JSON's escapes move its strings' edges: there gate's own numbers are not told apart, and not looked for.)
      if (found.size === 0 && /[&\\]/.test(text)) {
        const read = unescapeMarkup(text);
        textPattern.lastIndex = 0;
        for (let m = textPattern.exec(read); m !== null && found.size === 0; m = textPattern.exec(read)) {
          if (!(json && numberForms.has(m[0]))) found.add('XML- or Markdown-escaped');
          textPattern.lastIndex = m.index + 1;
        }
        if (found.size === 0 && (textPattern.runs?.(read).length ?? 0) > 0) found.add('XML- or Markdown-escaped');
      }
      return [...found];
    },
    blank(text: string): string {
      let out = '';
      let pos = 0;
      for (const [start, end] of spansOf(textPattern, text)) {
        out += text.slice(pos, start) + '*'.repeat(end - start);
        pos = end;
      }
      return out + text.slice(pos);
    },
    lines(): LineMasker {
      forLines ??= lineForms(textForms.filter((form) => form.includes('\n')));
      return createLineMasker(forLines, textForms, textPattern, reach);
    },
  });
}

/** What `redactorFor` reads of a gate. */
export interface GateSecrets {
  env: Record<string, string>;
  envFile?: { values: Record<string, string> };
  redact: string[];
  checks: { env: Record<string, string>; injectFail?: { env: Record<string, string> } }[];
}

/** A variable whose value gate masks, and where it was set. */
export interface SecretSource {
  name: string;
  value: string;
  /** The JSON path of the env block in the gate file (`checks[0].env`); undefined for gate's own environment. */
  block?: string;
  /** Whether the gate lists the name under `redact`. */
  listed: boolean;
}

/** Where a secret's variable is set, as a message names it (never its value). */
export const secretPlace = (s: SecretSource): string => (s.block === undefined ? `${s.name} (in gate's environment)` : `${s.block}.${s.name}`);

/** Every variable whose value a gate run masks: in gate's own environment and in the gate file's env blocks, in that order. */
export function secretSources(gate: GateSecrets, env: Record<string, string | undefined>): SecretSource[] {
  const listed = new Set(gate.redact);
  const sources: SecretSource[] = [];
  // A block's name is made only for a secret found in it: a gate of a thousand checks has two thousand
  // env blocks, nearly all empty, and `validate` and `list` build this for what they print.
  const add = (values: Record<string, string | undefined> | undefined, block: () => string | undefined) => {
    for (const name in values) {
      const value = values[name];
      if (value !== undefined && isMasked(name, value, listed)) sources.push({ name, value, block: block(), listed: listed.has(name) });
    }
  };
  add(env, () => undefined);
  add(gate.env, () => 'env');
  add(gate.envFile?.values, () => 'envFile.values');
  gate.checks.forEach((c, i) => {
    add(c.env, () => `checks[${i}].env`);
    add(c.injectFail?.env, () => `checks[${i}].injectFail.env`);
  });
  return sources;
}

/**
 * The names under `redact` that are set nowhere (not in gate's environment, not in an env block of the gate
 * file) while a name that is set is one or two edits from it, or the same in another case: a typo that leaves
 * the secret it meant unmasked. A name set nowhere with no such neighbour (a secret only CI sets) is not one.
 */
export function redactTypos(gate: GateSecrets, env: Record<string, string | undefined>): { name: string; meant: string }[] {
  const set = new Set<string>();
  const add = (values: Record<string, string | undefined> | undefined) => {
    for (const name in values) if (values[name] !== undefined) set.add(name);
  };
  add(env);
  add(gate.env);
  add(gate.envFile?.values);
  for (const c of gate.checks) {
    add(c.env);
    add(c.injectFail?.env);
  }
  const typos: { name: string; meant: string }[] = [];
  for (const name of new Set(gate.redact)) {
    if (set.has(name)) continue;
    const lower = name.toLowerCase();
    const near = name.length >= 6 ? 2 : 1;
    let meant: string | undefined;
    let best = Infinity;
    for (const candidate of set) {
      const d = editDistance(lower, candidate.toLowerCase());
      if (d <= near && d < best) [meant, best] = [candidate, d];
    }
    if (meant !== undefined) typos.push({ name, meant });
  }
  return typos;
}

/** The warning for each of `redactTypos`, one line a name (names only, never a value). */
export const redactTypoWarnings = (gate: GateSecrets & { displayFile: string }, env: Record<string, string | undefined>): string[] =>
  redactTypos(gate, env).map(
    ({ name, meant }) =>
      `gate: warning: ${gate.displayFile}: redact names ${name}, which is set nowhere (not in gate's environment nor in the gate file), so nothing is masked for it; did you mean ${meant}?`,
  );

/** Every secret a gate run could expose: from gate's own environment and from the gate file's env blocks. */
export function redactorFor(gate: GateSecrets, env: Record<string, string | undefined>): Redactor {
  return redactorOf(secretSources(gate, env));
}

/** The redactor of these variables' values; a value that reads as a number and that no listed variable holds is one of `createRedactor`'s `numbers`. */
export function redactorOf(sources: SecretSource[]): Redactor {
  const values = [...new Set(sources.map((s) => s.value))];
  const listed = new Set(sources.filter((s) => s.listed).map((s) => s.value));
  return createRedactor(values, values.filter((v) => !listed.has(v) && readsAsNumber(v)));
}

/** The files gate renders as JSON itself: masked with `Masking.json`. */
const OWN_JSON_FILES = new Set(['closeout.json', 'run.log', 'drill.json']);
export const isOwnJson = (file: string): boolean => OWN_JSON_FILES.has(file);

/** The content of the report file `file` masked as gate writes it: as JSON of its own, or as text. */
export const maskFile = (masking: Masking, file: string, content: string): string => (isOwnJson(file) ? masking.json(content) : masking(content));

/**
 * A copy of a value with every string masked. Applied to the report before any
 * renderer sees it, so that escaping (XML, Markdown) cannot change a secret into
 * a form the final pass over the files would miss.
 */
export function redactDeep<T>(value: T, redact: (text: string) => string): T {
  if (typeof value === 'string') return redact(value) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => redactDeep(v, redact)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDeep(v, redact)])) as T;
  }
  return value;
}
