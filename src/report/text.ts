/** Small text helpers the renderers share. */

/** A tail longer than this keeps only its end: the human reports are for a glance, the full output sits beside them. */
export const MAX_TAIL_CHARS = 8192;

/** Colour codes from test runners: dropped whole rather than leaving `\uFFFD[31m` behind. */
const ANSI_CSI = /\u001b\[[0-?]*[ -/]*[@-~]/g;

/** Output as text for people: colour codes dropped, line ends normalised. */
export function plainText(text: string): string {
  return text.replace(ANSI_CSI, '').replace(/\r\n?/g, '\n');
}

export function tailText(text: string): string {
  return text.length > MAX_TAIL_CHARS ? text.slice(-MAX_TAIL_CHARS) : text;
}

/** `850 ms`, `12.3 s`, `2 min 5 s`. */
export function formatDuration(ms: number): string {
  const safe = Number.isFinite(ms) && ms > 0 ? ms : 0;
  if (safe < 1000) return `${Math.round(safe)} ms`;
  if (safe < 60_000) return `${(safe / 1000).toFixed(1)} s`;
  const totalSeconds = Math.round(safe / 1000);
  return `${Math.floor(totalSeconds / 60)} min ${totalSeconds % 60} s`;
}
