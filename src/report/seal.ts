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
import { EXIT } from '../model/exit-codes.js';
import type { Report } from '../model/types.js';
import type { Redactor, SecretForm } from './redact.js';
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
    const forms = text === undefined ? [] : secrets.find(text);
    if (forms.length > 0) leaks.push({ file, forms });
  }
  return leaks;
}

/** The text masked again until no secret shows; undefined if it still holds one after the bound. */
export function maskUntilClean(text: string, secrets: Redactor): string | undefined {
  let current = text;
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    if (secrets.find(current).length === 0) return current;
    current = secrets(current);
  }
  return secrets.find(current).length === 0 ? current : undefined;
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
    const clean = maskUntilClean(text, secrets);
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
    const clean = maskUntilClean(file.content, secrets);
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
