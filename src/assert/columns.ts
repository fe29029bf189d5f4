/**
 * An array of large evidence whose elements are read only at a few keys, each
 * whole (`results[*].ok`, `sum(a[*].n)`): held as one array of values per key
 * rather than an object per element (src/judge/projected-json.ts makes it;
 * the evaluator walks it as the array it stands for).
 */
export class Columns {
  constructor(
    /** How many elements the array has. */
    readonly length: number,
    /** For each key read: every element's value at it, undefined where an object element has no such key (or the element is no object). */
    readonly byKey: ReadonlyMap<string, readonly unknown[]>,
    /** The elements that are not objects, by index, as they were projected. */
    readonly others: ReadonlyMap<number, unknown>,
  ) {}

  /** Element `i` as the projection would have made it: the object with the keys read, or the element that is no object. */
  element(i: number): unknown {
    if (this.others.has(i)) return this.others.get(i);
    const obj: Record<string, unknown> = {};
    for (const [key, values] of this.byKey) {
      const v = values[i];
      if (v === undefined) continue;
      if (key === '__proto__') Object.defineProperty(obj, key, { value: v, writable: true, enumerable: true, configurable: true });
      else obj[key] = v;
    }
    return obj;
  }
}
