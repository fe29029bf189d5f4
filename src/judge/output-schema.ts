/**
 * A check's `outputSchema`, its output contract, checked with ajv. Each schema is
 * compiled once, lazily, the first time a check that declares it has output to
 * check, so gates without schemas never load ajv.
 */
type Validate = ((data: unknown) => boolean) & { errors?: { instancePath: string; message?: string }[] | null };

// Keyed by the schema value itself: each loaded schema object is compiled once.
const compiled = new Map<unknown, Validate | { error: string }>();

export async function checkOutputSchema(
  schema: unknown,
  source: string,
  doc: unknown,
): Promise<{ ok: true } | { ok: false; problems: string[] }> {
  let entry = compiled.get(schema);
  if (!entry) {
    const { default: ajvModule } = await import('ajv');
    const Ajv = ((ajvModule as unknown as { default?: unknown }).default ?? ajvModule) as new (
      opts: object,
    ) => { compile(schema: unknown): Validate };
    try {
      entry = new Ajv({ allErrors: true, strict: false }).compile(schema);
    } catch (error) {
      entry = { error: `the outputSchema from ${source} does not compile: ${(error as Error).message}` };
    }
    compiled.set(schema, entry);
  }
  if ('error' in entry) return { ok: false, problems: [entry.error] };
  if (entry(doc)) return { ok: true };
  const problems = (entry.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message ?? 'is invalid'}`);
  return { ok: false, problems: problems.length ? problems : ['output does not match'] };
}
