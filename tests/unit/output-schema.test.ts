import { afterEach, describe, expect, it, vi } from 'vitest';
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

  it('takes the https spelling of draft-07; any other $schema is refused at its value, naming those gate supports', async () => {
    const https07 = { $schema: 'https://json-schema.org/draft-07/schema#', type: 'object', properties: { n: { type: 'number' } } };
    expect(await checkOutputSchema(https07, 'inline', { n: 1 })).toEqual({ ok: true });
    expect((await checkOutputSchema(https07, 'inline', { n: 'x' })).ok).toBe(false);
    expect((await compileOutputSchema({ $schema: 'https://json-schema.org/draft-07/schema', prefixItems: [] })).ok).toBe(false);
    expect((await compileOutputSchema({ $schema: 'http://json-schema.org/draft-07/schema', type: 'string' })).ok).toBe(true);
    const supported = 'use one of "http://json-schema.org/draft-07/schema#" (the default; https too), "https://json-schema.org/draft/2019-09/schema", "https://json-schema.org/draft/2020-12/schema"';
    for (const declared of ['http://json-schema.org/draft-04/schema#', 'http://json-schema.org/draft-06/schema#', 'http://json-schema.org/draft/2020-12/schema', 7]) {
      expect(await compileOutputSchema({ $schema: declared, type: 'string' }), String(declared)).toEqual({
        ok: false,
        problems: [{ at: ['$schema'], key: false, message: `"$schema" ${JSON.stringify(declared)} is not a draft gate checks`, hint: supported }],
      });
    }
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

describe('outputSchema: what gate cannot check is refused, never ignored', () => {
  afterEach(() => vi.restoreAllMocks());

  it('enforces the standard formats', async () => {
    const schema = { type: 'object', properties: { d: { type: 'string', format: 'date-time' }, m: { format: 'email' } } };
    expect(await checkOutputSchema(schema, 'inline', { d: '2026-05-01T10:00:00Z', m: 'a@example.com' })).toEqual({ ok: true });
    expect(await checkOutputSchema(schema, 'inline', { d: 'not-a-date', m: 'nobody' })).toEqual({
      ok: false,
      problems: ['d: must match format "date-time", found "not-a-date"', 'm: must match format "email", found "nobody"'],
      total: 2,
    });
  });

  it('an unknown keyword or format is a problem where it stands, with the nearest name', async () => {
    const r = await compileOutputSchema({ typ: 'object', properties: { d: { type: 'string', format: 'date-tim' }, e: { requird: ['x'], items: [{ minimun: 1 }] } }, $defs: { z: { formt: 'uri' } } });
    expect(r).toEqual({
      ok: false,
      problems: [
        { at: ['typ'], key: true, message: '"typ" is not a keyword of JSON Schema draft-07, so it would check nothing', hint: 'did you mean "type"?' },
        { at: ['properties', 'd', 'format'], key: false, message: 'format "date-tim" is not one gate checks, so it would check nothing', hint: 'did you mean "date-time"?' },
        { at: ['properties', 'e', 'requird'], key: true, message: '"requird" is not a keyword of JSON Schema draft-07, so it would check nothing', hint: 'did you mean "required"?' },
        { at: ['properties', 'e', 'items', 0, 'minimun'], key: true, message: '"minimun" is not a keyword of JSON Schema draft-07, so it would check nothing', hint: 'did you mean "minimum"?' },
        { at: ['$defs', 'z', 'formt'], key: true, message: '"formt" is not a keyword of JSON Schema draft-07, so it would check nothing', hint: 'did you mean "format"?' },
      ],
    });
  });

  it('a keyword of another draft is unknown in this one', async () => {
    const r = await compileOutputSchema({ prefixItems: [{ type: 'number' }] });
    expect(r).toMatchObject({ ok: false, problems: [{ at: ['prefixItems'], message: '"prefixItems" is not a keyword of JSON Schema draft-07, so it would check nothing' }] });
    expect((await compileOutputSchema({ $schema: 'https://json-schema.org/draft/2020-12/schema', prefixItems: [{ type: 'number' }] })).ok).toBe(true);
    // ajv follows a $ref to an $anchor without knowing the keyword: it is known here.
    const anchored = { $schema: 'https://json-schema.org/draft/2019-09/schema', $defs: { n: { $anchor: 'n', type: 'number' } }, items: { $ref: '#n' } };
    expect(await checkOutputSchema(anchored, 'inline', [1, 'x'])).toEqual({ ok: false, problems: ['[1]: must be number, found "x"'], total: 1 });
  });

  it('refuses the extensions ajv adds by default: nullable (OpenAPI), $async (ajv), id (draft-04)', async () => {
    const schema = { type: 'object', properties: { a: { type: 'string', nullable: true } } };
    expect(await compileOutputSchema(schema)).toEqual({
      ok: false,
      problems: [
        {
          at: ['properties', 'a', 'nullable'],
          key: true,
          message: '"nullable" is not a keyword of JSON Schema draft-07 (it is an OpenAPI extension)',
          hint: 'to allow null, put it in the type: "type": ["string", "null"]',
        },
      ],
    });
    const r = await compileOutputSchema({ $schema: 'https://json-schema.org/draft/2020-12/schema', $async: true, id: 'x', items: { nullable: false } });
    expect(r).toMatchObject({
      ok: false,
      problems: [
        { at: ['$async'], key: true, message: '"$async" is not a keyword of JSON Schema 2020-12 (it is an ajv extension)' },
        { at: ['id'], key: true, message: '"id" is not a keyword of JSON Schema 2020-12 (it is draft-04\'s name for "$id")', hint: 'use "$id"' },
        { at: ['items', 'nullable'], key: true, hint: 'to allow null, put it in the type: "type": [..., "null"]' },
      ],
    });
  });

  it('a format outside the standard ones is refused, with the list when nothing is near', async () => {
    const r = await compileOutputSchema({ format: 'phone-number' });
    expect(r).toMatchObject({ ok: false, problems: [{ at: ['format'], hint: expect.stringContaining('formats gate checks: date-time, date, time, duration,') }] });
  });

  it('a part ajv would skip, a $ref that leads nowhere, a pattern RE2 refuses: each at its keyword, all at once', async () => {
    const schema = { type: 'object', properties: { a: { if: { type: 'string' } }, b: { items: {}, additionalItems: false }, h: { $ref: '#/$defs/no' } } };
    expect(await compileOutputSchema(schema)).toEqual({
      ok: false,
      problems: [
        { at: ['properties', 'a', 'if'], key: true, message: '"if" without "then" or "else" would check nothing', hint: 'add "then" or "else", or drop "if"' },
        { at: ['properties', 'b', 'additionalItems'], key: true, message: '"additionalItems" would check nothing: "items" is one schema for every item, not a list', hint: expect.any(String) },
        { at: ['properties', 'h', '$ref'], key: false, message: '"$ref" "#/$defs/no" leads nowhere: the schema has nothing at /$defs/no', hint: expect.any(String) },
      ],
    });
    const more = await compileOutputSchema({
      $schema: 'https://json-schema.org/draft/2019-09/schema',
      properties: { t: { then: {} }, e: { else: {} }, c: { minContains: 1, maxContains: 2 }, p: { pattern: '(?<=x)y' }, n: { $ref: '#nowhere' } },
      patternProperties: { '(?<=x)': {} },
      items: { $ref: 'other.json#/a' },
    });
    expect(more).toMatchObject({
      ok: false,
      problems: [
        { at: ['properties', 't', 'then'], key: true, message: '"then" without "if" would check nothing' },
        { at: ['properties', 'e', 'else'], key: true, message: '"else" without "if" would check nothing' },
        { at: ['properties', 'c', 'minContains'], key: true, message: '"minContains" without "contains" would check nothing' },
        { at: ['properties', 'c', 'maxContains'], key: true, message: '"maxContains" without "contains" would check nothing' },
        { at: ['properties', 'p', 'pattern'], key: false, message: expect.stringMatching(/^pattern "\(\?<=x\)y" is not one RE2 takes: /) },
        { at: ['properties', 'n', '$ref'], key: false, message: '"$ref" "#nowhere" leads nowhere: the schema has no anchor "nowhere"' },
        { at: ['patternProperties', '(?<=x)'], key: true, message: expect.stringMatching(/^pattern "\(\?<=x\)" is not one RE2 takes: /) },
        { at: ['items', '$ref'], key: false, message: '"$ref" "other.json#/a" leads nowhere: no schema here has that "$id"' },
      ],
    });
  });

  it('a $ref that leads somewhere is taken: a pointer, an anchor, an $id, a sub-schema with its own $id, the meta-schema', async () => {
    const schema = {
      $id: 'https://example.com/root.json',
      definitions: { s: { type: 'string' }, 'a/b': { type: 'number' }, t: { $id: 'thing.json', $defs: { x: { type: 'boolean' } }, properties: { x: { $ref: '#/$defs/x' } } } },
      properties: { s: { $ref: '#/definitions/s' }, ab: { $ref: '#/definitions/a~1b' }, t: { $ref: 'thing.json' }, tx: { $ref: 'thing.json#/$defs/x' }, m: { $ref: 'http://json-schema.org/draft-07/schema#' }, r: { $ref: '#' }, named: { $ref: '#named' } },
      $defs: { n: { $id: '#named', type: 'null' } },
    };
    const r = await compileOutputSchema(schema);
    expect(r).toMatchObject({ ok: true });
    expect(await checkOutputSchema(schema, 'inline', { s: 'x', ab: 1, t: { x: true }, tx: false, m: {}, named: null })).toEqual({ ok: true });
    expect((await checkOutputSchema(schema, 'inline', { tx: 1 })).ok).toBe(false);
    // A recursive $ref, in a schema without $id.
    expect(await compileOutputSchema({ properties: { again: { $ref: '#' }, list: { items: { $ref: '#/properties/again' } } } })).toMatchObject({ ok: true });
  });

  it('takes what ajv checks, though its strict mode frowns on it: a property that a pattern matches too, union types', async () => {
    const schema = { type: 'object', properties: { x_count: { type: 'integer' }, name: { type: ['string', 'null'] } }, patternProperties: { '^x_': { minimum: 0 } } };
    expect((await compileOutputSchema(schema)).ok).toBe(true);
    // Both apply to x_count: its type from `properties`, its minimum from the pattern.
    expect(await checkOutputSchema(schema, 'stdout', { x_count: 2, name: null })).toEqual({ ok: true });
    expect((await checkOutputSchema(schema, 'stdout', { x_count: -1 })).ok).toBe(false);
    expect((await checkOutputSchema(schema, 'stdout', { x_count: 1.5 })).ok).toBe(false);
  });

  it('a value the meta-schema refuses is named where it is', async () => {
    const r = await compileOutputSchema({ properties: { a: { type: 'strin' } }, required: 'a' });
    expect(r).toEqual({
      ok: false,
      problems: [
        { at: ['required'], key: false, message: 'not a valid JSON Schema: must be array, found "a"', hint: expect.any(String) },
        { at: ['properties', 'a', 'type'], key: false, message: 'not a valid JSON Schema: must be one of "array", "boolean", "integer", "null", "number", "object", "string", found "strin"', hint: expect.any(String) },
      ],
    });
  });

  it('ajv prints nothing itself', async () => {
    const spies = [vi.spyOn(console, 'warn'), vi.spyOn(console, 'log'), vi.spyOn(console, 'error'), vi.spyOn(process.stderr, 'write')];
    // Each of these made ajv write to the console: an unknown format, a keyword without its type (strictTypes), a short tuple.
    await compileOutputSchema({ properties: { d: { format: 'no-such-format' } } });
    await compileOutputSchema({ properties: { a: { minimum: 1 } } });
    await compileOutputSchema({ type: 'array', items: [{ type: 'number' }] });
    for (const spy of spies) expect(spy).not.toHaveBeenCalled();
  });
});
