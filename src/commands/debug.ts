import type { Command } from 'commander';
import { createContext } from '../context.js';
import { notImplemented } from '../errors.js';
import { addImageBuildOptions } from './shared-options.js';

export function registerDebug(program: Command): void {
  const cmd = program.command('debug').description('Print the Dockerfile edgecog generates for this project');
  addImageBuildOptions(cmd);
  cmd.option('--separate-weights', 'plan weights in their own layers').option('--image-name <name>', 'image name to plan for');
  cmd.action(async (_opts, command: Command) => {
    createContext(command);
    throw notImplemented('debug', 'issue 2');
  });
}
