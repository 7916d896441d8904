/**
 * The playground's HTTP server (node:http): the page, /api/* reverse-proxied to the model,
 * a webhook sink (/webhook/TOKEN) relayed to the page over SSE (/events?token=TOKEN), and
 * /config telling the page where it stands.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { UserError } from '../errors.js';
import { edgecogVersion } from '../version.js';
import { loadAssets, type Asset } from './assets.js';
import { proxyRequest } from './proxy.js';
import { MAX_WEBHOOK_BYTES, WebhookHub } from './webhook-hub.js';

export interface PlaygroundOptions {
  /** The model server the page talks to (already parsed, see parseTarget). */
  target: URL;
  /** Address to bind (default 127.0.0.1). */
  host?: string;
  /** Port (default 0: a free one). */
  port?: number;
  /** Hostname the model uses to reach our webhook sink (default: the bind host, loopback for 0.0.0.0). */
  webhookHost?: string;
  /** Where index.html and friends are (default templates/playground). */
  assetsDir?: string;
}

export interface PlaygroundServer {
  /** The page's URL, for a browser on this machine. */
  url: string;
  port: number;
  target: URL;
  /** Prefix of webhook URLs given to the model: WEBHOOK_BASE/webhook/TOKEN. */
  webhookBase: string;
  close(): Promise<void>;
}

const SECURITY_HEADERS: Record<string, string> = {
  // Same-origin everything; outputs may be data: URIs or the model's upload URLs.
  'content-security-policy':
    "default-src 'self'; connect-src 'self'; img-src 'self' data: blob: http: https:; media-src 'self' data: blob: http: https:; script-src 'self'; style-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
};

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const a = address.startsWith('::ffff:') ? address.slice(7) : address;
  return a === '::1' || /^127\./.test(a);
}

function hostPart(hostHeader: string): string {
  const m = /^\[([^\]]+)\](?::\d+)?$/.exec(hostHeader);
  if (m) return m[1]!;
  const i = hostHeader.lastIndexOf(':');
  return i >= 0 && hostHeader.indexOf(':') === i ? hostHeader.slice(0, i) : hostHeader;
}

/**
 * The page and the proxy answer only a browser on this machine, even when we listen on
 * 0.0.0.0 to receive webhooks from elsewhere: loopback peer, a loopback Host (no DNS
 * rebinding), and no cross-site request (another site's page cannot drive the model).
 */
function allowedLocally(req: IncomingMessage): boolean {
  if (!isLoopbackAddress(req.socket.remoteAddress)) return false;
  const host = hostPart(req.headers.host ?? '').toLowerCase();
  if (host !== 'localhost' && !isLoopbackAddress(host)) return false;
  if (String(req.headers['sec-fetch-site'] ?? '').toLowerCase() === 'cross-site') return false;
  const origin = req.headers.origin;
  if (origin && origin !== 'null') {
    try {
      if (new URL(origin).host.toLowerCase() !== String(req.headers.host ?? '').toLowerCase()) return false;
    } catch {
      return false;
    }
  }
  return true;
}

function send(res: ServerResponse, status: number, body: string | Buffer, type = 'application/json'): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
  res.end(body);
}

function readBody(req: IncomingMessage, limit: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        resolve(undefined);
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function urlHost(host: string): string {
  return isIP(host) === 6 ? `[${host}]` : host;
}

export async function startPlayground(options: PlaygroundOptions): Promise<PlaygroundServer> {
  const host = stripBrackets(options.host ?? '127.0.0.1');
  const assets: Map<string, Asset> = loadAssets(options.assetsDir);
  const hub = new WebhookHub();
  let webhookBase = '';
  const config = (): string =>
    JSON.stringify({ target: options.target.href.replace(/\/$/, ''), webhookBase, version: edgecogVersion() });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://playground.invalid');
    const path = url.pathname;
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);

    // Webhook deliveries come from the model, which may be elsewhere: the only open route.
    if (path.startsWith('/webhook/')) {
      const token = path.slice('/webhook/'.length);
      if (req.method !== 'POST') {
        res.setHeader('allow', 'POST');
        return send(res, 405, '{"detail":"Method Not Allowed"}');
      }
      if (!/^[A-Za-z0-9_-]{1,128}$/.test(token)) return send(res, 404, '{"detail":"Not Found"}');
      if (!hub.hasListeners(token)) return send(res, 503, '{"detail":"no page is listening for this webhook"}');
      const body = await readBody(req, MAX_WEBHOOK_BYTES);
      if (body === undefined) return send(res, 413, '{"detail":"webhook body too large"}');
      return hub.publish(token, body) ? send(res, 200, '{}') : send(res, 503, '{"detail":"no page is listening for this webhook"}');
    }
    if (!allowedLocally(req)) return send(res, 403, '{"detail":"the playground answers only a browser on this machine"}');

    if (path === '/api' || path.startsWith('/api/')) {
      proxyRequest(options.target, req, res, `${path.slice(4) || '/'}${url.search}`);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return send(res, 405, '{"detail":"Method Not Allowed"}');
    }
    if (path === '/config') return send(res, 200, config());
    if (path === '/events') {
      const token = url.searchParams.get('token') ?? '';
      if (!/^[A-Za-z0-9_-]{1,128}$/.test(token)) return send(res, 400, '{"detail":"missing or bad token"}');
      hub.subscribe(token, res);
      return;
    }
    const name = path === '/' ? 'index.html' : path.slice(1);
    const asset = /^[A-Za-z0-9._-]+$/.test(name) ? assets.get(name) : undefined;
    if (!asset) return send(res, 404, '{"detail":"Not Found"}');
    res.writeHead(200, { 'content-type': asset.type, 'content-length': asset.body.length, 'cache-control': 'no-cache' });
    res.end(req.method === 'HEAD' ? undefined : asset.body);
  };

  const server: Server = createServer({ noDelay: true }, (req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, JSON.stringify({ detail: `playground error: ${(err as Error).message}` }));
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') {
        reject(new UserError('E_PORT_IN_USE', `port ${options.port} on ${host} is already in use`, { hint: 'Pick another with -p PORT (0 picks a free one).' }));
      } else if (err.code === 'EADDRNOTAVAIL' || err.code === 'EACCES') {
        reject(new UserError('E_PLAYGROUND_LISTEN', `the playground cannot listen on ${host}:${options.port}: ${err.code}`, { hint: 'Check --host and -p.' }));
      } else reject(err);
    });
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const unspecified = host === '0.0.0.0' || host === '::' || host === '';
  const browserHost = unspecified ? (host === '::' ? '::1' : '127.0.0.1') : host;
  webhookBase = `http://${urlHost(stripBrackets(options.webhookHost ?? browserHost))}:${port}`;

  return {
    url: `http://${urlHost(browserHost)}:${port}/`,
    port,
    target: options.target,
    webhookBase,
    close: () =>
      new Promise<void>((resolve) => {
        hub.closeAll();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
