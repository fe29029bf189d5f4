/**
 * Whether an assertion path can exist in documents that meet a check's outputSchema.
 * Conservative: it only says no when the schema plainly forbids the path (a closed object
 * without that property, a value whose `type` cannot hold it); anything it cannot follow
 * ($ref, combinators, conditionals) counts as possible. Segments mean what they mean to the
 * evaluator (src/assert/evaluate.ts): a key takes an object's own property, an index an
 * array's element (never an object's), and `[*]` an array's elements or an object's own values.
 */
import { formatPath } from '../assert/parse.js';
import type { PathSegment } from '../model/types.js';
import { isObj, type Obj } from '../util/json.js';

const UNFOLLOWED = ['$ref', '$dynamicRef', '$recursiveRef', 'allOf', 'anyOf', 'oneOf', 'not', 'if', 'dependentSchemas', 'unevaluatedProperties', 'unevaluatedItems'];

/** What a segment leads to: a schema that allows anything, so the rest of the path may exist. */
const ANYTHING = true;

/** At most this many distinct reasons in one message. */
const REASONS_SHOWN = 3;

function types(s: Obj): string[] | undefined {
  if (typeof s.type === 'string') return [s.type];
  if (Array.isArray(s.type) && s.type.every((t) => typeof t === 'string')) return s.type as string[];
  return undefined;
}

/**
 * Why `segs` cannot exist under `schema`, or undefined when it may. `[*]` can lead to several
 * schemas at once (an object's properties, patternProperties and additionalProperties, an
 * array's items), so the walk keeps every schema the path may be under: it may exist when it
 * may under any one of them.
 */
export function schemaPathProblem(schema: unknown, segs: readonly PathSegment[]): string | undefined {
  let cur: unknown[] = [schema];
  const problems: string[] = [];
  for (let n = 0; n < segs.length; n++) {
    const where = n === 0 ? 'the document' : formatPath(segs.slice(0, n));
    const next: unknown[] = [];
    for (const s of cur) {
      if (s === false) problems.push(`${where} is not allowed by the schema`);
      else if (!isObj(s) || UNFOLLOWED.some((k) => Object.hasOwn(s, k))) return undefined;
      else {
        const step = take(s, segs[n]!, where);
        if (typeof step === 'string') problems.push(step);
        else next.push(...step);
      }
    }
    if (next.length === 0) return reasons(problems);
    cur = next;
  }
  if (segs.length === 0 || cur.some((s) => s !== false)) return undefined;
  problems.push(`${formatPath(segs)} is not allowed by the schema`);
  return reasons(problems);
}

/** The schemas `seg` can lead to from a value under `s`, or why it leads nowhere. */
function take(s: Obj, seg: PathSegment, where: string): unknown[] | string {
  const t = types(s);
  if (seg.kind === 'key') {
    if (t && !t.includes('object')) return `${where} has type ${t.join(' | ')}, so it has no property "${seg.key}"`;
    const props = isObj(s.properties) ? s.properties : {};
    if (Object.hasOwn(props, seg.key)) return [props[seg.key]];
    if (s.patternProperties !== undefined || s.propertyNames !== undefined) return [ANYTHING];
    if (s.additionalProperties === false) {
      const known = Object.keys(props);
      return `${where} has no property "${seg.key}" (additionalProperties is false${known.length ? `; it has ${known.map((k) => JSON.stringify(k)).join(', ')}` : ''})`;
    }
    return [s.additionalProperties];
  }
  const array = !t || t.includes('array');
  if (seg.kind === 'index') {
    // The evaluator indexes arrays only: `[0]` on an object is missing, whatever its keys.
    if (!array) return `${where} has type ${t!.join(' | ')}, so it has no elements${t!.includes('object') ? ` (an index takes an array's elements; [*] also walks an object's values)` : ''}`;
    return elements(s);
  }
  const object = !t || t.includes('object');
  if (!array && !object) return `${where} has type ${t!.join(' | ')}, so it has no elements or values`;
  const out: unknown[] = array ? elements(s) : [];
  if (object) {
    // A member's value meets its properties entry, every matching patternProperties entry, or
    // else additionalProperties: the union of them all is the most it can be (absent or true:
    // anything). An object that can have no member (additionalProperties false and nothing else)
    // adds nothing, so an object-only schema leaves [false] below: its `[*]` is not allowed, as
    // for an array whose items are false.
    if (isObj(s.properties)) out.push(...Object.values(s.properties));
    if (isObj(s.patternProperties)) out.push(...Object.values(s.patternProperties));
    if (s.additionalProperties !== false) out.push(s.additionalProperties);
  }
  return out.length > 0 ? out : [false];
}

/** The schemas an array's elements may be under: a tuple (prefixItems, or items as a list) is not followed. */
function elements(s: Obj): unknown[] {
  if (Array.isArray(s.prefixItems) || Array.isArray(s.items)) return [ANYTHING];
  return [s.items];
}

function reasons(problems: string[]): string {
  const distinct = [...new Set(problems)];
  const more = distinct.length - REASONS_SHOWN;
  return distinct.slice(0, REASONS_SHOWN).join('; ') + (more > 0 ? `; and ${more} more` : '');
}
