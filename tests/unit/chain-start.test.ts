import { describe, expect, it } from 'vitest';
import { chainStarts } from '../../src/run/chain-start.js';

/** A graph as `id → dependsOn`. */
const graph = (edges: Record<string, string[]>) => (id: string) => edges[id] ?? [];

describe('chainStarts', () => {
  it('is the check’s own start when it depends on nothing, whatever started before it', () => {
    const chains = chainStarts(graph({}));
    expect(chains.started('a', 100)).toBe(100);
    expect(chains.started('b', 500)).toBe(500);
  });

  it('is the earliest start among the check and its dependencies, direct or not', () => {
    const chains = chainStarts(graph({ mid: ['build'], test: ['mid', 'lint'], other: [] }));
    chains.started('build', 100);
    chains.started('lint', 300);
    chains.started('other', 50);
    chains.started('mid', 400);
    expect(chains.started('test', 900)).toBe(100);
  });

  it('walks through a dependency that never started (filtered out) to what it depends on', () => {
    const chains = chainStarts(graph({ skipped: ['build'], test: ['skipped'] }));
    chains.started('build', 100);
    expect(chains.started('test', 900)).toBe(100);
    // Nothing started behind it: its own start.
    expect(chainStarts(graph({ test: ['skipped'] })).started('test', 900)).toBe(900);
  });

  it('walks a chain of thousands of checks without overflowing the stack', () => {
    const edges: Record<string, string[]> = {};
    for (let i = 1; i < 20_000; i++) edges[`c${i}`] = [`c${i - 1}`];
    const chains = chainStarts(graph(edges));
    chains.started('c0', 5);
    // All of them filtered out but the first and the last.
    expect(chains.started('c19999', 900)).toBe(5);
  });
});
