/**
 * `edgecog playground`: the page for a model server that is already running somewhere
 * (`edgecog serve`, `cog serve`, a container), until Ctrl-C. `serve --playground` calls
 * startPlayground directly.
 */
import type { CommandContext } from '../context.js';
import { UsageError } from '../errors.js';
import { PredictionClient } from '../prediction/client.js';
import { openBrowser } from './open-browser.js';
import { parseTarget } from './proxy.js';
import { startPlayground, type PlaygroundServer } from './server.js';

export { startPlayground, type PlaygroundOptions, type PlaygroundServer } from './server.js';
export { parseTarget } from './proxy.js';
export { openBrowser } from './open-browser.js';

/** Cog's default: the port `cog serve` (and `edgecog serve`) listens on. */
export const DEFAULT_TARGET = 'http://127.0.0.1:8393';

export interface RunPlaygroundOptions {
  target?: string;
  port: number;
  host: string;
  webhookHost?: string;
  open: boolean;
  /** Called with the page's URL once it is served (tests). */
  onListening?: (server: PlaygroundServer) => void;
  /** Resolves to stop the playground (tests); default: run until Ctrl-C. */
  until?: Promise<void>;
}

export function parsePlaygroundPort(value: string | number | undefined, flag: string): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`${flag} must be a port number (0-65535, 0 picks a free one), not "${value}"`);
  return n;
}

export async function runPlayground(ctx: CommandContext, options: RunPlaygroundOptions): Promise<number> {
  let target: URL;
  try {
    target = parseTarget(options.target ?? DEFAULT_TARGET);
  } catch (err) {
    throw new UsageError(`--target: ${(err as Error).message}`, 'e.g. --target http://127.0.0.1:8393');
  }
  const server = await startPlayground({ target, host: options.host, port: options.port, webhookHost: options.webhookHost });
  const unregister = ctx.onInterrupt(() => server.close());
  try {
    ctx.ui.info(`Playground at ${server.url} for the model at ${target.origin}${target.pathname.replace(/\/$/, '')}`);
    const client = new PredictionClient(target.href);
    const health = await client.health(1_500);
    await client.close();
    if (!health) ctx.ui.warn(`nothing answers at ${target.origin} yet; the page will keep trying (start the model with edgecog serve)`);
    ctx.ui.info('Press Ctrl-C to stop.');
    ctx.ui.result(server.url);
    options.onListening?.(server);
    if (options.open && !openBrowser(server.url, ctx.env)) ctx.ui.debug('no browser launcher (xdg-open/open) here; open the URL yourself');
    await (options.until ?? new Promise<void>(() => undefined));
    return 0;
  } finally {
    unregister();
    await server.close();
  }
}
