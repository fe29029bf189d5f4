/**
 * A report dir holds one kind of report: a run's (`closeout.json`, `closeout.md`,
 * `junit.xml`, `run.log`, `checks/`, earlier runs in `history/`) or a drill's
 * (`drill.json`, `drill.md`, `rounds/`, earlier drills in `history/`). The two
 * never share a dir: a drill would write its matrix beside a run's closeout and
 * its history among the runs', and a run would do the same the other way round.
 *
 * The kind is told by the files present, not by the `.gate-report-dir` mark:
 * the mark has always said the same for both kinds and is never rewritten, so
 * the dirs that older versions made could not be told apart by it, while their
 * files can, for dirs made by any version. A dir whose top holds a kind's own
 * report (`closeout.json`, `drill.json`) takes that kind, whatever else a check
 * may have written beside it through `$GATE_REPORT_DIR`; one whose top holds
 * both (a check wrote `drill.json` beside its run's `closeout.json`, or an older
 * version mixed the two) takes neither, until one is moved out. Else the top
 * decides; only when it holds neither kind's files (they were removed by hand)
 * do the runs kept in `history/` decide. A dir with neither kind's files anywhere (new, or
 * holding only the mark) takes either kind. It costs one listing of the dir,
 * made in place: this is asked on the way to the first check.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { CHECKS_DIR, HISTORY_DIR, RUN_FILES } from './write.js';

export type ReportKind = 'run' | 'drill';

/** The drill's files at the top of its report dir, in the order they are written. */
export const DRILL_FILES = ['drill.md', 'drill.json'] as const;
/** The folder of a drill's report dir that holds each round's run report. */
export const ROUNDS_DIR = 'rounds';

/** The names that show a dir holds a report of each kind. */
const SIGNS: Record<ReportKind, readonly string[]> = {
  run: ['closeout.json', ...RUN_FILES.filter((n) => n !== 'closeout.json'), CHECKS_DIR],
  drill: [...DRILL_FILES, ROUNDS_DIR],
};
/** Each kind's own report: a dir that holds it at its top is that kind's. */
const OWN_REPORT: Record<ReportKind, string> = { run: 'closeout.json', drill: 'drill.json' };

const KINDS: readonly ReportKind[] = ['run', 'drill'];

const namesIn = (dir: string): string[] => {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
};

/**
 * Each kind's files that `dir` holds (relative to it; a folder ends in `/`): at its top, or else in `history/`.
 * `top`: the names at its top, when the caller has listed them already.
 */
export function reportsIn(dir: string, top: string[] = namesIn(dir)): Record<ReportKind, string[]> {
  const found = (names: string[], prefix: string) =>
    Object.fromEntries(
      KINDS.map((kind) => [kind, SIGNS[kind].filter((n) => names.includes(n)).map((n) => `${prefix}${n}${n === CHECKS_DIR || n === ROUNDS_DIR ? '/' : ''}`)]),
    ) as Record<ReportKind, string[]>;
  const atTop = found(top, '');
  if (atTop.run.length > 0 || atTop.drill.length > 0 || !top.includes(HISTORY_DIR)) return atTop;
  const kept: Record<ReportKind, string[]> = { run: [], drill: [] };
  for (const entry of namesIn(path.join(dir, HISTORY_DIR)).sort()) {
    const inEntry = found(namesIn(path.join(dir, HISTORY_DIR, entry)), `${HISTORY_DIR}/${entry}/`);
    // The newest of each kind is enough to name it.
    for (const kind of KINDS) if (inEntry[kind].length > 0) kept[kind] = inEntry[kind];
  }
  return kept;
}

/**
 * Why `dir` cannot take a report of `kind` (undefined when it can): it holds
 * the other kind's. `shown` is how the message names the dir. `command`: the
 * command whose --report-dir the hint is about (a drill's round is a run's
 * report, in a dir the drill's --report-dir decides).
 */
export function otherKindIn(dir: string, kind: ReportKind, shown: string, command: ReportKind = kind): string | undefined {
  const other: ReportKind = kind === 'run' ? 'drill' : 'run';
  const what = (k: ReportKind) => (k === 'run' ? "a run's report" : "a drill's report");
  const defaults = command === 'run' ? 'a run reports into reports/<id>_closeout by default' : 'a drill reports into reports/<id>_drill by default';
  const rounds = command === 'drill' && kind === 'run' ? `, each round into its ${ROUNDS_DIR}/<check>/` : '';
  const hint = `choose another --report-dir for the ${command} (${defaults}${rounds})`;
  const top = namesIn(dir);
  // Both kinds' own reports at the top: whichever kind took the dir, it is mixed already; adding to it would mix it more.
  if (top.includes(OWN_REPORT.run) && top.includes(OWN_REPORT.drill)) {
    return (
      `report dir ${shown} holds both ${what('run')} (${OWN_REPORT.run}) and a drill's (${OWN_REPORT.drill}) at its top; neither kind is written there, ` +
      `as the two would mix their files and history\n  hint: ${hint}, or move out of it the report that does not belong there (a check may have written it through $GATE_REPORT_DIR)`
    );
  }
  // A dir whose top holds this kind's own report stays this kind's, whatever else is beside it: a check may
  // write into $GATE_REPORT_DIR (a `drill.md` of its own must not lock its gate's runs out of their dir).
  if (top.includes(OWN_REPORT[kind])) return undefined;
  const held = reportsIn(dir, top)[other];
  if (held.length === 0) return undefined;
  return `report dir ${shown} holds ${what(other)} (${held.join(', ')}); ${what(kind)} is never written beside it, as the two would mix their files and history\n  hint: ${hint}`;
}
