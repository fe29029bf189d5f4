/** Report objects for renderer tests: every field filled, overridable. */
import { CHECK_STATUSES, type CheckResult, type CheckStatus, type Report } from '../../src/model/types.js';

export function makeCheck(id: string, status: CheckStatus, over: Partial<CheckResult> = {}): CheckResult {
  return {
    id,
    title: `Title of ${id}`,
    required: true,
    status,
    reasonCode: status === 'pass' ? 'passed' : 'exit-code',
    reason: `reason for ${id}`,
    attempts: 1,
    durationMs: 1234,
    exitCode: status === 'pass' ? 0 : null,
    signal: null,
    assertions: [],
    injected: false,
    evidence: [],
    signalsSent: [],
    leakedProcesses: false,
    notes: [],
    ...over,
  };
}

export function makeReport(checks: CheckResult[], over: Partial<Report> = {}): Report {
  const counts = Object.fromEntries(CHECK_STATUSES.map((s) => [s, 0])) as Record<CheckStatus, number>;
  for (const c of checks) counts[c.status] += 1;
  return {
    schemaVersion: 1,
    gate: { id: 'm28', title: 'Milestone 28', file: 'gates/m28.json', sha256: 'a'.repeat(64) },
    runId: 'run-2024-0001',
    startedAt: '2024-05-01T10:00:00.000Z',
    finishedAt: '2024-05-01T10:01:05.500Z',
    durationMs: 65_500,
    verdict: 'fail',
    decision: 'NO-GO',
    exitCode: 3,
    partial: false,
    requiredNotRun: [],
    summary: { total: checks.length, ...counts, requiredFailTotal: 0 },
    injected: [],
    checks,
    waivers: [],
    provenance: {
      gateVersion: '0.1.0',
      node: 'v20.11.0',
      platform: 'linux',
      gitCommit: 'deadbeefcafe',
      gateFileSha256: 'a'.repeat(64),
    },
    workDir: '/tmp/work',
    reportDir: '/tmp/work/reports',
    ...over,
  };
}
