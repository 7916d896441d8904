import type { Command } from 'commander';
import { createContext } from '../context.js';
import { notImplemented } from '../errors.js';
import { addBuildOnlyOptions, addImageBuildOptions } from './shared-options.js';

export function registerBuild(program: Command): void {
  const cmd = program
    .command('build')
    .description('Build a Docker image from cog.yaml: dependencies, the Cog runtime and your model code')
    .option('-t, --tag <name>', "a name for the image, 'repository:tag' (default: image: from cog.yaml, else cog-<directory>)");
  addImageBuildOptions(cmd);
  addBuildOnlyOptions(cmd);
  cmd.addHelpText('after', '\nExamples:\n  $ edgecog build\n  $ edgecog build -t my-model:latest\n  $ edgecog build --separate-weights -t my-model:v1\n');
  cmd.action(async (_opts, command: Command) => {
    createContext(command);
    throw notImplemented('build', 'issue 4');
  });
}
