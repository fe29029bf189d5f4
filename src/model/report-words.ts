/**
 * The words a JSON Schema fixes in every document it describes: the name of
 * each property and each string an `enum` or a `const` allows. Walked from
 * `schemas/closeout.schema.json`, they are the closeout report's own text
 * (src/report/collisions.ts). No imports: the build runs this module too, to
 * put the list into the bundle (scripts/build.mjs).
 */
/** Keywords whose value maps names to subschemas (the names of `properties` are words; those of `$defs` are not written). */
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas']);

export function schemaWords(schema: unknown): string[] {
  const words = new Set<string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) walk(item);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    for (const [keyword, value] of Object.entries(node)) {
      if (keyword === 'enum' && Array.isArray(value)) {
        for (const allowed of value) if (typeof allowed === 'string') words.add(allowed);
      } else if (keyword === 'const') {
        if (typeof value === 'string') words.add(value);
      } else if (SCHEMA_MAPS.has(keyword) && value !== null && typeof value === 'object') {
        if (keyword === 'properties') for (const name of Object.keys(value)) words.add(name);
        for (const sub of Object.values(value)) walk(sub);
      } else {
        // items, anyOf, additionalProperties, ...: subschemas; strings (descriptions, patterns) say nothing a report writes.
        walk(value);
      }
    }
  };
  walk(schema);
  return [...words];
}
