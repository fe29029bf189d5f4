import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { jsonSchemaOf } from '../../src/cli/schema-command.js';
import { DRILL_OUTCOMES } from '../../src/model/drill.js';
import { schemaWords } from '../../src/model/report-words.js';
import { collides, reportVocabulary, secretCollisions } from '../../src/report/collisions.js';
import { JUNIT_MARKUP } from '../../src/report/junit.js';
import { makeCheck, makeGate } from './gate-fixture.js';
import { runGateIn } from './run-gate-fixture.js';

const { words } = reportVocabulary();
const gate = (over: Partial<Parameters<typeof secretCollisions>[0]> = {}) => ({ env: {}, redact: [], checks: [], ...over });

describe("the reports' own text", () => {
  it('is every property name and fixed value of the report schema, as gate generates it', async () => {
    const generated = schemaWords(await jsonSchemaOf('report'));
    // The schema's names and values, deep inside too.
    for (const word of ['schemaVersion', 'decision', 'GO', 'NO-GO', 'checks', 'status', 'pass', 'not-run', 'passed', 'reasonCode', 'assertion-failed', 'state', 'expired', 'originalSha256', 'atMs', 'P0', 'bad-json']) {
      expect(generated).toContain(word);
    }
    for (const word of generated) expect(words).toContain(word);
    // Descriptions and patterns are no words of a report.
    expect(words.some((w) => w.includes(' '))).toBe(false);
  });

  it('has the JSON literals, the JUnit markup, the drill matrix keys and the mask itself', () => {
    for (const word of ['true', 'false', 'null', '[REDACTED]', ...JUNIT_MARKUP, 'drill', 'rounds', 'escaped', 'timeoutMsOverride', ...DRILL_OUTCOMES]) {
      expect(words).toContain(word);
    }
  });

  it("has every key of a real run's run.log", async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'gate-collisions-'));
    afterAll(() => rmSync(root, { recursive: true, force: true }));
    const node = (script: string, over: object = {}) => ({ run: [process.execPath, '-e', script], cwd: root, ...over });
    const g = makeGate(
      [
        makeCheck('a', node('console.log(JSON.stringify({ ok: true }))', { expect: ['ok == true'] })),
        makeCheck('b', node('process.exit(1)', { output: 'text' })),
        makeCheck('c', node('setTimeout(() => {}, 60000)', { output: 'text', timeoutMs: 200, killGraceMs: 200 })),
        makeCheck('d', node('', { dependsOn: ['b'] })),
      ],
      { projectRoot: root },
    );
    const { reportDir } = await runGateIn(root, g, { jobs: 4 }, { injectFail: ['a:exit'] });
    const keys = new Set<string>();
    const collect = (value: unknown): void => {
      if (Array.isArray(value)) value.forEach(collect);
      else if (value && typeof value === 'object') {
        for (const [key, inner] of Object.entries(value)) {
          keys.add(key);
          collect(inner);
        }
      }
    };
    const lines = readFileSync(path.join(reportDir, 'run.log'), 'utf8').trim().split('\n');
    for (const line of lines) collect(JSON.parse(line));
    expect(lines.length).toBeGreaterThan(8);
    expect([...keys].filter((k) => !words.includes(k))).toEqual([]);
  });
});

describe('a secret that masking cannot hide', () => {
  it('is a word of the reports, or part of one', () => {
    for (const value of ['status', 'decision', 'checks', 'passed', 'gate', 'ate', 'tatu', 'NO-GO', '-GO', 'assertion', 'true', 'null', 'testcase', 'failure', 'system-out', 'classname', 'amp', 'REDACTED', 'EDACT']) {
      expect(collides(value), value).toBe(true);
    }
  });

  it('is a number, alone or with the punctuation around one', () => {
    for (const value of ['1234', '0', '-5', '+12', '0.060', '.5', '12.', '1e3', '2E-7', ' 1234', '1234,', ': 12,']) {
      expect(collides(value), value).toBe(true);
    }
  });

  it('is punctuation and white space only, or a word with its punctuation', () => {
    for (const value of ['   ', '\n  ', '", "', '": ', '{}', '"/>', '"pass"', 'pass"', '"NO-', '&amp;', 'amp;', '<testcase', '</failure>', ' name="', '[REDACTED]', '[REDACT']) {
      expect(collides(value), value).toBe(true);
    }
  });

  it('is not an ordinary secret, nor one that only contains a word or a number', () => {
    for (const value of ['x9Qz_r4ndom-S3cret', 'hunter2!', 'supersecret123', 'ghp_abcdef123', 'statusx', 'passw0rd', 'pass!', '"passx', 'xpass"', '12ab', 'v1.2.3-rc', 'tok-999999', 'abc', '2024-05-01']) {
      expect(collides(value), value).toBe(false);
    }
  });
});

describe('the refusal of such secrets', () => {
  it('names every variable that holds one, and only those, never the value', () => {
    const problems = secretCollisions(
      gate({ redact: ['DEPLOY_ENV', 'BUILD_NO'], env: { SERVICE_TOKEN: 'decision' }, checks: [{ env: { X_API_KEY: 'tok-999999' }, injectFail: { env: { DB_PASSWORD: 'failure' } } }] }),
      { MY_TOKEN: 'status', OTHER_TOKEN: 'x9Qz_r4ndom-S3cret', DEPLOY_ENV: 'ate', BUILD_NO: '1234', HOME: '/root' },
    );
    expect(problems.map((p) => p.message.slice(0, p.message.indexOf(' cannot')))).toEqual([
      "the secret in MY_TOKEN (in gate's environment)",
      "the secret in DEPLOY_ENV (in gate's environment)",
      "the secret in BUILD_NO (in gate's environment)",
      'the secret in env.SERVICE_TOKEN',
      'the secret in checks[0].injectFail.env.DB_PASSWORD',
    ]);
    for (const { message, hint } of problems) {
      expect(message).toContain('would break the files gate writes (closeout.json, junit.xml, run.log)');
      for (const value of ['status', 'decision', 'ate', '1234', 'failure']) expect(`${message}\n${hint}`).not.toMatch(new RegExp(`\\b${value}\\b`));
    }
    expect(problems.map((p) => p.hint)).toEqual([
      "give MY_TOKEN a value of its own, or leave it out of gate's environment",
      `give DEPLOY_ENV a value of its own, or leave it out of gate's environment, or take it off "redact"`,
      `give BUILD_NO a value of its own, or leave it out of gate's environment, or take it off "redact"`,
      'give SERVICE_TOKEN a value of its own, or give it a name that does not look secret, if it holds no secret',
      'give DB_PASSWORD a value of its own, or give it a name that does not look secret, if it holds no secret',
    ]);
  });

  it('refuses a number (punctuation around it or not) only under a listed name: under a secret-looking one it is masked, not refused', () => {
    const env = { A_TOKEN: ' 1234,', DB_PASSWORD: '}<4162', B_PASSWORD: ';227?:', C_SECRET: '77.1{?{', D_TOKEN: '86400000', LISTED: '}<4162' };
    const problems = secretCollisions(gate({ redact: ['LISTED'] }), env);
    expect(problems.map((p) => p.message.slice(0, p.message.indexOf(' cannot')))).toEqual(["the secret in LISTED (in gate's environment)"]);
  });

  it('looks at each line of a secret of several lines that is masked on its own, as masking does: not at armor or a number', () => {
    expect(words).toContain('requiredFailTotal');
    const problems = secretCollisions(gate(), {
      A_PRIVATE_KEY: 'x9Qz_r4ndom-S3cret\nrequiredFailTotal',
      B_PRIVATE_KEY: '-----BEGIN KEY-----\nx9Qz_r4ndom-S3cret-b0dy\n12345678901234567890\n-----END KEY-----',
    });
    expect(problems.map((p) => p.message.slice(0, p.message.indexOf(' cannot')))).toEqual(["the secret in A_PRIVATE_KEY (in gate's environment)"]);
  });

  it('looks at every run of 16 characters of such a line, as masking does: a line that holds a long word of the reports is refused, a key is not', () => {
    expect(words).toContain('assertion-failed');
    const key = ['-----BEGIN RSA PRIVATE KEY-----', ...(Buffer.from('k'.repeat(40) + 'x9Qz_r4ndom-S3cret'.repeat(12)).toString('base64').match(/.{1,64}/g) ?? []), '-----END RSA PRIVATE KEY-----'].join('\n');
    const account = '{\n  "type": "service_account",\n  "project_id": "my-project-123",\n  "client_email": "ci@my-project-123.iam.gserviceaccount.com"\n}\n';
    const problems = secretCollisions(gate(), { A_PRIVATE_KEY: 'x9Qz_r4ndom-S3cret\nlast=assertion-failed;retry', B_PRIVATE_KEY: key, C_CREDENTIALS: account });
    expect(problems.map((p) => p.message.slice(0, p.message.indexOf(' cannot')))).toEqual(["the secret in A_PRIVATE_KEY (in gate's environment)"]);
  });

  it('finds nothing where there is no secret, or only ordinary ones', () => {
    expect(secretCollisions(gate(), { HOME: '/root', STATUS: 'status' })).toEqual([]);
    expect(secretCollisions(gate({ redact: ['DEPLOY_ENV'] }), { GITHUB_TOKEN: 'ghp_abcdef123', DEPLOY_ENV: 'staging', SHORT_TOKEN: 'pass' })).toEqual([]);
  });
});
