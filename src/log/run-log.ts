/**
 * The run's structured log (`run.log`, one JSON object a line), written with
 * pino to a file in the run's scratch dir and moved into the report with it.
 */
import { closeSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import pino from 'pino';
import { isIdentity, redactDeep } from '../report/redact.js';

export interface RunLog {
  log: pino.Logger;
  /**
   * Every line written, read back through the descriptor it was written with, then closes it: a check that
   * empties the temp dir (rm -rf "$TMPDIR"/*) may have removed the file by its name, never its content.
   */
  close(): string;
}

/**
 * The keys of run.log's lines: pino's own and those of the fields gate logs
 * (src/run/run-gate.ts); with the report's words (the summary's counts, the
 * signals' `atMs`) they are all the file's fixed text. A secret that is (part
 * of) one cannot be masked without breaking the file (src/report/collisions.ts);
 * a unit test holds the list to a real run's log.
 */
export const RUN_LOG_KEYS = ['level', 'time', 'msg', 'runId', 'gate', 'file', 'sha256', 'jobs', 'injected', 'check', 'pids', 'verdict', 'decision', 'summary'] as const;

/**
 * Every field and message is masked before pino serialises it, so no escaping can hide a secret.
 *
 * Each line is written to the file as it is logged, with a plain `writeSync`: the file is scratch, read
 * back into the report (which is fsynced there) and removed, so it is never fsynced itself, which
 * pino's own file destination does when it closes (and which would make its removal wait for the disk:
 * see src/report/write.ts).
 */
export function createRunLog(file: string, runId: string, redact: (text: string) => string): RunLog {
  const fd = openSync(file, 'a+');
  const destination = {
    write(line: string) {
      const bytes = Buffer.from(line, 'utf8');
      for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done);
    },
  };
  // With nothing to mask (no secret, the redactor that returns every text as it is), the fields go as they are.
  const masking: Pick<pino.LoggerOptions, 'formatters' | 'hooks'> = isIdentity(redact)
    ? {}
    : {
        formatters: { log: (fields) => redactDeep(fields, redact) },
        hooks: {
          logMethod(args, method) {
            method.apply(this, args.map((a) => (typeof a === 'string' ? redact(a) : a)) as Parameters<typeof method>);
          },
        },
      };
  const log = pino({ base: { runId }, timestamp: pino.stdTimeFunctions.isoTime, ...masking }, destination);
  return {
    log,
    close: () => {
      try {
        const bytes = Buffer.alloc(fstatSync(fd).size);
        for (let done = 0; done < bytes.length; ) {
          const read = readSync(fd, bytes, done, bytes.length - done, done);
          if (read === 0) break;
          done += read;
        }
        return bytes.toString('utf8');
      } finally {
        closeSync(fd);
      }
    },
  };
}
