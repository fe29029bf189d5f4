import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { filesUnder, gate, makeProject, REPO, survivors } from './harness.js';

const check = (id: string, run: string[] | string, extra: object = {}) => ({ id, run, ...extra });

/** Every file gate wrote in the project (reports, run logs, work dirs): all but the gate files. */
const written = (root: string) => filesUnder(root).filter((f) => !f.startsWith(path.join(root, 'gates') + path.sep));

/** The base64 characters only the secret decides, at each of the three offsets (what masking must leave nowhere). */
const cores = (secret: string) =>
  [0, 1, 2].map((k) => {
    const encoded = Buffer.concat([Buffer.alloc(k), Buffer.from(secret)]).toString('base64');
    return encoded.slice(Math.ceil((8 * k) / 6), Math.floor((8 * (k + secret.length)) / 6));
  });

describe('secrets inside base64 blobs', () => {
  const SECRET = 'supersecret123';
  const BLOB = Buffer.from(`user:${SECRET}`).toString('base64');

  it('masks the Basic auth header of user:secret in every file, the run log and the --verbose terminal', async () => {
    const p = makeProject();
    // The header on stdout and stderr; the same secret at the other two offsets, in both alphabets.
    const print = `const t = process.env.API_TOKEN, b = (s, e) => Buffer.from(s).toString(e);
      const header = "Basic " + b("user:" + t, "base64");
      console.log(header); console.error(header);
      console.error("more " + b("u:" + t + "?>", "base64url") + " " + b("us:" + t + "??", "base64"));`;
    const json = `const h = "Basic " + Buffer.from("user:" + process.env.API_TOKEN).toString("base64");
      console.log(JSON.stringify({ auth: h, ok: true }));`;
    p.gate('g', {
      checks: [
        check('a', ['node', '-e', print], { output: 'text' }),
        check('b', ['node', '-e', `${print}; process.exitCode = 1`], { output: 'text' }),
        check('c', ['node', '-e', json], { expect: ['auth == "Basic x"'] }),
      ],
    });
    const env = { API_TOKEN: SECRET, GATE_E2E_TAG: p.root };
    const r = await gate(['run', 'g', '--verbose'], { cwd: p.root, env });
    expect(r.code).toBe(3);
    // Masking did its job: the scan after writing found nothing to fix.
    expect(r.stderr).not.toContain('got past masking');
    expect(r.stderr).toContain(`[a] Basic dXNlcjp[REDACTED]w==`);
    const files = written(p.root);
    for (const name of ['closeout.md', 'closeout.json', 'junit.xml', 'run.log', 'checks/a.stdout.txt', 'checks/b.stderr.txt', 'checks/c.stdout.txt']) {
      expect(files).toContain(path.join(p.root, 'reports/g_closeout', name));
    }
    expect(p.reportFile('g', 'closeout.md')).toContain('[REDACTED]');
    expect(p.reportFile('g', 'junit.xml')).toContain('[REDACTED]');
    for (const text of [...files.map((f) => readFileSync(f, 'utf8')), r.stdout, r.stderr]) {
      expect(text).not.toContain(BLOB);
      expect(text).not.toContain(SECRET);
      for (const core of cores(SECRET)) {
        expect(text).not.toContain(core);
        expect(text).not.toContain(core.replace(/\+/g, '-').replace(/\//g, '_'));
      }
    }
    // Kept whole, the masked output is the whole output as the report describes it: its size and hash both.
    const report = JSON.parse(p.reportFile('g', 'closeout.json')) as { checks: { id: string; stdout: { bytes: number; sha256: string; originalBytes: number; originalSha256: string } }[] };
    const a = report.checks.find((c) => c.id === 'a')!.stdout;
    expect(a.originalBytes).toBe(a.bytes);
    expect(a.originalSha256).toBe(a.sha256);
    expect(a.bytes).toBe(Buffer.byteLength(p.reportFile('g', 'checks/a.stdout.txt')));
    const again = await gate(['run', 'g', '--json'], { cwd: p.root, env });
    expect(again.stdout).toContain('[REDACTED]');
    expect(again.stdout).not.toContain(BLOB);
    expect(survivors(p.root)).toEqual([]);
  });
});

describe('secrets of several lines, and base64 wrapped in lines', () => {
  const REDACTED = '[REDACTED]';
  const KEY = '-----BEGIN KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\nKUpRKfFLfRYC9AIKjbJTWit+CqvjWYzvQwECAwEAAQ\n-----END KEY-----';
  // A JWT of 150 characters: `base64` writes it in three lines of 76 and one shorter.
  const JWT = `eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.${'eyJzdWIiOiJqb2JfMTIzNDU2IiwiaXNzIjoiZ2l0bGFiIn0'.repeat(2)}.c2lnbmF0dXJlLXNpZ25hdHVyZQ`.slice(0, 150);

  it('--verbose shows no line of a key, and no file, summary or stream keeps a line of the wrapped base64 of a token', async () => {
    const p = makeProject();
    const crlfKey = `process.stdout.write(process.env.SSH_PRIVATE_KEY.replace(/\\n/g, "\\r\\n") + "\\r\\n")`;
    const pem = `const b = Buffer.from(process.env.CI_JOB_TOKEN).toString("base64"); process.stdout.write(b.match(/.{1,64}/g).join("\\r\\n") + "\\r\\n")`;
    p.gate('ml', {
      checks: [
        check('a', ['node', '-e', 'console.error(process.env.SSH_PRIVATE_KEY)'], { output: 'text' }),
        check('b', 'printf %s "$CI_JOB_TOKEN" | base64; exit 1', { shell: true, output: 'text' }),
        check('c', ['node', '-e', crlfKey], { output: 'text' }),
        check('d', ['node', '-e', `${pem}; process.exitCode = 1`], { output: 'text' }),
      ],
    });
    const env = { SSH_PRIVATE_KEY: KEY, CI_JOB_TOKEN: JWT, GATE_E2E_TAG: p.root };
    const r = await gate(['run', 'ml', '--verbose'], { cwd: p.root, env });
    expect(r.code).toBe(3);
    expect(r.stderr).not.toContain('got past masking');
    const lines = r.stderr.split('\n');
    for (const id of ['a:err', 'b', 'c', 'd']) expect(lines).toContain(`[${id}] ${REDACTED}`);
    expect(p.reportFile('ml', 'checks/b.stdout.txt')).toBe(`${REDACTED}\n`);
    expect(p.reportFile('ml', 'checks/d.stdout.txt')).toBe(`${REDACTED}\r\n`);
    expect(p.reportFile('ml', 'closeout.md')).toContain(REDACTED);
    expect(p.reportFile('ml', 'junit.xml')).toContain(REDACTED);
    const b64 = Buffer.from(JWT).toString('base64');
    const pieces = [...KEY.split('\n'), ...(b64.match(/.{1,76}/g) ?? []), ...(b64.match(/.{1,64}/g) ?? [])].filter((piece) => piece.length >= 10);
    for (const text of [...written(p.root).map((f) => readFileSync(f, 'utf8')), r.stdout, r.stderr]) {
      for (const piece of pieces) expect(text).not.toContain(piece);
    }
    expect(survivors(p.root)).toEqual([]);
  });
});

describe('a secret of several lines printed in part', () => {
  const KEY = '-----BEGIN KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\nKUpRKfFLfRYC9AIKjbJTWit+CqvjWYzvQwECAwEAAQ\n-----END KEY-----';
  const body = KEY.split('\n').slice(1, 3);

  it('shows no line of its body: cut short by a timeout, or the body alone before a crash, in every file and on the terminal', async () => {
    const p = makeProject();
    const firstThree = `console.log(process.env.SSH_PRIVATE_KEY.split("\\n").slice(0, 3).join("\\n")); setTimeout(() => {}, 60000)`;
    const bodyOnly = `console.error(process.env.SSH_PRIVATE_KEY.split("\\n").slice(1, 3).join("\\n")); throw new Error("crash")`;
    p.gate('g', {
      checks: [
        check('a', ['node', '-e', firstThree], { output: 'text', timeoutMs: 1500, killGraceMs: 200 }),
        check('b', ['node', '-e', bodyOnly], { output: 'text' }),
      ],
    });
    const r = await gate(['run', 'g', '--verbose'], { cwd: p.root, env: { SSH_PRIVATE_KEY: KEY } });
    expect(r.code).toBe(3);
    expect(r.stderr).not.toContain('got past masking');
    expect(p.reportFile('g', 'checks/a.stdout.txt')).toBe(`-----BEGIN KEY-----\n[REDACTED]\n[REDACTED]\n`);
    expect(p.reportFile('g', 'checks/b.stderr.txt')).toMatch(/^\[REDACTED\]\n\[REDACTED\]\n/);
    expect(r.stderr).toContain('[a] [REDACTED]');
    expect(r.stderr).toContain('[b:err] [REDACTED]');
    expect(p.reportFile('g', 'closeout.md')).toContain('[REDACTED]');
    for (const text of [...written(p.root).map((f) => readFileSync(f, 'utf8')), r.stdout, r.stderr]) {
      for (const line of body) expect(text).not.toContain(line);
    }
    expect(survivors(p.root)).toEqual([]);
  });
});

describe('a key printed cut short in the middle of a line', () => {
  // A 4096-bit-like body: lines of 64, from bytes that no other test uses.
  const body = (Buffer.from(Array.from({ length: 240 }, (_, i) => (i * 97 + 13) % 256)).toString('base64').match(/.{1,64}/g) ?? []) as string[];
  const KEY = ['-----BEGIN RSA PRIVATE KEY-----', ...body, '-----END RSA PRIVATE KEY-----'].join('\n');
  /** Every run of 16 characters of a line of the body: what no file, summary or stream may hold. */
  const runs = body.flatMap((line) => Array.from({ length: line.length - 15 }, (_, i) => line.slice(i, i + 16)));

  it('shows no 16 characters of a line, at the head or the tail of the output, JSON-escaped too, in every file and on the terminal', async () => {
    const p = makeProject();
    const head = `process.stdout.write(process.env.DEPLOY_PRIVATE_KEY.slice(0, 160)); setTimeout(() => {}, 60000)`;
    const tail = `process.stdout.write(process.env.DEPLOY_PRIVATE_KEY.slice(-130)); throw new Error("crash")`;
    const json = `process.stdout.write(JSON.stringify(process.env.DEPLOY_PRIVATE_KEY).slice(0, 150)); setTimeout(() => {}, 60000)`;
    p.gate('g', {
      checks: [
        check('head', ['node', '-e', head], { output: 'text', timeoutMs: 1500, killGraceMs: 200 }),
        check('tail', ['node', '-e', tail], { output: 'text' }),
        check('json', ['node', '-e', json], { output: 'text', timeoutMs: 1500, killGraceMs: 200 }),
      ],
    });
    const r = await gate(['run', 'g', '--verbose'], { cwd: p.root, env: { DEPLOY_PRIVATE_KEY: KEY } });
    expect(r.code).toBe(3);
    expect(r.stderr).not.toContain('got past masking');
    expect(p.reportFile('g', 'checks/head.stdout.txt')).toBe('-----BEGIN RSA PRIVATE KEY-----\n[REDACTED]\n[REDACTED]');
    expect(p.reportFile('g', 'checks/tail.stdout.txt')).toBe('[REDACTED]\n[REDACTED]\n-----END RSA PRIVATE KEY-----');
    expect(p.reportFile('g', 'checks/json.stdout.txt')).toBe('"-----BEGIN RSA PRIVATE KEY-----\\n[REDACTED]\\n[REDACTED]');
    expect(r.stderr).toContain('[head] [REDACTED]');
    for (const text of [...written(p.root).map((f) => readFileSync(f, 'utf8')), r.stdout, r.stderr]) {
      for (const run of runs) expect(text).not.toContain(run);
    }
    expect(survivors(p.root)).toEqual([]);
  });
});

describe('a short secret stored with a line break at its end', () => {
  it('is masked as printed without it, in the kept output, junit.xml and --verbose: listed or by its name', async () => {
    const p = makeProject();
    const print = (name: string) => ['node', '-e', `console.log('pass=' + process.env.${name}.trim() + ';'); process.exitCode = 1`];
    p.gate('g', {
      redact: ['DEPLOY_PASS'],
      checks: [check('a', print('DEPLOY_PASS'), { output: 'text' }), check('b', print('API_KEY'), { output: 'text' })],
    });
    const r = await gate(['run', 'g', '--verbose'], { cwd: p.root, env: { DEPLOY_PASS: 'k7#Qz\n', API_KEY: 'abcde\n' } });
    expect(r.code).toBe(3);
    expect(r.stderr).not.toContain('got past masking');
    expect(r.stderr).toContain('[a] pass=[REDACTED];');
    expect(r.stderr).toContain('[b] pass=[REDACTED];');
    expect(p.reportFile('g', 'checks/a.stdout.txt')).toBe('pass=[REDACTED];\n');
    expect(p.reportFile('g', 'checks/b.stdout.txt')).toBe('pass=[REDACTED];\n');
    for (const text of [...written(p.root).map((f) => readFileSync(f, 'utf8')), r.stdout, r.stderr]) {
      expect(text).not.toContain('k7#Qz');
      expect(text).not.toContain('abcde');
    }
    expect(p.reportFile('g', 'junit.xml')).toContain('pass=[REDACTED];');
  });
});

describe('hashes of evidence files', () => {
  it('cover the files with their secrets masked, never the secret itself', async () => {
    const p = makeProject();
    const SECRET = 's3cr3t-T0ken-value';
    const write = `const fs = require("fs"), t = process.env.API_TOKEN;
      fs.writeFileSync(process.env.GATE_EVIDENCE_FILE, JSON.stringify({ ok: true, t }));
      fs.writeFileSync("out.txt", "token=" + t + "\\n");
      fs.writeFileSync("doc.json", JSON.stringify({ ready: true, t }));`;
    p.gate('h', {
      env: { API_TOKEN: SECRET },
      checks: [{ id: 'a', run: ['node', '-e', write], evidence: ['out.txt'], expect: ['ok == true', { path: 'ready', op: '==', value: true, file: 'doc.json' }] }],
    });
    const r = await gate(['run', 'h'], { cwd: p.root });
    expect(r.code).toBe(0);
    const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
    const report = JSON.parse(p.reportFile('h', 'closeout.json')) as { checks: { evidence: { path: string; sha256: string; bytes: number }[]; evidenceFile: { sha256: string } }[] };
    const evidence = new Map(report.checks[0]!.evidence.map((e) => [e.path, e]));
    const raw = { out: `token=${SECRET}\n`, doc: JSON.stringify({ ready: true, t: SECRET }), file: JSON.stringify({ ok: true, t: SECRET }) };
    const masked = (text: string) => text.split(SECRET).join('[REDACTED]');
    expect(evidence.get('out.txt')).toEqual({ path: 'out.txt', sha256: sha256(masked(raw.out)), bytes: Buffer.byteLength(masked(raw.out)) });
    expect(evidence.get('doc.json')?.sha256).toBe(sha256(masked(raw.doc)));
    // The evidence file's entry and the kept copy of it agree: one masked text.
    expect(evidence.get('$GATE_EVIDENCE_FILE')?.sha256).toBe(sha256(masked(raw.file)));
    expect(evidence.get('$GATE_EVIDENCE_FILE')?.sha256).toBe(report.checks[0]!.evidenceFile.sha256);
    const hashes = JSON.stringify(report);
    for (const text of Object.values(raw)) expect(hashes).not.toContain(sha256(text));
  });
});

describe('secrets in definition errors', () => {
  const LITERAL = 'literalsecret123';
  const FROM_ENV = 'env-password-987';
  const line1 = (value: string) => `{"env":{"API_TOKEN":"${value}"},"timoutMs":5,`;
  const line2 = (value: string) => `"checks":[{"id":"a","run":["curl","-u","user:${value}"],"retrys":1}]}`;
  const body = `${line1(LITERAL)}\n${line2(FROM_ENV)}\n`;

  it('validate, validate --json and run never show them, and the caret still points at the problem', async () => {
    const p = makeProject();
    p.gate('sec', body);
    const env = { RELEASE_PASSWORD: FROM_ENV };
    const shown = [line1('*'.repeat(LITERAL.length)), line2('*'.repeat(FROM_ENV.length))];

    const text = await gate(['validate', 'sec'], { cwd: p.root, env });
    expect(text.code).toBe(2);
    const column = body.indexOf('"timoutMs"') + 1;
    expect(text.stderr).toContain(`gates/sec.json:1:${column}: timoutMs: unknown field "timoutMs"`);
    expect(text.stderr).toContain(`    1 | ${shown[0]}\n      | ${' '.repeat(column - 1)}^^^^^^^^^^\n`);
    const column2 = line2(FROM_ENV).indexOf('"retrys"') + 1;
    expect(text.stderr).toContain(`gates/sec.json:2:${column2}: checks[0].retrys: unknown field "retrys"`);
    expect(text.stderr).toContain(`    2 | ${shown[1]}\n      | ${' '.repeat(column2 - 1)}^^^^^^^^\n`);

    const json = await gate(['validate', 'sec', '--json'], { cwd: p.root, env });
    expect(json.code).toBe(2);
    const diags = (JSON.parse(json.stdout) as { diagnostics: { code: string; sourceLine?: string; column: number }[] }).diagnostics;
    expect(diags).toEqual([
      expect.objectContaining({ code: 'unknown-field', sourceLine: shown[0], column }),
      expect.objectContaining({ code: 'unknown-field', sourceLine: shown[1], column: column2 }),
    ]);

    const run = await gate(['run', 'sec'], { cwd: p.root, env });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('unknown field "timoutMs"');

    for (const out of [text, json, run]) {
      expect(out.stdout + out.stderr).not.toContain(LITERAL);
      expect(out.stdout + out.stderr).not.toContain(FROM_ENV);
    }
    expect(written(p.root)).toEqual([]);
  });

  it("a number word's hint does not spell a secret as the JSON number it reads as (0x7fab3c19: 2141928473)", async () => {
    const p = makeProject();
    const HEX = '0x7fab3c19';
    // As the hint would write it for JSON: the same secret in decimal.
    const DECIMAL = String(Number(HEX));
    p.gate('sec', { checks: [check('a', ['true'], { expect: [`n == ${HEX}`, 'm == 0x10'] })] });
    const env = { BUILD_TOKEN: HEX };
    const outs = [
      await gate(['validate', 'sec'], { cwd: p.root, env }),
      await gate(['validate', 'sec', '--json'], { cwd: p.root, env }),
      await gate(['run', 'sec'], { cwd: p.root, env }),
    ];
    expect(outs.map((o) => o.code)).toEqual([2, 2, 2]);
    expect(outs[0]!.stderr).toContain('invalid assertion: value [REDACTED] is not a JSON number');
    expect(outs[0]!.stderr).toContain('hint: write it as a JSON number ([REDACTED]), or quote it to compare strings: "[REDACTED]"');
    // A word that is no secret keeps its JSON number.
    expect(outs[0]!.stderr).toContain('hint: write it as a JSON number (16), or quote it to compare strings: "0x10"');
    for (const out of outs) {
      expect(out.stdout + out.stderr).not.toContain(HEX);
      expect(out.stdout + out.stderr).not.toContain(DECIMAL);
    }
  });

  it('masks an array or an object under a secret-looking name whole, as it masks a string', async () => {
    const p = makeProject();
    const value = '["arr-secret-123"]';
    p.gate('sec', `{"env": {"SERVICE_PASSWORD": ${value}, "API_TOKEN": {"v": "obj-secret-456"}}, "checks": [{"id": "a", "run": ["true"]}]}`);
    const text = await gate(['validate', 'sec'], { cwd: p.root });
    expect(text.code).toBe(2);
    expect(text.stderr).toContain(`"SERVICE_PASSWORD": ${'*'.repeat(value.length)},`);
    const json = await gate(['validate', 'sec', '--json'], { cwd: p.root });
    expect(json.code).toBe(2);
    for (const out of [text, json]) {
      expect(out.stdout + out.stderr).not.toContain('arr-secret-123');
      expect(out.stdout + out.stderr).not.toContain('obj-secret-456');
    }
  });
});

describe('secrets that masking cannot hide without breaking the report', () => {
  const json = (doc: object) => ['node', '-e', `console.log(JSON.stringify(${JSON.stringify(doc)}))`];
  const passing = { checks: [check('a', json({ ok: true }), { expect: ['ok == true'] })] };
  const refusal = (place: string) => `gate: gates/g.json: the secret in ${place} cannot be masked: its value reads as part of the text gate's reports are made of`;

  it('are refused before anything runs: exit 2, the variable named, never its value, nothing written', async () => {
    const p = makeProject();
    p.gate('g', passing);
    for (const args of [['run', 'g'], ['run', 'g', '--json'], ['drill', 'g']]) {
      const r = await gate(args, { cwd: p.root, env: { MY_TOKEN: 'status', OTHER_TOKEN: 'x9Qz_r4ndom-S3cret' } });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(
        `${refusal("MY_TOKEN (in gate's environment)")} (a name, a fixed value or a number), so masking it would break the files gate writes (closeout.json, junit.xml, run.log)\n` +
          "  hint: give MY_TOKEN a value of its own, or leave it out of gate's environment\n" +
          'nothing ran.\n',
      );
      expect(r.stderr).not.toMatch(/\bstatus\b/);
    }
    expect(written(p.root)).toEqual([]);
  });

  it('are refused all at once: a short listed value, a value in the gate file, numbers', async () => {
    const p = makeProject();
    p.gate('g', {
      redact: ['DEPLOY_ENV', 'BUILD_NO'],
      checks: [check('a', json({ ok: true }), { expect: ['ok == true'], env: { API_TOKEN: 'decision' } })],
    });
    const env = { DEPLOY_ENV: 'ate', BUILD_NO: '1234', SESSION_TOKEN: '86400000', GOOD_TOKEN: 'x9Qz_r4ndom-S3cret' };
    const r = await gate(['run', 'g'], { cwd: p.root, env });
    expect(r.code).toBe(2);
    const named = r.stderr.split('\n').filter((l) => l.startsWith('gate: '));
    expect(named.map((l) => l.slice(0, l.indexOf(' cannot')))).toEqual(
      ["DEPLOY_ENV (in gate's environment)", "BUILD_NO (in gate's environment)", 'checks[0].env.API_TOKEN'].map(
        (place) => `gate: gates/g.json: the secret in ${place}`,
      ),
    );
    expect(r.stderr).toContain(`hint: give DEPLOY_ENV a value of its own, or leave it out of gate's environment, or take it off "redact"`);
    expect(r.stderr).toContain('hint: give API_TOKEN a value of its own, or give it a name that does not look secret, if it holds no secret');
    for (const value of ['ate', '1234', '86400000', 'decision', 'GOOD_TOKEN']) expect(r.stderr).not.toMatch(new RegExp(`\\b${value}\\b`));
    expect(written(p.root)).toEqual([]);
  });

  it('a number under a secret-looking name that is not listed is masked, not refused: the run goes on (listed, it is refused, above)', async () => {
    const p = makeProject();
    p.gate('g', { checks: [check('a', ['node', '-e', 'console.log(JSON.stringify({ ok: true, ttl: process.env.SESSION_TOKEN_TTL }))'], { expect: ['ok == true'] })] });
    const r = await gate(['run', 'g'], { cwd: p.root, env: { SESSION_TOKEN_TTL: '86400000' } });
    expect(r.code).toBe(0);
    expect(p.reportFile('g', 'checks/a.stdout.txt')).toContain('"ttl":"[REDACTED]"');
  });

  it("a number under a secret-looking name that is not listed is left where gate writes a number of its own: run and drill stay whole", async () => {
    const p = makeProject();
    // 123455 characters and a line end: the output's bytes, in closeout.json and run.log, are the number.
    p.gate('g', {
      defaults: { timeoutMs: 300000 },
      checks: [check('a', ['node', '-e', 'process.stdout.write("x".repeat(123455) + "\\n"); if (process.env.GATE_INJECT_FAIL === "1") process.exitCode = 1'], { output: 'text' })],
    });
    const env = { SESSION_TOKEN_TTL_MS: '300000', UPLOAD_TOKEN_BYTES: '123456' };
    const r = await gate(['run', 'g', '--json'], { cwd: p.root, env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(p.report('g').checks[0]!.stdout).toMatchObject({ bytes: 123456, originalBytes: 123456 });
    expect((JSON.parse(r.stdout) as { checks: { stdout: { bytes: number } }[] }).checks[0]!.stdout.bytes).toBe(123456);
    expect(p.reportFile('g', 'run.log')).toContain('"originalBytes":123456');

    const drill = await gate(['drill', 'g'], { cwd: p.root, env });
    expect(drill.stderr).not.toContain('masking secrets broke');
    expect(drill.code).toBe(0);
    expect(drill.stdout).toContain('drill g: 1/1 caught');
    const matrix = JSON.parse(readFileSync(path.join(p.root, 'reports/g_drill/drill.json'), 'utf8')) as { verdict: string; rounds: { timeoutMs: number }[] };
    expect(matrix.verdict).toBe('pass');
    expect(matrix.rounds[0]!.timeoutMs).toBe(300000);
    const json = await gate(['drill', 'g', '--json'], { cwd: p.root, env });
    expect(json.code).toBe(0);
    expect((JSON.parse(json.stdout) as { rounds: { timeoutMs: number }[] }).rounds[0]!.timeoutMs).toBe(300000);
  });

  it('leave an ordinary secret alone: the run goes on, the secret is masked, the report is whole', async () => {
    const p = makeProject();
    const SECRET = 'x9Qz_r4ndom-S3cret';
    p.gate('g', {
      redact: ['DEPLOY_ENV'],
      checks: [
        check('a', ['node', '-e', 'console.log(JSON.stringify({ ok: true, t: process.env.MY_TOKEN, d: process.env.DEPLOY_ENV }))'], {
          expect: ['ok == true', 't exists'],
        }),
      ],
    });
    const r = await gate(['run', 'g', '--json'], { cwd: p.root, env: { MY_TOKEN: SECRET, DEPLOY_ENV: 'prd-eu' } });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { decision: string }).decision).toBe('GO');
    const report = p.report('g');
    const schema = JSON.parse(readFileSync(path.join(REPO, 'schemas/closeout.schema.json'), 'utf8')) as object;
    expect(new Ajv2020({ strict: true }).validate(schema, report)).toBe(true);
    expect(report.decision).toBe('GO');
    expect(report.checks[0]!.status).toBe('pass');
    expect(p.reportFile('g', 'checks/a.stdout.txt')).toBe(`{"ok":true,"t":"[REDACTED]","d":"[REDACTED]"}\n`);
    for (const file of written(p.root)) {
      expect(readFileSync(file, 'utf8')).not.toContain(SECRET);
      expect(readFileSync(file, 'utf8')).not.toContain('prd-eu');
    }
  });

  it('fail the run at its own job if masking still breaks closeout.json: exit 1, never GO, the variable named', async () => {
    const p = makeProject();
    // No word of the report: refused by nothing before the run. But after a newline (`\n` in JSON) it eats the escape's backslash.
    const SECRET = 'nKq7vXw2pZ';
    // Injected (GATE_INJECT_FAIL=1), the check fails: the drill's round catches it.
    const aware = ['node', '-e', 'console.log(JSON.stringify({ ok: process.env.GATE_INJECT_FAIL !== "1" }))'];
    p.gate('g', { checks: [check('a', aware, { title: 'first\nKq7vXw2pZ', expect: ['ok == true'] })] });
    const r = await gate(['run', 'g'], { cwd: p.root, env: { MY_TOKEN: SECRET } });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('NO-GO');
    expect(r.stdout).not.toMatch(/(?<!NO-)\bGO\b/);
    expect(r.stderr).toContain(
      "gate: masking secrets broke the report: closeout.json is not valid JSON; masking the value of MY_TOKEN (in gate's environment) is what does it (give it a value of its own); the files that carry the verdict were written again as NO-GO, and the run is NO-GO",
    );
    const closeout = p.reportFile('g', 'closeout.json');
    expect(closeout).toContain('"decision": "NO-GO"');
    expect(closeout).toContain('"exitCode": 1');
    expect(closeout).not.toContain('"GO"');

    // A drill: its round's report, and its own matrix, which has the title too.
    const drill = await gate(['drill', 'g'], { cwd: p.root, env: { MY_TOKEN: SECRET } });
    expect(drill.code).toBe(1);
    expect(drill.stderr).toContain('gate: masking secrets broke the report: closeout.json is not valid JSON;');
    expect(drill.stderr).toContain(
      "gate: masking secrets broke the drill report: drill.json is not valid JSON; masking the value of MY_TOKEN (in gate's environment) is what does it (give it a value of its own); it was written as failed (exit code 1)",
    );
    // The matrix on stdout does not read as a pass.
    expect(drill.stdout).toContain('drill g: FAILED: masking secrets broke the drill report (1/1 caught)');
    const matrix = readFileSync(path.join(p.root, 'reports/g_drill/drill.json'), 'utf8');
    expect(matrix).toMatch(/"verdict": "fail",\s+"exitCode": 1,/);
    for (const file of written(p.root)) expect(readFileSync(file, 'utf8')).not.toContain(SECRET);
  });
});

describe('secrets in the gate file itself: titles, ids, commands', () => {
  const SECRET = 'hunter2hunter2';
  // Injected (GATE_INJECT_FAIL=1), the check fails: the drill's round catches it.
  const AWARE = 'process.exit(process.env.GATE_INJECT_FAIL === "1" ? 1 : 0)';

  it('list, list --json, graph (Mermaid and DOT), validate and drill print none of them', async () => {
    const p = makeProject();
    p.gate('g', {
      title: `release via ${SECRET}`,
      checks: [
        check('build', ['node', '-e', AWARE], { output: 'text', title: `deploy to ${SECRET} cluster` }),
        check(`push-${SECRET}`, ['node', '-e', `${AWARE} // ${SECRET}`], { output: 'text', dependsOn: ['build'], title: `a long title that goes past the width of the table cell before ${SECRET} shows` }),
      ],
    });
    const env = { API_TOKEN: SECRET };
    const outs = [
      await gate(['list', 'g'], { cwd: p.root, env }),
      await gate(['list', 'g', '--json'], { cwd: p.root, env }),
      await gate(['graph', 'g'], { cwd: p.root, env }),
      await gate(['graph', 'g', '--format', 'dot'], { cwd: p.root, env }),
      await gate(['validate', 'g'], { cwd: p.root, env }),
      await gate(['validate', 'g', '--json'], { cwd: p.root, env }),
      await gate(['drill', 'g'], { cwd: p.root, env }),
      await gate(['drill', 'g', '--json'], { cwd: p.root, env }),
      await gate(['drill', 'g', '--only', `nope-${SECRET}`], { cwd: p.root, env }),
    ];
    expect(outs.map((o) => o.code)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 2]);
    for (const out of outs) {
      expect(out.stdout + out.stderr).not.toContain(SECRET);
      expect(out.stdout + out.stderr).not.toContain(SECRET.slice(0, 8));
    }
    expect(outs[0]!.stdout).toContain('deploy to [REDACTED] cluster');
    expect(outs[0]!.stdout).toContain('push-[REDACTED]');
    const listed = JSON.parse(outs[1]!.stdout) as { gates: { title: string; checks: { id: string; dependsOn: string[] }[] }[] };
    expect(listed.gates[0]!.title).toBe('release via [REDACTED]');
    expect(listed.gates[0]!.checks.map((c) => c.id)).toEqual(['build', 'push-[REDACTED]']);
    // The graph is still a graph: one node per check, the edge between them.
    expect(outs[2]!.stdout).toContain('deploy to [REDACTED] cluster');
    expect(outs[2]!.stdout).toMatch(/n_build --> n_push__REDACTED_/);
    expect(outs[3]!.stdout).toContain('"build" -> "push-[REDACTED]";');
    for (const f of written(p.root)) expect(readFileSync(f, 'utf8')).not.toContain(SECRET);
  });
});

describe('secrets in what gate run refuses before anything runs', () => {
  const SECRET = 'hunter2hunter2';
  // As an id may spell it: base64 without its padding.
  const B64 = Buffer.from(SECRET).toString('base64').replace(/=+$/, '');

  it('the plan problems (unknown ids, nothing selected, with their hints naming the checks) and shared dirs name no secret, in any form', async () => {
    const p = makeProject();
    // More than 20 checks: the hint names the first 20; ids and the gate id hold the secret, plain and in base64.
    const checks = Array.from({ length: 22 }, (_, i) => check(`c${i}-${i % 2 === 0 ? SECRET : B64}`, ['true'], { output: 'text' }));
    p.gate('g', { id: `g-${SECRET}`, checks });
    p.gate('h', { id: 'h', checks: [check(`x-${SECRET}`, ['true'], { output: 'text' })] });
    const env = { API_TOKEN: SECRET };
    const all = checks.map((c) => c.id).join(',');
    const outs = [
      await gate(['run', 'g', '--only', 'zzz'], { cwd: p.root, env }),
      await gate(['run', 'g', '--skip', 'zzz', '--json'], { cwd: p.root, env }),
      await gate(['run', 'g', '--inject-fail', 'zzz'], { cwd: p.root, env }),
      await gate(['run', 'g', '--skip', all], { cwd: p.root, env }),
      await gate(['run', 'h', '--only', `y-${SECRET}`], { cwd: p.root, env }),
      await gate(['run', 'g', '--work-dir', `out-${SECRET}`, '--report-dir', `out-${SECRET}`], { cwd: p.root, env }),
    ];
    expect(outs.map((o) => o.code)).toEqual([2, 2, 2, 2, 2, 2]);
    expect(outs[0]!.stderr).toContain('gate "g-[REDACTED]" has no check "zzz"');
    expect(outs[0]!.stderr).toContain('hint: known checks: c0-[REDACTED], c1-[REDACTED], c2-');
    expect(outs[3]!.stderr).toContain('the gate\'s checks are: c0-[REDACTED]');
    expect(outs[4]!.stderr).toContain('did you mean "x-[REDACTED]"?');
    expect(outs[5]!.stderr).toContain('the work dir and the report dir are the same folder (out-[REDACTED])');
    for (const out of outs) {
      for (const text of [SECRET, B64, SECRET.slice(0, 8)]) expect(out.stdout + out.stderr).not.toContain(text);
    }
  });
});

describe('a redact name that is set nowhere, beside one that is set and near it', () => {
  it('run and drill warn on stderr, naming the variable it likely meant (never a value), and still run', async () => {
    const p = makeProject();
    p.gate('g', {
      redact: ['NPM_AUHT', 'CI_ONLY_SECRET'],
      checks: [check('a', ['node', '-e', 'console.log(JSON.stringify({ ok: true }))'], { expect: ['ok == true'] })],
    });
    const env = { NPM_AUTH: 'hunter2-npm-auth', GATE_E2E_TAG: p.root };
    const warning = 'gate: warning: gates/g.json: redact names NPM_AUHT, which is set nowhere (not in gate\'s environment nor in the gate file), so nothing is masked for it; did you mean NPM_AUTH?\n';
    for (const args of [['run', 'g'], ['run', 'g', '--quiet'], ['drill', 'g', '--mode', 'exit']]) {
      const r = await gate(args, { cwd: p.root, env });
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stderr, args.join(' ')).toContain(warning);
      // A name set nowhere with nothing near it (a secret only CI sets) is no typo to warn of.
      expect(r.stderr).not.toContain('CI_ONLY_SECRET');
      expect(r.stderr).not.toContain('hunter2');
    }
    // Once the name is right, nothing is said.
    p.gate('g', { redact: ['NPM_AUTH'], checks: [check('a', ['node', '-e', 'console.log(JSON.stringify({ ok: true }))'], { expect: ['ok == true'] })] });
    expect((await gate(['run', 'g'], { cwd: p.root, env })).stderr).not.toContain('warning');
  });
});
