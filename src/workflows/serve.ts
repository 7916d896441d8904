/**
 * `serve`: the model's HTTP API on --host:-p until Ctrl-C. The server itself binds to that
 * address (containers share the host network, so binding is publishing).
 */
import type { CommandContext } from '../context.js';
import { UsageError, UserError } from '../errors.js';
import { PredictionClient } from '../prediction/client.js';
import { checkPortFree } from '../prediction/free-port.js';
import type { ModelServer } from '../prediction/model-server.js';
import type { PlaygroundServer } from '../playground/server.js';
import { startModelServer, type ImageBuildFlags } from './model-server-start.js';

export interface ServeOptions {
  image?: string;
  noDocker?: boolean;
  build: ImageBuildFlags;
  port: number;
  host: string;
  uploadUrl?: string;
  env?: string[];
  gpus?: string;
  /** Called once the server answers (tests use it to know the URL). */
  onListening?: (url: string) => void;
  /** --playground: the browser playground alongside the model, on this port (0: a free one). */
  playground?: { port: number };
}

export function parsePort(value: string | number | undefined, flag: string): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new UsageError(`${flag} must be a port number (1-65535), not "${value}"`);
  return n;
}

function displayUrl(host: string, port: number): string {
  if (host === '0.0.0.0') return `http://0.0.0.0:${port} (http://localhost:${port})`;
  const shown = host === '127.0.0.1' || host === '::1' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return `http://${shown}:${port}`;
}

export async function serveModel(ctx: CommandContext, options: ServeOptions): Promise<number> {
  if (!(await checkPortFree(options.port, options.host))) {
    throw new UserError('E_PORT_IN_USE', `port ${options.port} on ${options.host} is already in use`, { hint: 'Pick another with -p PORT.' });
  }
  let server: ModelServer | undefined;
  let playground: PlaygroundServer | undefined;
  const stop = async (): Promise<void> => {
    await playground?.close();
    await server?.stop();
  };
  const unregister = ctx.onInterrupt(stop);
  try {
    // The playground binds first, so a taken port fails before any build or container work.
    if (options.playground) playground = await startServePlayground(options);
    const started = await startModelServer(ctx, {
      mode: 'predict',
      role: 'serve',
      image: options.image,
      noDocker: options.noDocker,
      build: options.build,
      env: options.env,
      gpus: options.gpus,
      port: options.port,
      host: options.host,
      uploadUrl: options.uploadUrl,
      awaitExplicitShutdown: true,
    });
    server = started.server;
    const client = new PredictionClient(server.baseUrl);
    // Announce once the port answers at all (setup may still be running, as with Cog).
    try {
      for (;;) {
        if (await client.health()) break;
        const state = await server.isAlive();
        if (!state.alive) {
          const output = (await server.recentOutput()).trimEnd();
          throw new UserError('E_SERVER_EXITED', `the model server exited${state.exitCode !== undefined ? ` with code ${state.exitCode}` : ''} before it started listening`, {
            details: output ? `server output:\n${output}` : undefined,
          });
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await client.close();
    }
    const url = displayUrl(options.host, options.port);
    ctx.ui.info(`Serving at ${url}`);
    if (playground) ctx.ui.info(`Playground at ${playground.url}`);
    ctx.ui.info('Press Ctrl-C to stop.');
    options.onListening?.(`http://${options.host === '0.0.0.0' ? '127.0.0.1' : options.host}:${options.port}`);
    const code = await server.waitForExit();
    if (code === 0) {
      ctx.ui.info('The model server shut down.');
      return 0;
    }
    throw new UserError('E_SERVER_EXITED', `the model server stopped${code !== undefined ? ` (exit code ${code})` : ''}`);
  } finally {
    unregister();
    await stop();
  }
}

/** `serve --playground`: the playground on the model's host, proxying to the model's port. */
async function startServePlayground(options: ServeOptions): Promise<PlaygroundServer> {
  const port = options.playground!.port;
  const wildcard = options.host === '0.0.0.0' || options.host === '::';
  if (port === options.port) {
    throw new UsageError(`--playground-port ${port} must differ from the model's port ${options.port}`);
  }
  const { startPlayground } = await import('../playground/server.js');
  const modelHost = wildcard ? '127.0.0.1' : options.host;
  const target = new URL(`http://${modelHost.includes(':') ? `[${modelHost}]` : modelHost}:${options.port}`);
  // Model containers share the host network, so the model reaches our webhook sink on
  // loopback as well as the page does.
  const playground = await startPlayground({ target, host: options.host, port }).catch((err: unknown) => {
    if (err instanceof UserError && err.code === 'E_PORT_IN_USE') {
      throw new UserError('E_PORT_IN_USE', `the playground's port ${port} on ${options.host} is already in use`, { hint: 'Pick another with --playground-port PORT (0 picks a free one).' });
    }
    throw err;
  });
  if (playground.port === options.port) {
    await playground.close();
    throw new UsageError(`the playground took the model's port ${options.port}; pick --playground-port`);
  }
  return playground;
}
