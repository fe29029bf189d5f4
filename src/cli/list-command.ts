/** `gate list [gate...]`: the checks of each gate, as a table or (`--json`) as data; nothing runs. */
import { formatDiagnostics } from '../load/diagnostics.js';
import { loadGates } from '../load/load-gate.js';
import { listChecks, renderCheckTable } from '../report/check-table.js';
import { EXIT, type Io } from './io.js';

export async function listCommand(args: string[], opts: { json: boolean }, io: Io): Promise<number> {
  const loaded = await loadGates(args, { cwd: io.cwd, env: io.env });
  if (opts.json) {
    // The same envelope as `gate validate --json`, so a script reads one shape either way.
    const body = loaded.ok ? { ok: true, gates: loaded.gates.map(listChecks), diagnostics: [] } : { ok: false, gates: [], diagnostics: loaded.diagnostics };
    io.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
  } else if (loaded.ok) {
    io.stdout.write(loaded.gates.map((g) => renderCheckTable(listChecks(g))).join('\n'));
  } else {
    io.stderr.write(formatDiagnostics(loaded.diagnostics));
  }
  return loaded.ok ? EXIT.go : EXIT.usage;
}
