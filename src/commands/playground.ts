import type { Command } from 'commander';
import { createContext } from '../context.js';

interface PlaygroundFlags {
  target?: string;
  port: string;
  host: string;
  webhookHost?: string;
  open: boolean;
}

export function registerPlayground(program: Command): void {
  const cmd = program
    .command('playground')
    .description("Open a browser playground for a running model: a form generated from its schema, outputs shown as what they are")
    .option('--target <url>', 'the model server to talk to (default http://127.0.0.1:8393, where edgecog serve listens)')
    .option('-p, --port <port>', 'port to listen on (0 picks a free one)', '0')
    .option('--host <ip>', 'address to bind (0.0.0.0 to receive webhooks from other machines)', '127.0.0.1')
    .option('--webhook-host <host>', 'host name the model uses to reach this playground for webhooks (default: the bind address)')
    .option('--no-open', 'do not open a browser');
  cmd.addHelpText('after', '\nExamples:\n  $ edgecog serve -p 8393 &\n  $ edgecog playground --target http://127.0.0.1:8393\n  $ edgecog serve --playground\n');
  cmd.action(async (opts: PlaygroundFlags, command: Command) => {
    const ctx = createContext(command);
    const { runPlayground, parsePlaygroundPort } = await import('../playground/index.js');
    const code = await runPlayground(ctx, {
      target: opts.target,
      port: parsePlaygroundPort(opts.port, '--port'),
      host: opts.host,
      webhookHost: opts.webhookHost,
      open: opts.open,
    });
    if (code !== 0) process.exitCode = code;
  });
}
