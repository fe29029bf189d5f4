/**
 * An assertion's `file` is hashed for the report as it was judged. A process a check left behind can still
 * be writing it: here, every open of the file after the judge read it finds it rewritten, as such a process
 * would leave it, and the report must still hash the content that was judged.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { parseAssertion } from '../../src/assert/parse.js';
import type { Assertion } from '../../src/model/types.js';
import { createRedactor } from '../../src/report/redact.js';
import { makeCheck, makeGate } from './gate-fixture.js';
import { runGateIn } from './run-gate-fixture.js';

/** The files rewritten (with what) when gate next opens them through node:fs/promises. */
const rewrites = vi.hoisted(() => new Map<string, string>());
vi.mock('node:fs/promises', async (original) => {
  const fsp = await original<typeof import('node:fs/promises')>();
  const { writeFileSync: write } = await import('node:fs');
  const open: typeof fsp.open = async (file, ...rest) => {
    const content = rewrites.get(String(file));
    if (content !== undefined) write(String(file), content);
    return fsp.open(file, ...rest);
  };
  return { ...fsp, open, default: { ...fsp, open } };
});

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
function fileAssertion(expr: string, file: string): Assertion {
  const parsed = parseAssertion(expr);
  if (!parsed.ok) throw new Error(expr);
  return { ...parsed.assertion, file };
}

describe("an assertion's file is hashed as it was judged", () => {
  // Small documents are parsed whole; from 1 MiB they are projected onto what the assertions need.
  it.each([
    ['a small document', 0],
    ['a document of 1 MiB and more', 1024 * 1024 + 7],
  ])('%s: the sha256 in the report is of the bytes the assertions read, even when the file changes after', async (_, pad) => {
    const root = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'gate-file-hash-')));
    made.push(root);
    const file = path.join(root, 'data.json');
    const judged = JSON.stringify({ ok: true, token: 'tok-3xK9q', pad: '.'.repeat(pad) });
    // The same size, another verdict: what a process left behind might turn it into.
    rewrites.set(file, judged.replace('"ok":true', '"ok":null'));
    writeFileSync(path.join(root, 'judged.json'), judged);
    const gate = makeGate(
      [makeCheck('a', { run: ['sh', '-c', 'cp judged.json data.json && echo {}'], expect: [fileAssertion('ok == true', 'data.json')], cwd: root })],
      { projectRoot: root, env: { API_TOKEN: 'tok-3xK9q' } },
    );
    const parse = vi.spyOn(JSON, 'parse');
    const { report } = await runGateIn(root, gate, { redact: createRedactor([]) });
    rewrites.delete(file);
    // A large document is still projected, never parsed whole, for being hashed as it was read.
    const wholeParses = parse.mock.calls.filter(([text]) => typeof text === 'string' && text.length >= 1024 * 1024);
    parse.mockRestore();
    expect(wholeParses).toHaveLength(0);
    const a = report.checks[0]!;
    expect(a).toMatchObject({ status: 'pass', assertions: [{ ok: true, message: 'ok == true: found true' }] });
    // The gate's secret is masked in what is hashed, as for every evidence file.
    const masked = judged.replace('tok-3xK9q', '[REDACTED]');
    expect(a.evidence).toEqual([{ path: 'data.json', sha256: sha256(masked), bytes: Buffer.byteLength(masked) }]);
  });
});
