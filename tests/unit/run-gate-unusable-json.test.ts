import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
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
const freshRoot = () => {
  const root = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'gate-run-unusable-json-')));
  made.push(root);
  return root;
};
function assertion(expr: string): Assertion {
  const parsed = parseAssertion(expr);
  if (!parsed.ok) throw new Error(expr);
  return parsed.assertion;
}

describe('a check whose JSON evidence cannot be used says why in words, not in reason codes', () => {
  it('names an empty stdout, and where invalid JSON goes wrong, when the exit code was wrong too', async () => {
    const root = freshRoot();
    const gate = makeGate(
      [
        makeCheck('empty', { run: ['sh', '-c', 'exit 1'], expect: [assertion('ok == true')], cwd: root }),
        makeCheck('trace', { run: ['sh', '-c', 'echo "Traceback (most recent call last):"; exit 1'], expect: [assertion('ok == true')], cwd: root }),
      ],
      { projectRoot: root },
    );
    const { report } = await runGateIn(root, gate);
    const [empty, trace] = report.checks;
    expect(empty).toMatchObject({
      status: 'fail',
      reason: 'exit code 1, expected 0',
      notes: ['no usable JSON evidence either: stdout is empty'],
      assertions: [{ ok: false, message: 'ok == true: no JSON evidence: stdout is empty' }],
    });
    expect(trace).toMatchObject({ status: 'fail', reason: 'exit code 1, expected 0' });
    expect(trace!.notes).toEqual([expect.stringMatching(/^no usable JSON evidence either: invalid JSON in stdout: line 1, column 1: /)]);
    expect(trace!.assertions[0]!.message).toMatch(/^ok == true: no JSON evidence: invalid JSON in stdout: line 1, column 1: /);
    for (const text of [...empty!.notes, ...trace!.notes, ...[empty, trace].flatMap((c) => c!.assertions.map((a) => a.message))]) {
      expect(text).not.toMatch(/no-json-output|invalid-json/);
    }
  });

  it('names the problem in the assertions of a check whose exit code was right', async () => {
    const root = freshRoot();
    const gate = makeGate([makeCheck('empty', { run: ['true'], expect: [assertion('ok == true')], cwd: root })], { projectRoot: root });
    const { report } = await runGateIn(root, gate);
    expect(report.checks[0]).toMatchObject({
      status: 'error',
      reasonCode: 'no-json-output',
      assertions: [{ ok: false, message: 'ok == true: no JSON evidence: stdout is empty' }],
    });
  });
});
