import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatDiagnostics } from '../../src/load/diagnostics.js';
import { loadEachGate, loadGate, loadGates, resolveGateFiles } from '../../src/load/load-gate.js';
import { codes, find, minimalCheck, tempProject, where, writeGate } from './load-fixture.js';

const must = async (file: string, cwd: string) => {
  const r = await loadGate(file, { cwd });
  if (!r.ok) throw new Error(formatDiagnostics(r.diagnostics));
  return r.gate;
};

describe('loadGate: a valid gate', () => {
  it('loads with defaults applied, ids, paths and hashes filled in', async () => {
    const root = tempProject();
    fs.mkdirSync(path.join(root, 'sub'));
    const text = writeGate(root, 'm28', {
      $schema: './gate.schema.json',
      title: 'M28 closeout',
      defaults: { timeoutMs: 60000 },
      env: { APP_ENV: 'dev' },
      envFile: { path: 'dev.env', values: { WORKERS: '2' } },
      checks: [
        minimalCheck('M28-1', { priority: 'P0', expect: ['profiles.prod.ok == true', { path: 'n', op: '>=', value: 2 }] }),
        minimalCheck('M28-3', { dependsOn: ['M28-1'], cwd: 'sub', retries: 2, required: false, output: 'text', expectExitCode: 3, injectFail: { env: { FORCE: '1' } } }),
        { id: 'sh', run: 'echo hi', shell: true, expectExitCode: [0, 1, 1], killGraceMs: 0 },
      ],
      waivers: [{ check: 'M28-3', reason: 'flaky on ARM', owner: 'ops', expires: '2026-12-31' }],
      redact: ['DB_PASS', 'DB_PASS'],
      handover: 'notes',
    });
    const gate = await must('gates/m28.json', root);

    expect(gate.id).toBe('m28');
    expect(gate.title).toBe('M28 closeout');
    expect(gate.file).toBe(path.join(root, 'gates', 'm28.json'));
    expect(gate.displayFile).toBe(path.join('gates', 'm28.json'));
    expect(gate.projectRoot).toBe(root);
    expect(gate.sha256).toBe(createHash('sha256').update(text).digest('hex'));
    expect(gate.env).toEqual({ APP_ENV: 'dev' });
    expect(gate.envFile).toEqual({ path: 'dev.env', values: { WORKERS: '2' } });
    expect(gate.redact).toEqual(['DB_PASS']);
    expect(gate.handover).toBe('notes');

    const [c1, c3, sh] = gate.checks;
    expect(c1).toMatchObject({
      id: 'M28-1', index: 0, priority: 'P0', run: ['node', 'check.mjs'], shell: false, cwd: root, env: {}, output: 'json',
      expectExitCode: [0], dependsOn: [], required: true, timeoutMs: 60000, retries: 0, retryDelayMs: 1000, killGraceMs: 2000, evidence: [],
    });
    expect(c1?.expect.map((a) => a.op)).toEqual(['==', '>=']);
    expect(c1?.expect[0]?.pathText).toBe('profiles.prod.ok');
    expect(c1?.injectFail).toBeUndefined();
    expect(c3).toMatchObject({ index: 1, cwd: path.join(root, 'sub'), retries: 2, required: false, output: 'text', expectExitCode: [3], dependsOn: ['M28-1'] });
    expect(c3?.injectFail).toEqual({ args: [], env: { FORCE: '1' } });
    expect(sh).toMatchObject({ run: 'echo hi', shell: true, expectExitCode: [0, 1], killGraceMs: 0, timeoutMs: 60000 });

    expect(gate.waivers).toHaveLength(1);
    expect(gate.waivers[0]?.expiresAt.toISOString()).toBe('2027-01-01T00:00:00.000Z');
  });

  it('uses the built-in defaults when the gate has none', async () => {
    const root = tempProject();
    writeGate(root, 'g', { checks: [minimalCheck('a')] });
    const [c] = (await must('gates/g.json', root)).checks;
    expect(c).toMatchObject({ timeoutMs: 300000, retries: 0, retryDelayMs: 1000, killGraceMs: 2000, output: 'json', expectExitCode: [0], required: true });
  });

  it('prefers an explicit id, and reads a date-time expiry as that instant', async () => {
    const root = tempProject();
    writeGate(root, 'file-name', {
      id: 'explicit',
      checks: [minimalCheck('a')],
      waivers: [{ check: 'a', reason: 'r', expires: '2026-06-01T12:00:00+02:00' }],
    });
    const gate = await must('gates/file-name.json', root);
    expect(gate.id).toBe('explicit');
    expect(gate.waivers[0]?.expiresAt.toISOString()).toBe('2026-06-01T10:00:00.000Z');
  });

  it('takes the file’s own folder as project root when it is not in gates/, and shows outside files absolutely', async () => {
    const root = tempProject();
    const elsewhere = tempProject();
    fs.writeFileSync(path.join(elsewhere, 'solo.json'), JSON.stringify({ checks: [minimalCheck('a')] }));
    const gate = await must(path.join(elsewhere, 'solo.json'), root);
    expect(gate.projectRoot).toBe(elsewhere);
    expect(gate.id).toBe('solo');
    expect(gate.displayFile).toBe(path.join(elsewhere, 'solo.json'));
  });

  it('resolves the project root the same from any current directory', async () => {
    const root = tempProject();
    writeGate(root, 'g', { checks: [minimalCheck('a', { cwd: '.' })] });
    const a = await must(path.join(root, 'gates', 'g.json'), '/');
    const b = await must('g.json', path.join(root, 'gates'));
    expect(a.projectRoot).toBe(root);
    expect(b.projectRoot).toBe(root);
    expect(a.checks[0]?.cwd).toBe(root);
  });

  it('accepts and strips a UTF-8 BOM; columns count from after it', async () => {
    const root = tempProject();
    const body = '{"checks": [{"id": "a", "run": ["x"]}]}';
    fs.writeFileSync(path.join(root, 'gates', 'bom.json'), Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(body)]));
    expect((await must('gates/bom.json', root)).checks[0]?.id).toBe('a');

    fs.writeFileSync(path.join(root, 'gates', 'bom2.json'), Buffer.from('\uFEFF{"checks": [], "timout": 1}'));
    const r = await loadGate('gates/bom2.json', { cwd: root });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(find(r.diagnostics, 'unknown-field')).toMatchObject({ line: 1, column: 16 });
  });
});

describe('resolveGateFiles', () => {
  it('maps ids to gates/<id>.json, keeps .json paths, and dedupes', async () => {
    const root = tempProject();
    writeGate(root, 'b', { checks: [minimalCheck('x')] });
    writeGate(root, 'a', { checks: [minimalCheck('x')] });
    const r = await resolveGateFiles(['b', 'gates/a.json', './gates/b.json'], { cwd: root });
    expect(r).toEqual({ ok: true, files: [path.join(root, 'gates', 'b.json'), path.join(root, 'gates', 'a.json')] });
  });

  it('with no arguments takes every gates/*.json, sorted, whatever it is (the loader refuses a folder), and nothing else', async () => {
    const root = tempProject();
    writeGate(root, 'm2', {});
    writeGate(root, 'm10', {});
    fs.writeFileSync(path.join(root, 'gates', 'notes.txt'), 'x');
    fs.mkdirSync(path.join(root, 'gates', 'dir.json'));
    const r = await resolveGateFiles([], { cwd: root });
    expect(r).toEqual({ ok: true, files: ['dir.json', 'm10.json', 'm2.json'].map((name) => path.join(root, 'gates', name)) });
  });

  it('with no arguments, a gates/*.JSON (another case) is a problem, never left out in silence', async () => {
    const root = tempProject();
    writeGate(root, 'a', {});
    fs.writeFileSync(path.join(root, 'gates', 'Rel.JSON'), '{"checks": []}');
    fs.writeFileSync(path.join(root, 'gates', 'b.Json'), '{"checks": []}');
    const r = await resolveGateFiles([], { cwd: root });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.files).toEqual([path.join(root, 'gates', 'a.json')]);
    expect(r.diagnostics.map((d) => [d.file, d.code, d.message, d.hint])).toEqual(
      ['Rel', 'b'].map((base) => {
        const name = base === 'b' ? 'b.Json' : 'Rel.JSON';
        return [
          `gates/${name}`,
          'gate-not-found',
          `not read as a gate file: its name ends in ${JSON.stringify(name.slice(-5))}, and gate files end in ".json", in lower case`,
          `rename it to gates/${base}.json, or move it out of gates/: with no gate named, every gates/*.json runs`,
        ];
      }),
    );
  });

  it('names the gates that exist when one is missing', async () => {
    const root = tempProject();
    writeGate(root, 'm28', {});
    writeGate(root, 'm29', {});
    const r = await resolveGateFiles(['m27', 'missing.json', '../escape'], { cwd: root });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(codes(r.diagnostics)).toEqual(['gate-not-found', 'gate-not-found', 'gate-not-found']);
    expect(r.diagnostics[0]).toMatchObject({ file: 'm27', line: 0 });
    expect(r.diagnostics[0]?.message).toContain('gates/m27.json does not exist');
    expect(r.diagnostics[0]?.hint).toContain('gates that exist: m28, m29');
    expect(r.diagnostics[1]?.message).toBe('no gate file at missing.json');
  });

  it('a path ending in .JSON (not lower case) is told to end in .json, not listed among the ids', async () => {
    const root = tempProject();
    writeGate(root, 'm28', {});
    fs.writeFileSync(path.join(root, 'gates', 'Rel.JSON'), '{}');
    const r = await resolveGateFiles(['gates/Rel.JSON'], { cwd: root });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.diagnostics[0]).toMatchObject({
      code: 'gate-not-found',
      message: '"gates/Rel.JSON" is neither a gate id nor a path ending in .json',
      hint: 'gate takes a path whose name ends in ".json", in lower case: rename the file to gates/Rel.json',
    });
  });

  it('a file name ending in .JSON with no folder (Rel.JSON, which is also id-shaped) is told to end in .json when that file is there', async () => {
    const root = tempProject();
    writeGate(root, 'm28', {});
    fs.writeFileSync(path.join(root, 'Rel.JSON'), '{}');
    const r = await resolveGateFiles(['Rel.JSON', 'm28.JSON'], { cwd: root });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.diagnostics[0]).toMatchObject({
      code: 'gate-not-found',
      message: 'no gate "Rel.JSON": gates/Rel.JSON.json does not exist',
      hint: 'gate takes a path whose name ends in ".json", in lower case: rename the file to Rel.json',
    });
    // No such file: an id, as before.
    expect(r.diagnostics[1]?.hint).toContain('did you mean "m28"?');
  });

  it('says so when there are no gates at all', async () => {
    const root = tempProject();
    const r = await resolveGateFiles([], { cwd: root });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.diagnostics[0]?.code).toBe('gate-not-found');
    expect(r.diagnostics[0]?.hint).toContain('create gates/<id>.json');
    expect(r.diagnostics[0]?.hint).toContain('gate init');
  });
});

describe('loadGates', () => {
  it('loads every gate in order', async () => {
    const root = tempProject();
    writeGate(root, 'b', { checks: [minimalCheck('x')] });
    writeGate(root, 'a', { checks: [minimalCheck('x')] });
    const r = await loadGates([], { cwd: root });
    expect(r.ok && r.gates.map((g) => g.id)).toEqual(['a', 'b']);
  });

  it('collects every problem of every file', async () => {
    const root = tempProject();
    writeGate(root, 'a', { checks: [minimalCheck('x', { timout: 1 })] });
    writeGate(root, 'b', { checks: [minimalCheck('x', { retries: 11 }), minimalCheck('x')] });
    writeGate(root, 'c', '{ nope');
    const r = await loadGates([], { cwd: root });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.diagnostics.map((d) => `${d.file} ${d.code}`)).toEqual([
      `${path.join('gates', 'a.json')} unknown-field`,
      `${path.join('gates', 'b.json')} out-of-range`,
      `${path.join('gates', 'b.json')} duplicate-id`,
      `${path.join('gates', 'c.json')} invalid-json`,
    ]);
    const text = formatDiagnostics(r.diagnostics);
    expect(text.trimEnd().split('\n').at(-1)).toBe('4 problems in 3 files (gates/a.json, gates/b.json, gates/c.json); nothing ran.');
  });

  it('reports one gate id used by two files, at the second file’s id', async () => {
    const root = tempProject();
    writeGate(root, 'a', { checks: [minimalCheck('x')] });
    const text = writeGate(root, 'b', { id: 'a', checks: [minimalCheck('x')] });
    const r = await loadGates([], { cwd: root });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.diagnostics).toHaveLength(1);
    expect(r.diagnostics[0]).toMatchObject({ code: 'duplicate-gate-id', file: path.join('gates', 'b.json'), jsonPath: 'id', ...where(text, '"a"') });
  });

  it('reports gate ids that differ only in case, as check ids: their report and work dirs are one on macOS and Windows', async () => {
    const root = tempProject();
    writeGate(root, 'a', { id: 'Ok', checks: [minimalCheck('x')] });
    const text = writeGate(root, 'b', { id: 'ok', checks: [minimalCheck('x')] });
    const r = await loadGates([], { cwd: root });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.diagnostics).toHaveLength(1);
    expect(r.diagnostics[0]).toMatchObject({
      code: 'duplicate-gate-id',
      file: path.join('gates', 'b.json'),
      jsonPath: 'id',
      message: `gate id "ok" differs only in case from "Ok" (${path.join('gates', 'a.json')}): on macOS and Windows their report and work dirs would be one`,
      ...where(text, '"ok"'),
    });
  });
});

  it('reports a gate id used twice also when the second file has another problem: every problem at once', async () => {
    const root = tempProject();
    writeGate(root, 'a', { id: 'x', checks: [minimalCheck('c')] });
    const text = writeGate(root, 'b', { id: 'x', checks: [minimalCheck('c', { timout: 5 })] });
    const r = await loadGates([], { cwd: root });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.diagnostics.map((d) => `${d.file} ${d.code}`)).toEqual([`${path.join('gates', 'b.json')} duplicate-gate-id`, `${path.join('gates', 'b.json')} unknown-field`]);
    expect(r.diagnostics[0]).toMatchObject({ jsonPath: 'id', message: `gate id "x" is also the id of ${path.join('gates', 'a.json')}`, ...where(text, '"x"') });
  });

  it('reports a gate id used twice also when the first file has a problem: the second is not ok', async () => {
    const root = tempProject();
    writeGate(root, 'a', { id: 'x', checks: [minimalCheck('c', { timout: 5 })] });
    const text = writeGate(root, 'b', { checks: [minimalCheck('c')], id: 'x' });
    const r = await loadEachGate([], { cwd: root });
    expect(r.gates).toEqual([]);
    expect(r.diagnostics.map((d) => `${d.file} ${d.code}`)).toEqual([`${path.join('gates', 'a.json')} unknown-field`, `${path.join('gates', 'b.json')} duplicate-gate-id`]);
    expect(r.diagnostics[1]).toMatchObject({ jsonPath: 'id', message: `gate id "x" is also the id of ${path.join('gates', 'a.json')}`, ...where(text, '"x"') });
  });

  it('reports a gate id taken from the file name used twice, when the file with it has a problem', async () => {
    const root = tempProject();
    writeGate(root, 'a', { checks: [minimalCheck('c')] });
    writeGate(root, 'b', { id: 'a', checks: [minimalCheck('c', { timout: 5 })] });
    writeGate(root, 'c', { id: 'a', checks: [] });
    const r = await loadGates([], { cwd: root });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.diagnostics.map((d) => `${d.file} ${d.code}`)).toEqual([
      `${path.join('gates', 'b.json')} duplicate-gate-id`,
      `${path.join('gates', 'b.json')} unknown-field`,
      `${path.join('gates', 'c.json')} duplicate-gate-id`,
      `${path.join('gates', 'c.json')} invalid-value`,
    ]);
  });
