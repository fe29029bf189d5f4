import { describe, expect, it } from 'vitest';
import { describeReason } from '../../src/judge/reasons.js';
import { formatWait } from '../../src/report/lock.js';

describe('reason messages', () => {
  it('tells JSON evidence over its limit from a flood of output', () => {
    expect(describeReason({ code: 'output-too-large', what: 'json', source: '$GATE_EVIDENCE_FILE', bytes: 129 * 1048576, limit: 128 * 1048576 })).toBe(
      'JSON evidence in $GATE_EVIDENCE_FILE is 129.0 MiB, over the 128.0 MiB limit',
    );
    const flood = describeReason({ code: 'output-too-large', what: 'output', source: 'stdout and stderr', bytes: 1100 * 1048576, limit: 1024 * 1048576 });
    expect(flood).toBe('wrote 1100.0 MiB to stdout and stderr, over the 1024.0 MiB output limit; gate ended it');
    expect(flood).not.toContain('JSON');
  });

  it('names each signal that ended a timed-out check once', () => {
    expect(describeReason({ code: 'timeout', timeoutMs: 300, signals: ['SIGTERM', 'SIGKILL'] })).toBe('timed out after 300 ms (sent SIGTERM, then SIGKILL)');
  });

  it('says what was at $GATE_EVIDENCE_FILE instead of evidence', () => {
    expect(describeReason({ code: 'unreadable-evidence', source: '$GATE_EVIDENCE_FILE', message: 'not a regular file (a FIFO)' })).toBe(
      'cannot read $GATE_EVIDENCE_FILE as evidence: not a regular file (a FIFO)',
    );
  });
});

describe('lock wait in messages', () => {
  it('gives short waits in ms and longer ones in seconds, never rounded up to a second', () => {
    expect(formatWait(500)).toBe('500 ms');
    expect(formatWait(0)).toBe('0 ms');
    expect(formatWait(1000)).toBe('1 s');
    expect(formatWait(2500)).toBe('2.5 s');
    expect(formatWait(30_000)).toBe('30 s');
  });
});
