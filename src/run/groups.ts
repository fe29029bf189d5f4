/**
 * The process groups of running checks, and the last resort for ending them.
 * Kept apart from the process module (and execa) so that the bin can import it
 * without loading the engine.
 */

/**
 * Process groups of checks that have started and not yet been ended, each with
 * where to record a signal sent to it from here (the report lists every signal).
 */
export const liveGroups = new Map<number, (signal: string) => void>();

export function signalPid(pid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  return signalPid(-pgid, signal);
}

/**
 * SIGKILL every check's process group that is still alive. Synchronous, so it
 * can run in an `exit` handler: whatever way gate ends, no check outlives it.
 */
export function killAllGroups(): void {
  for (const [pgid, record] of liveGroups) if (signalGroup(pgid, 'SIGKILL')) record('SIGKILL');
  liveGroups.clear();
}
process.on('exit', killAllGroups);
