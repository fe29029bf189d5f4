/**
 * The last line of defence for secrets: once a run's files are written, each
 * one is read back and searched for every secret, in every form the redactor
 * knows. Masking is checked, not trusted.
 *
 * Should a secret be found (masking can miss, e.g. where masking one secret
 * leaves text that reads as another), the run fails at its own job: the
 * report's verdict becomes `fail` (never GO) with exit code 1, the files that
 * hold a secret are masked again, or removed when that does not clear them,
 * and the report files that carry the verdict are written anew. No secret is
 * left on disk, and the message names files and forms, never the secret.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { EXIT } from '../model/exit-codes.js';
import { parsesAsJson } from '../util/json.js';
import type { Report } from '../model/types.js';
import { xmlWellFormed } from './junit.js';
import { isOwnJson, maskFile, redactDeep, redactorOf, secretPlace, type Masking, type Redactor, type SecretForm, type SecretSource } from './redact.js';
import { replaceReportFiles, type ReportFile } from './write.js';

/** How many more masking passes a file gets before it is removed instead. */
const MAX_PASSES = 8;
/** What stands in for a captured output that could not be cleared. */
const REMOVED = '[gate: this output was removed: it still held a secret after masking]\n';

export interface Leak {
  file: string;
  forms: SecretForm[];
}

/** The files (relative to `dir`) in which a secret shows, and in which forms. Every file is read whole: each is bounded by the capture limits. */
export async function findLeaks(dir: string, names: string[], secrets: Redactor): Promise<Leak[]> {
  if (secrets.reach === 0) return [];
  const leaks: Leak[] = [];
  for (const file of names) {
    const text = await readFile(path.join(dir, file), 'utf8').catch(() => undefined);
    const forms = text === undefined ? [] : secrets.find(text, isOwnJson(file));
    if (forms.length > 0) leaks.push({ file, forms });
  }
  return leaks;
}

/** The text masked again until no secret shows; undefined if it still holds one after the bound. `json`: JSON gate rendered itself (see `Masking.json`). */
export function maskUntilClean(text: string, secrets: Redactor, json = false): string | undefined {
  let current = text;
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    if (secrets.find(current, json).length === 0) return current;
    current = json ? secrets.json(current) : secrets(current);
  }
  return secrets.find(current, json).length === 0 ? current : undefined;
}

const sha256 = (text: string) => createHash('sha256').update(Buffer.from(text, 'utf8')).digest('hex');

/**
 * Scans the files just written. Returns undefined when none holds a secret;
 * else fixes the files and the report (in place) and returns the message for
 * a run that failed at its own job.
 */
export async function sealReport(
  dir: string,
  written: ReportFile[],
  report: Report,
  secrets: Redactor,
  render: (report: Report) => ReportFile[],
): Promise<string | undefined> {
  const names = written.map((f) => f.name);
  const leaks = await findLeaks(dir, names, secrets);
  if (leaks.length === 0) return undefined;

  report.verdict = 'fail';
  report.decision = 'NO-GO';
  report.exitCode = EXIT.internal;
  const rendered = new Set(render(report).map((f) => f.name));
  const again: ReportFile[] = [];
  const removed: string[] = [];
  for (const leak of leaks) {
    if (rendered.has(leak.file)) continue;
    const text = await readFile(path.join(dir, leak.file), 'utf8');
    const clean = maskUntilClean(text, secrets, isOwnJson(leak.file));
    const content = clean ?? (leak.file.startsWith('checks/') ? REMOVED : undefined);
    if (content === undefined) {
      removed.push(leak.file);
      continue;
    }
    again.push({ name: leak.file, content });
    // The report's hash of a kept output must describe the file as it now is.
    for (const check of report.checks) {
      for (const stream of ['stdout', 'stderr', 'evidenceFile'] as const) {
        const kept = check[stream];
        if (kept?.file === leak.file) check[stream] = { ...kept, bytes: Buffer.byteLength(content, 'utf8'), sha256: sha256(content) };
      }
    }
  }
  // The files that carry the verdict are rendered anew from the amended report.
  for (const file of render(report)) {
    const clean = maskUntilClean(file.content, secrets, isOwnJson(file.name));
    if (clean === undefined) removed.push(file.name);
    else again.push({ name: file.name, content: clean });
  }
  const rewritten = await replaceReportFiles(dir, again, removed);
  // Whatever still shows a secret now goes; nothing is left on disk with one.
  const still = rewritten.ok ? await findLeaks(dir, names, secrets) : leaks;
  if (still.length > 0) await replaceReportFiles(dir, [], still.map((l) => l.file));

  const where = leaks.map((l) => `${l.file} (${l.forms.join(', ')})`).join(', ');
  const fate = removed.length > 0 ? `masked again, except ${removed.join(', ')}, which gate removed` : 'masked again';
  return `a secret got past masking into ${where}; the files were ${fate}, and the run is NO-GO`;
}

/**
 * What is wrong with a JSON report as written (`text`), given what gate
 * rendered (`rendered`, from a report whose strings were masked already) and
 * masked on the way out: not JSON, or not the report's data. The last pass of
 * masking may only mask strings further (a secret that masking one made, which
 * the scan for secrets deals with); if it changed a name, a number or the
 * layout, the file is not the report, even where it still parses.
 */
export function jsonReportProblem(name: string, text: string, rendered: string, redact: (text: string) => string): string | undefined {
  if (text === rendered) return undefined;
  if (!parsesAsJson(text)) return `${name} is not valid JSON`;
  return isDeepStrictEqual(JSON.parse(text), redactDeep(JSON.parse(rendered), redact)) ? undefined : `masking changed ${name}'s own names or values`;
}

/** The files a program reads, and what is wrong with one as written, given what gate rendered and how it masks. */
const SHAPES: Record<string, (text: string, rendered: string, redact: (text: string) => string) => string | undefined> = {
  'closeout.json': (text, rendered, redact) => jsonReportProblem('closeout.json', text, rendered, redact),
  'junit.xml': (text) => (xmlWellFormed(text) ? undefined : 'junit.xml is not well-formed XML'),
  'run.log': (text) => (text.split('\n').every((line) => line === '' || parsesAsJson(line)) ? undefined : 'run.log has lines that are not JSON'),
};

/**
 * The check of the files a program reads, after writing (and after the scan for
 * secrets). Masking works on text: a secret that reads as part of a report's
 * own text is refused before the run (src/report/collisions.ts), but one that
 * meets that text in a way no list foresees (next to an escape, across a value
 * and its quotes) would leave closeout.json unparsable or changed, junit.xml
 * ill-formed or run.log broken. Returns undefined when every one is whole. Else
 * the run fails at its own job: the report's verdict becomes `fail` (never GO)
 * with exit code 1, and the files that carry the verdict are written anew,
 * masked as before (they may still be broken, but they say NO-GO). The message
 * names what is wrong and, where masking one secret alone does it, its
 * variable, never its value. `rendered` holds the files as rendered, before the
 * last pass of masking.
 */
export async function checkShapes(
  dir: string,
  rendered: ReportFile[],
  report: Report,
  redact: Masking,
  render: (report: Report) => ReportFile[],
  sources: SecretSource[],
): Promise<string | undefined> {
  const renderedAs = (name: string) => rendered.find((f) => f.name === name)?.content;
  const problems: string[] = [];
  const broken: string[] = [];
  for (const [name, problemOf] of Object.entries(SHAPES)) {
    const text = await readFile(path.join(dir, name), 'utf8').catch(() => undefined);
    const problem = text === undefined ? undefined : problemOf(text, renderedAs(name) ?? text, redact);
    if (problem) {
      problems.push(problem);
      broken.push(name);
    }
  }
  if (problems.length === 0) return undefined;

  report.verdict = 'fail';
  report.decision = 'NO-GO';
  report.exitCode = EXIT.internal;
  const rewritten = await replaceReportFiles(dir, render(report).map((f) => ({ name: f.name, content: maskFile(redact, f.name, f.content) })));

  const why = whoBreaks(sources, (alone) =>
    broken.some((name) => {
      const original = renderedAs(name);
      return original !== undefined && SHAPES[name]!(maskFile(alone, name, original), original, alone) !== undefined;
    }),
  );
  const fate = rewritten.ok ? 'the files that carry the verdict were written again as NO-GO' : `writing them again as NO-GO failed (${rewritten.message})`;
  return `masking secrets broke the report: ${problems.join(', ')}; ${why}; ${fate}, and the run is NO-GO`;
}

/**
 * Which secret breaks a file, as a message says it: the variables whose value, masked alone, does it
 * (`breaks` tells whether masking with a redactor breaks the file); named with where they were set, never
 * their values. When none does it alone, the secrets together do.
 */
export function whoBreaks(sources: SecretSource[], breaks: (alone: Redactor) => boolean): string {
  const culprits = sources.filter((s) => breaks(redactorOf([s])));
  return culprits.length > 0
    ? `masking the value of ${[...new Set(culprits.map(secretPlace))].join(', ')} is what does it (give it a value of its own)`
    : "masking the gate's secrets together is what does it";
}
