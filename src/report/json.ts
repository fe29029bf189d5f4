import type { Report } from '../model/types.js';

/** `closeout.json`: the report as data. */
export function renderJson(report: Report): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
