/**
 * When each check's chain started: the earliest start among the check and its
 * dependencies, direct or not. A check's evidence must be written no earlier
 * (less a clock slack): a `build` → `test` chain counts `build`'s output as
 * `test`'s, while a file written before the chain started (by any check) does
 * not count. Who wrote a file is not known: one an unrelated check wrote once
 * the chain had started counts, even before the check itself started.
 */

export interface ChainStarts {
  /**
   * Records that `id` starts at `atMs` (epoch ms) and returns when its chain started. Called as each
   * check starts: a dependency that starts later (one behind a filtered-out check) cannot move it earlier.
   */
  started(id: string, atMs: number): number;
}

export function chainStarts(dependsOn: (id: string) => readonly string[]): ChainStarts {
  /** The chain start of each check that has started: fixed once it is known, as any later start is later. */
  const known = new Map<string, number>();
  return {
    started(id, atMs) {
      let earliest = atMs;
      // A work list, not recursion: a chain of thousands of checks cannot overflow the stack. A check that
      // has not started (filtered out) adds nothing itself, but what it depends on may have started.
      const work = [...dependsOn(id)];
      const seen = new Set<string>();
      while (work.length > 0) {
        const dep = work.pop()!;
        if (seen.has(dep)) continue;
        seen.add(dep);
        const start = known.get(dep);
        if (start === undefined) work.push(...dependsOn(dep));
        else if (start < earliest) earliest = start;
      }
      known.set(id, earliest);
      return earliest;
    },
  };
}
