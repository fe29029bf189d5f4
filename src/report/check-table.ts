/**
 * `gate list`: a gate's checks as rows (for `--json`) and as a plain-text table.
 * Pure: a loaded `Gate` in, data or a string out.
 */
import type { Gate, Priority } from '../model/types.js';
import { cutToWidth, displayWidth, padToWidth } from '../util/display-width.js';

/** One check as `gate list --json` gives it; every key is always present. */
export interface CheckRow {
  id: string;
  title: string | null;
  priority: Priority | null;
  required: boolean;
  dependsOn: string[];
  timeoutMs: number;
  retries: number;
}

export interface GateListing {
  id: string;
  title: string | null;
  file: string;
  checks: CheckRow[];
}

export function listChecks(gate: Gate): GateListing {
  return {
    id: gate.id,
    title: gate.title ?? null,
    file: gate.displayFile,
    checks: gate.checks.map((c) => ({
      id: c.id,
      title: c.title ?? null,
      priority: c.priority ?? null,
      required: c.required,
      dependsOn: [...c.dependsOn],
      timeoutMs: c.timeoutMs,
      retries: c.retries,
    })),
  };
}

/** `300000` → `5m`, `30000` → `30s`, `1500` → `1500ms`. */
export function formatTimeout(ms: number): string {
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/**
 * A table cell is one line: control characters and runs of white space become one space. Widths
 * are terminal columns (a wide character two, a combining mark none), and a cut never splits a grapheme.
 */
const TITLE_WIDTH = 60;
function cell(text: string, width = Infinity): string {
  const flat = text.replace(/[\s\u0000-\u001f\u007f]+/gu, ' ').trim();
  return width === Infinity ? flat : cutToWidth(flat, width);
}

/**
 * The DEPENDS ON cell: as many whole ids as fit in 60 columns with what follows, then how many
 * more (`a,b,c +296 more`); one check that depends on hundreds must not widen every row of the
 * table past a terminal's width. `--json` has them all.
 */
const DEPENDS_WIDTH = 60;
function dependsCell(ids: string[]): string {
  if (ids.length === 0) return '-';
  const all = ids.map((id) => cell(id));
  if (displayWidth(all.join(',')) <= DEPENDS_WIDTH) return all.join(',');
  let shown = 1;
  let width = displayWidth(all[0]!);
  while (shown < all.length) {
    const next = width + 1 + displayWidth(all[shown]!);
    if (next + displayWidth(` +${all.length - shown - 1} more`) > DEPENDS_WIDTH) break;
    width = next;
    shown += 1;
  }
  return `${all.slice(0, shown).join(',')} +${all.length - shown} more`;
}

const HEADER = ['ID', 'TITLE', 'PRIORITY', 'REQUIRED', 'DEPENDS ON', 'TIMEOUT', 'RETRIES'] as const;

/** One block a gate: a heading line, then an aligned table. Titles are cut at 60 columns, and so are lists of dependencies (`--json` has them whole). */
export function renderCheckTable(listing: GateListing): string {
  const rows = listing.checks.map((c) => [
    cell(c.id),
    cell(c.title ?? '-', TITLE_WIDTH),
    c.priority ?? '-',
    c.required ? 'yes' : 'no',
    dependsCell(c.dependsOn),
    formatTimeout(c.timeoutMs),
    String(c.retries),
  ]);
  const table = [[...HEADER], ...rows];
  const widths = HEADER.map((_, i) => Math.max(...table.map((r) => displayWidth(r[i] ?? ''))));
  const line = (r: string[]) =>
    r
      .map((v, i) => (i === r.length - 1 ? v : padToWidth(v, widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const n = listing.checks.length;
  const heading = `${listing.id}${listing.title ? ` — ${cell(listing.title)}` : ''} (${listing.file}, ${n} check${n === 1 ? '' : 's'})`;
  return `${heading}\n${table.map(line).join('\n')}\n`;
}
