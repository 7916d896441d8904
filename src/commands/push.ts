import type { Command } from 'commander';
import { createContext } from '../context.js';
import { notImplemented } from '../errors.js';
import { addBuildOnlyOptions, addImageBuildOptions } from './shared-options.js';

export function registerPush(program: Command): void {
  const cmd = program
    .command('push')
    .argument('[image]', 'where to push, e.g. registry.example.com/team/model:tag (default: image: from cog.yaml)')
    .description('Build the image from cog.yaml and push it to an OCI registry')
    .option('--json', 'print {image, digest, layers} as JSON on stdout');
  addImageBuildOptions(cmd);
  addBuildOnlyOptions(cmd);
  cmd.addHelpText('after', '\nExamples:\n  $ edgecog push registry.example.com/team/my-model\n  $ edgecog push 127.0.0.1:5000/my-model:v2 --separate-weights\n');
  cmd.action(async (_image: string | undefined, _opts, command: Command) => {
    createContext(command);
    throw notImplemented('push', 'issue 5');
  });
}
