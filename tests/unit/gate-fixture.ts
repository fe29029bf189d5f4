/** Loaded `Gate`s built in memory, for the tests of what is rendered from a gate (list, graph). */
import type { Check, Gate } from '../../src/model/types.js';

/** A check with every field filled with its default, overridable. */
export function makeCheck(id: string, over: Partial<Check> = {}): Check {
  return {
    id,
    index: 0,
    run: ['node', 'check.mjs'],
    shell: false,
    cwd: '/p',
    env: {},
    output: 'json',
    expect: [],
    expectExitCode: [0],
    dependsOn: [],
    required: true,
    timeoutMs: 300000,
    retries: 0,
    retryDelayMs: 1000,
    killGraceMs: 2000,
    evidence: [],
    ...over,
  };
}

/** A gate around the checks; each check's `index` is its position. */
export function makeGate(checks: Check[], over: Partial<Gate> = {}): Gate {
  return {
    id: 'g',
    file: '/p/gates/g.json',
    displayFile: 'gates/g.json',
    projectRoot: '/p',
    sha256: 'a'.repeat(64),
    env: {},
    checks: checks.map((c, index) => ({ ...c, index })),
    waivers: [],
    redact: [],
    ...over,
  };
}
