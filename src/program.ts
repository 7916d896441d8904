import { Command, Option } from 'commander';
import { registerBuild } from './commands/build.js';
import { registerDebug } from './commands/debug.js';
import { registerDoctor } from './commands/doctor.js';
import { registerExec } from './commands/exec.js';
import { registerInit } from './commands/init.js';
import { registerLogin } from './commands/login.js';
import { registerPlayground } from './commands/playground.js';
import { registerPush } from './commands/push.js';
import { registerRun } from './commands/run.js';
import { registerServe } from './commands/serve.js';
import { registerTrain } from './commands/train.js';
import { edgecogVersion } from './version.js';

/** The commander root. Command modules must stay light: heavy work is imported in actions. */
export function createProgram(): Command {
  const program = new Command('edgecog')
    .description('Package Cog models (cog.yaml + predict.py) as OCI images, run them locally, push them to any registry.')
    .version(edgecogVersion(), '--version', 'show the version of edgecog')
    .option('--debug', 'show debugging output (and stacks)')
    .option('--no-color', 'disable coloured output')
    .showSuggestionAfterError(true)
    .enablePositionalOptions()
    .exitOverride();
  program.addHelpText('after', '\nExamples:\n  $ edgecog init\n  $ edgecog run -i text=hello\n  $ edgecog exec python\n');
  registerBuild(program);
  registerRun(program);
  registerExec(program);
  registerServe(program);
  registerTrain(program);
  registerPush(program);
  registerLogin(program);
  registerInit(program);
  registerPlayground(program);
  registerDebug(program);
  registerDoctor(program);
  // Global flags work after the subcommand too (as cobra's persistent flags do); exec needs
  // positional options so that `exec python -c ...` passes -c through.
  for (const cmd of program.commands) {
    cmd.exitOverride();
    cmd.addOption(new Option('--debug').hideHelp());
    cmd.addOption(new Option('--no-color').hideHelp());
  }
  return program;
}
