import type { Command } from 'commander';
import { createContext } from '../context.js';
import { notImplemented } from '../errors.js';
import { addImageBuildOptions, collect } from './shared-options.js';

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
    .option('-w, --weights <path>', 'where to write the trained weights')
    .option('-e, --env <name=value>', 'environment variable (repeatable)', collect)
    .option('--gpus <spec>', 'GPU devices for the container, as docker run --gpus');
  cmd.action(async (_image: string | undefined, _opts, command: Command) => {
    createContext(command);
    throw notImplemented('train', 'issue 4');
  });
}
