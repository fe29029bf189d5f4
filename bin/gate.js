#!/usr/bin/env node
// The installed entry point: runs the compiled CLI (built by `npm ci` through the
// `prepare` script), never TypeScript sources, so that start-up stays fast.
// CommonJS (see bin/package.json): Node starts it without its ES module loader.
//
// The build leaves beside each dist/*.cjs a `.cache` file: V8's compiled code
// for it, saved after a real run. Loading a file with its cache skips most of
// the parsing and compiling that every start would otherwise pay for. A cache
// is used only when it was made for that very file (same size and modification
// time, recorded in its first 16 bytes); V8 itself refuses one made by another
// Node or with other flags, and the file is then simply compiled.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const dist = path.join(__dirname, '..', 'dist');

function cachedCode(filename) {
  let cache;
  try {
    cache = fs.readFileSync(`${filename}.cache`);
  } catch {
    return undefined;
  }
  const info = fs.statSync(filename);
  if (cache.length <= 16 || cache.readDoubleLE(0) !== info.size || cache.readDoubleLE(8) !== info.mtimeMs) return undefined;
  return cache.subarray(16);
}

/** Makes Node compile the files in dist/ with their code caches. */
function useCodeCaches() {
  const Module = require('node:module');
  const vm = require('node:vm');
  const runScript = require('./run-script.cjs');
  const compile = Module.prototype._compile;
  Module.prototype._compile = function (content, filename) {
    const cachedData = path.dirname(filename) === dist ? cachedCode(filename) : undefined;
    if (!cachedData) return compile.call(this, content, filename);
    return runScript(new vm.Script(Module.wrap(content), { filename, cachedData }), this, filename);
  };
}

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  // Answered before anything else loads: scripts and CI steps run it often. The same line the
  // CLI prints (the build takes its version from this package.json). A failed write is what the CLI
  // makes of one (src/cli/bin.ts): said on stderr, exit 1; a reader gone away (EPIPE) is not.
  // Written straight to the descriptor: making `process.stdout` costs more than the rest of the
  // answer (about 4 ms here; on a pipe it loads Node's network stack). A pipe that cannot take it
  // now (EAGAIN) gets it through the stream, which waits for it.
  const line = `${JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')).version}\n`;
  const failed = (error) => {
    if (!error || error.code === 'EPIPE') return;
    process.stderr.write(`gate: could not write to stdout (${error.message.replace(/, write$/, '')}); what gate printed there is incomplete\n`);
    process.exitCode = 1;
  };
  const bytes = Buffer.from(line);
  let written = 0;
  try {
    while (written < bytes.length) written += fs.writeSync(1, bytes, written);
  } catch (error) {
    if (error.code === 'EAGAIN') {
      process.stdout.on('error', () => {});
      process.stdout.write(bytes.subarray(written), failed);
    } else failed(error);
  }
} else {
  useCodeCaches();
  require('../dist/cli.cjs');
}
