// Bundles the CLI into dist/ with esbuild. The entry loads only the argument
// parser; each command pulls its engine in with import(), so `--version` and
// `--help` stay cheap. CommonJS dependencies need `require` inside ESM, hence
// the banner
// (createRequire, __filename, __dirname).
import { build } from 'esbuild';
import { rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
await rm(new URL('../dist', import.meta.url), { recursive: true, force: true });
await build({
  entryPoints: { cli: 'src/cli/bin.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'warning',
  define: { __GATE_VERSION__: JSON.stringify(pkg.version) },
  banner: {
    js: [
      "import { createRequire as __gateCreateRequire } from 'node:module';",
      "import { fileURLToPath as __gateFileURLToPath } from 'node:url';",
      'const require = __gateCreateRequire(import.meta.url);',
      'const __filename = __gateFileURLToPath(import.meta.url);',
      "const __dirname = __filename.slice(0, __filename.lastIndexOf('/'));",
    ].join(' '),
  },
});
