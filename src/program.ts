import { Command, Option } from 'commander';
import { COMMAND_INDEX } from './command-index.js';
import { edgecogVersion } from './version.js';

/** The command argv names (`edgecog [globals] NAME ...` or `edgecog help NAME`), if any. */
function namedCommand(argv: readonly string[]): string | undefined {
  const words = argv.slice(2).filter((a) => !a.startsWith('-'));
  return words[0] === 'help' ? words[1] : words[0];
}

/**
 * The commander root. Only the command argv names is loaded for real; the others are listed
 * from COMMAND_INDEX (name, arguments, description), which keeps `--help` fast. Command modules
 * must stay light too: heavy work is imported in actions.
 */
export async function createProgram(argv: readonly string[] = process.argv): Promise<Command> {
  const program = new Command('edgecog')
    .description('Package Cog models (cog.yaml + predict.py) as OCI images, run them locally, push them to any registry.')
    .version(edgecogVersion(), '--version', 'show the version of edgecog')
    .option('--debug', 'show debugging output (and stacks)')
    .option('--no-color', 'disable coloured output')
    .showSuggestionAfterError(true)
    .enablePositionalOptions()
    .exitOverride();
  program.addHelpText('after', '\nExamples:\n  $ edgecog init\n  $ edgecog run -i text=hello\n  $ edgecog exec python\n');
  const wanted = namedCommand(argv);
  const target = COMMAND_INDEX.find((e) => e.name === wanted);
  const register = target ? await target.load() : undefined;
  for (const entry of COMMAND_INDEX) {
    if (program.commands.some((c) => c.name() === entry.name)) continue; // run registers predict too
    if (register && entry.module === target?.module) {
      register(program);
      continue;
    }
    const stub = program.command(entry.name).description(entry.description);
    for (const arg of entry.args.split(' ').filter(Boolean)) stub.argument(arg);
    stub.action(() => {
      throw new Error(`the ${entry.name} command was listed but not loaded`);
    });
  }
  // Global flags work after the subcommand too (as cobra's persistent flags do); exec needs
  // positional options so that `exec python -c ...` passes -c through.
  for (const cmd of program.commands) {
    cmd.exitOverride();
    cmd.addOption(new Option('--debug').hideHelp());
    cmd.addOption(new Option('--no-color').hideHelp());
  }
  return program;
}
