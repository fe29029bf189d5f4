/**
 * Reading what a check left behind: its JSON document, files named by
 * assertions, and `evidence` globs, each hashed for the report.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import { glob } from 'tinyglobby';
import type { EvidenceFile } from '../model/types.js';

/** JSON evidence larger than this is not parsed: the check is `error`. */
export const MAX_EVIDENCE_BYTES = 128 * 1024 * 1024;

export type JsonRead =
  | { ok: true; value: unknown; bytes: number }
  | { ok: false; code: 'no-json-output' | 'invalid-json' | 'output-too-large' | 'unreadable'; message: string; bytes: number };

/** Reads one JSON document; the size is checked on the open descriptor before anything is read. */
export async function readJsonFile(file: string, limit = MAX_EVIDENCE_BYTES): Promise<JsonRead> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    return { ok: false, code: 'unreadable', message: errnoMessage(error), bytes: 0 };
  }
  try {
    const { size } = await handle.stat();
    if (size > limit) return { ok: false, code: 'output-too-large', message: `${size} bytes`, bytes: size };
    const text = stripBom(await handle.readFile('utf8'));
    if (text.trim() === '') return { ok: false, code: 'no-json-output', message: 'empty', bytes: size };
    try {
      return { ok: true, value: JSON.parse(text) as unknown, bytes: size };
    } catch (error) {
      return { ok: false, code: 'invalid-json', message: (error as Error).message, bytes: size };
    }
  } catch (error) {
    return { ok: false, code: 'unreadable', message: errnoMessage(error), bytes: 0 };
  } finally {
    await handle.close();
  }
}

export async function fileExists(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

export function hashFile(file: string): Promise<{ sha256: string; bytes: number }> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    let bytes = 0;
    createReadStream(file)
      .on('data', (chunk) => {
        bytes += chunk.length;
        hash.update(chunk);
      })
      .on('error', reject)
      .on('end', () => resolve({ sha256: hash.digest('hex'), bytes }));
  });
}

/** Hashes every file matched by the globs (relative to cwd); names the globs that matched nothing. */
export async function collectEvidence(
  globs: string[],
  cwd: string,
  projectRoot: string,
): Promise<{ files: EvidenceFile[]; missing: string[] }> {
  const files: EvidenceFile[] = [];
  const missing: string[] = [];
  for (const pattern of globs) {
    const matches = (await glob(pattern, { cwd, absolute: true, onlyFiles: true, dot: true })).sort();
    if (matches.length === 0) missing.push(pattern);
    for (const match of matches) {
      const { sha256, bytes } = await hashFile(match);
      files.push({ path: path.relative(projectRoot, match), sha256, bytes });
    }
  }
  return { files, missing };
}

export function errnoMessage(error: unknown): string {
  const e = error as { code?: string; message?: string };
  return e.code ?? e.message ?? String(error);
}

const stripBom = (text: string) => (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
