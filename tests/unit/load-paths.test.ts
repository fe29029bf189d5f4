import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadGate } from '../../src/load/load-gate.js';
import type { Diagnostic } from '../../src/model/types.js';
import { find, minimalCheck, tempProject, where, writeGate } from './load-fixture.js';

async function load(root: string, gate: unknown) {
  const text = writeGate(root, 'g', gate);
  const r = await loadGate('gates/g.json', { cwd: root });
  return { r, text, diags: r.ok ? ([] as Diagnostic[]) : r.diagnostics };
}

describe('paths stay inside the project root', () => {
  it('cwd with .. that leaves the root, or an absolute path outside it', async () => {
    const root = tempProject();
    fs.mkdirSync(path.join(root, 'a'));
    const { diags, text } = await load(root, {
      checks: [minimalCheck('up', { cwd: '../..' }), minimalCheck('abs', { cwd: '/tmp' }), minimalCheck('fine', { cwd: 'a/../a' }), minimalCheck('absIn', { cwd: path.join(root, 'a') })],
    });
    expect(diags.map((d) => `${d.code} ${d.jsonPath}`)).toEqual(['path-escape checks[0].cwd', 'path-escape checks[1].cwd']);
    expect(diags[0]).toMatchObject(where(text, '"../.."'));
  });

  it('a symlink whose real path is outside the root', async () => {
    const root = tempProject();
    const outside = tempProject();
    fs.symlinkSync(outside, path.join(root, 'link'));
    const { diags } = await load(root, {
      checks: [minimalCheck('a', { cwd: 'link' }), minimalCheck('b', { cwd: 'link/not-yet' }), minimalCheck('c', { evidence: ['link/*.json'] })],
    });
    expect(diags.map((d) => `${d.code} ${d.jsonPath}`)).toEqual(['path-escape checks[0].cwd', 'path-escape checks[1].cwd', 'path-escape checks[2].evidence[0]']);
    expect(diags[0]?.message).toContain('symlink');
  });

  it('evidence globs: .. out of the root, or after a wildcard, is refused', async () => {
    const root = tempProject();
    fs.mkdirSync(path.join(root, 'sub'));
    const { diags } = await load(root, {
      checks: [
        minimalCheck('a', { cwd: 'sub', evidence: ['../out/*.json', 'reports/**', '../../x/*', 'a/**/../../..', '{..,x}/y', '/etc/*'] }),
      ],
    });
    expect(diags.map((d) => d.jsonPath)).toEqual(['checks[0].evidence[2]', 'checks[0].evidence[3]', 'checks[0].evidence[4]', 'checks[0].evidence[5]']);
    expect(diags.every((d) => d.code === 'path-escape')).toBe(true);
  });

  it('assertion files are relative to the check cwd and stay inside', async () => {
    const root = tempProject();
    const { diags, text } = await load(root, {
      checks: [minimalCheck('a', { expect: [{ path: 'ok', op: '==', value: true, file: 'out/result.json' }, { path: 'ok', op: 'exists', file: '../secret.json' }] })],
    });
    expect(diags).toEqual([expect.objectContaining({ code: 'path-escape', jsonPath: 'checks[0].expect[1].file', ...where(text, '"../secret.json"') })]);
  });
});

describe('outputSchema', () => {
  it('loads a schema file relative to the project root', async () => {
    const root = tempProject();
    fs.mkdirSync(path.join(root, 'schemas'));
    fs.writeFileSync(path.join(root, 'schemas', 'out.json'), JSON.stringify({ type: 'object', properties: { ok: { type: 'boolean' } } }));
    const { r } = await load(root, { checks: [minimalCheck('a', { outputSchema: 'schemas/out.json', expect: ['ok == true'] }), minimalCheck('b', { outputSchema: true })] });
    if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
    expect(r.gate.checks[0]?.outputSchema).toEqual({ schema: { type: 'object', properties: { ok: { type: 'boolean' } } }, source: 'schemas/out.json' });
    expect(r.gate.checks[1]?.outputSchema).toEqual({ schema: true, source: 'inline' });
  });

  it('a missing, escaping, non-JSON or invalid schema is a definition error', async () => {
    const root = tempProject();
    fs.writeFileSync(path.join(root, 'broken.json'), '{ "type": ');
    fs.writeFileSync(path.join(root, 'list.json'), '[1]');
    const { diags, text } = await load(root, {
      checks: [
        minimalCheck('a', { outputSchema: 'nope.json' }),
        minimalCheck('b', { outputSchema: '../../etc/passwd' }),
        minimalCheck('c', { outputSchema: 'broken.json' }),
        minimalCheck('d', { outputSchema: 'list.json' }),
        minimalCheck('e', { outputSchema: { type: 'no-such-type' } }),
        minimalCheck('f', { outputSchema: [1] }),
      ],
    });
    expect(diags.map((d) => `${d.code} ${d.jsonPath}`)).toEqual([
      'output-schema-not-found checks[0].outputSchema',
      'path-escape checks[1].outputSchema',
      'output-schema-invalid-json checks[2].outputSchema',
      'invalid-output-schema checks[3].outputSchema',
      'invalid-output-schema checks[4].outputSchema.type',
      'invalid-type checks[5].outputSchema',
    ]);
    expect(diags[0]).toMatchObject(where(text, '"nope.json"'));
    expect(diags[2]?.message).toContain('broken.json:1:');
    expect(diags[5]?.message).toBe('outputSchema must be an object, a boolean or a string, found an array');
  });

  it('a schema file that is not JSON gets the hint that fixes its own syntax error, not only "fix the schema file"', async () => {
    const root = tempProject();
    fs.writeFileSync(path.join(root, 'out.json'), '{\n  "properties": { "ok": { "type": "boolean" }, },\n}\n');
    const { diags } = await load(root, { checks: [minimalCheck('a', { outputSchema: 'out.json' })] });
    expect(diags).toHaveLength(1);
    expect(diags[0]).toMatchObject({
      code: 'output-schema-invalid-json',
      message: "outputSchema file is not valid JSON: out.json:2:48: invalid JSON: unexpected '}' where a property name in double quotes should be",
      hint: 'in out.json: remove the comma before it: JSON allows no trailing commas',
    });
  });

  it('a schema file that is not UTF-8 is told to be saved as UTF-8 itself: the hint names the schema file, not the gate file', async () => {
    const root = tempProject();
    fs.writeFileSync(path.join(root, 'u16.json'), Buffer.from('{"type": "object"}', 'utf16le'));
    fs.writeFileSync(path.join(root, 'latin1.json'), Buffer.from('{"title": "caf\xe9"}', 'latin1'));
    const { diags } = await load(root, { checks: [minimalCheck('a', { outputSchema: 'u16.json' }), minimalCheck('b', { outputSchema: 'latin1.json' })] });
    expect(diags.map((d) => d.hint)).toEqual(['in u16.json: save the schema file as UTF-8', 'in latin1.json: save the schema file as UTF-8']);
  });

  it('what the schema would ignore (an unknown keyword or format) is refused where it stands, inline or in a file', async () => {
    const root = tempProject();
    fs.mkdirSync(path.join(root, 'schemas'));
    const file = '{\n  "type": "object",\n  "properties": { "d": { "format": "date-tim" } }\n}\n';
    fs.writeFileSync(path.join(root, 'schemas', 'out.json'), file);
    const { diags, text } = await load(root, {
      checks: [minimalCheck('a', { outputSchema: { typ: 'object', properties: { n: { minimun: 0 } } } }), minimalCheck('b', { outputSchema: 'schemas/out.json' })],
    });
    expect(diags.map((d) => `${d.code} ${d.jsonPath}`)).toEqual([
      'invalid-output-schema checks[0].outputSchema.typ',
      'invalid-output-schema checks[0].outputSchema.properties.n.minimun',
      'invalid-output-schema checks[1].outputSchema',
    ]);
    expect(diags[0]).toMatchObject({ ...where(text, '"typ"'), message: '"typ" is not a keyword of JSON Schema draft-07, so it would check nothing', hint: 'did you mean "type"?' });
    expect(diags[1]).toMatchObject({ ...where(text, '"minimun"'), hint: 'did you mean "minimum"?' });
    expect(diags[2]).toMatchObject({
      ...where(text, '"schemas/out.json"'),
      message: `outputSchema file schemas/out.json:3:${where(file, '"date-tim"').column}: properties.d.format: format "date-tim" is not one gate checks, so it would check nothing`,
      hint: 'did you mean "date-time"?',
    });
  });

  it('what ajv would stop at first (if without then, additionalItems beside one items schema, a $ref to nothing) is refused where each stands, inline or in a file', async () => {
    const root = tempProject();
    fs.mkdirSync(path.join(root, 'schemas'));
    const file = '{\n  "properties": {\n    "a": { "if": { "type": "string" } },\n    "h": { "$ref": "#/$defs/no" }\n  }\n}\n';
    fs.writeFileSync(path.join(root, 'schemas', 'out.json'), file);
    const inline = { type: 'object', properties: { a: { if: { type: 'string' } }, b: { items: {}, additionalItems: false }, h: { $ref: '#/$defs/no' } } };
    const { diags, text } = await load(root, { checks: [minimalCheck('a', { outputSchema: inline }), minimalCheck('b', { outputSchema: 'schemas/out.json' })] });
    expect(diags.map((d) => `${d.code} ${d.jsonPath}`)).toEqual([
      'invalid-output-schema checks[0].outputSchema.properties.a.if',
      'invalid-output-schema checks[0].outputSchema.properties.b.additionalItems',
      'invalid-output-schema checks[0].outputSchema.properties.h.$ref',
      'invalid-output-schema checks[1].outputSchema',
      'invalid-output-schema checks[1].outputSchema',
    ]);
    expect(diags[0]).toMatchObject(where(text, '"if"'));
    expect(diags[1]).toMatchObject(where(text, '"additionalItems"'));
    expect(diags[2]).toMatchObject(where(text, '"#/$defs/no"'));
    expect(diags[3]?.message).toBe(`outputSchema file schemas/out.json:3:${where(file, '"if"').column}: properties.a.if: "if" without "then" or "else" would check nothing`);
    expect(diags[4]?.message).toBe(`outputSchema file schemas/out.json:4:${where(file, '"#/$defs/no"').column}: properties.h.$ref: "$ref" "#/$defs/no" leads nowhere: the schema has nothing at /$defs/no`);
  });

  it('assertion paths are checked against the schema when it plainly forbids them', async () => {
    const root = tempProject();
    const schema = { type: 'object', properties: { status: { type: 'string' }, roles: { type: 'array', items: { type: 'object', properties: { ready: { type: 'boolean' } }, additionalProperties: false } } }, additionalProperties: false };
    const { diags } = await load(root, {
      checks: [minimalCheck('a', { outputSchema: schema, expect: ['status == "ok"', 'roles[*].ready == true', 'count(roles) > 0', 'staus == "ok"', 'roles[*].redy == true', 'status.x == 1', 'gone absent'] })],
    });
    expect(diags.map((d) => `${d.code} ${d.jsonPath}`)).toEqual([
      'assertion-path-not-in-schema checks[0].expect[3]',
      'assertion-path-not-in-schema checks[0].expect[4]',
      'assertion-path-not-in-schema checks[0].expect[5]',
    ]);
    expect(find(diags, 'assertion-path-not-in-schema').message).toContain('has no property "staus"');
  });

  /** The assertion-path-not-in-schema diagnostics of one check with `schema`, as `expect[j]: message`. */
  async function refused(schema: object, expect: string[]): Promise<string[]> {
    const { diags } = await load(tempProject(), { checks: [minimalCheck('a', { outputSchema: schema, expect })] });
    return diags.map((d) => `${d.code === 'assertion-path-not-in-schema' ? '' : `${d.code} `}${d.jsonPath.replace('checks[0].', '')}: ${d.message.replace(/^assertion path .* cannot exist in the output schema: /, '')}`);
  }

  it('[*] walks an object\'s values: checked against additionalProperties', async () => {
    const schema = {
      type: 'object',
      properties: {
        summary: { type: 'object', additionalProperties: { type: 'integer' } },
        jobs: { type: 'object', additionalProperties: { type: 'object', properties: { ok: { type: 'boolean' } }, additionalProperties: false } },
        open: { type: 'object' },
      },
    };
    expect(await refused(schema, ['summary[*] == 0', 'jobs[*].ok == true', 'open[*].x.y == 1', 'summary[*].x == 0', 'jobs[*].okay == true', 'jobs[*].ok.x == 1'])).toEqual([
      'expect[3]: summary[*] has type integer, so it has no property "x"',
      'expect[4]: jobs[*] has no property "okay" (additionalProperties is false; it has "ok")',
      'expect[5]: jobs[*].ok has type boolean, so it has no property "x"',
    ]);
  });

  it('[*] over an object: the values may be under any of properties, patternProperties and additionalProperties', async () => {
    const schema = {
      type: 'object',
      properties: {
        mixed: { type: 'object', properties: { n: { type: 'integer' }, sub: { type: 'object' } }, additionalProperties: false },
        scalars: { type: 'object', properties: { n: { type: 'integer' }, s: { type: 'string' } }, additionalProperties: false },
        patterned: { type: 'object', patternProperties: { '^t_': { type: 'integer' } }, additionalProperties: false },
        gone: { type: 'object', properties: { x: false }, additionalProperties: false },
        empty: { type: 'object', additionalProperties: false },
        noItems: { type: 'array', items: false },
      },
    };
    const paths = ['mixed[*] exists', 'mixed[*].x == 1', 'patterned[*] == 0', 'scalars[*].x == 1', 'patterned[*].x == 1', 'gone[*] exists', 'empty[*] exists', 'noItems[*] exists'];
    expect(await refused(schema, paths)).toEqual([
      'expect[3]: scalars[*] has type integer, so it has no property "x"; scalars[*] has type string, so it has no property "x"',
      'expect[4]: patterned[*] has type integer, so it has no property "x"',
      // An object that can have no member is treated like an array whose items are false.
      'expect[5]: gone[*] is not allowed by the schema',
      'expect[6]: empty[*] is not allowed by the schema',
      'expect[7]: noItems[*] is not allowed by the schema',
    ]);
  });

  it('a type of ["object", "array"] (or none): [*] may take either; an index only an array\'s elements, as the evaluator does', async () => {
    const schema = {
      type: 'object',
      properties: {
        either: { type: ['object', 'array'], items: { type: 'integer' }, additionalProperties: { type: 'object' } },
        neither: { type: ['object', 'array'], items: { type: 'integer' }, additionalProperties: { type: 'string' } },
        untyped: { items: { type: 'integer' } },
        map: { type: 'object', additionalProperties: { type: 'object' } },
        text: { type: 'string' },
      },
    };
    const paths = ['either[*].x == 1', 'either[0] == 1', 'untyped[*].x == 1', 'neither[*].x == 1', 'either[0].x == 1', 'map[0] exists', 'text[*] exists'];
    expect(await refused(schema, paths)).toEqual([
      'expect[3]: neither[*] has type integer, so it has no property "x"; neither[*] has type string, so it has no property "x"',
      'expect[4]: either[0] has type integer, so it has no property "x"',
      'expect[5]: map has type object, so it has no elements (an index takes an array\'s elements; [*] also walks an object\'s values)',
      'expect[6]: text has type string, so it has no elements or values',
    ]);
  });

  it('count(...) over an object\'s values is checked like the path', async () => {
    const schema = { type: 'object', properties: { summary: { type: 'object', additionalProperties: { type: 'integer' } } }, additionalProperties: false };
    expect(await refused(schema, ['count(summary[*]) == 2', 'sum(summary[*]) == 0', 'count(summary[*].x) == 0', 'count(sumary[*]) == 0'])).toEqual([
      'expect[2]: summary[*] has type integer, so it has no property "x"',
      'expect[3]: the document has no property "sumary" (additionalProperties is false; it has "summary")',
    ]);
  });
});
