/**
 * The run's structured log (`run.log`, one JSON object a line), written with
 * pino to a file in the run's scratch dir and moved into the report with it.
 */
import pino from 'pino';

export interface RunLog {
  log: pino.Logger;
  /** Flushes and closes the file. */
  close(): void;
}

export function createRunLog(file: string, runId: string): RunLog {
  const destination = pino.destination({ dest: file, sync: true });
  const log = pino({ base: { runId }, timestamp: pino.stdTimeFunctions.isoTime }, destination);
  return {
    log,
    close: () => {
      log.flush();
      destination.end();
    },
  };
}
