/**
 * "Did you mean" for mistyped names: ids, fields, operators, commands. Looser
 * than a plain edit-distance cut-off, because names are often typed short or
 * without their unit: `timout` → `timeoutMs`.
 */

export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

/** The candidate closest to `input`, when close enough to be a likely typo; ties go to the earlier candidate. */
export function nearest(input: string, candidates: readonly string[]): string | undefined {
  const a = input.toLowerCase();
  // Up to 40% of the name, plus one; never the whole name (`Q` is no typo of `A`).
  const limit = Math.min(Math.floor(a.length * 0.4) + 1, a.length - 1);
  let best: string | undefined;
  let bestScore = Infinity;
  for (const candidate of candidates) {
    const b = candidate.toLowerCase();
    if (a === b) return candidate;
    let score = editDistance(a, b);
    if (a.length >= 3 && (b.startsWith(a) || a.startsWith(b))) score = Math.min(score, 1);
    if (score <= limit && score < bestScore) {
      best = candidate;
      bestScore = score;
    }
  }
  return best;
}
