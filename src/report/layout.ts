/**
 * The layout of the text gate's reports are made of, as masking sees it: the
 * characters that lay out JSON and XML, and numbers. A secret that reads as a
 * number may stand where a report writes one (src/report/collisions.ts); a
 * line of a secret that does is not masked on its own (src/report/redact.ts).
 */

/** Characters that lay out JSON and XML: white space, brackets, quotes, separators, markup. */
export const LAYOUT = /[\s{}[\]":,<>/=?&;]/;
export const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Where `text` starts and ends once the layout characters at either edge are left off. */
export function layoutBounds(text: string): [number, number] {
  let start = 0;
  let end = text.length;
  while (start < end && LAYOUT.test(text[start]!)) start++;
  while (end > start && LAYOUT.test(text[end - 1]!)) end--;
  return [start, end];
}

/** Whether `text` reads as a number, alone or with the layout around one (` 1234,`). */
export const readsAsNumber = (text: string): boolean => NUMBER.test(text.slice(...layoutBounds(text)));
