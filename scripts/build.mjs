// Bundles the CLI into dist/ with esbuild, as CommonJS: Node starts a
// CommonJS file faster than an ES module (no module loader to set up, no
// asynchronous linking, no decoding pass over the source), and every short
// run feels it. esbuild splits only ES modules, so the files are cut by hand:
//
// - dist/cli.cjs: the entry: the argument parser and `main`. Each command's
//   engine is its own file, required only when that command runs, so
//   `--version` and `--help` stay cheap.
// - dist/<name>-command.cjs: the engines, one a command (run, validate, ...).
// - dist/groups.cjs: the live process groups, one instance shared by the entry
//   (signals) and the engine that starts checks.
// - dist/gate-file-check.cjs: the gate-file schema compiled by ajv (scripts/gate-file-check.mjs).
// - dist/vendor-*.cjs: packages loaded only when a gate needs them: ajv and
//   ajv-formats' formats for `outputSchema`, tinyglobby for `evidence` globs, zod for a gate file with
//   problems (and `gate schema`, `gate init`), string-width (an ES module, made CommonJS here) for
//   display widths when a definition error's caret line or the `gate list` table is printed.
//
// re2js is required from node_modules the first time a pattern is compiled
// (src/assert/operators.ts); it ships as one CommonJS file.
// bin/package.json marks bin/ as CommonJS, so bin/gate.js needs no ES module loader either.
//
// Last, the build runs the CLI once on a small gate (run, then validate) with
// scripts/code-cache-writer.cjs preloaded, which saves V8's compiled code of each
// dist file as `<file>.cache`; bin/gate.js loads the files with it (see there).
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gateFileCheckCode } from './gate-file-check.mjs';
import { plainBuiltinDefaults } from './plain-builtin-defaults.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const dist = path.join(root, 'dist');

/** Source modules that become their own file: entry → output. Every `src/cli/*-command.ts` is one. */
const ENTRIES = {
  'src/cli/bin.ts': 'cli.cjs',
  'src/run/groups.ts': 'groups.cjs',
  ...Object.fromEntries(
    readdirSync(path.join(root, 'src', 'cli'))
      .filter((name) => name.endsWith('-command.ts'))
      .map((name) => [`src/cli/${name}`, name.replace(/\.ts$/, '.cjs')]),
  ),
};
/** Packages imported with import() that get a file of their own. */
const VENDOR = {
  ajv: 'vendor-ajv.cjs',
  'ajv/dist/2019.js': 'vendor-ajv-2019.cjs',
  'ajv/dist/2020.js': 'vendor-ajv-2020.cjs',
  'ajv-formats/dist/formats.js': 'vendor-ajv-formats.cjs',
  tinyglobby: 'vendor-tinyglobby.cjs',
  zod: 'vendor-zod.cjs',
  // Required by src/util/display-width.ts the first time a width is measured (its path is defined below).
  'string-width': 'vendor-string-width.cjs',
};

const bySource = new Map(Object.entries(ENTRIES).map(([src, out]) => [path.join(root, src), out]));

/** Imports of another output file stay imports (require at run time) instead of being bundled twice. */
const splitPlugin = (self) => ({
  name: 'gate-split',
  setup(b) {
    b.onResolve({ filter: /.*/ }, (args) => {
      if (args.kind === 'entry-point') return undefined;
      const vendor = VENDOR[args.path];
      if (vendor) return { path: `./${vendor}`, external: true };
      if (!args.path.startsWith('.')) return undefined;
      const target = bySource.get(path.resolve(args.resolveDir, args.path).replace(/\.js$/, '.ts'));
      return target && target !== self ? { path: `./${target}`, external: true } : undefined;
    });
  },
});

/**
 * Built-in modules that dependencies load when they load, for a use gate's run seldom or never
 * has; each load costs every start (`--version` included, for commander). These are replaced by a
 * require on first use. Each replacement must match its file once, or the build fails (the
 * dependency changed: update it here).
 * - commander: node:child_process (and net, stream, ...), for executable subcommands gate does not have.
 * - sonic-boom, thread-stream (both through pino) and signal-exit (through proper-lockfile): assert,
 *   for argument checks that pass (signal-exit's runs on every lock): loaded only to throw.
 * - thread-stream and pino: node:worker_threads (about 1 ms), for pino's transports and
 *   asynchronous destinations; gate's run.log is written synchronously to a file.
 * - execa: node:v8, to check `ipcInput`, an option gate never passes; and process.stdin, which
 *   it lists with stdout and stderr when it loads, to recognise them when passed as a stdio option
 *   (gate passes file descriptors and 'ignore'). Making process.stdin sets up a stream for it
 *   (for a pipe, loading node:net): 1 to 3 ms. The list is made when first read instead.
 * - execa and yoctocolors (its colours, for its own verbose logging, which gate never turns on):
 *   node:tty, and yoctocolors asks the terminal for colours as it loads (together about 0.7 ms
 *   where gate's own output is a file or a pipe, as in CI). Colours are asked for when first used.
 */
const lazyAssert = "(ok, ...a) => { if (!ok) require('assert')(ok, ...a) }";
const DEFERRED = [
  {
    file: /[\\/]commander[\\/]lib[\\/]command\.js$/,
    replace: [["const childProcess = require('node:child_process');", "const childProcess = { spawn: (...a) => require('node:child_process').spawn(...a) };"]],
  },
  {
    file: /[\\/]sonic-boom[\\/]index\.js$/,
    replace: [["const assert = require('assert')", `const assert = ${lazyAssert}`]],
  },
  {
    file: /[\\/]thread-stream[\\/]index\.js$/,
    replace: [
      ["const assert = require('assert')", `const assert = ${lazyAssert}`],
      // A constructor that returns an object: `new Worker(...)` gives the real Worker.
      ["const { Worker } = require('worker_threads')", "class Worker { constructor (...a) { return new (require('worker_threads').Worker)(...a) } }"],
    ],
  },
  {
    file: /[\\/]pino[\\/]lib[\\/]tools\.js$/,
    replace: [
      ["const { isMainThread } = require('worker_threads')", ''],
      ['if (!opts.sync && isMainThread) {', "if (!opts.sync && require('worker_threads').isMainThread) {"],
    ],
  },
  {
    file: /[\\/]proper-lockfile[\\/]node_modules[\\/]signal-exit[\\/]index\.js$/,
    replace: [["var assert = require('assert')", "var assert = { equal: (x, y, ...a) => { if (x != y) require('assert').equal(x, y, ...a) } }"]],
  },
  {
    file: /[\\/]execa[\\/]lib[\\/]ipc[\\/]ipc-input\.js$/,
    replace: [["import {serialize} from 'node:v8';", "const serialize = (...a) => require('node:v8').serialize(...a);"]],
  },
  {
    file: /[\\/]execa[\\/]lib[\\/]utils[\\/]standard-stream\.js$/,
    replace: [
      [
        'export const STANDARD_STREAMS = [process.stdin, process.stdout, process.stderr];',
        [
          'export const STANDARD_STREAMS = new Proxy([], { get(_, key) {',
          '  const streams = [process.stdin, process.stdout, process.stderr];',
          '  const value = Reflect.get(streams, key);',
          "  return typeof value === 'function' ? value.bind(streams) : value;",
          '} });',
        ].join('\n'),
      ],
    ],
  },
  {
    file: /[\\/]execa[\\/]lib[\\/]stdio[\\/]native\.js$/,
    replace: [["import tty from 'node:tty';", "const tty = { isatty: (fd) => require('node:tty').isatty(fd) };"]],
  },
  {
    file: /[\\/]yoctocolors[\\/]base\.js$/,
    replace: [
      ["import tty from 'node:tty';", 'let colors;'],
      [
        'const hasColors = tty?.WriteStream?.prototype?.hasColors?.() ?? false;',
        "const hasColors = () => (colors ??= require('node:tty')?.WriteStream?.prototype?.hasColors?.() ?? false);",
      ],
      [
        'const format = (open, close) => {\n\tif (!hasColors) {\n\t\treturn input => input;\n\t}\n',
        'const format = (open, close) => {\n\tconst colored = formatColored(open, close);\n\treturn input => hasColors() ? colored(input) : input;\n};\n\nconst formatColored = (open, close) => {\n',
      ],
    ],
  },
];

const deferRequires = {
  name: 'gate-deferred-requires',
  setup(b) {
    for (const { file, replace } of DEFERRED) {
      b.onLoad({ filter: file }, (args) => {
        let source = readFileSync(args.path, 'utf8');
        for (const [eager, lazy] of replace) {
          if (source.split(eager).length !== 2) throw new Error(`${args.path}: expected \`${eager}\` once (the dependency changed; update scripts/build.mjs)`);
          source = source.replace(eager, () => lazy);
        }
        return { contents: source, loader: 'js' };
      });
    }
  },
};

/**
 * human-signals (through execa) builds two signal tables when it loads, and execa reads only one
 * (signalsByName). Marking the other one's build pure lets esbuild leave it out when nothing uses it:
 * about 2 ms of every `run` and `drill` start (it looks up each of 65 numbers in a list).
 */
const pureSignalsByNumber = {
  name: 'gate-pure-signals-by-number',
  setup(b) {
    b.onLoad({ filter: /[\\/]human-signals[\\/]build[\\/]src[\\/]main\.js$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      const eager = 'export const signalsByNumber=getSignalsByNumber();';
      if (!source.includes(eager)) throw new Error(`${args.path}: expected \`${eager}\` (human-signals changed; update scripts/build.mjs)`);
      return { contents: source.replace(eager, 'export const signalsByNumber=/* @__PURE__ */ getSignalsByNumber();'), loader: 'js' };
    });
  },
};

/**
 * closeout.json's words, for the check of secrets that masking cannot hide (src/report/collisions.ts):
 * walked here from the shipped schema, by the module that walks it when gate runs from source
 * (bundled in memory to be run), so that a run never walks it. A string of JSON, not an array:
 * esbuild puts a string in place, where an array would be set up as each module loads.
 */
async function closeoutWords() {
  const walker = await build({ entryPoints: [path.join(root, 'src/model/report-words.ts')], bundle: true, write: false, format: 'esm', platform: 'node', logLevel: 'warning' });
  const { schemaWords } = await import(`data:text/javascript;base64,${Buffer.from(walker.outputFiles[0].text).toString('base64')}`);
  return schemaWords(JSON.parse(readFileSync(path.join(root, 'schemas', 'closeout.schema.json'), 'utf8')));
}

const common = {
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  // import() of another output file becomes a plain require: no ES module loader at run time.
  supported: { 'dynamic-import': false },
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'warning',
  define: { __GATE_VERSION__: JSON.stringify(pkg.version), __VENDOR_STRING_WIDTH__: JSON.stringify(`./${VENDOR['string-width']}`), __CLOSEOUT_WORDS__: JSON.stringify(JSON.stringify(await closeoutWords())), 'import.meta.url': '__gateImportMetaUrl' },
  banner: { js: "const __gateImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
};

rmSync(dist, { recursive: true, force: true });
await Promise.all([
  // The gate-file schema as ajv standalone code: a valid gate file is accepted without zod (see the script).
  build({ ...common, minify: true, stdin: { contents: gateFileCheckCode(), resolveDir: root, loader: 'js' }, outfile: path.join(dist, 'gate-file-check.cjs') }),
  ...Object.entries(ENTRIES).map(([src, out]) =>
    build({ ...common, entryPoints: [path.join(root, src)], outfile: path.join(dist, out), plugins: [splitPlugin(out), deferRequires, pureSignalsByNumber] }),
  ),
  ...Object.entries(VENDOR).map(([name, out]) =>
    build({
      ...common,
      stdin: { contents: `module.exports = require(${JSON.stringify(name)});`, resolveDir: root, loader: 'js' },
      outfile: path.join(dist, out),
    }),
  ),
]);
for (const name of readdirSync(dist)) {
  const file = path.join(dist, name);
  writeFileSync(file, plainBuiltinDefaults(readFileSync(file, 'utf8')));
}

// V8 code caches, from real runs: `run` first (the entry and the engine it loads), then `validate`,
// then `validate` of a gate file with a problem (zod, loaded only for one); each file's cache comes
// from the first of these that loads it.
const warm = mkdtempSync(path.join(os.tmpdir(), 'gate-build-'));
try {
  mkdirSync(path.join(warm, 'gates'));
  const check = (id, extra) => ({ id, run: [process.execPath, '-e', 'process.stdout.write(JSON.stringify({ ok: true, items: [1, 2] }))'], ...extra });
  const gate = { id: 'warm', checks: [check('a', { expect: ['ok == true', 'count(items[*]) >= 1'] }), check('b', { dependsOn: ['a'], output: 'text' })] };
  writeFileSync(path.join(warm, 'gates', 'warm.json'), JSON.stringify(gate));
  writeFileSync(path.join(warm, 'gates', 'broken.json'), JSON.stringify({ ...gate, id: 'broken', checks: [{ ...gate.checks[0], timeoutMS: 5 }] }));
  const writer = path.join(root, 'scripts', 'code-cache-writer.cjs');
  for (const [args, expected] of [[['run', 'warm', '--quiet'], 0], [['validate', 'warm'], 0], [['validate', 'broken'], 2]]) {
    const r = spawnSync(process.execPath, ['-r', writer, path.join(root, 'bin', 'gate.js'), ...args], { cwd: warm, stdio: 'ignore' });
    if (r.status !== expected) console.warn(`build: warm-up \`gate ${args.join(' ')}\` exited ${r.status ?? r.signal}; code caches may be missing (gate still works, it starts slower)`);
  }
} finally {
  rmSync(warm, { recursive: true, force: true });
}
