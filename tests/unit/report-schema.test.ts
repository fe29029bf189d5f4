import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type * as z from 'zod';
import { jsonSchemaOf } from '../../src/cli/schema-command.js';
import { REASON_CODES, reportSchema } from '../../src/model/report-schema.js';
import type { ReasonCode, Report } from '../../src/model/types.js';
import { makeCheck, makeReport } from './report-fixture.js';

const reportJsonSchema = await jsonSchemaOf('report');

describe('the report model', () => {
  it('is the Report type, field for field', () => {
    // Checked by tsc (npm test type-checks the tests): a field added to one and not the other fails.
    // `branded`: compared deeply, so `{ a } & { b }` (the summary's type) equals `{ a; b }`.
    expectTypeOf<z.infer<typeof reportSchema>>().branded.toEqualTypeOf<Report>();
    expectTypeOf<(typeof REASON_CODES)[number]>().toEqualTypeOf<ReasonCode>();
  });

  const validate = new Ajv2020({ strict: true, allErrors: true }).compile(reportJsonSchema);

  it('accepts a report with every optional field filled', () => {
    const full = makeReport(
      [
        makeCheck('a', 'pass', {
          priority: 'P0',
          owner: 'ops',
          injectMode: 'exit',
          startedAt: '2024-05-01T10:00:00.000Z',
          finishedAt: '2024-05-01T10:00:01.000Z',
          assertions: [{ expr: 'ok == true', ok: true, message: 'ok == true', file: 'x.json' }],
          evidence: [{ path: 'out/x.json', sha256: 'b'.repeat(64), bytes: 3 }],
          signalsSent: [{ signal: 'SIGTERM', atMs: 10 }],
          leakedProcesses: true,
          cleanupSignals: [{ signal: 'SIGKILL', atMs: 20 }],
          stdout: { file: 'checks/a.stdout.txt', bytes: 3, sha256: 'c'.repeat(64), originalSha256: 'd'.repeat(64), originalBytes: 3, truncated: false },
          stderr: { file: 'checks/a.stderr.txt', bytes: 0, sha256: 'c'.repeat(64), originalBytes: 0, truncated: false },
          evidenceFile: { file: 'checks/a.evidence.json', bytes: 2, sha256: 'c'.repeat(64), originalBytes: 2, truncated: false },
        }),
        makeCheck('b', 'waived', { waivedStatus: 'fail', waiver: { reason: 'r', owner: 'o', expires: '2099-01-01' }, reasonCode: 'waived' }),
        makeCheck('c', 'blocked', { blockedBy: ['b'], reasonCode: 'blocked', exitCode: null, signal: null }),
      ],
      { handover: 'notes', injected: [{ checkId: 'a', mode: 'exit' }], waivers: [{ check: 'b', reason: 'r', expires: '2099-01-01', state: 'applied' }] },
    );
    expect(validate(JSON.parse(JSON.stringify(full))), JSON.stringify(validate.errors)).toBe(true);
  });

  it('refuses a field it does not know, and a wrong type', () => {
    const report = JSON.parse(JSON.stringify(makeReport([makeCheck('a', 'pass')]))) as Record<string, unknown>;
    expect(validate({ ...report, extra: 1 })).toBe(false);
    expect(validate({ ...report, decision: 'MAYBE' })).toBe(false);
    expect(validate({ ...report, schemaVersion: 2 })).toBe(false);
  });
});
