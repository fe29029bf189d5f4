/**
 * A check's `outputSchema`, its output contract, checked with ajv. Each schema is
 * compiled once, the first time it is needed: when the gate loads (a schema that
 * does not compile is a definition error) or when a check has output to check.
 * Gates without schemas never load ajv.
 */
type Validate = ((data: unknown) => boolean) & { errors?: { instancePath: string; message?: string }[] | null };
type Compiled = { ok: true; validate: Validate } | { ok: false; error: string };

// Keyed by the schema value itself: each loaded schema object is compiled once.
const compiled = new Map<unknown, Compiled>();

export async function compileOutputSchema(schema: unknown): Promise<Compiled> {
  const known = compiled.get(schema);
  if (known) return known;
  const { default: ajvModule } = await import('ajv');
  const Ajv = ((ajvModule as unknown as { default?: unknown }).default ?? ajvModule) as new (opts: object) => { compile(schema: unknown): Validate };
  let entry: Compiled;
  try {
    entry = { ok: true, validate: new Ajv({ allErrors: true, strict: false }).compile(schema) };
  } catch (error) {
    entry = { ok: false, error: String((error as Error).message ?? error).split('\n')[0] ?? '' };
  }
  compiled.set(schema, entry);
  return entry;
}

export async function checkOutputSchema(schema: unknown, source: string, doc: unknown): Promise<{ ok: true } | { ok: false; problems: string[] }> {
  const entry = await compileOutputSchema(schema);
  if (!entry.ok) return { ok: false, problems: [`the outputSchema from ${source} does not compile: ${entry.error}`] };
  if (entry.validate(doc)) return { ok: true };
  const problems = (entry.validate.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message ?? 'is invalid'}`);
  return { ok: false, problems: problems.length ? problems : ['output does not match'] };
}
