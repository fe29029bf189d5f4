/**
 * Gate files in, validated `Gate`s or every problem out (SPEC sections 1 and 2).
 * Expected failures are values: nothing here throws for anything a user can write or type.
 */
import { createRequire } from 'node:module';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Diagnostic, Gate, LoadResult } from '../model/types.js';
import { buildGate } from './build-gate.js';
import { byPosition, definitionSecrets, maskDiagnostic } from './diagnostics.js';
import { formatJsonPath, parseJsonBytes, readFileLimited, type JsonSource } from './json-source.js';
import { nearest } from '../util/suggest.js';
import { checkPaths } from './paths.js';
import { gateFileSchema, ID_PATTERN, type GateFile } from './schema.js';
import type * as z from 'zod';
import { issuesToDiagnostics, isSemanticRule } from './schema-issues.js';
import { checkSemantics } from './semantic.js';

/** The file's path relative to `cwd` when it is below it, else absolute. */
export function displayPath(abs: string, cwd: string): string {
  const rel = path.relative(cwd, abs);
  return rel === '' || rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel) ? abs : rel;
}

/** The folder that holds `gates/` when the file sits directly in a folder named `gates`, else the file's own folder. */
export function projectRootOf(abs: string): string {
  const dir = path.dirname(abs);
  return path.basename(dir) === 'gates' ? path.dirname(dir) : dir;
}

const unplaced = (file: string, code: string, message: string, hint: string, jsonPath = ''): Diagnostic => ({ file, line: 0, column: 0, jsonPath, code, message, hint });

/** How to get past a gate file that cannot be read, when the reader gave no hint of its own. */
const READ_HINTS: Record<string, string> = {
  'file-not-found': 'check the path',
  'not-a-file': 'name the gate file itself, e.g. gates/m28.json',
};

async function existingGateIds(cwd: string): Promise<string[]> {
  try {
    const entries = await fs.readdir(path.join(cwd, 'gates'), { withFileTypes: true });
    const ids: string[] = [];
    for (const e of entries) {
      if (!e.name.endsWith('.json')) continue;
      const isFile = e.isFile() || (e.isSymbolicLink() && (await fs.stat(path.join(cwd, 'gates', e.name)).then((s) => s.isFile(), () => false)));
      if (isFile) ids.push(e.name.slice(0, -'.json'.length));
    }
    return ids.sort();
  } catch {
    return [];
  }
}

const exists = (abs: string): Promise<boolean> => fs.stat(abs).then(() => true, () => false);

/**
 * The names of gates/*.json, sorted, whatever each is (a file, a link, a folder), and apart those whose
 * ending is ".json" in another case (`Rel.JSON`): not gate files, but never left out in silence.
 */
async function jsonEntries(cwd: string): Promise<{ names: string[]; otherCase: string[] }> {
  const names = (await fs.readdir(path.join(cwd, 'gates')).catch(() => [] as string[])).sort();
  return { names: names.filter((name) => name.endsWith('.json')), otherCase: names.filter((name) => /\.json$/i.test(name) && !name.endsWith('.json')) };
}

/** The files the arguments name; on failure, `files` still holds those that were found (`gate validate` reports each). */
export async function resolveGateFiles(args: string[], opts: { cwd: string }): Promise<{ ok: true; files: string[] } | { ok: false; diagnostics: Diagnostic[]; files: string[] }> {
  const known = await existingGateIds(opts.cwd);
  const listHint = (asked?: string): string => {
    if (known.length === 0) return `there is no gates/*.json under ${opts.cwd}; create gates/<id>.json (see README: The gate file), or run "gate init" for an example that runs as written`;
    const guess = asked === undefined ? undefined : nearest(asked, known);
    return `${guess !== undefined ? `did you mean "${guess}"? ` : ''}gates that exist: ${known.join(', ')}`;
  };
  const files: string[] = [];
  const diagnostics: Diagnostic[] = [];
  if (args.length === 0) {
    // Every gates/*.json, whatever it is: one that cannot be read is reported (the loader says why
    // of a folder), never left out in silence, so a gate meant to run never makes a quiet GO.
    const { names, otherCase } = await jsonEntries(opts.cwd);
    for (const name of otherCase) {
      const message = `not read as a gate file: its name ends in ${JSON.stringify(name.slice(-'.json'.length))}, and gate files end in ".json", in lower case`;
      const hint = `rename it to gates/${name.slice(0, -'.json'.length)}.json, or move it out of gates/: with no gate named, every gates/*.json runs`;
      diagnostics.push(unplaced(`gates/${name}`, 'gate-not-found', message, hint));
    }
    if (names.length === 0 && otherCase.length === 0) return { ok: false, diagnostics: [unplaced('gates/', 'gate-not-found', `no gate files: found no gates/*.json under ${opts.cwd}`, listHint())], files: [] };
    for (const name of names) {
      const abs = path.join(opts.cwd, 'gates', name);
      if (await exists(abs)) files.push(abs);
      else {
        const shown = displayPath(abs, opts.cwd);
        diagnostics.push(unplaced(shown, 'gate-not-found', `a symbolic link to nothing (no file at ${JSON.stringify(await fs.readlink(abs).catch(() => '?'))})`, 'make it point to a gate file, or remove it: with no gate named, every gates/*.json runs'));
      }
    }
    return diagnostics.length > 0 ? { ok: false, diagnostics, files } : { ok: true, files };
  }
  for (const arg of args) {
    let abs: string;
    if (arg.endsWith('.json')) {
      abs = path.resolve(opts.cwd, arg);
      if (!(await exists(abs))) {
        diagnostics.push(unplaced(arg, 'gate-not-found', `no gate file at ${arg}`, listHint(path.basename(arg, '.json'))));
        continue;
      }
    } else {
      if (arg === '') {
        // Said as such (`gate run "$GATE"` with GATE unset), not as an id that does not match.
        diagnostics.push(unplaced(arg, 'gate-not-found', 'an empty argument names no gate', listHint()));
        continue;
      }
      // `gates/Rel.JSON`: a path whose ending differs only in case, told how to be one, not given the list of ids.
      const renameHint = `gate takes a path whose name ends in ".json", in lower case: rename the file to ${arg.slice(0, -'.json'.length)}.json`;
      if (!ID_PATTERN.test(arg)) {
        diagnostics.push(unplaced(arg, 'gate-not-found', `"${arg}" is neither a gate id nor a path ending in .json`, /\.json$/i.test(arg) ? renameHint : listHint(arg)));
        continue;
      }
      abs = path.join(opts.cwd, 'gates', `${arg}.json`);
      if (!(await exists(abs))) {
        // `Rel.JSON` reads as an id too (ids may hold "."): when no such gate is there but that file is, it is the file.
        const aFile = /\.json$/i.test(arg) && (await exists(path.resolve(opts.cwd, arg)));
        diagnostics.push(unplaced(arg, 'gate-not-found', `no gate "${arg}": ${displayPath(abs, opts.cwd)} does not exist`, aFile ? renameHint : listHint(arg)));
        continue;
      }
    }
    if (!files.includes(abs)) files.push(abs);
  }
  return diagnostics.length > 0 ? { ok: false, diagnostics, files } : { ok: true, files };
}

const isExpectItem = (p: PropertyKey[]): boolean => p.length >= 4 && p[0] === 'checks' && p[2] === 'expect';

interface LoadOptions {
  cwd: string;
  /** The environment whose secrets a definition error must not show: gate's own (`process.env`) unless handed in. */
  env?: Record<string, string | undefined>;
}
const lazyRequire = createRequire(import.meta.url);

/**
 * The gate-file schema compiled by ajv at build time (dist/gate-file-check.cjs, beside the bundle
 * that loads this), or null when running from sources. It only says yes or no, in a fraction of
 * zod's time: a file it accepts is taken as it is (the zod model has no transforms or defaults,
 * so zod would return the same value), and zod checks the rest for its precise messages.
 * tests/unit/gate-file-check.test.ts proves the two agree.
 */
let quickCheck: ((value: unknown) => boolean) | null | undefined;
async function schemaCheck(value: unknown): Promise<{ success: true; data: GateFile } | { success: false; error: { issues: z.core.$ZodIssue[] } }> {
  if (quickCheck === undefined) {
    try {
      quickCheck = lazyRequire('./gate-file-check.cjs') as (value: unknown) => boolean;
    } catch {
      quickCheck = null;
    }
  }
  if (quickCheck?.(value) === true) return { success: true, data: value as GateFile };
  return (await gateFileSchema()).safeParse(value);
}
const envOf = (opts: LoadOptions) => opts.env ?? process.env;

type Loaded = { result: LoadResult; source?: JsonSource; bytes?: Uint8Array; displayFile?: string; id?: string };

/** What a diagnostic about a file read as `bytes` must not show, masked (decoded leniently: a file that is not valid UTF-8 has secrets too). */
const masker = (bytes: Uint8Array | undefined, env: Record<string, string | undefined>): ((d: Diagnostic) => Diagnostic) => {
  const secrets = definitionSecrets(bytes === undefined ? '' : new TextDecoder('utf-8').decode(bytes), env);
  return (d) => maskDiagnostic(d, secrets);
};

/** Loads one file; its diagnostics come with the secrets they could show masked. */
async function loadOne(fileArg: string, cwd: string, env: Record<string, string | undefined>): Promise<Loaded> {
  const loaded = await checkOne(fileArg, cwd);
  if (loaded.result.ok) return loaded;
  return { ...loaded, result: { ok: false, diagnostics: loaded.result.diagnostics.map(masker(loaded.bytes, env)) } };
}

async function checkOne(fileArg: string, cwd: string): Promise<Loaded> {
  const abs = path.resolve(cwd, fileArg);
  const display = displayPath(abs, cwd);
  const read = await readFileLimited(abs);
  if (!read.ok) {
    const hint = read.hint ?? READ_HINTS[read.code] ?? 'check that the file exists and can be read';
    return { result: { ok: false, diagnostics: [unplaced(display, read.code, `cannot read gate file: ${read.message}`, hint)] } };
  }
  const parsed = parseJsonBytes(read.bytes, display);
  if (!parsed.ok) return { result: { ok: false, diagnostics: parsed.diagnostics }, bytes: read.bytes };
  const source = parsed.source;
  const diagnostics = [...parsed.diagnostics];

  const checked = await schemaCheck(source.value);
  // A number too large for a double is reported once, where it is: not again by the schema, of the Infinity it became.
  const tooLarge = new Set(parsed.diagnostics.filter((d) => d.code === 'invalid-number').map((d) => d.jsonPath));
  const semantic = checkSemantics(source);
  // A rule of one field that checkSemantics reports in its own words is in the schema too (for editors): said once, in those words.
  const saidBySemantics = new Set(semantic.map((d) => d.jsonPath));
  // Assertions get their own, more precise messages from the assertion parser (in checkSemantics).
  const skip = (p: PropertyKey[], issue: z.core.$ZodIssue): boolean =>
    isExpectItem(p) || tooLarge.has(formatJsonPath(p)) || (isSemanticRule(issue) && saidBySemantics.has(formatJsonPath(p)));
  if (!checked.success) diagnostics.push(...issuesToDiagnostics(checked.error.issues, source, await gateFileSchema(), skip));
  diagnostics.push(...semantic);
  // Should the assertion parser ever accept what the schema refuses, the schema's word must still be heard.
  if (!checked.success && diagnostics.length === 0) diagnostics.push(...issuesToDiagnostics(checked.error.issues, source, await gateFileSchema(), () => false));
  const projectRoot = projectRootOf(abs);
  const paths = await checkPaths(source, projectRoot);
  diagnostics.push(...paths.diagnostics);

  const explicitId = checked.success ? checked.data.id : undefined;
  const id = explicitId ?? path.basename(abs).replace(/\.json$/i, '');
  if (explicitId === undefined && !ID_PATTERN.test(id)) {
    diagnostics.push(unplaced(display, 'invalid-id', `the gate id defaults to the file name, and ${JSON.stringify(id)} is not a valid id`, 'add an "id" field (letters, digits, ".", "_", "-"), or rename the file', 'id'));
  }
  if (!checked.success || diagnostics.length > 0) {
    // The id the gate would have, when the file gives a valid one (or none, and its name is one): a gate id
    // used twice is reported beside this file's other problems, not after they are fixed.
    const top = source.value;
    const given = typeof top === 'object' && top !== null && !Array.isArray(top) && Object.hasOwn(top, 'id') ? (top as Record<string, unknown>).id : id;
    const usable = typeof given === 'string' && ID_PATTERN.test(given) ? given : undefined;
    return { result: { ok: false, diagnostics: byPosition(diagnostics) }, source, bytes: read.bytes, displayFile: display, id: usable };
  }

  const gate = buildGate(checked.data, { id, file: abs, displayFile: display, projectRoot, sha256: '', schemas: paths.schemas });
  // Hashed when first read (a run's report): node:crypto costs `validate`, `list` and `graph` a few ms to load for nothing.
  const bytes = read.bytes;
  let sha256: string | undefined;
  Object.defineProperty(gate, 'sha256', {
    enumerable: true,
    configurable: true,
    get: () => (sha256 ??= (lazyRequire('node:crypto') as typeof import('node:crypto')).createHash('sha256').update(bytes).digest('hex')),
  });
  return { result: { ok: true, gate }, source, bytes: read.bytes };
}

export async function loadGate(fileArg: string, opts: LoadOptions): Promise<LoadResult> {
  return (await loadOne(fileArg, opts.cwd, envOf(opts))).result;
}

/** Resolves and loads every gate, reporting every problem of every file, and gate ids used twice. */
export async function loadGates(args: string[], opts: LoadOptions): Promise<{ ok: true; gates: Gate[] } | { ok: false; diagnostics: Diagnostic[] }> {
  const { gates, diagnostics } = await loadEachGate(args, opts);
  return diagnostics.length > 0 ? { ok: false, diagnostics } : { ok: true, gates };
}

/**
 * Every gate the arguments name that loads cleanly, and every problem: of a name that finds no file, of
 * each file, and of a gate id used twice (the first file keeps it). For a command that reports each file
 * (`gate validate`); one that acts on the gates takes none of them unless all are good (loadGates).
 */
export async function loadEachGate(args: string[], opts: LoadOptions): Promise<{ gates: Gate[]; diagnostics: Diagnostic[] }> {
  const resolved = await resolveGateFiles(args, opts);
  const loaded = await Promise.all(resolved.files.map((f) => loadOne(f, opts.cwd, envOf(opts))));
  const diagnostics: Diagnostic[] = resolved.ok ? [] : [...resolved.diagnostics];
  const gates: Gate[] = [];
  // Every file whose id is known takes part, also one with other problems: its id used twice is one more
  // of them, said at once (and a file after it with that id is not ok, whichever of the two has problems).
  const byId = new Map<string, { id: string; displayFile: string }>();
  for (const { result, source, bytes, displayFile, id: failedId } of loaded) {
    const id = result.ok ? result.gate.id : failedId;
    const shown = result.ok ? result.gate.displayFile : displayFile;
    // Folded: ids that differ only in case name one report dir and one work dir on macOS and Windows.
    const first = id === undefined ? undefined : byId.get(id.toLowerCase());
    let duplicate: Diagnostic | undefined;
    if (first && id !== undefined && shown !== undefined) {
      const message =
        first.id === id
          ? `gate id "${id}" is also the id of ${first.displayFile}`
          : `gate id "${id}" differs only in case from "${first.id}" (${first.displayFile}): on macOS and Windows their report and work dirs would be one`;
      const hint = 'give each gate its own id: it names the gate’s work and report dirs';
      const d = source?.has(['id']) ? source.diag(['id'], 'duplicate-gate-id', message, hint) : unplaced(shown, 'duplicate-gate-id', message, hint, 'id');
      duplicate = masker(bytes, envOf(opts))(d);
    } else if (id !== undefined && shown !== undefined) byId.set(id.toLowerCase(), { id, displayFile: shown });
    if (!result.ok) {
      diagnostics.push(...(duplicate ? byPosition([duplicate, ...result.diagnostics]) : result.diagnostics));
      continue;
    }
    if (duplicate) {
      diagnostics.push(duplicate);
      continue;
    }
    gates.push(result.gate);
  }
  return { gates, diagnostics };
}
