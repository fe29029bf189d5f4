/**
 * What in a user's JSON Schema would check nothing: a keyword ajv does not know in the
 * schema's draft (a misspelling such as `typ`, or a keyword of another draft), a
 * `format` gate does not check, a keyword ajv would skip (`if` without `then` or `else`),
 * and what ajv cannot compile (a `$ref` that leads nowhere, a `pattern` RE2 refuses).
 * ajv in strict mode stops at the first of these with a message that says neither where
 * it is nor what was meant; this walk finds them all, each at its place in the schema,
 * so the gate file can point at each one.
 */
import { regexEngine } from '../assert/operators.js';
import { nearest } from '../util/suggest.js';
import { isObj } from '../util/json.js';
import type { SchemaPath } from './schema-errors.js';

/** A problem with a schema at `at` (the keyword itself with `key`, else its value). */
export interface SchemaProblem {
  at: SchemaPath;
  key: boolean;
  message: string;
  hint: string;
}

/** What the schema's draft knows: its name, ajv's keywords for it, the formats gate checks. */
export interface Vocabulary {
  draft: string;
  keywords: ReadonlySet<string>;
  formats: readonly string[];
}

/** Keywords whose value is one schema, a list of schemas (`items` is either), or a map of names to schemas (ajv checks each the same way). */
const ONE = new Set(['additionalProperties', 'additionalItems', 'items', 'contains', 'propertyNames', 'not', 'if', 'then', 'else', 'unevaluatedProperties', 'unevaluatedItems', 'contentSchema']);
const LIST = new Set(['allOf', 'anyOf', 'oneOf', 'prefixItems', 'items']);
const MAP = new Set(['properties', 'patternProperties', 'definitions', '$defs', 'dependentSchemas', 'dependencies']);

/**
 * Keywords ajv knows by default that no draft gate supports has: refused like a misspelling, naming what they are.
 * `nullable` would let null through; `$async` would make the check return a promise, which reads as a pass.
 */
export const NOT_STANDARD: Record<string, { what: string; hint: (schema: Record<string, unknown>) => string }> = {
  nullable: {
    what: 'an OpenAPI extension',
    hint: (s) => `to allow null, put it in the type: "type": [${typeof s.type === 'string' ? JSON.stringify(s.type) : '...'}, "null"]`,
  },
  $async: { what: 'an ajv extension', hint: () => 'drop it: gate checks output synchronously' },
  id: { what: 'draft-04\'s name for "$id"', hint: () => 'use "$id"' },
  discriminator: { what: 'an OpenAPI extension', hint: () => 'use "oneOf" with a "const" on the tag property in each branch' },
};

const KEYWORD_HINT = 'fix its name or drop it; a keyword of 2019-09 or 2020-12 needs that draft in "$schema"; a note for readers goes in "description" or "$comment"';

/** The base a schema without `$id` is read against: relative `$ref`s resolve to what no `$id` names. */
const NO_ID_BASE = 'https://gate.invalid/output-schema.json';
/** ajv knows the drafts' meta-schemas: a `$ref` into them is left to it. */
const META_SCHEMAS = /^https?:\/\/json-schema\.org\//;

const withoutFragment = (url: URL): string => url.href.replace(/#.*$/, '');

/** A JSON Schema `pattern` (or `patternProperties` name) as RE2 reads it: the problem when it refuses it. */
function re2Problem(pattern: string): string | undefined {
  try {
    regexEngine().compile(pattern);
    return undefined;
  } catch (error) {
    return `pattern ${JSON.stringify(pattern)} is not one RE2 takes: ${(error as Error).message}`;
  }
}
const RE2_HINT = 'patterns run through RE2 (linear time): it has no lookaround and no backreferences';

/** What ajv in strict mode would stop at, or skip, in one schema object: a keyword that would check nothing where it stands. */
function ignoredKeyword(s: Record<string, unknown>, key: string): Omit<SchemaProblem, 'at' | 'key'> | undefined {
  switch (key) {
    case 'if':
      if (s.then === undefined && s.else === undefined) return { message: '"if" without "then" or "else" would check nothing', hint: 'add "then" or "else", or drop "if"' };
      return undefined;
    case 'then':
    case 'else':
      if (s.if === undefined) return { message: `${JSON.stringify(key)} without "if" would check nothing`, hint: `add the "if" it depends on, or drop "${key}"` };
      return undefined;
    case 'additionalItems':
      if (Array.isArray(s.items)) return undefined;
      return s.items === undefined
        ? { message: '"additionalItems" would check nothing: there is no "items" list', hint: 'to check every item, use "items"; "additionalItems" checks the items after those a list in "items" covers' }
        : { message: '"additionalItems" would check nothing: "items" is one schema for every item, not a list', hint: 'drop it ("items" already checks every item), or make "items" a list of schemas, one for each position' };
    case 'minContains':
    case 'maxContains':
      if (s.contains === undefined) return { message: `${JSON.stringify(key)} without "contains" would check nothing`, hint: `add the "contains" schema it counts, or drop "${key}"` };
      if (key === 'minContains' && s.minContains === 0 && s.maxContains === undefined) return { message: '"minContains": 0 without "maxContains" makes "contains" check nothing', hint: 'drop "contains", or give "maxContains"' };
      if (key === 'minContains' && typeof s.minContains === 'number' && typeof s.maxContains === 'number' && s.minContains > s.maxContains) {
        return { message: '"minContains" is greater than "maxContains": no array can pass', hint: 'make "minContains" at most "maxContains"' };
      }
      return undefined;
    case '$recursiveAnchor':
      if (s.$recursiveAnchor === false) return { message: '"$recursiveAnchor": false would do nothing', hint: 'drop it, or make it true' };
      return undefined;
    default:
      return undefined;
  }
}

/**
 * Every unknown keyword and unchecked format, every keyword ajv would skip or stop at (`if` without
 * `then` or `else`, ...), every `pattern` RE2 refuses and every `$ref` that leads nowhere in the
 * document, in document order. Defensive: a value of the wrong type is the meta-schema's to report,
 * and is passed over here. Definitions are walked too, used or not: a misspelling there is as likely
 * to matter. A `$ref` out of the document (to a draft's meta-schema) is left to ajv.
 */
export function uncheckedParts(schema: unknown, vocabulary: Vocabulary): SchemaProblem[] {
  const out: (SchemaProblem | (() => SchemaProblem | undefined))[] = [];
  // Each resource (the root, or a schema with its own `$id`) by its URI, and each anchor as URI#name.
  const resources = new Map<string, unknown>();
  const anchors = new Set<string>();
  const walk = (s: unknown, at: SchemaPath, base: string): void => {
    if (!isObj(s)) return;
    if (typeof s.$id === 'string') {
      const id = s.$id;
      try {
        const url = new URL(id, base);
        if (!id.startsWith('#')) {
          base = withoutFragment(url);
          resources.set(base, s);
        }
        if (url.hash.length > 1) anchors.add(`${base}#${decodeURIComponent(url.hash.slice(1))}`);
      } catch {
        // Not a URI: the meta-schema's or ajv's to refuse.
      }
    }
    for (const anchor of [s.$anchor, s.$dynamicAnchor]) if (typeof anchor === 'string') anchors.add(`${base}#${anchor}`);
    for (const [key, value] of Object.entries(s)) {
      const here = [...at, key];
      const extension = Object.hasOwn(NOT_STANDARD, key) ? NOT_STANDARD[key] : undefined;
      if (extension) {
        out.push({ at: here, key: true, message: `${JSON.stringify(key)} is not a keyword of JSON Schema ${vocabulary.draft} (it is ${extension.what})`, hint: extension.hint(s) });
        continue;
      }
      if (!vocabulary.keywords.has(key)) {
        const guess = nearest(key, [...vocabulary.keywords]);
        const message = `${JSON.stringify(key)} is not a keyword of JSON Schema ${vocabulary.draft}, so it would check nothing`;
        out.push({ at: here, key: true, message, hint: guess === undefined ? KEYWORD_HINT : `did you mean ${JSON.stringify(guess)}?` });
        continue;
      }
      const ignored = ignoredKeyword(s, key);
      if (ignored) out.push({ at: here, key: true, ...ignored });
      if (key === 'format' && typeof value === 'string' && !vocabulary.formats.includes(value)) {
        const guess = nearest(value, vocabulary.formats);
        const hint = guess === undefined ? `formats gate checks: ${vocabulary.formats.join(', ')}` : `did you mean ${JSON.stringify(guess)}?`;
        out.push({ at: here, key: false, message: `format ${JSON.stringify(value)} is not one gate checks, so it would check nothing`, hint });
      }
      if (key === 'pattern' && typeof value === 'string') {
        const problem = re2Problem(value);
        if (problem) out.push({ at: here, key: false, message: problem, hint: RE2_HINT });
      }
      if (key === '$ref' && typeof value === 'string') {
        const from = base;
        out.push(() => refProblem(value, from, resources, anchors, here));
      }
      if (Array.isArray(value)) {
        if (LIST.has(key)) value.forEach((v, i) => walk(v, [...here, i], base));
      } else if (ONE.has(key)) walk(value, here, base);
      else if (MAP.has(key) && isObj(value)) {
        for (const [name, sub] of Object.entries(value)) {
          const problem = key === 'patternProperties' ? re2Problem(name) : undefined;
          if (problem) out.push({ at: [...here, name], key: true, message: problem, hint: RE2_HINT });
          walk(sub, [...here, name], base);
        }
      }
    }
  };
  resources.set(NO_ID_BASE, schema);
  walk(schema, [], NO_ID_BASE);
  return out.map((p) => (typeof p === 'function' ? p() : p)).filter((p): p is SchemaProblem => p !== undefined);
}

/** Where a `$ref` leads in the document, read against `base`: a problem when it leads nowhere; undefined when it leads somewhere, or out of the document. */
function refProblem(ref: string, base: string, resources: ReadonlyMap<string, unknown>, anchors: ReadonlySet<string>, at: SchemaPath): SchemaProblem | undefined {
  let target: URL;
  try {
    target = new URL(ref, base);
  } catch {
    return undefined;
  }
  const uri = withoutFragment(target);
  const hint = 'point it at a schema in this document: "#/$defs/name" (a JSON Pointer), "#name" (an anchor), or the "$id" of a schema here';
  const nowhere = (why: string): SchemaProblem => ({ at, key: false, message: `"$ref" ${JSON.stringify(ref)} leads nowhere: ${why}`, hint });
  if (!resources.has(uri)) return META_SCHEMAS.test(uri) ? undefined : nowhere('no schema here has that "$id"');
  let fragment: string;
  try {
    fragment = decodeURIComponent(target.hash.slice(1));
  } catch {
    return undefined;
  }
  if (fragment === '') return undefined;
  if (!fragment.startsWith('/')) return anchors.has(`${uri}#${fragment}`) ? undefined : nowhere(`the schema has no anchor ${JSON.stringify(fragment)}`);
  let node = resources.get(uri);
  for (const raw of fragment.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node) && /^(0|[1-9]\d*)$/.test(key) && Number(key) < node.length) node = node[Number(key)];
    else if (isObj(node) && Object.hasOwn(node, key)) node = node[key];
    else return nowhere(`the schema has nothing at ${fragment}`);
  }
  return undefined;
}
