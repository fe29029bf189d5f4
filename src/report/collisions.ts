/**
 * Secrets that masking cannot hide without breaking a report. Masking works on
 * the text of every file gate writes, so a secret whose value is (or is part
 * of) the report's own text would be masked there too: `status` turns every
 * `"status": "pass"` in closeout.json into `"[REDACTED]": "pass"`, `testcase`
 * makes junit.xml ill-formed, a number can stand where a duration is written.
 * Such a secret is refused before any check runs (exit 2), its variable named,
 * never its value nor the word it collides with (either would give the secret
 * away). After writing, the check of the files' shape (src/report/seal.ts)
 * catches whatever this one cannot foresee.
 *
 * The report's own text: every property name and fixed value of closeout.json
 * (walked from its schema), the JSON literals, junit.xml's markup, run.log's
 * and drill.json's keys, the `[REDACTED]` mark, and numbers. A secret collides
 * when any form that gate masks (plain, JSON-escaped, URL-encoded, base64):
 * - reads as a number, alone or with the punctuation around one (`1234,`);
 * - is made of punctuation and white space only, as reports are laid out with;
 * - is part of one of those words, or a word with its punctuation (`"pass"`, `&amp;`).
 * A secret of several lines has its specific lines' pieces masked too (16 characters or more of a line: see
 * `lineRuns` in redact.ts): it collides when a line holds 16 characters of a word (`assertion-failed`).
 */
import { readFileSync } from 'node:fs';
import { RUN_LOG_KEYS } from '../log/run-log.js';
import { DRILL_WORDS } from '../model/drill.js';
import { schemaWords } from '../model/report-words.js';
import { JUNIT_MARKUP } from './junit.js';
import { LAYOUT, layoutBounds, NUMBER, readsAsNumber } from './layout.js';
import { maskedForms, maskedLines, MIN_RUN_LENGTH, REDACTED, secretPlace, secretSources, type GateSecrets } from './redact.js';

/** closeout.json's words as a JSON array, put into the bundle by the build (scripts/build.mjs), walked from the same schema. */
declare const __CLOSEOUT_WORDS__: string | undefined;

/** Run from source (tests, `npm run dev`), there is no bundle: the shipped schema is walked, once, when a gate has secrets. */
function closeoutWords(): readonly string[] {
  if (typeof __CLOSEOUT_WORDS__ === 'string') return JSON.parse(__CLOSEOUT_WORDS__) as string[];
  return schemaWords(JSON.parse(readFileSync(new URL('../../schemas/closeout.schema.json', import.meta.url), 'utf8')));
}

interface Vocabulary {
  /** Every word of the reports' own text. */
  words: readonly string[];
  /** The runs of a word between layout characters (`REDACTED` of `[REDACTED]`): what a secret with punctuation around it is compared with. */
  pieces: ReadonlySet<string>;
  /** Every run of `MIN_RUN_LENGTH` characters of a word: masked where it is a piece of a secret's line. */
  runs: readonly string[];
}

let vocabulary: Vocabulary | undefined;

/** Built on first use: a run without secrets never asks for it. */
export function reportVocabulary(): Vocabulary {
  if (vocabulary) return vocabulary;
  const words = [...new Set([...closeoutWords(), 'true', 'false', 'null', REDACTED, ...JUNIT_MARKUP, ...RUN_LOG_KEYS, ...DRILL_WORDS])];
  const pieces = new Set(words.flatMap((w) => w.split(new RegExp(LAYOUT.source, 'g'))).filter((p) => p !== ''));
  const runs = [...new Set(words.flatMap((w) => Array.from({ length: Math.max(0, w.length - MIN_RUN_LENGTH + 1) }, (_, i) => w.slice(i, i + MIN_RUN_LENGTH))))];
  vocabulary = { words, pieces, runs };
  return vocabulary;
}

/** Whether masking `form` wherever it occurs would also mask some of the reports' own text. */
export function collides(form: string, vocab: Vocabulary = reportVocabulary()): boolean {
  const [start, end] = layoutBounds(form);
  const core = form.slice(start, end);
  if (core === '' || NUMBER.test(core)) return true;
  if (start === 0 && end === form.length) return vocab.words.some((w) => w.includes(core));
  // Punctuation on one side: the core ends (or starts) a word there; on both: it is a whole one.
  const fits = (piece: string) => (start > 0 && end < form.length ? piece === core : start > 0 ? piece.startsWith(core) : piece.endsWith(core));
  for (const piece of vocab.pieces) if (fits(piece)) return true;
  return false;
}

/** Whether masking the pieces of these lines of a secret (16 characters or more of one) would mask some of the reports' own text. */
export function linesCollide(lines: readonly string[], vocab: Vocabulary = reportVocabulary()): boolean {
  if (lines.length === 0) return false;
  const all = lines.join('\n');
  return vocab.runs.some((run) => all.includes(run));
}

export interface SecretProblem {
  message: string;
  hint: string;
}

/**
 * The gate's secrets that masking cannot hide without breaking its reports, one
 * problem a variable, each naming the variable only. Nothing is looked at when
 * the gate has no secret.
 */
export function secretCollisions(gate: GateSecrets, env: Record<string, string | undefined>): SecretProblem[] {
  const sources = secretSources(gate, env);
  if (sources.length === 0) return [];
  const vocab = reportVocabulary();
  const verdicts = new Map<string, boolean>();
  const collidesOnce = (value: string) => {
    let found = verdicts.get(value);
    if (found === undefined) verdicts.set(value, (found = maskedForms(value).some((form) => collides(form, vocab)) || linesCollide(maskedLines(value), vocab)));
    return found;
  };
  // A number under a secret-looking name that is not listed (a TTL, a timeout, a port) is masked but not
  // refused: the name alone does not make it a secret worth stopping every run for. Where gate's own JSON
  // writes a number, it is left (`Masking.json` in redact.ts), so it cannot break closeout.json, drill.json
  // or run.log; the check of the files' shape after writing (seal.ts) still catches what no one foresaw.
  const refused = (s: (typeof sources)[number]) => (s.listed || !readsAsNumber(s.value) ? collidesOnce(s.value) : false);
  return sources.filter(refused).map((s) => {
    const ways = [`give ${s.name} a value of its own`];
    if (s.block === undefined) ways.push(`leave it out of gate's environment`);
    if (s.listed) ways.push(`take it off "redact"`);
    else if (s.block !== undefined) ways.push('give it a name that does not look secret, if it holds no secret');
    return {
      message: `the secret in ${secretPlace(s)} cannot be masked: its value reads as part of the text gate's reports are made of (a name, a fixed value or a number), so masking it would break the files gate writes (closeout.json, junit.xml, run.log)`,
      hint: ways.join(', or '),
    };
  });
}
