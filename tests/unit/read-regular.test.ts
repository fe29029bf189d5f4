import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readRegularText } from '../../src/util/read-regular.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'gate-read-regular-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readRegularText (a previous report a check may have replaced)', () => {
  it('reads a regular file', () => {
    writeFileSync(path.join(dir, 'closeout.json'), '{"runId":"r1"}\n');
    expect(readRegularText(path.join(dir, 'closeout.json'))).toBe('{"runId":"r1"}\n');
  });

  it('gives nothing for a FIFO, at once (no writer to wait for), a link, a folder or a missing name', () => {
    execFileSync('mkfifo', [path.join(dir, 'fifo.json')]);
    symlinkSync(path.join(dir, 'closeout.json'), path.join(dir, 'link.json'));
    for (const name of ['fifo.json', 'link.json', '.', 'missing.json']) expect(readRegularText(path.join(dir, name)), name).toBeUndefined();
  });
});
