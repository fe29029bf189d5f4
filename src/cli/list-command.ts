/** `gate list [gate...]`: the checks of each gate, as a table or (`--json`) as data; nothing runs. */
import { formatDiagnostics } from '../load/diagnostics.js';
import { loadGates } from '../load/load-gate.js';
import type { Gate } from '../model/types.js';
import { listChecks, renderCheckTable, type GateListing } from '../report/check-table.js';
import { redactDeep, redactorFor } from '../report/redact.js';
import { EXIT, type Io } from './io.js';

/** A gate's listing with its secrets masked (titles, ids, the file's name), as everything gate prints is. */
const maskedListing = (gate: Gate, env: Io['env']): GateListing => redactDeep(listChecks(gate), redactorFor(gate, env));

export async function listCommand(args: string[], opts: { json: boolean }, io: Io): Promise<number> {
  const loaded = await loadGates(args, { cwd: io.cwd, env: io.env });
  if (opts.json) {
    // The same envelope as `gate validate --json`, so a script reads one shape either way.
    const body = loaded.ok ? { ok: true, gates: loaded.gates.map((g) => maskedListing(g, io.env)), diagnostics: [] } : { ok: false, gates: [], diagnostics: loaded.diagnostics };
    io.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
  } else if (loaded.ok) {
    // Masked before the table cuts long titles, then the table as a whole.
    io.stdout.write(loaded.gates.map((g) => redactorFor(g, io.env)(renderCheckTable(maskedListing(g, io.env)))).join('\n'));
  } else {
    io.stderr.write(formatDiagnostics(loaded.diagnostics));
  }
  return loaded.ok ? EXIT.go : EXIT.usage;
}
