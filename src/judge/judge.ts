/**
 * Judging one attempt: how the process ended, its exit code, its JSON evidence,
 * its output contract and every assertion become one status with one reason.
 *
 * Order of precedence, most telling first: not startable, interrupted, timed
 * out, crashed by a signal, wrong exit code, unreadable evidence, broken output
 * contract, failed assertions, missing evidence files. All assertions are still
 * evaluated when the exit code was wrong, and when the check timed out or
 * crashed after leaving a document that parses, and the document is checked
 * against its outputSchema (violations in the notes), so the report shows
 * everything off; they never turn such a status into a pass.
 */
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { evaluateAssertion, unreadableAssertion } from '../assert/evaluate.js';
import type { Assertion, AssertionResult, AttemptOutcome, Check, EvidenceFile } from '../model/types.js';
import { HASH_LIMIT_BYTES } from '../report/capture.js';
import { collectEvidence, hashRegularFile, MAX_EVIDENCE_BYTES, probeEvidencePath, PROJECT_FROM_BYTES, readJsonFile, readProjectJsonFile, type EvidenceHasher, type JsonRead, type ProjectJsonRead } from './evidence.js';
import { checkOutputSchema } from './output-schema.js';
import { needOf } from './projected-json.js';
import { describeReason, type ReasonDetail } from './reasons.js';
import { orUndefined } from '../util/or-undefined.js';

export type AttemptStatus = 'pass' | 'fail' | 'error' | 'timeout' | 'interrupted';

export interface Judgement {
  status: AttemptStatus;
  detail: ReasonDetail;
  assertions: AssertionResult[];
  evidence: EvidenceFile[];
  notes: string[];
}

export interface JudgeInput {
  check: Check;
  outcome: AttemptOutcome;
  /** Where the check could have written its evidence instead of stdout. */
  evidenceFile: string;
  projectRoot: string;
  /** For messages: the command as the user wrote it. */
  command: string;
  /**
   * When the check's chain started (epoch ms): the earliest start among the check and its dependencies. Files last
   * written before this (less a clock slack) were not written by them, and are not its evidence.
   */
  notBeforeMs: number;
  /** How evidence files are hashed for the report: masked when the gate has secrets (default: their bytes as they are). */
  hashFile?: EvidenceHasher;
}

export async function judgeAttempt(input: JudgeInput): Promise<Judgement> {
  const { check, outcome } = input;
  const notes: string[] = [];
  const done = (status: AttemptStatus, detail: ReasonDetail, assertions: AssertionResult[] = [], evidence: EvidenceFile[] = []) => ({
    status,
    detail,
    assertions,
    evidence,
    notes,
  });
  if (outcome.leakedProcesses) notes.push('left processes behind after it exited; gate ended them');
  const late = writtenAfterExit(outcome);
  if (late) notes.push(late);

  // A check that timed out or crashed may have printed its evidence first: what it says is reported
  // too, as for a wrong exit code, when a document parses (else there is nothing to judge).
  const ended = async (status: AttemptStatus, detail: ReasonDetail): Promise<Judgement> => {
    if (check.expect.length === 0 && !check.outputSchema) return done(status, detail);
    const read = await readDocuments(input);
    if (!read.parsed) return done(status, detail);
    const evidence = (await hashDocuments(input, read, notes)).evidence;
    await noteViolations(read.doc);
    return done(status, detail, read.assertions, evidence);
  };

  /** The outputSchema's violations (the first VIOLATIONS_LISTED, then how many more) in the notes; the verdict, for a reason that names the first. */
  const noteViolations = async (doc: JsonRead | undefined, firstInReason = false) => {
    if (!doc?.ok || !check.outputSchema) return undefined;
    const verdict = await checkOutputSchema(check.outputSchema.schema, check.outputSchema.source, doc.value);
    if (verdict.ok) return undefined;
    // A reason that names the first violation leaves the notes to a list of more than one.
    if (!firstInReason || verdict.total > 1) {
      notes.push(...verdict.problems.map((p) => `outputSchema: ${p}`));
      if (verdict.total > verdict.problems.length) notes.push(`outputSchema: and ${verdict.total - verdict.problems.length} more`);
    }
    return verdict;
  };

  const end = outcome.end;
  switch (end.kind) {
    case 'not-started':
      return done('error', { code: 'not-startable', errno: end.errno, command: input.command, message: end.message });
    case 'interrupted':
      return done('interrupted', { code: 'interrupted', started: true });
    case 'timed-out':
      if (end.exitCode === 0) notes.push('exited 0 after it was signalled: still a timeout');
      // Only the signals that ended the check: what ended its leftovers afterwards is recorded apart.
      return ended('timeout', { code: 'timeout', timeoutMs: check.timeoutMs, signals: outcome.signalsSent.map((s) => s.signal) });
    case 'signaled':
      return ended('error', { code: 'crashed', signal: end.signal });
    case 'output-limit':
      return done('error', { code: 'output-too-large', what: 'output', source: 'stdout and stderr', bytes: outcome.stdout.bytes + outcome.stderr.bytes, limit: end.limit });
    case 'exited':
      break;
  }

  const read = await readDocuments(input);
  const { doc, source, assertions } = read;
  const { evidence, listed } = await hashDocuments(input, read, notes);
  const globbed = await collectEvidence(check.evidence, check.cwd, input.projectRoot, input.notBeforeMs, input.hashFile, listed);
  evidence.push(...globbed.files);

  const failed = assertions.filter((a) => !a.ok).map((a) => a.message);
  if (!check.expectExitCode.includes(end.exitCode)) {
    if (doc && !doc.ok) notes.push(`no usable JSON evidence either: ${whyUnusable(doc, source)}`);
    // Output that breaks its contract is off too: listed, though the exit code is the reason.
    await noteViolations(doc);
    return done('fail', { code: 'exit-code', exitCode: end.exitCode, expected: check.expectExitCode, failed: doc?.ok === false ? [] : failed }, assertions, evidence);
  }
  if (doc && !doc.ok) return done('error', unusableDetail(doc, source), assertions, evidence);
  const verdict = await noteViolations(doc, true);
  if (verdict) return done('error', { code: 'output-schema', first: verdict.problems[0] ?? '', more: verdict.total - 1 }, assertions, evidence);
  if (failed.length > 0) {
    return done('fail', { code: 'assertion-failed', first: failed[0] ?? '', more: failed.length - 1 }, assertions, evidence);
  }
  if (globbed.missing.length > 0) return done('fail', { code: 'evidence-missing', globs: globbed.missing }, assertions, evidence);
  return done('pass', { code: 'passed' }, assertions, evidence);
}

interface DocumentsRead {
  /** The check's own JSON document, from $GATE_EVIDENCE_FILE or stdout; undefined for a text check. */
  doc: JsonRead | undefined;
  source: string;
  /** Documents named by `file`, by resolved path as first spelled (one entry a real path), with the assertions that read each. */
  byFile: Map<string, Assertion[]>;
  /** Each of them as read (by the same key), with the hash of the bytes judged. */
  fileReads: Map<string, ProjectJsonRead>;
  /** An assertion's `file` resolved → its key in `byFile`. */
  keyOf: Map<string, string>;
  assertions: AssertionResult[];
  /** Whether any document an assertion reads parsed. */
  parsed: boolean;
}


type UnusableJson = Extract<JsonRead, { ok: false }>;

/** The reason of a check whose JSON document (its output or `$GATE_EVIDENCE_FILE`, named by `source`) cannot be used. */
function unusableDetail(doc: UnusableJson, source: string): ReasonDetail {
  switch (doc.code) {
    case 'output-too-large':
      return { code: 'output-too-large', what: 'json', source, bytes: doc.bytes, limit: MAX_EVIDENCE_BYTES };
    case 'no-json-output':
      return { code: 'no-json-output', source };
    case 'unreadable':
      return { code: 'unreadable-evidence', source, message: doc.message };
    case 'invalid-json':
      return { code: 'invalid-json', source, message: doc.message };
  }
}

/** Why that document cannot be used, in words, for a note or an assertion's message (`stdout is empty`, `invalid JSON in stdout: line 1, ...`). */
function whyUnusable(doc: UnusableJson, source: string): string {
  return doc.code === 'no-json-output' ? `${source} is empty` : describeReason(unusableDetail(doc, source));
}
/** Reads the documents the assertions look at, and evaluates every assertion against its own. */
async function readDocuments(input: JudgeInput): Promise<DocumentsRead> {
  const { check, outcome } = input;
  // The JSON document: from $GATE_EVIDENCE_FILE when the check put anything
  // there, else stdout. Something there that is not a readable regular file is
  // an error, never a silent fall back to stdout. Either is read as it stood when
  // the check exited: a regular file that was not there then was made by what it
  // left behind, and is not its evidence.
  let doc: JsonRead | undefined;
  let source = 'stdout';
  if (check.output === 'json') {
    const { atExit } = outcome;
    const atEvidenceFile = await probeEvidencePath(input.evidenceFile);
    const fromEvidenceFile = atExit.evidenceBytes !== undefined || atEvidenceFile?.ok === false;
    if (fromEvidenceFile) source = '$GATE_EVIDENCE_FILE';
    doc =
      fromEvidenceFile && atEvidenceFile?.ok === false
        ? { ok: false, code: 'unreadable', message: atEvidenceFile.message, bytes: 0 }
        : // An output contract reads the whole document; else a large one is built only as far as the assertions look.
          await readJsonFile(
            fromEvidenceFile ? input.evidenceFile : outcome.stdout.path,
            MAX_EVIDENCE_BYTES,
            check.outputSchema ? undefined : needOf(check.expect.filter((a) => a.file === undefined)),
            PROJECT_FROM_BYTES,
            fromEvidenceFile ? atExit.evidenceBytes : atExit.stdoutBytes,
          );
  }

  // Documents named by `file`: each file read once for all the assertions on it (however its path is
  // spelled, through a link inside the root too: one real path, under its first spelling), so they all
  // judge the same content, and it is hashed and listed once.
  const byFile = new Map<string, Assertion[]>();
  const keyOf = new Map<string, string>();
  const byReal = new Map<string, string>();
  for (const assertion of check.expect) {
    if (assertion.file === undefined) continue;
    const file = path.resolve(check.cwd, assertion.file);
    let key = keyOf.get(file);
    if (key === undefined) {
      const real = orUndefined(() => realpathSync.native(file));
      key = (real === undefined ? undefined : byReal.get(real)) ?? file;
      if (real !== undefined && !byReal.has(real)) byReal.set(real, key);
      keyOf.set(file, key);
    }
    byFile.set(key, [...(byFile.get(key) ?? []), assertion]);
  }
  const fileReads = new Map<string, ProjectJsonRead>();
  // Read where they lead now: a link the check made out of the project root is refused, naming it.
  for (const [file, on] of byFile) {
    fileReads.set(file, await readProjectJsonFile(file, input.projectRoot, needOf(on), { notBeforeMs: input.notBeforeMs, hash: input.hashFile }));
  }

  const assertions: AssertionResult[] = [];
  for (const assertion of check.expect) {
    if (assertion.file !== undefined) {
      const read = fileReads.get(keyOf.get(path.resolve(check.cwd, assertion.file))!) as JsonRead;
      assertions.push(read.ok ? { ...evaluateAssertion(assertion, read.value), file: assertion.file } : unreadableAssertion(assertion, `cannot read ${assertion.file}: ${read.message}`));
    } else if (!doc) {
      assertions.push(unreadableAssertion(assertion, 'the check\'s output is "text", so there is no JSON evidence'));
    } else if (!doc.ok) {
      assertions.push(unreadableAssertion(assertion, `no JSON evidence: ${whyUnusable(doc, source)}`));
    } else {
      assertions.push(evaluateAssertion(assertion, doc.value));
    }
  }
  const parsed = doc?.ok === true || [...fileReads.values()].some((r) => r.ok);
  return { doc, source, byFile, fileReads, keyOf, assertions, parsed };
}

/**
 * Hashes the documents that were read (files named by `file`, then $GATE_EVIDENCE_FILE) for the report; notes a
 * file older than the check's chain. `listed`: which files they are (device and inode), each listed once, and
 * whether each is older than the check's chain (an `evidence` glob does not count such a file).
 */
async function hashDocuments(input: JudgeInput, read: DocumentsRead, notes: string[]): Promise<{ evidence: EvidenceFile[]; listed: Map<string, { stale: boolean }> }> {
  const evidence: EvidenceFile[] = [];
  const listed = new Map<string, { stale: boolean }>();
  for (const [file, on] of read.byFile) {
    // The bytes the assertions judged, hashed in the same read; a file too large to read is hashed as it is now.
    const judged = read.fileReads.get(file);
    const hashed =
      judged?.hashed ??
      (judged?.ok === false && judged.code === 'output-too-large' ? await hashRegularFile(file, { notBeforeMs: input.notBeforeMs, hash: input.hashFile, root: input.projectRoot }) : undefined);
    // A hard link of a file listed already is that file.
    if (!hashed?.ok || listed.has(hashed.identity)) continue;
    listed.set(hashed.identity, { stale: hashed.stale === true });
    evidence.push({ path: path.relative(input.projectRoot, file), sha256: hashed.sha256, bytes: hashed.bytes });
    if (hashed.stale) notes.push(`${on[0]?.file} is older than this check and its dependencies: its assertions read what was there before they started`);
  }
  const written = input.outcome.evidenceFile;
  // Only the check's own: a file first made after it exited was not judged.
  // One over the output limit is not hashed (a sparse file of terabytes would take hours to read): the report says so.
  if (written && input.outcome.atExit.evidenceBytes !== undefined && written.bytes <= HASH_LIMIT_BYTES) {
    const hashed = await hashRegularFile(written.path, { early: written.digest, hash: input.hashFile });
    if (hashed.ok) {
      listed.set(hashed.identity, { stale: false });
      evidence.push({ path: '$GATE_EVIDENCE_FILE', sha256: hashed.sha256, bytes: hashed.bytes });
    }
  }
  return { evidence, listed };
}

/** What processes the check left behind wrote after it exited, as a note (undefined: nothing): kept whole in the report, never judged. */
function writtenAfterExit({ stdout, stderr, evidenceFile, atExit }: AttemptOutcome): string | undefined {
  const wrote: string[] = [];
  if (stdout.bytes > atExit.stdoutBytes) wrote.push(`${stdout.bytes - atExit.stdoutBytes} bytes to stdout`);
  if (stderr.bytes > atExit.stderrBytes) wrote.push(`${stderr.bytes - atExit.stderrBytes} bytes to stderr`);
  if (evidenceFile) {
    const then = atExit.evidenceBytes;
    if (then === undefined) wrote.push(`${evidenceFile.bytes} bytes to $GATE_EVIDENCE_FILE (not there when it exited)`);
    else if (evidenceFile.bytes > then) wrote.push(`${evidenceFile.bytes - then} bytes to $GATE_EVIDENCE_FILE`);
  }
  return wrote.length > 0 ? `after it exited, what it left behind wrote ${wrote.join(', ')}: kept, not judged` : undefined;
}
