import { describe, expect, it } from 'vitest';
import { checkOutputSchema, compileOutputSchema } from '../../src/judge/output-schema.js';

describe('outputSchema', () => {
  it('checks output against the contract and names what breaks it', async () => {
    const schema = { type: 'object', required: ['ok'], properties: { ok: { type: 'boolean' } } };
    expect(await checkOutputSchema(schema, 'inline', { ok: true })).toEqual({ ok: true });
    expect(await checkOutputSchema(schema, 'inline', { ok: 'yes' })).toEqual({ ok: false, problems: ['ok: must be boolean, found "yes"'], total: 1 });
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

describe('outputSchema: every violation, each with its path', () => {
  it('names the property a keyword is about: the one not allowed, the one missing', async () => {
    const schema = { type: 'object', required: ['id'], properties: { ok: { type: 'boolean' }, n: { minimum: 0 } }, additionalProperties: false };
    expect(await checkOutputSchema(schema, 'inline', { ok: 'yes', n: -1, extra: 1 })).toEqual({
      ok: false,
      problems: ['id: is missing (required)', 'extra: is not allowed (additionalProperties is false)', 'ok: must be boolean, found "yes"', 'n: must be >= 0, found -1'],
      total: 4,
    });
  });

  it('paths read as assertion paths, into arrays and odd keys', async () => {
    const schema = { type: 'object', properties: { roles: { type: 'array', items: { type: 'object', properties: { 'ready?': { enum: [true, 'yes'] } } } } } };
    expect(await checkOutputSchema(schema, 'inline', { roles: [{ 'ready?': true }, { 'ready?': 'no' }] })).toEqual({
      ok: false,
      problems: ['roles[1]["ready?"]: must be one of true, "yes", found "no"'],
      total: 1,
    });
    expect(await checkOutputSchema({ type: 'object' }, 'inline', [1])).toEqual({ ok: false, problems: ['(root): must be object, found [1]'], total: 1 });
  });

  it('lists at most 20, and counts them all', async () => {
    const doc = Array.from({ length: 30 }, (_, i) => `x${i}`);
    const r = await checkOutputSchema({ type: 'array', items: { type: 'number' } }, 'inline', doc);
    expect(r).toMatchObject({ ok: false, total: 30 });
    if (r.ok) return;
    expect(r.problems).toHaveLength(20);
    expect(r.problems[19]).toBe('[19]: must be number, found "x19"');
  });
});
