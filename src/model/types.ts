/**
 * The types that flow through gate, one stage to the next:
 * argv → load (Gate) → plan (Plan) → run (AttemptOutcome) → judge (CheckResult) → report (Report) → exit code.
 * A later stage never sees unvalidated input.
 */

// ---------------------------------------------------------------- assertions

/** The operators of the assertion language (SPEC section 3). */
export type AssertionOp =
  | '=='
  | '!='
  | '<'
  | '<='
  | '>'
  | '>='
  | 'in'
  | 'not in'
  | 'contains'
  | 'matches'
  | 'exists'
  | 'absent';

/** One step of a parsed path: an own property, an array index, or every element (`[*]`). */
export type PathSegment =
  | { kind: 'key'; key: string }
  | { kind: 'index'; index: number }
  | { kind: 'wildcard' };

export type AssertionFunction = 'count' | 'sum' | 'min' | 'max';

/** A validated assertion, ready to evaluate against a JSON document. */
export interface Assertion {
  /** The expression as the user wrote it (string form) or rendered from the object form. */
  expr: string;
  /** The path as written, e.g. `roles[*].ready`. */
  pathText: string;
  path: PathSegment[];
  fn?: AssertionFunction;
  op: AssertionOp;
  /** The expected value (a JSON value); absent for `exists` / `absent`. */
  value?: unknown;
  /** Read the document from this file (relative to the check's cwd) instead of the evidence. */
  file?: string;
  /** The value was a bare word (`total` in `passed == total`), read as a string; a failure over a value that is not one says so. */
  bareWord?: true;
}

export interface AssertionResult {
  expr: string;
  ok: boolean;
  /** One line: the expression, and what was found, e.g. `go_no_go == "go": found "no_go"`. */
  message: string;
  /** Set when the assertion read a `file`. */
  file?: string;
}

// ---------------------------------------------------------------- gate files

export type Priority = 'P0' | 'P1' | 'P2' | 'P3';
export type OutputMode = 'json' | 'text';

export interface InjectFail {
  args: string[];
  env: Record<string, string>;
}

/** A check after validation, with defaults applied and paths resolved. */
export interface Check {
  id: string;
  /** Position in the gate file: the stable order. */
  index: number;
  title?: string;
  owner?: string;
  priority?: Priority;
  /** argv (no shell), or one command line when `shell` is true. */
  run: string[] | string;
  shell: boolean;
  /** Absolute path, inside the project root. */
  cwd: string;
  env: Record<string, string>;
  output: OutputMode;
  expect: Assertion[];
  /** A JSON Schema the JSON output must meet: inline, or loaded from the file the gate named. */
  outputSchema?: { schema: unknown; source: string };
  expectExitCode: number[];
  dependsOn: string[];
  required: boolean;
  timeoutMs: number;
  retries: number;
  retryDelayMs: number;
  killGraceMs: number;
  /** Globs relative to cwd. */
  evidence: string[];
  injectFail?: InjectFail;
}

export interface Waiver {
  check: string;
  reason: string;
  owner?: string;
  /** `YYYY-MM-DD` (in force through the end of that day, UTC) or an ISO date-time. */
  expires: string;
  /** The instant the waiver stops covering anything. */
  expiresAt: Date;
}

export interface EnvFileSpec {
  /** Relative to the work dir, inside it. */
  path: string;
  values: Record<string, string>;
}

export interface Gate {
  id: string;
  title?: string;
  /** Absolute path of the gate file. */
  file: string;
  /** The gate file's path as the user should read it (relative to the cwd when shorter). */
  displayFile: string;
  /** Absolute: the folder that holds `gates/`, or the file's own folder. */
  projectRoot: string;
  sha256: string;
  env: Record<string, string>;
  envFile?: EnvFileSpec;
  checks: Check[];
  waivers: Waiver[];
  redact: string[];
  handover?: string;
}

// ---------------------------------------------------------------- diagnostics

/** One problem with a gate file, located. Definition errors are values, never exceptions. */
export interface Diagnostic {
  /** The gate file as the user should read it. */
  file: string;
  /** 1-based; 0 when the problem has no place in the file (e.g. it cannot be read). */
  line: number;
  column: number;
  /** JSON path of the offending value, e.g. `checks[2].timeoutMs`; `` for the document. */
  jsonPath: string;
  /** Stable kebab-case code, e.g. `unknown-field`, `dependency-cycle`. */
  code: string;
  /** What is wrong, one line. */
  message: string;
  /** What to do about it. */
  hint?: string;
  /** The source line, for the caret view. */
  sourceLine?: string;
  /** How many characters the caret underlines. */
  length?: number;
}

export type LoadResult = { ok: true; gate: Gate } | { ok: false; diagnostics: Diagnostic[] };

// ---------------------------------------------------------------- running

export type InjectMode = 'declared' | 'exit' | 'timeout' | 'bad-json' | 'crash';

export interface Injection {
  checkId: string;
  mode: InjectMode;
}

/** How one attempt of a check's process ended, as seen by the process module. */
export type ProcessEnd =
  | { kind: 'exited'; exitCode: number }
  | { kind: 'signaled'; signal: string }
  | { kind: 'timed-out'; signal?: string; exitCode?: number }
  | { kind: 'not-started'; errno: string; message: string }
  | { kind: 'interrupted' }
  /** Ended for writing more output than gate keeps on disk. */
  | { kind: 'output-limit'; limit: number };

/** The sha256 of a file as read, with the size, modification time and inode it had then. */
export interface RawDigest {
  sha256: string;
  bytes: number;
  mtimeMs: number;
  ino: number;
}

export interface CapturedStream {
  /** Temp file holding the raw bytes. */
  path: string;
  bytes: number;
  /** Its sha256, being taken on another thread (large outputs only). */
  digest?: Promise<RawDigest>;
}

/**
 * What the check's output held when its own process exited, before what it left behind was ended: only
 * that much is judged. `evidenceBytes`: the size of $GATE_EVIDENCE_FILE then, when a regular file was there.
 */
export interface AtExit {
  stdoutBytes: number;
  stderrBytes: number;
  evidenceBytes?: number;
}

export interface SignalSent {
  signal: string;
  /** Milliseconds after the attempt started. */
  atMs: number;
}

export interface AttemptOutcome {
  attempt: number;
  startedAt: string;
  durationMs: number;
  end: ProcessEnd;
  stdout: CapturedStream;
  stderr: CapturedStream;
  /** What was written to $GATE_EVIDENCE_FILE, when a regular file is there (also one made after the check exited). */
  evidenceFile?: CapturedStream;
  /** What was there when the check itself exited: what is judged (outputs and files above are whole). */
  atExit: AtExit;
  /** Signals that ended the check itself: a timeout, an interruption, a flood of output. */
  signalsSent: SignalSent[];
  /** Processes of the check's group still alive after it exited (they were ended). */
  leakedProcesses: boolean;
  /** Signals sent to those leftover processes, after the check exited. */
  cleanupSignals: SignalSent[];
}

// ---------------------------------------------------------------- judging

export type CheckStatus =
  | 'pass'
  | 'fail'
  | 'error'
  | 'timeout'
  | 'flaky'
  | 'blocked'
  | 'skipped'
  | 'waived'
  | 'interrupted'
  | 'not-run';

export const CHECK_STATUSES: readonly CheckStatus[] = [
  'pass',
  'fail',
  'error',
  'timeout',
  'flaky',
  'blocked',
  'skipped',
  'waived',
  'interrupted',
  'not-run',
];

/**
 * Why a check ended as it did, with what the message needs. The kebab-case
 * `code` is the stable identity; `describeReason` (judge/reasons.ts) renders it.
 */
export type ReasonDetail =
  | { code: 'passed' }
  | { code: 'passed-on-retry'; attempts: number }
  | { code: 'assertion-failed'; first: string; more: number }
  | { code: 'exit-code'; exitCode: number; expected: number[]; failed: string[] }
  | { code: 'timeout'; timeoutMs: number; signals: string[] }
  | { code: 'crashed'; signal: string }
  | { code: 'not-startable'; errno: string; command: string; message: string }
  /** `message` says where and what, never quoting the text (a quoted piece could be part of a secret). */
  | { code: 'invalid-json'; source: string; message: string }
  | { code: 'no-json-output'; source: string }
  /** `json`: JSON evidence over the parse limit; `output`: a check that wrote more output than gate keeps (it was ended). */
  | { code: 'output-too-large'; what: 'json' | 'output'; source: string; bytes: number; limit: number }
  /** The check left something at $GATE_EVIDENCE_FILE that gate cannot read as evidence (a FIFO, a directory, a link, unreadable). */
  | { code: 'unreadable-evidence'; source: string; message: string }
  | { code: 'output-schema'; first: string; more: number }
  | { code: 'evidence-missing'; globs: string[] }
  | { code: 'injection-not-detected' }
  | { code: 'blocked'; chain: string[]; rootStatus: string }
  | { code: 'filtered' }
  | { code: 'fail-fast' }
  /** `waitingAfter`: the attempt that did not pass when the interrupt came while the check waited to retry. */
  | { code: 'interrupted'; started: boolean; waitingAfter?: number }
  | { code: 'waived'; reason: string; expires: string; was: string }
  | { code: 'internal-error'; message: string };

export type ReasonCode = ReasonDetail['code'];

export interface EvidenceFile {
  path: string;
  sha256: string;
  bytes: number;
}

export interface CheckResult {
  id: string;
  title?: string;
  priority?: Priority;
  owner?: string;
  required: boolean;
  status: CheckStatus;
  reasonCode: ReasonCode;
  /** One line a person reads first. */
  reason: string;
  attempts: number;
  durationMs: number;
  /** Exit code of the last attempt, when it exited. */
  exitCode: number | null;
  signal: string | null;
  assertions: AssertionResult[];
  injected: boolean;
  injectMode?: InjectMode;
  /** For `blocked`: the chain from the direct dependency back to the check that did not pass. */
  blockedBy?: string[];
  /** The status before a waiver covered it. */
  waivedStatus?: CheckStatus;
  waiver?: { reason: string; owner?: string; expires: string };
  startedAt?: string;
  finishedAt?: string;
  evidence: EvidenceFile[];
  /** Signals that ended the check itself (timeout, interruption, output flood), with when. */
  signalsSent: SignalSent[];
  leakedProcesses: boolean;
  /** Signals sent to processes the check left behind, after it exited; present when there were any. */
  cleanupSignals?: SignalSent[];
  notes: string[];
  /** Captured output of the last attempt. */
  stdout?: CapturedOutput;
  stderr?: CapturedOutput;
  /** The JSON document the check wrote to $GATE_EVIDENCE_FILE, kept. */
  evidenceFile?: CapturedOutput;
}

/**
 * An output as the report keeps it; `sha256` and `bytes` are those of the kept
 * file, so anyone can check them. No hash ever covers an unmasked secret.
 */
export interface CapturedOutput {
  /** Relative to the report dir. */
  file: string;
  bytes: number;
  sha256: string;
  /**
   * sha256 of the whole output as the check wrote it, each secret in it
   * replaced by `[REDACTED]` (with nothing to mask: the plain hash of its bytes).
   * Absent from reports written before it existed.
   */
  originalSha256?: string;
  /** The size of the whole output; more than `bytes` when it was truncated. */
  originalBytes: number;
  truncated: boolean;
}

// ---------------------------------------------------------------- the report

export type Verdict = 'pass' | 'fail' | 'aborted';
export type Decision = 'GO' | 'NO-GO';

/** `total`, one count keyed by each status name (`pass`, `fail`, ..., `not-run`), and `requiredFailTotal`. */
export type ReportSummary = { total: number; requiredFailTotal: number } & Record<CheckStatus, number>;

export interface WaiverReport {
  check: string;
  reason: string;
  owner?: string;
  expires: string;
  state: 'applied' | 'unused' | 'expired';
}

export interface Report {
  schemaVersion: 1;
  gate: { id: string; title?: string; file: string; sha256: string };
  runId: string;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  verdict: Verdict;
  decision: Decision;
  exitCode: number;
  partial: boolean;
  /** Required checks that the filters left out (when partial). */
  requiredNotRun: string[];
  summary: ReportSummary;
  injected: Injection[];
  checks: CheckResult[];
  waivers: WaiverReport[];
  handover?: string;
  provenance: {
    gateVersion: string;
    node: string;
    platform: string;
    gitCommit: string | null;
    gateFileSha256: string;
  };
  workDir: string;
  reportDir: string;
}
