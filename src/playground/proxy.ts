/**
 * The reverse proxy: /api/PATH on the playground → TARGET/PATH on the model server, so the page
 * is same-origin with everything it calls and the model needs no CORS. Bodies are piped both
 * ways without buffering: an SSE prediction stream reaches the page chunk by chunk.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type ServerResponse, type OutgoingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

// Kept-alive connections to the model: the page polls health and loads the schema often.
const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 32 });
const httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 32 });

// Hop-by-hop headers (RFC 9110 §7.6.1) and what would leak the page's identity to the model.
const DROP_REQUEST = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'host', 'cookie', 'origin', 'referer']);
const DROP_RESPONSE = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'set-cookie']);

export interface ProxyTarget {
  url: URL;
}

/** Parses --target; a bare host:port gets http://. Throws a plain Error with the reason. */
export function parseTarget(value: string): URL {
  const text = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`"${value}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`"${value}" must be an http:// or https:// URL`);
  if (url.search || url.hash) throw new Error(`"${value}" must not have a query or fragment`);
  return url;
}

function jsonError(res: ServerResponse, status: number, detail: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ detail });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** Forwards REQ (whose url starts with /api) to TARGET and pipes the answer back. */
export function proxyRequest(target: URL, req: IncomingMessage, res: ServerResponse, upstreamPath: string): void {
  const headers: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || DROP_REQUEST.has(name)) continue;
    headers[name] = value;
  }
  const base = target.pathname.replace(/\/+$/, '');
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  const upstream = send({
    agent: target.protocol === 'https:' ? httpsAgent : httpAgent,
    protocol: target.protocol,
    hostname: target.hostname.replace(/^\[|\]$/g, ''),
    port: target.port || (target.protocol === 'https:' ? 443 : 80),
    method: req.method,
    path: `${base}${upstreamPath}`,
    headers: { ...headers, host: target.host },
  });
  upstream.setNoDelay(true);
  upstream.on('response', (answer) => {
    const out: OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(answer.headers)) {
      if (value === undefined || DROP_RESPONSE.has(name)) continue;
      out[name] = value;
    }
    const streaming = String(answer.headers['content-type'] ?? '').startsWith('text/event-stream');
    if (streaming) out['cache-control'] = 'no-cache, no-transform';
    res.writeHead(answer.statusCode ?? 502, answer.statusMessage, out);
    if (streaming) res.flushHeaders();
    answer.pipe(res);
    answer.on('error', () => res.destroy());
  });
  upstream.on('error', (err: NodeJS.ErrnoException) => {
    const why = err.code === 'ECONNREFUSED' ? `nothing listens at ${target.origin}` : err.message;
    jsonError(res, 502, `the playground could not reach the model server: ${why}`);
  });
  // The page went away (navigated, or cancelled a stream): stop the upstream call too, so the
  // model server sees the disconnect as it would from a direct client.
  res.on('close', () => {
    if (!res.writableFinished) upstream.destroy();
  });
  req.pipe(upstream);
}
