import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateXML } from 'xmllint-wasm';
import { fixture, gate, makeProject, REPO, survivors } from './harness.js';

// Set by the test runner, and Node warns when a child gets both: these tests set what they need.
for (const name of ['FORCE_COLOR', 'NO_COLOR', 'GITHUB_ACTIONS', 'GITHUB_STEP_SUMMARY']) delete process.env[name];

const ESC = '\u001b';
const CURSOR = /\u001b\[\d*[ABCDJK]/;
const check = (id: string, run: string[] | string, extra: object = {}) => ({ id, run, ...extra });
const linesOf = (text: string) => text.split(/\r\n|\r|\n/);

describe('gate run on a terminal surface: CI, quiet, verbose, colour', () => {
  it('CI=true: one plain line per event, no escape sequences; the summary names failures, their output and the verdict last', async () => {
    const p = makeProject();
    p.gate('g', {
      checks: [
        check('a', fixture('pass.mjs')),
        check('b', fixture('echo-json.mjs', '{"go_no_go":"no_go"}'), { expect: ['go_no_go == "go"'], dependsOn: ['a'] }),
      ],
    });
    const r = await gate(['run', 'g', '-j', '1'], { cwd: p.root });
    expect(r.code).toBe(3);
    expect(r.stderr + r.stdout).not.toContain(ESC);
    expect(linesOf(r.stderr)).toEqual([
      'gate g: running 2 checks (-j 1)',
      '  start  a',
      expect.stringMatching(/^ {2}pass {3}a \(\d+(\.\d)? m?s\)$/),
      '  start  b',
      expect.stringMatching(/^ {2}fail {3}b \(.+\): go_no_go == "go": found "no_go"$/),
      '',
    ]);
    expect(linesOf(r.stdout)).toEqual([
      '  fail b: go_no_go == "go": found "no_go"',
      '    output: reports/g_closeout/checks/b.stdout.txt',
      expect.stringMatching(/^gate g: NO-GO: 1 pass, 1 fail in /),
      '  report: reports/g_closeout/closeout.md',
      '',
    ]);
    expect(existsSync(path.join(p.root, 'reports/g_closeout/checks/b.stdout.txt'))).toBe(true);
  });

  it('--quiet prints the verdict line alone', async () => {
    const p = makeProject();
    p.gate('g', { checks: [check('a', fixture('fail.mjs'))] });
    const r = await gate(['run', 'g', '--quiet'], { cwd: p.root, env: { GITHUB_ACTIONS: 'true' } });
    expect(r.code).toBe(3);
    expect(r.stderr).toBe('');
    expect(linesOf(r.stdout)).toEqual([expect.stringMatching(/^gate g: NO-GO: 1 fail in /), '']);
  });

  it('--quiet quiets gate’s own view only: a reporter named with --reporter prints in full', async () => {
    const p = makeProject();
    p.gate('g', { checks: [check('a', fixture('fail.mjs'))] });
    const junit = await gate(['run', 'g', '--quiet', '--reporter', 'junit'], { cwd: p.root });
    expect(junit.code).toBe(3);
    expect(junit.stderr).toBe('');
    expect(junit.stdout).toBe(p.reportFile('g', 'junit.xml'));
    const github = await gate(['run', 'g', '--quiet', '--reporter', 'github'], { cwd: p.root, env: { GITHUB_ACTIONS: 'true' } });
    expect(github.code).toBe(3);
    expect(github.stderr).toBe('');
    expect(linesOf(github.stdout)).toContainEqual(expect.stringMatching(/^::error title=g%3A a::fail: /));
    expect(github.stdout).not.toMatch(/^gate g: NO-GO/m);
    // `pretty` is gate's own summary: --quiet cuts it to the verdict line, the others follow in full.
    const both = await gate(['run', 'g', '--quiet', '--reporter', 'pretty', '--reporter', 'markdown'], { cwd: p.root });
    expect(both.stderr).toBe('');
    expect(both.stdout).toBe(`${linesOf(both.stdout)[0]}\n${p.reportFile('g', 'closeout.md')}`);
    expect(linesOf(both.stdout)[0]).toMatch(/^gate g: NO-GO: 1 fail in /);
  });

  it('--reporter junit with several gates prints one JUnit document holding a testsuite a gate, valid against the XSD', async () => {
    const p = makeProject();
    p.gate('g1', { checks: [check('a', fixture('pass.mjs')), check('b', fixture('fail.mjs'))] });
    p.gate('g2', { checks: [check('a', fixture('pass.mjs'))] });
    p.gate('g3', { checks: [check('a', fixture('crash.mjs'))] });
    const r = await gate(['run', '--quiet', '--reporter', 'junit'], { cwd: p.root });
    expect(r.code).toBe(3);
    expect(r.stderr).toBe('');
    expect(r.stdout.match(/<\?xml /g)).toHaveLength(1);
    expect(r.stdout.match(/<testsuites /g)).toHaveLength(1);
    expect([...r.stdout.matchAll(/<testsuite name="([^"]+)"/g)].map((m) => m[1])).toEqual(['g1', 'g2', 'g3']);
    expect(r.stdout).toMatch(/<testsuites name="gate" tests="4" failures="1" errors="1" time="\d+\.\d{3}">/);
    // Each gate's suite as its own junit.xml has it.
    for (const id of ['g1', 'g2', 'g3']) {
      const own = p.reportFile(id, 'junit.xml');
      expect(r.stdout).toContain(own.slice(own.indexOf('  <testsuite '), own.lastIndexOf('</testsuites>')));
    }
    const xsd = readFileSync(path.join(REPO, 'tests/junit-10.xsd'), 'utf8');
    const valid = await validateXML({ xml: [{ fileName: 'junit.xml', contents: r.stdout }], schema: [{ fileName: 'junit-10.xsd', contents: xsd }] });
    expect(valid.errors).toEqual([]);
  });

  it("--quiet and --json say nothing of a wait for another run's lock, run and drill alike; giving up is still said", async () => {
    const p = makeProject();
    p.gate('g', { checks: [check('a', fixture('pass.mjs'))] });
    // Another run's lock, fresh (a lock is stale only after 10 s unrefreshed), in report dirs gate made.
    for (const dir of ['reports/g_closeout', 'reports/g_drill']) {
      p.file(`${dir}/.gate-report-dir`, 'made by gate\n');
      mkdirSync(path.join(p.root, dir, '.gate.lock'));
    }
    const env = { GATE_LOCK_TIMEOUT_MS: '100' };
    const gaveUp = (dir: string) => `gate: report dir ${path.join(p.root, dir)} is in use by another gate run (lock ${path.join(p.root, dir, '.gate.lock')}); gave up after 100 ms\nnothing ran.\n`;
    for (const args of [['run', 'g', '--quiet'], ['run', 'g', '--json'], ['run', 'g', '--quiet', '--reporter', 'junit']]) {
      const r = await gate(args, { cwd: p.root, env });
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr, args.join(' ')).toBe(gaveUp('reports/g_closeout'));
      expect(r.stdout, args.join(' ')).toBe('');
    }
    const drill = await gate(['drill', 'g', '--json'], { cwd: p.root, env });
    expect(drill.code).toBe(1);
    expect(drill.stderr).toBe(gaveUp('reports/g_drill'));
    // Without them, the wait is said before it begins.
    const plain = await gate(['run', 'g'], { cwd: p.root, env });
    expect(plain.stderr).toBe(`gate: report dir ${path.join(p.root, 'reports/g_closeout')} is in use by another gate run; waiting up to 100 ms\n${gaveUp('reports/g_closeout')}`);
  });

  it("--verbose streams each check's output as it is written, prefixed with its id, secrets masked", async () => {
    const p = makeProject();
    const release = path.join(p.root, 'release');
    p.gate('g', { checks: [check('a', fixture('workflow-commands.mjs', '--wait', release), { output: 'text' })] });
    let released = false;
    const r = await gate(['run', 'g', '--verbose'], {
      cwd: p.root,
      env: { NOISY_SECRET: 'hunter2-is-secret', MY_API_TOKEN: 'hunter2-is-secret', NOISY_EXIT: '0' },
      onSpawn: (child) => {
        let seen = '';
        child.stderr?.on('data', (d: Buffer) => {
          seen += d.toString();
          // The check is still running (it waits for this file): its output arrived while it ran.
          if (!released && seen.includes('[a] ready\n')) {
            released = true;
            writeFileSync(release, '');
          }
        });
      },
    });
    expect(released).toBe(true);
    expect(r.code).toBe(0);
    const lines = linesOf(r.stderr);
    expect(lines).toContain('[a] ::error::pwned');
    expect(lines).toContain('[a:err] ##[set-output name=x]y');
    expect(lines).toContain('[a] secret=[REDACTED]');
    expect(lines).toContain('[a:err] secret=[REDACTED]');
    expect(r.stderr + r.stdout).not.toContain('hunter2');
    // Streamed before the check's own result line.
    expect(lines.indexOf('[a] ready')).toBeLessThan(lines.findIndex((l) => l.startsWith('  pass   a')));
    expect(survivors(p.root)).toEqual([]);
  });

  it('FORCE_COLOR colours the output even into a pipe, without moving the cursor; NO_COLOR and FORCE_COLOR=0 keep it plain', async () => {
    const p = makeProject();
    p.gate('g', { checks: [check('a', fixture('pass.mjs')), check('b', fixture('fail.mjs'))] });
    const forced = await gate(['run', 'g'], { cwd: p.root, env: { FORCE_COLOR: '1' } });
    expect(forced.stdout).toContain(`${ESC}[31mfail${ESC}[39m`);
    expect(forced.stderr).toContain(`${ESC}[32mpass`);
    expect(forced.stdout + forced.stderr).not.toMatch(CURSOR);
    for (const over of [{ NO_COLOR: '1' }, { FORCE_COLOR: '0' }] as Record<string, string>[]) {
      const plain = await gate(['run', 'g'], { cwd: p.root, env: over });
      expect(plain.code).toBe(3);
      expect(plain.stdout + plain.stderr).not.toContain(ESC);
    }
  });
});

describe('gate run: refused combinations', () => {
  it('--json with another reporter, an empty --only/--skip, --quiet with --verbose: usage errors, nothing runs', async () => {
    const p = makeProject();
    const marker = path.join(p.root, 'ran');
    p.gate('g', { checks: [check('a', ['touch', marker], { output: 'text' })] });
    const cases: [string[], RegExp][] = [
      [['--json', '--reporter', 'junit'], /--json prints the report JSON alone on stdout, so it cannot go with --reporter junit/],
      [['--reporter', 'json', '--reporter', 'markdown'], /--reporter json prints the report JSON alone/],
      [['--only', ''], /--only <ids>' argument '' is invalid\. expected at least one check id/],
      [['--skip', ' , '], /--skip <ids>' argument ' , ' is invalid/],
      [['--quiet', '--verbose'], /choose one/],
    ];
    for (const [args, message] of cases) {
      const r = await gate(['run', 'g', ...args], { cwd: p.root });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).toBe('');
    }
    expect(existsSync(marker)).toBe(false);
  });
});

describe('gate run under GitHub Actions', () => {
  const waivedGate = (p: ReturnType<typeof makeProject>) => {
    const soon = new Date(Date.now() + 2 * 24 * 3600 * 1000).toISOString().slice(0, 10);
    p.gate('g', {
      checks: [
        check('a', fixture('pass.mjs')),
        check('b', fixture('echo-json.mjs', '{"go_no_go":"no_go"}'), { expect: ['go_no_go == "go"'] }),
        check('lint', fixture('text.mjs', '1'), { output: 'text', required: false }),
        check('c', fixture('fail.mjs')),
      ],
      waivers: [
        { check: 'c', reason: 'known flake', owner: 'ops', expires: soon },
        { check: 'a', reason: 'long gone', expires: '2001-01-01' },
      ],
    });
  };

  it('--reporter github prints escaped annotations on stdout and appends the Markdown report to $GITHUB_STEP_SUMMARY', async () => {
    const p = makeProject();
    waivedGate(p);
    const summary = p.file('step-summary.md', '# Earlier step\n');
    const r = await gate(['run', 'g', '--reporter', 'github'], { cwd: p.root, env: { GITHUB_STEP_SUMMARY: summary } });
    expect(r.code).toBe(3);
    const annotations = linesOf(r.stdout).filter(Boolean);
    expect(annotations).toEqual([
      expect.stringMatching(/^::error title=gate g%3A NO-GO::g: NO-GO: 4 checks, 1 required not passing; report: reports\/g_closeout\/closeout\.md$/),
      expect.stringMatching(/^::error title=g%3A b::fail: go_no_go == "go": found "no_go"%0Aoutput: reports\/g_closeout\/checks\/b\.stdout\.txt%0Areport: /),
      expect.stringMatching(/^::warning title=g%3A lint::fail \(advisory\): exit code 1, expected 0%0Aoutput: /),
      expect.stringMatching(/^::warning title=g%3A c::waiver expires \d{4}-\d\d-\d\d \(within [23] days\): known flake \(owner: ops\)$/),
      '::warning title=g%3A a::waiver expired (2001-01-01) and covers nothing: long gone',
    ]);
    const appended = readFileSync(summary, 'utf8');
    expect(appended.startsWith('# Earlier step\n\n# ❌ NO-GO')).toBe(true);
    expect(appended).toBe(`# Earlier step\n\n${p.reportFile('g', 'closeout.md')}`);
  });

  it('a step summary that cannot be written is a warning, not a failure', async () => {
    const p = makeProject();
    p.gate('g', { checks: [check('a', fixture('pass.mjs'))] });
    const r = await gate(['run', 'g'], { cwd: p.root, env: { GITHUB_STEP_SUMMARY: path.join(p.root, 'no/such/dir/summary.md') } });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/gate: warning: could not append to \$GITHUB_STEP_SUMMARY .*ENOENT/);
  });

  it('nothing a check prints becomes a workflow command; only gate\'s own annotations are commands', async () => {
    const p = makeProject();
    p.gate('g', {
      title: '::error::title',
      checks: [check('noisy', fixture('workflow-commands.mjs'), { output: 'text' }), check('json', fixture('echo-json.mjs', '{"m":"##[error]x"}'), { expect: ['m == "::error::y"'] })],
    });
    const r = await gate(['run', 'g', '--verbose', '--reporter', 'pretty', '--reporter', 'markdown', '--reporter', 'junit'], {
      cwd: p.root,
      env: { GITHUB_ACTIONS: 'true', CI: 'true' },
    });
    expect(r.code).toBe(3);
    // The check's lines did reach the output (neutralised), through verbose streaming and the reports' tails.
    expect(r.stderr).toContain('[noisy] ::error::pwned');
    expect(r.stdout).toContain('\u2423::error::pwned');
    const own = /^::(error|warning|notice) title=[^:\r\n]*::[^\r\n]*$/;
    const commands = [...linesOf(r.stdout), ...linesOf(r.stderr)].filter((l) => /^\s*::/.test(l) || l.includes('##['));
    expect(commands.length).toBeGreaterThan(0);
    for (const line of commands) expect(line, line).toMatch(own);
    // gate's own: the verdict, the two failing checks (on stderr: stdout carries the chosen reporters).
    expect(linesOf(r.stderr).filter((l) => own.test(l))).toHaveLength(3);
    expect(r.stderr.split('\n').filter((l) => l.startsWith('::add-mask'))).toEqual([]);

    const json = await gate(['run', 'g', '--json'], { cwd: p.root, env: { GITHUB_ACTIONS: 'true' } });
    expect(json.stdout).not.toContain('##[');
    expect(JSON.parse(json.stdout)).toEqual(p.report('g'));
  });
});
