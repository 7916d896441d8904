import type { Command } from 'commander';
import { createContext } from '../context.js';
import { notImplemented } from '../errors.js';

export function registerLogin(program: Command): void {
  program
    .command('login')
    .argument('[registry]', 'registry host (default: COG_REGISTRY_HOST or r8.im)')
    .description('Log in to a container registry; credentials are stored the way docker stores them')
    .option('-u, --username <name>', 'user name (prompted for when absent)')
    .option('--password-stdin', 'read the password from stdin')
    .option('--token-stdin', 'read a token from stdin')
    .action(async (_registry: string | undefined, _opts, command: Command) => {
      createContext(command);
      throw notImplemented('login', 'issue 5');
    });
}
