/**
 * What each command loads of dist/: start-up time is mostly loading, so the
 * libraries only some runs need (zod for a definition error's details, ajv for
 * an `outputSchema`, string-width for a caret under non-ASCII text) come in
 * only when a run needs them. A static import added by mistake would slow
 * every start without failing anything else: these runs say which bundles
 * the built CLI loaded (read from Node's module cache as the process exits).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { gate, makeProject, type Project } from './harness.js';

const HOOK = `const fs = require('node:fs');
const path = require('node:path');
process.on('exit', () => {
  const names = Object.keys(require.cache).filter((f) => path.basename(path.dirname(f)) === 'dist').map((f) => path.basename(f));
  fs.writeFileSync(process.env.GATE_TEST_LOADED, names.sort().join('\\n'));
});
`;

/** The dist bundles a run of the built CLI loaded. */
async function loaded(project: Project, args: string[]): Promise<{ code: number | null; bundles: string[] }> {
  const hook = project.file('loaded-hook.cjs', HOOK);
  const list = path.join(project.root, 'loaded.txt');
  // The checks below run `true`, not Node: the hook runs in gate's process only.
  const result = await gate(args, { cwd: project.root, env: { NODE_OPTIONS: `--require ${hook}`, GATE_TEST_LOADED: list } });
  const text = readFileSync(list, 'utf8');
  return { code: result.code, bundles: text === '' ? [] : text.split('\n') };
}

const ENGINE = ['cli.cjs', 'gate-file-check.cjs', 'groups.cjs'];

describe('what the built CLI loads', () => {
  it('answers --version with no bundle at all', async () => {
    const project = makeProject();
    expect(await loaded(project, ['--version'])).toEqual({ code: 0, bundles: [] });
  });

  it('validates and runs a plain gate with its command bundle only: no zod, ajv, string-width or tinyglobby', async () => {
    const project = makeProject();
    project.gate('plain', { id: 'plain', checks: [{ id: 'ok', run: ['true'], output: 'text' }] });
    expect(await loaded(project, ['validate', 'plain'])).toEqual({ code: 0, bundles: [...ENGINE, 'validate-command.cjs'].sort() });
    expect(await loaded(project, ['run', 'plain'])).toEqual({ code: 0, bundles: [...ENGINE, 'run-command.cjs'].sort() });
  });

  it('loads ajv for a gate with an outputSchema, and string-width for a caret under non-ASCII text', async () => {
    const project = makeProject();
    project.gate('schema', {
      id: 'schema',
      checks: [{ id: 'ok', run: ['true'], output: 'json', outputSchema: { type: 'object' } }],
    });
    const schema = await loaded(project, ['validate', 'schema']);
    expect(schema.code).toBe(0);
    expect(schema.bundles).toContain('vendor-ajv.cjs');
    expect(schema.bundles).not.toContain('vendor-string-width.cjs');

    // A definition error on a line with a wide character: its caret is placed by display width.
    project.gate('wide', '{ "id": "wide", "title": "門", "checks": [ { "id": "ok", "run": ["true"], "output": "text", "timeoutMs": -1 } ] }');
    const wide = await loaded(project, ['validate', 'wide']);
    expect(wide.code).toBe(2);
    expect(wide.bundles).toContain('vendor-string-width.cjs');
  });
});
