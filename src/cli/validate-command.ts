/** `gate validate`: load and check gate files, run nothing. */
import { formatDiagnostics } from '../load/diagnostics.js';
import { loadGates } from '../load/load-gate.js';
import { EXIT, type Io } from './io.js';

export async function validateCommand(args: string[], opts: { json: boolean }, io: Io): Promise<number> {
  const loaded = await loadGates(args, { cwd: io.cwd, env: io.env });
  if (opts.json) {
    const body = loaded.ok
      ? { ok: true, gates: loaded.gates.map((g) => ({ id: g.id, file: g.displayFile, checks: g.checks.length })), diagnostics: [] }
      : { ok: false, gates: [], diagnostics: loaded.diagnostics };
    io.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
  } else if (loaded.ok) {
    for (const g of loaded.gates) io.stdout.write(`${g.displayFile}: ok (gate ${g.id}, ${g.checks.length} check${g.checks.length === 1 ? '' : 's'})\n`);
  } else {
    io.stderr.write(formatDiagnostics(loaded.diagnostics));
  }
  return loaded.ok ? EXIT.go : EXIT.usage;
}
