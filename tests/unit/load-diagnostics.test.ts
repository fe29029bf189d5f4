import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { definitionSecrets, formatDiagnostics, lineColAt, maskDiagnostic } from '../../src/load/diagnostics.js';
import { loadGate, loadGates } from '../../src/load/load-gate.js';
import { REDACTED } from '../../src/report/redact.js';
import type { Diagnostic } from '../../src/model/types.js';
import { codes, find, minimalCheck, tempProject, where, writeGate } from './load-fixture.js';

async function problems(gate: unknown): Promise<{ diags: Diagnostic[]; text: string }> {
  const root = tempProject();
  const text = writeGate(root, 'g', gate);
  const r = await loadGate('gates/g.json', { cwd: root });
  if (r.ok) throw new Error('expected the gate to be refused');
  return { diags: r.diagnostics, text };
}

describe('schema diagnostics', () => {
  it('an unknown field points at its key and suggests the nearest allowed one', async () => {
    const { diags, text } = await problems({ checks: [minimalCheck('a'), minimalCheck('b'), minimalCheck('c', { timout: 1000 })] });
    expect(diags).toHaveLength(1);
    expect(diags[0]).toMatchObject({
      code: 'unknown-field',
      jsonPath: 'checks[2].timout',
      message: 'unknown field "timout"',
      hint: 'did you mean "timeoutMs"?',
      length: '"timout"'.length,
      ...where(text, '"timout"'),
    });
  });

  it('an unknown field that is another tool\'s word for a field suggests that field, not a look-alike of another meaning', async () => {
    // Spelled near a field of another meaning: `cmd` is not `cwd`, `retry` is not `retryDelayMs`, `schema` is not `shell`.
    const misled = { cmd: 'run', exec: 'run', after: 'dependsOn', retry: 'retries', dir: 'cwd', schema: 'outputSchema' };
    // Near no field at all: only the list of every field was given.
    const unhelped = { command: 'run', script: 'run', args: 'run', needs: 'dependsOn', deps: 'dependsOn', workdir: 'cwd', exitCode: 'expectExitCode', assertions: 'expect' };
    const words = { ...misled, ...unhelped };
    const { diags } = await problems({
      defaults: { retry: 2 },
      checks: Object.keys(words).map((k, i) => minimalCheck(`c${i}`, { [k]: 1 })),
    });
    expect(diags.find((d) => d.jsonPath === 'defaults.retry')?.hint).toBe('did you mean "retries"?');
    Object.entries(words).forEach(([k, field], i) => {
      expect(diags.find((d) => d.jsonPath === `checks[${i}].${k}`)).toMatchObject({ code: 'unknown-field', message: `unknown field "${k}"`, hint: `did you mean "${field}"?` });
    });
  });

  it('"optional" on a check says to write "required": false', async () => {
    const { diags } = await problems({ checks: [minimalCheck('a', { optional: true })] });
    expect(find(diags, 'unknown-field')).toMatchObject({ jsonPath: 'checks[0].optional', hint: 'did you mean "required": false?' });
  });

  it('a field written where it does not belong says where it goes, not a look-alike of this object (required is not retries)', async () => {
    const { diags } = await problems({
      timeoutMs: 5000,
      dependsOn: [],
      defaults: { required: false, priority: 'P0', env: {} },
      checks: [minimalCheck('a', { waivers: [], handover: 'x' })],
    });
    const hintOf = (jsonPath: string) => diags.find((d) => d.jsonPath === jsonPath && d.code === 'unknown-field')?.hint;
    expect(hintOf('timeoutMs')).toBe('"timeoutMs" for every check goes in "defaults": "defaults": { "timeoutMs": ... } (or set it on a check)');
    expect(hintOf('dependsOn')).toBe('"dependsOn" is a field of a check: put it in the check\'s object in "checks"');
    expect(hintOf('defaults.required')).toBe('"required" is set on each check, not in "defaults", which holds timeoutMs, retries, retryDelayMs, killGraceMs');
    expect(hintOf('defaults.priority')).toBe('"priority" is set on each check, not in "defaults", which holds timeoutMs, retries, retryDelayMs, killGraceMs');
    expect(hintOf('defaults.env')).toBe('"env" for every check is the gate\'s own "env", at the top level of the file; "defaults" holds timeoutMs, retries, retryDelayMs, killGraceMs');
    expect(hintOf('checks[0].waivers')).toBe('"waivers" is a field of the gate, not of a check: move it to the top level of the file');
    expect(hintOf('checks[0].handover')).toBe('"handover" is a field of the gate, not of a check: move it to the top level of the file');
  });

  it('an unknown field with no near name lists the allowed ones', async () => {
    const { diags } = await problems({ checks: [minimalCheck('a')], zzzzzz: 1 });
    expect(find(diags, 'unknown-field').hint).toMatch(/^allowed fields: id, title, defaults/);
  });

  it('numbers out of bounds or not integers say the allowed range and what was found', async () => {
    const { diags, text } = await problems({
      defaults: { retries: 11 },
      checks: [minimalCheck('a', { timeoutMs: 0, retryDelayMs: 1.5, killGraceMs: '100', expectExitCode: [0, 256] })],
    });
    const by = (p: string) => diags.find((d) => d.jsonPath === p);
    expect(by('defaults.retries')).toMatchObject({ code: 'out-of-range', message: 'defaults.retries must be an integer from 0 to 10, found 11', ...where(text, '11') });
    expect(by('checks[0].timeoutMs')).toMatchObject({ code: 'out-of-range', message: 'timeoutMs must be an integer from 1 to 2147483647, found 0', hint: 'give milliseconds as a whole number, e.g. 60000 for a minute' });
    expect(by('checks[0].retryDelayMs')?.message).toBe('retryDelayMs must be an integer from 0 to 600000, found 1.5');
    expect(by('checks[0].killGraceMs')).toMatchObject({ code: 'invalid-type', message: 'killGraceMs must be an integer from 0 to 60000, found "100"' });
    expect(by('checks[0].expectExitCode[1]')?.message).toBe('expectExitCode[1] must be an integer from 0 to 255, found 256');
  });

  it('missing fields, wrong types, bad enums, bad ids and env names', async () => {
    const { diags, text } = await problems({
      id: 'bad id',
      env: { 'BAD-NAME': 'x' },
      redact: ['1X'],
      checks: [{ id: 'a' }, { id: 'b', run: 5, priority: 'P9', output: 'jsno', shell: 'yes' }],
    });
    expect(find(diags, 'missing-field')).toMatchObject({ jsonPath: 'checks[0].run', message: 'missing required field "run"', ...where(text, '{\n      "id": "a"') });
    expect(diags.find((d) => d.jsonPath === 'checks[1].run')).toMatchObject({ code: 'invalid-type', message: 'run must be an array or a string, found 5' });
    expect(diags.find((d) => d.jsonPath === 'checks[1].shell')?.message).toBe('shell must be a boolean, found "yes"');
    expect(diags.find((d) => d.jsonPath === 'checks[1].priority')?.message).toBe('priority must be one of "P0", "P1", "P2", "P3", found "P9"');
    expect(diags.find((d) => d.jsonPath === 'checks[1].output')?.hint).toBe('did you mean "json"?');
    expect(diags.find((d) => d.jsonPath === 'id')).toMatchObject({ code: 'invalid-id', ...where(text, '"bad id"'), hint: expect.stringContaining('start with a letter or digit') });
    expect(diags.find((d) => d.jsonPath === 'env["BAD-NAME"]')).toMatchObject({ code: 'invalid-env-name', ...where(text, '"BAD-NAME"') });
    expect(diags.find((d) => d.jsonPath === 'redact[0]')?.code).toBe('invalid-env-name');
  });

  it('an empty checks list and an empty run are refused', async () => {
    const a = await problems({ checks: [] });
    expect(a.diags[0]).toMatchObject({ code: 'invalid-value', jsonPath: 'checks', message: 'checks must not be empty, found an empty array' });
    const b = await problems({ checks: [{ id: 'a', run: [] }, { id: 'b', run: [''] }] });
    expect(codes(b.diags)).toEqual(['invalid-value', 'invalid-value']);
  });

  it('a run string without shell: true is refused with a hint', async () => {
    const { diags, text } = await problems({ checks: [{ id: 'a', run: 'npm test' }] });
    expect(diags[0]).toMatchObject({ code: 'shell-required', jsonPath: 'checks[0].run', ...where(text, '"npm test"') });
    expect(diags[0]?.hint).toContain('["npm", "test"]');
  });

  it('a NUL character in an argument or an env value is refused where it is; an escaped backslash before u0000 is not one', async () => {
    const { diags, text } = await problems({
      checks: [minimalCheck('a', { run: ['node', 'a\u0000b'], env: { X: 'c\u0000' } }), minimalCheck('b', { run: ['node', '\\u0000'] })],
    });
    const nul = diags.filter((d) => /NUL/.test(d.message));
    expect(nul.map((d) => d.jsonPath)).toEqual(['checks[0].run[1]', 'checks[0].env.X']);
    expect(nul[0]).toMatchObject({ code: 'invalid-value', ...where(text, '"a\\u0000b"') });
    // The gate's own env too, names as well as values (a name is where its entry is).
    const gateEnv = await problems({ env: { DEPLOY_PASSWORD: 'hunter2\u0000tail', 'A\u0000B': 'x' }, checks: [minimalCheck('a', { env: { 'C\u0000': 'y' } })] });
    const found = gateEnv.diags.filter((d) => /NUL/.test(d.message));
    expect(found.map((d) => [d.jsonPath, d.message.split(' contains')[0]]).sort()).toEqual([
      ['checks[0].env["C\\u0000"]', 'the variable name'],
      ['env.DEPLOY_PASSWORD', 'value'],
      ['env["A\\u0000B"]', 'the variable name'],
    ]);
    expect(found.every((d) => d.code === 'invalid-value')).toBe(true);
    // The same gate without them loads: the escaped backslash is an ordinary string.
    const root = tempProject();
    writeGate(root, 'g', { checks: [minimalCheck('b', { run: ['node', '\\u0000'] })] });
    expect((await loadGate('gates/g.json', { cwd: root })).ok).toBe(true);
  });

  it('a document that is not an object', async () => {
    const { diags } = await problems([]);
    expect(diags[0]).toMatchObject({
      code: 'invalid-type',
      jsonPath: '',
      line: 1,
      column: 1,
      message: 'the gate file must be an object, found an empty array',
      hint: 'a gate file is one object, such as {"id": "m28", "checks": [...]}',
    });
  });

  it('a value of the wrong type gets a hint that says how to write it', async () => {
    const { diags } = await problems({
      title: 5,
      env: { X: 5 },
      envFile: 'dev.env',
      checks: [minimalCheck('a', { required: 'yes', shell: 1, dependsOn: 'b', owner: null, title: ['t'] }), minimalCheck('b')],
    });
    const hint = (p: string) => diags.find((d) => d.jsonPath === p)?.hint;
    expect(diags.find((d) => d.jsonPath === 'checks[0].required')?.message).toBe('required must be a boolean, found "yes"');
    expect(hint('checks[0].required')).toBe('write true or false without quotes');
    expect(hint('checks[0].shell')).toBe('write true or false');
    expect(hint('title')).toBe('put it in double quotes: "5"');
    expect(hint('env.X')).toBe('put it in double quotes: "5"');
    expect(hint('checks[0].owner')).toBe('write the text in double quotes, or leave the field out');
    expect(hint('checks[0].title')).toBe('give one string in double quotes, e.g. "text"');
    expect(hint('checks[0].dependsOn')).toBe('put it in square brackets: ["b"]');
    expect(hint('envFile')).toBe('give an object in braces, e.g. {"path": "app.env", "values": {"APP_ENV": "dev"}}');
  });

  it('empty strings and values outside an enumeration get a hint too', async () => {
    const { diags } = await problems({
      checks: [minimalCheck('a', { evidence: [''], priority: 'urgent' })],
      waivers: [{ check: 'a', reason: '', expires: '2999-01-01' }],
    });
    const hint = (p: string) => diags.find((d) => d.jsonPath === p)?.hint;
    expect(hint('checks[0].evidence[0]')).toBe('write the value between the quotes, or leave it out');
    expect(hint('checks[0].priority')).toBe('write one of them exactly as shown, e.g. "P0"');
    expect(hint('waivers[0].reason')).toMatch(/^say why the failure is accepted/);
  });

  it('every problem has a hint, whatever its kind', async () => {
    const root = tempProject();
    writeFileSync(path.join(root, 'bad-schema.json'), '{"type": ');
    writeFileSync(path.join(root, 'list-schema.json'), '[]');
    const files: Record<string, string | Buffer> = {
      schema: JSON.stringify({
        id: 'bad id',
        zzzzzz: 1,
        title: 5,
        defaults: [],
        env: { 'A-B': 'x', X: 5, GATE_X: 'y' },
        envFile: { path: '', values: 3 },
        redact: 'X',
        checks: [
          { id: 'a' },
          minimalCheck('b', { run: 5, shell: 'no', priority: 'P9', output: 1, required: 'yes', timeoutMs: '5', retries: 99, expectExitCode: [], dependsOn: ['b', 'zz'] }),
          minimalCheck('c', { run: 'npm test', evidence: ['', 7], expect: ['x ~~ 1', 5, { path: 'a', op: 'in', value: 'BIG' }], injectFail: { args: 'x', env: [] }, outputSchema: 'none.json' }),
          minimalCheck('c', { run: [], cwd: '../..', output: 'text', outputSchema: {}, expect: ['ok == true'] }),
        ],
        waivers: [{ check: 'q', reason: '', expires: 'soon' }, 5],
        handover: {},
      }).replace('"BIG"', '1e999'),
      rules: JSON.stringify({
        envFile: { path: 'a/x.env', values: {} },
        checks: [
          minimalCheck('a', { dependsOn: ['b'], outputSchema: { type: 'object', properties: {}, additionalProperties: false }, expect: ['x == 1'] }),
          minimalCheck('b', { dependsOn: ['a'], outputSchema: 'bad-schema.json' }),
          minimalCheck('c', { outputSchema: 'list-schema.json' }),
          minimalCheck('d', { outputSchema: { type: 7 } }),
        ],
      }),
      keys: '{"checks": [{"id": "a", "run": ["x"], "run": ["y"]}], "__proto__": {}, "n": 1e999}',
      syntax: '{"checks": [{"id": "a", "run": ["x"],}]}',
      comment: '// a gate\n{}',
      empty: '',
      array: '[]',
      utf8: Buffer.from([0x7b, 0xff, 0x7d]),
      deep: '['.repeat(100),
      large: ' '.repeat(1024 * 1024 + 1),
      same1: '{"id": "same", "checks": [{"id": "a", "run": ["x"]}]}',
      same2: '{"id": "same", "checks": [{"id": "a", "run": ["x"]}]}',
    };
    for (const [name, content] of Object.entries(files)) writeFileSync(path.join(root, 'gates', `${name}.json`), content);
    const all: Diagnostic[] = [];
    const add = (r: { ok: boolean; diagnostics?: Diagnostic[] }) => all.push(...(r.diagnostics ?? []));
    for (const name of Object.keys(files)) add(await loadGate(`gates/${name}.json`, { cwd: root }));
    add(await loadGates(['same1', 'same2'], { cwd: root }));
    add(await loadGates(['nope'], { cwd: root }));
    add(await loadGate('gates/none.json', { cwd: root }));
    add(await loadGate('gates', { cwd: root }));
    expect(new Set(codes(all))).toEqual(
      new Set([
        ...['assertion-path-not-in-schema', 'dependency-cycle', 'duplicate-gate-id', 'duplicate-id', 'duplicate-key', 'file-not-found', 'forbidden-key', 'gate-not-found'],
        ...['invalid-assertion', 'invalid-date', 'invalid-env-name', 'invalid-id', 'invalid-json', 'invalid-number', 'invalid-output-schema', 'invalid-type', 'invalid-utf8'],
        ...['invalid-value', 'missing-field', 'not-a-file', 'out-of-range', 'output-schema-invalid-json', 'output-schema-not-found', 'path-collision', 'path-escape'],
        ...['reserved-env-name', 'self-dependency', 'shell-required', 'too-deep', 'too-large', 'unknown-dependency', 'unknown-field', 'unknown-waiver-target'],
      ]),
    );
    expect(all.filter((d) => d.hint === undefined || d.hint.trim() === '').map((d) => `${d.code} ${d.jsonPath}: ${d.message}`)).toEqual([]);
  });
});

describe('semantic diagnostics', () => {
  it('duplicate check ids point at the second', async () => {
    const { diags, text } = await problems({ checks: [minimalCheck('a'), minimalCheck('a')] });
    expect(diags).toEqual([expect.objectContaining({ code: 'duplicate-id', jsonPath: 'checks[1].id', ...where(text, '"a"', 1) })]);
  });

  it('check ids that differ only in case are duplicates: their folders and files would be one on macOS and Windows', async () => {
    const { diags, text } = await problems({ checks: [minimalCheck('build'), minimalCheck('Test'), minimalCheck('TEST', { dependsOn: ['build'] }), minimalCheck('x', { dependsOn: ['TEST'] })] });
    expect(diags).toEqual([
      expect.objectContaining({
        code: 'duplicate-id',
        jsonPath: 'checks[2].id',
        message: 'check id "TEST" differs only in case from "Test" (checks[1]): on macOS and Windows their work folders, checks/<id>.*.txt and a drill\'s rounds/<id>/ would be one',
        hint: 'give every check an id that differs from the others in more than case',
        ...where(text, '"TEST"'),
      }),
    ]);
  });

  it('unknown and self dependencies, with the nearest id as hint', async () => {
    const { diags, text } = await problems({ checks: [minimalCheck('M28-1'), minimalCheck('M28-3', { dependsOn: ['M28-2', 'M28-3'] })] });
    expect(find(diags, 'unknown-dependency')).toMatchObject({ jsonPath: 'checks[1].dependsOn[0]', hint: 'did you mean "M28-1"?', ...where(text, '"M28-2"') });
    expect(find(diags, 'self-dependency')).toMatchObject({ jsonPath: 'checks[1].dependsOn[1]', ...where(text, '"M28-3"', 1) });
  });

  it('dependency cycles name the cycle', async () => {
    const { diags } = await problems({
      checks: [minimalCheck('A', { dependsOn: ['B'] }), minimalCheck('B', { dependsOn: ['C'] }), minimalCheck('C', { dependsOn: ['A'] }), minimalCheck('D', { dependsOn: ['A'] })],
    });
    expect(diags).toHaveLength(1);
    expect(diags[0]).toMatchObject({ code: 'dependency-cycle', jsonPath: 'checks[2].dependsOn[0]', message: 'dependency cycle: A -> B -> C -> A' });
  });

  it('waivers: unknown targets and invalid dates', async () => {
    const { diags, text } = await problems({
      checks: [minimalCheck('lint')],
      waivers: [
        { check: 'lnt', reason: 'r', expires: '2026-12-31' },
        { check: 'lint', reason: 'r', expires: '2026-02-30' },
        { check: 'lint', reason: 'r', expires: '2026-12-31T10:00:00' },
        { check: 'lint', reason: 'r', expires: 'soon' },
      ],
    });
    expect(find(diags, 'unknown-waiver-target')).toMatchObject({ jsonPath: 'waivers[0].check', hint: 'did you mean "lint"?', ...where(text, '"lnt"') });
    expect(diags.filter((d) => d.code === 'invalid-date').map((d) => d.jsonPath)).toEqual(['waivers[1].expires', 'waivers[2].expires', 'waivers[3].expires']);
    expect(find(diags, 'invalid-date')).toMatchObject(where(text, '"2026-02-30"'));
  });

  it('invalid assertions point at the entry, or at the field of an object they are about', async () => {
    const { diags, text } = await problems({
      checks: [minimalCheck('a', { expect: ['ok == true', 'x ~~ 1', { path: 'a', op: 'matches', value: '(' }, 7] })],
    });
    expect(diags.map((d) => d.jsonPath)).toEqual(['checks[0].expect[1]', 'checks[0].expect[2].value', 'checks[0].expect[3]']);
    expect(codes(diags)).toEqual(['invalid-assertion', 'invalid-assertion', 'invalid-assertion']);
    expect(diags[0]).toMatchObject(where(text, '"x ~~ 1"'));
    expect(diags[0]?.message).toMatch(/^invalid assertion: /);
  });

  it('an assertion object reports every problem, each at its own field, in the words of the string form', async () => {
    const { diags, text } = await problems({
      checks: [minimalCheck('a', { expect: [{ path: 'x', op: 'exists', value: 1, extra: 1 }, { path: 'q', op: 'nope' }] })],
    });
    expect(diags.map((d) => `${d.code} ${d.jsonPath}`)).toEqual([
      'invalid-assertion checks[0].expect[0].value',
      'invalid-assertion checks[0].expect[0].extra',
      'invalid-assertion checks[0].expect[1].op',
    ]);
    expect(diags[0]).toMatchObject({
      message: 'invalid assertion: "exists" takes no value, found 1',
      hint: 'remove the value, or compare with ==, e.g. x == 1',
      line: where(text, '"value": 1').line,
      column: where(text, '"value": 1').column + '"value": '.length,
    });
    expect(diags[1]).toMatchObject({ message: 'invalid assertion: unknown field "extra" in assertion', length: '"extra"'.length, ...where(text, '"extra"') });
    expect(diags[2]).toMatchObject({
      message: 'invalid assertion: unknown operator "nope"',
      hint: 'operators: ==, !=, <, <=, >, >=, in, not in, contains, matches, exists, absent',
      length: '"nope"'.length,
      ...where(text, '"nope"'),
    });
  });

  it('an assertion field misspelled is said once, as the unknown field, not again as the one missing', async () => {
    const { diags, text } = await problems({ checks: [minimalCheck('a', { expect: [{ path: 'x', op: '==', valu: 1 }, { pth: 'x', op: 'exists' }] })] });
    expect(diags.map((d) => `${d.jsonPath}: ${d.message} (${d.hint})`)).toEqual([
      'checks[0].expect[0].valu: invalid assertion: unknown field "valu" in assertion (did you mean "value"?)',
      'checks[0].expect[1].pth: invalid assertion: unknown field "pth" in assertion (did you mean "path"?)',
    ]);
    expect(diags[0]).toMatchObject(where(text, '"valu"'));
  });

  it('envFile paths must stay in the work dir', async () => {
    const a = await problems({ checks: [minimalCheck('a')], envFile: { path: '/etc/app.env', values: {} } });
    expect(a.diags[0]).toMatchObject({ code: 'path-escape', jsonPath: 'envFile.path' });
    const b = await problems({ checks: [minimalCheck('a')], envFile: { path: 'x/../../app.env', values: { 'A-B': '1' } } });
    expect(codes(b.diags).sort()).toEqual(['invalid-env-name', 'path-escape']);
  });

  it('an empty envFile path is one problem, not two', async () => {
    const { diags, text } = await problems({ checks: [minimalCheck('a')], envFile: { path: '', values: { K: 'v' } } });
    const at = where(text, '"path": ""');
    expect(diags).toEqual([
      expect.objectContaining({ code: 'invalid-value', jsonPath: 'envFile.path', message: 'envFile.path must not be empty, found ""', line: at.line, column: at.column + '"path": '.length }),
    ]);
    // It is required: the hint says what to write, not to leave it out.
    expect(diags[0]!.hint).toBe('give a path relative to the work dir, e.g. "app.env"');
    // A path that is not empty but names no file is still reported, once.
    const dot = await problems({ checks: [minimalCheck('a')], envFile: { path: './', values: { K: 'v' } } });
    expect(dot.diags).toEqual([expect.objectContaining({ code: 'invalid-value', jsonPath: 'envFile.path', message: 'envFile.path must name a file, found "./"' })]);
  });

  it("envFile paths must not name gate's own files in the work dir: the lock, the mark, a check's folder", async () => {
    for (const [envPath, what] of [
      ['.gate.lock', 'the lock'],
      ['./.gate.lock/app.env', 'the lock'],
      ['.gate-work-dir', "gate's mark"],
      ['x/../.gate-work-dir', "gate's mark"],
      ['.Gate-Work-Dir', "gate's mark"],
      ['a', 'the work folder of check "a"'],
      ['A/app.env', 'the work folder of check "a"'],
    ] as const) {
      const { diags, text } = await problems({ checks: [minimalCheck('a')], envFile: { path: envPath, values: { K: 'v' } } });
      const at = where(text, `"path": ${JSON.stringify(envPath)}`);
      expect(diags, envPath).toEqual([expect.objectContaining({ code: 'path-collision', jsonPath: 'envFile.path', line: at.line, column: at.column + '"path": '.length })]);
      expect(diags[0]?.message, envPath).toContain(what);
      expect(diags[0]?.hint, envPath).toMatch(/e\.g\. "env\/app\.env"/);
    }
    // Names that only start like gate's own are the gate file's to use.
    const root = tempProject();
    writeGate(root, 'g', { checks: [minimalCheck('a')], envFile: { path: '.gate.lock.env', values: {} } });
    expect((await loadGate('gates/g.json', { cwd: root })).ok).toBe(true);
    writeGate(root, 'g', { checks: [minimalCheck('a')], envFile: { path: 'env/.gate-work-dir', values: {} } });
    expect((await loadGate('gates/g.json', { cwd: root })).ok).toBe(true);
  });

  it('reports many problems at once, in file order', async () => {
    const { diags } = await problems({
      checks: [minimalCheck('a', { timout: 1, dependsOn: ['zzz'] }), minimalCheck('a', { retries: -1 })],
      waivers: [{ check: 'q', reason: 'r', expires: 'never' }],
    });
    expect(codes(diags)).toEqual(['unknown-field', 'unknown-dependency', 'duplicate-id', 'out-of-range', 'unknown-waiver-target', 'invalid-date']);
    const lines = diags.map((d) => d.line);
    expect([...lines].sort((x, y) => x - y)).toEqual(lines);
  });

  it('a file name that is not a valid id needs an explicit id', async () => {
    const root = tempProject();
    writeGate(root, 'my gate', { checks: [minimalCheck('a')] });
    const r = await loadGate('gates/my gate.json', { cwd: root });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.diagnostics[0]).toMatchObject({ code: 'invalid-id', jsonPath: 'id', line: 0 });
  });
});

describe('formatDiagnostics', () => {
  it('prints location, path, message, hint, the source line with a caret, and a closing line', async () => {
    const { diags } = await problems({ checks: [minimalCheck('a'), minimalCheck('b', { timout: 1000, retries: 99 })] });
    const out = formatDiagnostics(diags);
    const { line, column } = diags[0]!;
    expect(out).toContain(`gates/g.json:${line}:${column}: checks[1].timout: unknown field "timout"\n  hint: did you mean "timeoutMs"?\n`);
    expect(out).toContain(`    ${line} |       "timout": 1000,\n       |       ^^^^^^^^\n`);
    expect(out.endsWith('2 problems in gates/g.json; nothing ran.\n')).toBe(true);
  });

  it('prints problems without a place as file: message', () => {
    const out = formatDiagnostics([{ file: 'gates/x.json', line: 0, column: 0, jsonPath: '', code: 'file-not-found', message: 'cannot read gate file: no such file' }]);
    expect(out).toBe('gates/x.json: cannot read gate file: no such file\n1 problem in gates/x.json; nothing ran.\n');
  });

  it('puts the caret at the display column of the error after wide characters and emoji (line:col stays in UTF-16 units)', () => {
    const sourceLine = '{"title": "😀😀😀 日本語", "timout": 1}';
    const d: Diagnostic = { file: 'f', line: 1, column: 25, jsonPath: 'timout', code: 'c', message: 'unknown field', sourceLine, length: 8 };
    const lines = formatDiagnostics([d]).split('\n');
    expect(lines[0]).toBe('f:1:25: timout: unknown field');
    // `{"title": "` (11) + three emoji (2 each) + a space + three ideographs (2 each) + `", ` (3): 27 columns.
    expect(lines[2]).toBe(`      | ${' '.repeat(27)}^^^^^^^^`);
    // The caret covers the offending text's display width: `"日本"` is 6 columns, 4 UTF-16 units.
    const wide: Diagnostic = { ...d, column: 8, sourceLine: '{"id": "日本", "run": []}', length: 4 };
    expect(formatDiagnostics([wide]).split('\n')[2]).toBe(`      | ${' '.repeat(7)}^^^^^^`);
  });

  it('puts the caret at the display column of the error after combining characters', () => {
    const sourceLine = '{"title": "e\u0301e\u0301e\u0301", "timout": 1}';
    const d: Diagnostic = { file: 'f', line: 1, column: 21, jsonPath: 'timout', code: 'c', message: 'unknown field', sourceLine, length: 8 };
    // `{"title": "` (11) + three e + U+0301 (one column each) + `", ` (3): 17 columns.
    expect(formatDiagnostics([d]).split('\n')[2]).toBe(`      | ${' '.repeat(17)}^^^^^^^^`);
  });

  it('cuts a long line without breaking a surrogate pair, the caret still under the error', () => {
    const sourceLine = `{"t": "${'😀'.repeat(60)}", "timout": 1}`;
    const d: Diagnostic = { file: 'f', line: 1, column: 131, jsonPath: 'timout', code: 'c', message: 'unknown field', sourceLine, length: 8 };
    const [, shown = '', carets = ''] = formatDiagnostics([d]).split('\n');
    expect(shown).not.toMatch(/[\uD800-\uDFFF]/u);
    const columns = (s: string) => [...s].reduce((n, c) => n + ((c.codePointAt(0) ?? 0) > 0xffff ? 2 : 1), 0);
    expect(carets.indexOf('^')).toBe(columns(shown.slice(0, shown.indexOf('"timout"'))));
    expect(carets.endsWith('^^^^^^^^')).toBe(true);
  });

  it('keeps carets aligned under tabs and neutralises control characters', () => {
    const d: Diagnostic = { file: 'f', line: 2, column: 3, jsonPath: 'x', code: 'c', message: 'bad \u001b[31m', sourceLine: '\t\t"x": 1', length: 3 };
    expect(formatDiagnostics([d])).toBe('f:2:3: x: bad \uFFFD[31m\n    2 | \t\t"x": 1\n      | \t\t^^^\n1 problem in f; nothing ran.\n');
  });

  it('returns nothing for no problems', () => {
    expect(formatDiagnostics([])).toBe('');
  });

  it('lineColAt counts lines and 1-based columns', () => {
    expect(lineColAt('ab\ncd\r\nef', 0)).toEqual({ line: 1, column: 1 });
    expect(lineColAt('ab\ncd\r\nef', 4)).toEqual({ line: 2, column: 2 });
    expect(lineColAt('ab\ncd\r\nef', 7)).toEqual({ line: 3, column: 1 });
  });

  it('never shows a stack trace', async () => {
    const { diags } = await problems({ checks: [minimalCheck('a', { run: 'x', cwd: '../..', expect: ['((('] })], waivers: 3 });
    const out = formatDiagnostics(diags);
    expect(out).not.toMatch(/\n\s+at .+:\d+:\d+\)?/);
    expect(out).not.toMatch(/Error:|node_modules|\.ts:\d+/);
  });
});

describe('secrets in definition errors', () => {
  const SECRET = 'literalsecret123';
  const stars = (n: number) => '*'.repeat(n);

  /** The diagnostics of a gate file written as `text`, loaded with `env` as gate's environment. */
  async function refused(text: string, env: Record<string, string | undefined> = {}): Promise<Diagnostic[]> {
    const root = tempProject();
    writeGate(root, 'sec', text);
    const r = await loadGate('gates/sec.json', { cwd: root, env });
    if (r.ok) throw new Error('expected the gate to be refused');
    return r.diagnostics;
  }

  it('masks a value under a secret-looking key in the quoted line, keeping the caret under the right text', async () => {
    const text = `{"env":{"API_TOKEN":"${SECRET}"},"timoutMs":5,"checks":[{"id":"a","run":["node","x.mjs"]}]}\n`;
    const diags = await refused(text);
    const d = find(diags, 'unknown-field');
    expect(d).toMatchObject({ jsonPath: 'timoutMs', ...where(text, '"timoutMs"') });
    expect(d.sourceLine).toBe(`{"env":{"API_TOKEN":"${stars(SECRET.length)}"},"timoutMs":5,"checks":[{"id":"a","run":["node","x.mjs"]}]}`);
    const out = formatDiagnostics(diags);
    expect(out).not.toContain(SECRET);
    const col = where(text, '"timoutMs"').column;
    expect(out).toContain(`    1 | ${d.sourceLine}\n      | ${' '.repeat(col - 1)}${'^'.repeat('"timoutMs"'.length)}\n`);
    expect(JSON.stringify(diags)).not.toContain(SECRET);
  });

  it('masks a number under a secret-looking key, in the message that quotes it and in the line', async () => {
    const text = `{"env":{"API_TOKEN":12345678},"checks":[{"id":"a","run":["node","x.mjs"]}]}`;
    const diags = await refused(text);
    const d = find(diags, 'invalid-type');
    expect(d.jsonPath).toBe('env.API_TOKEN');
    expect(JSON.stringify(diags)).not.toContain('12345678');
    expect(d.message).toContain(REDACTED);
    expect(d.sourceLine).toBe(text.replace('12345678', stars(8)));
  });

  it('masks a number under a secret-looking key also as JavaScript prints it (digits past a double, a trailing .0)', async () => {
    for (const [written, printed] of [['1234567890123456789', '1234567890123456800'], ['12345678.0', '12345678']] as const) {
      const text = `{"env":{"API_KEY":${written}},"checks":[{"id":"a","run":["node","x.mjs"]}]}`;
      const diags = await refused(text);
      expect(find(diags, 'invalid-type').jsonPath).toBe('env.API_KEY');
      // Neither the message (found …) nor the hint (put it in double quotes: "…") shows it either way.
      for (const form of [written, printed]) expect(JSON.stringify(diags), form).not.toContain(form);
    }
  });

  it('a secret-named value inside an array or object masked whole is masked wherever else it is quoted', async () => {
    const secret = 'correct-horse-battery';
    const text = `{"env": {"DB_CREDENTIALS": {"PASSWORD": "${secret}"}},\n "checks": [{"id": "a", "run": ["x", "${secret}"], "priority": "${secret}"}]}`;
    const diags = await refused(text);
    expect(find(diags, 'invalid-value').jsonPath).toBe('checks[0].priority');
    expect(JSON.stringify(diags)).not.toContain(secret);
    expect(formatDiagnostics(diags)).not.toContain(secret);
  });

  it('masks an array, an object or a number under a secret-looking key whole in the quoted line, however short', async () => {
    const text = [
      '{"env": {"SERVICE_PASSWORD": ["arr-secret-123"], "DB_TOKEN": {"pw": "obj-secret-456"}, "API_KEY": 98765432, "PIN_SECRET": [7]}, "timout": 1,',
      ' "checks": [{"id": "a", "run": ["x"], "env": {"X_SECRET": [',
      '   "line-secret-789",',
      '   {"n": 1234567}]}, "retrys": 1}]}',
    ].join('\n');
    const diags = await refused(text);
    expect(find(diags, 'invalid-type')).toMatchObject({ jsonPath: 'env.SERVICE_PASSWORD', message: 'env.SERVICE_PASSWORD must be a string, found an array' });
    const masked = (value: string) => stars(value.length);
    const line1 = text.split('\n')[0]!;
    expect(find(diags, 'unknown-field').sourceLine).toBe(
      line1.replace('["arr-secret-123"]', masked('["arr-secret-123"]')).replace('{"pw": "obj-secret-456"}', masked('{"pw": "obj-secret-456"}')).replace('98765432', masked('98765432')).replace('[7]', '***'),
    );
    const out = formatDiagnostics(diags);
    for (const secret of ['arr-secret-123', 'obj-secret-456', '98765432', 'line-secret-789', '1234567']) {
      expect(out).not.toContain(secret);
      expect(JSON.stringify(diags)).not.toContain(secret);
    }
    const secrets = definitionSecrets(text, {});
    // Each line of a value that runs over several is masked as far as the value goes, and no further.
    expect(text.split('\n').slice(1).map((line) => secrets.blank(line))).toEqual([' "checks": [{"id": "a", "run": ["x"], "env": {"X_SECRET": *', `   ${stars(18)}`, `   ${stars(15)}}, "retrys": 1}]}`]);
  });

  it('masks a value under a secret-looking key that runs to the end of a large file, in linear time', async () => {
    const text = `{"env": ${'{"A_TOKEN": '.repeat(60_000)}"x"`;
    const started = Date.now();
    const diags = await refused(text);
    expect(diags).toEqual([expect.objectContaining({ code: 'too-deep' })]);
    const open = '{"env": {"A_TOKEN": ';
    expect(diags[0]?.sourceLine).toBe(`${open}${stars(text.length - open.length)}`);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("masks values of gate's own secret-looking variables, in the line and in messages", async () => {
    const value = 'env-secret-456';
    const text = `{"checks":[{"id":"a","run":["curl","-u","${value}"],"priority":"${value}"}]}`;
    const diags = await refused(text, { DEPLOY_PASSWORD: value });
    const d = find(diags, 'invalid-value');
    expect(d.jsonPath).toBe('checks[0].priority');
    expect(d.message).toBe(`priority must be one of "P0", "P1", "P2", "P3", found "${REDACTED}"`);
    expect(d.sourceLine).toBe(text.replaceAll(value, stars(value.length)));
    expect(d).toMatchObject(where(text, `"${value}"`, 1));
  });

  it('masks values of names listed under redact, and the body of a value as written with escapes', async () => {
    const text = [
      '{',
      '  "redact": ["DB_URL"],',
      '  "env": {"DB_URL": "pg://u:pw@h", "SERVICE_TOKEN": "lit\\u0065ralsecret123"},',
      '  "checks": [{"id": "a", "run": ["node", "x.mjs"], "env": {"DB_URL": "pg://u:pw@h"}, "timout": 1}]',
      '}',
    ].join('\n');
    const diags = await refused(text);
    const lines = diags.map((d) => d.sourceLine ?? '').join('\n');
    expect(find(diags, 'unknown-field').sourceLine).toBe(`  "checks": [{"id": "a", "run": ["node", "x.mjs"], "env": {"DB_URL": "${stars(11)}"}, "timout": 1}]`);
    expect(lines).not.toContain('pg://');
    const secrets = definitionSecrets(text, {});
    expect(secrets.blank(text)).not.toMatch(/pg:\/\/|lit\\u0065ral|literalsecret/);
    expect(secrets(`found "${SECRET}"`)).toBe(`found "${REDACTED}"`);
  });

  it('masks secrets in a file that is not valid JSON, or not valid UTF-8', async () => {
    const trailing = await refused(`{"env":{"API_TOKEN":"${SECRET}",},"checks":[]}`);
    expect(trailing[0]).toMatchObject({ code: 'invalid-json', sourceLine: `{"env":{"API_TOKEN":"${stars(SECRET.length)}",},"checks":[]}` });
    const open = await refused(`{"env":{"API_TOKEN":"${SECRET}\n}`);
    expect(open[0]?.code).toBe('invalid-json');
    expect(JSON.stringify(open)).not.toContain(SECRET);
    const root = tempProject();
    writeFileSync(path.join(root, 'gates', 'bad.json'), Buffer.concat([Buffer.from(`{"env":{"API_TOKEN":"${SECRET}"},"x":"`), Buffer.from([0xff]), Buffer.from('"}')]));
    const r = await loadGate('gates/bad.json', { cwd: root, env: {} });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.diagnostics[0]?.code).toBe('invalid-utf8');
      expect(r.diagnostics[0]?.sourceLine).toContain(stars(SECRET.length));
      expect(JSON.stringify(r.diagnostics)).not.toContain(SECRET);
    }
  });

  it('masks the line of a gate id used twice', async () => {
    const root = tempProject();
    for (const name of ['a', 'b']) writeGate(root, name, `{"id":"same","env":{"API_TOKEN":"${SECRET}"},"checks":[{"id":"x","run":["node","x.mjs"]}]}`);
    const r = await loadGates(['a', 'b'], { cwd: root, env: {} });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.diagnostics[0]?.code).toBe('duplicate-gate-id');
      expect(JSON.stringify(r.diagnostics)).not.toContain(SECRET);
    }
  });

  it("reads gate's own environment when none is handed in", async () => {
    const value = 'proc-env-secret-789';
    process.env.GATE_UNIT_TEST_TOKEN = value;
    try {
      const root = tempProject();
      writeGate(root, 'sec', `{"checks":[{"id":"a","run":["x","${value}"],"timout":1}]}`);
      const r = await loadGate('gates/sec.json', { cwd: root });
      expect(JSON.stringify(r)).not.toContain(value);
    } finally {
      delete process.env.GATE_UNIT_TEST_TOKEN;
    }
  });

  it('leaves diagnostics alone when there is nothing secret, and short values of secret-looking keys', async () => {
    const d: Diagnostic = { file: 'f', line: 1, column: 2, jsonPath: 'x', code: 'c', message: 'm "abc"', hint: 'h', sourceLine: '{"PASSWORD":"abc"}', length: 1 };
    const secrets = definitionSecrets(d.sourceLine ?? '', {});
    expect(secrets.reach).toBe(0);
    expect(maskDiagnostic(d, secrets)).toBe(d);
  });
});
