/**
 * Where a branch of a path is in the document, built only for the few branches
 * a message names or an assertion keeps: a wildcard over N elements is walked
 * with one stack of segments, never one location per element.
 */
import type { PathSegment } from '../model/types.js';

/**
 * A concrete location in the document, as a linked list: an element reached
 * through `[*]` keeps its bare index or key rather than a segment object.
 */
export interface Loc {
  parent: Loc | undefined;
  seg: PathSegment | number | string;
}

/** The location the segments `at` (from the top level down) lead to; undefined for the top level. */
export function locationOf(at: readonly (PathSegment | number | string)[]): Loc | undefined {
  let loc: Loc | undefined;
  for (const seg of at) loc = { parent: loc, seg };
  return loc;
}
