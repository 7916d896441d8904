import type { Command } from 'commander';
import { createContext } from '../context.js';
import { buildFlagsFrom, type PredictFlags } from './run.js';
import { addImageBuildOptions, collect } from './shared-options.js';

interface ExecFlags extends PredictFlags {
  publish?: string[];
}

export function registerExec(program: Command): void {
  const cmd = program
    .command('exec')
    .argument('<command...>', 'the command and its arguments')
    .description("Run a command inside the model's environment, with the project mounted")
    .passThroughOptions();
  addImageBuildOptions(cmd);
  cmd
    .option('-e, --env <name=value>', 'environment variable (repeatable)', collect)
    .option('-p, --publish <port>', "publish a container port, e.g. -p 8888 or -p 0.0.0.0:8888 (repeatable)", collect)
    .option('--gpus <spec>', 'GPU devices for the container, as docker run --gpus');
  cmd.addHelpText('after', '\nExamples:\n  $ edgecog exec python\n  $ edgecog exec -e TOKEN=abc python download.py\n  $ edgecog exec -p 8888 jupyter notebook\n');
  cmd.action(async (argv: string[], opts: ExecFlags, command: Command) => {
    const ctx = createContext(command);
    const { execInModel } = await import('../workflows/exec.js');
    const code = await execInModel(ctx, {
      command: argv,
      build: buildFlagsFrom(opts),
      env: opts.env,
      publish: opts.publish,
      gpus: opts.gpus,
    });
    if (code !== 0) process.exitCode = code;
  });
}
