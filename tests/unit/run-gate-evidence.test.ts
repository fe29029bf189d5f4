import { mkdirSync, mkdtempSync, realpathSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAssertion } from '../../src/assert/parse.js';
import type { Assertion } from '../../src/model/types.js';
import { makeCheck, makeGate } from './gate-fixture.js';
import { runGateIn } from './run-gate-fixture.js';

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});
/** An assertion on the JSON document in `file`. */
function fileAssertion(expr: string, file: string): Assertion {
  const parsed = parseAssertion(expr);
  if (!parsed.ok) throw new Error(expr);
  return { ...parsed.assertion, file };
}

/** A project root of its own (its real path, as the loader gives it). */
const freshRoot = (prefix = 'gate-run-evidence-') => {
  const root = realpathSync(mkdtempSync(path.join(os.tmpdir(), prefix)));
  made.push(root);
  return root;
};

/** dist/app.json holding {"ok":true}, last written an hour ago: from before any run. */
function hourOldAppJson(root: string): void {
  mkdirSync(path.join(root, 'dist'));
  const file = path.join(root, 'dist/app.json');
  writeFileSync(file, '{"ok":true}');
  const hourAgo = new Date(Date.now() - 3_600_000);
  utimesSync(file, hourAgo, hourAgo);
}

describe('evidence written by the check or its dependencies, during this run', () => {
  it('counts a file an earlier check of the run wrote, however long before the check that reads it started', async () => {
    const root = freshRoot();
    // `build` goes on after writing: by the time `test` starts, the file is well older than `test`, not than the run.
    const build = `mkdir -p dist && echo '{"ok":true}' > dist/app.json && sleep 0.3`;
    const gate = makeGate(
      [
        makeCheck('build', { run: ['sh', '-c', build], output: 'text', cwd: root }),
        makeCheck('test', { run: ['true'], output: 'text', dependsOn: ['build'], evidence: ['dist/app.json'], cwd: root }),
        makeCheck('test2', { run: ['sh', '-c', 'echo {}'], dependsOn: ['build'], expect: [fileAssertion('ok == true', 'dist/app.json')], cwd: root }),
      ],
      { projectRoot: root },
    );
    const { report } = await runGateIn(root, gate);
    const [, test, test2] = report.checks;
    expect(test).toMatchObject({ status: 'pass', evidence: [{ path: 'dist/app.json' }] });
    expect(test2).toMatchObject({ status: 'pass', notes: [] });
    expect(report.decision).toBe('GO');
  });

  it('counts a file a dependency of a dependency wrote, but not one an unrelated check wrote before the check started', async () => {
    const root = freshRoot();
    // Each writer goes on after writing: the check that reads starts well after the file was last written.
    const write = (name: string) => `mkdir -p out && echo '{"ok":true}' > out/junit-${name}.xml && sleep 0.3`;
    const gate = makeGate(
      [
        makeCheck('a', { run: ['sh', '-c', write('a')], output: 'text', cwd: root }),
        makeCheck('b', { run: ['true'], output: 'text', evidence: ['out/junit-*.xml'], cwd: root }),
        makeCheck('b2', { run: ['sh', '-c', 'echo {}'], expect: [fileAssertion('ok == true', 'out/junit-a.xml')], cwd: root }),
        makeCheck('build', { run: ['sh', '-c', write('build')], output: 'text', cwd: root }),
        makeCheck('mid', { run: ['true'], output: 'text', dependsOn: ['build'], cwd: root }),
        makeCheck('test', { run: ['true'], output: 'text', dependsOn: ['mid'], evidence: ['out/junit-build.xml'], cwd: root }),
      ],
      { projectRoot: root },
    );
    const { report } = await runGateIn(root, gate);
    const byId = new Map(report.checks.map((c) => [c.id, c]));
    // `b` has no dependencies: `a`'s file, written before `b` started, is not its evidence.
    expect(byId.get('b')).toMatchObject({
      status: 'fail',
      reasonCode: 'evidence-missing',
      reason: 'evidence missing or unreadable: "out/junit-*.xml (only files older than this check and its dependencies)"',
      evidence: [],
    });
    expect(byId.get('b2')).toMatchObject({ status: 'pass', notes: ['out/junit-a.xml is older than this check and its dependencies: its assertions read what was there before they started'] });
    expect(byId.get('test')).toMatchObject({ status: 'pass', evidence: [{ path: 'out/junit-build.xml' }] });
    expect(report.decision).toBe('NO-GO');
  });

  it('counts a file a check it does not depend on wrote after its chain started, though before the check itself started', async () => {
    const root = freshRoot();
    // One at a time: `build`, then `other` (file order), then `test`, which starts well after `other` wrote its file.
    const gate = makeGate(
      [
        makeCheck('build', { run: ['true'], output: 'text', cwd: root }),
        makeCheck('other', { run: ['sh', '-c', `mkdir -p out && echo '{"ok":true}' > out/other.json && sleep 0.3`], output: 'text', cwd: root }),
        makeCheck('test', { run: ['true'], output: 'text', dependsOn: ['build'], evidence: ['out/other.json'], cwd: root }),
      ],
      { projectRoot: root },
    );
    const { report } = await runGateIn(root, gate);
    const [, other, test] = report.checks;
    expect(Date.parse(test!.startedAt!)).toBeGreaterThan(Date.parse(other!.startedAt!));
    expect(test).toMatchObject({ status: 'pass', evidence: [{ path: 'out/other.json' }] });
  });

  it('does not count a file last written before the run started, and says so truthfully', async () => {
    const root = freshRoot();
    hourOldAppJson(root);
    const gate = makeGate(
      [
        makeCheck('test', { run: ['true'], output: 'text', evidence: ['dist/app.json'], cwd: root }),
        makeCheck('test2', { run: ['sh', '-c', 'echo {}'], expect: [fileAssertion('ok == true', 'dist/app.json')], cwd: root }),
      ],
      { projectRoot: root },
    );
    const { report } = await runGateIn(root, gate);
    const [test, test2] = report.checks;
    expect(test).toMatchObject({ status: 'fail', reasonCode: 'evidence-missing', reason: 'evidence missing or unreadable: "dist/app.json (only files older than this check and its dependencies)"' });
    expect(test2).toMatchObject({ status: 'pass' });
    expect(test2!.notes).toEqual(['dist/app.json is older than this check and its dependencies: its assertions read what was there before they started']);
  });

  it('does not count a file from before the run as evidence because an assertion reads it too', async () => {
    const root = freshRoot();
    hourOldAppJson(root);
    const gate = makeGate(
      [makeCheck('test', { run: ['sh', '-c', 'echo {}'], expect: [fileAssertion('ok == true', 'dist/app.json')], evidence: ['dist/app.json', './dist/*.json'], cwd: root })],
      { projectRoot: root },
    );
    const { report } = await runGateIn(root, gate);
    const [test] = report.checks;
    expect(test).toMatchObject({
      status: 'fail',
      reasonCode: 'evidence-missing',
      reason: 'evidence missing or unreadable: "dist/app.json (only files older than this check and its dependencies)", "./dist/*.json (only files older than this check and its dependencies)"',
      assertions: [{ ok: true }],
      evidence: [{ path: 'dist/app.json' }],
    });
  });
});

describe('evidence never leads out of the project root, not even through a link a check made', () => {
  /** A folder outside the project root holding a fresh `o.json`, as a check could point a link at. */
  const outside = () => {
    const dir = freshRoot('outside_');
    writeFileSync(path.join(dir, 'o.json'), '{"s":1}');
    return dir;
  };

  it('refuses a file a check linked to outside the root: the assertion and the evidence do not hold, each naming the link and where it points', async () => {
    const root = freshRoot();
    const out = outside();
    const target = path.join(out, 'o.json');
    const link = `ln -sf ${target} f.json; touch ${target}; echo {}`;
    const gate = makeGate(
      [
        makeCheck('a', { run: ['sh', '-c', link], expect: [fileAssertion('s == 1', 'f.json')], cwd: root }),
        makeCheck('b', { run: ['sh', '-c', link], evidence: ['f.json'], cwd: root }),
      ],
      { projectRoot: root },
    );
    const { report } = await runGateIn(root, gate);
    const [a, b] = report.checks;
    const why = `a symbolic link to ${target}, outside the project root`;
    expect(a).toMatchObject({ status: 'fail', reasonCode: 'assertion-failed', reason: `s == 1: cannot read f.json: ${why}`, evidence: [] });
    expect(b).toMatchObject({ status: 'fail', reasonCode: 'evidence-missing', reason: `evidence missing or unreadable: "f.json (${why})"`, evidence: [] });
    expect(report.decision).toBe('NO-GO');
  });

  it('refuses a glob match reached through a linked folder outside the root, naming the link', async () => {
    const root = freshRoot();
    const out = outside();
    const gate = makeGate([makeCheck('b', { run: ['sh', '-c', `ln -s ${out} ext; touch ${out}/o.json`], output: 'text', evidence: ['ext/*.json'], cwd: root })], { projectRoot: root });
    const { report } = await runGateIn(root, gate);
    expect(report.checks[0]).toMatchObject({
      status: 'fail',
      reasonCode: 'evidence-missing',
      reason: `evidence missing or unreadable: "ext/o.json (ext is a symbolic link to ${out}, outside the project root)"`,
      evidence: [],
    });
  });

  it('does not follow a linked folder outside the root while it looks for matches, and still follows links inside it', async () => {
    const root = freshRoot();
    const out = outside();
    // same.json links to a file no glob matches; alias/in.json and real/in.json are one file, listed once (by its first match).
    const make = `mkdir -p real && echo '{}' > real/in.json && echo '{}' > real/in.txt && ln -s real alias && ln -s real/in.txt same.json && ln -s ${out} ext && touch ${out}/o.json`;
    const gate = makeGate([makeCheck('b', { run: ['sh', '-c', make], output: 'text', evidence: ['**/*.json'], cwd: root })], { projectRoot: root });
    const { report } = await runGateIn(root, gate);
    const b = report.checks[0]!;
    expect(b).toMatchObject({ status: 'pass' });
    expect(b.evidence.map((e) => e.path).sort()).toEqual(['alias/in.json', 'same.json']);
  });
});

describe('one file, listed and hashed once', () => {
  it('lists a file once however globs, spellings, links and assertion files name it, under the first spelling', async () => {
    const root = freshRoot();
    // The check writes them: realin/y.json, realin/z.json, and inlink, a link to realin inside the root.
    const write = `mkdir -p realin && echo '{"ok":true}' > realin/y.json && echo '{"n":1}' > realin/z.json && ln -s realin inlink`;
    const gate = makeGate(
      [
        makeCheck('a', {
          run: ['sh', '-c', `${write} && echo '{}'`],
          evidence: ['realin/z.json', 'realin/*.json', './realin/z.json', 'inlink/z.json'],
          expect: [fileAssertion('ok == true', 'inlink/y.json'), fileAssertion('ok == true', 'realin/y.json'), fileAssertion('ok exists', './realin/../inlink/y.json')],
          cwd: root,
        }),
      ],
      { projectRoot: root },
    );
    const { report } = await runGateIn(root, gate);
    const [a] = report.checks;
    expect(a?.status).toBe('pass');
    // The assertions' file first (as it was first spelled), then what the globs add.
    expect(a?.evidence.map((e) => e.path)).toEqual(['inlink/y.json', 'realin/z.json']);
    expect(a?.assertions.map((x) => x.file)).toEqual(['inlink/y.json', 'realin/y.json', './realin/../inlink/y.json']);
  });
});

describe('evidence that is there but not a regular file', () => {
  it('says why for each match: a FIFO, a directory, a dangling link, by name or by glob', async () => {
    const root = freshRoot();
    const make = 'mkfifo f2.json && mkdir d.json && ln -s nowhere.json dl.json && mkdir out && mkfifo out/p.json && echo \'{}\' > ok.json';
    const gate = makeGate(
      [makeCheck('a', { run: ['sh', '-c', make], output: 'text', evidence: ['f2.json', 'd.json', 'dl.json', 'out/*.json', 'ok.json', 'none/*.json'], cwd: root })],
      { projectRoot: root },
    );
    const { report } = await runGateIn(root, gate);
    expect(report.checks[0]).toMatchObject({
      status: 'fail',
      reasonCode: 'evidence-missing',
      reason:
        'evidence missing or unreadable: "f2.json (not a regular file (a FIFO))", "d.json (not a regular file (a directory))", ' +
        '"dl.json (a symbolic link to nowhere.json, which does not exist)", "out/p.json (not a regular file (a FIFO))", "none/*.json"',
      evidence: [{ path: 'ok.json' }],
    });
    expect(report.checks[0]!.reason).not.toContain('\n');
  });

  it('names five of them for one glob and counts the rest', async () => {
    const root = freshRoot();
    const gate = makeGate([makeCheck('a', { run: ['sh', '-c', 'mkdir -p many/1 many/2 many/3 many/4 many/5 many/6 many/7'], output: 'text', evidence: ['many/*'], cwd: root })], { projectRoot: root });
    const { report } = await runGateIn(root, gate);
    const named = [1, 2, 3, 4, 5].map((n) => `"many/${n} (not a regular file (a directory))"`).join(', ');
    expect(report.checks[0]).toMatchObject({ status: 'fail', reason: `evidence missing or unreadable: ${named}, "many/* (2 more that are not regular files)"` });
  });
});
