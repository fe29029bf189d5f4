/** What `call` returns, or undefined where it throws (a path that is gone, or cannot be read). */
export function orUndefined<T>(call: () => T): T | undefined {
  try {
    return call();
  } catch {
    return undefined;
  }
}
