/**
 * A check's `outputSchema`, its output contract, checked with ajv. Each schema is
 * compiled once, when the gate loads, and the judge reuses it. Gates without
 * schemas never load ajv.
 *
 * Nothing in a schema is silently left unchecked: a keyword ajv does not know in
 * the schema's draft, a `format` gate does not check, a value the meta-schema
 * refuses, or a part ajv would skip (strict mode, e.g. `if` without `then`) makes
 * the schema a definition error, each problem at its place. The standard formats
 * are checked (ajv-formats); ajv itself never writes to the console.
 */
import type { FormatName } from 'ajv-formats/dist/formats.js';
import { regexEngine } from '../assert/operators.js';
import { escapeControls } from '../util/escape-controls.js';
import { describeAjvError, pathText, type AjvError } from './schema-errors.js';
import { NOT_STANDARD, uncheckedParts, type SchemaProblem } from './schema-strict.js';

export type { SchemaProblem };

type Validate = ((data: unknown) => boolean) & { errors?: AjvError[] | null };
type Compiled = { ok: true; validate: Validate } | { ok: false; problems: SchemaProblem[] };

// Keyed by the schema value itself: each loaded schema object is compiled once.
const compiled = new Map<unknown, Compiled>();

/**
 * JSON Schema `pattern`s run on output a check controls: they go through RE2
 * (linear time), like `matches`, so no pattern can stall a run.
 */
const re2Engine = Object.assign(
  (pattern: string) => {
    const re = regexEngine().compile(pattern);
    return { test: (s: string) => re.matcher(s).find() };
  },
  { code: 're2js' },
);

/**
 * The formats JSON Schema defines (draft-07 to 2020-12) that ajv-formats checks. Left out: those
 * it does not check (`idn-email`, `idn-hostname`, `iri`, `iri-reference`), and its own extras:
 * some check nothing (`password`, `float`), and `url` takes time quadratic in a string's length.
 */
const STANDARD_FORMATS = [
  'date-time', 'date', 'time', 'duration', 'uri', 'uri-reference', 'uri-template', 'email', 'hostname',
  'ipv4', 'ipv6', 'regex', 'uuid', 'json-pointer', 'relative-json-pointer',
] as const satisfies readonly FormatName[];

interface AjvInstance {
  compile(schema: unknown): Validate;
  validateSchema(schema: unknown): boolean | Promise<unknown>;
  errors?: AjvError[] | null;
  addFormat(name: string, format: unknown): unknown;
  addKeyword(definition: { keyword: string; schemaType: string }): unknown;
  addMetaSchema(schema: object): unknown;
  getSchema(key: string): { schema: unknown } | undefined;
  RULES: { keywords: Record<string, unknown> };
}
type AjvClass = new (opts: object) => AjvInstance;
const defaultOf = <T>(mod: unknown) => ((mod as { default?: unknown }).default ?? mod) as T;

const DRAFT_07 = 'http://json-schema.org/draft-07/schema';
const DRAFT_07_HTTPS = 'https://json-schema.org/draft-07/schema';
/** The `$schema` values gate takes (without the trailing `#`, which ajv drops too), by the draft they select. */
const DRAFTS: Record<string, '2020-12' | '2019-09' | 'draft-07'> = {
  'https://json-schema.org/draft/2020-12/schema': '2020-12',
  'https://json-schema.org/draft/2019-09/schema': '2019-09',
  [DRAFT_07]: 'draft-07',
  [DRAFT_07_HTTPS]: 'draft-07',
};
const SUPPORTED = `use one of "${DRAFT_07}#" (the default; https too), "https://json-schema.org/draft/2019-09/schema", "https://json-schema.org/draft/2020-12/schema"`;

/** The draft the schema declares (draft-07 when it declares none), or the problem with its `$schema`. */
function draftOf(schema: unknown): { draft: '2020-12' | '2019-09' | 'draft-07' } | { problem: SchemaProblem } {
  if (!schema || typeof schema !== 'object' || !Object.hasOwn(schema, '$schema')) return { draft: 'draft-07' };
  const declared = (schema as { $schema: unknown }).$schema;
  const draft = typeof declared === 'string' ? DRAFTS[declared.replace(/#$/, '')] : undefined;
  if (draft) return { draft };
  return { problem: { at: ['$schema'], key: false, message: `"$schema" ${escapeControls(JSON.stringify(declared))} is not a draft gate checks`, hint: SUPPORTED } };
}

/** The ajv build for a draft: 2020-12, 2019-09, or draft-07 (ajv's default). */
async function ajvFor(draft: string): Promise<AjvClass> {
  if (draft === '2020-12') return defaultOf((await import('ajv/dist/2020.js')).default);
  if (draft === '2019-09') return defaultOf((await import('ajv/dist/2019.js')).default);
  return defaultOf((await import('ajv')).default);
}

async function loadFormats(): Promise<Record<FormatName, unknown>> {
  const mod = await import('ajv-formats/dist/formats.js');
  return (mod.fullFormats ?? defaultOf<typeof mod>(mod).fullFormats) as Record<FormatName, unknown>;
}

const HINT = 'fix the JSON Schema: gate refuses what it would not check';

export async function compileOutputSchema(schema: unknown): Promise<Compiled> {
  const known = compiled.get(schema);
  if (known) return known;
  const declared = draftOf(schema);
  // Every other check depends on the draft: an unknown one is the only problem reported.
  if ('problem' in declared) {
    const refused: Compiled = { ok: false, problems: [declared.problem] };
    compiled.set(schema, refused);
    return refused;
  }
  const { draft } = declared;
  const [Ajv, formats] = await Promise.all([ajvFor(draft), loadFormats()]);
  // ajv would print warnings on the console (gate's stderr, whatever --quiet says): they are kept, and refused.
  const warnings: string[] = [];
  const logger = { log: () => undefined, warn: (...a: unknown[]) => warnings.push(a.map(String).join(' ')), error: () => undefined };
  // allowMatchingProperties: a property that a patternProperties pattern matches too is checked by both; strict mode
  // would refuse the schema and point to an option a gate file cannot set.
  const ajv = new Ajv({ allErrors: true, strictSchema: true, allowMatchingProperties: true, strictNumbers: true, strictTypes: false, strictTuples: false, strictRequired: false, logger, code: { regExp: re2Engine } });
  for (const name of STANDARD_FORMATS) ajv.addFormat(name, formats[name]);
  // The https spelling of draft-07 is the same meta-schema under another name.
  if (draft === 'draft-07') ajv.addMetaSchema({ ...(ajv.getSchema(DRAFT_07)?.schema as object), $id: DRAFT_07_HTTPS });
  // ajv resolves a `$ref` to an `$anchor` (2019-09 on) but has no keyword for it, so strict mode would refuse it.
  if (draft !== 'draft-07') ajv.addKeyword({ keyword: '$anchor', schemaType: 'string' });
  // ajv's own extensions (`$async`, `nullable`, ...) are refused, each named for what it is.
  const keywords = new Set(Object.keys(ajv.RULES.keywords).filter((k) => !Object.hasOwn(NOT_STANDARD, k)));
  const rootProblem = (message: string): SchemaProblem => ({ at: [], key: false, message: `not a valid JSON Schema: ${escapeControls(message.replace(/^strict mode: /, ''))}`, hint: HINT });
  let problems: SchemaProblem[] = [];
  try {
    if (ajv.validateSchema(schema) !== true) problems.push(...metaProblems(ajv.errors ?? [], schema));
  } catch (error) {
    problems.push(rootProblem(String((error as Error).message ?? error)));
  }
  problems.push(...uncheckedParts(schema, { draft, keywords, formats: STANDARD_FORMATS }));
  let entry: Compiled | undefined;
  if (problems.length === 0) {
    try {
      entry = { ok: true, validate: ajv.compile(schema) };
    } catch (error) {
      problems = [rootProblem(String((error as Error).message ?? error))];
    }
  }
  problems.push(...warnings.map(rootProblem));
  if (problems.length > 0 || !entry) entry = { ok: false, problems };
  compiled.set(schema, entry);
  return entry;
}

/** The meta-schema's errors, the first at each place (ajv adds the anyOf around a wrong `type`, and its branches). */
function metaProblems(errors: AjvError[], schema: unknown): SchemaProblem[] {
  const byPlace = new Map<string, SchemaProblem>();
  for (const e of errors) {
    if (byPlace.has(e.instancePath)) continue;
    const { at, text } = describeAjvError(e, schema);
    byPlace.set(e.instancePath, { at, key: false, message: `not a valid JSON Schema: ${text}`, hint: HINT });
  }
  return [...byPlace.values()];
}

/** How many violations of one output are described; the rest are counted. */
export const VIOLATIONS_LISTED = 20;

/** Whether `doc` meets the schema; if not, its first violations, one line each (`path: what, found value`), and how many there are. */
export async function checkOutputSchema(schema: unknown, source: string, doc: unknown): Promise<{ ok: true } | { ok: false; problems: string[]; total: number }> {
  const entry = await compileOutputSchema(schema);
  // Not when the gate loaded: it compiles every schema there and refuses one with problems.
  if (!entry.ok) return { ok: false, problems: [`the outputSchema from ${source} cannot be used: ${entry.problems[0]?.message ?? ''}`], total: 1 };
  let valid: boolean;
  try {
    valid = entry.validate(doc);
  } catch (error) {
    // e.g. a recursive schema over absurdly deep output: the contract could not be checked, so it is not met.
    return { ok: false, problems: [`could not be checked: ${(error as Error).message}`], total: 1 };
  }
  if (valid) return { ok: true };
  const errors = entry.validate.errors ?? [];
  if (errors.length === 0) return { ok: false, problems: ['output does not match'], total: 1 };
  const problems = errors.slice(0, VIOLATIONS_LISTED).map((e) => {
    const { at, text } = describeAjvError(e, doc);
    return `${pathText(at)}: ${text}`;
  });
  return { ok: false, problems, total: errors.length };
}
