/**
 * End-to-end rig: a temp project with gate files, the built CLI run as a real
 * child process, and a look for processes left behind.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';
import type { Report } from '../../src/model/types.js';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const GATE_BIN = path.join(REPO, 'bin/gate.js');
export const FIXTURES = path.join(REPO, 'tests/fixtures/checks');

/** argv that runs a fixture check script with the current node. */
export const fixture = (name: string, ...args: string[]) => ['node', path.join(FIXTURES, name), ...args];

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

export interface Project {
  root: string;
  /** Writes gates/<id>.json (an object is serialised). */
  gate(id: string, body: object | string): string;
  file(rel: string, content: string): string;
  report(id: string): Report;
  reportFile(id: string, rel: string): string;
}

export function makeProject(): Project {
  const root = mkdtempSync(path.join(os.tmpdir(), 'gate-e2e-'));
  made.push(root);
  mkdirSync(path.join(root, 'gates'));
  const file = (rel: string, content: string) => {
    const target = path.join(root, rel);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, content);
    return target;
  };
  return {
    root,
    gate: (id, body) => file(`gates/${id}.json`, typeof body === 'string' ? body : JSON.stringify(body, null, 2)),
    file,
    report: (id) => JSON.parse(readFileSync(path.join(root, 'reports', `${id}_closeout`, 'closeout.json'), 'utf8')) as Report,
    reportFile: (id, rel) => readFileSync(path.join(root, 'reports', `${id}_closeout`, rel), 'utf8'),
  };
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd: string;
  env?: Record<string, string>;
  /** Called with the running child, e.g. to send it a signal. */
  onSpawn?: (child: ReturnType<typeof spawn>) => void;
}

/**
 * The environment every e2e run starts from: the test runner's own, as CI
 * has it, minus what would change gate's output or reach outside the test
 * (a real GitHub step summary, forced or disabled colour).
 */
export function baseEnv(): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...process.env, CI: 'true' };
  for (const name of ['GITHUB_ACTIONS', 'GITHUB_STEP_SUMMARY', 'FORCE_COLOR', 'NO_COLOR']) delete env[name];
  return env;
}

/** Runs the built CLI (`bin/gate.js`) with no stdin, as CI does. */
export function gate(args: string[], options: CliOptions): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [GATE_BIN, ...args], {
      cwd: options.cwd,
      env: { ...baseEnv(), ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    options.onSpawn?.(child);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Pids of live processes whose command line or environment mentions `tag` (Linux /proc). */
export function survivors(tag: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const status = readFileSync(`/proc/${entry}/status`, 'utf8');
      if (/^State:\s+Z/m.test(status)) continue;
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      const env = readFileSync(`/proc/${entry}/environ`, 'utf8');
      if (cmd.includes(tag) || env.includes(tag)) found.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

export const byId = (report: Report, id: string) => {
  const check = report.checks.find((c) => c.id === id);
  if (!check) throw new Error(`no check ${id} in the report`);
  return check;
};

/** Whether a process is alive: a zombie waiting to be reaped has already ended. */
export function alive(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

/** Every file below a folder, for scanning a report dir whole. */
export function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)],
  );
}

/** An `onSpawn` that sends `signal` once the run's stderr has said `text`; once only: a second signal a second later would be a forced stop. */
export const signalOnceSaid =
  (text: string, signal: NodeJS.Signals): NonNullable<CliOptions['onSpawn']> =>
  (child) => {
    let said = '';
    let sent = false;
    child.stderr!.on('data', (d: Buffer) => {
      said += d.toString();
      if (!sent && said.includes(text)) sent = child.kill(signal);
    });
  };

/**
 * The `run` of a check that passes once `goFile` exists, so that the run holds its locks until a test lets it go.
 * It writes `<goFile>.started` first: by then the run has prepared everything it writes before its checks end.
 */
export const heldUntil = (goFile: string) => [
  'node',
  '-e',
  "const f = require('fs'); f.writeFileSync(process.argv[1] + '.started', ''); setInterval(() => f.existsSync(process.argv[1]) && (console.log('{\"ok\":true}'), process.exit(0)), 20)",
  goFile,
];

/**
 * Runs gate with `args` in `p` (a gate whose check is `heldUntil(goFile)`), waits until its check has started,
 * then calls `body` with whether that first run has ended yet and a way to let it go (resolving with its result).
 * Whatever `body` does, the first run is let go and awaited before this returns.
 */
export async function whileHeld(
  p: Project,
  args: string[],
  goFile: string,
  body: (first: { ended: () => boolean; release: () => Promise<CliResult> }) => Promise<void>,
): Promise<void> {
  let ended = false;
  const first = gate(args, { cwd: p.root }).finally(() => (ended = true));
  try {
    while (!existsSync(`${goFile}.started`)) await new Promise((r) => setTimeout(r, 20));
    await body({
      ended: () => ended,
      release: () => {
        writeFileSync(goFile, '');
        return first;
      },
    });
  } finally {
    writeFileSync(goFile, '');
    await first;
  }
}

/** An `onSpawn` that sends `signal` once `pidFile` holds a pid: the check it belongs to has started. */
export const signalOnceStarted =
  (pidFile: string, signal: NodeJS.Signals): NonNullable<CliOptions['onSpawn']> =>
  (child) => {
    const poll = setInterval(() => {
      if (existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim()) {
        clearInterval(poll);
        child.kill(signal);
      }
    }, 20);
  };
