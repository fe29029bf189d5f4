import { existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, gate, makeProject } from './harness.js';

const STACK = /\n\s+at .+[:(]\d+/;

describe('definition errors: exit 2, every problem located, nothing runs', () => {
  it('with no gate named, a gates/*.json that cannot be read (a link to nothing, a folder) is a problem, never left out: nothing runs', async () => {
    const p = makeProject();
    const marker = path.join(p.root, 'ran');
    p.gate('g', { checks: [{ id: 'a', run: ['touch', marker], output: 'text' }] });
    symlinkSync('missing.json', path.join(p.root, 'gates', 'zz.json'));
    mkdirSync(path.join(p.root, 'gates', 'dir.json'));
    const r = await gate(['run'], { cwd: p.root });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('gates/zz.json: a symbolic link to nothing (no file at "missing.json")\n  hint: make it point to a gate file, or remove it: with no gate named, every gates/*.json runs\n');
    expect(r.stderr).toContain('gates/dir.json: cannot read gate file: it is a directory, not a file\n');
    expect(r.stderr).toContain('nothing ran.');
    expect(existsSync(marker)).toBe(false);
    // validate says the same, and that the readable one is fine.
    const v = await gate(['validate'], { cwd: p.root });
    expect(v.code).toBe(2);
    expect(v.stdout + v.stderr).toContain('gates/g.json: ok');
    expect(v.stderr).toContain('gates/zz.json: a symbolic link to nothing');
  });

  it('reports every problem of a wrong gate file at once, with file:line:col, JSON path and hint', async () => {
    const p = makeProject();
    const marker = path.join(p.root, 'ran');
    p.gate(
      'bad',
      `{
  "checks": [
    { "id": "a", "run": ["touch", ${JSON.stringify(marker)}], "timout": 1000 },
    { "id": "b", "run": ["true"], "dependsOn": ["c"], "expect": ["x === 1"] },
    { "id": "c", "run": ["true"], "dependsOn": ["b"], "timeoutMs": 0 }
  ],
  "waivers": [{ "check": "nope", "reason": "r", "expires": "2999-01-01" }]
}
`,
    );
    const r = await gate(['run', 'bad'], { cwd: p.root });
    expect(r.code).toBe(2);
    const line3 = readFileSync(path.join(p.root, 'gates/bad.json'), 'utf8').split('\n')[2] ?? '';
    expect(r.stderr).toContain(`gates/bad.json:3:${line3.indexOf('"timout"') + 1}: checks[0].timout: unknown field "timout"`);
    expect(r.stderr).toContain('hint: did you mean "timeoutMs"?');
    expect(r.stderr).toMatch(/gates\/bad\.json:\d+:\d+: checks\[\d\]\.dependsOn\[0\]: dependency cycle: (b -> c -> b|c -> b -> c)/);
    expect(r.stderr).toContain('checks[1].expect[0]');
    expect(r.stderr).toContain('checks[2].timeoutMs: timeoutMs must be an integer from 1 to 2147483647, found 0');
    expect(r.stderr).toContain('waivers[0].check');
    expect(r.stderr).toContain('5 problems in gates/bad.json; nothing ran.');
    expect(r.stderr).not.toMatch(STACK);
    expect(existsSync(marker)).toBe(false);
    expect(existsSync(path.join(p.root, 'reports'))).toBe(false);
  });

  it('locates a JSON syntax error and says what is wrong in terms of the file, with a hint', async () => {
    const p = makeProject();
    const text = '{\n  "checks": [\n    { "id": "a", "run": ["true"], }\n  ]\n}\n';
    p.gate('g', text);
    const r = await gate(['validate', 'g'], { cwd: p.root });
    expect(r.code).toBe(2);
    const column = (text.split('\n')[2] ?? '').lastIndexOf('}') + 1;
    expect(r.stderr).toContain(`gates/g.json:3:${column}: invalid JSON: unexpected '}' where a property name in double quotes should be\n`);
    expect(r.stderr).toContain('  hint: remove the comma before it: JSON allows no trailing commas\n');
    expect(r.stderr).not.toMatch(STACK);
    const json = await gate(['validate', 'g', '--json'], { cwd: p.root });
    const diags = (JSON.parse(json.stdout) as { diagnostics: object[] }).diagnostics;
    expect(diags).toEqual([expect.objectContaining({ code: 'invalid-json', jsonPath: '', line: 3, column, hint: expect.stringContaining('trailing commas') })]);
  });

  it('gives every problem a hint, and reports a number too large to represent once', async () => {
    const p = makeProject();
    p.gate('g', '{"title": 5, "env": {"X": 5}, "checks": [{"id": "a", "run": ["true"], "required": "yes", "timeoutMs": 1e999}]}');
    p.gate('top', '[]');
    const r = await gate(['validate', 'g', 'top'], { cwd: p.root });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('title: title must be a string, found 5\n  hint: put it in double quotes: "5"\n');
    expect(r.stderr).toContain('env.X: env.X must be a string, found 5\n  hint: put it in double quotes: "5"\n');
    expect(r.stderr).toContain('checks[0].required: required must be a boolean, found "yes"\n  hint: write true or false without quotes\n');
    expect(r.stderr).toContain('checks[0].timeoutMs: number is too large to represent\n');
    expect(r.stderr).not.toContain('Infinity');
    expect(r.stderr).toContain('gates/top.json:1:1: the gate file must be an object, found an empty array\n  hint: a gate file is one object, such as {"id": "m28", "checks": [...]}\n');
    expect(r.stderr).toContain('5 problems in 2 files');
    const json = await gate(['validate', 'g', 'top', '--json'], { cwd: p.root });
    const diags = (JSON.parse(json.stdout) as { diagnostics: { hint?: string }[] }).diagnostics;
    expect(diags).toHaveLength(5);
    for (const d of diags) expect(d.hint).toMatch(/\S/);
  });

  it('names a missing gate and lists the ones that exist', async () => {
    const p = makeProject();
    p.gate('m28', { checks: [{ id: 'a', run: fixture('pass.mjs') }] });
    const r = await gate(['run', 'm29'], { cwd: p.root });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('m29');
    expect(r.stderr).toContain('m28');
  });

  it('validate says ok for a good gate and gives diagnostics as data with --json', async () => {
    const p = makeProject();
    p.gate('good', { checks: [{ id: 'a', run: fixture('pass.mjs') }] });
    p.gate('bad', { checks: [{ id: 'a', run: ['true'], retries: -1 }] });
    const ok = await gate(['validate', 'good'], { cwd: p.root });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('gates/good.json: ok');
    const bad = await gate(['validate', '--json'], { cwd: p.root });
    expect(bad.code).toBe(2);
    const body = JSON.parse(bad.stdout) as { ok: boolean; diagnostics: { file: string; jsonPath: string; line: number; column: number }[] };
    expect(body.ok).toBe(false);
    expect(body.diagnostics).toEqual([expect.objectContaining({ file: 'gates/bad.json', jsonPath: 'checks[0].retries' })]);
    expect(body.diagnostics[0]?.line).toBeGreaterThan(0);
  });

  it('validate says ok for each good gate beside the problems of a bad one, in text and with --json', async () => {
    const p = makeProject();
    p.gate('good', { checks: [{ id: 'a', run: fixture('pass.mjs') }] });
    p.gate('bad', { checks: [{ id: 'a', run: ['true'], retries: -1 }] });
    const text = await gate(['validate', 'good', 'bad', 'nope'], { cwd: p.root });
    expect(text.code).toBe(2);
    expect(text.stdout).toBe('gates/good.json: ok (gate good, 1 check)\n');
    expect(text.stderr).toMatch(/^gates\/bad\.json:\d+:\d+: checks\[0\]\.retries: /m);
    expect(text.stderr).toContain('no gate "nope"');
    const json = await gate(['validate', 'good', 'bad', 'nope', '--json'], { cwd: p.root });
    expect(json.code).toBe(2);
    const body = JSON.parse(json.stdout) as { ok: boolean; gates: unknown[]; diagnostics: { file: string; code: string }[] };
    expect(body.ok).toBe(false);
    expect(body.gates).toEqual([{ id: 'good', file: 'gates/good.json', checks: 1 }]);
    expect(body.diagnostics.map((d) => `${d.file} ${d.code}`)).toEqual(['nope gate-not-found', 'gates/bad.json out-of-range']);
  });

  it('bad usage is exit 2 with a suggestion, never a stack trace', async () => {
    const p = makeProject();
    for (const args of [['runn'], ['run', '--jbos', '2'], ['run', '-j', 'zero'], ['run', '--inject-fail', 'x:explode'], []]) {
      const r = await gate(args, { cwd: p.root });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).not.toMatch(STACK);
    }
    expect((await gate(['runn'], { cwd: p.root })).stderr).toContain('Did you mean run?');
  });

  it('gate run with no argument runs every gate in gates/, each with its own report', async () => {
    const p = makeProject();
    p.gate('one', { checks: [{ id: 'a', run: fixture('pass.mjs') }] });
    p.gate('two', { checks: [{ id: 'a', run: fixture('fail.mjs') }] });
    const r = await gate(['run', '--json'], { cwd: p.root });
    expect(r.code).toBe(3);
    const reports = JSON.parse(r.stdout) as { gate: { id: string }; decision: string }[];
    expect(reports.map((x) => [x.gate.id, x.decision])).toEqual([
      ['one', 'GO'],
      ['two', 'NO-GO'],
    ]);
    expect(p.report('one').decision).toBe('GO');
    expect(p.report('two').decision).toBe('NO-GO');
  });

  it('a gate path behaves the same from any directory: paths resolve against its project root', async () => {
    const p = makeProject();
    p.file('data.json', '{"ok":true}');
    p.gate('g', { checks: [{ id: 'a', run: ['node', '-e', 'console.log(JSON.stringify({cwd: process.cwd()}))'], expect: [{ path: 'ok', op: '==', value: true, file: 'data.json' }] }] });
    const r = await gate(['run', path.join(p.root, 'gates/g.json')], { cwd: '/' });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(p.report('g').checks[0]?.evidence.map((e) => e.path)).toEqual(['data.json']);
  });
});

describe('definition errors: the env file', () => {
  it('refuses an envFile path inside a check work folder', async () => {
    const p = makeProject();
    p.gate('g', { envFile: { path: 'a/app.env', values: { X: '1' } }, checks: [{ id: 'a', run: fixture('pass.mjs') }] });
    const r = await gate(['validate', 'g'], { cwd: p.root });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('envFile.path');
    expect(r.stderr).toContain('check "a"');
  });

  it("refuses an envFile path that names gate's lock or work-dir mark, before the run touches the work dir", async () => {
    const p = makeProject();
    for (const name of ['.gate.lock', '.gate-work-dir']) {
      p.gate('g', { envFile: { path: name, values: { K: 'v' } }, checks: [{ id: 'a', run: fixture('pass.mjs'), output: 'text' }] });
      const validated = await gate(['validate', 'g'], { cwd: p.root });
      expect(validated.code, name).toBe(2);
      expect(validated.stderr, name).toMatch(new RegExp(`gates/g\\.json:\\d+:\\d+: envFile\\.path: envFile\\.path "${name.replace(/\./g, '\\.')}" is gate's`));
      const run = await gate(['run', 'g'], { cwd: p.root });
      expect(run.code, name).toBe(2);
      expect(run.stderr, name).toContain(`envFile.path "${name}" is gate's`);
      expect(run.stderr, name).not.toContain('not writable');
      expect(existsSync(path.join(p.root, 'data/state/g_closeout')), name).toBe(false);
    }
  });
});

describe('definition errors: settings that could only mislead', () => {
  it('refuses a bare word that reads as a number but is not JSON, for equality as for order', async () => {
    const p = makeProject();
    p.gate('g', { checks: [{ id: 'a', run: fixture('pass.mjs'), expect: ['n != 5.', 'n == +5', 't < Infinity', 'status == go', 'v != v1.2'] }] });
    const r = await gate(['validate', 'g'], { cwd: p.root });
    expect(r.code).toBe(2);
    for (const where of ['checks[0].expect[0]', 'checks[0].expect[1]', 'checks[0].expect[2]']) expect(r.stderr).toContain(`: ${where}: `);
    for (const where of ['checks[0].expect[3]', 'checks[0].expect[4]']) expect(r.stderr).not.toContain(where);
    expect(r.stderr).toContain('value 5. is not a JSON number');
  });

  it('refuses shell with an argv array, GATE_* env names, and JSON-only settings on a text check', async () => {
    const p = makeProject();
    p.gate('g', {
      env: { GATE_RUN_ID: 'x' },
      checks: [
        { id: 'a', run: ['sh', '-c', 'exit 3'], shell: true },
        { id: 'b', run: ['true'], output: 'text', expect: ['ok == true'], outputSchema: { type: 'object' }, env: { GATE_WORK_DIR: '/' } },
      ],
    });
    const r = await gate(['validate', 'g'], { cwd: p.root });
    expect(r.code).toBe(2);
    for (const where of ['env.GATE_RUN_ID', 'checks[0].shell', 'checks[1].expect[0]', 'checks[1].outputSchema', 'checks[1].env.GATE_WORK_DIR']) {
      expect(r.stderr).toContain(`: ${where}: `);
    }
  });
});

describe('definition errors: an outputSchema gate would not honour whole', () => {
  it('a misspelt keyword or an unknown format is exit 2 at validate and at run, located, with a hint; nothing runs', async () => {
    const p = makeProject();
    const marker = path.join(p.root, 'ran');
    const text = `{"checks": [{"id": "a", "run": ["touch", ${JSON.stringify(marker)}],
  "outputSchema": {"typ": "object", "requird": ["d"], "properties": {"d": {"type": "string", "format": "date-tim"}}}}]}
`;
    p.gate('typo', text);
    const line2 = text.split('\n')[1] ?? '';
    for (const args of [['validate', 'typo'], ['run', 'typo', '--quiet'], ['run', 'typo', '--json']]) {
      const r = await gate(args, { cwd: p.root });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toContain(`gates/typo.json:2:${line2.indexOf('"typ"') + 1}: checks[0].outputSchema.typ: "typ" is not a keyword of JSON Schema draft-07, so it would check nothing\n`);
      expect(r.stderr).toContain('hint: did you mean "type"?');
      expect(r.stderr).toContain(`gates/typo.json:2:${line2.indexOf('"requird"') + 1}: checks[0].outputSchema.requird: `);
      expect(r.stderr).toContain(`gates/typo.json:2:${line2.indexOf('"date-tim"') + 1}: checks[0].outputSchema.properties.d.format: format "date-tim" is not one gate checks`);
      expect(r.stderr).toContain('hint: did you mean "date-time"?');
      expect(r.stderr).not.toContain('ignored in schema');
      expect(r.stderr).not.toMatch(STACK);
    }
    expect(existsSync(marker)).toBe(false);
    expect(existsSync(path.join(p.root, 'reports'))).toBe(false);
  });

  it('what ajv would stop at one by one is reported all at once, each at its keyword', async () => {
    const p = makeProject();
    const text = `{"id":"if","checks":[{"id":"c","run":["true"],"outputSchema":{"type":"object","properties":{"a":{"if":{"type":"string"}},"b":{"items":{},"additionalItems":false},"h":{"$ref":"#/$defs/no"}}}}]}\n`;
    p.gate('if', text);
    const r = await gate(['validate', 'if'], { cwd: p.root });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`gates/if.json:1:${text.indexOf('"if":{') + 1}: checks[0].outputSchema.properties.a.if: "if" without "then" or "else" would check nothing\n`);
    expect(r.stderr).toContain(`gates/if.json:1:${text.indexOf('"additionalItems"') + 1}: checks[0].outputSchema.properties.b.additionalItems: `);
    expect(r.stderr).toContain(`gates/if.json:1:${text.indexOf('"#/$defs/no"') + 1}: checks[0].outputSchema.properties.h.$ref: "$ref" "#/$defs/no" leads nowhere`);
    expect(r.stderr).not.toContain('checks[0].outputSchema: ');
  });

  it('a standard format is enforced, and ajv writes nothing to stderr', async () => {
    const p = makeProject();
    const outputSchema = { type: 'object', properties: { d: { type: 'string', format: 'date-time' } } };
    p.gate('fmt', { checks: [{ id: 'a', run: fixture('echo-json.mjs', '{"d":"not-a-date"}'), outputSchema }] });
    expect((await gate(['validate', 'fmt'], { cwd: p.root })).code).toBe(0);
    const r = await gate(['run', 'fmt', '--quiet'], { cwd: p.root });
    expect(r.code).toBe(3);
    expect(r.stderr).toBe('');
    const report = JSON.parse(readFileSync(path.join(p.root, 'reports/fmt_closeout/closeout.json'), 'utf8')) as { checks: { reason: string }[] };
    expect(report.checks[0]?.reason).toBe('output breaks its outputSchema: d: must match format "date-time", found "not-a-date"');
  });
});

describe('definition errors: assertion paths the outputSchema rules out', () => {
  it('[*] over an object is checked against its values: a possible path runs, one that cannot exist is refused', async () => {
    const p = makeProject();
    const outputSchema = { type: 'object', properties: { summary: { type: 'object', additionalProperties: { type: 'integer' } } } };
    const run = fixture('echo-json.mjs', '{"summary":{"lint":0,"test":0}}');
    p.gate('g', { checks: [{ id: 'a', run, outputSchema, expect: ['summary[*] == 0', 'count(summary[*]) == 2'] }] });
    const ok = await gate(['run', 'g'], { cwd: p.root });
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(p.report('g')).toMatchObject({ decision: 'GO' });
    expect(p.report('g').checks[0]?.assertions.map((a) => a.message)).toEqual(['summary[*] == 0: found [0,0]', 'count(summary[*]) == 2: found 2']);

    p.gate('bad', { checks: [{ id: 'a', run, outputSchema, expect: ['summary[*].x == 0'] }] });
    const bad = await gate(['validate', 'bad'], { cwd: p.root });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('checks[0].expect[0]: assertion path summary[*].x cannot exist in the output schema: summary[*] has type integer, so it has no property "x"');
  });
});
