import { describe, expect, it } from 'vitest';
import { decideRetry, MAX_RETRY_DELAY_MS } from '../../src/run/retry.js';

const base = { retries: 3, retryDelayMs: 1000, reasonCode: 'assertion-failed' as const, injected: false };

describe('retry policy', () => {
  it('backs off exponentially with equal jitter: between half and all of base * 2^(attempt-1)', () => {
    expect(decideRetry({ ...base, attempt: 1 }, () => 0)).toEqual({ retry: true, delayMs: 500 });
    expect(decideRetry({ ...base, attempt: 1 }, () => 1)).toEqual({ retry: true, delayMs: 1000 });
    expect(decideRetry({ ...base, attempt: 2 }, () => 0)).toEqual({ retry: true, delayMs: 1000 });
    expect(decideRetry({ ...base, attempt: 3 }, () => 0.5)).toEqual({ retry: true, delayMs: 3000 });
  });

  it('never waits longer than the cap', () => {
    const d = decideRetry({ ...base, retries: 10, retryDelayMs: 600_000, attempt: 9 }, () => 1);
    expect(d).toEqual({ retry: true, delayMs: MAX_RETRY_DELAY_MS });
  });

  it('stops after the last allowed attempt', () => {
    expect(decideRetry({ ...base, attempt: 4 })).toEqual({ retry: false });
    expect(decideRetry({ ...base, retries: 0, attempt: 1 })).toEqual({ retry: false });
  });

  it('does not retry what a retry cannot mend, nor an injected check', () => {
    expect(decideRetry({ ...base, attempt: 1, reasonCode: 'not-startable' })).toEqual({ retry: false });
    expect(decideRetry({ ...base, attempt: 1, reasonCode: 'interrupted' })).toEqual({ retry: false });
    expect(decideRetry({ ...base, attempt: 1, injected: true })).toEqual({ retry: false });
  });

  it('retries timeouts, errors and failures', () => {
    for (const reasonCode of ['timeout', 'invalid-json', 'exit-code', 'crashed'] as const) {
      expect(decideRetry({ ...base, attempt: 1, reasonCode }).retry).toBe(true);
    }
  });
});
