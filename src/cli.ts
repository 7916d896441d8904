/**
 * Entry point: argv in, exit code out. The only place that decides exit codes, prints
 * uncaught errors and handles signals.
 */
import { CommanderError } from 'commander';
import { isUserError } from './errors.js';
import { registeredInterruptHandlers } from './context.js';
import { createProgram } from './program.js';

function wantsDebug(argv: string[]): boolean {
  return argv.includes('--debug') || process.env.COG_DEBUG === '1';
}

function useColor(argv: string[]): boolean {
  return !argv.includes('--no-color') && !process.env.NO_COLOR && Boolean(process.stderr.isTTY);
}

export function formatError(err: unknown, argv: string[]): string {
  const color = useColor(argv);
  const red = (s: string) => (color ? `\u001b[31m${s}\u001b[0m` : s);
  if (isUserError(err)) {
    let text = `${red('error:')} ${err.message}\n`;
    if (err.details) text += `${err.details.replace(/\n?$/, '\n')}`;
    if (err.hint) text += `hint: ${err.hint}\n`;
    if (wantsDebug(argv) && err.stack) text += `${err.stack}\n`;
    return text;
  }
  const stack = err instanceof Error ? (err.stack ?? err.message) : String(err);
  return (
    `${red('error: edgecog hit an internal error. This is a bug; please report it with the text below.')}\n` +
    `${stack}\n`
  );
}

/** The `--json` form of a failure: `{"error": {"code", "message", "hint"?}}`. */
export function errorDocument(err: unknown): { error: { code: string; message: string; hint?: string } } {
  if (isUserError(err)) {
    return { error: { code: err.code, message: err.message, ...(err.hint ? { hint: err.hint } : {}) } };
  }
  return { error: { code: 'E_INTERNAL', message: err instanceof Error ? err.message : String(err) } };
}

let interrupted = false;

async function onSignal(signal: NodeJS.Signals): Promise<void> {
  if (interrupted) {
    process.exit(130);
  }
  interrupted = true;
  process.stderr.write(`\nInterrupted (${signal}), cleaning up...\n`);
  for (const cleanup of registeredInterruptHandlers()) {
    try {
      await cleanup();
    } catch {
      // best effort: the user asked to stop
    }
  }
  process.exit(130);
}

export async function main(argv: string[]): Promise<number> {
  // `edgecog ... | head` closes our stdout early: that is not an error worth a stack.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
  process.once('SIGINT', (s) => void onSignal(s));
  process.once('SIGTERM', (s) => void onSignal(s));
  const program = await createProgram(argv);
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
      return err.exitCode === 0 ? 0 : 2;
    }
    process.stderr.write(formatError(err, argv));
    // Under --json, scripts read stdout only: the failure is a JSON document there too.
    if (argv.includes('--json')) process.stdout.write(`${JSON.stringify(errorDocument(err))}\n`);
    if (isUserError(err)) return err.exitCode;
    return 1;
  }
}
