import type { Command } from 'commander';
import { createContext } from '../context.js';
import { buildFlagsFrom, type PredictFlags } from './run.js';
import { addImageBuildOptions, collect } from './shared-options.js';

interface ServeFlags extends PredictFlags {
  port: string;
  host: string;
  uploadUrl?: string;
  playground?: boolean;
  playgroundPort?: string;
}

export function registerServe(program: Command): void {
  const cmd = program
    .command('serve')
    .argument('[image]', 'a built image to serve (default: build the project in this directory)')
    .description("Serve the model's HTTP API (Cog's prediction protocol) until Ctrl-C");
  addImageBuildOptions(cmd);
  cmd
    .option('-p, --port <port>', 'port to listen on', '8393')
    .option('--host <ip>', 'host IP to publish on (0.0.0.0 for other machines)', '127.0.0.1')
    .option('--upload-url <url>', 'upload URL for file outputs')
    .option('-e, --env <name=value>', 'environment variable for the container (repeatable)', collect)
    .option('--gpus <spec>', 'GPU devices for the container, as docker run --gpus')
    .option('--playground', 'start the playground alongside the model')
    .option('--playground-port <port>', 'port for the playground (0 picks a free one)', '9000')
    .option('--no-docker', "serve from the host's python3 instead of a container");
  cmd.addHelpText('after', '\nExamples:\n  $ edgecog serve -p 5000\n  $ curl -X POST localhost:5000/predictions -H "Content-Type: application/json" -d \'{"input": {}}\'\n');
  cmd.action(async (image: string | undefined, opts: ServeFlags, command: Command) => {
    const ctx = createContext(command);
    const { serveModel, parsePort } = await import('../workflows/serve.js');
    const parsePlaygroundPort = (value: string | undefined): number => (value === '0' ? 0 : parsePort(value, '--playground-port'));
    const code = await serveModel(ctx, {
      image,
      noDocker: opts.docker === false,
      build: buildFlagsFrom(opts),
      port: parsePort(opts.port, '--port'),
      host: opts.host,
      uploadUrl: opts.uploadUrl,
      env: opts.env,
      gpus: opts.gpus,
      playground: opts.playground ? { port: parsePlaygroundPort(opts.playgroundPort) } : undefined,
    });
    if (code !== 0) process.exitCode = code;
  });
}
