// The gate-file schema (gate.schema.json, generated from the zod model and kept
// in step with it by tests/unit/schema-drift) compiled by ajv into standalone
// validation code. The build bundles it as dist/gate-file-check.cjs: loading a
// valid gate file then costs a call to that function, and zod runs only on a
// file with problems, for its precise messages (src/load/load-gate.ts).
// tests/unit/gate-file-check.test.ts proves the two agree.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv2020 from 'ajv/dist/2020.js';
import standaloneCode from 'ajv/dist/standalone/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const SCHEMA_MAPS = new Set(['properties', '$defs', 'patternProperties']);
const SUBSCHEMA = new Set(['items', 'additionalProperties', 'propertyNames', 'not', 'contains', 'unevaluatedProperties', 'unevaluatedItems']);
const SUBSCHEMA_LISTS = new Set(['anyOf', 'oneOf', 'allOf', 'prefixItems']);

/** The schema without its annotations (descriptions, titles): they validate nothing, and standalone code would carry them. */
function withoutAnnotations(schema) {
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) return schema;
  const out = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'description' || key === 'title') continue;
    if (SCHEMA_MAPS.has(key)) out[key] = Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, withoutAnnotations(sub)]));
    else if (SUBSCHEMA.has(key)) out[key] = withoutAnnotations(value);
    else if (SUBSCHEMA_LISTS.has(key)) out[key] = value.map(withoutAnnotations);
    else out[key] = value;
  }
  return out;
}

/** CommonJS source whose module.exports is `(value) => boolean`. */
export function gateFileCheckCode() {
  const schema = withoutAnnotations(JSON.parse(readFileSync(path.join(root, 'gate.schema.json'), 'utf8')));
  // allErrors off: the answer is yes or no, and zod says what is wrong. strictTuples off: `run` as an argv
  // array is an open tuple (prefixItems for the program, items for its arguments), which that lint refuses.
  const ajv = new Ajv2020({ code: { source: true, esm: false }, strict: true, strictTuples: false, allErrors: false, unicodeRegExp: true });
  return standaloneCode(ajv, ajv.compile(schema));
}
