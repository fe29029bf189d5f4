import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { prepareWorkDir } from '../../src/run/run-gate.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'gate-prepare-work-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('prepareWorkDir and the env file', () => {
  it('writes the env file in a folder of its own under the work dir', async () => {
    const work = path.join(root, 'work-1');
    expect(await prepareWorkDir(work, { path: 'sub/deeper/app.env', values: { B: '2', A: '1' } })).toBeUndefined();
    expect(readFileSync(path.join(work, 'sub/deeper/app.env'), 'utf8')).toBe('A=1\nB=2\n');
  });

  it('refuses a folder on the way that a check turned into a link out of the work dir: the file there is untouched', async () => {
    const work = path.join(root, 'work-2');
    expect(await prepareWorkDir(work, { path: 'sub/app.env', values: { A: '1' } })).toBeUndefined();
    const outside = path.join(root, 'outside');
    mkdirSync(outside);
    writeFileSync(path.join(outside, 'app.env'), 'precious\n');
    rmSync(path.join(work, 'sub'), { recursive: true });
    symlinkSync(outside, path.join(work, 'sub'));
    const problem = await prepareWorkDir(work, { path: 'sub/app.env', values: { A: '1' } });
    expect(problem).toBe(`work dir ${work}: ${path.join(work, 'sub')} is a symbolic link; gate does not write the env file through links (remove it)`);
    expect(readFileSync(path.join(outside, 'app.env'), 'utf8')).toBe('precious\n');
  });
});
