import { describe, expect, it } from 'vitest';
import { createRedactor, REDACTED, redactorFor, secretValues } from '../../src/report/redact.js';

describe('redaction', () => {
  it('finds values of secret-looking names (6 characters or more) and of listed names', () => {
    const env = { GITHUB_TOKEN: 'ghp_abcdef123', DB_PASSWORD: 'hunter2!', MY_API_KEY: 'k-123456', SHORT_SECRET: 'abc', HOME: '/root', DEPLOY_KEY: 'xyz' };
    expect(secretValues([env], ['DEPLOY_KEY']).sort()).toEqual(['ghp_abcdef123', 'hunter2!', 'k-123456', 'xyz'].sort());
  });

  it('masks the plain, JSON-escaped, URL-encoded and base64 forms', () => {
    const secret = 's3cr3t "value"/+';
    const redact = createRedactor([secret]);
    const b64 = Buffer.from(secret).toString('base64');
    const text = [secret, JSON.stringify({ v: secret }), encodeURIComponent(secret), b64, b64.replace(/=+$/, ''), Buffer.from(secret).toString('base64url')].join('\n');
    const out = redact(text);
    expect(out).not.toContain('s3cr3t');
    expect(out).not.toContain(b64.replace(/=+$/, ''));
    expect(out.split(REDACTED).length - 1).toBeGreaterThanOrEqual(6);
    expect(JSON.parse(out.split('\n')[1] ?? '')).toEqual({ v: REDACTED });
  });

  it('leaves text alone when there is nothing secret', () => {
    expect(createRedactor([])('plain text')).toBe('plain text');
  });

  it('collects secrets from the gate file env blocks too', () => {
    const redact = redactorFor({ env: { SERVICE_TOKEN: 'tok-999999' }, redact: [], checks: [{ env: { X_PASSWORD: 'pw-888888' } }] }, {});
    expect(redact('tok-999999 pw-888888')).toBe(`${REDACTED} ${REDACTED}`);
  });
});
