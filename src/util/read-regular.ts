/**
 * The text of a file a check may have replaced (a previous report's
 * `closeout.json` or `drill.json`: a check knows the report dir), or
 * undefined when it is not a regular file or cannot be read. Opened without
 * blocking and never through a link at its last step: a FIFO put at that
 * name would otherwise hold gate in a read no signal can end.
 */
import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { EVIDENCE_OPEN_FLAGS } from '../judge/open-file.js';

export function readRegularText(file: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(file, EVIDENCE_OPEN_FLAGS);
  } catch {
    return undefined;
  }
  try {
    return fstatSync(fd).isFile() ? readFileSync(fd, 'utf8') : undefined;
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}
