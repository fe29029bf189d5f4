import { describe, expect, it } from 'vitest';
import { renderDot, renderMermaid } from '../../src/report/graph.js';
import { makeCheck, makeGate } from './gate-fixture.js';

const HOSTILE = 'Say "hi" <b>#1</b> & `x` \\N end; --> ] }\nnext line';

// ---------------------------------------------------------------- a small DOT reader

type Token = { kind: 'id'; text: string } | { kind: 'punct'; text: string };

/** DOT's lexical grammar (https://graphviz.org/doc/info/lang.html), minus HTML strings and comments. */
function tokenizeDot(source: string): Token[] {
  const tokens: Token[] = [];
  const re = /\s+|("(?:[^"\\]|\\[\s\S])*")|([A-Za-z_\u0080-\uffff][\w\u0080-\uffff]*|-?(?:\.\d+|\d+(?:\.\d*)?))|(->|--|[{}[\];,=])|([\s\S])/gy;
  for (let m = re.exec(source); m !== null && m[0] !== ''; m = re.exec(source)) {
    if (m[4] !== undefined) throw new Error(`not DOT at ${m.index}: ${JSON.stringify(source.slice(m.index, m.index + 20))}`);
    if (m[1] !== undefined) tokens.push({ kind: 'id', text: m[1].slice(1, -1).replace(/\\"/g, '"') });
    else if (m[2] !== undefined) tokens.push({ kind: 'id', text: m[2] });
    else if (m[3] !== undefined) tokens.push({ kind: 'punct', text: m[3] });
  }
  return tokens;
}

interface DotGraph {
  name: string;
  nodes: Map<string, Record<string, string>>;
  edges: { from: string; to: string; attrs: Record<string, string> }[];
}

/** Parses the subset gate writes: `digraph ID { (ID = ID; | node [...]; | ID [...]; | ID -> ID [...];)* }`, and fails on anything else. */
function parseDot(source: string): DotGraph {
  const t = tokenizeDot(source);
  let i = 0;
  const next = () => {
    const tok = t[i++];
    if (!tok) throw new Error('unexpected end');
    return tok;
  };
  const expectPunct = (p: string) => {
    const tok = next();
    if (tok.kind !== 'punct' || tok.text !== p) throw new Error(`expected ${p}, found ${tok.text}`);
  };
  const id = () => {
    const tok = next();
    if (tok.kind !== 'id') throw new Error(`expected an id, found ${tok.text}`);
    return tok.text;
  };
  const attrs = () => {
    const out: Record<string, string> = {};
    if (t[i]?.text !== '[') return out;
    expectPunct('[');
    while (t[i]?.text !== ']') {
      const key = id();
      expectPunct('=');
      out[key] = id();
      if (t[i]?.text === ',') i++;
    }
    expectPunct(']');
    return out;
  };
  if (id() !== 'digraph') throw new Error('not a digraph');
  const graph: DotGraph = { name: id(), nodes: new Map(), edges: [] };
  expectPunct('{');
  while (t[i]?.text !== '}') {
    const first = id();
    if (t[i]?.text === '=') {
      i++;
      id();
    } else if (t[i]?.text === '->') {
      i++;
      const to = id();
      graph.edges.push({ from: first, to, attrs: attrs() });
    } else {
      const a = attrs();
      if (first !== 'node') graph.nodes.set(first, a);
    }
    expectPunct(';');
  }
  expectPunct('}');
  if (i !== t.length) throw new Error('text after the graph');
  return graph;
}

// ---------------------------------------------------------------- a small Mermaid reader

interface MermaidGraph {
  nodes: Map<string, string>;
  edges: { from: string; arrow: string; to: string }[];
  classes: Map<string, string[]>;
}

const decodeMermaid = (label: string) => label.replace(/<br\/>/g, '\n').replace(/#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)));

/** Reads the flowchart gate writes, line by line; any other line fails the test. */
function parseMermaid(source: string): MermaidGraph {
  const lines = source.trimEnd().split('\n');
  expect(lines[0]).toBe('flowchart LR');
  const graph: MermaidGraph = { nodes: new Map(), edges: [], classes: new Map() };
  for (const line of lines.slice(1)) {
    let m: RegExpMatchArray | null;
    if ((m = /^ {2}(n_\w+)\["([^"]*)"\]$/.exec(line))) {
      expect(graph.nodes.has(m[1] ?? '')).toBe(false);
      graph.nodes.set(m[1] ?? '', decodeMermaid(m[2] ?? ''));
    } else if ((m = /^ {2}(n_\w+) (-->|-\.->) (n_\w+)$/.exec(line))) {
      graph.edges.push({ from: m[1] ?? '', arrow: m[2] ?? '', to: m[3] ?? '' });
    } else if ((m = /^ {2}class ([\w,]+) (\w+)$/.exec(line))) {
      graph.classes.set(m[2] ?? '', (m[1] ?? '').split(','));
    } else if (!/^ {2}classDef \w+ [\w-]+: [\w ]+$/.test(line)) {
      throw new Error(`not a line gate writes: ${JSON.stringify(line)}`);
    }
  }
  for (const e of graph.edges) {
    expect(graph.nodes.has(e.from), e.from).toBe(true);
    expect(graph.nodes.has(e.to), e.to).toBe(true);
  }
  return graph;
}

const sample = () =>
  makeGate([
    makeCheck('M28-1', { title: 'Runtime profiles' }),
    makeCheck('a.b', { title: HOSTILE, dependsOn: ['M28-1'] }),
    makeCheck('a-b', { dependsOn: ['M28-1'], required: false }),
    makeCheck('a_b', { title: 'Plain', dependsOn: ['a-b', 'a.b'] }),
    makeCheck('end', { dependsOn: ['a_b'] }),
  ]);

describe('renderMermaid', () => {
  it('is a flowchart whose node ids are safe, unique and whose labels give back id and title', () => {
    const graph = parseMermaid(renderMermaid(sample()));
    expect([...graph.nodes.values()]).toEqual([
      'M28-1\nRuntime profiles',
      `a.b\n${HOSTILE.replace('\n', ' ')}`,
      'a-b\n(advisory)',
      'a_b\nPlain',
      'end',
    ]);
    expect(graph.nodes.size).toBe(5);
    for (const id of graph.nodes.keys()) expect(id).toMatch(/^n_[A-Za-z0-9_]+$/);
  });

  it('draws edges from a dependency to its dependent, dotted out of an advisory check, and styles advisory checks', () => {
    const text = renderMermaid(sample());
    const graph = parseMermaid(text);
    const idOf = new Map([...graph.nodes].map(([node, label]) => [label.split('\n')[0], node]));
    const edge = (from: string, to: string) => graph.edges.find((e) => e.from === idOf.get(from) && e.to === idOf.get(to));
    expect(graph.edges).toHaveLength(5);
    expect(edge('M28-1', 'a.b')?.arrow).toBe('-->');
    expect(edge('a-b', 'a_b')?.arrow).toBe('-.->');
    expect(edge('a_b', 'end')?.arrow).toBe('-->');
    expect(graph.classes.get('advisory')).toEqual([idOf.get('a-b')]);
    expect(text).toContain('classDef advisory stroke-dasharray: 5 5');
  });

  it('has no class lines when every check is required', () => {
    const text = renderMermaid(makeGate([makeCheck('only')]));
    expect(text).toBe('flowchart LR\n  n_only["only"]\n');
  });
});

describe('renderDot', () => {
  it('is a digraph with every id and label quoted, read back exactly', () => {
    const graph = parseDot(renderDot(sample()));
    expect(graph.name).toBe('g');
    expect([...graph.nodes.keys()]).toEqual(['M28-1', 'a.b', 'a-b', 'a_b', 'end']);
    // Inside a DOT label `\n` is a line break and `\\` a backslash.
    const label = (id: string) => graph.nodes.get(id)?.label?.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    expect(label('a.b')).toBe(`a.b\n${HOSTILE.replace('\n', ' ')}`);
    expect(label('a-b')).toBe('a-b\n(advisory)');
    expect(graph.nodes.get('a-b')?.style).toBe('dashed');
    expect(graph.nodes.get('a_b')?.style).toBeUndefined();
  });

  it('draws edges from a dependency to its dependent, dashed out of an advisory check', () => {
    const graph = parseDot(renderDot(sample()));
    expect(graph.edges.map((e) => `${e.from} -> ${e.to}${e.attrs.style ? ` ${e.attrs.style}` : ''}`)).toEqual([
      'M28-1 -> a.b',
      'M28-1 -> a-b',
      'a-b -> a_b dashed',
      'a.b -> a_b',
      'a_b -> end',
    ]);
  });

  it('quotes a gate id too', () => {
    expect(renderDot(makeGate([makeCheck('x')], { id: 'm28.v2-rc' }))).toMatch(/^digraph "m28\.v2-rc" \{\n/);
  });
});
