// Runs a dist file compiled with node:vm as Node would run the module itself:
// the CommonJS wrapper called with the module's own require, exports and paths.
// Shared by bin/gate.js (which compiles with a code cache) and
// scripts/code-cache-writer.cjs (which makes the caches), so both wrap the code
// the same way and a cache always fits the code it is loaded with.
'use strict';
const Module = require('node:module');
const path = require('node:path');

module.exports = function runScript(script, mod, filename) {
  const require = (id) => mod.require(id);
  require.resolve = (request, options) => Module._resolveFilename(request, mod, false, options);
  require.main = process.mainModule;
  require.cache = Module._cache;
  return script.runInThisContext().call(mod.exports, mod.exports, require, mod, filename, path.dirname(filename));
};
