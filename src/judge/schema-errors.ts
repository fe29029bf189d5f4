/**
 * ajv's errors as gate's one-line problems: where (a path into the document ajv
 * checked) and what, with the value found. ajv's own text says neither which
 * property is missing or not allowed (that is in `params`) nor what it found.
 * Used for output that breaks its `outputSchema`, and for a schema that breaks
 * its meta-schema.
 */
import { render } from '../assert/evaluate.js';
import { formatPath } from '../assert/parse.js';
import { escapeControls } from '../util/escape-controls.js';

/** The part of an ajv error gate reads. */
export interface AjvError {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

export type SchemaPath = (string | number)[];

/** How many values of an `enum` a message lists. */
const ENUM_SHOWN = 10;
/** A value quoted in a list is cut shorter than one on its own. */
const LISTED_LIMIT = 40;

/** The segments of a JSON Pointer into `doc`, an array's as numbers, and the value there. */
function locate(doc: unknown, pointer: string): { at: SchemaPath; value: unknown } {
  const at: SchemaPath = [];
  let value = doc;
  if (pointer === '') return { at, value };
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(value)) {
      at.push(Number(key));
      value = value[Number(key)];
    } else {
      at.push(key);
      value = value !== null && typeof value === 'object' && Object.hasOwn(value, key) ? (value as Record<string, unknown>)[key] : undefined;
    }
  }
  return { at, value };
}

/** A property a keyword is about, named by ajv in `params`: the problem is at that property, not at the object holding it. */
const PROPERTY_PARAM: Record<string, { param: string; text: (p: Record<string, unknown>) => string }> = {
  required: { param: 'missingProperty', text: () => 'is missing (required)' },
  dependencies: { param: 'missingProperty', text: (p) => `is missing (required when ${JSON.stringify(p.property)} is present)` },
  dependentRequired: { param: 'missingProperty', text: (p) => `is missing (required when ${JSON.stringify(p.property)} is present)` },
  additionalProperties: { param: 'additionalProperty', text: () => 'is not allowed (additionalProperties is false)' },
  unevaluatedProperties: { param: 'unevaluatedProperty', text: () => 'is not allowed (unevaluatedProperties is false)' },
};

/** Keywords about the value's kind: the value found is named even when it is an object or an array. */
const ABOUT_THE_VALUE = new Set(['type', 'enum', 'const']);

function allowed(values: unknown): string {
  const list = Array.isArray(values) ? values : [];
  const shown = list.slice(0, ENUM_SHOWN).map((v) => render(v, LISTED_LIMIT));
  return list.length > ENUM_SHOWN ? `${shown.join(', ')}, … (${list.length} in all)` : shown.join(', ');
}

/** One ajv error as where it is (segments into `doc`) and what is wrong there, one line. */
export function describeAjvError(e: AjvError, doc: unknown): { at: SchemaPath; text: string } {
  const { at, value } = locate(doc, e.instancePath);
  const property = PROPERTY_PARAM[e.keyword];
  if (property && e.params[property.param] !== undefined) return { at: [...at, String(e.params[property.param])], text: property.text(e.params) };
  let text: string;
  if (e.keyword === 'false schema') text = 'is not allowed (the schema is false)';
  else if (e.keyword === 'enum') text = `must be one of ${allowed(e.params.allowedValues)}`;
  else if (e.keyword === 'const') text = `must be ${render(e.params.allowedValue, LISTED_LIMIT)}`;
  else if (e.keyword === 'type') text = `must be ${String(e.params.type).split(',').join(' or ')}`;
  else text = e.message ?? 'is invalid';
  const scalar = value === null || typeof value !== 'object';
  if (value !== undefined && (scalar || ABOUT_THE_VALUE.has(e.keyword))) text += `, found ${render(value)}`;
  return { at, text: escapeControls(text) };
}

/** Segments as an assertion path (`roles[1].ready`), `(root)` for the document itself. */
export function pathText(at: SchemaPath): string {
  return formatPath(at.map((s) => (typeof s === 'number' ? { kind: 'index', index: s } : { kind: 'key', key: s }))) || '(root)';
}
