import type { Command } from 'commander';
import { createUi, type Ui } from './ui/console.js';

/** What every command action gets: how to talk to the user, where it runs, global flags. */
export interface CommandContext {
  ui: Ui;
  cwd: string;
  debug: boolean;
  env: NodeJS.ProcessEnv;
  /** Set by cli.ts: cleanup callbacks run on Ctrl-C before exiting 130. */
  onInterrupt: (cleanup: () => Promise<void> | void) => () => void;
}

const interruptHandlers = new Set<() => Promise<void> | void>();

export function registeredInterruptHandlers(): Array<() => Promise<void> | void> {
  return [...interruptHandlers];
}

export function createContext(command: Command, options: { json?: boolean } = {}): CommandContext {
  const globals = command.optsWithGlobals() as { debug?: boolean; color?: boolean };
  const debug = Boolean(globals.debug) || process.env.COG_DEBUG === '1';
  const ui = createUi({ json: options.json, noColor: globals.color === false, debug });
  return {
    ui,
    cwd: process.cwd(),
    debug,
    env: process.env,
    onInterrupt: (cleanup) => {
      interruptHandlers.add(cleanup);
      return () => interruptHandlers.delete(cleanup);
    },
  };
}
