/**
 * Text that quotes a value a user or a check chose (a program name, a folder, a
 * found value) as one line: line breaks, C0 and C1 controls, DEL and the line
 * separators written as JSON would write them, so a message neither breaks
 * over lines nor drives a terminal.
 */
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
const SHORT: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f' };

export function escapeControls(s: string): string {
  return s.replace(CONTROLS, (c) => SHORT[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
