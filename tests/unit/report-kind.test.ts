import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { otherKindIn, reportsIn } from '../../src/report/report-kind.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'gate-report-kind-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let count = 0;
/** A report dir holding `files` (a name ending in `/` is a folder), with gate's mark, as any version of gate leaves it. */
function dirWith(...files: string[]): string {
  const dir = path.join(root, `d${count++}`);
  mkdirSync(dir);
  writeFileSync(path.join(dir, '.gate-report-dir'), 'This folder holds gate closeout reports; gate moves and prunes what is in it.\n');
  for (const f of files) {
    const target = path.join(dir, f);
    if (f.endsWith('/')) mkdirSync(target, { recursive: true });
    else {
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, '{}');
    }
  }
  return dir;
}

const RUN = ['closeout.json', 'closeout.md', 'junit.xml', 'run.log', 'checks/a.stdout.txt'];
const DRILL = ['drill.json', 'drill.md', 'rounds/a/closeout.json'];

describe('the kind of report a report dir holds', () => {
  it('is told by the files at its top', () => {
    expect(reportsIn(dirWith(...RUN))).toEqual({ run: ['closeout.json', 'run.log', 'junit.xml', 'closeout.md', 'checks/'], drill: [] });
    expect(reportsIn(dirWith(...DRILL))).toEqual({ run: [], drill: ['drill.md', 'drill.json', 'rounds/'] });
    // A drill stopped before its matrix was written: its rounds are there.
    expect(reportsIn(dirWith('rounds/a/'))).toEqual({ run: [], drill: ['rounds/'] });
    // History follows the top: the top decides.
    expect(reportsIn(dirWith(...RUN, 'history/r1/drill.json'))).toEqual({ run: ['closeout.json', 'run.log', 'junit.xml', 'closeout.md', 'checks/'], drill: [] });
  });

  it('is told by history/ when the top holds neither kind', () => {
    expect(reportsIn(dirWith('history/20260101T000000Z-aaaaaa/closeout.json', 'history/20260102T000000Z-bbbbbb/checks/'))).toEqual({
      run: ['history/20260102T000000Z-bbbbbb/checks/'],
      drill: [],
    });
    expect(reportsIn(dirWith('history/20260101T000000Z-aaaaaa/drill.json'))).toEqual({ run: [], drill: ['history/20260101T000000Z-aaaaaa/drill.json'] });
  });

  it('is neither for a dir that does not exist, an empty one, or one with only the mark', () => {
    expect(reportsIn(path.join(root, 'missing'))).toEqual({ run: [], drill: [] });
    expect(reportsIn(dirWith())).toEqual({ run: [], drill: [] });
    expect(reportsIn(dirWith('history/'))).toEqual({ run: [], drill: [] });
  });
});

describe('a report dir takes only its own kind', () => {
  it("refuses a drill into a run's dir, and a run into a drill's, naming the dir, what it holds and another --report-dir", () => {
    const run = dirWith(...RUN);
    const drill = dirWith(...DRILL);
    expect(otherKindIn(run, 'drill', 'reports/g_closeout')).toBe(
      "report dir reports/g_closeout holds a run's report (closeout.json, run.log, junit.xml, closeout.md, checks/); a drill's report is never written beside it, " +
        'as the two would mix their files and history\n  hint: choose another --report-dir for the drill (a drill reports into reports/<id>_drill by default)',
    );
    expect(otherKindIn(drill, 'run', 'reports/g_drill')).toBe(
      "report dir reports/g_drill holds a drill's report (drill.md, drill.json, rounds/); a run's report is never written beside it, " +
        'as the two would mix their files and history\n  hint: choose another --report-dir for the run (a run reports into reports/<id>_closeout by default)',
    );
  });

  it('takes its own kind, and a dir with neither', () => {
    expect(otherKindIn(dirWith(...RUN), 'run', 'x')).toBeUndefined();
    expect(otherKindIn(dirWith(...DRILL), 'drill', 'x')).toBeUndefined();
    for (const kind of ['run', 'drill'] as const) {
      expect(otherKindIn(dirWith(), kind, 'x')).toBeUndefined();
      expect(otherKindIn(path.join(root, 'missing'), kind, 'x')).toBeUndefined();
    }
  });

  it("a dir whose top holds a kind's own report takes that kind, whatever else is beside it", () => {
    // A check may write into $GATE_REPORT_DIR: a drill.md or rounds/ of its own keeps its gate's runs in their dir.
    const run = dirWith(...RUN, 'drill.md', 'rounds/');
    expect(otherKindIn(run, 'run', 'x')).toBeUndefined();
    expect(otherKindIn(run, 'drill', 'x')).toContain("holds a run's report (closeout.json");
    const drill = dirWith(...DRILL, 'run.log', 'checks/');
    expect(otherKindIn(drill, 'drill', 'x')).toBeUndefined();
    expect(otherKindIn(drill, 'run', 'x')).toContain("holds a drill's report (drill.md, drill.json");
    // Without its own report, the other kind's files refuse it, as before.
    expect(otherKindIn(dirWith('drill.md', 'run.log'), 'run', 'x')).toContain("holds a drill's report (drill.md)");
  });

  it("a dir whose top holds both kinds' own reports takes neither, naming the dir and both reports", () => {
    // A check wrote drill.json beside its run's closeout.json (or an older version mixed both kinds).
    for (const mixed of [dirWith(...RUN, 'drill.json'), dirWith(...RUN, ...DRILL), dirWith('closeout.json', 'drill.json')]) {
      for (const kind of ['run', 'drill'] as const) {
        const defaults = kind === 'run' ? 'a run reports into reports/<id>_closeout by default' : 'a drill reports into reports/<id>_drill by default';
        expect(otherKindIn(mixed, kind, 'reports/g_closeout')).toBe(
          "report dir reports/g_closeout holds both a run's report (closeout.json) and a drill's (drill.json) at its top; neither kind is written there, " +
            `as the two would mix their files and history\n  hint: choose another --report-dir for the ${kind} (${defaults}), ` +
            'or move out of it the report that does not belong there (a check may have written it through $GATE_REPORT_DIR)',
        );
      }
    }
  });
});
