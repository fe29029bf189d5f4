import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatDiagnostics } from '../../src/load/diagnostics.js';
import { loadGate } from '../../src/load/load-gate.js';
import { tempProject } from './load-fixture.js';

/** Whatever the file holds, loading gives a value (a gate or diagnostics, each with a hint), never an exception. */
describe('loadGate never throws', () => {
  const gateish = fc.record(
    {
      id: fc.oneof(fc.string(), fc.jsonValue()),
      checks: fc.oneof(
        fc.array(
          fc.record(
            {
              id: fc.oneof(fc.constantFrom('a', 'b', 'c'), fc.jsonValue()),
              run: fc.oneof(fc.array(fc.string()), fc.string(), fc.jsonValue()),
              shell: fc.jsonValue(),
              cwd: fc.oneof(fc.constantFrom('.', '..', '/x', 'a\u0000b'), fc.jsonValue()),
              dependsOn: fc.oneof(fc.array(fc.constantFrom('a', 'b', 'c', 'd')), fc.jsonValue()),
              expect: fc.oneof(fc.array(fc.oneof(fc.string(), fc.jsonValue())), fc.jsonValue()),
              evidence: fc.oneof(fc.array(fc.string()), fc.jsonValue()),
              outputSchema: fc.jsonValue(),
              timeoutMs: fc.jsonValue(),
              env: fc.jsonValue(),
            },
            { requiredKeys: [] },
          ),
        ),
        fc.jsonValue(),
      ),
      waivers: fc.oneof(fc.array(fc.record({ check: fc.jsonValue(), expires: fc.oneof(fc.string(), fc.jsonValue()) })), fc.jsonValue()),
      envFile: fc.jsonValue(),
    },
    { requiredKeys: [] },
  );

  it('for gate-like JSON', async () => {
    const root = tempProject();
    const file = path.join(root, 'gates', 'g.json');
    await fc.assert(
      fc.asyncProperty(gateish, async (value) => {
        fs.writeFileSync(file, JSON.stringify(value));
        const r = await loadGate(file, { cwd: root });
        if (!r.ok) {
          expect(r.diagnostics.length).toBeGreaterThan(0);
          expect(() => formatDiagnostics(r.diagnostics)).not.toThrow();
          for (const d of r.diagnostics) expect(d.hint, `${d.code} ${d.jsonPath}: ${d.message}`).toMatch(/\S/);
        }
      }),
      { numRuns: 100 },
    );
  });

  it.each([
    ['toString', '{"checks":[{"id":{"toString":false}}]}'],
    ['valueOf and toString, with a dependency', '{"id":"g","checks":[{"id":{"toString":1,"valueOf":2},"run":["true"]},{"id":"b","run":["true"],"dependsOn":["b2"]},{"id":"b2","run":["true"],"dependsOn":["b"]}]}'],
  ])('for a check id that is an object with a key named %s (found by the property above)', async (_what, text) => {
    const root = tempProject();
    const file = path.join(root, 'gates', 'g.json');
    fs.writeFileSync(file, text);
    const r = await loadGate(file, { cwd: root });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.diagnostics.map((d) => d.jsonPath)).toContain('checks[0].id');
  });

  it('for arbitrary bytes', async () => {
    const root = tempProject();
    const file = path.join(root, 'gates', 'g.json');
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.uint8Array({ maxLength: 200 }), fc.string().map((s) => Buffer.from(s))), async (bytes) => {
        fs.writeFileSync(file, bytes);
        const r = await loadGate(file, { cwd: root });
        expect(r.ok).toBe(false);
        if (!r.ok) for (const d of r.diagnostics) expect(d.hint, `${d.code}: ${d.message}`).toMatch(/\S/);
      }),
      { numRuns: 100 },
    );
  });
});
