/**
 * Large JSON evidence, read for what its assertions look at.
 *
 * A check that prints tens of MB of JSON is judged by a few assertions
 * (`ok == true`, `count(results[*]) > 0`). Building the whole document costs
 * far more than the check's own start: `JSON.parse` makes every object, and
 * the collector then walks them all. Here the bytes are checked against JSON's
 * grammar in one pass and only what the assertions can see is built: the
 * values at their paths, and along the way the containers with what their
 * messages tell (an array's length, an object's keys when counted).
 *
 * The document is still wholly checked: anything `JSON.parse` would refuse is
 * refused here, and the caller then reads it the ordinary way for its exact
 * message. Duplicate keys keep the last value in the first key's place, as
 * `JSON.parse` does. Every assertion gives the same result and message on the
 * projected value as on the whole document (tests/unit/projected-json.test.ts
 * checks this against `JSON.parse` on generated documents).
 */
import { Columns } from '../assert/columns.js';
import type { Assertion } from '../model/types.js';

/** What the assertions need of one value of the document. */
export interface Need {
  /** The value itself, whole. */
  whole: boolean;
  /** Its size: an array's length, an object's keys (`count`). */
  size: boolean;
  keys: Map<string, Need>;
  indexes: Map<number, Need>;
  /** Needs of every element or member (`[*]`). */
  each: Need | undefined;
}

const newNeed = (): Need => ({ whole: false, size: false, keys: new Map(), indexes: new Map(), each: undefined });

/** What assertions on one document need of it (the caller picks the assertions on that document). */
export function needOf(assertions: readonly Assertion[]): Need {
  const root = newNeed();
  for (const a of assertions) {
    // `count(p[*])` counts the elements under p; `count(p)` counts what p finds (an array's
    // elements when p has no wildcard): a size either way. Everything else reads the values.
    const countsLast = a.fn === 'count' && a.path[a.path.length - 1]?.kind === 'wildcard';
    const path = countsLast ? a.path.slice(0, -1) : a.path;
    let need = root;
    for (const seg of path) {
      if (seg.kind === 'key') need = getOrAdd(need.keys, seg.key);
      else if (seg.kind === 'index') need = getOrAdd(need.indexes, seg.index);
      else need = need.each ??= newNeed();
    }
    if (a.fn === 'count') need.size = true;
    else need.whole = true;
  }
  return root;
}

function getOrAdd<K>(map: Map<K, Need>, key: K): Need {
  let need = map.get(key);
  if (need === undefined) map.set(key, (need = newNeed()));
  return need;
}

/** `a` and `b` together (an element both named by index and reached by `[*]`). */
function merge(a: Need, b: Need): Need {
  const m = newNeed();
  m.whole = a.whole || b.whole;
  m.size = a.size || b.size;
  for (const src of [a, b]) {
    for (const [k, n] of src.keys) m.keys.set(k, m.keys.has(k) ? merge(m.keys.get(k) as Need, n) : n);
    for (const [k, n] of src.indexes) m.indexes.set(k, m.indexes.has(k) ? merge(m.indexes.get(k) as Need, n) : n);
  }
  m.each = a.each && b.each ? merge(a.each, b.each) : (a.each ?? b.each);
  return m;
}

/**
 * The projected document in `bytes[0, end)` (UTF-8, a BOM allowed), or
 * undefined when it is not one JSON document (or is empty): read it whole then.
 * A zero byte at `end`, when the buffer has room for one, stops every inner
 * loop there (no JSON token goes on with it), so none reads past the buffer,
 * which V8 does on a slower path; they stop at the buffer's end without it too.
 */
export function projectJson(bytes: Buffer, end: number, need: Need): { value: unknown } | undefined {
  let i = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  i = skipSpace(bytes, i);
  if (i >= end) return undefined;
  try {
    i = take(bytes, i, need);
    if (i < 0 || skipSpace(bytes, i) !== end) return undefined;
    return { value: taken };
  } catch {
    // A span this scan passed that JSON.parse refused: read the document whole, for its own verdict.
    return undefined;
  } finally {
    // Nothing of this document outlives the call.
    taken = undefined;
    if (open.length > 4096) open = new Uint8Array(256);
  }
}

/** The value the last `take` built (one slot rather than an object per value). */
let taken: unknown;

/** Builds what `need` asks of the value at `i`; returns where it ends, or -1 when the text is not JSON. */
function take(b: Buffer, i: number, need: Need): number {
  const c = b[i];
  if (!need.whole && c === 0x7b) return takeObject(b, i, need);
  if (!need.whole && c === 0x5b) return takeArray(b, i, need);
  // The value whole (scalars always: what they are shows in messages).
  const e = endOfValue(b, i);
  if (e >= 0) taken = c === 0x7b || c === 0x5b ? (JSON.parse(b.toString('utf8', i, e)) as unknown) : scalar(b, i, e);
  return e;
}

/**
 * The scalar at `[i, e)`, which the grammar pass has accepted, as JSON.parse
 * makes it, without a string to parse for each: a string with no escape is
 * its bytes decoded (the quotes bound it, so its UTF-8 decodes as in the whole
 * text), a number is what `Number` makes of its text (JSON's numbers are a
 * part of JavaScript's, rounded alike).
 */
function scalar(b: Buffer, i: number, e: number): unknown {
  const c = b[i];
  if (c === 0x22) {
    for (let j = i + 1; j < e - 1; j++) if (b[j] === 0x5c) return JSON.parse(b.toString('utf8', i, e));
    return b.toString('utf8', i + 1, e - 1);
  }
  if (c === 0x74) return true;
  if (c === 0x66) return false;
  if (c === 0x6e) return null;
  // An integer of up to 15 digits is exact in a double: its digits added up, with no string to parse.
  const digits = c === 0x2d ? i + 1 : i;
  if (e - digits <= 15) {
    let n = 0;
    let j = digits;
    for (; j < e; j++) {
      const d = (b[j] as number) - 0x30;
      if (d < 0 || d > 9) break;
      n = n * 10 + d;
    }
    if (j === e) return c === 0x2d ? -n : n;
  }
  return Number(b.toString('latin1', i, e));
}

function takeObject(b: Buffer, i: number, need: Need): number {
  const obj: Record<string, unknown> = {};
  i = skipSpace(b, i + 1);
  if (b[i] === 0x7d) {
    taken = obj;
    return i + 1;
  }
  // Every key is read when all are kept (`[*]`, or counted); else only the asked-for ones are told apart.
  const everyKey = need.each !== undefined || need.size;
  const asked = need.keys.size > 0 ? askedKeys(need) : undefined;
  for (;;) {
    if (b[i] !== 0x22) return -1;
    const keyEnd = endOfString(b, i);
    if (keyEnd < 0) return -1;
    const key = everyKey ? keyText(b, i, keyEnd) : asked ? askedKey(b, i, keyEnd, asked) : undefined;
    i = skipSpace(b, keyEnd);
    if (b[i] !== 0x3a) return -1;
    i = skipSpace(b, i + 1);
    const byKey = key === undefined ? undefined : need.keys.get(key);
    const child = childNeed(byKey, need.each);
    if (child !== undefined) {
      i = take(b, i, child);
      if (i < 0) return -1;
      define(obj, key as string, taken);
    } else {
      i = endOfValue(b, i);
      if (i < 0) return -1;
      // Counted keys are there, with a stand-in value no assertion reads.
      if (need.size) define(obj, key as string, null);
    }
    i = skipSpace(b, i);
    if (b[i] === 0x2c) {
      i = skipSpace(b, i + 1);
      continue;
    }
    if (b[i] !== 0x7d) return -1;
    taken = obj;
    return i + 1;
  }
}

/** What one member or element needs: what its own key or index asks for, and what a wildcard asks of every one. */
function childNeed(own: Need | undefined, each: Need | undefined): Need | undefined {
  return own && each ? merge(own, each) : (own ?? each);
}

/**
 * Whether an array with this need is read only through `[*]` and then at a few keys of its
 * elements: then it is held as columns (one array per key of what is taken there).
 */
function columnar(need: Need): boolean {
  const each = need.each;
  if (need.whole || need.keys.size > 0 || need.indexes.size > 0 || each === undefined) return false;
  return !each.whole && !each.size && each.each === undefined && each.indexes.size === 0 && each.keys.size > 0;
}

/** An array as `Columns` (see `columnar`): an object element's asked-for keys into their columns, any other element kept as it is projected. */
function takeColumns(b: Buffer, i: number, need: Need): number {
  const each = need.each as Need;
  const asked = askedKeys(each);
  const byKey = new Map<string, unknown[]>();
  for (const key of each.keys.keys()) byKey.set(key, []);
  const columns = [...byKey.values()];
  const others = new Map<number, unknown>();
  let n = 0;
  i = skipSpace(b, i + 1);
  if (b[i] !== 0x5d) {
    for (;;) {
      if (b[i] === 0x7b) {
        i = skipSpace(b, i + 1);
        if (b[i] !== 0x7d) {
          for (;;) {
            if (b[i] !== 0x22) return -1;
            const keyEnd = endOfString(b, i);
            if (keyEnd < 0) return -1;
            const key = askedKey(b, i, keyEnd, asked);
            i = skipSpace(b, keyEnd);
            if (b[i] !== 0x3a) return -1;
            i = skipSpace(b, i + 1);
            if (key !== undefined) {
              i = take(b, i, each.keys.get(key) as Need);
              if (i < 0) return -1;
              // A duplicate key: the last value, as JSON.parse keeps it.
              (byKey.get(key) as unknown[])[n] = taken;
            } else {
              i = endOfValue(b, i);
              if (i < 0) return -1;
            }
            i = skipSpace(b, i);
            if (b[i] === 0x2c) {
              i = skipSpace(b, i + 1);
              continue;
            }
            if (b[i] !== 0x7d) return -1;
            break;
          }
        }
        i += 1;
      } else {
        i = take(b, i, each);
        if (i < 0) return -1;
        others.set(n, taken);
      }
      n += 1;
      // Every column has a place for every element (undefined: not there), so none is ever holey.
      for (const column of columns) if (column.length < n) column.push(undefined);
      i = skipSpace(b, i);
      if (b[i] === 0x2c) {
        i = skipSpace(b, i + 1);
        continue;
      }
      if (b[i] !== 0x5d) return -1;
      break;
    }
  }
  taken = new Columns(n, byKey, others);
  return i + 1;
}

function takeArray(b: Buffer, i: number, need: Need): number {
  if (columnar(need)) return takeColumns(b, i, need);
  // Every element has a place, so the length is the document's; unread ones hold null.
  const arr: unknown[] = [];
  i = skipSpace(b, i + 1);
  if (b[i] === 0x5d) {
    taken = arr;
    return i + 1;
  }
  const indexed = need.indexes.size > 0;
  for (;;) {
    const byIndex = indexed ? need.indexes.get(arr.length) : undefined;
    const child = childNeed(byIndex, need.each);
    if (child !== undefined) {
      i = take(b, i, child);
      if (i < 0) return -1;
      arr.push(taken);
    } else {
      i = endOfValue(b, i);
      if (i < 0) return -1;
      arr.push(null);
    }
    i = skipSpace(b, i);
    if (b[i] === 0x2c) {
      i = skipSpace(b, i + 1);
      continue;
    }
    if (b[i] !== 0x5d) return -1;
    taken = arr;
    return i + 1;
  }
}

/** As `JSON.parse` makes it: an own property even for `__proto__`, the last value in the first one's place. */
function define(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
  else obj[key] = value;
}

/** Whether the string at `[start, end)` (quotes included) is plain ASCII with no escape: its bytes are its text. */
function plainAscii(b: Buffer, start: number, end: number): boolean {
  for (let j = start + 1; j < end - 1; j++) if (b[j] === 0x5c || (b[j] as number) >= 0x80) return false;
  return true;
}

/** The text of the key string at `[start, end)`, quotes included (an escape or a byte past ASCII: decoded by JSON.parse). */
function keyText(b: Buffer, start: number, end: number): string {
  return plainAscii(b, start, end) ? b.toString('latin1', start + 1, end - 1) : (JSON.parse(b.toString('utf8', start, end)) as string);
}

/** The keys a need names, as bytes when they are plain ASCII (most are), for telling them apart without decoding. */
const askedOf = new WeakMap<Need, Array<{ key: string; ascii: Buffer | undefined }>>();
function askedKeys(need: Need): Array<{ key: string; ascii: Buffer | undefined }> {
  let asked = askedOf.get(need);
  if (asked === undefined) {
    asked = [...need.keys.keys()].map((key) => ({ key, ascii: /^[\x00-\x7f]*$/.test(key) ? Buffer.from(key, 'latin1') : undefined }));
    askedOf.set(need, asked);
  }
  return asked;
}

/**
 * Which of the asked-for keys the key string at `[start, end)` is, if any. A
 * key written in plain ASCII is compared byte for byte (it can only be an
 * ASCII key); one with an escape or other bytes is decoded, as JSON.parse
 * would, and looked up.
 */
function askedKey(b: Buffer, start: number, end: number, asked: Array<{ key: string; ascii: Buffer | undefined }>): string | undefined {
  if (!plainAscii(b, start, end)) {
    const key = keyText(b, start, end);
    return asked.some((a) => a.key === key) ? key : undefined;
  }
  const length = end - start - 2;
  for (const a of asked) {
    if (a.ascii === undefined || a.ascii.length !== length) continue;
    let same = true;
    for (let k = 0; k < length && same; k++) same = a.ascii[k] === b[start + 1 + k];
    if (same) return a.key;
  }
  return undefined;
}

// ------------------------------------------------------------------ the grammar

/** Bytes that stand for themselves inside a string: not a quote, a backslash or a control character. */
const PLAIN = new Uint8Array(256);
for (let c = 0x20; c < 256; c++) PLAIN[c] = c === 0x22 || c === 0x5c ? 0 : 1;
/** Hex digits, for `\uXXXX`. */
const HEX = new Uint8Array(256);
for (const c of '0123456789abcdefABCDEF') HEX[c.charCodeAt(0)] = 1;

function skipSpace(b: Buffer, i: number): number {
  let c = b[i];
  while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = b[++i];
  return i;
}

/** `i` at an opening quote: the index after the closing one, or -1. */
function endOfString(b: Buffer, i: number): number {
  i += 1;
  for (;;) {
    while (PLAIN[b[i] as number] === 1) i++;
    const c = b[i];
    if (c === 0x22) return i + 1;
    if (c !== 0x5c) return -1;
    const e = b[i + 1];
    if (e === 0x75) {
      if (HEX[b[i + 2] as number] !== 1 || HEX[b[i + 3] as number] !== 1 || HEX[b[i + 4] as number] !== 1 || HEX[b[i + 5] as number] !== 1) return -1;
      i += 6;
    } else if (e === 0x22 || e === 0x5c || e === 0x2f || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) {
      i += 2;
    } else {
      return -1;
    }
  }
}

const isDigit = (c: number | undefined) => c !== undefined && c >= 0x30 && c <= 0x39;

/** `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?` from `i`: its end, or -1. */
function endOfNumber(b: Buffer, i: number): number {
  if (b[i] === 0x2d) i++;
  if (b[i] === 0x30) i++;
  else if (isDigit(b[i]) && b[i] !== 0x30) while (isDigit(b[++i]));
  else return -1;
  if (b[i] === 0x2e) {
    if (!isDigit(b[++i])) return -1;
    while (isDigit(b[++i]));
  }
  if (b[i] === 0x65 || b[i] === 0x45) {
    if (b[++i] === 0x2b || b[i] === 0x2d) i++;
    if (!isDigit(b[i])) return -1;
    while (isDigit(b[++i]));
  }
  return i;
}

/** `word` (`true`, `false`, `null`) at `i`: its end, or -1. */
function endOfWord(b: Buffer, i: number, word: string): number {
  for (let k = 1; k < word.length; k++) if (b[i + k] !== word.charCodeAt(k)) return -1;
  return i + word.length;
}

/** The end of a scalar at `i`, -1 when there is none; an opening bracket is not one. */
function endOfScalar(b: Buffer, i: number): number {
  const c = b[i];
  if (c === 0x22) return endOfString(b, i);
  if (c === 0x74) return endOfWord(b, i, 'true');
  if (c === 0x66) return endOfWord(b, i, 'false');
  if (c === 0x6e) return endOfWord(b, i, 'null');
  if (c === 0x2d || isDigit(c)) return endOfNumber(b, i);
  return -1;
}

/** Open containers of the value being skipped: 1 an object, 2 an array (grown when nesting is deeper). */
let open = new Uint8Array(256);

/** After `,` or `{` in an object: a key and its colon; the index of the value, or -1. */
function memberValue(b: Buffer, i: number): number {
  if (b[i] !== 0x22) return -1;
  i = endOfString(b, i);
  if (i < 0) return -1;
  i = skipSpace(b, i);
  if (b[i] !== 0x3a) return -1;
  return skipSpace(b, i + 1);
}

/** The end of the whole value at `i` (no space skipped after it), or -1. Iterative: any depth. */
function endOfValue(b: Buffer, i: number): number {
  let depth = 0;
  for (;;) {
    // A value starts at i.
    const c = b[i];
    if (c === 0x7b || c === 0x5b) {
      i = skipSpace(b, i + 1);
      if (b[i] === (c === 0x7b ? 0x7d : 0x5d)) {
        i += 1;
      } else {
        if (depth === open.length) {
          const grown = new Uint8Array(open.length * 2);
          grown.set(open);
          open = grown;
        }
        open[depth++] = c === 0x7b ? 1 : 2;
        if (c === 0x7b && (i = memberValue(b, i)) < 0) return -1;
        continue;
      }
    } else {
      i = endOfScalar(b, i);
      if (i < 0) return -1;
    }
    // A value ended at i: close what it ends, or go on to the next element or member.
    for (;;) {
      if (depth === 0) return i;
      i = skipSpace(b, i);
      const kind = open[depth - 1];
      if (b[i] === 0x2c) {
        i = skipSpace(b, i + 1);
        if (kind === 1 && (i = memberValue(b, i)) < 0) return -1;
        break;
      }
      if (b[i] !== (kind === 1 ? 0x7d : 0x5d)) return -1;
      depth -= 1;
      i += 1;
    }
  }
}
