import type { Command } from 'commander';
import { createContext } from '../context.js';
import { notImplemented } from '../errors.js';
import { addImageBuildOptions, collect } from './shared-options.js';

function addPredictOptions(cmd: Command): Command {
  addImageBuildOptions(cmd);
  return cmd
    .option('-i, --input <name=value>', 'an input, name=value; a value starting with @ is read from that file (repeatable)', collect)
    .option('--json <source>', 'inputs as a JSON object, from a file (@inputs.json) or stdin (@-)')
    .option('-o, --output <path>', 'where to write the output')
    .option('-e, --env <name=value>', 'environment variable for the container (repeatable)', collect)
    .option('--gpus <spec>', "GPU devices for the container, as docker run --gpus ('all', '1', 'device=0')")
    .option('--setup-timeout <seconds>', 'how long to wait for setup() (default 300, env COG_SETUP_TIMEOUT)')
    .option('--use-replicate-token', 'pass REPLICATE_API_TOKEN from the environment into the model')
    .option('--no-docker', "run on the host's python3 instead of in a container");
}

export function registerRun(program: Command): void {
  const run = program
    .command('run')
    .argument('[image]', 'a built image to run (default: build the project in this directory)')
    .argument('[args...]')
    .description('Run a prediction: build (or use IMAGE), start it, send inputs, write outputs');
  addPredictOptions(run);
  run.addHelpText(
    'after',
    '\nExamples:\n  $ edgecog run -i prompt="a photo of a cat"\n  $ edgecog run -i image=@photo.jpg -o output.png\n  $ edgecog run my-model:latest -i text=hello\n  $ echo \'{"prompt": "a cat"}\' | edgecog run --json @-\n',
  );
  run.action(async (_image: string | undefined, _args: string[], _opts, command: Command) => {
    createContext(command);
    throw notImplemented('run', 'issue 4');
  });

  const predict = program
    .command('predict')
    .argument('[image]', 'a built image to run')
    .description('Deprecated: use "edgecog run"');
  addPredictOptions(predict);
  predict.action(async (_image: string | undefined, _opts, command: Command) => {
    createContext(command);
    throw notImplemented('predict', 'issue 4');
  });
}
