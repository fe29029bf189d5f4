// Preloaded by the build (`node -r`) into a real run of the CLI: compiles each
// dist/*.cjs it loads with node:vm and, when the process exits, saves V8's
// compiled code for it as `<file>.cache`, after a 16-byte header (the file's
// size and modification time) that bin/gate.js checks before using it. The
// first run that loads a file makes its cache (the build runs the common path
// of each command first); later runs leave it as it is.
'use strict';
const Module = require('node:module');
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const runScript = require('../bin/run-script.cjs');

const dist = path.resolve(__dirname, '..', 'dist');
const compile = Module.prototype._compile;
const scripts = new Map();

Module.prototype._compile = function (content, filename) {
  if (path.dirname(filename) !== dist) return compile.call(this, content, filename);
  const script = new vm.Script(Module.wrap(content), { filename });
  scripts.set(filename, script);
  return runScript(script, this, filename);
};

process.on('exit', () => {
  for (const [filename, script] of scripts) {
    if (fs.existsSync(`${filename}.cache`)) continue;
    const info = fs.statSync(filename);
    const header = Buffer.alloc(16);
    header.writeDoubleLE(info.size, 0);
    header.writeDoubleLE(info.mtimeMs, 8);
    fs.writeFileSync(`${filename}.cache`, Buffer.concat([header, script.createCachedData()]));
  }
});
