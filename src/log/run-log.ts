/**
 * The run's structured log (`run.log`, one JSON object a line), written with
 * pino to a file in the run's scratch dir and moved into the report with it.
 */
import pino from 'pino';

export type RunLog = pino.Logger;

export function createRunLog(file: string, runId: string): RunLog {
  const destination = pino.destination({ dest: file, sync: true, mkdir: true });
  return pino({ base: { runId }, timestamp: pino.stdTimeFunctions.isoTime }, destination);
}
