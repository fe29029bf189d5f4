import fc from 'fast-check';
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

describe('redaction of raw output, before it is cut', () => {
  const secret = 'q7Zx9Lk2Vb8Nw4Rt';
  const redact = createRedactor([secret]);
  const b64 = Buffer.from(secret).toString('base64');

  it('knows how far a secret reaches: its longest form, in bytes', () => {
    expect(redact.reach).toBe(Math.max(secret.length, b64.length));
    expect(createRedactor([]).reach).toBe(0);
    expect(createRedactor(['é'.repeat(6)]).reach).toBeGreaterThanOrEqual(12);
  });

  it('masks a secret that crosses the edge of a window whole, never leaving a piece', () => {
    const raw = Buffer.from(`head ${secret} tail`);
    const start = raw.indexOf(secret);
    // A window that ends inside the secret: the secret is masked whole, then the window ends.
    expect(redact.maskBytes(raw, 0, start + 4).toString()).toBe(`head ${REDACTED}`);
    // A window that starts inside the secret.
    expect(redact.maskBytes(raw, start + 4).toString()).toBe(`${REDACTED} tail`);
    // A window that touches no secret is cut where asked.
    expect(redact.maskBytes(raw, 0, 4).toString()).toBe('head');
  });

  it('masks raw bytes that are not valid UTF-8 and leaves them as they were', () => {
    const raw = Buffer.concat([Buffer.from([0xff, 0xc3]), Buffer.from(secret), Buffer.from([0xe2, 0x82])]);
    expect([...redact.maskBytes(raw)]).toEqual([0xff, 0xc3, ...Buffer.from(REDACTED), 0xe2, 0x82]);
  });

  it('chunk by chunk, masks exactly as it would the whole (any chunking)', () => {
    const other = 'x-api-9f8e7d6c';
    const r = createRedactor([secret, other]);
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constant(secret), fc.constant(b64), fc.constant(other), fc.string({ maxLength: 20 })), { maxLength: 30 }),
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 10 }),
        (parts, sizes) => {
          const raw = Buffer.from(parts.join(''));
          let carry = Buffer.alloc(0);
          const out: Buffer[] = [];
          for (let at = 0, i = 0; at < raw.length; i++) {
            const size = sizes[i % sizes.length]!;
            const data = Buffer.concat([carry, raw.subarray(at, at + size)]);
            at += size;
            const { masked, consumed } = r.maskSettled(data, data.length - (r.reach - 1));
            out.push(masked);
            carry = data.subarray(consumed);
          }
          out.push(r.maskBytes(carry));
          expect(Buffer.concat(out).toString()).toBe(r.maskBytes(raw).toString());
        },
      ),
    );
  });

  it('masks both of two secrets that overlap, not only the first', () => {
    const r = createRedactor(['abcdefgh', 'efghijkl']);
    expect(r('xx abcdefghijkl yy')).toBe(`xx ${REDACTED} yy`);
  });
});

describe('redaction of what was cut short', () => {
  const secret = 'q7Zx9Lk2Vb8Nw4Rt';
  const redact = createRedactor([secret]);

  it('masks the piece of a secret that a message cut off with an ellipsis', () => {
    expect(redact('found "xxxxq7Zx9…')).toBe(`found "xxxx${REDACTED}…`);
    expect(redact(`found "${secret.slice(0, 12)}…" and more`)).toBe(`found "${REDACTED}…" and more`);
    // A piece of a base64 form too.
    const b64 = Buffer.from(secret).toString('base64');
    expect(redact(`v=${b64.slice(0, 9)}…`)).toBe(`v=${REDACTED}…`);
  });

  it('leaves an ellipsis after ordinary text alone', () => {
    expect(redact('and so on…')).toBe('and so on…');
    expect(redact('q7…')).toBe('q7…');
  });
});

describe('finding secrets that got through', () => {
  it('names the forms found, never the value', () => {
    const secret = 's3cr3t/"value"+';
    const r = createRedactor([secret]);
    expect(r.find('nothing here')).toEqual([]);
    expect(r.find(`a ${secret} b`)).toEqual(['plain']);
    expect(r.find(JSON.stringify({ v: secret }))).toEqual(['JSON-escaped']);
    expect(r.find(encodeURIComponent(secret))).toEqual(['URL-encoded']);
    expect(r.find(Buffer.from(secret).toString('base64'))).toEqual(['base64']);
    expect(r.find(r(`${secret} ${encodeURIComponent(secret)}`))).toEqual([]);
  });

  it('finds a secret escaped for XML or Markdown, as a reader would read it', () => {
    const r = createRedactor(['a<b&c>"d_*x']);
    expect(r.find('<failure message="a&lt;b&amp;c&gt;&quot;d_*x"/>')).toEqual(['XML- or Markdown-escaped']);
    expect(r.find('| a&lt;b&amp;c&gt;"d\\_\\*x |')).toEqual(['XML- or Markdown-escaped']);
    expect(r.find('a&#60;b&#x26;c>"d_*x')).toEqual(['XML- or Markdown-escaped']);
    expect(r.find('a&lt;b and d\\_\\*x apart')).toEqual([]);
  });

  it('finds what masking one secret leaves reading as another', () => {
    const r = createRedactor(['inner-secret-1', `outer-${REDACTED}`]);
    const once = r('outer-inner-secret-1');
    expect(once).toBe(`outer-${REDACTED}`);
    expect(r.find(once)).toEqual(['plain']);
  });

  it('masks a value with a lone surrogate as it reads once written as UTF-8', () => {
    const secret = 'abc\ud800defgh';
    const written = Buffer.from(secret).toString('utf8');
    expect(createRedactor([secret])(`x ${written} y`)).toBe(`x ${REDACTED} y`);
  });

  it('masks the JSON form that escapes every non-ASCII character', () => {
    const secret = 'pässwörd-99';
    const ascii = JSON.stringify(secret).slice(1, -1).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    expect(createRedactor([secret])(`{"p": "${ascii}"}`)).toBe(`{"p": "${REDACTED}"}`);
  });
});
