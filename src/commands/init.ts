import type { Command } from 'commander';
import { createContext } from '../context.js';
import { fileURLToPath } from 'node:url';
import { UserError } from '../errors.js';

/** Template file (in templates/init) → the name written in the project. */
export const INIT_FILES: ReadonlyArray<readonly [template: string, target: string]> = [
  ['cog.yaml', 'cog.yaml'],
  ['predict.py', 'predict.py'],
  ['requirements.txt', 'requirements.txt'],
  // Stored without the dot so npm packs it and it never acts on the templates dir itself.
  ['dockerignore', '.dockerignore'],
];

/** templates/init, from src/commands or dist/commands alike. */
export function initTemplateDir(): string {
  return fileURLToPath(new URL('../../templates/init/', import.meta.url));
}

/**
 * Writes the starter files into `dir`. Refuses (and writes nothing) when any of them exists.
 * Returns the names written.
 */
export async function initProject(dir: string, templateDir = initTemplateDir()): Promise<string[]> {
  const { existsSync, readFileSync, writeFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const existing = INIT_FILES.map(([, target]) => target).filter((target) => existsSync(join(dir, target)));
  if (existing.length > 0) {
    throw new UserError('E_INIT_EXISTS', `not overwriting what is already here: ${existing.join(', ')}`, {
      hint: `Move ${existing.length === 1 ? 'it' : 'them'} aside, or run edgecog init in an empty directory.`,
    });
  }
  const contents = INIT_FILES.map(([template, target]) => [target, readFileSync(join(templateDir, template))] as const);
  const written: string[] = [];
  for (const [target, data] of contents) {
    // 'wx' fails instead of clobbering a file created since the check above.
    writeFileSync(join(dir, target), data, { flag: 'wx', mode: 0o644 });
    written.push(target);
  }
  return written;
}

export function registerInit(program: Command): void {
  program
    .command('init')
    .description('Create cog.yaml, predict.py, requirements.txt and .dockerignore in the current directory')
    .addHelpText('after', '\nExamples:\n  $ mkdir my-model && cd my-model && edgecog init\n')
    .action(async (_opts, command: Command) => {
      const ctx = createContext(command);
      const written = await initProject(ctx.cwd);
      for (const name of written) ctx.ui.success(`Created ${name}`);
      ctx.ui.info('Next: edit predict.py and cog.yaml, then try `edgecog run -i text=hello`.');
    });
}
