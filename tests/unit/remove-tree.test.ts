import { lstatSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { openOwnFolders } from '../../src/util/remove-tree.js';

/** While set, /proc says each descriptor is at this path: a folder on the way swapped for a link since the walk listed it. */
const elsewhere = vi.hoisted(() => ({ at: undefined as string | undefined }));
vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs')>();
  const readlinkSync = ((target: Parameters<typeof real.readlinkSync>[0], options?: Parameters<typeof real.readlinkSync>[1]) =>
    elsewhere.at !== undefined && String(target).startsWith('/proc/self/fd/') ? elsewhere.at : real.readlinkSync(target, options)) as typeof real.readlinkSync;
  return { ...real, readlinkSync, default: { ...real, readlinkSync } };
});

const root = mkdtempSync(path.join(os.tmpdir(), 'gate-remove-tree-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
afterEach(() => {
  elsewhere.at = undefined;
});

const mode = (p: string) => lstatSync(p).mode & 0o7777;

/** A tree with a read-only folder (holding a file) and an unreadable one, as a check may leave them. */
function lockedTree(name: string): { tree: string; ro: string; closed: string } {
  const tree = path.join(root, name);
  const ro = path.join(tree, 'ro');
  const closed = path.join(ro, 'closed');
  mkdirSync(closed, { recursive: true });
  writeFileSync(path.join(closed, 'f'), 'x');
  chmodSync(closed, 0o000);
  chmodSync(ro, 0o555);
  return { tree, ro, closed };
}

describe.runIf(process.platform === 'linux')('opening up gate’s own folders before removing them again (Linux)', () => {
  it('gives each folder of the tree that this user owns its owner’s permissions, unreadable ones included', () => {
    const { tree, ro, closed } = lockedTree('plain');
    expect(openOwnFolders(tree)).toBe(true);
    expect(mode(ro)).toBe(0o700);
    expect(mode(closed)).toBe(0o700);
  });

  it('changes nothing that /proc says is outside the tree (a folder on the way swapped for a link meanwhile)', () => {
    const { tree, ro, closed } = lockedTree('swapped');
    const outside = mkdtempSync(path.join(os.tmpdir(), 'gate-remove-tree-outside-'));
    try {
      elsewhere.at = outside;
      expect(openOwnFolders(tree)).toBe(false);
      expect(mode(ro)).toBe(0o555);
      expect(mode(closed)).toBe(0o000);
    } finally {
      elsewhere.at = undefined;
      rmSync(outside, { recursive: true, force: true });
    }
  });
});
