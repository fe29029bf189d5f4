/**
 * Text as a terminal lays it out: graphemes (what the user sees as one character, never cut
 * inside) and their width in columns (wide East Asian characters and emoji take two, combining
 * marks none). Used where gate aligns text: the caret under a definition error, the `gate list` table.
 *
 * The widths come from `string-width`, loaded the first time one is measured: it builds its
 * Unicode regular expressions and a segmenter when it loads, and a `gate run` that prints no
 * diagnostic and no table never needs it. In `dist/` it is its own file, vendor-string-width.cjs
 * (scripts/build.mjs); from sources, the package itself.
 */
import { createRequire } from 'node:module';

declare const __VENDOR_STRING_WIDTH__: string | undefined;

type StringWidth = typeof import('string-width').default;
const lazyRequire = createRequire(import.meta.url);
let stringWidth: StringWidth | undefined;
let segmenter: Intl.Segmenter | undefined;

function widthOf(): StringWidth {
  const id = typeof __VENDOR_STRING_WIDTH__ === 'string' ? __VENDOR_STRING_WIDTH__ : 'string-width';
  return (stringWidth ??= (lazyRequire(id) as typeof import('string-width')).default);
}

const graphemeSegmenter = (): Intl.Segmenter => (segmenter ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' }));

/** The graphemes of `text`, each with its offset in UTF-16 units. */
export function graphemes(text: string): Iterable<{ segment: string; index: number }> {
  return graphemeSegmenter().segment(text);
}

/** The offset where the grapheme holding `offset` starts (`offset` itself on a boundary or outside the text). */
export function graphemeStart(text: string, offset: number): number {
  if (offset <= 0 || offset >= text.length) return offset;
  return graphemeSegmenter().segment(text).containing(offset)?.index ?? offset;
}

/** The offset where the grapheme holding `offset` ends (`offset` itself on a boundary or outside the text). */
export function graphemeEnd(text: string, offset: number): number {
  if (offset <= 0 || offset >= text.length) return offset;
  const g = graphemeSegmenter().segment(text).containing(offset);
  if (g === undefined || g.index === offset) return offset;
  return g.index + g.segment.length;
}

/** Columns `text` takes on a terminal. A tab counts as none (where it lands depends on the terminal): callers keep tabs apart. */
export function displayWidth(text: string): number {
  // Printable ASCII is one column a character: no need to load the tables for it.
  if (/^[\x20-\x7e]*$/.test(text)) return text.length;
  return widthOf()(text);
}

/** `text` cut to at most `width` columns, a cut one ending in `…`; never inside a grapheme. */
export function cutToWidth(text: string, width: number): string {
  if (displayWidth(text) <= width) return text;
  let kept = '';
  let used = 0;
  for (const { segment } of graphemes(text)) {
    const w = displayWidth(segment);
    if (used + w > width - 1) break;
    kept += segment;
    used += w;
  }
  return `${kept}…`;
}

/** `text` padded with spaces to `width` columns. */
export function padToWidth(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - displayWidth(text)));
}
