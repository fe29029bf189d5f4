/**
 * The gate file format (SPEC section 2) as a zod schema, strict everywhere: a field the
 * schema does not know is an error, never silently ignored. Plain zod constructs only, no
 * transforms, so `z.toJSONSchema(gateFileSchema)` documents the same format it checks and the
 * parsed value has the same shape as the raw one. Cross-field rules live in semantic.ts.
 */
import type * as Z from 'zod';
import { OPERATOR_NAMES } from '../assert/operators.js';
import type { AssertionOp } from '../model/types.js';

export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

/*
 * Rules of one field that semantic.ts reports in its own words (and always did): stated here too,
 * so that gate.schema.json carries them and an editor refuses what `gate validate` refuses. Where
 * semantic.ts reports a problem at a value, the schema's issue there for one of these is dropped
 * (load-gate.ts): the problem is said once, as before.
 */
/** No NUL character: one cannot be passed to a process (a `run` item, an argument, an environment value). */
export const NO_NUL_PATTERN = /^[^\u0000]*$/;
/** `run[0]`, the program: not empty, no NUL character, no white space at either end (no shell trims it). */
export const PROGRAM_PATTERN = /^(?!\s)[^\u0000]*[^\s\u0000]$/;
/** An environment name a gate file may set: `GATE_*` are gate's own. */
export const NOT_RESERVED_ENV_PATTERN = /^(?!GATE_)/;
/**
 * A waiver's `expires` as parseExpires (semantic.ts) takes it: a real calendar day `YYYY-MM-DD` (February
 * 29th only in a leap year; not a year before 0100, which JavaScript's Date.UTC reads as 19xx), optionally
 * followed by a time `THH:MM[:SS[.fraction]]` with `Z` or an offset `±HH:MM`.
 * tests/unit/schema-agrees.test.ts holds the two to the same answer.
 */
const DAY = '(?:(?!00)\\d{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\\d|30)|02-(?:0[1-9]|1\\d|2[0-8]))|(?:(?!00)\\d{2}(?:0[48]|[2468][048]|[13579][26])|(?:0[48]|[2468][048]|[13579][26])00)-02-29)';
const TIME = '(?:T(?:[01]\\d|2[0-3]):[0-5]\\d(?::[0-5]\\d(?:\\.\\d{1,9})?)?(?:Z|[+-](?:[01]\\d|2[0-3]):[0-5]\\d))';
export const EXPIRES_PATTERN = new RegExp(`^${DAY}${TIME}?$`);

/** Patterns semantic.ts reports the breaking of itself (see above). */
export const SEMANTIC_PATTERNS = new Set([NO_NUL_PATTERN, PROGRAM_PATTERN, NOT_RESERVED_ENV_PATTERN, EXPIRES_PATTERN].map(String));

/** Human wording for the patterns, used in messages. */
export const PATTERN_WORDING = new Map<string, { code: string; what: string }>([
  [String(ID_PATTERN), { code: 'invalid-id', what: 'an id of 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit' }],
  [String(ENV_NAME_PATTERN), { code: 'invalid-env-name', what: 'an environment variable name: letters, digits and "_", not starting with a digit' }],
]);

export const LIMITS = {
  timeoutMs: { min: 1, max: 2147483647 },
  retries: { min: 0, max: 10 },
  retryDelayMs: { min: 0, max: 600000 },
  killGraceMs: { min: 0, max: 60000 },
  exitCode: { min: 0, max: 255 },
} as const;

/** The model, built on first use: a valid gate file never needs it (see load-gate.ts), and building it costs every start. */
function buildGateFileSchema(z: typeof Z) {
  const intIn = (limit: { min: number; max: number }, description: string) => z.int().min(limit.min).max(limit.max).describe(description);

  const id = (description: string) => z.string().regex(ID_PATTERN).describe(description);
  const envName = z.string().regex(ENV_NAME_PATTERN);
  const envMap = (description: string) => z.record(envName, z.string()).describe(description);
  /** An environment a process is given: no `GATE_*` name (gate sets those), no NUL in a value. */
  const processEnv = (description: string) =>
    z.record(z.string().regex(ENV_NAME_PATTERN).regex(NOT_RESERVED_ENV_PATTERN), z.string().regex(NO_NUL_PATTERN)).describe(description);
  const noNul = () => z.string().regex(NO_NUL_PATTERN);

  /** Timing fields, shared by a check and the gate's `defaults`. */
  const timing = () => ({
    timeoutMs: intIn(LIMITS.timeoutMs, 'Time limit of one attempt, in milliseconds; the check’s whole process tree is ended when it passes.').optional(),
    retries: intIn(LIMITS.retries, 'Extra attempts after a failed one.').optional(),
    retryDelayMs: intIn(LIMITS.retryDelayMs, 'Base delay before a retry, in milliseconds (bounded exponential backoff with jitter).').optional(),
    killGraceMs: intIn(LIMITS.killGraceMs, 'Grace between SIGTERM and SIGKILL when a check is ended, in milliseconds.').optional(),
  });

  const assertionObjectSchema = z
    .strictObject({
      path: z.string().describe('Path into the JSON document, e.g. `roles[*].ready` or `count(items)`.'),
      op: z.enum(OPERATOR_NAMES as [AssertionOp, ...AssertionOp[]]).describe('Comparison operator.'),
      value: z.unknown().optional().describe('Expected JSON value; not used by `exists` / `absent`.'),
      file: z.string().optional().describe('Read the JSON document from this file (relative to the check’s cwd) instead of the evidence.'),
    })
    .describe('An assertion in object form.');

  const checkSchema = z
    .strictObject({
      id: id('Unique id of the check within the gate.'),
      title: z.string().optional().describe('Shown in reports.'),
      owner: z.string().optional().describe('Who answers for this check.'),
      priority: z.enum(['P0', 'P1', 'P2', 'P3']).optional().describe('Priority, shown in reports and trackers.'),
      run: z
        .union([z.tuple([z.string().regex(PROGRAM_PATTERN)], noNul()), noNul().min(1)])
        .describe('The command: an argv array run without a shell, or one command line when `shell` is true.'),
      shell: z.boolean().optional().describe('Run `run` (a single string) through the shell. Default false.'),
      cwd: z.string().optional().describe('Working directory, relative to the project root; must stay inside it. Default ".".'),
      env: processEnv('Environment variables added to the inherited environment.').optional(),
      output: z.enum(['json', 'text']).optional().describe('`json`: the evidence is one JSON document; `text`: stdout is kept, not parsed. Default json.'),
      expect: z
        .array(z.union([z.string(), assertionObjectSchema]))
        .optional()
        .describe('Evidence assertions, e.g. `go_no_go == "go"`; every one must hold.'),
      outputSchema: z
        .union([z.record(z.string(), z.unknown()), z.boolean(), z.string().min(1)])
        .optional()
        .describe('JSON Schema the JSON output must meet: inline, or a path to a schema file relative to the project root.'),
      expectExitCode: z
        .union([intIn(LIMITS.exitCode, 'Exit code.'), z.array(intIn(LIMITS.exitCode, 'Exit code.')).min(1)])
        .optional()
        .describe('Exit code(s) that count as success. Default 0.'),
      dependsOn: z.array(id('Id of a check in this gate.')).optional().describe('Checks that must pass before this one runs.'),
      required: z.boolean().optional().describe('false makes the check advisory: its failure warns but never blocks. Default true.'),
      ...timing(),
      evidence: z.array(z.string().min(1)).optional().describe('File globs, relative to cwd, the check must leave behind; each file is hashed into the report.'),
      injectFail: z
        .strictObject({
          args: z.array(noNul()).optional().describe('Arguments appended to `run`.'),
          env: processEnv('Environment variables added.').optional(),
        })
        .optional()
        .describe('How to run this check along its own fail path under `--inject-fail`.'),
    })
    .describe('One check: a program whose exit code and JSON evidence decide whether it passes.');

  const waiverSchema = z
    .strictObject({
      check: id('Id of the waived check.'),
      reason: z.string().min(1).describe('Why the failure is accepted.'),
      owner: z.string().optional().describe('Who accepted it.'),
      expires: z.string().regex(EXPIRES_PATTERN).describe('`YYYY-MM-DD` (in force through the end of that day, UTC) or an ISO date-time with offset.'),
    })
    .describe('Lets a failing check count as passing until it expires.');

  return z
    .strictObject({
      $schema: z.string().optional().describe('Path or URL of this schema, for editors; ignored by gate.'),
      id: id('Id of the gate. Default: the file name without `.json`.').optional(),
      title: z.string().optional().describe('Shown in reports.'),
      defaults: z
        .strictObject(timing())
        .optional()
        .describe('Defaults for every check’s timing fields.'),
      env: processEnv('Environment variables added for every check.').optional(),
      envFile: z
        .strictObject({
          path: noNul().min(1).describe('Where to write the file, relative to the work dir; must stay inside it.'),
          values: envMap('The variables written, one `NAME=value` line each, sorted.'),
        })
        .optional()
        .describe('An env file written into the work dir before any check starts; its path is given to checks as GATE_ENV_FILE.'),
      checks: z.array(checkSchema).min(1).describe('The checks, in their stable order.'),
      waivers: z.array(waiverSchema).optional().describe('Accepted failures, each with an expiry.'),
      redact: z.array(envName).optional().describe('Names of environment variables whose values are secrets, on top of the built-in name patterns.'),
      handover: z.string().optional().describe('Notes for the next milestone, in Markdown.'),
    })
    .describe('A gate: one milestone closeout, as a set of checks.');
}

let built: ReturnType<typeof buildGateFileSchema> | undefined;

/**
 * The zod model of a gate file: what validates it, and what `gate schema` turns into
 * gate.schema.json. zod itself is loaded here, on first use (in dist/ it is a file of its
 * own): a valid gate file never needs it, and loading it costs every start.
 */
export async function gateFileSchema(): Promise<ReturnType<typeof buildGateFileSchema>> {
  if (!built) {
    const z = await import('zod');
    // A gate file is parsed once per process: generating and compiling zod's fast-path parsers
    // (`new Function`) costs more than it saves, so zod interprets the schema instead.
    z.config({ jitless: true });
    built = buildGateFileSchema(z);
  }
  return built;
}

export type GateFile = Z.infer<ReturnType<typeof buildGateFileSchema>>;
export type CheckFile = GateFile['checks'][number];
