/** Temp projects with real gate files, for the load tests. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';
import type { Diagnostic } from '../../src/model/types.js';

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A fresh project folder (with `gates/`), removed after the test. Real path, so symlink checks compare like with like. */
export function tempProject(): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'gate-load-')));
  made.push(dir);
  fs.mkdirSync(path.join(dir, 'gates'));
  return dir;
}

/** Writes `gates/<name>.json`: a string as is, anything else as pretty JSON. Returns the text written. */
export function writeGate(root: string, name: string, content: unknown): string {
  const text = typeof content === 'string' ? content : `${JSON.stringify(content, null, 2)}\n`;
  fs.writeFileSync(path.join(root, 'gates', `${name}.json`), text);
  return text;
}

/** 1-based line:column of the `nth` occurrence of `needle` in `text`. */
export function where(text: string, needle: string, nth = 0): { line: number; column: number } {
  let at = -1;
  for (let i = 0; i <= nth; i++) {
    at = text.indexOf(needle, at + 1);
    if (at < 0) throw new Error(`${needle} not in text`);
  }
  const before = text.slice(0, at).split('\n');
  return { line: before.length, column: (before.at(-1) ?? '').length + 1 };
}

export function codes(diags: Diagnostic[]): string[] {
  return diags.map((d) => d.code);
}

export function find(diags: Diagnostic[], code: string): Diagnostic {
  const d = diags.find((x) => x.code === code);
  if (!d) throw new Error(`no ${code} in ${JSON.stringify(diags.map((x) => `${x.code} ${x.jsonPath}: ${x.message}`))}`);
  return d;
}

export const minimalCheck = (id: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({ id, run: ['node', 'check.mjs'], ...extra });
