import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderJson } from '../../src/report/json.js';
import { renderJunit } from '../../src/report/junit.js';
import { createRedactor, maskFile, REDACTED, redactDeep, redactorFor, secretSources } from '../../src/report/redact.js';
import { checkShapes, findLeaks, maskUntilClean, sealReport } from '../../src/report/seal.js';
import { prepareReportDir, replaceReportFiles, type ReportFile } from '../../src/report/write.js';
import { makeCheck, makeReport } from './report-fixture.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'gate-seal-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

/** A report dir that gate prepared, holding `files` as written. */
async function reportDir(files: ReportFile[]): Promise<string> {
  const dir = path.join(root, String((n += 1)));
  expect(await prepareReportDir(dir)).toEqual({ ok: true });
  mkdirSync(path.join(dir, 'checks'), { recursive: true });
  for (const f of files) writeFileSync(path.join(dir, f.name), f.content);
  return dir;
}

const INNER = 'inner-secret-1';
const OUTER = `outer-${REDACTED}`;
// Masking the inner secret leaves text that reads as the outer one.
const secrets = createRedactor([INNER, OUTER]);

describe('the scan of written files', () => {
  it('finds nothing where masking did its job', async () => {
    const dir = await reportDir([{ name: 'run.log', content: secrets(`a ${INNER} b`) }]);
    expect(await findLeaks(dir, ['run.log'], secrets)).toEqual([]);
    expect(await findLeaks(dir, ['run.log'], createRedactor([]))).toEqual([]);
  });

  it('names the files and forms where a secret shows', async () => {
    const dir = await reportDir([
      { name: 'run.log', content: 'clean' },
      { name: 'checks/a.stdout.txt', content: secrets('outer-inner-secret-1') },
    ]);
    expect(await findLeaks(dir, ['run.log', 'checks/a.stdout.txt'], secrets)).toEqual([{ file: 'checks/a.stdout.txt', forms: ['plain'] }]);
  });

  it('finds a secret inside a base64 blob, at any offset, and masking clears it', async () => {
    const secret = 'supersecret123';
    const basic = createRedactor([secret]);
    const blobs = ['', 'u', 'us'].map((p) => `Basic ${Buffer.from(`${p}user:${secret}`).toString('base64')}\n`);
    const urlBlob = `${Buffer.from(`>>${secret}??`).toString('base64url')}\n`;
    const dir = await reportDir([
      { name: 'checks/a.stdout.txt', content: blobs.join('') },
      { name: 'junit.xml', content: `<system-out>${urlBlob}</system-out>` },
      { name: 'run.log', content: basic(blobs.join('') + urlBlob) },
    ]);
    expect(await findLeaks(dir, ['checks/a.stdout.txt', 'junit.xml', 'run.log'], basic)).toEqual([
      { file: 'checks/a.stdout.txt', forms: ['base64'] },
      // Where no character differs between the two alphabets, the form is named base64.
      { file: 'junit.xml', forms: [expect.stringMatching(/^base64/)] },
    ]);
    expect(basic.find(maskUntilClean(blobs.join('') + urlBlob, basic) ?? secret)).toEqual([]);
  });

  it('finds a key with \\r\\n line ends and the wrapped base64 of a token, also escaped for XML, and masking clears them', async () => {
    const key = '-----BEGIN KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\n-----END KEY-----';
    const token = 'eyJhbGciOiJSUzI1NiJ9.'.padEnd(150, 'q');
    const r = createRedactor([key, token]);
    const crlfKey = key.replace(/\n/g, '\r\n');
    const wrapped = (Buffer.from(token).toString('base64').match(/.{1,76}/g) ?? []).join('\n');
    const dir = await reportDir([
      { name: 'checks/a.stdout.txt', content: `${crlfKey}\r\n` },
      { name: 'checks/b.stdout.txt', content: `${wrapped}\n` },
      // Escaped so that no 16 characters of a line of the key stand as they are (a piece of a line of its body alone is found plain).
      { name: 'junit.xml', content: `<system-out>${crlfKey.replace(/\r/g, '&#13;').replace(/[A-Z]/g, (c) => `&#${c.charCodeAt(0)};`)}</system-out>` },
    ]);
    expect(await findLeaks(dir, ['checks/a.stdout.txt', 'checks/b.stdout.txt', 'junit.xml'], r)).toEqual([
      { file: 'checks/a.stdout.txt', forms: ['plain'] },
      { file: 'checks/b.stdout.txt', forms: ['base64'] },
      { file: 'junit.xml', forms: ['XML- or Markdown-escaped'] },
    ]);
    expect(maskUntilClean(`${crlfKey}\r\n${wrapped}\n`, r)).toBe(`${REDACTED}\r\n${REDACTED}\n`);
  });

  it('masks again until clean, or gives up', () => {
    expect(maskUntilClean(`outer-${REDACTED}`, secrets)).toBe(REDACTED);
    // Each pass turns `xx…x[REDACTED]` into one x fewer: more x's than passes never clears.
    const endless = createRedactor([`x${REDACTED}`]);
    expect(maskUntilClean(`${'x'.repeat(20)}${REDACTED}`, endless)).toBeUndefined();
    expect(maskUntilClean('plain', endless)).toBe('plain');
  });

  it('turns a leak into a failed run: NO-GO, exit code 1, files masked again, hashes fixed, nothing left on disk', async () => {
    const leaked = secrets('stdout: outer-inner-secret-1\n');
    const check = makeCheck('a', 'pass', {
      stdout: { file: 'checks/a.stdout.txt', bytes: 1, sha256: 'b'.repeat(64), originalBytes: 40, truncated: false },
    });
    const report = makeReport([check], { verdict: 'pass', decision: 'GO', exitCode: 0 });
    const files: ReportFile[] = [
      { name: 'checks/a.stdout.txt', content: leaked },
      { name: 'run.log', content: '{"msg":"clean"}\n' },
      { name: 'closeout.json', content: renderJson(report) },
    ];
    const dir = await reportDir(files);
    const message = await sealReport(dir, files, report, secrets, (r) => [{ name: 'closeout.json', content: renderJson(r) }]);
    expect(message).toContain('checks/a.stdout.txt (plain)');
    expect(message).not.toContain(INNER);
    expect(report).toMatchObject({ verdict: 'fail', decision: 'NO-GO', exitCode: 1 });
    const stdout = readFileSync(path.join(dir, 'checks/a.stdout.txt'), 'utf8');
    expect(stdout).toBe(`stdout: ${REDACTED}\n`);
    const json = JSON.parse(readFileSync(path.join(dir, 'closeout.json'), 'utf8')) as typeof report;
    expect(json).toMatchObject({ verdict: 'fail', decision: 'NO-GO', exitCode: 1 });
    expect(json.checks[0]?.stdout?.sha256).toBe(createHash('sha256').update(stdout).digest('hex'));
    expect(await findLeaks(dir, files.map((f) => f.name), secrets)).toEqual([]);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('removes a report file that masking cannot clear', async () => {
    const endless = createRedactor([`x${REDACTED}`]);
    const content = `${'x'.repeat(20)}${REDACTED}`;
    const files: ReportFile[] = [{ name: 'run.log', content }];
    const dir = await reportDir(files);
    const report = makeReport([makeCheck('a', 'pass')], { verdict: 'pass', decision: 'GO', exitCode: 0 });
    const message = await sealReport(dir, files, report, endless, () => []);
    expect(message).toContain('run.log, which gate removed');
    expect(existsSync(path.join(dir, 'run.log'))).toBe(false);
  });
});

describe('the check of the files a program reads, after masking', () => {
  /** The report's files as a run writes them: rendered from the masked report, then masked again. */
  async function written(unmasked: ReturnType<typeof makeReport>, redact: (text: string) => string) {
    const report = redactDeep(unmasked, redact);
    const files: ReportFile[] = [
      { name: 'run.log', content: '{"level":30,"msg":"run finished","verdict":"pass"}\n' },
      { name: 'junit.xml', content: renderJunit(report) },
      { name: 'closeout.json', content: renderJson(report) },
    ];
    const dir = await reportDir(files.map((f) => ({ name: f.name, content: redact(f.content) })));
    const render = (r: typeof report): ReportFile[] => [
      { name: 'junit.xml', content: renderJunit(r) },
      { name: 'closeout.json', content: renderJson(r) },
    ];
    return { dir, files, render, report };
  }

  it('finds nothing wrong where masking left every file whole', async () => {
    const redact = createRedactor(['x9Qz_r4ndom-S3cret']);
    const { dir, files, render, report } = await written(makeReport([makeCheck('a', 'pass', { reason: 'x9Qz_r4ndom-S3cret' })], { verdict: 'pass', decision: 'GO', exitCode: 0 }), redact);
    expect(await checkShapes(dir, files, report, redact, render, [])).toBeUndefined();
    expect(report.decision).toBe('GO');
  });

  it('takes a secret that masking made, masked on the way out, for no harm done (the scan for secrets sees to it)', async () => {
    const { dir, files, render, report } = await written(makeReport([makeCheck('a', 'pass', { reason: 'outer-inner-secret-1' })], { verdict: 'pass', decision: 'GO', exitCode: 0 }), secrets);
    expect(report.checks[0]!.reason).toBe(OUTER);
    expect(readFileSync(path.join(dir, 'closeout.json'), 'utf8')).not.toBe(files.find((f) => f.name === 'closeout.json')!.content);
    expect(await checkShapes(dir, files, report, secrets, render, [])).toBeUndefined();
  });

  it('fails the run where masking broke them: NO-GO, exit code 1, the files rewritten as such, the variable named', async () => {
    const gate = { env: {}, redact: ['STATE_VAR'], checks: [] };
    const env = { STATE_VAR: 'verdict', OTHER_TOKEN: 'x9Qz_r4ndom-S3cret' };
    const sources = secretSources(gate, env);
    const redact = createRedactor(sources.map((s) => s.value));
    const { dir, files, render, report } = await written(makeReport([makeCheck('a', 'pass')], { verdict: 'pass', decision: 'GO', exitCode: 0 }), redact);
    const message = await checkShapes(dir, files, report, redact, render, sources);
    // It still parses: `"[REDACTED]": "pass"`. But it is not the report gate rendered.
    expect(message).toBe(
      "masking secrets broke the report: masking changed closeout.json's own names or values; masking the value of STATE_VAR (in gate's environment) is what does it (give it a value of its own); the files that carry the verdict were written again as NO-GO, and the run is NO-GO",
    );
    expect(report).toMatchObject({ verdict: 'fail', decision: 'NO-GO', exitCode: 1 });
    const closeout = readFileSync(path.join(dir, 'closeout.json'), 'utf8');
    expect(closeout).toContain('"decision": "NO-GO"');
    expect(closeout).toContain(`"${REDACTED}": "fail"`);
  });

  it('tells a closeout.json that masking left unparsable, and a run.log', async () => {
    const sources = secretSources({ env: {}, redact: ['N'], checks: [] }, { N: '12345' });
    const redact = createRedactor(['12345']);
    const { dir, files, render, report } = await written(makeReport([makeCheck('a', 'pass', { durationMs: 12345 })], { verdict: 'pass', decision: 'GO', exitCode: 0 }), redact);
    files[0]!.content = '{"level":30,"durationMs":12345}\n';
    await replaceReportFiles(dir, [{ name: 'run.log', content: redact(files[0]!.content) }]);
    const message = await checkShapes(dir, files, report, redact, render, sources);
    expect(message).toContain("closeout.json is not valid JSON, run.log has lines that are not JSON; masking the value of N (in gate's environment) is what does it");
    expect(message).not.toContain('12345');
  });

  it("leaves a number under a secret-looking name alone where gate writes a number of its own: closeout.json and run.log stay whole, the scan finds nothing", async () => {
    const sources = secretSources({ env: {}, redact: [], checks: [] }, { SESSION_TOKEN_TTL_MS: '300000' });
    const redact = redactorFor({ env: {}, redact: [], checks: [] }, { SESSION_TOKEN_TTL_MS: '300000' });
    const report = redactDeep(makeReport([makeCheck('a', 'pass', { durationMs: 300000, reason: 'took 300000 ms' })], { verdict: 'pass', decision: 'GO', exitCode: 0 }), redact);
    const files: ReportFile[] = [
      { name: 'run.log', content: '{"level":30,"durationMs":300000,"msg":"[REDACTED]"}\n' },
      { name: 'closeout.json', content: renderJson(report) },
    ];
    const dir = await reportDir(files.map((f) => ({ name: f.name, content: maskFile(redact, f.name, f.content) })));
    expect(readFileSync(path.join(dir, 'closeout.json'), 'utf8')).toContain('"durationMs": 300000');
    expect(await findLeaks(dir, ['run.log', 'closeout.json'], redact)).toEqual([]);
    expect(await checkShapes(dir, files, report, redact, () => [], sources)).toBeUndefined();
    expect(report.decision).toBe('GO');
  });

  it('tells a junit.xml that masking left ill-formed', async () => {
    const redact = createRedactor(['testcase']);
    const { dir, files, render, report } = await written(makeReport([makeCheck('a', 'pass')], { verdict: 'pass', decision: 'GO', exitCode: 0 }), redact);
    const message = await checkShapes(dir, files, report, redact, render, [{ name: 'X_TOKEN', value: 'testcase', block: 'env', listed: false }]);
    expect(message).toContain('junit.xml is not well-formed XML; masking the value of env.X_TOKEN is what does it');
    expect(message).not.toContain('closeout.json');
    expect(report.decision).toBe('NO-GO');
  });
});
