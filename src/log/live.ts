/**
 * The live view on a terminal: a region at the bottom of stderr, redrawn in
 * place (cursor up, erase down), listing each check as queued, running (with
 * its elapsed time, ticking) or its final status, and a line of counts. At the
 * end the region gives way to the checks that did not pass and the verdict.
 * The region never grows taller than the terminal: with many checks it shows
 * the running and failed ones and counts the rest.
 */
import type { CheckResult, CheckStatus } from '../model/types.js';
import { formatDuration } from '../report/text.js';
import type { Progress } from './progress.js';
import { verdictLine } from './summary.js';
import type { Styles } from './style.js';

export interface LiveOptions {
  write: (text: string) => void;
  styles: Styles;
  /** The checks that run, in file order. */
  checks: string[];
  /** The terminal's size, read at every redraw (so a resize is followed). */
  terminal?: { columns?: number; rows?: number };
  /** The summary follows on the same terminal: the final view keeps nothing. */
  summaryFollows?: boolean;
  now?: () => number;
  tickMs?: number;
}

export interface LiveView extends Progress {
  /** Prints lines above the region (streamed output), then redraws it. */
  printAbove(lines: string[]): void;
  /** Draws the region now (the ticker does this a few times a second). */
  draw(): void;
}

type State = { kind: 'queued' } | { kind: 'running'; since: number } | { kind: 'done'; result: CheckResult };

const CURSOR_UP = (n: number) => `\u001b[${n}A`;
const ERASE_DOWN = '\u001b[J';
export const DEFAULT_TICK_MS = 250;

const SYMBOL: Record<CheckStatus | 'queued' | 'running', string> = {
  queued: '·',
  running: '▸',
  pass: '✓',
  flaky: '✓',
  waived: '~',
  skipped: '-',
  fail: '✗',
  error: '✗',
  timeout: '✗',
  blocked: '⊘',
  interrupted: '⊘',
  'not-run': '⊘',
};

const PASSING: ReadonlySet<CheckStatus> = new Set(['pass', 'flaky', 'skipped']);

/** Columns a character takes: 2 for wide East Asian characters and emoji, 0 for combining marks, else 1. */
function charWidth(ch: string): number {
  const cp = ch.codePointAt(0)!;
  if (/\p{M}/u.test(ch)) return 0;
  if (cp >= 0x1f000 || (cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf) || (cp >= 0xac00 && cp <= 0xd7a3)) return 2;
  if ((cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) || (cp >= 0xffe0 && cp <= 0xffe6)) return 2;
  return 1;
}

/**
 * A line of segments, each with its style, cut to `width` columns. A line that
 * wrapped would throw off the count of lines to redraw, so text is kept to one
 * line (controls dropped) and measured in columns, not characters.
 */
function fit(segments: [string, (text: string) => string][], width: number): string {
  let room = Math.max(1, width);
  let out = '';
  for (const [raw, style] of segments) {
    if (room <= 0) break;
    const text = raw.replace(/[\r\n\t]+/g, ' ').replace(/[\u0000-\u001f\u007f-\u009f]/g, '');
    const chars = [...text];
    const total = chars.reduce((n, c) => n + charWidth(c), 0);
    let piece = text;
    let used = total;
    if (total > room) {
      // Cut, leaving a column for the ellipsis.
      piece = '';
      used = 0;
      for (const ch of chars) {
        const w = charWidth(ch);
        if (used + w > room - 1) break;
        piece += ch;
        used += w;
      }
      piece += '…';
      used += 1;
    }
    room -= used;
    out += style(piece);
  }
  return out;
}

export function createLiveView(options: LiveOptions): LiveView {
  const { styles, write } = options;
  const now = options.now ?? (() => performance.now());
  const states = new Map<string, State>(options.checks.map((id) => [id, { kind: 'queued' }]));
  const started = now();
  let height = 0;
  let timer: NodeJS.Timeout | undefined;
  let finished = false;
  const width = () => Math.max(20, (options.terminal?.columns || 80) - 1);
  const maxLines = () => Math.max(3, (options.terminal?.rows || 24) - 2);
  const plain = (text: string) => text;

  const checkLine = (id: string, state: State): string => {
    const key = state.kind === 'done' ? state.result.status : state.kind;
    const label = `${SYMBOL[key]} ${key.padEnd(11)}`;
    const tail: [string, (t: string) => string][] = [];
    if (state.kind === 'running') tail.push([`  ${formatDuration(now() - state.since)}`, styles.dim]);
    if (state.kind === 'done') {
      const r = state.result;
      if (r.durationMs > 0) tail.push([`  ${formatDuration(r.durationMs)}`, styles.dim]);
      if (r.status !== 'pass') tail.push([`  ${r.reason}`, styles.dim]);
    }
    return fit([['  ', plain], [label, (t) => styles.status(key, t)], [` ${id}`, plain], ...tail], width());
  };

  const countsLine = (): string => {
    const counts = new Map<string, number>();
    for (const s of states.values()) {
      const key = s.kind === 'done' ? s.result.status : s.kind;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    const done = [...states.values()].filter((s) => s.kind === 'done').length;
    const parts = [...counts].filter(([k]) => k !== 'queued' && k !== 'running').map(([k, n]) => styles.status(k as CheckStatus, `${n} ${k}`));
    const running = counts.get('running') ?? 0;
    const queued = counts.get('queued') ?? 0;
    const head = `${done}/${states.size} done`;
    const rest = [running ? styles.status('running', `${running} running`) : '', queued ? `${queued} queued` : '', ...parts].filter(Boolean);
    // Colour codes do not take room; the plain length decides whether it fits.
    const line = [head, ...rest, formatDuration(now() - started)].join(' · ');
    const visible = line.replace(/\u001b\[[0-9;]*m/g, '');
    return visible.length > width() ? fit([[visible, plain]], width()) : line;
  };

  /** The region's lines: every check when they fit, else the running and failed ones and a count of the rest. */
  const frame = (): string[] => {
    const entries = [...states];
    if (entries.length + 1 <= maxLines()) return [...entries.map(([id, s]) => checkLine(id, s)), countsLine()];
    const shown = entries.filter(([, s]) => s.kind === 'running' || (s.kind === 'done' && !PASSING.has(s.result.status)));
    const room = maxLines() - 2;
    const kept = shown.slice(0, room);
    const keptIds = new Set(kept.map(([id]) => id));
    const hidden = new Map<string, number>();
    for (const [id, s] of entries) {
      if (keptIds.has(id)) continue;
      const key = s.kind === 'done' ? s.result.status : s.kind;
      hidden.set(key, (hidden.get(key) ?? 0) + 1);
    }
    const total = entries.length - kept.length;
    const what = [...hidden].map(([k, n]) => `${n} ${k}`).join(', ');
    return [...kept.map(([id, s]) => checkLine(id, s)), styles.dim(fit([[`  … ${total} more: ${what}`, plain]], width())), countsLine()];
  };

  const clear = () => (height > 0 ? `\r${CURSOR_UP(height)}${ERASE_DOWN}` : '');
  const render = (above = '') => {
    if (finished) return;
    const lines = frame();
    write(`${clear()}${above}${lines.join('\n')}\n`);
    height = lines.length;
  };

  const stop = () => {
    if (timer) clearInterval(timer);
    timer = undefined;
  };

  return {
    runStarted(gateId, checks, jobs) {
      write(`${clear()}gate ${gateId}: running ${checks} check${checks === 1 ? '' : 's'} (-j ${jobs})\n`);
      height = 0;
      render();
      if (!timer) {
        timer = setInterval(render, options.tickMs ?? DEFAULT_TICK_MS);
        // The ticker alone never keeps gate alive.
        timer.unref();
      }
    },
    checkStarted(id) {
      states.set(id, { kind: 'running', since: now() });
      render();
    },
    checkFinished(result) {
      // Only the checks listed: those filtered out with --only/--skip are not part of this run's view.
      if (!states.has(result.id)) return;
      states.set(result.id, { kind: 'done', result });
      render();
    },
    printAbove(lines) {
      if (lines.length === 0) return;
      if (finished) {
        write(lines.map((l) => `${l}\n`).join(''));
        return;
      }
      render(lines.map((l) => `${l}\n`).join(''));
    },
    draw: () => render(),
    finish(report) {
      stop();
      if (finished) return;
      if (!report) {
        render();
        finished = true;
        return;
      }
      const out: string[] = [];
      if (!options.summaryFollows) {
        for (const r of report.checks) {
          if (PASSING.has(r.status)) continue;
          out.push(checkLine(r.id, { kind: 'done', result: r }));
        }
        out.push(verdictLine(report, styles));
      }
      write(`${clear()}${out.map((l) => `${l}\n`).join('')}`);
      height = 0;
      finished = true;
    },
  };
}
