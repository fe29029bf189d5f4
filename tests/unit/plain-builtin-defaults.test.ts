import { describe, expect, it } from 'vitest';
import { plainBuiltinDefaults } from '../../scripts/plain-builtin-defaults.mjs';

describe('plainBuiltinDefaults (a build step)', () => {
  it('makes a namespace object plain when only its .default is read', () => {
    const code = [
      'var import_node_path = __toESM(require("node:path"), 1);',
      'var import_node_path2 = __toESM(require("node:path"), 1);',
      'const a = import_node_path.default.join("x", "y");',
      'const b = (0, import_node_path2.default.basename)("/x");',
    ].join('\n');
    expect(plainBuiltinDefaults(code)).toBe(
      [
        'var import_node_path = { default: require("node:path") };',
        'var import_node_path2 = { default: require("node:path") };',
        'const a = import_node_path.default.join("x", "y");',
        'const b = (0, import_node_path2.default.basename)("/x");',
      ].join('\n'),
    );
  });

  it('keeps esbuild helper where a member other than .default is read, or the object itself is used', () => {
    const code = [
      'var import_node_fs = __toESM(require("node:fs"), 1);',
      'var import_node_os = __toESM(require("node:os"), 1);',
      'var import_node_url = __toESM(require("node:url"), 1);',
      'const a = import_node_fs.default.readFileSync;',
      'const b = (0, import_node_fs.readFileSync)("x");',
      'use(import_node_os);',
      'const c = import_node_url.defaultPort;',
    ].join('\n');
    expect(plainBuiltinDefaults(code)).toBe(code);
  });

  it('tells names that extend one another apart', () => {
    const code = [
      'var import_node_fs = __toESM(require("node:fs"), 1);',
      'var import_node_fs2 = __toESM(require("node:fs"), 1);',
      'const a = import_node_fs.default.statSync;',
      'const b = import_node_fs2.existsSync;',
    ].join('\n');
    expect(plainBuiltinDefaults(code).split('\n').slice(0, 2)).toEqual([
      'var import_node_fs = { default: require("node:fs") };',
      'var import_node_fs2 = __toESM(require("node:fs"), 1);',
    ]);
  });

  it('leaves packages alone: only built-in modules are rewritten', () => {
    const code = 'var import_pino = __toESM(require_pino(), 1);\nvar import_x = __toESM(require("./vendor-zod.cjs"), 1);\nimport_pino.default();\nimport_x.default;';
    expect(plainBuiltinDefaults(code)).toBe(code);
  });
});
