import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderJson } from '../../src/report/json.js';
import { createRedactor, REDACTED } from '../../src/report/redact.js';
import { findLeaks, maskUntilClean, sealReport } from '../../src/report/seal.js';
import { prepareReportDir, type ReportFile } from '../../src/report/write.js';
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
