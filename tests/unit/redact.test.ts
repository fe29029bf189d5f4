import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { base64Cores, createRedactor, literals, maskedForms, REDACTED, redactorFor, secretPlace, secretSources, secretValues, type GateSecrets } from '../../src/report/redact.js';


/** Masks `raw` the way the capture does: chunk by chunk (sizes cycling), carrying what is not settled yet. */
function maskInChunks(r: ReturnType<typeof createRedactor>, raw: Buffer, sizes: number[]): string {
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
  return Buffer.concat(out).toString();
}

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

  it('masks every way of percent-encoding it: upper or lower case hex, some or every byte, + for space', () => {
    const secret = 'supersecret123/+x y';
    const redact = createRedactor([secret]);
    const upper = encodeURIComponent(secret);
    const lower = upper.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase());
    const every = [...Buffer.from(secret)].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
    for (const form of [upper, lower, lower.replace(/%20/g, '+'), every, every.toUpperCase()]) {
      expect(redact(`token=${form}&x=1`)).toBe(`token=${REDACTED}&x=1`);
      expect(redact.find(form)).toEqual(['URL-encoded']);
    }
  });

  it("masks the percent-encodings of other encoders: RFC 3986 (curl, Python's quote), HTML forms (URLSearchParams, Java), PHP's urlencode, encodeURI", () => {
    const secret = "hunter2!(ok)*~x y's";
    const redact = createRedactor([secret]);
    const hex = (c: string) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`;
    const rfc3986 = encodeURIComponent(secret).replace(/[!'()*]/g, hex);
    const form = new URLSearchParams({ k: secret }).toString().slice(2);
    const php = encodeURIComponent(secret).replace(/[!'()*~]/g, hex).replace(/%20/g, '+');
    const lower = (u: string) => u.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase());
    const slashed = `${secret}/x`;
    // Python's quote() leaves '/', encodeURI the characters URLs reserve.
    const pythonQuote = encodeURIComponent(slashed).replace(/[!'()*]/g, hex).replace(/%2F/g, '/');
    expect(createRedactor([slashed])(`u=${pythonQuote}`)).toBe(`u=${REDACTED}`);
    expect(createRedactor([`p@ss w/rd?x`])(`u=${encodeURI('p@ss w/rd?x')}`)).toBe(`u=${REDACTED}`);
    for (const encoded of [rfc3986, rfc3986.replace(/%20/g, '+'), form, php, lower(rfc3986), lower(form), lower(php)]) {
      expect(redact(`password=${encoded}&x=1`), encoded).toBe(`password=${REDACTED}&x=1`);
      expect(redact.find(encoded)).toEqual(['URL-encoded']);
    }
  });

  it('leaves text alone when there is nothing secret', () => {
    expect(createRedactor([])('plain text')).toBe('plain text');
  });

  it('collects secrets from the gate file env blocks too', () => {
    const redact = redactorFor({ env: { SERVICE_TOKEN: 'tok-999999' }, redact: [], checks: [{ env: { X_PASSWORD: 'pw-888888' } }] }, {});
    expect(redact('tok-999999 pw-888888')).toBe(`${REDACTED} ${REDACTED}`);
  });

  it('knows where each secret was set, by variable and block, and which are listed', () => {
    const gate: GateSecrets & { envFile: { values: Record<string, string> } } = {
      env: { SERVICE_TOKEN: 'tok-999999', PLAIN: 'not-a-secret' },
      envFile: { values: { DB_PASSWORD: 'pw-777777' } },
      redact: ['DEPLOY_ENV'],
      checks: [{ env: {} }, { env: { DEPLOY_ENV: 'prd' }, injectFail: { env: { X_API_KEY: 'k-5555555', DEPLOY_ENV: 'no' } } }],
    };
    const sources = secretSources(gate, { GITHUB_TOKEN: 'ghp_abcdef123', DEPLOY_ENV: 'staging', HOME: '/root', SHORT_TOKEN: 'abc' });
    expect(sources).toEqual([
      { name: 'GITHUB_TOKEN', value: 'ghp_abcdef123', block: undefined, listed: false },
      { name: 'DEPLOY_ENV', value: 'staging', block: undefined, listed: true },
      { name: 'SERVICE_TOKEN', value: 'tok-999999', block: 'env', listed: false },
      { name: 'DB_PASSWORD', value: 'pw-777777', block: 'envFile.values', listed: false },
      { name: 'DEPLOY_ENV', value: 'prd', block: 'checks[1].env', listed: true },
      { name: 'X_API_KEY', value: 'k-5555555', block: 'checks[1].injectFail.env', listed: false },
    ]);
    expect(sources.map(secretPlace)).toEqual([
      "GITHUB_TOKEN (in gate's environment)",
      "DEPLOY_ENV (in gate's environment)",
      'env.SERVICE_TOKEN',
      'envFile.values.DB_PASSWORD',
      'checks[1].env.DEPLOY_ENV',
      'checks[1].injectFail.env.X_API_KEY',
    ]);
    // The same values as the redactor masks.
    expect(new Set(sources.map((s) => s.value))).toEqual(new Set(secretValues([gate.env, gate.envFile.values, ...gate.checks.flatMap((c) => [c.env, c.injectFail?.env ?? {}]), { GITHUB_TOKEN: 'ghp_abcdef123', DEPLOY_ENV: 'staging' }], gate.redact)));
  });

  it('lists the forms it masks a secret in', () => {
    const secret = 'pa ss/wörd';
    const forms = maskedForms(secret);
    const redact = createRedactor([secret]);
    expect(forms).toEqual(expect.arrayContaining([secret, encodeURIComponent(secret), Buffer.from(secret).toString('base64'), 'pa+ss%2Fw%C3%B6rd']));
    for (const form of forms) expect(redact(`<${form}>`)).toBe(`<${REDACTED}>`);
    expect(forms).not.toContain('');
  });
});

describe('JSON that gate renders itself', () => {
  const gate = (redact: string[] = []): GateSecrets => ({ env: {}, redact, checks: [] });

  it("leaves a number under a secret-looking name alone where it stands outside a string: it is one of gate's own numbers", () => {
    const r = redactorFor(gate(), { SESSION_TOKEN_TTL_MS: '300000', API_TOKEN: 'x9Qz_r4ndom-S3cret' });
    const json = '{"timeoutMs": 300000, "durationMs": 1300000, "note": "ttl 300000", "t": "x9Qz_r4ndom-S3cret", "n": [300000]}';
    expect(r.json(json)).toBe(`{"timeoutMs": 300000, "durationMs": 1300000, "note": "ttl ${REDACTED}", "t": "${REDACTED}", "n": [300000]}`);
    // The scan after writing reads it the same way; as text, the number is masked everywhere.
    expect(r.find(r.json(json), true)).toEqual([]);
    expect(r.find('{"note": "ttl 300000"}', true)).toEqual(['plain']);
    expect(r.find('{"t": 300000}')).toEqual(['plain']);
    expect(r(json)).toContain(`"timeoutMs": ${REDACTED},`);
    // Strings with escaped quotes in them are told apart from what lies between them.
    expect(r.json('{"a": "q\\" 300000 \\"", "b": 300000}\n{"c": 300000}')).toBe(`{"a": "q\\" ${REDACTED} \\"", "b": 300000}\n{"c": 300000}`);
  });

  it('masks a listed number, or one that a listed variable holds too, and every other secret, as text', () => {
    const json = '{"timeoutMs": 300000, "other": "k-5555555"}';
    expect(redactorFor(gate(['TTL']), { TTL: '300000' }).json(json)).toBe(`{"timeoutMs": ${REDACTED}, "other": "k-5555555"}`);
    expect(redactorFor(gate(['TTL']), { TTL: '300000', SESSION_TOKEN_TTL: '300000' }).json(json)).toBe(`{"timeoutMs": ${REDACTED}, "other": "k-5555555"}`);
    expect(redactorFor(gate(), { X_API_KEY: 'k-5555555' }).json(json)).toBe(`{"timeoutMs": 300000, "other": "${REDACTED}"}`);
    expect(createRedactor([]).json(json)).toBe(json);
  });
});

describe('redaction of raw output, before it is cut', () => {
  const secret = 'q7Zx9Lk2Vb8Nw4Rt';
  const redact = createRedactor([secret]);
  const b64 = Buffer.from(secret).toString('base64');

  it('knows how far a secret reaches: its longest form, in bytes', () => {
    // The longest is the form with every byte percent-encoded: three characters a byte.
    expect(redact.reach).toBe(Math.max(secret.length, b64.length, 3 * Buffer.byteLength(secret)));
    expect(createRedactor([]).reach).toBe(0);
    expect(createRedactor(['é'.repeat(6)]).reach).toBeGreaterThanOrEqual(12);
  });

  it('takes tens of thousands of secrets (more forms than a call takes arguments)', () => {
    const secrets = Array.from({ length: 30_000 }, (_, i) => `value-secret-${i}-abcdefgh`);
    const redact = createRedactor(secrets);
    // The longest form of the longest secret: every byte percent-encoded, three characters a byte.
    expect(redact.reach).toBe(3 * 'value-secret-29999-abcdefgh'.length);
    expect(redact('x value-secret-29999-abcdefgh y')).toBe('x [REDACTED] y');
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
          expect(maskInChunks(r, raw, sizes)).toBe(r.maskBytes(raw).toString());
        },
      ),
    );
  });

  it('masks both of two secrets that overlap, not only the first', () => {
    const r = createRedactor(['abcdefgh', 'efghijkl']);
    expect(r('xx abcdefghijkl yy')).toBe(`xx ${REDACTED} yy`);
  });
});

describe('the matcher of many forms', () => {
  /** Every match a global alternation of `strings` (longest first) finds, looking again one place after each start. */
  const byRegExp = (strings: string[], text: string) => {
    const escaped = [...new Set(strings)].filter((x) => x !== '').sort((a, b) => b.length - a.length).map((x) => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    const re = new RegExp(escaped.join('|') || '(?!)', 'g');
    const found: [number, string][] = [];
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      found.push([m.index, m[0]]);
      re.lastIndex = m.index + 1;
    }
    return found;
  };
  const byLiterals = (strings: string[], text: string) => {
    const matcher = literals(strings);
    const found: [number, string][] = [];
    for (let m = matcher.exec(text); m !== null; m = matcher.exec(text)) {
      found.push([m.index, m[0]]);
      matcher.lastIndex = m.index + 1;
    }
    return found;
  };

  it('finds what an alternation of them all finds, the longer where two start at one place (forms sharing starts, short and long)', () => {
    // A small alphabet, so that forms share their first characters and overlap often.
    const word = (max: number) => fc.string({ unit: fc.constantFrom('a', 'b', '-', '\n', '%'), minLength: 1, maxLength: max });
    fc.assert(
      fc.property(fc.array(fc.oneof(word(4), word(12), word(30)), { minLength: 1, maxLength: 12 }), fc.array(fc.oneof(word(6), word(30)), { maxLength: 12 }), (strings, parts) => {
        const text = parts.join('') + strings.join('-');
        expect(byLiterals(strings, text)).toEqual(byRegExp(strings, text));
        expect(literals(strings).test(text)).toBe(byRegExp(strings, text).length > 0);
      }),
      { numRuns: 2000 },
    );
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

describe('base64 inside a longer blob', () => {
  /** Every core of `secret`, at each of the three offsets, whatever its length. */
  const allCores = (secret: Buffer) =>
    [0, 1, 2].map((k) => Buffer.concat([Buffer.alloc(k), secret]).toString('base64').slice(Math.ceil((8 * k) / 6), Math.floor((8 * (k + secret.length)) / 6)));
  const url = (b64: string) => b64.replace(/\+/g, '-').replace(/\//g, '_');

  /** No piece of the masked text decodes to anything holding the secret, however its characters are grouped. */
  function expectNoSecret(masked: string, secret: Buffer, encoding: 'base64' | 'base64url') {
    for (const piece of masked.split(REDACTED)) {
      for (let drop = 0; drop < 4; drop++) expect(Buffer.from(piece.slice(drop), encoding).includes(secret)).toBe(false);
    }
  }

  /** The base64 (and base64url) of `prefix + secret + suffix`, masked: no core, nothing that decodes to the secret. */
  function expectMasked(redact: ReturnType<typeof createRedactor>, secret: Buffer, prefix: Buffer, suffix: Buffer) {
    const blob = Buffer.concat([prefix, secret, suffix]);
    const cores = allCores(secret);
    for (const [encoding, encoded] of [
      ['base64', blob.toString('base64')],
      ['base64', blob.toString('base64').replace(/=+$/, '')],
      ['base64url', blob.toString('base64url')],
    ] as const) {
      const masked = redact(`Basic ${encoded}\n`);
      expect(masked).toContain(REDACTED);
      for (const core of cores) expect(masked).not.toContain(encoding === 'base64' ? core : url(core));
      expectNoSecret(masked, secret, encoding);
      expect(redact.find(masked)).toEqual([]);
      // The bytes of raw output are masked the same way.
      expect(redact.maskBytes(Buffer.from(`Basic ${encoded}\n`)).toString()).toBe(masked);
    }
  }

  it('masks a secret at every offset: lengths 6 to 20, 0 to 5 bytes before and after', () => {
    const letters = 'q7~Zx?9L>k2V<b8N?w4Rt~';
    const filler = Buffer.from([0xfb, 0xff, 0x3e, 0x00, 0x75, 0x3a]);
    for (let n = 6; n <= 20; n++) {
      const value = letters.slice(0, n);
      const secret = Buffer.from(value);
      const redact = createRedactor([value]);
      for (let before = 0; before <= 5; before++) {
        for (let after = 0; after <= 5; after++) expectMasked(redact, secret, filler.subarray(0, before), filler.subarray(6 - after));
      }
    }
  });

  it('masks any secret in any blob (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', minLength: 6, maxLength: 20 }),
        fc.uint8Array({ maxLength: 8 }),
        fc.uint8Array({ maxLength: 8 }),
        (value, prefix, suffix) => {
          const secret = Buffer.from(value);
          fc.pre(!Buffer.concat([prefix, suffix]).includes(secret) && secret.toString() === value);
          expectMasked(createRedactor([value]), secret, Buffer.from(prefix), Buffer.from(suffix));
        },
      ),
    );
  });

  it('masks the Basic auth header of user:secret, and the scan finds it when it is not masked', () => {
    const secret = 'supersecret123';
    const blob = Buffer.from(`user:${secret}`).toString('base64');
    expect(blob).toBe('dXNlcjpzdXBlcnNlY3JldDEyMw==');
    const redact = createRedactor([secret]);
    expect(redact(`Authorization: Basic ${blob}`)).toBe(`Authorization: Basic dXNlcjp${REDACTED}w==`);
    expect(redact.find(`Basic ${blob}`)).toEqual(['base64']);
    expect(redact.find(Buffer.from(`user:${secret}?>`).toString('base64url'))).not.toEqual([]);
  });

  it('keeps a core only where it is long enough: 7 characters, which every 6-byte secret has at every offset', () => {
    expect(base64Cores(Buffer.from('abcdef')).map((c) => c.length)).toEqual([8, 7, 7]);
    expect(base64Cores(Buffer.from('abcde'))).toEqual([]);
    // A listed value of 3 bytes is still masked in the base64 of the value alone.
    expect(createRedactor(['abc'])(`v=${Buffer.from('abc').toString('base64')}`)).toBe(`v=${REDACTED}`);
  });

  it('still masks every other form, next to a blob', () => {
    const secret = 's3cr3t "v>lue"/+';
    const redact = createRedactor([secret]);
    const bytes = Buffer.from(secret);
    const text = [
      secret,
      JSON.stringify({ v: secret }),
      encodeURIComponent(secret),
      bytes.toString('base64'),
      bytes.toString('base64url'),
      Buffer.concat([Buffer.from('u:'), bytes]).toString('base64'),
      Buffer.concat([Buffer.from('u:'), bytes]).toString('base64url'),
    ].join('\n');
    const out = redact(text);
    expect(out.split('\n')).toHaveLength(7);
    expect(out.split('\n').every((line) => line.includes(REDACTED))).toBe(true);
    expect(JSON.parse(out.split('\n')[1] ?? '')).toEqual({ v: REDACTED });
    expect(out).not.toContain('s3cr3t');
    expect(redact.find(out)).toEqual([]);
  });

  it('reaches at least as far as every core, and chunk by chunk masks blobs as the whole', () => {
    const secret = 'q7Zx9Lk2Vb8Nw4Rt';
    const r = createRedactor([secret]);
    for (const core of base64Cores(Buffer.from(secret))) expect(r.reach).toBeGreaterThanOrEqual(core.length);
    const blobs = ['', 'u', 'us', 'usr:'].map((p) => Buffer.from(`${p}${secret}!`).toString('base64'));
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constantFrom(...blobs), fc.string({ maxLength: 12 })), { maxLength: 20 }),
        fc.array(fc.integer({ min: 1, max: 30 }), { minLength: 1, maxLength: 8 }),
        (parts, sizes) => {
          const raw = Buffer.from(parts.join(''));
          expect(maskInChunks(r, raw, sizes)).toBe(r.maskBytes(raw).toString());
        },
      ),
    );
  });
});

describe('masking that keeps columns', () => {
  it('blanks every form with as many stars as it hides', () => {
    const secret = 'literalsecret123';
    const r = createRedactor([secret]);
    const line = `{"env":{"API_TOKEN":"${secret}"},"timoutMs":5}`;
    const blanked = r.blank(line);
    expect(blanked).toBe(`{"env":{"API_TOKEN":"${'*'.repeat(secret.length)}"},"timoutMs":5}`);
    expect(blanked.indexOf('"timoutMs"')).toBe(line.indexOf('"timoutMs"'));
    expect(createRedactor([]).blank(line)).toBe(line);
  });
});

describe('secrets of several lines', () => {
  const KEY = '-----BEGIN KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\nKUpRKfFLfRYC9AIKjbJTWit+CqvjWYzvQwECAwEAAQ\n-----END KEY-----';
  const crlf = (text: string) => text.replace(/\n/g, '\r\n');

  it('masks a value stored with a line break at its end also as printed without it, in every form', () => {
    for (const stored of [`${KEY}\n`, `${KEY}\r\n`, 'tok-9f8e7d6c5b\n']) {
      const r = createRedactor([stored]);
      const printed = stored.replace(/[\r\n]+$/, '');
      expect(r(`a ${printed} b`)).toBe(`a ${REDACTED} b`);
      expect(r(`a ${Buffer.from(printed).toString('base64')} b`)).toBe(`a ${REDACTED} b`);
      expect(r.find(`a ${printed} b`)).toEqual(['plain']);
    }
    // What is left is masked down to 3 characters, the least gate masks: "ab\n" masks no "ab".
    expect(createRedactor(['ab\n'])('a ab b')).toBe('a ab b');
  });

  it('masks a short value stored with a line break at its end as printed without it, whatever minimum admitted it', () => {
    // Listed under `redact` (admitted from 3 characters on), or by its name (from 6, the line break counted).
    const sources = secretSources({ env: {}, redact: ['DEPLOY_PASS'], checks: [] }, { DEPLOY_PASS: 'k7#Qz\n', API_KEY: 'abcde\n' });
    expect(sources.map((s) => s.name)).toEqual(['DEPLOY_PASS', 'API_KEY']);
    const r = redactorFor({ env: {}, redact: ['DEPLOY_PASS'], checks: [] }, { DEPLOY_PASS: 'k7#Qz\n', API_KEY: 'abcde\n' });
    expect(r('pass=k7#Qz; key=abcde;')).toBe(`pass=${REDACTED}; key=${REDACTED};`);
    expect(r.find('pass=k7#Qz;')).toEqual(['plain']);
    // The collision check looks at the forms masking uses.
    expect(maskedForms('k7#Qz\n')).toContain('k7#Qz');
    expect(maskedForms('abcde\r\n')).toContain('abcde');
    expect(maskedForms('ab\n')).not.toContain('ab');
  });

  it('masks each specific line of it on its own: a key printed cut short, or only its body, shows no line of the body', () => {
    const r = createRedactor([KEY]);
    const keyLines = KEY.split('\n');
    const firstThree = keyLines.slice(0, 3).join('\n');
    // Cut short (a check that hangs or crashes after 3 of 4 lines), with either line end: the armor stays, the body goes.
    expect(r(`${firstThree}\n`)).toBe(`${keyLines[0]}\n${REDACTED}\n${REDACTED}\n`);
    expect(r(crlf(`${firstThree}\n`))).toBe(crlf(`${keyLines[0]}\n${REDACTED}\n${REDACTED}\n`));
    expect(r(`body: ${keyLines[2]}`)).toBe(`body: ${REDACTED}`);
    expect(r(JSON.stringify({ out: firstThree }))).toBe(JSON.stringify({ out: `${keyLines[0]}\n${REDACTED}\n${REDACTED}` }));
    // The scan after writing finds a line that got through, as it finds the whole.
    expect(r.find(`x ${keyLines[1]} y`)).toEqual(['plain']);
    expect(maskedForms(KEY)).toEqual(expect.arrayContaining([keyLines[1], keyLines[2]]));
  });

  it('masks a specific line printed in part, 16 characters or more of it: cut at the end or at the start, next to a mask, anywhere', () => {
    const r = createRedactor([KEY]);
    const [armor, one, two] = KEY.split('\n') as [string, string, string];
    // Cut short at the end (`head -c`): the first line is masked whole, and the 20 characters of the second after it.
    const head = `${armor}\n${one}\n${two.slice(0, 20)}`;
    expect(r(head)).toBe(`${armor}\n${REDACTED}\n${REDACTED}`);
    expect(r(crlf(head))).toBe(crlf(`${armor}\n${REDACTED}\n${REDACTED}`));
    // Cut at the start (`tail -c`): the end of a line, then the rest.
    expect(r(`${one.slice(-34)}\n${two}\n-----END KEY-----`)).toBe(`${REDACTED}\n${REDACTED}\n-----END KEY-----`);
    // Anywhere: any 16 characters of a line; 15 are not specific enough.
    expect(r(`x ${one.slice(5, 21)} y`)).toBe(`x ${REDACTED} y`);
    expect(r(`x ${one.slice(5, 20)} y`)).toBe(`x ${one.slice(5, 20)} y`);
    // The whole run of a line is masked, not 16 characters of it.
    expect(r(`<${one.slice(3, 50)}>`)).toBe(`<${REDACTED}>`);
    // JSON-escaped and cut short: one line, its line breaks written `\n`.
    const escaped = JSON.stringify(KEY).slice(1, -1);
    const cut = escaped.indexOf('KUpR') + 20;
    expect(r(`{"out":"${escaped.slice(0, cut)}"}`)).toBe(`{"out":"${JSON.stringify(armor).slice(1, -1)}\\n${REDACTED}\\n${REDACTED}"}`);
    // Raw bytes, chunk by chunk too, and the scan after writing.
    expect(r.maskBytes(Buffer.from(head)).toString()).toBe(`${armor}\n${REDACTED}\n${REDACTED}`);
    expect(maskInChunks(r, Buffer.from(`a ${two.slice(2, 40)} b ${one.slice(10)}`), [7, 13])).toBe(`a ${REDACTED} b ${REDACTED}`);
    expect(r.find(`x ${two.slice(0, 17)} y`)).toEqual(['plain']);
    expect(r.blank(`x ${two.slice(0, 17)} y`)).toBe(`x ${'*'.repeat(17)} y`);
    // A line of the wrapped base64 of the key too.
    const b64 = Buffer.from(KEY).toString('base64');
    expect(r(`${b64.slice(0, 76)}\n${b64.slice(76, 100)}`)).toBe(`${REDACTED}\n${REDACTED}`);
  });

  it('masks no piece of a line that is a number or armor, and nothing for a secret without lines of its own', () => {
    const secret = 'first-line-of-it\nid=12345678901234567890123\n-----END OF THE SECRET BLOCK-----';
    const r = createRedactor([secret]);
    expect(r('took 12345678901234567890 ms')).toBe('took 12345678901234567890 ms');
    expect(r('x id=1234567890123456 y')).toBe(`x ${REDACTED} y`);
    expect(r('--- END OF THE SECRET BLOCK-----')).toBe('--- END OF THE SECRET BLOCK-----');
    const one = createRedactor(['tok-9f8e7d6c5b4a3210xyz']);
    expect(one('tok-9f8e7d6c5b4a3210')).toBe('tok-9f8e7d6c5b4a3210');
  });

  it('masks no line alone that is short, armor, punctuation or a number: those are masked only as part of the whole', () => {
    const lines = ['-----BEGIN X509 CRL-----', 'short-but-secret', 'correct horse battery', '1234567890123456789', 'fifteen-chars-x', '{ "": [ ] } , ; !!', '-----END X509 CRL-----'];
    const secret = lines.join('\n');
    const r = createRedactor([secret]);
    // 16 characters or more, with a letter or a digit: specific enough (the second and third lines).
    const alone = new Set(['short-but-secret', 'correct horse battery']);
    expect(r(lines.join(' | '))).toBe(lines.map((l) => (alone.has(l) ? REDACTED : l)).join(' | '));
    expect(r(secret)).toBe(REDACTED);
    // A line is looked at without the white space around it (an indented key in YAML).
    expect(createRedactor(['k:\n    indented-value-9f8e7d\n'])('- indented-value-9f8e7d -')).toBe(`- ${REDACTED} -`);
    // A value of one line with a line break at its end has no lines of its own: it is masked as printed, from 3 characters on.
    expect(maskedForms('tok-9f8e7d6c5b4a3210\n')).toContain('tok-9f8e7d6c5b4a3210');
  });

  it('masks a value printed with \\r\\n line ends, in every form, and finds it when it is not masked', () => {
    const r = createRedactor([KEY]);
    const bytes = Buffer.from(crlf(KEY));
    for (const [form, name] of [
      [crlf(KEY), 'plain'],
      [JSON.stringify(crlf(KEY)).slice(1, -1), 'JSON-escaped'],
      [encodeURIComponent(crlf(KEY)), 'URL-encoded'],
      [bytes.toString('base64'), 'base64'],
      [bytes.toString('base64url'), 'base64url'],
    ] as const) {
      expect(r(`key: ${form}\r\nnext`)).toBe(`key: ${REDACTED}\r\nnext`);
      expect(r.maskBytes(Buffer.from(`key: ${form}\r\n`)).toString()).toBe(`key: ${REDACTED}\r\n`);
      // (base64url reads as base64 where the two alphabets agree; a line of the key's body, masked on its own, shows inside the encodings that leave it as it is)
      expect(r.find(`key: ${form}`)).toContain(name === 'base64url' && !/[-_]/.test(form) ? 'base64' : name);
    }
    // Inside a longer blob too.
    expect(r(Buffer.concat([Buffer.from('u:'), bytes]).toString('base64'))).toContain(REDACTED);
  });

  it('masks a value that holds \\r\\n line ends printed with \\n, and leaves a lone \\r as it is', () => {
    expect(createRedactor([crlf(KEY)])(`${KEY}\n`)).toBe(`${REDACTED}\n`);
    const lone = 'first-half\rsecond-half';
    const r = createRedactor([lone]);
    expect(r(`x ${lone} y`)).toBe(`x ${REDACTED} y`);
    expect(r('first-half\nsecond-half')).toBe('first-half\nsecond-half');
  });

  it('reaches as far as the longest form of the \\r\\n variant: every byte percent-encoded', () => {
    expect(createRedactor([KEY]).reach).toBe(3 * Buffer.byteLength(crlf(KEY)));
    expect(createRedactor([crlf(KEY)]).reach).toBe(3 * Buffer.byteLength(crlf(KEY)));
  });

  it('masks the \\r\\n variant chunk by chunk as it masks the whole', () => {
    const r = createRedactor([KEY]);
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constant(KEY), fc.constant(crlf(KEY)), fc.constant('\r\n'), fc.string({ maxLength: 20 })), { maxLength: 12 }),
        fc.array(fc.integer({ min: 1, max: 200 }), { minLength: 1, maxLength: 8 }),
        (parts, sizes) => {
          const raw = Buffer.from(parts.join(''));
          const masked = maskInChunks(r, raw, sizes);
          expect(masked).toBe(r.maskBytes(raw).toString());
          expect(masked).not.toContain('MIIBOgIBAAJBAKj34Gkx');
        },
      ),
    );
  });
});

describe('base64 wrapped in lines', () => {
  /** `base64` (76 columns) and openssl or PEM (64) wrap what they write; the line end after the last line is not part of it. */
  const wrap = (b64: string, width: number, eol: string) => (b64.match(new RegExp(`.{1,${width}}`, 'g')) ?? []).join(eol);
  // A JWT of 150 characters: its base64 is 200, three lines at 76 columns, four at 64.
  const JWT = `eyJhbGciOiJSUzI1NiJ9.${'eyJzdWIiOiJqb2JfMTIzIiwiaXNzIjoiZ2l0bGFiIn0'.repeat(2)}.${'s1gnatur3'.repeat(4)}`.slice(0, 150);

  it('masks the wrapped base64 of the value and the line end echo adds (echo "$TOKEN" | base64)', () => {
    const token = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';
    const piped = Buffer.from(`${token}\n`).toString('base64').match(/.{1,76}/g)!.join('\n');
    const r = createRedactor([token]);
    expect(r(`${piped}\n`)).toBe(`${REDACTED}\n`);
    expect(r.find(piped)).toEqual(['base64']);
  });

  it('masks the base64 of the value alone wrapped at 76 or 64 columns, with \\n or \\r\\n line ends, and finds it', () => {
    const r = createRedactor([JWT]);
    const b64 = Buffer.from(JWT).toString('base64');
    for (const width of [76, 64]) {
      for (const eol of ['\n', '\r\n']) {
        const wrapped = wrap(b64, width, eol);
        expect(wrapped.split(eol).length).toBeGreaterThan(2);
        expect(r(`token:${eol}${wrapped}${eol}done`)).toBe(`token:${eol}${REDACTED}${eol}done`);
        expect(r.maskBytes(Buffer.from(`${wrapped}${eol}`)).toString()).toBe(`${REDACTED}${eol}`);
        expect(r.find(`x ${wrapped}${eol}`)).toEqual(['base64']);
        expect(r.reach).toBeGreaterThanOrEqual(wrapped.length);
      }
    }
  });

  it('wraps only base64 longer than a line: one of 76 characters exactly is masked as it is', () => {
    const value = 'x'.repeat(57);
    const b64 = Buffer.from(value).toString('base64');
    expect(b64).toHaveLength(76);
    const r = createRedactor([value]);
    expect(r(`${b64}\n`)).toBe(`${REDACTED}\n`);
    // At 64 columns it wraps.
    expect(r(`${wrap(b64, 64, '\n')}\n`)).toBe(`${REDACTED}\n`);
  });

  it('masks wrapped base64 chunk by chunk as it masks the whole', () => {
    const r = createRedactor([JWT]);
    const b64 = Buffer.from(JWT).toString('base64');
    const forms = [wrap(b64, 76, '\n'), wrap(b64, 64, '\r\n')];
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constantFrom(...forms), fc.constant('\n'), fc.string({ maxLength: 20 })), { maxLength: 12 }),
        fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 8 }),
        (parts, sizes) => {
          const raw = Buffer.from(parts.join(''));
          const masked = maskInChunks(r, raw, sizes);
          expect(masked).toBe(r.maskBytes(raw).toString());
          for (const line of forms[0]!.split('\n')) if (line.length > 20) expect(masked).not.toContain(line);
        },
      ),
    );
  });
});

describe('masking text that arrives a line at a time', () => {
  const KEY = '-----BEGIN KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\nKUpRKfFLfRYC9AIKjbJTWit+CqvjWYzvQwECAwEAAQ\n-----END KEY-----';
  const keyLines = KEY.split('\n');
  const crlf = (text: string) => text.replace(/\n/g, '\r\n');

  /** Feeds `text` to a masker in batches of whole lines (`sizes` lines at a time, cycling), then its end; every line shown. */
  function stream(masker: ReturnType<ReturnType<typeof createRedactor>['lines']>, text: string, sizes = [1]) {
    const lines = text.split('\n');
    const rest = lines.pop()!;
    const shown: string[] = [];
    for (let at = 0, i = 0; at < lines.length; i++) {
      const size = sizes[i % sizes.length]!;
      shown.push(...masker.push(lines.slice(at, at + size).map((line) => `${line}\n`).join('')));
      at += size;
    }
    shown.push(...masker.end(rest));
    return { shown };
  }

  /** The text masked whole, cut into lines as the stream cuts it. */
  const whole = (r: ReturnType<typeof createRedactor>, text: string) => {
    const lines = r(text).split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    return lines;
  };

  it('masks a key of several lines whole, with \\n or \\r\\n line ends, and shows no line of it', () => {
    const r = createRedactor([KEY]);
    for (const text of [`before\n${KEY}\nafter\n`, crlf(`before\n${KEY}\nafter\n`), `x=${KEY} y\n`]) {
      const { shown } = stream(r.lines(), text);
      expect(shown).toEqual(whole(r, text));
      expect(shown.join('\n')).toContain(REDACTED);
      for (const line of keyLines) expect(shown.join('\n')).not.toContain(line);
    }
  });

  it('holds a line only while it could still start a secret: ordinary lines are shown as they come', () => {
    const r = createRedactor([KEY]);
    const m = r.lines();
    expect(m.push('ready\n')).toEqual(['ready']);
    // The key's first line: held until the next line says whether the key goes on.
    expect(m.push('-----BEGIN KEY-----\n')).toEqual([]);
    expect(m.push('not the key\n')).toEqual(['-----BEGIN KEY-----', 'not the key']);
    expect(m.push(`${keyLines[0]}\n`)).toEqual([]);
    expect(m.push(`${keyLines[1]}\n`)).toEqual([]);
    expect(m.push(`${keyLines[2]}\n`)).toEqual([]);
    expect(m.push(`${keyLines[3]}\n`)).toEqual([REDACTED]);
    expect(m.push('done\n')).toEqual(['done']);
    expect(m.end('')).toEqual([]);
  });

  it('masks wrapped base64 of a long token, line by line, and shows the lines held at the end', () => {
    const token = `eyJhbGciOiJSUzI1NiJ9.${'eyJzdWIiOiJqb2JfMTIzIn0'.repeat(5)}.sig`.padEnd(150, 'x');
    const r = createRedactor([token]);
    const b64 = Buffer.from(token).toString('base64');
    const wrapped = (b64.match(/.{1,76}/g) ?? []).join('\n');
    const { shown } = stream(r.lines(), `token:\n${wrapped}\nok\n`);
    expect(shown).toEqual(['token:', REDACTED, 'ok']);
    // Output that ends while a line is held: shown at the end, masked as the whole, and each line of the wrapped base64 on its own.
    const first = b64.slice(0, 76);
    expect(stream(r.lines(), `${first}\n`).shown).toEqual([REDACTED]);
    expect(r(`x ${b64.slice(76, 152)}`)).toBe(`x ${REDACTED}`);
  });

  it('masks as the whole text would be masked, whatever the lines and however many come at a time (property)', () => {
    const other = 'short-secret-99';
    const r = createRedactor([KEY, other]);
    const b64 = Buffer.from(KEY).toString('base64');
    const pieces = [KEY, crlf(KEY), other, (b64.match(/.{1,64}/g) ?? []).join('\n'), ...keyLines, `${keyLines[0]}\n${keyLines[1]}`, '\n', '\r\n'];
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constantFrom(...pieces), fc.string({ maxLength: 12 }).filter((s) => !s.includes('…'))), { maxLength: 16 }),
        fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 6 }),
        (parts, sizes) => {
          const text = parts.join('');
          expect(stream(r.lines(), text, sizes).shown).toEqual(whole(r, text));
        },
      ),
    );
  });

  it('a secret cut short by a gap is masked from its start, and the rest of one after a gap is masked too', () => {
    const r = createRedactor([KEY]);
    const m = r.lines();
    expect(m.push('head\n')).toEqual(['head']);
    expect(m.push(`${keyLines[0]}\n`)).toEqual([]);
    // The text breaks off inside the key: what was held of it is masked, not shown.
    expect(m.gap(keyLines[1]!.slice(0, 20))).toEqual([REDACTED]);
    // After the gap, what follows starts with the rest of the key.
    expect(m.push(`${keyLines[2]}\n`)).toEqual([]);
    expect(m.push(`${keyLines[3]}\n`)).toEqual([REDACTED]);
    expect(m.push('tail\n')).toEqual(['tail']);
    // A single-line secret cut short at the gap: its piece is masked.
    const s = createRedactor(['q7Zx9Lk2Vb8Nw4Rt']).lines();
    expect(s.gap('value=q7Zx9Lk')).toEqual([`value=${REDACTED}`]);
    expect(s.push('next\n')).toEqual(['next']);
  });

  it('never shows a specific line in part: ended, after a gap, or after a masked line (--verbose as the files)', () => {
    const r = createRedactor([KEY]);
    const head = `${keyLines[0]}\n${keyLines[1]}\n${keyLines[2]!.slice(0, 30)}`;
    const { shown } = stream(r.lines(), head);
    expect(shown).toEqual([keyLines[0], REDACTED, REDACTED]);
    expect(shown).toEqual(whole(r, head));
    // The end of a line first (`tail -c`), then the rest, line by line.
    const tail = `${keyLines[1]!.slice(-20)}\n${keyLines[2]}\n${keyLines[3]}\nok`;
    expect(stream(r.lines(), tail).shown).toEqual([REDACTED, REDACTED, keyLines[3], 'ok']);
    // A piece cut by a gap, and the rest of the line after it.
    const m = r.lines();
    expect(m.push('start\n')).toEqual(['start']);
    expect(m.gap(`out: ${keyLines[2]!.slice(0, 18)}`)).toEqual([`out: ${REDACTED}`]);
    expect(m.push(`${keyLines[1]!.slice(-17)} done\n`)).toEqual([`${REDACTED} done`]);
    expect(m.end('')).toEqual([]);
  });

  it('never shows a line held back inside the rest of a secret that follows a gap: it is held whole', () => {
    // Lines short enough that none is masked on its own: only the secret as a whole hides them.
    const s = 'user=deploy\nhost=db1\npass=Zq8vR2';
    const [first] = s.split('\n');
    const m = createRedactor([s]).lines();
    const shown = [...m.gap(`${'x'.repeat(20)}${first!.slice(0, 8)}`)];
    // After the gap: the rest of the secret, then a line that could start it again (held), where the cut falls.
    shown.push(...m.push(`${s.slice(first!.length + 1)}${first}\n`));
    shown.push(...m.push(`${s.slice(first!.length + 1)}\n`), ...m.end('done'));
    expect(shown.join('\n')).not.toContain('Zq8vR2');
    expect(shown.join('\n')).not.toContain('host=db1');
    expect(shown[shown.length - 1]).toBe('done');
  });

  it('holds a bounded amount: past it, the lines are shown with the start of a secret masked, and its rest after', () => {
    const r = createRedactor([KEY]);
    const m = r.lines();
    // Keys back to back with no line end between them: each line ends one and starts the next.
    const chain = KEY.repeat(300).split('\n');
    const shown: string[] = [];
    for (const line of chain) shown.push(...m.push(`${line}\n`));
    // 40 KB of keys: shown before the end, not held to it.
    expect(shown.length).toBeGreaterThan(0);
    shown.push(...m.end(''));
    const text = shown.join('\n');
    for (const line of keyLines.slice(1, 3)) expect(text).not.toContain(line);
    expect(text).not.toContain('BEGIN');
  });

  it('passes lines through when there is nothing to mask', () => {
    const m = createRedactor([]).lines();
    expect(m.push('a\n\nb\n')).toEqual(['a', '', 'b']);
    expect(m.gap('b')).toEqual(['b']);
    expect(m.end('')).toEqual([]);
    expect(m.end('c')).toEqual(['c']);
  });
});
