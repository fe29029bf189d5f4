import { describe, expect, it } from 'vitest';
import { createLiveView } from '../../src/log/live.js';
import { createProgress, renderSummary, verdictLine } from '../../src/log/progress.js';
import { colorEnabled, createStyles, isCi } from '../../src/log/style.js';
import { makeCheck, makeReport } from './report-fixture.js';

const ESC = '\u001b';
const strip = (text: string) => text.replace(/\u001b\[[0-9;]*[A-Za-z]/g, '');

/** A fake terminal: collects writes; `screen()` replays cursor-up + erase-down the way a terminal would. */
function fakeTerminal() {
  const writes: string[] = [];
  return {
    writes,
    write: (text: string) => void writes.push(text),
    screen(): string[] {
      const lines: string[] = [];
      let current = '';
      const all = writes.join('');
      for (let i = 0; i < all.length; ) {
        const m = /^\u001b\[(\d*)([A-Za-z])/.exec(all.slice(i));
        if (m) {
          if (m[2] === 'A') {
            // cursor up n lines (from the start of the line below the region)
            const n = Number(m[1] || 1);
            lines.splice(lines.length - n, n);
          }
          i += m[0].length;
          continue;
        }
        const ch = all[i]!;
        if (ch === '\n') {
          lines.push(current);
          current = '';
        } else if (ch !== '\r') current += ch;
        i += 1;
      }
      return lines.map(strip);
    },
  };
}

describe('colour decision', () => {
  const tty = { isTTY: true };
  const pipe = { isTTY: false };
  it('is on for a terminal, off for a pipe', () => {
    expect(colorEnabled(tty, {})).toBe(true);
    expect(colorEnabled(pipe, {})).toBe(false);
    expect(colorEnabled({}, {})).toBe(false);
  });
  it('NO_COLOR (non-empty) turns it off; empty NO_COLOR does nothing', () => {
    expect(colorEnabled(tty, { NO_COLOR: '1' })).toBe(false);
    expect(colorEnabled(tty, { NO_COLOR: '' })).toBe(true);
  });
  it('FORCE_COLOR turns it on even into a pipe and wins over NO_COLOR; FORCE_COLOR=0 turns it off', () => {
    expect(colorEnabled(pipe, { FORCE_COLOR: '1' })).toBe(true);
    expect(colorEnabled(pipe, { FORCE_COLOR: '3', NO_COLOR: '1' })).toBe(true);
    expect(colorEnabled(tty, { FORCE_COLOR: '0' })).toBe(false);
    expect(colorEnabled(tty, { FORCE_COLOR: 'false' })).toBe(false);
    expect(colorEnabled(pipe, { FORCE_COLOR: '' })).toBe(false);
  });
  it('a dumb terminal gets no colour', () => {
    expect(colorEnabled(tty, { TERM: 'dumb' })).toBe(false);
  });
  it('reads CI the way CI systems set it', () => {
    expect(isCi({ CI: 'true' })).toBe(true);
    expect(isCi({ CI: '1' })).toBe(true);
    expect(isCi({ CI: 'false' })).toBe(false);
    expect(isCi({ CI: '' })).toBe(false);
    expect(isCi({})).toBe(false);
  });
  it('styles wrap text only when enabled', () => {
    expect(createStyles(false).status('fail')).toBe('fail');
    expect(createStyles(true).status('fail')).toBe(`${ESC}[31mfail${ESC}[39m`);
    expect(createStyles(true).status('pass')).toContain(`${ESC}[32m`);
  });
});

describe('plain progress', () => {
  it('prints one line per event and no escape at all', () => {
    const term = fakeTerminal();
    const p = createProgress({ write: term.write, mode: 'plain' });
    p.runStarted('g', 2, 1);
    p.checkStarted('a');
    p.checkFinished(makeCheck('a', 'pass', { durationMs: 300 }));
    p.checkStarted('b');
    p.checkFinished(makeCheck('b', 'fail', { durationMs: 1200, reason: 'exit code 1, expected 0' }));
    p.finish?.(makeReport([]));
    const text = term.writes.join('');
    expect(text).not.toContain(ESC);
    expect(text.split('\n')).toEqual([
      'gate g: running 2 checks (-j 1)',
      '  start  a',
      '  pass   a (300 ms)',
      '  start  b',
      '  fail   b (1.2 s): exit code 1, expected 0',
      '',
    ]);
  });

  it('is silent when off', () => {
    const term = fakeTerminal();
    const p = createProgress({ write: term.write, mode: 'off' });
    p.runStarted('g', 1, 1);
    p.checkStarted('a');
    p.checkFinished(makeCheck('a', 'fail'));
    expect(term.writes).toEqual([]);
  });
});

describe('live view', () => {
  const setup = (checks: string[], over: { rows?: number; columns?: number; summaryFollows?: boolean } = {}) => {
    const term = fakeTerminal();
    let clock = 0;
    const view = createLiveView({
      write: term.write,
      styles: createStyles(true),
      checks,
      terminal: { columns: over.columns ?? 100, rows: over.rows ?? 30 },
      summaryFollows: over.summaryFollows,
      now: () => clock,
      tickMs: 1_000_000,
    });
    return { term, view, advance: (ms: number) => (clock += ms) };
  };

  it('lists each check as queued, running with its elapsed time, then its status, and redraws in place', () => {
    const { term, view, advance } = setup(['a', 'b', 'c']);
    view.runStarted('g', 3, 2);
    expect(term.screen()).toEqual([
      'gate g: running 3 checks (-j 2)',
      '  · queued      a',
      '  · queued      b',
      '  · queued      c',
      '0/3 done · 3 queued · 0 ms',
    ]);
    view.checkStarted('a');
    advance(1500);
    view.draw();
    expect(term.screen()[1]).toBe('  ▸ running     a  1.5 s');
    view.checkFinished(makeCheck('a', 'pass', { durationMs: 1500 }));
    view.checkStarted('b');
    view.checkFinished(makeCheck('b', 'fail', { durationMs: 20, reason: 'exit code 1, expected 0' }));
    const screen = term.screen();
    expect(screen).toEqual([
      'gate g: running 3 checks (-j 2)',
      '  ✓ pass        a  1.5 s',
      '  ✗ fail        b  20 ms  exit code 1, expected 0',
      '  · queued      c',
      '2/3 done · 1 queued · 1 pass · 1 fail · 1.5 s',
    ]);
    // Redrawn in place: cursor up over the old region, erase down.
    expect(term.writes.join('')).toContain(`${ESC}[4A${ESC}[J`);
    // Colour by status.
    expect(term.writes.join('')).toContain(`${ESC}[31m✗ fail`);
    view.finish?.(makeReport([]));
  });

  it('collapses to the checks that did not pass and the verdict at the end', () => {
    const { term, view } = setup(['a', 'b']);
    view.runStarted('g', 2, 2);
    const a = makeCheck('a', 'pass', { durationMs: 10 });
    const b = makeCheck('b', 'timeout', { durationMs: 30, reason: 'timed out after 30 ms' });
    view.checkStarted('a');
    view.checkStarted('b');
    view.checkFinished(a);
    view.checkFinished(b);
    view.finish?.(makeReport([a, b], { durationMs: 40 }));
    expect(term.screen()).toEqual([
      'gate g: running 2 checks (-j 2)',
      '  ✗ timeout     b  30 ms  timed out after 30 ms',
      'gate m28: NO-GO: 1 pass, 1 timeout in 40 ms',
    ]);
    // Nothing drawn after the end, even if a late event comes.
    const count = term.writes.length;
    view.draw();
    expect(term.writes.length).toBe(count);
  });

  it('leaves nothing behind when the summary follows on the same terminal', () => {
    const { term, view } = setup(['a'], { summaryFollows: true });
    view.runStarted('g', 1, 1);
    const a = makeCheck('a', 'fail');
    view.checkFinished(a);
    view.finish?.(makeReport([a]));
    expect(term.screen()).toEqual(['gate g: running 1 check (-j 1)']);
  });

  it('stays within the terminal: running and failed checks, a count of the rest, lines cut to the width', () => {
    const ids = Array.from({ length: 30 }, (_, i) => `check-${i}`);
    const { term, view } = setup(ids, { rows: 8, columns: 40 });
    view.runStarted('g', 30, 2);
    for (const id of ids.slice(0, 10)) view.checkFinished(makeCheck(id, 'pass'));
    view.checkFinished(makeCheck('check-10', 'fail', { reason: 'a very long reason that does not fit in forty columns at all' }));
    view.checkStarted('check-11');
    view.checkStarted('check-12');
    const screen = term.screen();
    const region = screen.slice(1);
    expect(region.length).toBeLessThanOrEqual(6);
    expect(region[0]).toMatch(/^  ✗ fail +check-10/);
    expect(region[1]).toMatch(/^  ▸ running +check-11/);
    expect(region[2]).toMatch(/^  ▸ running +check-12/);
    expect(region[3]).toBe('  … 27 more: 10 pass, 17 queued');
    for (const line of screen) expect(line.length).toBeLessThanOrEqual(39);
    view.finish?.(undefined);
  });

  it('keeps each line to one terminal line: wide characters counted as two columns, line breaks flattened', () => {
    const { term, view } = setup(['a', 'b'], { columns: 40 });
    view.runStarted('g', 2, 1);
    view.checkFinished(makeCheck('a', 'fail', { reason: '漢字'.repeat(30) }));
    view.checkFinished(makeCheck('b', 'error', { reason: 'first\nsecond\r\nthird' }));
    const [, a, b] = term.screen();
    const columns = (text: string) => [...text].reduce((n, c) => n + (/[\u3000-\u9fff]/.test(c) ? 2 : 1), 0);
    expect(columns(a!)).toBeLessThanOrEqual(39);
    expect(a!.endsWith('…')).toBe(true);
    expect(b).toBe('  ✗ error       b  1.2 s  first second…');
    view.finish?.(undefined);
  });

  it('prints streamed lines above the region and redraws it below them', () => {
    const { term, view } = setup(['a']);
    view.runStarted('g', 1, 1);
    view.checkStarted('a');
    view.printAbove(['[a] hello', '[a:err] world']);
    expect(term.screen()).toEqual(['gate g: running 1 check (-j 1)', '[a] hello', '[a:err] world', '  ▸ running     a  0 ms', '0/1 done · 1 running · 0 ms']);
    view.finish?.(undefined);
  });
});

describe('the interrupt notice', () => {
  const NOTICE = 'gate: SIGINT: stopping: no new check starts; the 2 running checks get SIGTERM, then SIGKILL once their killGraceMs is over; send SIGINT again to kill at once';

  it('says once, in the plain view, how many checks are still running and what happens to them', () => {
    const term = fakeTerminal();
    const p = createProgress({ write: term.write, mode: 'plain' });
    p.runStarted('g', 3, 3);
    p.checkStarted('a');
    p.checkStarted('b');
    p.checkStarted('c');
    p.checkFinished(makeCheck('c', 'pass'));
    // A check that never started finishes too (blocked, not-run): it is not counted as running.
    p.checkFinished(makeCheck('d', 'not-run'));
    p.stopping?.('SIGINT');
    p.stopping?.('SIGINT');
    expect(term.writes.join('').split('\n').filter((l) => l.startsWith('gate: SIGINT'))).toEqual([NOTICE]);
  });

  it('says it in the singular for one check, with the signal that came', () => {
    const term = fakeTerminal();
    const p = createProgress({ write: term.write, mode: 'plain' });
    p.checkStarted('a');
    p.stopping?.('SIGTERM');
    expect(term.writes.join('')).toContain(
      'gate: SIGTERM: stopping: no new check starts; the running check gets SIGTERM, then SIGKILL once its killGraceMs is over; send SIGTERM again to kill at once\n',
    );
  });

  it('says nothing when no check runs (the run ends at once), nor when the view is off', () => {
    const term = fakeTerminal();
    const plain = createProgress({ write: term.write, mode: 'plain' });
    plain.checkStarted('a');
    plain.checkFinished(makeCheck('a', 'pass'));
    plain.stopping?.('SIGINT');
    const off = createProgress({ write: term.write, mode: 'off' });
    off.checkStarted('b');
    off.stopping?.('SIGINT');
    expect(term.writes.join('')).not.toContain('stopping');
  });

  it('prints above the live region, which is drawn again below it', () => {
    const term = fakeTerminal();
    const p = createProgress({ write: term.write, mode: 'live', styles: createStyles(true), checks: ['a', 'b'], terminal: { columns: 200, rows: 30 }, now: () => 0, tickMs: 1_000_000 });
    p.runStarted('g', 2, 2);
    p.checkStarted('a');
    p.checkStarted('b');
    p.stopping?.('SIGINT');
    const screen = term.screen();
    expect(screen.slice(0, 2)).toEqual(['gate g: running 2 checks (-j 2)', NOTICE]);
    expect(screen.at(-1)).toBe('0/2 done · 2 running · 0 ms');
    p.finish?.(undefined);
  });
});

describe('summary', () => {
  it('names each check that did not pass, its failed assertions, where its output is, then the verdict', () => {
    const a = makeCheck('a', 'pass');
    const b = makeCheck('b', 'fail', {
      reason: 'go_no_go == "go": found "no_go"',
      assertions: [
        { expr: 'ok == true', ok: true, message: 'ok == true: found true' },
        { expr: 'go_no_go == "go"', ok: false, message: 'go_no_go == "go": found "no_go"' },
        { expr: 'required_fail_total == 0', ok: false, message: 'required_fail_total == 0: found 2' },
      ],
      stdout: { file: 'checks/b.stdout.txt', bytes: 10, sha256: 'x', originalBytes: 10, truncated: false },
      stderr: { file: 'checks/b.stderr.txt', bytes: 0, sha256: 'y', originalBytes: 0, truncated: false },
    });
    const c = makeCheck('c', 'error', { required: false, reason: 'invalid JSON in stdout: Unexpected end' });
    const text = renderSummary(makeReport([a, b, c], { durationMs: 2000 }), 'reports/m28_closeout');
    expect(text).toBe(
      [
        '  fail b: go_no_go == "go": found "no_go"',
        '    ✗ go_no_go == "go": found "no_go"',
        '    ✗ required_fail_total == 0: found 2',
        '    output: reports/m28_closeout/checks/b.stdout.txt',
        '  error c (advisory): invalid JSON in stdout: Unexpected end',
        'gate m28: NO-GO: 1 pass, 1 fail, 1 error in 2.0 s',
        '  report: reports/m28_closeout/closeout.md',
        '',
      ].join('\n'),
    );
  });

  it('says so when a passing check left processes behind (gate ended them)', () => {
    const note = "2 process(es) escaped the check's process group (pid 41, 42); gate ended them";
    const a = makeCheck('a', 'pass', { leakedProcesses: true, notes: [note] });
    const b = makeCheck('b', 'pass', { notes: ['evidence file older than the check was read'] });
    const text = renderSummary(makeReport([a, b], { decision: 'GO', verdict: 'pass' }), 'reports/g_closeout');
    expect(text.split('\n')[0]).toBe(`  note a: ${note}`);
    expect(text).not.toContain('older than');
  });

  it('colours the verdict only when asked', () => {
    const report = makeReport([makeCheck('a', 'pass')], { decision: 'GO', verdict: 'pass' });
    expect(verdictLine(report)).not.toContain(ESC);
    expect(verdictLine(report, createStyles(true))).toContain(`${ESC}[32mGO`);
  });
});
