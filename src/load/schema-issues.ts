/**
 * Turns zod issues into located, one-line diagnostics that say what is wrong and what was
 * found. Zod's own messages are not used: they name neither the field nor the value.
 */
import type * as z from 'zod';
import type { Diagnostic } from '../model/types.js';
import { nearest } from '../util/suggest.js';
import type { JsonPath, JsonSource } from './json-source.js';
import { formatJsonPath } from './json-source.js';
import { PATTERN_WORDING, SEMANTIC_PATTERNS } from './schema.js';

type Issue = z.core.$ZodIssue;
type AnySchema = z.core.$ZodType;
type Def = { type: string; [k: string]: unknown };

const FIELD_HINTS: Record<string, string> = {
  run: 'give an argv array, e.g. ["node", "scripts/check.mjs", "--json"]',
  checks: 'list at least one check, e.g. { "id": "lint", "run": ["npm", "run", "lint"] }',
  expectExitCode: 'give an exit code from 0 to 255, or a non-empty array of them',
  outputSchema: 'give a JSON Schema object inline, or the path of a schema file relative to the project root',
  id: 'ids use letters, digits, ".", "_" and "-"',
  expires: 'write a date like "2026-12-31"',
  timeoutMs: 'give milliseconds as a whole number, e.g. 60000 for a minute',
  retries: 'give how many extra attempts, e.g. 2',
  retryDelayMs: 'give milliseconds as a whole number, e.g. 1000',
  killGraceMs: 'give milliseconds as a whole number, e.g. 2000',
  reason: 'say why the failure is accepted, e.g. "known flake on ARM, fixed in 2.1"',
};

/** Hints for one field where its name alone would also match another (`path` is an assertion's too). */
const PATH_HINTS: Record<string, string> = {
  'envFile.path': 'give a path relative to the work dir, e.g. "app.env"',
};

/** What an object of each field looks like, for a hint when something else was found. */
const OBJECT_EXAMPLES: Record<string, string> = {
  checks: '{"id": "lint", "run": ["npm", "run", "lint"]}',
  waivers: '{"check": "lint", "reason": "known flake", "expires": "2026-12-31"}',
  defaults: '{"timeoutMs": 60000, "retries": 1}',
  envFile: '{"path": "app.env", "values": {"APP_ENV": "dev"}}',
  injectFail: '{"env": {"FORCE_FAIL": "1"}}',
};

/** Hints for values that break a pattern, wherever they sit (an id in `dependsOn` too). */
const PATTERN_HINTS: Record<string, string> = {
  'invalid-id': 'start with a letter or digit, then letters, digits, ".", "_" or "-", at most 64 characters in all (e.g. "M28-1")',
  'invalid-env-name': 'use letters, digits and "_", not starting with a digit (e.g. API_URL)',
};

/** For the rare issue no wording above covers: where every field is described. */
const SEE_DOCS = 'see docs/gate-file.md for what this field takes';

const defOf = (s: AnySchema): Def => s._zod.def as unknown as Def;

/** The schemas a value at this level may be checked against: optionals unwrapped, unions spread. */
function expand(s: AnySchema): AnySchema[] {
  const d = defOf(s);
  if (d.type === 'optional' || d.type === 'nullable' || d.type === 'default') return expand(d.innerType as AnySchema);
  if (d.type === 'union') return (d.options as AnySchema[]).flatMap(expand);
  return [s];
}

function schemasAt(root: AnySchema, path: JsonPath): AnySchema[] {
  let cur = expand(root);
  for (const seg of path) {
    cur = cur.flatMap((s) => {
      const d = defOf(s);
      const shape = d.shape as Record<string, AnySchema> | undefined;
      if (d.type === 'object' && typeof seg === 'string' && shape && Object.hasOwn(shape, seg)) return expand(shape[seg] as AnySchema);
      if (d.type === 'array' && typeof seg === 'number') return expand(d.element as AnySchema);
      if (d.type === 'record' && typeof seg === 'string') return expand(d.valueType as AnySchema);
      return [];
    });
  }
  return cur;
}

function allowedKeys(root: AnySchema, path: JsonPath): string[] {
  return schemasAt(root, path).flatMap((s) => {
    const d = defOf(s);
    return d.type === 'object' ? Object.keys(d.shape as object) : [];
  });
}

/**
 * Other tools' words for a field, by what they mean (compared in lower case, without `_` and `-`). Spelling alone
 * misleads here: `cmd` is one letter from `cwd`, `retry` begins `retryDelayMs`, `schema` is near `shell`.
 */
const FIELD_WORDS: Readonly<Record<string, string>> = {
  cmd: 'run', command: 'run', commands: 'run', script: 'run', exec: 'run', args: 'run', argv: 'run',
  needs: 'dependsOn', deps: 'dependsOn', after: 'dependsOn', dependencies: 'dependsOn',
  retry: 'retries', attempts: 'retries', maxretries: 'retries',
  dir: 'cwd', workdir: 'cwd', workingdir: 'cwd', workingdirectory: 'cwd',
  schema: 'outputSchema', jsonschema: 'outputSchema',
  exitcode: 'expectExitCode', exitcodes: 'expectExitCode',
  assert: 'expect', asserts: 'expect', assertions: 'expect',
};

/**
 * Where a field the format has elsewhere belongs, when it is written at the gate's top level, in a check or in
 * `defaults`: a look-alike of a field of this object (`required` → `retries`) would mislead.
 */
function misplacedField(root: AnySchema, path: JsonPath, key: string): string | undefined {
  const gateKeys = allowedKeys(root, []).filter((k) => k !== '$schema');
  const checkKeys = allowedKeys(root, ['checks', 0]);
  const defaultKeys = allowedKeys(root, ['defaults']);
  const quoted = JSON.stringify(key);
  if (path.length === 0) {
    if (defaultKeys.includes(key)) return `${quoted} for every check goes in "defaults": "defaults": { ${quoted}: ... } (or set it on a check)`;
    if (checkKeys.includes(key)) return `${quoted} is a field of a check: put it in the check's object in "checks"`;
  } else if (path.length === 2 && path[0] === 'checks' && typeof path[1] === 'number') {
    if (gateKeys.includes(key)) return `${quoted} is a field of the gate, not of a check: move it to the top level of the file`;
  } else if (path.length === 1 && path[0] === 'defaults') {
    if (key === 'env') return '"env" for every check is the gate\'s own "env", at the top level of the file; "defaults" holds ' + defaultKeys.join(', ');
    if (checkKeys.includes(key)) return `${quoted} is set on each check, not in "defaults", which holds ${defaultKeys.join(', ')}`;
  }
  return undefined;
}

/** "did you mean" for an unknown field: a known word for a field first, then the nearest spelling. */
function fieldSuggestion(key: string, allowed: readonly string[]): string | undefined {
  const word = key.toLowerCase().replace(/[-_]/g, '');
  if (word === 'optional' && allowed.includes('required')) return 'did you mean "required": false?';
  const meant = Object.hasOwn(FIELD_WORDS, word) ? FIELD_WORDS[word] : undefined;
  const guess = meant !== undefined && allowed.includes(meant) ? meant : nearest(key, allowed);
  return guess !== undefined ? `did you mean "${guess}"?` : undefined;
}

function intBounds(root: AnySchema, path: JsonPath): { min: number; max: number } | undefined {
  for (const s of schemasAt(root, path)) {
    const n = s as unknown as { minValue?: number | null; maxValue?: number | null };
    if (typeof n.minValue === 'number' && typeof n.maxValue === 'number') return { min: n.minValue, max: n.maxValue };
  }
  return undefined;
}

export function valueAt(root: unknown, path: JsonPath): unknown {
  let cur = root;
  for (const seg of path) {
    if (Array.isArray(cur) && typeof seg === 'number') cur = cur[seg];
    else if (typeof cur === 'object' && cur !== null && !Array.isArray(cur) && Object.hasOwn(cur, seg)) cur = (cur as Record<PropertyKey, unknown>)[seg];
    else return undefined;
  }
  return cur;
}

/** A value as a message shows it: scalars as JSON (strings cut at 40 characters), containers by kind. */
export function describeFound(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return v.length === 0 ? 'an empty array' : 'an array';
  if (typeof v === 'object' && v !== null) return 'an object';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  return String(v);
}

const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'a boolean',
  array: 'an array',
  tuple: 'an array',
  object: 'an object',
  record: 'an object',
};
const typeWords = (expected: string[]): string => {
  const words = [...new Set(expected.map((e) => (Object.hasOwn(TYPE_WORDS, e) ? TYPE_WORDS[e] : e)))];
  return words.length <= 2 ? words.join(' or ') : `${words.slice(0, -1).join(', ')} or ${words.at(-1)}`;
};

/** What the message calls the value: the path below the nearest list element, e.g. `timeoutMs`, `env.HOME`, `run[1]`. */
function subjectOf(path: JsonPath): string {
  let from = 0;
  for (let i = 0; i + 1 < path.length; i++) if (typeof path[i] === 'number' && typeof path[i + 1] === 'string') from = i + 1;
  return path.length === 0 ? 'the gate file' : formatJsonPath(path.slice(from));
}

/** The last field name on a path: `checks` for `checks[2]`, `env` for `env.HOME`. */
function fieldOf(path: JsonPath): string | undefined {
  for (let i = path.length - 1; i >= 0; i--) if (typeof path[i] === 'string') return path[i] as string;
  return undefined;
}

/** How to write what was expected instead of what was found: every type mismatch gets one. */
function typeHint(expected: string[], value: unknown, path: JsonPath): string {
  if (path.length === 0) return 'a gate file is one object, such as {"id": "m28", "checks": [...]}';
  const want = new Set(expected.map((e) => ({ int: 'number', tuple: 'array', record: 'object' })[e] ?? e));
  const scalar = value === null || ['string', 'number', 'boolean'].includes(typeof value);
  if (want.has('boolean')) return typeof value === 'string' ? 'write true or false without quotes' : 'write true or false';
  if (want.has('string')) {
    if (value === null) return 'write the text in double quotes, or leave the field out';
    return scalar ? `put it in double quotes: "${String(value)}"` : 'give one string in double quotes, e.g. "text"';
  }
  if (want.has('number')) return typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)) ? 'write the number without quotes' : 'give a number, e.g. 5';
  if (want.has('array')) return scalar ? `put it in square brackets: [${describeFound(value)}]` : 'put it in square brackets: [...]';
  const name = fieldOf(path);
  const example = name !== undefined && Object.hasOwn(OBJECT_EXAMPLES, name) ? OBJECT_EXAMPLES[name] : '{"NAME": "value"}';
  return `give an object in braces, e.g. ${example}`;
}

interface Leaf {
  path: PropertyKey[];
  issue: Issue;
  expected?: string[];
}

/** Flattens unions: a branch whose type matches the value explains the problem; with none, the value has the wrong type. */
function leaves(issue: Issue, base: PropertyKey[]): Leaf[] {
  const path = [...base, ...issue.path];
  if (issue.code !== 'invalid_union') return [{ path, issue }];
  const branches = issue.errors;
  const rootType = (branch: Issue[]) => branch.find((i) => i.code === 'invalid_type' && i.path.length === 0);
  const matching = branches.filter((b) => rootType(b) === undefined && b.length > 0);
  if (matching.length > 0) {
    const best = matching.reduce((a, b) => (b.length < a.length ? b : a));
    return best.flatMap((i) => leaves(i, path));
  }
  const expected = branches.map(rootType).flatMap((i) => (i && i.code === 'invalid_type' ? [i.expected] : []));
  const wrongType = { code: 'invalid_type', expected: expected.join(' | '), path: issue.path, message: issue.message } as Issue;
  return [{ path, issue: wrongType, expected }];
}

/**
 * Whether the issue is only the breaking of a rule semantic.ts reports in its own words (SEMANTIC_PATTERNS
 * in schema.ts): a pattern of a value, or of a key that breaks nothing else.
 */
export function isSemanticRule(issue: Issue): boolean {
  const own = (i: Issue) => i.code === 'invalid_format' && i.pattern !== undefined && SEMANTIC_PATTERNS.has(i.pattern);
  if (issue.code === 'invalid_key') return issue.issues.length > 0 && issue.issues.every(own);
  return own(issue);
}

export function issuesToDiagnostics(issues: Issue[], source: JsonSource, root: AnySchema, skip: (path: PropertyKey[], issue: Issue) => boolean): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const leaf of issues.flatMap((i) => leaves(i, []))) {
    if (skip(leaf.path, leaf.issue)) continue;
    out.push(...toDiagnostics(leaf, source, root));
  }
  return out;
}

function toDiagnostics(leaf: Leaf, source: JsonSource, root: AnySchema): Diagnostic[] {
  const { path, issue } = leaf;
  const value = valueAt(source.value, path);
  const subject = subjectOf(path);
  const found = describeFound(value);
  const last = path.at(-1);
  const joined = path.join('.');
  const fieldHint = Object.hasOwn(PATH_HINTS, joined) ? PATH_HINTS[joined] : typeof last === 'string' && Object.hasOwn(FIELD_HINTS, last) ? FIELD_HINTS[last] : undefined;
  const at = (code: string, message: string, hint: string, key = false): Diagnostic => source.diag(path, code, message, hint, { key });
  const range = (): Diagnostic | undefined => {
    const b = intBounds(root, path);
    if (!b) return undefined;
    const code = typeof value === 'number' ? 'out-of-range' : 'invalid-type';
    return at(code, `${subject} must be an integer from ${b.min} to ${b.max}, found ${found}`, fieldHint ?? `give a whole number from ${b.min} to ${b.max}`);
  };

  switch (issue.code) {
    case 'invalid_type': {
      // `run` is a tuple (its first item, the program, has a rule of its own): an empty array lacks that item, and is said to be empty.
      const parent = path.slice(0, -1);
      if (value === undefined && last === 0 && Array.isArray(valueAt(source.value, parent)) && (valueAt(source.value, parent) as unknown[]).length === 0) {
        return toDiagnostics({ path: parent, issue: { code: 'too_small', origin: 'array', minimum: 1, inclusive: true, path: [], message: issue.message } as Issue }, source, root);
      }
      if (value === undefined && typeof last === 'string') {
        return [at('missing-field', `missing required field "${last}"`, fieldHint ?? `add "${last}" to ${path.length > 1 ? subjectOf(path.slice(0, -1)) : 'the gate'}`)];
      }
      const expected = leaf.expected ?? [issue.expected];
      if (expected.every((e) => e === 'int' || e === 'number')) {
        const r = range();
        if (r) return [r];
      }
      return [at('invalid-type', `${subject} must be ${typeWords(expected)}, found ${found}`, fieldHint ?? typeHint(expected, value, path))];
    }
    case 'too_small':
    case 'too_big': {
      if (issue.origin === 'number' || issue.origin === 'int') {
        const r = range();
        if (r) return [r];
        const bound = issue.code === 'too_small' ? `at least ${issue.minimum}` : `at most ${issue.maximum}`;
        return [at('out-of-range', `${subject} must be ${bound}, found ${found}`, fieldHint ?? `give a number ${bound}`)];
      }
      const what = issue.origin === 'array' ? 'items' : 'characters';
      const sizeHint = fieldHint ?? (issue.origin === 'array'
          ? 'list at least one item, or leave the field out'
          : // An item of a list may go; the named fields that may not be empty are all required ones.
            typeof last === 'number'
            ? 'write the value between the quotes, or leave it out'
            : 'write the value between the quotes');
      if (issue.code === 'too_small' && Number(issue.minimum) === 1) return [at('invalid-value', `${subject} must not be empty, found ${found}`, sizeHint)];
      const bound = issue.code === 'too_small' ? `at least ${issue.minimum}` : `at most ${issue.maximum}`;
      return [at('invalid-value', `${subject} must have ${bound} ${what}, found ${found}`, sizeHint)];
    }
    case 'invalid_format': {
      const wording = issue.pattern !== undefined ? PATTERN_WORDING.get(issue.pattern) : undefined;
      if (wording) return [at(wording.code, `${subject} must be ${wording.what}, found ${found}`, PATTERN_HINTS[wording.code] ?? SEE_DOCS)];
      return [at('invalid-value', `${subject} must be a valid ${issue.format}, found ${found}`, fieldHint ?? SEE_DOCS)];
    }
    case 'invalid_value': {
      const allowed = issue.values.map((v) => JSON.stringify(v));
      const guess = typeof value === 'string' ? nearest(value, issue.values.map(String)) : undefined;
      const hint = guess !== undefined ? `did you mean ${JSON.stringify(guess)}?` : `write one of them exactly as shown, e.g. ${allowed[0] ?? '""'}`;
      return [at('invalid-value', `${subject} must be one of ${allowed.join(', ')}, found ${found}`, hint)];
    }
    case 'invalid_key': {
      // The pattern with wording first: a key such as GATE_A-B breaks the name pattern and the GATE_* rule (semantic.ts says that one).
      const formats = issue.issues.flatMap((i) => (i.code === 'invalid_format' && i.pattern !== undefined ? [i.pattern] : []));
      const wording = formats.map((p) => PATTERN_WORDING.get(p)).find((w) => w !== undefined);
      const what = wording?.what ?? 'a valid key';
      const hint = (wording ? PATTERN_HINTS[wording.code] : undefined) ?? 'rename the key';
      return [at(wording?.code ?? 'invalid-key', `key ${JSON.stringify(String(last))} in ${subjectOf(path.slice(0, -1))} must be ${what}`, hint, true)];
    }
    case 'unrecognized_keys': {
      const allowed = allowedKeys(root, path).filter((k) => k !== '$schema');
      return issue.keys.map((key) => {
        const hint = misplacedField(root, path, key) ?? fieldSuggestion(key, allowed) ?? `allowed fields: ${allowed.join(', ')}`;
        return source.diag([...path, key], 'unknown-field', `unknown field "${key}"`, hint, { key: true });
      });
    }
    default:
      return [at('invalid-value', `${subject}: ${issue.message}`, fieldHint ?? SEE_DOCS)];
  }
}
