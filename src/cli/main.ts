/**
 * The command line: commander parses argv into typed options, each command's
 * engine is loaded with import() only when that command runs (so `--version`
 * and `--help` stay fast), and everything ends in an exit code.
 */
import { Argument, Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { GATE_VERSION } from '../model/version.js';
import { nearest } from '../util/suggest.js';
import { EXIT, type Io, type ProcessIo } from './io.js';


export interface RunOptions {
  workDir?: string;
  reportDir?: string;
  injectFail: string[];
  only: string[];
  skip: string[];
  jobs?: number;
  failFast: boolean;
  reporter: string[];
  json: boolean;
  quiet: boolean;
  verbose: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];
/** A comma-separated list; one that names nothing (`--only ''`) is refused rather than read as "no filter". */
const collectList = (value: string, previous: string[]) => {
  const ids = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (ids.length === 0) throw new InvalidArgumentError('expected at least one check id (comma-separated).');
  return [...previous, ...ids];
};
const positiveInt = (value: string) => {
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 1024) {
    throw new InvalidArgumentError('expected a whole number from 1 to 1024.');
  }
  return Number(value);
};

/**
 * A folder named on the command line. An empty name (`--report-dir ''`, or `"$DIR"` with DIR unset) is refused:
 * read as a path it is the current directory, which is never what was meant.
 */
const folder = (name: string, fallback = 'its default') => (value: string) => {
  if (value === '') throw new InvalidArgumentError(`${name} must not be empty: name a folder, or leave it out for ${fallback}.`);
  return value;
};

export const REPORTERS = ['pretty', 'json', 'junit', 'markdown', 'github'] as const;

/** A parser for an argument or option with a few allowed values; a near miss gets a suggestion. */
const oneOf =
  <T extends string>(choices: readonly T[]) =>
  (value: string): T => {
    if ((choices as readonly string[]).includes(value)) return value as T;
    const guess = nearest(value, choices);
    throw new InvalidArgumentError(`expected ${choices.join(' or ')}${guess === undefined ? '.' : `; did you mean "${guess}"?`}`);
  };
const collectReporter = (value: string, previous: string[]) => [...previous, oneOf(REPORTERS)(value)];

/**
 * Said when the current directory no longer exists. Exit 2, not 1: nothing ran, and what is wrong is where
 * gate was started, which the caller fixes as they fix a command line; gate itself is not failing at its job.
 */
export const CWD_GONE = 'gate: the current directory no longer exists; cd to a project and run again\n';

export async function main(io: ProcessIo): Promise<number> {
  // `gate --version` on its own is answered before the parser is built: scripts run it often,
  // and its output is exactly what the parser would print.
  if (io.argv.length === 1 && (io.argv[0] === '--version' || io.argv[0] === '-V')) {
    io.stdout.write(`${GATE_VERSION}\n`);
    return EXIT.go;
  }
  let exitCode: number = EXIT.go;
  /**
   * A command's action, for a command that finds or writes files relative to the current directory (every
   * one but `schema`; `--version` and `--help` need none either). Without that directory, nothing runs.
   */
  const inCwd =
    <A extends unknown[]>(command: (io: Io, ...args: A) => Promise<number>) =>
    async (...args: A) => {
      const { cwd } = io;
      if (cwd === undefined) {
        io.stderr.write(CWD_GONE);
        exitCode = EXIT.usage;
        return;
      }
      exitCode = await command({ ...io, cwd }, ...args);
    };
  const program = new Command()
    .name('gate')
    .description('Run a milestone closeout: checks as a dependency graph, evidence assertions, GO / NO-GO.')
    .version(GATE_VERSION, '-V, --version', 'print the version')
    .exitOverride()
    .showSuggestionAfterError(true)
    .showHelpAfterError('(run "gate --help" for usage)')
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      outputError: (s, write) => write(s.startsWith('error:') ? `gate:${s.slice('error:'.length)}` : s),
    });

  program
    .command('run')
    .description('run gates and write their closeout reports (exit 0 GO, 3 NO-GO, 2 usage or definition error)')
    .argument('[gates...]', 'gate ids (gates/<id>.json) or paths ending in .json; none: every gates/*.json')
    .option('--work-dir <dir>', 'scratch space for checks (default: <project>/data/state/<id>_closeout)', folder('--work-dir'))
    .option('--report-dir <dir>', 'where the report goes (default: <project>/reports/<id>_closeout)', folder('--report-dir'))
    .addOption(
      new Option('--inject-fail <id[:mode]>', 'run a check along its fail path (modes: declared, exit, timeout, bad-json, crash); repeatable')
        .argParser(collect)
        .default([], 'none'),
    )
    .addOption(new Option('--only <ids>', 'run only these checks (comma-separated; repeatable)').argParser(collectList).default([], 'every check'))
    .addOption(new Option('--skip <ids>', 'leave these checks out (comma-separated; repeatable)').argParser(collectList).default([], 'none'))
    .option('-j, --jobs <n>', 'checks run at once, 1 to 1024 (default: CPU count)', positiveInt)
    .option('--fail-fast', 'start no new check after the first required check that does not pass', false)
    // Its value stays [] when none is named (run-command reads that as pretty); the help says what that means.
    .addOption(new Option('--reporter <name>', `what to print on stdout: ${REPORTERS.join(', ')}; repeatable`).argParser(collectReporter).default([], 'pretty'))
    .option('--json', 'print the report JSON alone on stdout', false)
    .option('--quiet', 'no progress on stderr, and the summary (pretty) cut to its verdict line; any other reporter named with --reporter still prints in full', false)
    .option('--verbose', "also stream each check's output to stderr as it is written (secrets masked)", false)
    .addHelpText('after', '\nExamples:\n  gate run m28\n  gate run m28 --inject-fail M28-8\n  gate run gates/m28.json --only M28-1,M28-3 --json\n')
    .action(
      inCwd(async (io, gates: string[], opts: RunOptions) => {
        const { runCommand } = await import('./run-command.js');
        return runCommand(gates, opts, io);
      }),
    );

  program
    .command('validate')
    .description('load and check gate files; nothing runs (exit 0 valid, 2 not)')
    .argument('[gates...]', 'gate ids or paths; none: every gates/*.json')
    .option('--json', 'print the diagnostics as JSON', false)
    .addHelpText('after', '\nExamples:\n  gate validate\n  gate validate m28 --json\n')
    .action(
      inCwd(async (io, gates: string[], opts: { json: boolean }) => {
        const { validateCommand } = await import('./validate-command.js');
        return validateCommand(gates, opts, io);
      }),
    );

  const timeLimit = (value: string) => {
    if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 2147483647) {
      throw new InvalidArgumentError('expected milliseconds, a whole number from 1 to 2147483647.');
    }
    return Number(value);
  };
  program
    .command('drill')
    .description('inject every check in turn and prove each injection turns the gate red (exit 0 all caught, 3 an escape or an inconclusive round)')
    .argument('[gate]', 'gate id or path; may be left out when gates/ holds one gate')
    .addOption(new Option('--only <ids>', 'drill only these checks (comma-separated; repeatable)').argParser(collectList).default([], 'every check'))
    .addOption(
      new Option('--mode <mode>', "how each check is injected: declared (its own fail path), or a stand-in: exit, timeout, bad-json, crash")
        .argParser(oneOf(['declared', 'exit', 'timeout', 'bad-json', 'crash'] as const))
        .default('declared'),
    )
    .option('--timeout-ms <ms>', "with --mode timeout: the injected check's time limit in every round, instead of its timeoutMs", timeLimit)
    .option('-j, --jobs <n>', 'checks run at once within a round, 1 to 1024 (default: CPU count)', positiveInt)
    .option('--work-dir <dir>', 'scratch space for checks (default: <project>/data/state/<id>_drill)', folder('--work-dir'))
    .option('--report-dir <dir>', 'where drill.json, drill.md and rounds/<check>/ go (default: <project>/reports/<id>_drill)', folder('--report-dir'))
    .option('--json', 'print drill.json alone on stdout', false)
    .addHelpText(
      'after',
      '\nExamples:\n  gate drill m28\n  gate drill m28 --only M28-3,M28-4\n  gate drill m28 --mode crash --json\n  gate drill m28 --mode timeout --timeout-ms 2000\n',
    )
    .action(
      inCwd(async (io, gate: string | undefined, opts: import('./drill-command.js').DrillOptions) => {
        const { drillCommand } = await import('./drill-command.js');
        return drillCommand(gate, opts, io);
      }),
    );

  program
    .command('list')
    .description('show the checks of gates as a table (or JSON); nothing runs')
    .argument('[gates...]', 'gate ids or paths; none: every gates/*.json')
    .option('--json', 'print the checks as JSON', false)
    .addHelpText('after', '\nExamples:\n  gate list\n  gate list m28 --json\n')
    .action(
      inCwd(async (io, gates: string[], opts: { json: boolean }) => {
        const { listCommand } = await import('./list-command.js');
        return listCommand(gates, opts, io);
      }),
    );

  program
    .command('graph')
    .description('print a gate\'s dependency graph as Mermaid or DOT; nothing runs')
    .argument('[gate]', 'gate id or path; may be left out when gates/ holds one gate')
    .addOption(new Option('--format <format>', 'mermaid or dot').argParser(oneOf(['mermaid', 'dot'] as const)).default('mermaid'))
    .addHelpText('after', '\nExamples:\n  gate graph m28 > graph.mmd\n  gate graph m28 --format dot | dot -Tsvg > m28.svg\n')
    .action(
      inCwd(async (io, gate: string | undefined, opts: { format: 'mermaid' | 'dot' }) => {
        const { graphCommand } = await import('./graph-command.js');
        return graphCommand(gate, opts, io);
      }),
    );

  program
    .command('schema')
    .description('print the JSON Schema of the gate file (default) or of closeout.json (report)')
    .addArgument(new Argument('[kind]', 'gate (the gate file) or report (closeout.json)').argParser(oneOf(['gate', 'report'] as const)).default('gate'))
    .addHelpText('after', '\nExamples:\n  gate schema > gate.schema.json\n  gate schema report > closeout.schema.json\n')
    .action(async (kind: 'gate' | 'report') => {
      const { schemaCommand } = await import('./schema-command.js');
      exitCode = await schemaCommand(kind, io);
    });

  program
    .command('init')
    .description('scaffold an example gate that runs as written; never overwrites a file')
    .argument('[dir]', 'where to scaffold (default: the current directory)', folder('dir', 'the current directory'))
    .addHelpText('after', '\nExamples:\n  gate init\n  gate init my-project && cd my-project && gate run example\n')
    .action(
      inCwd(async (io, dir: string | undefined) => {
        const { initCommand } = await import('./init-command.js');
        return initCommand(dir, io);
      }),
    );

  program.addHelpText('after', '\nExamples:\n  gate init && gate run example\n  gate run m28\n  gate list m28\n  gate <command> --help\n');

  // A usage error of a command points to that command's help, where its options are.
  for (const command of program.commands) command.showHelpAfterError(`(run "gate ${command.name()} --help" for usage)`);

  if (io.argv.length === 0) {
    io.stderr.write(program.helpInformation());
    return EXIT.usage;
  }
  // `gate help <name>` for a command that does not exist: said as for `gate <name>`, not the whole help unexplained.
  const helpFor = io.argv[0] === 'help' ? io.argv[1] : undefined;
  const commands = [...program.commands.map((c) => c.name()), 'help'];
  // `gate help help`: the help there is (commander would print it as an error, exit 1).
  if (helpFor === 'help') {
    program.outputHelp();
    return EXIT.go;
  }
  if (helpFor !== undefined && !helpFor.startsWith('-') && !commands.includes(helpFor)) {
    const guess = nearest(helpFor, commands);
    io.stderr.write(`gate: unknown command '${helpFor}'${guess === undefined ? '' : `\n(Did you mean ${guess}?)`}\n(run "gate --help" for usage)\n`);
    return EXIT.usage;
  }
  try {
    await program.parseAsync(io.argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.exitCode === 0 ? EXIT.go : EXIT.usage;
    }
    throw error;
  }
}
