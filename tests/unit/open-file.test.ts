import { closeSync, mkdirSync, mkdtempSync, openSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkOpened, EVIDENCE_OPEN_FLAGS, pathToOpen } from '../../src/judge/open-file.js';

const base = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'gate-open-file-')));
afterAll(() => rmSync(base, { recursive: true, force: true }));
const root = path.join(base, 'root');
const outside = path.join(base, 'outside_X');
mkdirSync(path.join(root, 'real'), { recursive: true });
mkdirSync(outside);
writeFileSync(path.join(root, 'real/in.json'), '{}');
writeFileSync(path.join(outside, 'o.json'), '{}');
symlinkSync(path.join(outside, 'o.json'), path.join(root, 'f.json'));
symlinkSync(outside, path.join(root, 'ext'));
symlinkSync('real/in.json', path.join(root, 'same.json'));

describe('opening a file a check left in the project', () => {
  it('follows links that stay inside the root, to the real path', () => {
    expect(pathToOpen(path.join(root, 'same.json'), root)).toEqual({ ok: true, path: path.join(root, 'real/in.json') });
  });

  it('refuses a link out of the root, naming the link (the file itself, or a folder on its way) and where it points', () => {
    expect(pathToOpen(path.join(root, 'f.json'), root)).toEqual({ ok: false, message: `a symbolic link to ${outside}/o.json, outside the project root` });
    expect(pathToOpen(path.join(root, 'ext/o.json'), root)).toEqual({ ok: false, message: `ext is a symbolic link to ${outside}, outside the project root` });
  });

  it('without a root (a file of gate\'s own), opens no link at all', () => {
    expect(pathToOpen(path.join(root, 'same.json'))).toEqual({ ok: false, message: 'not a regular file (a symbolic link)' });
  });

  it('refuses a descriptor that leads outside the root after all (a folder swapped for a link once the real path was found)', () => {
    const fd = openSync(path.join(outside, 'o.json'), EVIDENCE_OPEN_FLAGS);
    try {
      expect(checkOpened(fd, path.join(root, 'real/in.json'), root)).toEqual({
        ok: false,
        message: `it changed while gate opened it and leads outside the project root (to ${outside}/o.json)`,
      });
      expect(checkOpened(fd, path.join(outside, 'o.json'))).toMatchObject({ ok: true });
    } finally {
      closeSync(fd);
    }
  });
});
