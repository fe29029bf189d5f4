import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, describe, expect, it } from 'vitest';
import { fixture, gate, makeProject, REPO, signalOnceStarted, survivors } from './harness.js';

const STACK = /\n\s+at .+[:(]\d+/;
const readJson = (file: string): unknown => JSON.parse(readFileSync(file, 'utf8'));
// strictTuples off: `run` as an argv array is an open tuple (the program, then its arguments), which that lint refuses.
const ajv = () => new Ajv2020({ strict: true, strictTuples: false, allErrors: true });

/** A project with two gates: `g` (a small graph with an advisory check) and `h`. */
function twoGates() {
  const p = makeProject();
  p.gate('g', {
    title: 'G closeout',
    defaults: { timeoutMs: 30000 },
    checks: [
      { id: 'a', title: 'First', priority: 'P0', run: fixture('pass.mjs') },
      { id: 'b.x', title: 'Second "quoted"', dependsOn: ['a'], run: fixture('pass.mjs'), retries: 2, timeoutMs: 1500 },
      { id: 'c-y', dependsOn: ['a', 'b.x'], run: fixture('pass.mjs'), required: false },
    ],
  });
  p.gate('h', { checks: [{ id: 'only', run: fixture('pass.mjs') }] });
  return p;
}

describe('gate list', () => {
  it('shows each gate’s checks as a table', async () => {
    const p = twoGates();
    const r = await gate(['list'], { cwd: p.root });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('g — G closeout (gates/g.json, 3 checks)');
    expect(lines[1]).toMatch(/^ID +TITLE +PRIORITY +REQUIRED +DEPENDS ON +TIMEOUT +RETRIES$/);
    expect(lines[2]?.split(/ {2,}/)).toEqual(['a', 'First', 'P0', 'yes', '-', '30s', '0']);
    expect(lines[3]?.split(/ {2,}/)).toEqual(['b.x', 'Second "quoted"', '-', 'yes', 'a', '1500ms', '2']);
    expect(lines[4]?.split(/ {2,}/)).toEqual(['c-y', '-', '-', 'no', 'a,b.x', '30s', '0']);
    expect(r.stdout).toContain('\nh (gates/h.json, 1 check)\n');
  });

  it('gives the checks as data with --json, one entry a gate', async () => {
    const p = twoGates();
    const r = await gate(['list', 'g', '--json'], { cwd: p.root });
    expect(r.code).toBe(0);
    const body = JSON.parse(r.stdout) as { ok: boolean; gates: { id: string; file: string; checks: unknown[] }[]; diagnostics: unknown[] };
    expect(body.ok).toBe(true);
    expect(body.diagnostics).toEqual([]);
    expect(body.gates.map((g) => g.id)).toEqual(['g']);
    expect(body.gates[0]?.file).toBe('gates/g.json');
    expect(body.gates[0]?.checks).toEqual([
      { id: 'a', title: 'First', priority: 'P0', required: true, dependsOn: [], timeoutMs: 30000, retries: 0 },
      { id: 'b.x', title: 'Second "quoted"', priority: null, required: true, dependsOn: ['a'], timeoutMs: 1500, retries: 2 },
      { id: 'c-y', title: null, priority: null, required: false, dependsOn: ['a', 'b.x'], timeoutMs: 30000, retries: 0 },
    ]);
  });

  it('a gate file with problems is exit 2 with its diagnostics, as text or as data', async () => {
    const p = makeProject();
    p.gate('bad', { checks: [{ id: 'a', run: ['true'], timout: 5 }] });
    const text = await gate(['list', 'bad'], { cwd: p.root });
    expect(text.code).toBe(2);
    expect(text.stdout).toBe('');
    expect(text.stderr).toContain('checks[0].timout: unknown field "timout"');
    const json = await gate(['list', 'bad', '--json'], { cwd: p.root });
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, gates: [], diagnostics: [{ file: 'gates/bad.json', jsonPath: 'checks[0].timout' }] });
  });
});

describe('gate graph', () => {
  it('prints Mermaid by default: safe node ids, quoted labels, edges dependency → dependent, advisory dashed', async () => {
    const p = twoGates();
    const r = await gate(['graph', 'g'], { cwd: p.root });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        'flowchart LR',
        '  n_a["a<br/>First"]',
        '  n_b_x["b.x<br/>Second #34;quoted#34;"]',
        '  n_c_y["c-y<br/>(advisory)"]',
        '  n_a --> n_b_x',
        '  n_a --> n_c_y',
        '  n_b_x --> n_c_y',
        '  classDef advisory stroke-dasharray: 5 5',
        '  class n_c_y advisory',
        '',
      ].join('\n'),
    );
  });

  it('prints DOT with --format dot', async () => {
    const p = twoGates();
    const r = await gate(['graph', 'gates/g.json', '--format', 'dot'], { cwd: p.root });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        'digraph "g" {',
        '  rankdir=LR;',
        '  node [shape=box];',
        '  "a" [label="a\\nFirst"];',
        '  "b.x" [label="b.x\\nSecond \\"quoted\\""];',
        '  "c-y" [label="c-y\\n(advisory)", style=dashed];',
        '  "a" -> "b.x";',
        '  "a" -> "c-y";',
        '  "b.x" -> "c-y";',
        '}',
        '',
      ].join('\n'),
    );
  });

  it('with no gate named: draws the only gate, or asks which one when there are several', async () => {
    const one = makeProject();
    one.gate('solo', { checks: [{ id: 'x', run: ['true'], output: 'text' }] });
    const solo = await gate(['graph'], { cwd: one.root });
    expect(solo.code).toBe(0);
    expect(solo.stdout).toBe('flowchart LR\n  n_x["x"]\n');

    const several = await gate(['graph'], { cwd: twoGates().root });
    expect(several.code).toBe(2);
    expect(several.stdout).toBe('');
    expect(several.stderr).toContain('gates/ holds 2: g, h');
    expect(several.stderr).toContain('gate graph g');
  });

  it('an unknown format or gate is exit 2 with a suggestion', async () => {
    const p = twoGates();
    const format = await gate(['graph', 'g', '--format', 'mermiad'], { cwd: p.root });
    expect(format.code).toBe(2);
    expect(format.stderr).toContain('did you mean "mermaid"?');
    const missing = await gate(['graph', 'gg'], { cwd: p.root });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('did you mean "g"?');
    expect(missing.stderr).not.toMatch(STACK);
  });
});

describe('gate schema', () => {
  it('prints the gate file schema, the same bytes as the shipped gate.schema.json', async () => {
    for (const args of [['schema'], ['schema', 'gate']]) {
      const r = await gate(args, { cwd: REPO });
      expect(r.code).toBe(0);
      expect(r.stdout, 'run "npm run schema" after changing the gate file model').toBe(readFileSync(path.join(REPO, 'gate.schema.json'), 'utf8'));
    }
  });

  it('prints the report schema, the same bytes as the shipped schemas/closeout.schema.json', async () => {
    const r = await gate(['schema', 'report'], { cwd: REPO });
    expect(r.code).toBe(0);
    expect(r.stdout, 'run "npm run schema" after changing the report model').toBe(readFileSync(path.join(REPO, 'schemas/closeout.schema.json'), 'utf8'));
  });

  it('the shipped gate schema accepts the demo gate and catches what editors should underline', () => {
    const validate = ajv().compile(readJson(path.join(REPO, 'gate.schema.json')) as object);
    const m28 = readJson(path.join(REPO, 'gates/m28.json')) as { $schema: string; checks: Record<string, unknown>[] };
    expect(m28.$schema).toBe('../gate.schema.json');
    expect(validate(m28), JSON.stringify(validate.errors)).toBe(true);

    const withCheck = (extra: Record<string, unknown>) => ({ ...m28, checks: [{ ...m28.checks[0], ...extra }, ...m28.checks.slice(1)] });
    expect(validate(withCheck({ timeoutMS: 1000 }))).toBe(false);
    expect(validate.errors).toContainEqual(expect.objectContaining({ instancePath: '/checks/0', keyword: 'additionalProperties', params: { additionalProperty: 'timeoutMS' } }));
    expect(validate(withCheck({ retries: '2' }))).toBe(false);
    expect(validate.errors).toContainEqual(expect.objectContaining({ instancePath: '/checks/0/retries', keyword: 'type' }));
    expect(validate(withCheck({ retries: 11 }))).toBe(false);
  });

  it('an unknown kind is exit 2 with a suggestion', async () => {
    const r = await gate(['schema', 'reprot'], { cwd: REPO });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('did you mean "report"?');
  });
});

describe('closeout.json meets the published report schema', () => {
  const validate = ajv().compile(readJson(path.join(REPO, 'schemas/closeout.schema.json')) as object);
  const check = (id: string, run: string[], extra: Record<string, unknown> = {}) => ({ id, run, ...extra });

  it('for a GO, a NO-GO with every kind of failure, failure drills and an interrupted run', async () => {
    const p = makeProject();
    p.file('data/fixed.json', '{"n": 2}');
    p.gate('go', {
      title: 'All good',
      checks: [
        check('a', fixture('pass.mjs'), { expect: ['ok == true', { path: 'n', op: '>=', value: 1, file: 'data/fixed.json' }], priority: 'P0', owner: 'me' }),
        check('b', fixture('env-dump.mjs', '--to-evidence-file'), { dependsOn: ['a'], expect: ['env.GATE_CHECK_ID == b'] }),
        check('c', fixture('text.mjs'), { output: 'text' }),
        check('d', fixture('flaky.mjs', path.join(p.root, 'data/flaky-counter')), { retries: 1, retryDelayMs: 0 }),
        check('e', fixture('grandchild.mjs'), { expect: ['ok == true'] }),
      ],
      handover: 'notes',
    });
    p.gate('nogo', {
      checks: [
        check('fails', fixture('fail.mjs')),
        check('blocked', fixture('pass.mjs'), { dependsOn: ['fails'] }),
        check('slow', fixture('forever.mjs'), { timeoutMs: 300, killGraceMs: 200, output: 'text' }),
        // Printed its evidence, then timed out: its assertions are reported with the timeout.
        check('late', ['sh', '-c', `echo '{"ok":false}'; sleep 5`], { timeoutMs: 300, killGraceMs: 200, expect: ['ok == true'] }),
        check('bad', fixture('bad-json.mjs')),
        check('advisory', fixture('fail.mjs'), { required: false }),
        check('waived', fixture('fail.mjs')),
      ],
      waivers: [
        { check: 'waived', reason: 'known', owner: 'ops', expires: '2999-12-31' },
        { check: 'fails', reason: 'old', expires: '2000-01-01' },
      ],
    });
    p.gate('drill', { checks: [check('x', fixture('inject-aware.mjs')), check('y', fixture('pass.mjs'))] });
    p.gate('stop', { checks: [check('a', fixture('forever.mjs')), check('b', fixture('pass.mjs'), { dependsOn: ['a'] })] });
    const pidFile = path.join(p.root, 'data/state/stop_closeout/a/forever.pid');
    const interruptOnceStarted = signalOnceStarted(pidFile, 'SIGINT');

    const runs = [
      { args: ['run', 'go'], id: 'go', code: 0 },
      { args: ['run', 'nogo'], id: 'nogo', code: 3 },
      { args: ['run', 'nogo', '--fail-fast', '-j', '1'], id: 'nogo', code: 3 },
      { args: ['run', 'drill', '--inject-fail', 'x'], id: 'drill', code: 3 },
      { args: ['run', 'drill', '--inject-fail', 'y:crash', '--only', 'y'], id: 'drill', code: 3 },
      { args: ['run', 'stop'], id: 'stop', code: 130, onSpawn: interruptOnceStarted },
    ];
    const statuses = new Set<string>();
    for (const run of runs) {
      const r = await gate(run.args, { cwd: p.root, onSpawn: run.onSpawn });
      expect(r.code, `${run.args.join(' ')}\n${r.stderr}`).toBe(run.code);
      const report = readJson(path.join(p.root, 'reports', `${run.id}_closeout`, 'closeout.json')) as { checks: { status: string }[] };
      expect(validate(report), `${run.args.join(' ')}: ${JSON.stringify(validate.errors, null, 2)}`).toBe(true);
      for (const c of report.checks) statuses.add(c.status);
    }
    expect([...statuses].sort()).toEqual(['blocked', 'error', 'fail', 'flaky', 'interrupted', 'not-run', 'pass', 'skipped', 'timeout', 'waived']);
    expect(survivors(p.root)).toEqual([]);
  });
});

describe('gate init', () => {
  const made: string[] = [];
  afterAll(() => {
    for (const dir of made) rmSync(dir, { recursive: true, force: true });
  });
  const tempDir = () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'gate-init-'));
    made.push(dir);
    return dir;
  };
  const SCAFFOLD = ['checks/example.mjs', 'gate.schema.json', 'gates/example.json'];

  it('scaffolds a gate that validates, runs GO, and goes NO-GO under a failure drill', async () => {
    const dir = tempDir();
    const init = await gate(['init'], { cwd: dir });
    expect(init.code).toBe(0);
    expect(init.stderr).toBe('');
    for (const rel of SCAFFOLD) expect(init.stdout).toContain(rel);
    expect(init.stdout).toContain('gate run example');
    expect(init.stdout).not.toContain('cd ');
    expect(readdirSync(dir).sort()).toEqual(['checks', 'gate.schema.json', 'gates']);

    const validate = await gate(['validate'], { cwd: dir });
    expect(validate.code, validate.stderr).toBe(0);
    expect(validate.stdout).toContain('gates/example.json: ok');

    const run = await gate(['run', 'example'], { cwd: dir });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const report = readJson(path.join(dir, 'reports/example_closeout/closeout.json')) as { decision: string; checks: { status: string }[] };
    expect(report.decision).toBe('GO');
    expect(report.checks.map((c) => c.status)).toEqual(['pass', 'pass']);

    const drill = await gate(['run', 'example', '--inject-fail', 'EX-1'], { cwd: dir });
    expect(drill.code).toBe(3);
    const drilled = readJson(path.join(dir, 'reports/example_closeout/closeout.json')) as { checks: { id: string; status: string; reason: string }[] };
    expect(drilled.checks.map((c) => `${c.id} ${c.status}`)).toEqual(['EX-1 fail', 'EX-2 blocked']);
    expect(survivors(dir)).toEqual([]);
  });

  it('the scaffold’s "$schema" points at a copy of the shipped schema, which accepts it', async () => {
    const dir = tempDir();
    expect((await gate(['init'], { cwd: dir })).code).toBe(0);
    const gateFile = path.join(dir, 'gates/example.json');
    const body = readJson(gateFile) as { $schema: string };
    const schemaFile = path.resolve(path.dirname(gateFile), body.$schema);
    expect(readFileSync(schemaFile, 'utf8')).toBe(readFileSync(path.join(REPO, 'gate.schema.json'), 'utf8'));
    const validate = ajv().compile(readJson(schemaFile) as object);
    expect(validate(body), JSON.stringify(validate.errors)).toBe(true);
  });

  it('scaffolds into a named folder, creating it, and says to cd there', async () => {
    const dir = tempDir();
    const r = await gate(['init', 'new/project'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('in new/project');
    expect(r.stdout).toContain('cd new/project');
    for (const rel of SCAFFOLD) expect(existsSync(path.join(dir, 'new/project', rel)), rel).toBe(true);
    const run = await gate(['run', 'new/project/gates/example.json', '--quiet'], { cwd: dir });
    expect(run.code, run.stdout + run.stderr).toBe(0);
  });

  it('refuses to overwrite: when any scaffold file exists it writes nothing, exit 2, naming the file', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'gate.schema.json'), 'mine');
    const r = await gate(['init'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('gate.schema.json already exists; nothing written\n  hint: move it aside, or scaffold into a new folder with "gate init <dir>"\n');
    expect(readFileSync(path.join(dir, 'gate.schema.json'), 'utf8')).toBe('mine');
    expect(readdirSync(dir)).toEqual(['gate.schema.json']);

    const again = tempDir();
    expect((await gate(['init'], { cwd: again })).code).toBe(0);
    const before = SCAFFOLD.map((rel) => statSync(path.join(again, rel)).mtimeMs);
    const second = await gate(['init'], { cwd: again });
    expect(second.code).toBe(2);
    for (const rel of SCAFFOLD) expect(second.stderr).toContain(rel);
    expect(second.stderr).toContain('already exist; nothing written\n  hint: move them aside, or scaffold into a new folder with "gate init <dir>"\n');
    expect(SCAFFOLD.map((rel) => statSync(path.join(again, rel)).mtimeMs)).toEqual(before);
    expect(second.stderr).not.toMatch(STACK);
  });

  it('a file where a folder should be is exit 2, named with a hint, and nothing is written', async () => {
    const HINT = '  hint: move it away, or choose another directory with "gate init <dir>"\n';
    const cases: [string, string[], string][] = [
      // The folder itself is a file, a later folder is one, the target dir is one, a parent of it is one.
      ['i2/gates', ['init', 'i2'], 'cannot create the folder i2/gates: i2/gates exists and is not a folder; nothing written\n'],
      ['i2/checks', ['init', 'i2'], 'cannot create the folder i2/checks: i2/checks exists and is not a folder; nothing written\n'],
      ['i2', ['init', 'i2'], 'cannot create the folder i2/gates: i2 exists and is not a folder; nothing written\n'],
      ['i2', ['init', 'i2/deeper'], 'cannot create the folder i2/deeper/gates: i2 exists and is not a folder; nothing written\n'],
    ];
    for (const [file, args, message] of cases) {
      const dir = tempDir();
      mkdirSync(path.join(dir, path.dirname(file)), { recursive: true });
      writeFileSync(path.join(dir, file), 'not a folder');
      const r = await gate(args, { cwd: dir });
      expect(r.code, file).toBe(2);
      expect(r.stdout, file).toBe('');
      expect(r.stderr, file).toBe(`gate: ${message}${HINT}`);
      expect(readdirSync(dir, { recursive: true }).sort(), file).toEqual(file === 'i2' ? ['i2'] : ['i2', file]);
    }
  });
});

describe('help, version and suggestions', () => {
  it('every command has --help with an example, exit 0', async () => {
    for (const command of ['run', 'validate', 'list', 'graph', 'schema', 'init']) {
      const r = await gate([command, '--help'], { cwd: REPO });
      expect(r.code, command).toBe(0);
      expect(r.stdout, command).toContain(`Usage: gate ${command}`);
      expect(r.stdout, command).toMatch(new RegExp(`Examples:\\n {2}gate ${command}`));
    }
    const top = await gate(['--help'], { cwd: REPO });
    expect(top.code).toBe(0);
    for (const command of ['run', 'validate', 'list', 'graph', 'schema', 'init']) expect(top.stdout).toMatch(new RegExp(`\\n {2}${command} `));
    expect(top.stdout).toContain('Examples:');
    // `help` names a command too: help for it, help for help.
    for (const args of [['help'], ['help', 'help'], ['help', 'run']]) {
      const r = await gate(args, { cwd: REPO });
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout, args.join(' ')).toContain(args[1] === 'run' ? 'Usage: gate run' : 'Usage: gate [options] [command]');
      if (args[1] !== 'run') expect(r.stdout, args.join(' ')).toBe(top.stdout);
      expect(r.stderr, args.join(' ')).toBe('');
    }
  });

  it('the help shows what each option does when left out: --reporter is pretty, a list option never a bare []', async () => {
    const help = async (command: string) => (await gate([command, '--help'], { cwd: REPO })).stdout.replace(/\s+/g, ' ');
    const run = await help('run');
    expect(run).toContain('markdown, github; repeatable (default: pretty)');
    expect(run).toContain('run only these checks (comma-separated; repeatable) (default: every check)');
    expect(run).toContain('leave these checks out (comma-separated; repeatable) (default: none)');
    expect(run).toContain('crash); repeatable (default: none)');
    expect(await help('drill')).toContain('drill only these checks (comma-separated; repeatable) (default: every check)');
    for (const command of ['run', 'validate', 'list', 'graph', 'drill', 'schema', 'init']) expect(await help(command), command).not.toContain('(default: [])');
  });

  it('the synopses in README.md and docs/commands.md name every option of each command’s --help', async () => {
    /** A command's lines in the code blocks of a section: its own, and the indented ones that carry on from it. */
    const synopsis = (doc: string, heading: string, command: string) => {
      const text = readFileSync(path.join(REPO, doc), 'utf8');
      const section = text.slice(text.indexOf(`\n## ${heading}\n`)).split(/\n## /)[1] ?? '';
      const blocks = [...section.matchAll(/```\n([^`]*?)```/g)].map((m) => m[1]!.split('\n'));
      const found: string[] = [];
      for (const lines of blocks) {
        lines.forEach((line, i) => {
          if (!line.startsWith(`gate ${command} [`)) return;
          found.push(line);
          for (let j = i + 1; j < lines.length && /^\s+\[/.test(lines[j]!); j++) found.push(lines[j]!);
        });
      }
      return found.join(' ');
    };
    for (const command of ['run', 'validate', 'list', 'graph', 'drill', 'schema', 'init']) {
      const help = (await gate([command, '--help'], { cwd: REPO })).stdout;
      // A short flag where there is one (`-j N`), else the long one; --help is everywhere.
      const flags = [...help.matchAll(/^ {2}(?:(-\w), )?(--[\w-]+)/gm)].map((m) => m[1] ?? m[2]!).filter((f) => f !== '-h');
      const readme = synopsis('README.md', 'Commands', command);
      expect(readme, `README.md: gate ${command}`).not.toBe('');
      for (const flag of flags) expect(readme, `README.md: gate ${command} ${flag}`).toContain(`[${flag}`);
      // docs/commands.md gives `gate run [gate...] [options]` and sends the reader to the README for them.
      const docs = synopsis('docs/commands.md', `gate ${command}`, command);
      expect(docs, `docs/commands.md: gate ${command}`).not.toBe('');
      if (!docs.includes('[options]')) for (const flag of flags) expect(docs, `docs/commands.md: gate ${command} ${flag}`).toContain(`[${flag}`);
    }
  });

  it('--version prints the package version', async () => {
    const { version } = readJson(path.join(REPO, 'package.json')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const r = await gate([flag], { cwd: REPO });
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(`${version}\n`);
    }
  });

  it('an unknown command or option is exit 2 and suggests the nearest one', async () => {
    const cases: [string[], string][] = [
      [['lsit'], 'Did you mean list?'],
      [['help', 'lsit'], "gate: unknown command 'lsit'\n(Did you mean list?)"],
      [['grpah', 'm28'], 'Did you mean graph?'],
      [['shcema'], 'Did you mean schema?'],
      [['list', '--jsno'], 'Did you mean --json?'],
      [['graph', '--fromat', 'dot'], 'Did you mean --format?'],
      [['validate', '--josn'], 'Did you mean --json?'],
    ];
    for (const [args, hint] of cases) {
      const r = await gate(args, { cwd: REPO });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toContain(hint);
      expect(r.stderr).not.toMatch(STACK);
    }
  });

  it("a usage error of a command points to that command's own help, one of gate itself to gate's", async () => {
    for (const [args, help] of [
      [['run', 'm28', '--bogus'], 'gate run --help'],
      [['drill', 'm28', '-j', '0'], 'gate drill --help'],
      [['graph', '--format', 'svg'], 'gate graph --help'],
      [['lsit'], 'gate --help'],
      [['--bogus'], 'gate --help'],
    ] as const) {
      const r = await gate([...args], { cwd: REPO });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(new RegExp(`\\(run "${help}" for usage\\)\\n$`));
    }
  });
});
