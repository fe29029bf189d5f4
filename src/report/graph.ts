/**
 * `gate graph`: a gate's dependency graph as Mermaid or Graphviz DOT text, to paste into
 * a README or render. Pure. Edges run from a dependency to its dependent (the order checks
 * run in); an advisory check is drawn dashed, and so are the edges out of it, because its
 * failure blocks nothing.
 *
 * What it draws is masked (`mask`: the gate's redactor) before it is escaped: a check's id
 * and title, the gate's id. Two ids that mask alike (two secrets) stay two nodes.
 */
import type { Check, Gate } from '../model/types.js';

export const GRAPH_FORMATS = ['mermaid', 'dot'] as const;
export type GraphFormat = (typeof GRAPH_FORMATS)[number];

type Mask = (text: string) => string;
const noMask: Mask = (text) => text;

/** Each check's id as drawn: masked, and numbered when two ids mask alike. */
function shownIds(checks: Check[], mask: Mask): Map<string, string> {
  const shown = new Map<string, string>();
  const taken = new Set<string>();
  for (const c of checks) {
    const base = mask(c.id);
    let candidate = base;
    for (let i = 2; taken.has(candidate); i++) candidate = `${base} (${i})`;
    taken.add(candidate);
    shown.set(c.id, candidate);
  }
  return shown;
}

/** Titles are single-line labels: control characters and runs of white space become one space. */
const flat = (text: string) => text.replace(/[\s\u0000-\u001f\u007f]+/gu, ' ').trim();

// ---------------------------------------------------------------- Mermaid

/**
 * Mermaid node ids: the check id with every character outside `[A-Za-z0-9_]` turned into `_`,
 * behind an `n_` prefix (so no id is a keyword such as `end`, and none starts with the `o` or
 * `x` that would turn `-->` into another arrow); a clash (`a-b` and `a_b`) gets a number.
 */
function mermaidIds(checks: Check[], shown: Map<string, string>): Map<string, string> {
  const ids = new Map<string, string>();
  const taken = new Set<string>();
  for (const c of checks) {
    const base = `n_${shown.get(c.id)!.replace(/[^A-Za-z0-9_]/g, '_')}`;
    let candidate = base;
    for (let i = 2; taken.has(candidate); i++) candidate = `${base}_${i}`;
    taken.add(candidate);
    ids.set(c.id, candidate);
  }
  return ids;
}

/** Inside a quoted Mermaid label, these would end the string or be read as markup; Mermaid's `#code;` entities stand for them. */
const mermaidText = (text: string) => flat(text).replace(/["#&<>`]/g, (ch) => `#${ch.codePointAt(0)};`);

export function renderMermaid(gate: Gate, mask: Mask = noMask): string {
  const shown = shownIds(gate.checks, mask);
  const ids = mermaidIds(gate.checks, shown);
  const byId = new Map(gate.checks.map((c) => [c.id, c]));
  const lines = ['flowchart LR'];
  for (const c of gate.checks) {
    const id = mermaidText(shown.get(c.id)!);
    const label = c.title ? `${id}<br/>${mermaidText(mask(c.title))}` : id;
    lines.push(`  ${ids.get(c.id)}["${label}${c.required ? '' : '<br/>(advisory)'}"]`);
  }
  for (const c of gate.checks) {
    for (const dep of c.dependsOn) {
      const advisory = byId.get(dep)?.required === false;
      lines.push(`  ${ids.get(dep)} ${advisory ? '-.->' : '-->'} ${ids.get(c.id)}`);
    }
  }
  const advisory = gate.checks.filter((c) => !c.required).map((c) => ids.get(c.id));
  if (advisory.length > 0) {
    lines.push('  classDef advisory stroke-dasharray: 5 5');
    lines.push(`  class ${advisory.join(',')} advisory`);
  }
  return `${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------- DOT

/** A DOT double-quoted string: `"` and `\` escaped (a backslash would start an escape such as `\N`). */
const dotString = (text: string) => `"${text.replace(/[\\"]/g, (ch) => `\\${ch}`)}"`;

export function renderDot(gate: Gate, mask: Mask = noMask): string {
  const shown = shownIds(gate.checks, mask);
  const node = (id: string) => dotString(shown.get(id)!);
  const byId = new Map(gate.checks.map((c) => [c.id, c]));
  const lines = [`digraph ${dotString(mask(gate.id))} {`, '  rankdir=LR;', '  node [shape=box];'];
  for (const c of gate.checks) {
    // `\n` inside a DOT label is its line break: it goes in after the id has been escaped.
    const label = [shown.get(c.id)!, ...(c.title ? [flat(mask(c.title))] : []), ...(c.required ? [] : ['(advisory)'])]
      .map((part) => dotString(part).slice(1, -1))
      .join('\\n');
    lines.push(`  ${node(c.id)} [label="${label}"${c.required ? '' : ', style=dashed'}];`);
  }
  for (const c of gate.checks) {
    for (const dep of c.dependsOn) {
      const advisory = byId.get(dep)?.required === false;
      lines.push(`  ${node(dep)} -> ${node(c.id)}${advisory ? ' [style=dashed]' : ''};`);
    }
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

export function renderGraph(gate: Gate, format: GraphFormat, mask: Mask = noMask): string {
  return format === 'dot' ? renderDot(gate, mask) : renderMermaid(gate, mask);
}
