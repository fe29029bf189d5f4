// A rewrite of bundled code, applied by scripts/build.mjs to each dist file.
/**
 * `import path from 'node:path'` becomes `__toESM(require("node:path"), 1)` in a bundle: a new object
 * with a getter for each of the module's members, made as the bundle loads. For `node:process` that
 * is about a hundred getters, and execa and gate import it, `node:path` and others this way some 35
 * times in all: about 2 ms of every `run`. Where a bundle reads nothing from such an object but its
 * `.default` (all of these, as it happens), the object becomes `{ default: require(...) }`; any other
 * use keeps esbuild's helper.
 */
export function plainBuiltinDefaults(code) {
  return code.replace(/var (import_[\w$]+) = __toESM\((require\("node:[\w/]+"\)), 1\);/g, (whole, name, load) => {
    const uses = code.match(new RegExp(`(?<![\\w$])${name.replaceAll('$', '\\$')}(?![\\w$])(\\.default(?![\\w$]))?`, 'g')) ?? [];
    return uses.slice(1).every((use) => use.endsWith('.default')) ? `var ${name} = { default: ${load} };` : whole;
  });
}
