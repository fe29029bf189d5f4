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

const RENDER_LIMIT = 120;

/**
 * A concrete location in the document, as a linked list so wide wildcards stay cheap: an
 * element reached through `[*]` keeps its bare index or key rather than a segment object.
 */
interface Loc {
  parent: Loc | undefined;
  seg: PathSegment | number | string;
}

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
  const branches = resolve(a.path, doc);
  const wild = a.path.some((s) => s.kind === 'wildcard');
  if (a.op === 'absent') return judgeAbsent(branches, wild);
  const spec = OPERATORS[a.op];
  for (const b of branches) {
    if (b.kind !== 'found') return [false, nothingFound(b)];
    if (!spec.test(b.value, a.value)) {
      const why = spec.untestable?.(b.value, a.value);
      return [false, `found ${render(b.value)}${wild ? ` at ${locText(b.at)}` : ''}${why ? ` (${why})` : ''}`];
    }
  }
  if (!wild) return [true, `found ${render((branches[0] as { value: unknown }).value)}`];
  return [true, `found ${render(branches.map((b) => (b as { value: unknown }).value))}`];
}

/** `absent` holds when nothing is found; through a wildcard, only if it matched at least one element. */
function judgeAbsent(branches: Branch[], wild: boolean): [boolean, string] {
  const hit = branches.find((b) => b.kind === 'found');
  if (hit !== undefined) return [false, `found ${render(hit.value)}${wild ? ` at ${locText(hit.at)}` : ''}`];
  const empty = branches.find((b) => b.kind === 'empty');
  if (empty !== undefined) return [false, nothingFound(empty)];
  const first = branches[0] as Branch & { kind: 'missing' };
  if (!wild) return [true, nothingFound(first)];
  if (!first.expanded) return [false, `found nothing (${missingText(first)}), so [*] matched no element`];
  return [true, `found nothing in any of ${branches.length} matched element${branches.length === 1 ? '' : 's'}`];
}

// ------------------------------------------------------------------ functions

function judgeFunction(a: Assertion, doc: unknown): [boolean, string] {
  const spec = OPERATORS[a.op];
  if (a.fn === 'count' && a.path[a.path.length - 1]?.kind === 'wildcard') return countLastWildcard(a, doc, spec.test);
  const branches = resolve(a.path, doc);
  const wild = a.path.some((s) => s.kind === 'wildcard');
  let result: number;
  if (a.fn === 'count') {
    // count of nothing is 0: empty wildcards, and branches missing past a wildcard that matched, add
    // nothing. A path missing before that (a typo, say) is not nothing: it does not hold.
    result = 0;
    for (const b of branches) {
      if (b.kind === 'missing' && !b.expanded) return [false, nothingFound(b)];
      // Without a wildcard, an array counts its elements and an object its members (as `[*]` walks
      // them), so `count(errors) == 0` holds for `{}` as for `[]`; any other value found, null too, is one.
      if (b.kind === 'found') result += wild ? 1 : (sizeOf(b.value) ?? 1);
    }
    const why = result === 0 ? branches.find((b) => b.kind !== 'found') : undefined;
    const note = why === undefined ? '' : ` (${why.kind === 'empty' ? emptyText(why) : missingText(why as Branch & { kind: 'missing' })})`;
    return [spec.test(result, a.value), `found ${result}${note}`];
  }
  let n = 0;
  let acc = a.fn === 'sum' ? 0 : NaN;
  let firstEmpty: Branch | undefined;
  for (const b of branches) {
    if (b.kind === 'missing') return [false, nothingFound(b)];
    if (b.kind === 'empty') {
      firstEmpty ??= b;
      continue;
    }
    // Without a wildcard, an array's elements and an object's members are what is summed (as for `count`).
    const spread = wild ? undefined : membersOf(b.value);
    const values: readonly unknown[] = spread ? spread.values : [b.value];
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (typeof v !== 'number') {
        const at = spread ? { parent: b.at, seg: spread.keys?.[i] ?? i } : b.at;
        return [false, `found ${render(v)} at ${locText(at)}, not a number`];
      }
      n++;
      if (a.fn === 'sum') acc += v;
      else if (n === 1 || (a.fn === 'min' ? v < acc : v > acc)) acc = v;
    }
    if (spread && values.length === 0 && firstEmpty === undefined) firstEmpty = b;
  }
  if (n === 0) {
    if (firstEmpty?.kind === 'empty') return [false, nothingFound(firstEmpty)];
    const what = firstEmpty?.kind === 'found' && !Array.isArray(firstEmpty.value) ? 'object' : 'array';
    return [false, `found nothing (an empty ${what} at ${locText(firstEmpty?.at)})`];
  }
  return [spec.test(acc, a.value), `found ${render(acc)}`];
}

/** An array's length or an object's number of members; undefined for any other value. */
function sizeOf(v: unknown): number | undefined {
  if (Array.isArray(v)) return v.length;
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
  for (const b of resolve(before, doc)) {
    if (b.kind === 'missing' && !b.expanded) return [false, nothingFound(b)];
    if (b.kind !== 'found') {
      why ??= b;
      continue;
    }
    const v = b.value;
    const size = sizeOf(v);
    if (size === undefined) {
      const missing: Branch = { kind: 'missing', at: b.at, seg: wildcard, holder: v, expanded };
      if (!expanded) return [false, nothingFound(missing)];
      why ??= missing;
    } else if (size === 0) why ??= { kind: 'empty', at: b.at };
    else result += size;
  }
  const note = result === 0 && why !== undefined ? ` (${why.kind === 'empty' ? emptyText(why) : missingText(why as Branch & { kind: 'missing' })})` : '';
  return [test(result, a.value), `found ${result}${note}`];
}

// ------------------------------------------------------------------ resolution

/** Walks the path segment by segment; terminal branches keep their place so order is the document's. */
function resolve(path: readonly PathSegment[], doc: unknown): Branch[] {
  let branches: Branch[] = [{ kind: 'found', value: doc, at: undefined }];
  let expanded = false;
  for (const seg of path) {
    const next: Branch[] = [];
    for (const b of branches) {
      if (b.kind !== 'found') {
        next.push(b);
        continue;
      }
      const v = b.value;
      if (seg.kind === 'wildcard') {
        if (Array.isArray(v)) {
          if (v.length === 0) next.push({ kind: 'empty', at: b.at });
          for (let i = 0; i < v.length; i++) next.push({ kind: 'found', value: v[i], at: { parent: b.at, seg: i } });
        } else if (typeof v === 'object' && v !== null) {
          const keys = Object.keys(v);
          if (keys.length === 0) next.push({ kind: 'empty', at: b.at });
          for (const k of keys) next.push({ kind: 'found', value: (v as Record<string, unknown>)[k], at: { parent: b.at, seg: k } });
        } else {
          next.push({ kind: 'missing', at: b.at, seg, holder: v, expanded });
        }
      } else if (seg.kind === 'index') {
        if (Array.isArray(v) && seg.index < v.length) next.push({ kind: 'found', value: v[seg.index], at: { parent: b.at, seg } });
        else next.push({ kind: 'missing', at: b.at, seg, holder: v, expanded });
      } else if (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.hasOwn(v, seg.key)) {
        next.push({ kind: 'found', value: (v as Record<string, unknown>)[seg.key], at: { parent: b.at, seg } });
      } else {
        next.push({ kind: 'missing', at: b.at, seg, holder: v, expanded });
      }
    }
    if (seg.kind === 'wildcard') expanded = true;
    branches = next;
  }
  return branches;
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
