import type { Command } from 'commander';
import { createContext } from '../context.js';
import { notImplemented } from '../errors.js';

export function registerInit(program: Command): void {
  program
    .command('init')
    .description('Create cog.yaml, predict.py, requirements.txt and .dockerignore in the current directory')
    .action(async (_opts, command: Command) => {
      createContext(command);
      throw notImplemented('init', 'issue 2');
    });
}
