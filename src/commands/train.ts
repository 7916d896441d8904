import type { Command } from 'commander';
import { createContext } from '../context.js';
import { buildFlagsFrom, type PredictFlags } from './run.js';
import { addImageBuildOptions, collect } from './shared-options.js';

interface TrainFlags extends PredictFlags {
  weights?: string;
}

export function registerTrain(program: Command): void {
  const cmd = program
    .command('train')
    .argument('[image]', 'a built image to train with')
    .description("Run a training through the model's train: interface");
  addImageBuildOptions(cmd);
  cmd
    .option('-i, --input <name=value>', 'an input; @file reads a file (repeatable)', collect)
    .option('--json <source>', 'inputs as a JSON object, from @file or @-')
    .option('-o, --output <path>', 'where to write the output')
    .option('-w, --weights <path>', 'where to write the trained weights (default: weights)')
    .option('-e, --env <name=value>', 'environment variable (repeatable)', collect)
    .option('--gpus <spec>', 'GPU devices for the container, as docker run --gpus')
    .option('--setup-timeout <seconds>', 'how long to wait for setup() (default 300, env COG_SETUP_TIMEOUT)')
    .option('--no-docker', "train on the host's python3 instead of in a container");
  cmd.addHelpText('after', '\nExamples:\n  $ edgecog train -i steps=100 -w weights.tar\n  $ edgecog train my-model:latest -i data=@train.jsonl\n');
  cmd.action(async (image: string | undefined, opts: TrainFlags, command: Command) => {
    const ctx = createContext(command, { json: opts.json !== undefined });
    const { runTraining } = await import('../workflows/train.js');
    const { setupTimeoutSeconds } = await import('../workflows/run-prediction.js');
    const code = await runTraining(ctx, {
      image,
      noDocker: opts.docker === false,
      build: buildFlagsFrom(opts),
      env: opts.env,
      gpus: opts.gpus,
      inputFlags: opts.input ?? [],
      jsonInput: opts.json,
      outputPath: opts.output,
      weightsPath: opts.weights,
      setupTimeoutSeconds: setupTimeoutSeconds(opts.setupTimeout, ctx.env),
    });
    if (code !== 0) process.exitCode = code;
  });
}
