/**
 * `gate init [dir]`: scaffolds a gate that validates and runs as written: `gates/example.json`,
 * the check program it runs (`checks/example.mjs`), and `gate.schema.json` for editors. It never
 * overwrites: when any of the files exists, nothing is written (exit 2, like any refused usage).
 */
import { lstat, mkdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { displayPath } from '../load/load-gate.js';
import { EXIT, type Io } from './io.js';
import { renderJsonSchema } from './schema-command.js';

/** The scaffold's gate id, and its first check (the one a failure drill names). */
export const EXAMPLE_GATE = 'example';
export const EXAMPLE_CHECK = 'EX-1';

/** Written as a person would lay it out (short arrays on one line); the e2e tests prove it validates and runs. */
const GATE_FILE = `{
  "$schema": "../gate.schema.json",
  "id": "${EXAMPLE_GATE}",
  "title": "Example closeout",
  "defaults": { "timeoutMs": 30000, "retries": 0 },
  "checks": [
    {
      "id": "${EXAMPLE_CHECK}",
      "title": "Build is complete",
      "priority": "P0",
      "run": ["node", "checks/example.mjs", "--step", "build"],
      "expect": ["ok == true", "items[*].ok == true", "failed == []"],
      "injectFail": { "args": ["--fail"] }
    },
    {
      "id": "EX-2",
      "title": "Smoke test of the build",
      "priority": "P1",
      "dependsOn": ["${EXAMPLE_CHECK}"],
      "run": ["node", "checks/example.mjs", "--step", "smoke"],
      "expect": ["ok == true", "step == \\"smoke\\""],
      "injectFail": { "args": ["--fail"] }
    }
  ]
}
`;

const CHECK_SCRIPT = `// An example check for gate. A check is any program that exits 0 when all is well
// and prints its evidence as one JSON document on stdout; gate then proves the
// gate file's "expect" assertions against that document. Replace this one with a
// real check (a test suite, a linter, a preflight) that reports what it found.
//
// Its fail path, for failure drills (\`gate run example --inject-fail EX-1\`):
// gate sets GATE_INJECT_FAIL=1 and adds the gate file's injectFail args (--fail).
const argv = process.argv.slice(2);
const broken = process.env.GATE_INJECT_FAIL === '1' || argv.includes('--fail');
const stepAt = argv.indexOf('--step');
const step = stepAt >= 0 && stepAt + 1 < argv.length ? argv[stepAt + 1] : 'build';

const items = [
  { name: 'config', ok: true },
  { name: 'artifacts', ok: !broken },
];
const evidence = {
  ok: !broken,
  step,
  items,
  failed: items.filter((item) => !item.ok).map((item) => item.name),
};
process.stdout.write(JSON.stringify(evidence) + '\\n');
process.exitCode = broken ? 1 : 0;
`;

interface ScaffoldFile {
  rel: string;
  content: string;
  what: string;
}

const scaffold = async (): Promise<ScaffoldFile[]> => [
  { rel: path.join('gates', `${EXAMPLE_GATE}.json`), content: GATE_FILE, what: `the gate: two checks, EX-2 depends on ${EXAMPLE_CHECK}` },
  { rel: path.join('checks', 'example.mjs'), content: CHECK_SCRIPT, what: 'the check program both run' },
  { rel: 'gate.schema.json', content: await renderJsonSchema('gate'), what: 'JSON Schema of the gate file, for editors (its "$schema")' },
];

const occupied = (abs: string) => lstat(abs).then(() => true, () => false);
const shellWord = (s: string) => (/^[\w./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
const errnoOf = (error: unknown) => (error as NodeJS.ErrnoException).code ?? 'EIO';

/**
 * What stands in the way of making `folder`: the nearest of it and its parents that exists but is
 * not a folder (a file, or a link to anything else), or nothing when the way is clear.
 */
async function notAFolder(folder: string): Promise<string | undefined> {
  for (let at = folder; ; at = path.dirname(at)) {
    const found = await lstat(at).catch(() => undefined);
    if (found !== undefined) {
      const isFolder = found.isDirectory() || (found.isSymbolicLink() && (await stat(at).then((s) => s.isDirectory(), () => false)));
      return isFolder ? undefined : at;
    }
    if (path.dirname(at) === at) return undefined;
  }
}

/** A file where a folder must go: the user's to move (exit 2). */
const blockedFolder = (io: Io, folder: string, blocker: string, nothingWritten: boolean) => {
  io.stderr.write(
    `gate: cannot create the folder ${displayPath(folder, io.cwd)}: ${displayPath(blocker, io.cwd)} exists and is not a folder${nothingWritten ? '; nothing written' : ''}\n` +
      '  hint: move it away, or choose another directory with "gate init <dir>"\n',
  );
  return EXIT.usage;
};

export async function initCommand(dir: string | undefined, io: Io): Promise<number> {
  const root = path.resolve(io.cwd, dir ?? '.');
  const files = await scaffold();
  const taken: string[] = [];
  for (const f of files) if (await occupied(path.join(root, f.rel))) taken.push(f.rel);
  if (taken.length > 0) {
    const shown = taken.map((rel) => displayPath(path.join(root, rel), io.cwd));
    io.stderr.write(
      `gate: init writes no file over another: ${shown.join(', ')} already exist${shown.length === 1 ? 's' : ''}; nothing written\n` +
        `  hint: move ${shown.length === 1 ? 'it' : 'them'} aside, or scaffold into a new folder with "gate init <dir>"\n`,
    );
    return EXIT.usage;
  }
  // Looked for before any file is written, so that a file where a later folder goes leaves nothing half made.
  for (const f of files) {
    const folder = path.dirname(path.join(root, f.rel));
    const blocker = await notAFolder(folder);
    if (blocker !== undefined) return blockedFolder(io, folder, blocker, true);
  }
  for (const f of files) {
    const target = path.join(root, f.rel);
    const folder = path.dirname(target);
    try {
      await mkdir(folder, { recursive: true });
    } catch (error) {
      // EEXIST / ENOTDIR: a file appeared where a folder must go since the look above.
      const code = errnoOf(error);
      const blocker = code === 'EEXIST' || code === 'ENOTDIR' ? await notAFolder(folder) : undefined;
      if (blocker !== undefined) return blockedFolder(io, folder, blocker, f === files[0]);
      io.stderr.write(`gate: cannot create the folder ${displayPath(folder, io.cwd)}: ${code}\n`);
      return code === 'EEXIST' || code === 'ENOTDIR' ? EXIT.usage : EXIT.internal;
    }
    try {
      // `wx`: should a file appear since the look above, it is still not overwritten.
      await writeFile(target, f.content, { flag: 'wx' });
    } catch (error) {
      const code = errnoOf(error);
      const shown = displayPath(target, io.cwd);
      if (code === 'EEXIST') {
        io.stderr.write(`gate: init writes no file over another: ${shown} already exists\n`);
        return EXIT.usage;
      }
      io.stderr.write(`gate: cannot write ${shown}: ${code}\n`);
      return EXIT.internal;
    }
  }
  const width = Math.max(...files.map((f) => f.rel.length));
  const where = root === path.resolve(io.cwd) ? undefined : displayPath(root, io.cwd);
  const lines = [`gate init: wrote ${files.length} files${where === undefined ? '' : ` in ${where}`}`];
  for (const f of files) lines.push(`  ${f.rel.padEnd(width)}  ${f.what}`);
  lines.push('next:');
  if (where !== undefined) lines.push(`  cd ${shellWord(where)}`);
  const next: [string, string?][] = [
    [`gate validate ${EXAMPLE_GATE}`],
    [`gate list ${EXAMPLE_GATE}`],
    [`gate run ${EXAMPLE_GATE}`, `GO, exit 0; the report goes to reports/${EXAMPLE_GATE}_closeout/`],
    [`gate run ${EXAMPLE_GATE} --inject-fail ${EXAMPLE_CHECK}`, 'a failure drill: NO-GO, exit 3'],
  ];
  const commandWidth = Math.max(...next.map(([command]) => command.length));
  for (const [command, note] of next) lines.push(note === undefined ? `  ${command}` : `  ${command.padEnd(commandWidth)}  # ${note}`);
  io.stdout.write(`${lines.join('\n')}\n`);
  return EXIT.go;
}
