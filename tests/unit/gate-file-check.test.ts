import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { gateFileCheckCode } from '../../scripts/gate-file-check.mjs';
import { gateFileSchema } from '../../src/load/schema.js';

const REPO = path.resolve(import.meta.dirname, '..', '..');

const model = await gateFileSchema();

/**
 * The built CLI accepts a gate file that ajv's compiled schema accepts without asking zod
 * (src/load/load-gate.ts). That is only sound if the two agree on every value: this compiles
 * the same code the build bundles and compares the answers on valid gates, on every field of
 * them replaced, removed or joined by a stranger, and on arbitrary JSON.
 */
describe('the compiled gate-file check agrees with the zod model', () => {
  // Written inside the repository so that its require of ajv's runtime resolves.
  const file = path.join(REPO, 'node_modules', '.cache', `gate-file-check-${process.pid}.cjs`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, gateFileCheckCode());
  const quick = createRequire(import.meta.url)(file) as (value: unknown) => boolean;
  afterAll(() => fs.rmSync(file, { force: true }));
  const zod = (value: unknown) => model.safeParse(value).success;
  const m28 = JSON.parse(fs.readFileSync(path.join(REPO, 'gates', 'm28.json'), 'utf8')) as Record<string, unknown>;

  it('on the demo gate', () => {
    expect(quick(m28)).toBe(true);
    expect(zod(m28)).toBe(true);
  });

  /** Every place in a JSON value, as a path. */
  const places = (value: unknown, at: (string | number)[] = []): (string | number)[][] => {
    const here = [at];
    if (Array.isArray(value)) return here.concat(...value.map((v, i) => places(v, [...at, i])));
    if (value !== null && typeof value === 'object') return here.concat(...Object.entries(value).map(([k, v]) => places(v, [...at, k])));
    return here;
  };
  const all = places(m28).filter((p) => p.length > 0);
  const edit = (value: unknown, at: (string | number)[], change: (parent: Record<string | number, unknown>, key: string | number) => void): unknown => {
    const copy = structuredClone(value) as Record<string | number, unknown>;
    let parent = copy;
    for (const key of at.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
    change(parent, at[at.length - 1]!);
    return copy;
  };
  // Values near every bound and type in the model: ids, integers at their limits, empty lists.
  const tricky = fc.oneof(
    fc.jsonValue(),
    fc.constantFrom('', 'a', '-a', 'a'.repeat(64), 'a'.repeat(65), 'A_B', '1X', 'x y', 'P0', 'P4', 'json', 'text', '==', 'matches', '2026-01-01', '2026-02-30', '2026-12-31T18:00Z', '2026-12-31T18:00', 'a\u0000b'),
    fc.constantFrom(0, 1, -1, 1.5, 10, 11, 255, 256, 60000, 60001, 600000, 600001, 2147483647, 2147483648, 1e21),
    fc.constantFrom([], [''], ['x'], ['', 'x'], ['x', ''], {}, { K: 'v' }, { K: 'a\u0000' }, { GATE_X: 'v' }, { 'bad-name': 'v' }, { K: 1 }, null, true, false),
  );

  it('when a field is replaced, removed, or joined by an unknown one', () => {
    fc.assert(
      fc.property(fc.constantFrom(...all), tricky, fc.constantFrom('replace', 'remove', 'add'), fc.string(), (at, value, how, name) => {
        const mutated = edit(m28, at, (parent, key) => {
          if (how === 'replace') parent[key] = value;
          else if (how === 'remove') {
            if (Array.isArray(parent)) parent.splice(Number(key), 1);
            else delete parent[key];
          } else if (!Array.isArray(parent)) parent[name] = value;
          else parent.push(value);
        });
        expect(quick(mutated)).toBe(zod(mutated));
      }),
      { numRuns: 3000 },
    );
  });

  it('on arbitrary JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(quick(value)).toBe(zod(value));
      }),
      { numRuns: 500 },
    );
  });
});
