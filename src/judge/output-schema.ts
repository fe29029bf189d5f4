/**
 * A check's `outputSchema`, its output contract, checked with ajv. Each schema is
 * compiled once, the first time it is needed: when the gate loads (a schema that
 * does not compile is a definition error) or when a check has output to check.
 * Gates without schemas never load ajv.
 */
import { regexEngine } from '../assert/operators.js';
import { describeAjvError, pathText, type AjvError } from './schema-errors.js';

type Validate = ((data: unknown) => boolean) & { errors?: AjvError[] | null };
type Compiled = { ok: true; validate: Validate } | { ok: false; error: string };

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

type AjvClass = new (opts: object) => { compile(schema: unknown): Validate };
const ajvDefault = (mod: unknown) => ((mod as { default?: unknown }).default ?? mod) as AjvClass;

/** The ajv build for the schema's declared draft: 2020-12, 2019-09, or draft-07 (ajv's default). */
async function ajvFor(schema: unknown): Promise<AjvClass> {
  const declared = schema && typeof schema === 'object' ? String((schema as { $schema?: unknown }).$schema ?? '') : '';
  if (declared.includes('2020-12')) return ajvDefault((await import('ajv/dist/2020.js')).default);
  if (declared.includes('2019-09')) return ajvDefault((await import('ajv/dist/2019.js')).default);
  return ajvDefault((await import('ajv')).default);
}

export async function compileOutputSchema(schema: unknown): Promise<Compiled> {
  const known = compiled.get(schema);
  if (known) return known;
  const Ajv = await ajvFor(schema);
  let entry: Compiled;
  try {
    entry = { ok: true, validate: new Ajv({ allErrors: true, strict: false, code: { regExp: re2Engine } }).compile(schema) };
  } catch (error) {
    entry = { ok: false, error: String((error as Error).message ?? error).split('\n')[0] ?? '' };
  }
  compiled.set(schema, entry);
  return entry;
}

/** How many violations of one output are described; the rest are counted. */
export const VIOLATIONS_LISTED = 20;

/** Whether `doc` meets the schema; if not, its first violations, one line each (`path: what, found value`), and how many there are. */
export async function checkOutputSchema(schema: unknown, source: string, doc: unknown): Promise<{ ok: true } | { ok: false; problems: string[]; total: number }> {
  const entry = await compileOutputSchema(schema);
  if (!entry.ok) return { ok: false, problems: [`the outputSchema from ${source} does not compile: ${entry.error}`], total: 1 };
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
