/** One gate run through runGate, its dirs prepared as the CLI prepares them, for the tests of what a run records. */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import type { Gate } from '../../src/model/types.js';
import { planGate, type PlanOptions } from '../../src/plan/plan.js';
import { createRedactor } from '../../src/report/redact.js';
import { prepareReportDir } from '../../src/report/write.js';
import { prepareWorkDir, runGate, type GateRun, type RunGateOptions } from '../../src/run/run-gate.js';

/** Runs the checks of `gate` (one at a time unless `over` says otherwise), with its work dir and report dir (returned) under `root`. */
export async function runGateIn(root: string, gate: Gate, over: Partial<RunGateOptions> = {}, planOptions: PlanOptions = {}): Promise<GateRun & { reportDir: string }> {
  const planned = planGate(gate, planOptions);
  if (!planned.ok) throw new Error('plan refused');
  const workDir = path.join(root, 'work');
  const reportDir = path.join(root, 'reports');
  expect(await prepareWorkDir(workDir, undefined)).toBeUndefined();
  expect(await prepareReportDir(reportDir)).toEqual({ ok: true });
  const run = await runGate(gate, {
    plan: planned.plan,
    workDir,
    reportDir,
    jobs: 1,
    failFast: false,
    env: { PATH: process.env.PATH },
    abort: new AbortController().signal,
    progress: { runStarted() {}, checkStarted() {}, checkFinished() {} },
    redact: createRedactor([]),
    ...over,
  });
  return { ...run, reportDir };
}

/**
 * Calls `fn` with the temp dir (`TMPDIR`, where a run makes its scratch folder) set to a fresh
 * folder it is given, so a test can see what a run left there; then puts `TMPDIR` back and removes
 * the folder, whatever `fn` did.
 */
export async function withTempDir<T>(fn: (tmp: string) => Promise<T>): Promise<T> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'gate-test-tmpdir-'));
  const before = process.env.TMPDIR;
  process.env.TMPDIR = tmp;
  try {
    return await fn(tmp);
  } finally {
    if (before === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = before;
    rmSync(tmp, { recursive: true, force: true });
  }
}
