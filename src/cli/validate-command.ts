/** `gate validate`: load and check gate files, run nothing; each good file is reported ok, also beside a bad one. */
import { formatDiagnostics } from '../load/diagnostics.js';
import { loadEachGate } from '../load/load-gate.js';
import { redactorFor } from '../report/redact.js';
import { EXIT, type Io } from './io.js';

export async function validateCommand(args: string[], opts: { json: boolean }, io: Io): Promise<number> {
  const { gates, diagnostics } = await loadEachGate(args, { cwd: io.cwd, env: io.env });
  const ok = diagnostics.length === 0;
  if (opts.json) {
    // Each gate's names masked with its own secrets (a diagnostic is masked when it is made).
    const body = { ok, gates: gates.map((g) => ({ id: redactorFor(g, io.env)(g.id), file: redactorFor(g, io.env)(g.displayFile), checks: g.checks.length })), diagnostics };
    io.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
  } else {
    for (const g of gates) io.stdout.write(redactorFor(g, io.env)(`${g.displayFile}: ok (gate ${g.id}, ${g.checks.length} check${g.checks.length === 1 ? '' : 's'})\n`));
    if (!ok) io.stderr.write(formatDiagnostics(diagnostics));
  }
  return ok ? EXIT.go : EXIT.usage;
}
