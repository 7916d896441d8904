import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { COMMAND_INDEX } from '../../src/command-index.js';
import { createProgram } from '../../src/program.js';

function argsOf(cmd: Command): string {
  return cmd.registeredArguments.map((a) => (a.required ? `<${a.name()}${a.variadic ? '...' : ''}>` : `[${a.name()}${a.variadic ? '...' : ''}]`)).join(' ');
}

describe('the command index behind --help', () => {
  it.each(COMMAND_INDEX.map((e) => [e.name, e] as const))('lists %s as its module registers it', async (_name, entry) => {
    const root = new Command('edgecog').enablePositionalOptions();
    (await entry.load())(root);
    const real = root.commands.find((c) => c.name() === entry.name);
    expect(real, `${entry.module}.ts registers ${entry.name}`).toBeDefined();
    expect(argsOf(real!)).toBe(entry.args);
    expect(real!.description()).toBe(entry.description);
  });

  it('loads the named command for real and lists the others in the same order', async () => {
    const full = await createProgram(['node', 'edgecog', 'run', '--help']);
    expect(full.commands.map((c) => c.name())).toEqual(COMMAND_INDEX.map((e) => e.name));
    const run = full.commands.find((c) => c.name() === 'run')!;
    expect(run.options.some((o) => o.long === '--input')).toBe(true);
    const build = full.commands.find((c) => c.name() === 'build')!;
    expect(build.options.some((o) => o.long === '--tag')).toBe(false);
  });

  it('loads the command named after help', async () => {
    const program = await createProgram(['node', 'edgecog', '--debug', 'help', 'push']);
    expect(program.commands.find((c) => c.name() === 'push')!.options.some((o) => o.long === '--json')).toBe(true);
  });
});
