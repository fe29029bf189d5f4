/**
 * Rules across fields that a schema cannot state: unique ids, known and acyclic
 * dependencies, waiver targets and dates, assertions, the env file path. They read the raw
 * value defensively, so they run (and report) even when the schema found problems too.
 */
import path from 'node:path';
import { assertionProblems } from '../assert/parse.js';
import type { Diagnostic } from '../model/types.js';
import type { JsonSource } from './json-source.js';
import { nearest } from '../util/suggest.js';
import { describeFound } from './schema-issues.js';
import { isObj, type Obj } from '../util/json.js';
import { LOCK_NAME, WORK_DIR_MARKER } from '../model/gate-names.js';

const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** When a waiver stops covering anything: the next UTC midnight for a date, the instant for a date-time. */
export function parseExpires(text: string): Date | undefined {
  const validDay = (y: number, m: number, d: number): boolean => {
    const t = new Date(Date.UTC(y, m - 1, d));
    return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
  };
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (day) {
    const [y, m, d] = [Number(day[1]), Number(day[2]), Number(day[3])];
    return validDay(y, m, d) ? new Date(Date.UTC(y, m - 1, d + 1)) : undefined;
  }
  const dt = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-](\d{2}):(\d{2}))$/.exec(text);
  if (!dt) return undefined;
  const [y, m, d, h, mi, s] = [1, 2, 3, 4, 5, 6].map((i) => Number(dt[i] ?? 0)) as [number, number, number, number, number, number];
  if (!validDay(y, m, d) || h > 23 || mi > 59 || s > 59) return undefined;
  if (dt[7] !== 'Z' && (Number(dt[8]) > 23 || Number(dt[9]) > 59)) return undefined;
  const at = new Date(text);
  return Number.isNaN(at.getTime()) ? undefined : at;
}

/** For a parse error that brings no hint of its own. */
const ASSERTION_FORMS = 'see "Evidence assertions" in the README for the two forms an assertion takes';

/**
 * A value with every number too large for a double (JSON.parse makes it Infinity) as 0. That
 * number is reported where it is, as invalid-number; an assertion holding it is judged as if it
 * were an ordinary number, so that it is not reported twice and the rest is still checked.
 */
function withFiniteNumbers(v: unknown): unknown {
  if (typeof v === 'number') return Number.isFinite(v) ? v : 0;
  if (Array.isArray(v)) return v.map(withFiniteNumbers);
  if (isObj(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, withFiniteNumbers(x)]));
  return v;
}

export function checkSemantics(source: JsonSource): Diagnostic[] {
  const out: Diagnostic[] = [];
  const gate = isObj(source.value) ? source.value : {};
  const checks = arr(gate.checks);

  // Ids: the first occurrence owns the id; later ones are reported. Also ids that differ only in case
  // (`a`, `A`): a check's work folder, checks/<id>.*.txt and a drill's rounds/<id>/ are named by its id,
  // and on macOS and Windows those names are one file; a gate file should mean the same wherever it runs.
  // Such an id still names its check (a dependsOn on it is not reported as unknown too).
  const firstIndex = new Map<string, number>();
  const firstFolded = new Map<string, { id: string; index: number }>();
  checks.forEach((c, i) => {
    const id = isObj(c) ? str(c.id) : undefined;
    if (id === undefined) return;
    const first = firstIndex.get(id);
    if (first !== undefined) {
      out.push(source.diag(['checks', i, 'id'], 'duplicate-id', `duplicate check id "${id}", already used by checks[${first}]`, 'give every check its own id'));
      return;
    }
    firstIndex.set(id, i);
    const folded = firstFolded.get(id.toLowerCase());
    if (folded === undefined) firstFolded.set(id.toLowerCase(), { id, index: i });
    else {
      const message = `check id "${id}" differs only in case from "${folded.id}" (checks[${folded.index}]): on macOS and Windows their work folders, checks/<id>.*.txt and a drill's rounds/<id>/ would be one`;
      out.push(source.diag(['checks', i, 'id'], 'duplicate-id', message, 'give every check an id that differs from the others in more than case'));
    }
  });
  const ids = [...firstIndex.keys()];
  const unknownIdHint = (id: string): string => {
    const guess = nearest(id, ids);
    return guess !== undefined ? `did you mean "${guess}"?` : `known check ids: ${ids.join(', ')}`;
  };

  // JSON can hold a NUL only written as the escape \u0000 (a raw control character is not JSON): without one, no value has one.
  const mayHoldNul = source.text.includes('\\u0000');
  checks.forEach((c, i) => {
    if (!isObj(c)) return;
    checkRun(source, c, i, out);
    if (mayHoldNul) checkNul(source, c, i, out);
    arr(c.dependsOn).forEach((dep, k) => {
      if (typeof dep !== 'string') return;
      if (dep === c.id) out.push(source.diag(['checks', i, 'dependsOn', k], 'self-dependency', `check "${dep}" depends on itself`, 'remove it from its own dependsOn'));
      else if (!firstIndex.has(dep)) out.push(source.diag(['checks', i, 'dependsOn', k], 'unknown-dependency', `dependsOn names "${dep}", which is not a check in this gate`, unknownIdHint(dep)));
    });
    if (Array.isArray(c.expect)) {
      c.expect.forEach((e, j) => {
        let problems = assertionProblems(e);
        if (problems.length > 0 && isObj(e)) problems = assertionProblems(withFiniteNumbers(e));
        // Each where it lies: an object's unknown field at its name, a bad op, path, file or value at that field.
        for (const p of problems) {
          const at = p.field === undefined ? ['checks', i, 'expect', j] : ['checks', i, 'expect', j, p.field];
          out.push(source.diag(at, 'invalid-assertion', `invalid assertion: ${p.message}`, p.hint ?? ASSERTION_FORMS, { key: p.key === true }));
        }
      });
    }
  });
  out.push(...findCycles(source, checks, firstIndex));

  arr(gate.waivers).forEach((w, i) => {
    if (!isObj(w)) return;
    const target = str(w.check);
    if (target !== undefined && !firstIndex.has(target)) {
      out.push(source.diag(['waivers', i, 'check'], 'unknown-waiver-target', `waiver names "${target}", which is not a check in this gate`, unknownIdHint(target)));
    }
    const expires = str(w.expires);
    if (expires !== undefined && parseExpires(expires) === undefined) {
      out.push(
        source.diag(['waivers', i, 'expires'], 'invalid-date', `expires must be a date YYYY-MM-DD or an ISO date-time with offset, found ${describeFound(expires)}`, 'e.g. "2026-12-31" (in force through that day, UTC) or "2026-12-31T18:00:00Z"'),
      );
    }
  });

  if (mayHoldNul) envNul(source, ['env'], gate.env, out);
  if (isObj(gate.env)) {
    for (const name of Object.keys(gate.env)) {
      if (name.startsWith('GATE_')) out.push(source.diag(['env', name], 'reserved-env-name', `${name}: GATE_* variables are set by gate and cannot be overridden`, 'choose another name'));
    }
  }
  // An empty path is the schema's to report (envFile.path must not be empty): once, not again as naming no file.
  if (isObj(gate.envFile) && typeof gate.envFile.path === 'string' && gate.envFile.path !== '') {
    const problem = envFilePathProblem(gate.envFile.path) ?? envFileCollision(gate.envFile.path, ids);
    if (problem) out.push(source.diag(['envFile', 'path'], problem.code, problem.message, problem.hint));
  }
  return out;
}

/** What each of gate's own names in the work dir is, for a message about a path that takes it. */
const WORK_DIR_NAMES: Record<string, string> = {
  [LOCK_NAME]: 'the lock a run holds on the work dir',
  [WORK_DIR_MARKER]: "gate's mark on a work dir it made",
};

/**
 * Whether the env file (a valid path, relative to the work dir) would take one of gate's own names there:
 * the lock, the mark, or a check's folder (`GATE_WORK_DIR` is `<work dir>/<check id>`, emptied before the
 * check runs). Only the first segment can: nothing of gate's lies deeper. Compared without case, since on
 * macOS and Windows `.GATE.LOCK` is the lock: a gate file should mean the same wherever it runs.
 */
function envFileCollision(p: string, checkIds: readonly string[]): { code: string; message: string; hint: string } | undefined {
  const segments = path.posix.normalize(p.replace(/\\/g, '/')).split('/');
  const first = segments[0] ?? '';
  const where = segments.length === 1 ? 'is' : 'lies in';
  const caseNote = (name: string) => (name === first ? '' : ' (names that differ only in case are one file on macOS and Windows)');
  const own = Object.keys(WORK_DIR_NAMES).find((name) => name === first.toLowerCase());
  if (own !== undefined) {
    const message = `envFile.path ${JSON.stringify(p)} ${where} gate's own ${own}: ${WORK_DIR_NAMES[own]}${caseNote(own)}`;
    return { code: 'path-collision', message, hint: `choose a path that is not one of gate's own names (${Object.keys(WORK_DIR_NAMES).join(', ')}), e.g. "env/app.env"` };
  }
  const id = checkIds.find((c) => c.toLowerCase() === first.toLowerCase());
  if (id === undefined) return undefined;
  const message = `envFile.path ${JSON.stringify(p)} ${where} the work folder of check "${id}", which is emptied before that check runs${caseNote(id)}`;
  return { code: 'path-collision', message, hint: 'choose a path that does not start with a check id, e.g. "env/app.env"' };
}

function checkRun(source: JsonSource, c: Obj, i: number, out: Diagnostic[]): void {
  if (typeof c.run === 'string' && c.shell !== true) {
    out.push(source.diag(['checks', i, 'run'], 'shell-required', 'run is a single string, which needs "shell": true', 'split it into an argv array, e.g. ["npm", "test"], or add "shell": true to run it through the shell'));
  }
  // A shell would re-split an argv array's words (["sh", "-c", "exit 3"] would run `exit`): one command line or no shell.
  if (Array.isArray(c.run) && c.shell === true) {
    out.push(source.diag(['checks', i, 'shell'], 'invalid-value', '"shell": true takes run as one command line, found an argv array', 'drop "shell": true to run the array as argv, or write run as one string, e.g. "npm test && npm run lint"'));
  }
  if (c.output === 'text') {
    if (c.outputSchema !== undefined) {
      out.push(source.diag(['checks', i, 'outputSchema'], 'invalid-value', 'outputSchema needs JSON output, but this check has "output": "text"', 'drop outputSchema, or set "output": "json"'));
    }
    arr(c.expect).forEach((e, j) => {
      if (!(isObj(e) && typeof e.file === 'string')) {
        out.push(source.diag(['checks', i, 'expect', j], 'invalid-assertion', 'this assertion reads the JSON evidence, but the check has "output": "text"', 'give the assertion a "file", or set "output": "json"'));
      }
    });
  }
  const reserved = (where: PropertyKey[], env: unknown) => {
    if (!isObj(env)) return;
    for (const name of Object.keys(env)) {
      if (name.startsWith('GATE_')) out.push(source.diag([...where, name], 'reserved-env-name', `${name}: GATE_* variables are set by gate and cannot be overridden`, 'choose another name'));
    }
  };
  reserved(['checks', i, 'env'], c.env);
  reserved(['checks', i, 'injectFail', 'env'], isObj(c.injectFail) ? c.injectFail.env : undefined);
  if (Array.isArray(c.run) && c.run[0] === '') {
    out.push(source.diag(['checks', i, 'run', 0], 'invalid-value', 'run[0], the program to run, must not be empty, found ""', 'name the program first, e.g. ["node", "check.mjs"]'));
  } else if (Array.isArray(c.run) && typeof c.run[0] === 'string' && c.run[0].trim() === '') {
    // Trimmed, nothing is left to name: the hint names a program, not the empty string.
    out.push(source.diag(['checks', i, 'run', 0], 'invalid-value', `run[0], the program to run, is only white space: ${JSON.stringify(c.run[0])}`, 'name the program first, e.g. ["node", "check.mjs"]'));
  } else if (Array.isArray(c.run) && typeof c.run[0] === 'string' && /^\s|\s$/.test(c.run[0])) {
    const program = c.run[0];
    const end = /^\s/.test(program) ? 'begins' : 'ends';
    out.push(
      source.diag(['checks', i, 'run', 0], 'invalid-value', `run[0], the program to run, ${end} with white space: ${JSON.stringify(program)}`, `write it without: ${JSON.stringify(program.trim())} (no shell trims it: gate runs the program named exactly)`),
    );
  }
}

/** A NUL byte cannot be passed to a process; spawning would throw. */
function checkNul(source: JsonSource, c: Obj, i: number, out: Diagnostic[]): void {
  const nul = nulFinder(source, out);
  if (typeof c.run === 'string') nul(['checks', i, 'run'], c.run);
  arr(c.run).forEach((a, k) => nul(['checks', i, 'run', k], a));
  envNul(source, ['checks', i, 'env'], c.env, out);
  envNul(source, ['checks', i, 'injectFail', 'env'], isObj(c.injectFail) ? c.injectFail.env : undefined, out);
  if (isObj(c.injectFail)) arr(c.injectFail.args).forEach((a, k) => nul(['checks', i, 'injectFail', 'args', k], a));
}

const nulFinder = (source: JsonSource, out: Diagnostic[]) => (p: PropertyKey[], v: unknown, what = 'value'): void => {
  if (typeof v === 'string' && v.includes('\0')) out.push(source.diag(p, 'invalid-value', `${what} contains a NUL character, which cannot be passed to a process`, 'remove the \\u0000'));
};

/** An environment's names and values: neither may hold a NUL (the gate's own `env` as much as a check's). */
function envNul(source: JsonSource, at: PropertyKey[], env: unknown, out: Diagnostic[]): void {
  if (!isObj(env)) return;
  const nul = nulFinder(source, out);
  for (const [k, v] of Object.entries(env)) {
    nul([...at, k], k, 'the variable name');
    nul([...at, k], v);
  }
}

export function envFilePathProblem(p: string): { code: string; message: string; hint: string } | undefined {
  const hint = 'give a path relative to the work dir, e.g. "app.env"';
  if (p.includes('\0')) return { code: 'invalid-value', message: 'envFile.path contains a NUL character', hint };
  if (path.posix.isAbsolute(p) || path.win32.isAbsolute(p)) return { code: 'path-escape', message: `envFile.path must be relative to the work dir, found absolute path ${JSON.stringify(p)}`, hint };
  const norm = path.posix.normalize(p.replace(/\\/g, '/'));
  if (norm === '..' || norm.startsWith('../')) return { code: 'path-escape', message: `envFile.path leaves the work dir: ${JSON.stringify(p)}`, hint };
  if (norm === '.' || norm === './' || norm.endsWith('/')) return { code: 'invalid-value', message: `envFile.path must name a file, found ${JSON.stringify(p)}`, hint };
  return undefined;
}

/** Every cycle, once per back edge, found by an iterative depth-first walk in file order. */
function findCycles(source: JsonSource, checks: unknown[], firstIndex: Map<string, number>): Diagnostic[] {
  const out: Diagnostic[] = [];
  const edges = checks.map((c, i) => {
    // Only a check with a string id can be named by a dependsOn (an id of another type is reported by the schema).
    if (!isObj(c) || typeof c.id !== 'string' || firstIndex.get(c.id) !== i) return [];
    return arr(c.dependsOn).flatMap((d, k) => {
      const to = typeof d === 'string' ? firstIndex.get(d) : undefined;
      return to === undefined || to === i ? [] : [{ to, k }];
    });
  });
  const idOf = (i: number): string => str((checks[i] as Obj).id) ?? `checks[${i}]`;
  const state = new Array<0 | 1 | 2>(checks.length).fill(0);
  for (let start = 0; start < checks.length; start++) {
    if (state[start] !== 0) continue;
    const stack: { node: number; next: number }[] = [{ node: start, next: 0 }];
    state[start] = 1;
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const edge = edges[top.node]?.[top.next++];
      if (edge === undefined) {
        state[top.node] = 2;
        stack.pop();
        continue;
      }
      if (state[edge.to] === 0) {
        state[edge.to] = 1;
        stack.push({ node: edge.to, next: 0 });
      } else if (state[edge.to] === 1) {
        const from = stack.findIndex((f) => f.node === edge.to);
        const cycle = [...stack.slice(from).map((f) => idOf(f.node)), idOf(edge.to)];
        out.push(source.diag(['checks', top.node, 'dependsOn', edge.k], 'dependency-cycle', `dependency cycle: ${cycle.join(' -> ')}`, 'remove one dependsOn entry of the cycle'));
      }
    }
  }
  return out;
}
