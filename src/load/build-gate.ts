/** Builds the `Gate` from a file that passed every check: defaults applied, paths resolved. */
import path from 'node:path';
import { parseAssertion } from '../assert/parse.js';
import type { Assertion, Check, Gate, Waiver } from '../model/types.js';
import type { LoadedSchema } from './paths.js';
import type { CheckFile, GateFile } from './schema.js';
import { parseExpires } from './semantic.js';

export const DEFAULTS = {
  timeoutMs: 300_000,
  retries: 0,
  retryDelayMs: 1_000,
  killGraceMs: 2_000,
  output: 'json',
  expectExitCode: [0],
  required: true,
} as const;

export interface GateFacts {
  id: string;
  file: string;
  displayFile: string;
  projectRoot: string;
  sha256: string;
  schemas: Map<number, LoadedSchema>;
}

const copyEnv = (env: Record<string, string> | undefined): Record<string, string> => ({ ...(env ?? {}) });

/** Checks mostly share a cwd (most have none): each distinct one is resolved once a gate. */
const resolvedCwds = new WeakMap<GateFacts, Map<string, string>>();
function resolveCwd(facts: GateFacts, cwd: string): string {
  let known = resolvedCwds.get(facts);
  if (!known) resolvedCwds.set(facts, (known = new Map()));
  let abs = known.get(cwd);
  if (abs === undefined) known.set(cwd, (abs = path.resolve(facts.projectRoot, cwd)));
  return abs;
}

function buildCheck(c: CheckFile, index: number, g: GateFile, facts: GateFacts): Check {
  const d = g.defaults ?? {};
  const expect = (c.expect ?? []).map((e): Assertion => {
    const r = parseAssertion(e);
    // Checked when the gate loaded; a failure here is a defect, not a user error.
    if (!r.ok) throw new Error(`assertion checks[${index}] passed validation but does not parse: ${r.message}`);
    return r.assertion;
  });
  const exitCodes = c.expectExitCode === undefined ? [...DEFAULTS.expectExitCode] : Array.isArray(c.expectExitCode) ? [...new Set(c.expectExitCode)] : [c.expectExitCode];
  const check: Check = {
    id: c.id,
    index,
    run: Array.isArray(c.run) ? [...c.run] : c.run,
    shell: c.shell ?? false,
    cwd: resolveCwd(facts, c.cwd ?? '.'),
    env: copyEnv(c.env),
    output: c.output ?? DEFAULTS.output,
    expect,
    expectExitCode: exitCodes,
    dependsOn: [...new Set(c.dependsOn ?? [])],
    required: c.required ?? DEFAULTS.required,
    timeoutMs: c.timeoutMs ?? d.timeoutMs ?? DEFAULTS.timeoutMs,
    retries: c.retries ?? d.retries ?? DEFAULTS.retries,
    retryDelayMs: c.retryDelayMs ?? d.retryDelayMs ?? DEFAULTS.retryDelayMs,
    killGraceMs: c.killGraceMs ?? d.killGraceMs ?? DEFAULTS.killGraceMs,
    evidence: [...(c.evidence ?? [])],
  };
  if (c.title !== undefined) check.title = c.title;
  if (c.owner !== undefined) check.owner = c.owner;
  if (c.priority !== undefined) check.priority = c.priority;
  const fromFile = facts.schemas.get(index);
  if (fromFile) check.outputSchema = fromFile;
  else if (c.outputSchema !== undefined && typeof c.outputSchema !== 'string') check.outputSchema = { schema: c.outputSchema, source: 'inline' };
  if (c.injectFail !== undefined) check.injectFail = { args: [...(c.injectFail.args ?? [])], env: copyEnv(c.injectFail.env) };
  return check;
}

export function buildGate(g: GateFile, facts: GateFacts): Gate {
  const waivers = (g.waivers ?? []).map((w): Waiver => {
    const expiresAt = parseExpires(w.expires);
    if (!expiresAt) throw new Error(`waiver expiry ${w.expires} passed validation but does not parse`);
    const waiver: Waiver = { check: w.check, reason: w.reason, expires: w.expires, expiresAt };
    if (w.owner !== undefined) waiver.owner = w.owner;
    return waiver;
  });
  const gate: Gate = {
    id: facts.id,
    file: facts.file,
    displayFile: facts.displayFile,
    projectRoot: facts.projectRoot,
    sha256: facts.sha256,
    env: copyEnv(g.env),
    checks: g.checks.map((c, i) => buildCheck(c, i, g, facts)),
    waivers,
    redact: [...new Set(g.redact ?? [])],
  };
  if (g.title !== undefined) gate.title = g.title;
  if (g.envFile !== undefined) gate.envFile = { path: g.envFile.path, values: copyEnv(g.envFile.values) };
  if (g.handover !== undefined) gate.handover = g.handover;
  return gate;
}
