import { describe, expect, it } from 'vitest';
import { codeFence, codeSpan, renderMarkdown } from '../../src/report/markdown.js';
import { formatDuration } from '../../src/report/text.js';
import type { CheckOutputs } from '../../src/report/junit.js';
import { CHECK_STATUSES, type CheckResult } from '../../src/model/types.js';
import { makeCheck, makeReport } from './report-fixture.js';


const allStatuses = (): CheckResult[] => CHECK_STATUSES.map((status) => makeCheck(status, status));

/** Splits a GFM table row into cells the way GFM does: on pipes not escaped by a backslash. */
function cells(row: string): string[] {
  const out: string[] = [];
  let cell = '';
  for (let i = 1; i < row.length - 1; i += 1) {
    const ch = row[i] as string;
    if (ch === '\\') {
      cell += ch + (row[i + 1] ?? '');
      i += 1;
    } else if (ch === '|') {
      out.push(cell.trim());
      cell = '';
    } else cell += ch;
  }
  out.push(cell.trim());
  return out;
}

/** The content of the fenced block opened on the first line matching `opening`, as CommonMark reads it. */
function fencedContent(md: string, opening: RegExp): string {
  const lines = md.split('\n');
  const start = lines.findIndex((l) => opening.test(l));
  expect(start).toBeGreaterThanOrEqual(0);
  const fence = /^`+/.exec(lines[start] as string)?.[0] ?? '';
  expect(fence.length).toBeGreaterThanOrEqual(3);
  const close = lines.findIndex((l, i) => i > start && new RegExp(`^ {0,3}\`{${fence.length},}\\s*$`).test(l));
  expect(close).toBeGreaterThan(start);
  return lines.slice(start + 1, close).join('\n');
}

describe('renderMarkdown', () => {
  it('opens with the decision banner', () => {
    const go = renderMarkdown(makeReport([makeCheck('a', 'pass')], { verdict: 'pass', decision: 'GO', exitCode: 0 }));
    expect(go.split('\n')[0]).toBe('# ✅ GO — Milestone 28');
    expect(renderMarkdown(makeReport(allStatuses())).split('\n')[0]).toBe('# ❌ NO-GO — Milestone 28');
    const aborted = renderMarkdown(makeReport(allStatuses(), { verdict: 'aborted', exitCode: 130 }));
    expect(aborted.split('\n')[0]).toBe('# ❌ NO-GO (aborted) — Milestone 28');
    expect(aborted).toContain('**Aborted**');
  });

  it('falls back to the gate id when the gate has no title', () => {
    const md = renderMarkdown(makeReport([], { gate: { id: 'm29', file: 'g', sha256: 'c' } }));
    expect(md.split('\n')[0]).toBe('# ❌ NO-GO — m29');
  });

  it('states the run, its times and duration', () => {
    const md = renderMarkdown(makeReport(allStatuses()));
    expect(md).toContain(
      'Run `run-2024-0001` · started 2024-05-01T10:00:00.000Z · finished 2024-05-01T10:01:05.500Z · took 1 min 6 s · exit code 3',
    );
  });

  it('warns about a partial run and injected checks', () => {
    const md = renderMarkdown(
      makeReport(allStatuses(), { partial: true, requiredNotRun: ['e2e', 'smoke'], injected: [{ checkId: 'fail', mode: 'exit' }] }),
    );
    expect(md).toContain('**Partial run** — required checks not run: `e2e`, `smoke`.');
    expect(md).toContain('**Failure injection** — `fail` (exit).');
    expect(renderMarkdown(makeReport(allStatuses()))).not.toContain('Partial run');
  });

  it('says why a run whose checks all passed is NO-GO when its report failed gate\'s own checks once written (exit code 1)', () => {
    const md = renderMarkdown(makeReport([makeCheck('a', 'pass')], { exitCode: 1 }));
    expect(md.split('\n')[0]).toBe('# ❌ NO-GO — Milestone 28');
    expect(md).toContain(
      "> ⛔ **Report failed gate's own checks** — once written, a secret was found past masking or masking broke a file (gate's stderr says which): the run is NO-GO with exit code 1, whatever its checks did.",
    );
    expect(renderMarkdown(makeReport(allStatuses()))).not.toContain("Report failed gate's own checks");
  });

  it('has one table row a check, with every column', () => {
    const md = renderMarkdown(makeReport(allStatuses()));
    expect(md).toContain('| Check | Title | Priority | Owner | Status | Required | Attempts | Duration | Reason |');
    for (const status of CHECK_STATUSES) {
      const row = md.split('\n').find((l) => l.startsWith(`| \`${status}\` |`));
      expect(row, status).toBeDefined();
      const [id, title, , , shown, required, attempts, duration, reason] = cells(row as string);
      expect([id, title, required, attempts, duration, reason]).toEqual([
        `\`${status}\``,
        `Title of ${status}`,
        'yes',
        '1',
        '1.2 s',
        `reason for ${status}`,
      ]);
      expect(shown).toContain(status);
    }
  });

  it("shows each check's priority and owner in the table, and a failing check's in its section", () => {
    const md = renderMarkdown(
      makeReport([makeCheck('api', 'fail', { priority: 'P0', owner: 'platform | ops' }), makeCheck('docs', 'pass')]),
    );
    expect(md).toContain('| Check | Title | Priority | Owner | Status | Required | Attempts | Duration | Reason |');
    const row = (id: string) => cells(md.split('\n').find((l) => l.startsWith(`| \`${id}\` |`)) as string);
    expect(row('api').slice(0, 4)).toEqual(['`api`', 'Title of api', 'P0', 'platform \\| ops']);
    expect(row('docs').slice(2, 4)).toEqual(['', '']);
    const failures = md.slice(md.indexOf('## Failures'));
    expect(failures).toContain('Priority P0 · owner platform \\| ops');
  });

  it('escapes pipes, newlines and HTML in cells', () => {
    const check = makeCheck('odd|id', 'fail', {
      title: 'a | b',
      reason: 'found <script>alert(1)</script> & x | y\nsecond line \\| z',
    });
    const md = renderMarkdown(makeReport([check]));
    const row = md.split('\n').find((l) => l.startsWith('| `odd'));
    expect(row).toBeDefined();
    const c = cells(row as string);
    expect(c).toHaveLength(9);
    expect(c[0]).toBe('`odd\\|id`');
    expect(c[1]).toBe('a \\| b');
    expect(c[8]).toBe('found &lt;script&gt;alert(1)&lt;/script&gt; &amp; x \\| y<br>second line \\\\\\| z');
    expect(md).not.toContain('<script>');
  });

  it('lists failures with reasons and failed assertion messages', () => {
    const fail = makeCheck('api', 'fail', {
      reason: '1 assertion did not hold',
      exitCode: 1,
      assertions: [
        { expr: 'ok == true', ok: true, message: 'ok == true: found true' },
        { expr: 'status == "up"', ok: false, message: 'status == "up": found "down"' },
      ],
    });
    const md = renderMarkdown(makeReport([makeCheck('build', 'pass'), fail, makeCheck('docs', 'skipped')]));
    const failures = md.slice(md.indexOf('## Failures'));
    expect(failures).toContain('### ❌ `api` — Title of api');
    expect(failures).toContain('**fail** · exit code 1 — 1 assertion did not hold');
    expect(failures).toContain('- `status == "up": found "down"`');
    expect(failures).not.toContain('ok == true');
    expect(failures).not.toContain('`build`');
    expect(failures).not.toContain('`docs`');
    expect(renderMarkdown(makeReport([makeCheck('build', 'pass')]))).not.toContain('## Failures');
  });

  it('keeps code spans whole when messages hold backticks', () => {
    const msg = 'output == "`a` and ``b``": found "```"';
    const md = renderMarkdown(makeReport([makeCheck('x', 'fail', { assertions: [{ expr: 'e', ok: false, message: msg }] })]));
    expect(md).toContain(`- \`\`\`\`${msg}\`\`\`\``);
    expect(codeSpan('`edge`')).toBe('`` `edge` ``');
    expect(codeSpan('plain')).toBe('`plain`');
  });

  it('fences output tails so that backtick runs in them cannot close the fence', () => {
    const stdout = 'before\n```\ninjected\n````\n# not a heading\n<img src=x onerror=alert(1)>\nafter\n';
    const outputs: CheckOutputs = new Map([['x', { stdoutTail: stdout, stderrTail: 'warn\u001b[33m!\u001b[0m\u0000end\n' }]]);
    const md = renderMarkdown(makeReport([makeCheck('x', 'fail')]), outputs);
    expect(fencedContent(md, /^`{5}text$/)).toBe(stdout.replace(/\n$/, ''));
    expect(md).toContain('stderr (tail):\n\n```text\nwarn!\uFFFDend\n```');
    expect(codeFence('no ticks')).toBe('```\nno ticks\n```');
  });

  it('lists waivers by state', () => {
    const md = renderMarkdown(
      makeReport([makeCheck('w', 'waived', { waivedStatus: 'fail', waiver: { reason: 'JIRA-1', owner: 'ops', expires: '2099-01-01' } })], {
        waivers: [
          { check: 'old', reason: 'gone', expires: '2020-01-01', state: 'expired' },
          { check: 'w', reason: 'JIRA-1', owner: 'ops', expires: '2099-01-01', state: 'applied' },
          { check: 'z', reason: 'never needed', expires: '2099-01-01', state: 'unused' },
        ],
      }),
    );
    const waivers = md.slice(md.indexOf('## Waivers'));
    const rows = waivers.split('\n').filter((l) => l.startsWith('| `'));
    expect(rows.map((r) => cells(r).slice(0, 2))).toEqual([
      ['`w`', 'applied'],
      ['`z`', 'unused'],
      ['`old`', 'expired'],
    ]);
    expect(md).toContain('**waived** (was fail) — reason for w');
    expect(md).toContain('Waiver: JIRA-1, owner ops, expires 2099-01-01');
  });

  it('includes the handover as-is and a provenance footer', () => {
    const handover = '### Next steps\n\n- tag <b>v1.2</b> & ship\n';
    const md = renderMarkdown(makeReport(allStatuses(), { handover }));
    expect(md).toContain('## Handover\n\n### Next steps\n\n- tag <b>v1.2</b> & ship\n');
    expect(md).toContain(`gate 0.1.0 · git commit \`deadbeefcafe\` · gate file \`gates/m28.json\` sha256 \`${'a'.repeat(64)}\``);
    const noCommit = makeReport([]);
    noCommit.provenance.gitCommit = null;
    expect(renderMarkdown(noCommit)).not.toContain('git commit');
    expect(renderMarkdown(makeReport([]))).not.toContain('## Handover');
  });

  it('closes a fence the handover leaves open, so the footer stays outside it', () => {
    for (const [handover, closer] of [
      ['Run this next:\n\n```sh\nnpm run release\n', '```'],
      ['~~~~\nnotes\n```\nstill inside\n', '~~~~'],
      ['  ````md\n```\nnested\n```\n', '````'],
    ] as const) {
      const md = renderMarkdown(makeReport([], { handover }));
      const tail = md.slice(md.indexOf('## Handover'));
      expect(tail.slice(0, tail.indexOf('\n---\n'))).toMatch(new RegExp(`\n${closer}\n$`));
      expect(tail).toContain('\n---\n\ngate 0.1.0');
    }
    // A handover whose fences are all closed is kept as written.
    const closed = 'Steps:\n\n```sh\nnpm run release\n```\n\n~~~\n```\n~~~\n';
    expect(renderMarkdown(makeReport([], { handover: closed }))).toContain(`## Handover\n\n${closed.trimEnd()}\n\n---\n`);
    // Fences in list items: one opened on the item's own line is closed inside the item, and one the item
    // leaves open ends with it. Nothing is added: a fence added here would open a block to the end of the file.
    for (const inList of ['- ```sh\n  npm run release\n  ```\n', '1. ```\n   npm test\n   ```\n2. done\n', '- ```sh\n  npm run release\n\nThen tag it.\n']) {
      expect(renderMarkdown(makeReport([], { handover: inList }))).toContain(`## Handover\n\n${inList.trimEnd()}\n\n---\n`);
    }
    // One opened in a list item and closed at the top level is not closed there: the item ended it, and that line opens one.
    expect(renderMarkdown(makeReport([], { handover: '- ```\n  a\n```\nb\n' }))).toContain('## Handover\n\n- ```\n  a\n```\nb\n```\n\n---\n');
  });

  it('a note that starts like Markdown block syntax stays text in its list item', () => {
    const notes = ['# not a heading', '1. not a numbered list', '2) nor this', '- not a nested list', '+ nor this'];
    const md = renderMarkdown(makeReport([makeCheck('a', 'fail', { notes })]));
    for (const line of ['- \\# not a heading', '- 1\\. not a numbered list', '- 2\\) nor this', '- \\- not a nested list', '- \\+ nor this']) {
      expect(md.split('\n')).toContain(line);
    }
  });

  it('formats durations for people', () => {
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(12_340)).toBe('12.3 s');
    expect(formatDuration(125_000)).toBe('2 min 5 s');
    expect(formatDuration(-5)).toBe('0 ms');
  });

  it('lists the notes of checks that need no attention under Notes: processes left behind, say', () => {
    const a = makeCheck('a', 'pass', { leakedProcesses: true, notes: ['left processes behind in its process group; gate ended them'] });
    const b = makeCheck('b', 'fail', { notes: ['shown in its failure block'] });
    const md = renderMarkdown(makeReport([a, b]));
    const notes = md.slice(md.indexOf('## Notes'));
    expect(notes.split('\n').slice(0, 3)).toEqual(['## Notes', '', '- `a`: left processes behind in its process group; gate ended them']);
    expect(notes).not.toContain('shown in its failure block');
    expect(renderMarkdown(makeReport([makeCheck('c', 'pass')]))).not.toContain('## Notes');
  });
});
