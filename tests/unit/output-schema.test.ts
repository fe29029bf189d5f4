import { describe, expect, it } from 'vitest';
import { checkOutputSchema, compileOutputSchema } from '../../src/judge/output-schema.js';

describe('outputSchema', () => {
  it('checks output against the contract and names what breaks it', async () => {
    const schema = { type: 'object', required: ['ok'], properties: { ok: { type: 'boolean' } } };
    expect(await checkOutputSchema(schema, 'inline', { ok: true })).toEqual({ ok: true });
    expect(await checkOutputSchema(schema, 'inline', { ok: 'yes' })).toEqual({ ok: false, problems: ['/ok must be boolean'] });
  });

  it('runs patterns through RE2: a catastrophic pattern cannot stall the run', async () => {
    const schema = { type: 'string', pattern: '^(a+)+$' };
    // With a backtracking engine this input takes longer than the universe has; the test's own timeout is the guard.
    const r = await checkOutputSchema(schema, 'inline', `${'a'.repeat(5000)}!`);
    expect(r.ok).toBe(false);
  });

  it('follows the draft the schema declares', async () => {
    const schema = { $schema: 'https://json-schema.org/draft/2020-12/schema', prefixItems: [{ type: 'number' }], items: false };
    expect(await checkOutputSchema(schema, 'inline', [1])).toEqual({ ok: true });
    expect((await checkOutputSchema(schema, 'inline', [1, 2])).ok).toBe(false);
  });

  it('a schema that does not compile says why', async () => {
    const r = await compileOutputSchema({ type: 'string', pattern: '(?<=x)y' });
    expect(r.ok).toBe(false);
    expect(await compileOutputSchema({ type: 'nonsense' })).toMatchObject({ ok: false });
  });
});
