import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { validateXML } from 'xmllint-wasm';
import { readFileSync } from 'node:fs';
import { byId, gate, REPO, survivors } from './harness.js';

// The demo runs in a copy of the repo's gates/ and fixtures/, so the tests never touch reports/ in the work tree.
const root = mkdtempSync(path.join(os.tmpdir(), 'gate-demo-'));
cpSync(path.join(REPO, 'gates'), path.join(root, 'gates'), { recursive: true });
cpSync(path.join(REPO, 'fixtures'), path.join(root, 'fixtures'), { recursive: true });
afterAll(() => rmSync(root, { recursive: true, force: true }));
const report = () => JSON.parse(readFileSync(path.join(root, 'reports/m28_closeout/closeout.json'), 'utf8')) as import('../../src/model/types.js').Report;
const ids = ['M28-1', 'M28-2', 'M28-3', 'M28-4', 'M28-5', 'M28-6', 'M28-7', 'M28-8'];

describe('the M28 demo closeout', () => {
  it('is GO: exit 0, every check passes, every report file is sound', async () => {
    const r = await gate(['run', 'm28'], { cwd: root });
    expect(r.code, r.stderr).toBe(0);
    const rep = report();
    expect(rep).toMatchObject({ verdict: 'pass', decision: 'GO', exitCode: 0, partial: false });
    expect(rep.checks.map((c) => [c.id, c.status])).toEqual(ids.map((id) => [id, 'pass']));
    expect(byId(rep, 'M28-1').assertions.find((a) => a.expr === 'profiles.prod.ok == true')).toMatchObject({ ok: true });
    expect(byId(rep, 'M28-2').assertions.find((a) => a.expr === 'startup_2.reason == active_run')).toMatchObject({ ok: true });
    const xsd = readFileSync(path.join(REPO, 'tests/junit-10.xsd'), 'utf8');
    const junit = readFileSync(path.join(root, 'reports/m28_closeout/junit.xml'), 'utf8');
    const valid = await validateXML({ xml: [{ fileName: 'junit.xml', contents: junit }], schema: [{ fileName: 'junit-10.xsd', contents: xsd }] });
    expect(valid.errors).toEqual([]);
    expect(readFileSync(path.join(root, 'reports/m28_closeout/closeout.md'), 'utf8')).toContain('GO');
    expect(survivors(root)).toEqual([]);
  });

  it('--json prints the report alone on stdout', async () => {
    const r = await gate(['run', 'm28', '--json'], { cwd: root });
    expect(r.code).toBe(0);
    const printed = JSON.parse(r.stdout) as { runId: string };
    expect(printed.runId).toBe(report().runId);
  });

  it.each(ids)('--inject-fail %s turns the gate red by the check\'s own fail path', async (id) => {
    const r = await gate(['run', 'm28', '--inject-fail', id], { cwd: root });
    expect(r.code).toBe(3);
    const rep = report();
    expect(rep.decision).toBe('NO-GO');
    const injected = byId(rep, id);
    expect(injected.injected).toBe(true);
    expect(injected.status).toBe('fail');
    expect(injected.reasonCode).not.toBe('injection-not-detected');
  });

  it('keeps earlier runs under history/', async () => {
    const { readdirSync } = await import('node:fs');
    expect(readdirSync(path.join(root, 'reports/m28_closeout/history')).length).toBeGreaterThan(0);
  });
});
