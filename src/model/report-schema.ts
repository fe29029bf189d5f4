/**
 * `closeout.json` as a zod model: the `Report` type of types.ts, field for field, strict
 * everywhere. It exists to be published (`gate schema report` turns it into a JSON Schema
 * with `z.toJSONSchema`), not to parse reports gate writes itself. A unit test holds it equal
 * to `Report` at the type level, and an end-to-end test validates real reports against the
 * published schema, so the two cannot drift.
 */
import * as z from 'zod';
import type { ReasonCode } from './types.js';
import { CHECK_STATUSES, type CheckStatus } from './types.js';

const sha256 = z.string().regex(/^[0-9a-f]{64}$/).describe('sha256, lower-case hex.');
const instant = (description: string) => z.string().describe(`${description} (ISO 8601 date-time, UTC).`);
const count = (description: string) => z.int().min(0).describe(description);

/** Every `ReasonCode`: the list is checked against the union in report-schema.test.ts. */
export const REASON_CODES = [
  'passed',
  'passed-on-retry',
  'assertion-failed',
  'exit-code',
  'timeout',
  'crashed',
  'not-startable',
  'invalid-json',
  'no-json-output',
  'output-too-large',
  'unreadable-evidence',
  'output-schema',
  'evidence-missing',
  'injection-not-detected',
  'blocked',
  'filtered',
  'fail-fast',
  'interrupted',
  'waived',
  'internal-error',
] as const satisfies readonly ReasonCode[];

const status = z.enum(CHECK_STATUSES as [CheckStatus, ...CheckStatus[]]);
const injectMode = z.enum(['declared', 'exit', 'timeout', 'bad-json', 'crash']);

const capturedOutput = z
  .strictObject({
    file: z.string().describe('Relative to the report dir.'),
    bytes: count('Size of the kept file.'),
    sha256: sha256.describe('sha256 of the kept file.'),
    originalSha256: sha256.optional().describe('sha256 of the whole output, secrets masked as in the kept file; absent for an output over the 1 GiB output limit, which is not hashed.'),
    originalBytes: count('Size of the whole output, secrets masked as in the kept file (what `originalSha256` is of; with no `originalSha256`, its size as written); more than `bytes` when it was truncated.'),
    truncated: z.boolean(),
  })
  .describe('A captured output as the report keeps it.');

const signalSent = z.strictObject({ signal: z.string(), atMs: count('Milliseconds after the attempt started.') });

const assertionResult = z.strictObject({
  expr: z.string().describe('The assertion as written.'),
  ok: z.boolean(),
  message: z.string().describe('One line: the expression and what was found.'),
  file: z.string().optional().describe('The file the assertion read, when it named one.'),
});

const checkResult = z
  .strictObject({
    id: z.string(),
    title: z.string().optional(),
    priority: z.enum(['P0', 'P1', 'P2', 'P3']).optional(),
    owner: z.string().optional(),
    required: z.boolean().describe('false for an advisory check.'),
    status,
    reasonCode: z.enum(REASON_CODES).describe('Stable kebab-case identity of the reason.'),
    reason: z.string().describe('One line a person reads first.'),
    attempts: count('Attempts made (0 when the check did not start).'),
    durationMs: count('Time spent, in milliseconds: every attempt and retry delay up to the last attempt\'s exit, not the time spent ending what attempts left behind.'),
    exitCode: z.int().nullable().describe('Exit code of the last attempt, when it exited.'),
    signal: z.string().nullable().describe('Signal that ended the last attempt, when one did.'),
    assertions: z.array(assertionResult),
    injected: z.boolean(),
    injectMode: injectMode.optional(),
    blockedBy: z.array(z.string()).optional().describe('For `blocked`: the chain back to the check that did not pass.'),
    waivedStatus: status.optional().describe('The status before a waiver covered it.'),
    waiver: z.strictObject({ reason: z.string(), owner: z.string().optional(), expires: z.string() }).optional(),
    startedAt: instant('When the first attempt started').optional(),
    finishedAt: instant('When the last attempt ended: its process exited (ending what it left behind came after)').optional(),
    evidence: z.array(z.strictObject({ path: z.string(), sha256, bytes: count('Size of the file, secrets masked as for the sha256.') })).describe('Evidence files, hashed with the gate\'s secrets masked (as they are when there are none).'),
    signalsSent: z.array(signalSent).describe('Signals that ended the check itself (timeout, interruption, output flood).'),
    leakedProcesses: z.boolean().describe('Processes of the check were still alive after it exited, and were ended.'),
    cleanupSignals: z.array(signalSent).optional().describe('Signals sent to the processes the check left behind, after it exited.'),
    notes: z.array(z.string()),
    stdout: capturedOutput.optional(),
    stderr: capturedOutput.optional(),
    evidenceFile: capturedOutput.optional().describe('The JSON document the check wrote to $GATE_EVIDENCE_FILE: whole, also what processes it left behind wrote there after it exited (only what was there at its exit is judged).'),
  })
  .describe('One check’s result.');

const summary = z
  .strictObject({
    total: count('Checks in the gate.'),
    requiredFailTotal: count('Required checks that do not count as passing.'),
    ...(Object.fromEntries(CHECK_STATUSES.map((s) => [s, count(`Checks with status ${s}.`)])) as Record<CheckStatus, z.ZodInt>),
  })
  .describe('Counts: the total, one per status, and the required checks that do not count as passing.');

export const reportSchema = z
  .strictObject({
    schemaVersion: z.literal(1),
    gate: z.strictObject({ id: z.string(), title: z.string().optional(), file: z.string(), sha256 }),
    runId: z.string(),
    startedAt: instant('When the run started'),
    finishedAt: instant('When the run ended'),
    durationMs: count('Wall time of the run, in milliseconds.'),
    verdict: z.enum(['pass', 'fail', 'aborted']),
    decision: z.enum(['GO', 'NO-GO']),
    exitCode: z.int().describe('The exit code gate returned for this gate.'),
    partial: z.boolean().describe('true when --only / --skip left required checks out.'),
    requiredNotRun: z.array(z.string()).describe('Required checks the filters left out.'),
    summary,
    injected: z.array(z.strictObject({ checkId: z.string(), mode: injectMode })).describe('Failure drills of this run.'),
    checks: z.array(checkResult),
    waivers: z.array(
      z.strictObject({
        check: z.string(),
        reason: z.string(),
        owner: z.string().optional(),
        expires: z.string(),
        state: z.enum(['applied', 'unused', 'expired']),
      }),
    ),
    handover: z.string().optional().describe('Notes for the next milestone, in Markdown.'),
    provenance: z.strictObject({
      gateVersion: z.string(),
      node: z.string(),
      platform: z.string(),
      gitCommit: z.string().nullable(),
      gateFileSha256: sha256,
    }),
    workDir: z.string(),
    reportDir: z.string(),
  })
  .describe('closeout.json: a gate run’s report.');
