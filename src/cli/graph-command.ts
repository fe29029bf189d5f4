/**
 * `gate graph [gate]`: one gate's dependency graph as Mermaid (default) or DOT; nothing runs.
 * One graph is one gate: with no gate named and several gates in gates/, it is a usage error
 * that names them, rather than several graphs run together.
 */
import path from 'node:path';
import { formatDiagnostics } from '../load/diagnostics.js';
import { loadGates, resolveGateFiles } from '../load/load-gate.js';
import { renderGraph, type GraphFormat } from '../report/graph.js';
import { redactorFor } from '../report/redact.js';
import { EXIT, type Io } from './io.js';

export async function graphCommand(arg: string | undefined, opts: { format: GraphFormat }, io: Io): Promise<number> {
  if (arg === undefined) {
    const found = await resolveGateFiles([], { cwd: io.cwd });
    if (found.ok && found.files.length > 1) {
      const ids = found.files.map((f) => path.basename(f, '.json'));
      io.stderr.write(`gate: graph draws one gate, and gates/ holds ${ids.length}: ${ids.join(', ')}\n  hint: name one, e.g. "gate graph ${ids[0]}"\n`);
      return EXIT.usage;
    }
  }
  const loaded = await loadGates(arg === undefined ? [] : [arg], { cwd: io.cwd, env: io.env });
  if (!loaded.ok) {
    io.stderr.write(formatDiagnostics(loaded.diagnostics));
    return EXIT.usage;
  }
  for (const gate of loaded.gates) {
    // Labels are masked before they are escaped, and the graph as a whole after.
    const redact = redactorFor(gate, io.env);
    io.stdout.write(redact(renderGraph(gate, opts.format, redact)));
  }
  return EXIT.go;
}
