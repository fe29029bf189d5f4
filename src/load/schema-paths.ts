/**
 * Whether an assertion path can exist in documents that meet a check's outputSchema.
 * Conservative: it only says no when the schema plainly forbids the path (a closed object
 * without that property, a value whose `type` cannot hold it); anything it cannot follow
 * ($ref, combinators, conditionals) counts as possible.
 */
import { formatPath } from '../assert/parse.js';
import type { PathSegment } from '../model/types.js';
import { isObj, type Obj } from '../util/json.js';

const UNFOLLOWED = ['$ref', '$dynamicRef', '$recursiveRef', 'allOf', 'anyOf', 'oneOf', 'not', 'if', 'dependentSchemas', 'unevaluatedProperties', 'unevaluatedItems'];

function types(s: Obj): string[] | undefined {
  if (typeof s.type === 'string') return [s.type];
  if (Array.isArray(s.type) && s.type.every((t) => typeof t === 'string')) return s.type as string[];
  return undefined;
}

/** Why `segs` cannot exist under `schema`, or undefined when it may. */
export function schemaPathProblem(schema: unknown, segs: readonly PathSegment[]): string | undefined {
  let cur: unknown = schema;
  for (let n = 0; n < segs.length; n++) {
    const where = n === 0 ? 'the document' : formatPath(segs.slice(0, n));
    if (cur === false) return `${where} is not allowed by the schema`;
    if (!isObj(cur) || UNFOLLOWED.some((k) => Object.hasOwn(cur as Obj, k))) return undefined;
    const seg = segs[n]!;
    const t = types(cur);
    if (seg.kind === 'key') {
      if (t && !t.includes('object')) return `${where} has type ${t.join(' | ')}, so it has no property "${seg.key}"`;
      const props = isObj(cur.properties) ? cur.properties : {};
      if (Object.hasOwn(props, seg.key)) cur = props[seg.key];
      else if (cur.patternProperties !== undefined || cur.propertyNames !== undefined) return undefined;
      else if (cur.additionalProperties === false) {
        const known = Object.keys(props);
        return `${where} has no property "${seg.key}" (additionalProperties is false${known.length ? `; it has ${known.map((k) => JSON.stringify(k)).join(', ')}` : ''})`;
      } else cur = cur.additionalProperties;
    } else {
      if (t && !t.includes('array')) return `${where} has type ${t.join(' | ')}, so it has no elements`;
      if (Array.isArray(cur.prefixItems) || Array.isArray(cur.items)) return undefined;
      cur = cur.items;
    }
  }
  if (cur === false && segs.length > 0) return `${formatPath(segs)} is not allowed by the schema`;
  return undefined;
}
