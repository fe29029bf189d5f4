/**
 * Paths from a gate file must stay inside its project root: `cwd`, `evidence` globs,
 * assertion `file`s and `outputSchema` files. Checked lexically (`..`, absolute paths) and,
 * for what exists, through symlinks (real paths). Also loads `outputSchema` files.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { parseAssertion } from '../assert/parse.js';
import type { Diagnostic } from '../model/types.js';
import { parseJsonBytes, readFileLimited, type JsonPath, type JsonSource } from './json-source.js';
import { schemaPathProblem } from './schema-paths.js';
import { compileOutputSchema, type SchemaProblem } from '../judge/output-schema.js';
import { isInside } from '../util/inside.js';
import { isObj } from '../util/json.js';


export interface LoadedSchema {
  schema: unknown;
  source: string;
}

/** The real path of `target`, resolving symlinks in the part that exists; the rest is appended as written. */
async function realpathOfExisting(target: string): Promise<string> {
  let existing = target;
  const rest: string[] = [];
  for (;;) {
    try {
      return path.join(await fs.realpath(existing), ...rest);
    } catch {
      const parent = path.dirname(existing);
      if (parent === existing) return target;
      rest.unshift(path.basename(existing));
      existing = parent;
    }
  }
}

const MAGIC = /[*?[\]{}()!]/;

export class PathChecker {
  private rootReal: string | undefined;

  constructor(
    private readonly source: JsonSource,
    readonly root: string,
  ) {}

  /** A diagnostic when `rel` (relative to `base`) leaves the root; `what` names the field in the message. */
  async escape(at: JsonPath, what: string, rel: string, base: string, shown = rel): Promise<Diagnostic | undefined> {
    const hint = `keep ${what} inside the project root ${this.root}`;
    if (rel.includes('\0')) return this.source.diag(at, 'invalid-value', `${what} contains a NUL character`, 'remove the \\u0000');
    const target = path.resolve(base, rel);
    if (!isInside(this.root, target)) return this.source.diag(at, 'path-escape', `${what} ${JSON.stringify(shown)} leaves the project root`, hint);
    this.rootReal ??= await realpathOfExisting(this.root);
    const real = await realpathOfExisting(target);
    if (!isInside(this.rootReal, real)) return this.source.diag(at, 'path-escape', `${what} ${JSON.stringify(shown)} leads outside the project root through a symlink (to ${real})`, hint);
    return undefined;
  }

  /** Globs: `..` is only allowed before the first wildcard segment and never inside braces, where it cannot be checked. */
  async globEscape(at: JsonPath, glob: string, base: string): Promise<Diagnostic | undefined> {
    const segments = glob.split(/[\\/]/);
    const firstMagic = segments.findIndex((s) => MAGIC.test(s));
    const bad = segments.some((s, i) => (s === '..' && firstMagic >= 0 && i > firstMagic) || (MAGIC.test(s) && /(^|[{,|(])\.\.([},|)]|$)/.test(s)));
    if (bad) return this.source.diag(at, 'path-escape', `evidence glob ${JSON.stringify(glob)} uses ".." after a wildcard, which could leave the project root`, 'put any ".." before the first wildcard');
    const prefix = firstMagic < 0 ? glob : segments.slice(0, firstMagic).join('/') || '.';
    return this.escape(at, 'evidence glob', prefix, base, glob);
  }
}

/** Checks every path of every check; returns the loaded `outputSchema` files by check index. */
export async function checkPaths(source: JsonSource, root: string): Promise<{ diagnostics: Diagnostic[]; schemas: Map<number, LoadedSchema> }> {
  const out: Diagnostic[] = [];
  const schemas = new Map<number, LoadedSchema>();
  const checker = new PathChecker(source, root);
  const gate = isObj(source.value) ? source.value : {};
  const checks = Array.isArray(gate.checks) ? gate.checks : [];
  const push = (d: Diagnostic | undefined): void => {
    if (d) out.push(d);
  };
  for (const [i, c] of checks.entries()) {
    if (!isObj(c)) continue;
    let cwd: string | undefined = root;
    if (typeof c.cwd === 'string') {
      const d = await checker.escape(['checks', i, 'cwd'], 'cwd', c.cwd, root);
      push(d);
      cwd = d ? undefined : path.resolve(root, c.cwd);
    }
    if (cwd !== undefined && Array.isArray(c.evidence)) {
      for (const [k, g] of c.evidence.entries()) if (typeof g === 'string' && g !== '') push(await checker.globEscape(['checks', i, 'evidence', k], g, cwd));
    }
    if (cwd !== undefined && Array.isArray(c.expect)) {
      for (const [j, e] of c.expect.entries()) {
        if (isObj(e) && typeof e.file === 'string' && e.file !== '') push(await checker.escape(['checks', i, 'expect', j, 'file'], 'assertion file', e.file, cwd));
      }
    }
    let schema: LoadedSchema | undefined;
    let schemaFile: JsonSource | undefined;
    if (typeof c.outputSchema === 'string' && c.outputSchema !== '') {
      const loaded = await loadSchemaFile(source, checker, ['checks', i, 'outputSchema'], c.outputSchema, out);
      if (loaded) [schema, schemaFile] = [loaded.schema, loaded.file];
      if (schema) schemas.set(i, schema);
    } else if (isObj(c.outputSchema) || typeof c.outputSchema === 'boolean') {
      schema = { schema: c.outputSchema, source: 'inline' };
    }
    if (schema) {
      // Compiled with the same ajv options the judge uses (and kept for it), so a schema that cannot be used is a definition error, not a run-time one.
      const compiled = await compileOutputSchema(schema.schema);
      if (!compiled.ok) out.push(...compiled.problems.map((p) => schemaDiagnostic(source, i, p, schemaFile)));
      else if (Array.isArray(c.expect)) checkAssertionPaths(source, i, c.expect, schema, out);
    }
  }
  return { diagnostics: out, schemas };
}

async function loadSchemaFile(source: JsonSource, checker: PathChecker, at: JsonPath, rel: string, out: Diagnostic[]): Promise<{ schema: LoadedSchema; file: JsonSource } | undefined> {
  const escape = await checker.escape(at, 'outputSchema', rel, checker.root);
  if (escape) {
    out.push(escape);
    return undefined;
  }
  const abs = path.resolve(checker.root, rel);
  const shown = path.relative(checker.root, abs).split(path.sep).join('/');
  const read = await readFileLimited(abs);
  if (!read.ok) {
    const message = read.code === 'file-not-found' ? `outputSchema file ${JSON.stringify(rel)} does not exist (looked for ${abs})` : `cannot read outputSchema file ${JSON.stringify(rel)}: ${read.message}`;
    out.push(source.diag(at, read.code === 'file-not-found' ? 'output-schema-not-found' : 'output-schema-unreadable', message, 'give a path relative to the project root, or put the schema inline'));
    return undefined;
  }
  const parsed = parseJsonBytes(read.bytes, shown, 'schema file');
  const first = parsed.diagnostics[0];
  if (!parsed.ok || first) {
    const where = first ? `${shown}:${first.line}:${first.column}: ${first.message}` : shown;
    out.push(source.diag(at, 'output-schema-invalid-json', `outputSchema file is not valid JSON: ${where}`, first ? `in ${shown}: ${first.hint}` : 'fix the schema file'));
    return undefined;
  }
  const schema = parsed.source.value;
  if (typeof schema !== 'boolean' && (typeof schema !== 'object' || schema === null || Array.isArray(schema))) {
    out.push(source.diag(at, 'invalid-output-schema', `outputSchema file ${shown} must hold a JSON Schema object or boolean`, 'fix the schema file'));
    return undefined;
  }
  return { schema: { schema, source: shown }, file: parsed.source };
}

/**
 * A problem of an inline schema is pointed at in the gate file; one of a schema file at the
 * check's `outputSchema`, its message naming the place in the schema file.
 */
function schemaDiagnostic(source: JsonSource, i: number, p: SchemaProblem, file: JsonSource | undefined): Diagnostic {
  if (!file) return source.diag(['checks', i, 'outputSchema', ...p.at], 'invalid-output-schema', p.message, p.hint, { key: p.key });
  const place = file.diag(p.at, 'invalid-output-schema', p.message, p.hint, { key: p.key });
  const where = `${file.file}:${place.line}:${place.column}${place.jsonPath === '' ? '' : `: ${place.jsonPath}`}`;
  return source.diag(['checks', i, 'outputSchema'], 'invalid-output-schema', `outputSchema file ${where}: ${p.message}`, p.hint);
}

function checkAssertionPaths(source: JsonSource, i: number, expect: unknown[], s: LoadedSchema, out: Diagnostic[]): void {
  expect.forEach((e, j) => {
    const r = parseAssertion(e);
    if (!r.ok || r.assertion.file !== undefined || r.assertion.op === 'absent') return;
    const problem = schemaPathProblem(s.schema, r.assertion.path);
    if (problem) {
      out.push(source.diag(['checks', i, 'expect', j], 'assertion-path-not-in-schema', `assertion path ${r.assertion.pathText} cannot exist in the output schema: ${problem}`, 'fix the path, or the outputSchema'));
    }
  });
}
