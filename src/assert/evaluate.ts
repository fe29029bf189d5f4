/**
 * Evaluating a parsed assertion against a JSON document. Strict: own properties only,
 * no type coercion, and no vacuous truth (a wildcard that matches nothing, or a path
 * that is missing, does not hold — except for `absent`, and `count` over an empty array
 * or object, which is 0). Never throws for user data.
 */
import type { Assertion, AssertionResult, PathSegment } from '../model/types.js';
import { OPERATORS, describeType } from './operators.js';
import { formatPath } from './parse.js';
import { escapeControls } from '../util/escape-controls.js';
import { Columns } from './columns.js';
import { locationOf, type Loc } from './location.js';

const RENDER_LIMIT = 120;

/** One branch of path resolution, in document order. */
type Branch =
  | { kind: 'found'; value: unknown; at: Loc | undefined }
  /** `seg` could not be taken at `at`; `expanded` tells whether a wildcard had matched before. */
  | { kind: 'missing'; at: Loc | undefined; seg: PathSegment; holder: unknown; expanded: boolean }
  /** `[*]` at `at` matched no element. */
  | { kind: 'empty'; at: Loc | undefined };

export function evaluateAssertion(a: Assertion, doc: unknown): AssertionResult {
  let ok: boolean;
  let found: string;
  try {
    [ok, found] = a.fn === undefined ? judgePath(a, doc) : judgeFunction(a, doc);
  } catch (e) {
    // A defect, not a data problem: report it on the assertion rather than crash the run.
    ok = false;
    found = `internal error while evaluating (this is a bug): ${e instanceof Error ? e.message : String(e)}`;
  }
  const result: AssertionResult = { expr: a.expr, ok, message: oneLine(`${a.expr}: ${found}`) };
  if (a.file !== undefined) result.file = a.file;
  return result;
}

/** The result for an assertion whose document could not be read (e.g. its `file` is missing). */
export function unreadableAssertion(a: Assertion, why: string): AssertionResult {
  const result: AssertionResult = { expr: a.expr, ok: false, message: oneLine(`${a.expr}: ${why}`) };
  if (a.file !== undefined) result.file = a.file;
  return result;
}

// ------------------------------------------------------------------ plain paths

function judgePath(a: Assertion, doc: unknown): [boolean, string] {
  const walk = new Walk(a.path);
  const wild = a.path.some((s) => s.kind === 'wildcard');
  if (a.op === 'absent') return judgeAbsent(walk, doc, wild);
  const spec = OPERATORS[a.op];
  let failed: [boolean, string] | undefined;
  // What a pass shows: the values found, rendered to a budget that the first RENDER_LIMIT + 1 of them
  // always exceed (each takes a character and a comma), so only those are kept.
  const shown: unknown[] = [];
  walk.run(doc, (w) => {
    if (w.kind !== 'found') {
      failed = [false, nothingFound(w.branch())];
      return true;
    }
    if (!spec.test(w.value, a.value)) {
      // A bare word meets a value that is not a string: it was most likely meant as another path, which it is not.
      const word = a.bareWord && typeof w.value !== 'string' ? `${String(a.value)} is the string ${JSON.stringify(a.value)} here: an assertion compares a path with a value, never with another path` : undefined;
      const why = [spec.untestable?.(w.value, a.value), word].filter((t) => t).join('; ');
      failed = [false, `found ${render(w.value)}${wild ? ` at ${locText(w.branch().at)}` : ''}${why ? ` (${why})` : ''}`];
      return true;
    }
    if (shown.length <= RENDER_LIMIT) shown.push(w.value);
    return false;
  });
  if (failed !== undefined) return failed;
  if (!wild) return [true, `found ${render(shown[0])}`];
  return [true, `found ${render(shown)}`];
}

/** `absent` holds when nothing is found; through a wildcard, only if it matched at least one element. */
function judgeAbsent(walk: Walk, doc: unknown, wild: boolean): [boolean, string] {
  let hit: Branch | undefined;
  let empty: Branch | undefined;
  let first: Branch | undefined;
  let branches = 0;
  walk.run(doc, (w) => {
    branches += 1;
    if (w.kind === 'found') {
      hit = w.branch();
      return true;
    }
    if (w.kind === 'empty') empty ??= w.branch();
    else first ??= w.branch();
    return false;
  });
  if (hit?.kind === 'found') return [false, `found ${render(hit.value)}${wild ? ` at ${locText(hit.at)}` : ''}`];
  if (empty !== undefined) return [false, nothingFound(empty)];
  const missing = first as Branch & { kind: 'missing' };
  if (!wild) return [true, nothingFound(missing)];
  if (!missing.expanded) return [false, `found nothing (${missingText(missing)}), so [*] matched no element`];
  return [true, `found nothing in any of ${branches} matched element${branches === 1 ? '' : 's'}`];
}

// ------------------------------------------------------------------ functions

function judgeFunction(a: Assertion, doc: unknown): [boolean, string] {
  const spec = OPERATORS[a.op];
  if (a.fn === 'count' && a.path[a.path.length - 1]?.kind === 'wildcard') return countLastWildcard(a, doc, spec.test);
  const walk = new Walk(a.path);
  const wild = a.path.some((s) => s.kind === 'wildcard');
  if (a.fn === 'count') {
    // count of nothing is 0: empty wildcards, and branches missing past a wildcard that matched, add
    // nothing. A path missing before that (a typo, say) is not nothing: it does not hold.
    let result = 0;
    let typo: Branch | undefined;
    let why: Branch | undefined;
    walk.run(doc, (w) => {
      if (w.kind === 'missing' && !w.expanded) {
        typo = w.branch();
        return true;
      }
      // Without a wildcard, an array counts its elements and an object its members (as `[*]` walks
      // them), so `count(errors) == 0` holds for `{}` as for `[]`; any other value found, null too, is one.
      if (w.kind === 'found') result += wild ? 1 : (sizeOf(w.value) ?? 1);
      else why ??= w.branch();
      return false;
    });
    if (typo !== undefined) return [false, nothingFound(typo)];
    const note = result !== 0 || why === undefined ? '' : ` (${why.kind === 'empty' ? emptyText(why) : missingText(why as Branch & { kind: 'missing' })})`;
    return [spec.test(result, a.value), `found ${result}${note}`];
  }
  let n = 0;
  let acc = a.fn === 'sum' ? 0 : NaN;
  let firstEmpty: Branch | undefined;
  let failed: [boolean, string] | undefined;
  /** Adds one value; false (and `failed` set) when it is not a number. */
  const add = (v: unknown, at: () => Loc | undefined): boolean => {
    if (typeof v !== 'number') {
      failed = [false, `found ${render(v)} at ${locText(at())}, not a number`];
      return false;
    }
    n++;
    if (a.fn === 'sum') acc += v;
    else if (n === 1 || (a.fn === 'min' ? v < acc : v > acc)) acc = v;
    return true;
  };
  walk.run(doc, (w) => {
    if (w.kind === 'missing') {
      failed = [false, nothingFound(w.branch())];
      return true;
    }
    if (w.kind === 'empty') {
      firstEmpty ??= w.branch();
      return false;
    }
    if (wild) return !add(w.value, () => w.branch().at);
    // Without a wildcard, an array's elements and an object's members are what is summed (as for `count`).
    const spread = membersOf(w.value);
    if (spread === undefined) return !add(w.value, () => w.branch().at);
    const { values, keys } = spread;
    for (let i = 0; i < values.length; i++) {
      if (!add(values[i], () => ({ parent: w.branch().at, seg: keys?.[i] ?? i }))) return true;
    }
    if (values.length === 0 && firstEmpty === undefined) firstEmpty = w.branch();
    return false;
  });
  if (failed !== undefined) return failed;
  if (n === 0) {
    const empty = firstEmpty as Branch | undefined;
    if (empty?.kind === 'empty') return [false, nothingFound(empty)];
    const what = empty?.kind === 'found' && !Array.isArray(empty.value) ? 'object' : 'array';
    return [false, `found nothing (an empty ${what} at ${locText(empty?.at)})`];
  }
  return [spec.test(acc, a.value), `found ${render(acc)}`];
}

/** An array's length or an object's number of members; undefined for any other value. */
function sizeOf(v: unknown): number | undefined {
  if (Array.isArray(v) || v instanceof Columns) return v.length;
  return typeof v === 'object' && v !== null ? Object.keys(v).length : undefined;
}

/** An array's elements, or an object's member values with their keys; undefined for any other value. */
function membersOf(v: unknown): { values: readonly unknown[]; keys?: string[] } | undefined {
  if (Array.isArray(v)) return { values: v };
  if (typeof v !== 'object' || v === null) return undefined;
  const keys = Object.keys(v);
  return { values: keys.map((k) => (v as Record<string, unknown>)[k]), keys };
}

/**
 * `count(p[*])`, the common case over large evidence: counts the elements under each match of
 * `p` instead of resolving a branch per element. Same result and message as the general path.
 */
function countLastWildcard(a: Assertion, doc: unknown, test: (found: unknown, expected: unknown) => boolean): [boolean, string] {
  const wildcard = a.path[a.path.length - 1] as PathSegment;
  const before = a.path.slice(0, -1);
  const expanded = before.some((s) => s.kind === 'wildcard');
  let result = 0;
  let why: Branch | undefined;
  let typo: Branch | undefined;
  new Walk(before).run(doc, (w) => {
    if (w.kind === 'missing' && !w.expanded) {
      typo = w.branch();
      return true;
    }
    if (w.kind !== 'found') {
      why ??= w.branch();
      return false;
    }
    const v = w.value;
    const size = sizeOf(v);
    if (size === undefined) {
      const missing: Branch = { kind: 'missing', at: w.branch().at, seg: wildcard, holder: v, expanded };
      if (!expanded) {
        typo = missing;
        return true;
      }
      why ??= missing;
    } else if (size === 0) why ??= { kind: 'empty', at: w.branch().at };
    else result += size;
    return false;
  });
  if (typo !== undefined) return [false, nothingFound(typo)];
  const note = result === 0 && why !== undefined ? ` (${why.kind === 'empty' ? emptyText(why) : missingText(why as Branch & { kind: 'missing' })})` : '';
  return [test(result, a.value), `found ${result}${note}`];
}

// ------------------------------------------------------------------ resolution

/** Stand-ins for a holder in a message, which tells only its type: an object, an array. */
const AN_OBJECT = Object.freeze({});
const NO_KEYS = Object.freeze([]);

/**
 * Walks a path over a document, visiting its branches in document order (the order in which
 * resolving it segment by segment would list them). Nothing is built per branch: the walk is
 * one reused cursor and one stack of segments, and `branch()` makes an object of its own, with
 * its location, only for the branch a caller keeps or names in a message.
 */
class Walk {
  kind: Branch['kind'] = 'found';
  /** What was found (`found`). */
  value: unknown = undefined;
  /** `missing`: the segment that could not be taken, on what, and whether a wildcard had matched before. */
  seg: PathSegment = { kind: 'wildcard' };
  holder: unknown = undefined;
  expanded = false;
  /** The concrete segments down to where the walk is: an index or key for a wildcard's element, else the path's own segment. */
  private readonly at: Array<PathSegment | number | string> = [];
  /** Whether a wildcard comes before each segment of the path. */
  private readonly after: boolean[];
  private visit: (w: Walk) => boolean = () => false;

  constructor(private readonly path: readonly PathSegment[]) {
    let wild = false;
    this.after = path.map((s) => {
      const before = wild;
      if (s.kind === 'wildcard') wild = true;
      return before;
    });
  }

  /** Visits every branch until `visit` returns true (with the cursor still on that branch). */
  run(doc: unknown, visit: (w: Walk) => boolean): void {
    this.visit = visit;
    this.at.length = 0;
    this.step(doc, 0);
  }

  /** The branch the cursor is on, as an object of its own. */
  branch(): Branch {
    const at = locationOf(this.at);
    if (this.kind === 'found') return { kind: 'found', value: this.value, at };
    if (this.kind === 'empty') return { kind: 'empty', at };
    return { kind: 'missing', at, seg: this.seg, holder: this.holder, expanded: this.expanded };
  }

  /** Takes the path on from segment `depth` at `v`; true when the visit stopped. */
  private step(v: unknown, depth: number): boolean {
    const seg = this.path[depth];
    if (seg === undefined) {
      this.kind = 'found';
      this.value = v;
      return this.visit(this);
    }
    if (v instanceof Columns) return this.columns(v, seg, depth);
    if (seg.kind === 'wildcard') {
      if (Array.isArray(v)) {
        if (v.length === 0) return this.empty();
        for (let i = 0; i < v.length; i++) if (this.down(i, v[i], depth)) return true;
        return false;
      }
      if (typeof v === 'object' && v !== null) {
        const keys = Object.keys(v);
        if (keys.length === 0) return this.empty();
        for (const k of keys) if (this.down(k, (v as Record<string, unknown>)[k], depth)) return true;
        return false;
      }
      return this.missing(seg, v, depth);
    }
    if (seg.kind === 'index') {
      if (Array.isArray(v) && seg.index < v.length) return this.down(seg, v[seg.index], depth);
      return this.missing(seg, v, depth);
    }
    if (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.hasOwn(v, seg.key)) return this.down(seg, (v as Record<string, unknown>)[seg.key], depth);
    return this.missing(seg, v, depth);
  }

  /**
   * Segment `depth` taken on a projected array held as columns: `[*]` then a key reads each
   * element's value from the key's column (no object per element); anything else reads the
   * element as the projection would have made it.
   */
  private columns(v: Columns, seg: PathSegment, depth: number): boolean {
    if (seg.kind === 'index') return seg.index < v.length ? this.down(seg, v.element(seg.index), depth) : this.missing(seg, new Array<unknown>(v.length), depth);
    // A key on an array: what is missing is told by the holder's type alone.
    if (seg.kind === 'key') return this.missing(seg, NO_KEYS, depth);
    if (v.length === 0) return this.empty();
    const next = this.path[depth + 1];
    const column = next?.kind === 'key' ? v.byKey.get(next.key) : undefined;
    for (let i = 0; i < v.length; i++) {
      if (column === undefined || v.others.has(i)) {
        if (this.down(i, v.element(i), depth)) return true;
        continue;
      }
      this.at.push(i);
      const found = column[i];
      // Not there: an object element without the key.
      const stop = found === undefined ? this.missing(next as PathSegment, AN_OBJECT, depth + 1) : this.down(next as PathSegment, found, depth + 1);
      if (stop) return true;
      this.at.pop();
    }
    return false;
  }

  private down(at: PathSegment | number | string, v: unknown, depth: number): boolean {
    this.at.push(at);
    const stop = this.step(v, depth + 1);
    if (!stop) this.at.pop();
    return stop;
  }

  private empty(): boolean {
    this.kind = 'empty';
    this.value = undefined;
    return this.visit(this);
  }

  private missing(seg: PathSegment, holder: unknown, depth: number): boolean {
    this.kind = 'missing';
    this.value = undefined;
    this.seg = seg;
    this.holder = holder;
    this.expanded = this.after[depth] as boolean;
    return this.visit(this);
  }
}

// ------------------------------------------------------------------ messages

function nothingFound(b: Branch): string {
  if (b.kind === 'empty') return `found nothing (${emptyText(b)})`;
  if (b.kind === 'missing') return `found nothing (${missingText(b)})`;
  return `found ${render(b.value)}`;
}

function emptyText(b: Branch): string {
  return `[*] matched no element at ${locText(b.at)}`;
}

function missingText(b: Branch & { kind: 'missing' }): string {
  const what = b.seg.kind === 'key' ? JSON.stringify(b.seg.key) : b.seg.kind === 'index' ? `[${b.seg.index}]` : '[*]';
  const where = locText(b.at);
  const h = b.holder;
  if (b.seg.kind === 'key' && typeof h === 'object' && h !== null && !Array.isArray(h)) return `no ${what} at ${where}`;
  if (b.seg.kind === 'index' && Array.isArray(h)) return `no ${what} at ${where}, which has ${h.length} element${h.length === 1 ? '' : 's'}`;
  return `no ${what} at ${where}, which is ${describeType(h)}`;
}

function locText(at: Loc | undefined): string {
  if (at === undefined) return 'the top level';
  const segs: PathSegment[] = [];
  for (let l: Loc | undefined = at; l !== undefined; l = l.parent) {
    segs.push(typeof l.seg === 'number' ? { kind: 'index', index: l.seg } : typeof l.seg === 'string' ? { kind: 'key', key: l.seg } : l.seg);
  }
  return formatPath(segs.reverse());
}

/** Compact JSON, cut to a budget without ever serialising more than that (values can be huge or deep). */
export function render(value: unknown, limit = RENDER_LIMIT): string {
  const parts: string[] = [];
  let length = 0;
  const push = (s: string): boolean => {
    parts.push(s);
    length += s.length;
    return length <= limit;
  };
  const str = (s: string): string => JSON.stringify(s.length > limit ? s.slice(0, limit + 1) : s);
  // Recursion depth is bounded by `limit`: every level emits at least one character first.
  const walk = (v: unknown): boolean => {
    if (typeof v === 'string') return push(str(v));
    if (typeof v === 'number') return push(Number.isFinite(v) ? JSON.stringify(v) : String(v));
    if (v === null || typeof v === 'boolean' || typeof v === 'undefined') return push(String(v));
    if (Array.isArray(v)) {
      if (!push('[')) return false;
      for (let i = 0; i < v.length; i++) {
        if ((i > 0 && !push(',')) || !walk(v[i])) return false;
      }
      return push(']');
    }
    if (typeof v === 'object') {
      if (!push('{')) return false;
      let first = true;
      for (const k of Object.keys(v)) {
        if ((!first && !push(',')) || !push(`${str(k)}:`) || !walk((v as Record<string, unknown>)[k])) return false;
        first = false;
      }
      return push('}');
    }
    return push(String(v));
  };
  walk(value);
  const out = parts.join('');
  if (out.length <= limit) return out;
  let cut = out.slice(0, limit - 1);
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut}…`;
}

/** Messages are one line: escape line breaks and other control characters as JSON would. */
export const oneLine = escapeControls;
