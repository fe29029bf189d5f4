#!/usr/bin/env node
// The benchmark suite (`npm run bench`, after `npm run build`). Each scenario
// runs gate as a user would (`node bin/gate.js ...` from dist/) against a
// yardstick in the same run, alternating the two (A B A B ...) after a
// warm-up, and reports medians and the median of the pair-by-pair ratios.
// Budgets speak of ratios only: the machines are shared and noisy, so an
// absolute time means little. Peak RSS comes from `/usr/bin/time -f %M`.
//
// Environment:
//   BENCH_PAIRS=10     measured pairs per scenario (at least 10 for a full run)
//   BENCH_WARMUP=2     unmeasured rounds first
//   BENCH_ONLY=4,5     run only these scenarios
//   BENCH_KEEP=1       keep the temp projects (their path is printed)
//
// Prints one table and writes it as JSON to reports/bench/bench-<time>.json and
// reports/bench/latest.json (and the same table as Markdown in latest.md); a run
// with BENCH_ONLY writes bench-<time>-only-<n>.json and .md and leaves latest.* be.
// Exit code: 0 when every measured budget holds, 1 otherwise.
import { spawnSync } from 'node:child_process';
import { build } from 'esbuild';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const GATE = path.join(ROOT, 'bin', 'gate.js');
const NODE = process.execPath;
const PAIRS = Math.max(1, Number(process.env.BENCH_PAIRS ?? 10) || 10);
const WARMUP = Math.max(0, Number(process.env.BENCH_WARMUP ?? 2) || 0);
const ONLY = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',').map((s) => Number(s.trim()))) : undefined;
const KEEP = process.env.BENCH_KEEP === '1';
/**
 * Every subject runs without NODE_OPTIONS and NODE_EXTRA_CA_CERTS (unless
 * BENCH_KEEP_ENV=1): a CA bundle read at start-up adds about 100 ms to every
 * node process on some machines, which would hide gate's own cost in every ratio.
 */
const ENV = { ...process.env };
if (process.env.BENCH_KEEP_ENV !== '1') {
  delete ENV.NODE_OPTIONS;
  delete ENV.NODE_EXTRA_CA_CERTS;
}

const say = (line) => process.stderr.write(`${line}\n`);

// ---------------------------------------------------------------- tools

function which(bin) {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const candidate = path.join(dir || '.', bin);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

let aptUpdated = false;
/** Installs a Debian package when its binary is missing; undefined when that is not possible. */
function ensureApt(pkg, bin) {
  const found = bin.startsWith('/') ? (existsSync(bin) ? bin : undefined) : which(bin);
  if (found) return found;
  if (!which('apt-get') || process.getuid?.() !== 0) {
    say(`bench: ${bin} is missing and cannot be installed here (needs apt-get as root); what needs it is not measured`);
    return undefined;
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () => spawnSync('apt-get', ['install', '-y', '-qq', pkg], { stdio: ['ignore', 'ignore', 'inherit'], env }).status === 0;
  say(`bench: installing the Debian package ${pkg} (for ${bin})`);
  let ok = install();
  if (!ok && !aptUpdated) {
    aptUpdated = true;
    spawnSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 'ignore', 'inherit'], env });
    ok = install();
  }
  const after = bin.startsWith('/') ? (existsSync(bin) ? bin : undefined) : which(bin);
  if (!after) say(`bench: could not install ${pkg}; what needs ${bin} is not measured`);
  return after;
}

// ---------------------------------------------------------------- measuring

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) return NaN;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
};

let scratch;
let TIME;

/**
 * Runs one command to its end: wall time in ms (hrtime around the spawn) and,
 * when asked, peak RSS in KiB from `/usr/bin/time -f %M` (the largest of the
 * process and the children it waited for). stdout and stderr go to a file, so
 * neither side pays for a pipe the driver would have to drain.
 */
function runOnce(subject) {
  const log = path.join(scratch, 'last-run.log');
  const rssFile = path.join(scratch, 'rss.txt');
  const argv = subject.rss && TIME ? [TIME, '-f', '%M', '-o', rssFile, ...subject.cmd] : subject.cmd;
  const fd = openSync(log, 'w');
  const t0 = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), { cwd: subject.cwd, stdio: ['ignore', fd, fd], env: subject.env ?? ENV });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  closeSync(fd);
  const expected = subject.exitCode ?? 0;
  if (r.status !== expected) {
    const tail = readFileSync(log, 'utf8').slice(-2000);
    throw new Error(`${subject.name}: exit ${r.status ?? r.signal} (expected ${expected}): ${subject.cmd.join(' ')}\n${tail}`);
  }
  const sample = { ms };
  if (subject.rss && TIME) sample.rssKb = Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop());
  if (subject.after) Object.assign(sample, subject.after());
  return sample;
}

/** Warm-up, then rounds in which every subject runs once, in turn (A B A B ...). */
function measure(subjects, label) {
  for (let i = 0; i < WARMUP; i += 1) for (const s of subjects) runOnce(s);
  const samples = subjects.map(() => []);
  for (let round = 0; round < PAIRS; round += 1) {
    if (process.stderr.isTTY) process.stderr.write(`\r  ${label}: round ${round + 1}/${PAIRS}   `);
    subjects.forEach((s, i) => samples[i].push(runOnce(s)));
  }
  process.stderr.write(process.stderr.isTTY ? '\n' : `  ${label}: ${PAIRS} rounds\n`);
  return samples;
}

/** Median of A/B over the pairs, and each side's median. */
function compare(a, b, key = 'ms') {
  const ratios = a.map((x, i) => x[key] / b[i][key]);
  return { a: median(a.map((x) => x[key])), b: median(b.map((x) => x[key])), ratio: median(ratios) };
}

// ---------------------------------------------------------------- fixtures

function project(name, gate) {
  const root = path.join(scratch, name);
  mkdirSync(path.join(root, 'gates'), { recursive: true });
  if (gate) writeFileSync(path.join(root, 'gates', `${gate.id}.json`), `${JSON.stringify(gate, null, 2)}\n`);
  return root;
}

const gateCmd = (...args) => [NODE, GATE, ...args];
const NODE_JSON = `process.stdout.write('{"ok":true}\\n')`;
const SH_JSON = `echo '{"ok":true}'`;

// ---------------------------------------------------------------- scenarios

const rows = [];
const notes = [];

function row(n, scenario, fields) {
  const r = { n, scenario, ...fields };
  if (r.pass === undefined && r.value !== undefined && r.max !== undefined) r.pass = r.value <= r.max;
  rows.push(r);
  return r;
}

const scenarios = {
  1() {
    const s = measure(
      [
        { name: 'gate --version', cmd: gateCmd('--version'), cwd: ROOT },
        { name: 'node -e 0', cmd: [NODE, '-e', '0'], cwd: ROOT },
      ],
      '1 --version',
    );
    const c = compare(s[0], s[1]);
    row(1, '`gate --version`', { gateMs: c.a, yardstick: '`node -e 0`', yardstickMs: c.b, value: c.ratio, max: 1.3, unit: 'x' });
  },

  2() {
    const s = measure(
      [
        { name: 'gate validate m28', cmd: gateCmd('validate', 'm28'), cwd: ROOT },
        { name: 'node -e 0', cmd: [NODE, '-e', '0'], cwd: ROOT },
      ],
      '2 validate m28',
    );
    const c = compare(s[0], s[1]);
    row(2, '`gate validate m28`', { gateMs: c.a, yardstick: '`node -e 0`', yardstickMs: c.b, value: c.ratio, max: 2.0, unit: 'x' });
  },

  3() {
    const root = project('s3', { id: 'one', checks: [{ id: 'true', run: ['true'], output: 'text' }] });
    const s = measure(
      [
        { name: 'gate run one', cmd: gateCmd('run', 'one'), cwd: root },
        { name: 'node -e 0', cmd: [NODE, '-e', '0'], cwd: root },
      ],
      '3 run one check',
    );
    const c = compare(s[0], s[1]);
    row(3, '`gate run`, one check running `true`', { gateMs: c.a, yardstick: '`node -e 0`', yardstickMs: c.b, value: c.ratio, max: 2.5, unit: 'x' });
  },

  4() {
    const checks = Array.from({ length: 200 }, (_, i) => ({ id: `c${i + 1}`, run: ['node', '-e', NODE_JSON], expect: ['ok == true'] }));
    const root = project('s4', { id: 'many', checks });
    const quoted = NODE_JSON.replace(/'/g, `'\\''`);
    const s = measure(
      [
        { name: 'gate run -j 2', cmd: gateCmd('run', 'many', '-j', '2'), cwd: root },
        { name: 'xargs -P2', cmd: ['sh', '-c', `seq 200 | xargs -P2 -n1 node -e '${quoted}'`], cwd: root },
      ],
      '4 200 node checks',
    );
    const c = compare(s[0], s[1]);
    row(4, '200 `node -e` checks, `-j 2`', { gateMs: c.a, yardstick: '`seq 200 | xargs -P2 -n1 node -e ...`', yardstickMs: c.b, value: c.ratio, max: 1.1, unit: 'x' });
  },

  async 5() {
    const checks = Array.from({ length: 200 }, (_, i) => ({ id: `c${i + 1}`, run: ['sh', '-c', SH_JSON], expect: ['ok == true'] }));
    const root = project('s5', { id: 'many', checks });
    const shCmd = `sh -c '${SH_JSON.replace(/'/g, `'\\''`)}'`;
    const subjects = [
      { name: 'gate run -j 2', cmd: gateCmd('run', 'many', '-j', '2'), cwd: root },
      { name: 'xargs -P2', cmd: ['sh', '-c', `seq 200 | xargs -P2 -n1 ${shCmd}`], cwd: root },
    ];
    const concurrently = path.join(ROOT, 'node_modules', '.bin', 'concurrently');
    const haveConcurrently = existsSync(concurrently);
    if (haveConcurrently) subjects.push({ name: 'concurrently -m 2', cmd: [concurrently, '-m', '2', ...Array(200).fill(shCmd)], cwd: root });
    else notes.push('5: concurrently is not installed (npm ci installs it as a devDependency): not measured');
    // The floor for any Node program: child_process.spawn of the same commands, 2 at once, each command's
    // stdout and stderr to two new files in a new folder of the project (under the bench's temp folder, as
    // gate's scratch outputs are under TMPDIR), nothing else. New files, not files used again: opening a file
    // that holds data with 'w' truncates it, and on this kind of disk (ext4 mounted with `discard`) that waits
    // about 1.2 ms, which would be the loop's cost, not spawning's.
    writeFileSync(
      path.join(root, 'spawn-floor.cjs'),
      `const { spawn } = require('node:child_process');
const fs = require('node:fs');
const dir = fs.mkdtempSync('spawn-floor-');
let next = 0;
const one = () => {
  if (next >= 200) return;
  const k = next++;
  const out = fs.openSync(\`\${dir}/\${k}.stdout\`, 'w');
  const err = fs.openSync(\`\${dir}/\${k}.stderr\`, 'w');
  const child = spawn('sh', ['-c', ${JSON.stringify(SH_JSON)}], { stdio: ['ignore', out, err], detached: true });
  child.on('exit', () => { fs.closeSync(out); fs.closeSync(err); one(); });
};
one();
one();
`,
    );
    subjects.push({ name: 'node spawn loop', cmd: [NODE, 'spawn-floor.cjs'], cwd: root, info: true });
    // The same loop through execa, called with the options gate uses (src/run/process.ts): what the chosen
    // process library costs on its own. Bundled into one CommonJS file as gate's own code is (unbundled, loading
    // execa's ES modules alone takes over 150 ms here), so the two start alike.
    const floorBuilt = await build({
      stdin: {
        contents: `const { closeSync, mkdtempSync, openSync } = require('node:fs');
const { execa } = require('execa');
const env = { ...process.env };
const dir = mkdtempSync('execa-floor-');
let next = 0;
const one = async () => {
  while (next < 200) {
    const k = next++;
    const out = openSync(\`\${dir}/\${k}.stdout\`, 'w');
    const err = openSync(\`\${dir}/\${k}.stderr\`, 'w');
    await execa('sh', ['-c', ${JSON.stringify(SH_JSON)}], { env, extendEnv: false, stdin: 'ignore', stdout: out, stderr: err, detached: true, cleanup: false, reject: false, buffer: false, windowsHide: true });
    closeSync(out);
    closeSync(err);
  }
};
one();
one();
`,
        resolveDir: ROOT,
        loader: 'js',
      },
      bundle: true,
      format: 'cjs',
      platform: 'node',
      target: 'node20',
      logLevel: 'warning',
      outfile: path.join(root, 'execa-floor.cjs'),
      define: { 'import.meta.url': '__floorImportMetaUrl' },
      banner: { js: "const __floorImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
    }).then(
      () => true,
      (error) => {
        notes.push(`5: the execa reference loop could not be bundled (${error.message.split('\n')[0]}): not measured`);
        return false;
      },
    );
    if (floorBuilt) subjects.push({ name: 'node execa loop', cmd: [NODE, 'execa-floor.cjs'], cwd: root, info: 'execa' });
    const parallel = ensureApt('parallel', 'parallel');
    if (parallel) subjects.push({ name: 'parallel -j2', cmd: ['sh', '-c', `seq 200 | ${parallel} --will-cite -j2 -n0 ${JSON.stringify(shCmd)}`], cwd: root });
    else notes.push('5: GNU parallel could not be installed: not measured');
    const s = measure(subjects, '5 200 sh checks');
    const c = compare(s[0], s[1]);
    row(5, '200 `sh -c echo` checks, `-j 2`', { gateMs: c.a, yardstick: 'xargs -P2, same commands', yardstickMs: c.b, value: c.ratio, max: 3.5, unit: 'x' });
    subjects.slice(2).forEach((sub, i) => {
      const o = compare(s[0], s[i + 2]);
      if (sub.info) {
        // Not a budget: how far a Node program that only spawns the commands already is from xargs.
        const floor = compare(s[i + 2], s[1]);
        const what = sub.info === 'execa' ? 'the same loop through execa, with gate’s options' : 'a bare Node spawn loop, same commands';
        row(5, `for reference: ${what}`, { gateMs: floor.a, yardstick: 'xargs -P2, same commands', yardstickMs: floor.b, value: floor.ratio, unit: 'x', note: 'info' });
        return;
      }
      row(5, `200 \`sh -c echo\` checks, \`-j 2\``, { gateMs: o.a, yardstick: `\`${sub.name}\`, same commands`, yardstickMs: o.b, value: o.ratio, max: 1.0, strict: true, unit: 'x', pass: o.ratio < 1 });
    });
    if (!haveConcurrently) row(5, '200 `sh -c echo` checks, `-j 2`', { yardstick: '`concurrently -m 2`', note: 'not measured', pass: undefined });
    if (!parallel) row(5, '200 `sh -c echo` checks, `-j 2`', { yardstick: '`parallel -j2`', note: 'not measured', pass: undefined });
  },

  6() {
    const independent = Array.from({ length: 35 }, (_, i) => ({ id: `i${i + 1}`, run: ['sleep', '0.1'], output: 'text' }));
    const chain = Array.from({ length: 5 }, (_, i) => ({ id: `chain${i + 1}`, run: ['sleep', '0.1'], output: 'text', ...(i > 0 ? { dependsOn: [`chain${i}`] } : {}) }));
    const root = project('s6', { id: 'sched', checks: [...independent, ...chain] });
    const jobs = 4;
    const n = independent.length + chain.length;
    const boundMs = Math.max(chain.length, Math.ceil(n / jobs)) * 100;
    // The ideal schedule for 4 workers: the chain first in one lane, then work spread so every lane runs 10 sleeps.
    const lanes = [[...Array(5).fill('chain'), ...Array(5).fill('free')], ...Array.from({ length: 3 }, () => Array(10).fill('free'))];
    const script = `${lanes.map((lane) => `(${lane.map(() => 'sleep 0.1').join('; ')}) &`).join('\n')}\nwait\n`;
    writeFileSync(path.join(root, 'ideal.sh'), script);
    const reportFile = path.join(root, 'reports', 'sched_closeout', 'closeout.json');
    const makespan = () => {
      const report = JSON.parse(readFileSync(reportFile, 'utf8'));
      const starts = report.checks.map((c) => Date.parse(c.startedAt));
      const ends = report.checks.map((c) => Date.parse(c.finishedAt));
      const first = Math.min(...starts);
      return { makespanMs: Math.max(...ends) - first, chainFirst: Date.parse(report.checks.find((c) => c.id === 'chain1').startedAt) === first };
    };
    const s = measure(
      [
        { name: 'gate run -j 4', cmd: gateCmd('run', 'sched', '-j', String(jobs)), cwd: root, after: makespan },
        { name: 'ideal.sh', cmd: ['sh', 'ideal.sh'], cwd: root },
      ],
      '6 schedule',
    );
    const spans = s[0].map((x) => x.makespanMs);
    const chainFirst = s[0].every((x) => x.chainFirst);
    row(6, `40 \`sleep 0.1\` checks (35 free, chain of 5), \`-j 4\`: makespan${chainFirst ? '' : ' (the chain did not start first)'}`, {
      gateMs: median(spans),
      yardstick: `bound max(critical path, ceil(N/j) x 0.1 s)`,
      yardstickMs: boundMs,
      value: median(spans) / boundMs,
      max: 1.05,
      unit: 'x',
    });
    const c = compare(s[0], s[1]);
    row(6, '40 `sleep 0.1` checks, `-j 4`: whole process', { gateMs: c.a, yardstick: 'a shell script running the ideal schedule', yardstickMs: c.b, value: c.ratio, max: 1.1, unit: 'x' });
  },

  7() {
    const root = project('s7');
    const file = path.join(root, 'big.json');
    const bytes = writeBigJson(file, 50_000_000);
    writeFileSync(
      path.join(root, 'gates', 'big.json'),
      JSON.stringify({ id: 'big', checks: [{ id: 'big', run: ['cat', 'big.json'], expect: ['ok == true', 'count(results[*]) > 0'] }] }),
    );
    if (!TIME) notes.push('7: /usr/bin/time missing: peak RSS not measured');
    const s = measure(
      [
        { name: 'gate run (50 MB JSON)', cmd: gateCmd('run', 'big'), cwd: root, rss: true },
        { name: 'node JSON.parse', cmd: [NODE, '-e', `JSON.parse(require('fs').readFileSync('big.json', 'utf8'))`], cwd: root, rss: true },
      ],
      '7 50 MB JSON',
    );
    const c = compare(s[0], s[1]);
    row(7, 'one check printing a 50 MB JSON document: wall', { gateMs: c.a, yardstick: "`node` reading the file and `JSON.parse`", yardstickMs: c.b, value: c.ratio, max: 1.15, unit: 'x' });
    if (TIME) {
      const r = compare(s[0], s[1], 'rssKb');
      row(7, 'same: peak RSS', { gateRssMb: r.a / 1024, yardstick: 'the same yardstick', yardstickRssMb: r.b / 1024, value: r.ratio, max: 1.15, unit: 'x' });
      const gateRss = r.a * 1024;
      row(7, 'same: peak RSS / output size', { gateRssMb: r.a / 1024, yardstick: `output size (${(bytes / 1e6).toFixed(0)} MB)`, value: gateRss / bytes, max: 4.5, unit: 'x' });
    }
  },

  8() {
    const root = project('s8', {
      id: 'flood',
      checks: [{ id: 'flood', run: `head -c 200000000 /dev/zero | tr '\\0' x`, shell: true, output: 'text' }],
    });
    if (!TIME) {
      notes.push('8: /usr/bin/time missing: peak RSS not measured');
      row(8, 'one check printing 200 MB of text: peak RSS', { note: 'not measured', pass: undefined });
      return;
    }
    const s = measure([{ name: 'gate run (200 MB text)', cmd: gateCmd('run', 'flood'), cwd: root, rss: true }], '8 200 MB text');
    const rssMb = median(s[0].map((x) => x.rssKb)) / 1024;
    row(8, 'one check printing 200 MB of text: peak RSS', { gateMs: median(s[0].map((x) => x.ms)), gateRssMb: rssMb, yardstick: '—', value: rssMb, max: 150, unit: 'MB' });
  },

  9() {
    const checks = Array.from({ length: 1000 }, (_, i) => ({
      id: `check-${String(i + 1).padStart(4, '0')}`,
      title: `Check number ${i + 1}`,
      owner: ['platform', 'runtime', 'ops'][i % 3],
      priority: `P${i % 4}`,
      run: ['node', 'checks/report.mjs', '--json', `--part=${i + 1}`],
      expect: ['ok == true', `count(items[*]) >= ${i % 7}`, 'status in ["go", "green"]'],
      ...(i % 10 === 9 ? { dependsOn: [`check-${String(i).padStart(4, '0')}`] } : {}),
      ...(i % 50 === 0 ? { timeoutMs: 60000, retries: 1 } : {}),
    }));
    const root = project('s9', { id: 'large', title: 'A gate with 1,000 checks', defaults: { timeoutMs: 30000 }, env: { APP_ENV: 'ci' }, checks });
    const s = measure(
      [
        { name: 'gate validate large', cmd: gateCmd('validate', 'large'), cwd: root },
        { name: 'gate validate m28', cmd: gateCmd('validate', 'm28'), cwd: ROOT },
      ],
      '9 validate 1,000 checks',
    );
    const c = compare(s[0], s[1]);
    row(9, '`gate validate` of a 1,000-check gate', { gateMs: c.a, yardstick: '`gate validate m28`', yardstickMs: c.b, value: c.ratio, max: 1.5, unit: 'x' });
  },
};

/** A test-results style document of about `target` bytes: many records, `ok` at the top. */
function writeBigJson(file, target) {
  const fd = openSync(file, 'w');
  let bytes = 0;
  const put = (s) => {
    writeSync(fd, s);
    bytes += Buffer.byteLength(s);
  };
  put('{"ok":true,"suite":"bench","results":[');
  const message = 'x'.repeat(120);
  let chunk = '';
  for (let i = 0; bytes + chunk.length < target - 200; i += 1) {
    chunk += `${i ? ',' : ''}{"name":"suite/case-${i}","status":"passed","durationMs":${i % 997},"tags":["unit","fast"],"message":"${message}"}`;
    if (chunk.length > 1 << 20) {
      put(chunk);
      chunk = '';
    }
  }
  put(chunk);
  put(']}\n');
  closeSync(fd);
  return bytes;
}

// ---------------------------------------------------------------- output

const fmtMs = (ms) => (ms === undefined || Number.isNaN(ms) ? '' : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);
const fmtMb = (mb) => (mb === undefined ? '' : `${mb.toFixed(0)} MB`);
const fmtValue = (r) => (r.value === undefined ? '' : r.unit === 'MB' ? `${r.value.toFixed(0)} MB` : `${r.value.toFixed(2)}x`);
const fmtBudget = (r) => (r.max === undefined ? '' : r.unit === 'MB' ? `<= ${r.max} MB` : r.strict ? `< ${r.max.toFixed(2)}x` : `<= ${r.max.toFixed(2)}x`);
const verdict = (r) => (r.pass === undefined ? 'n/a' : r.pass ? 'PASS' : 'FAIL');

function tableRows() {
  return rows.map((r) => [
    String(r.n),
    r.scenario,
    r.gateRssMb !== undefined ? `${fmtMs(r.gateMs)}${r.gateMs !== undefined ? ', ' : ''}${fmtMb(r.gateRssMb)}` : fmtMs(r.gateMs),
    r.yardstick ?? '',
    r.yardstickRssMb !== undefined ? fmtMb(r.yardstickRssMb) : fmtMs(r.yardstickMs),
    fmtValue(r),
    fmtBudget(r),
    r.note ?? verdict(r),
  ]);
}
const HEAD = ['#', 'scenario', 'gate (median)', 'yardstick', 'yardstick (median)', 'ratio (median of pairs)', 'budget', 'result'];

function renderText() {
  const all = [HEAD, ...tableRows()].map((cells) => cells.map((c) => c.replace(/`/g, '')));
  const widths = HEAD.map((_, i) => Math.max(...all.map((cells) => cells[i].length)));
  return all.map((cells, k) => {
    const line = cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
    return k === 0 ? `${line}\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : line;
  }).join('\n');
}

function renderMarkdown() {
  const esc = (c) => c.replace(/\|/g, '\\|');
  return [`| ${HEAD.join(' | ')} |`, `|${HEAD.map(() => '---').join('|')}|`, ...tableRows().map((cells) => `| ${cells.map(esc).join(' | ')} |`)].join('\n');
}

function machine() {
  const cpus = os.cpus();
  return {
    date: new Date().toISOString(),
    cpu: cpus[0]?.model ?? 'unknown',
    cores: os.availableParallelism(),
    memoryGb: Math.round(os.totalmem() / 1024 ** 3),
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    loadAverage: os.loadavg().map((x) => Number(x.toFixed(2))),
  };
}

// ---------------------------------------------------------------- main

async function main() {
  if (spawnSync(NODE, [GATE, '--version'], { stdio: 'ignore' }).status !== 0) {
    say('bench: `node bin/gate.js --version` fails; run `npm run bench` (it builds first) or `npm run build`');
    process.exitCode = 2;
    return;
  }
  TIME = ensureApt('time', '/usr/bin/time');
  scratch = mkdtempSync(path.join(os.tmpdir(), 'gate-bench-'));
  const before = machine();
  say(`bench: ${PAIRS} pairs after ${WARMUP} warm-up rounds; projects in ${scratch}`);
  try {
    for (const [n, run] of Object.entries(scenarios)) {
      if (ONLY && !ONLY.has(Number(n))) continue;
      try {
        await run();
      } catch (error) {
        // A scenario that cannot run is a failed budget, not the end of the suite.
        say(`bench: scenario ${n} failed: ${error.message}`);
        row(Number(n), `scenario ${n}`, { note: 'FAIL (did not run: see stderr)', pass: false });
      }
    }
  } finally {
    if (!KEEP) rmSync(scratch, { recursive: true, force: true });
  }
  const after = machine();
  const text = renderText();
  process.stdout.write(`${text}\n`);
  for (const note of notes) process.stdout.write(`note: ${note}\n`);
  const failed = rows.filter((r) => r.pass === false);
  process.stdout.write(`\n${failed.length === 0 ? 'every measured budget holds' : `${failed.length} budget(s) missed`}; machine: ${before.cpu}, ${before.cores} cores, node ${before.node}; load ${before.loadAverage.join(' ')} -> ${after.loadAverage.join(' ')}\n`);

  const result = { machine: { ...before, loadAverageAfter: after.loadAverage }, pairs: PAIRS, warmup: WARMUP, only: ONLY ? [...ONLY] : undefined, rows, notes };
  const dir = path.join(ROOT, 'reports', 'bench');
  mkdirSync(dir, { recursive: true });
  const json = `${JSON.stringify(result, null, 2)}\n`;
  const stamp = before.date.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  // A run of some scenarios (BENCH_ONLY) is kept under its own name: latest.* stay the last full table.
  const name = ONLY ? `bench-${stamp}-only-${[...ONLY].join('-')}` : `bench-${stamp}`;
  writeFileSync(path.join(dir, `${name}.json`), json);
  const markdown = `${renderMarkdown()}\n\n${before.date.slice(0, 10)}; ${before.cpu}, ${before.cores} cores, ${before.memoryGb} GB, node ${before.node}, ${before.os}; ${PAIRS} pairs after ${WARMUP} warm-up rounds.\n`;
  if (ONLY) {
    writeFileSync(path.join(dir, `${name}.md`), markdown);
    say(`bench: wrote ${path.relative(ROOT, dir)}/${name}.json and .md (latest.* are left to full runs)`);
  } else {
    writeFileSync(path.join(dir, 'latest.json'), json);
    writeFileSync(path.join(dir, 'latest.md'), markdown);
    say(`bench: wrote ${path.relative(ROOT, dir)}/${name}.json, latest.json and latest.md`);
  }
  process.exitCode = failed.length === 0 ? 0 : 1;
}

await main();
