/**
 * The command line: commander parses argv into typed options, each command's
 * engine is loaded with import() only when that command runs (so `--version`
 * and `--help` stay fast), and everything ends in an exit code.
 */
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { GATE_VERSION } from '../model/version.js';
import { EXIT, type Io } from './io.js';


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
}

const collect = (value: string, previous: string[]) => [...previous, value];
const collectList = (value: string, previous: string[]) => [
  ...previous,
  ...value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
];
const positiveInt = (value: string) => {
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 1024) {
    throw new InvalidArgumentError('expected a whole number from 1 to 1024.');
  }
  return Number(value);
};

export const REPORTERS = ['pretty', 'json', 'junit', 'markdown'] as const;
const collectReporter = (value: string, previous: string[]) => {
  if (!(REPORTERS as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`expected one of ${REPORTERS.join(', ')}.`);
  }
  return [...previous, value];
};

export async function main(io: Io): Promise<number> {
  let exitCode: number = EXIT.go;
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
      outputError: (s, write) => write(s.startsWith('error:') ? `gate ${s}` : s),
    });

  program
    .command('run')
    .description('run gates and write their closeout reports (exit 0 GO, 3 NO-GO, 2 usage or definition error)')
    .argument('[gates...]', 'gate ids (gates/<id>.json) or paths ending in .json; none: every gates/*.json')
    .option('--work-dir <dir>', 'scratch space for checks (default: <project>/data/state/<id>_closeout)')
    .option('--report-dir <dir>', 'where the report goes (default: <project>/reports/<id>_closeout)')
    .option('--inject-fail <id[:mode]>', 'run a check along its fail path (modes: declared, exit, timeout, bad-json, crash); repeatable', collect, [])
    .option('--only <ids>', 'run only these checks (comma-separated; repeatable)', collectList, [])
    .option('--skip <ids>', 'leave these checks out (comma-separated; repeatable)', collectList, [])
    .option('-j, --jobs <n>', 'checks run at once (default: CPU count)', positiveInt)
    .option('--fail-fast', 'start no new check after the first required check that does not pass', false)
    .option('--reporter <name>', `what to print on stdout: ${REPORTERS.join(', ')}; repeatable`, collectReporter, [])
    .option('--json', 'print the report JSON alone on stdout', false)
    .option('--quiet', 'print only the verdict line', false)
    .addHelpText('after', '\nExamples:\n  gate run m28\n  gate run m28 --inject-fail M28-8\n  gate run gates/m28.json --only M28-1,M28-3 --json\n')
    .action(async (gates: string[], opts: RunOptions) => {
      const { runCommand } = await import('./run-command.js');
      exitCode = await runCommand(gates, opts, io);
    });

  program
    .command('validate')
    .description('load and check gate files; nothing runs (exit 0 valid, 2 not)')
    .argument('[gates...]', 'gate ids or paths; none: every gates/*.json')
    .option('--json', 'print the diagnostics as JSON', false)
    .addHelpText('after', '\nExamples:\n  gate validate\n  gate validate m28 --json\n')
    .action(async (gates: string[], opts: { json: boolean }) => {
      const { validateCommand } = await import('./validate-command.js');
      exitCode = await validateCommand(gates, opts, io);
    });

  if (io.argv.length === 0) {
    io.stderr.write(program.helpInformation());
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
