/**
 * Runs `fn` over `items`, at most `limit` at once. File work (writes with
 * fsync, links, renames) waits on the disk, not the CPU: a few at once
 * overlap those waits instead of adding them up.
 */
export async function forEachLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
