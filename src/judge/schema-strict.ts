/**
 * What in a user's JSON Schema would check nothing: a keyword ajv does not know in the
 * schema's draft (a misspelling such as `typ`, or a keyword of another draft) and a
 * `format` gate does not check. ajv in strict mode stops at the first of these with a
 * message that says neither where it is nor what was meant; this walk finds them all,
 * each at its place in the schema, so the gate file can point at each one.
 */
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

/**
 * Every unknown keyword and unchecked format, in document order. Defensive: a value of the
 * wrong type is the meta-schema's to report, and is passed over here. Definitions are
 * walked too, used or not: a misspelling there is as likely to matter.
 */
export function uncheckedParts(schema: unknown, vocabulary: Vocabulary): SchemaProblem[] {
  const out: SchemaProblem[] = [];
  const walk = (s: unknown, at: SchemaPath): void => {
    if (!isObj(s)) return;
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
      if (key === 'format' && typeof value === 'string' && !vocabulary.formats.includes(value)) {
        const guess = nearest(value, vocabulary.formats);
        const hint = guess === undefined ? `formats gate checks: ${vocabulary.formats.join(', ')}` : `did you mean ${JSON.stringify(guess)}?`;
        out.push({ at: here, key: false, message: `format ${JSON.stringify(value)} is not one gate checks, so it would check nothing`, hint });
      }
      if (Array.isArray(value)) {
        if (LIST.has(key)) value.forEach((v, i) => walk(v, [...here, i]));
      } else if (ONE.has(key)) walk(value, here);
      else if (MAP.has(key) && isObj(value)) for (const [name, sub] of Object.entries(value)) walk(sub, [...here, name]);
    }
  };
  walk(schema, []);
  return out;
}
