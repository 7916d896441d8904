/**
 * A stand-in model server for the playground tests, speaking the parts of Cog's protocol the
 * page uses: /health-check, /openapi.json (the fixture's real document from the runtime's
 * generator), PUT /predictions/{id} blocking, with `Prefer: respond-async` + webhooks, and
 * with `Accept: text/event-stream` (start/output/completed events), and cancel.
 * Used while the runtime's HTTP server has no SSE: say so in the test that uses it.
 */
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StandInRequest {
  id: string;
  body: { input?: Record<string, unknown>; webhook?: string; [k: string]: unknown };
  headers: IncomingMessage['headers'];
}

export interface StandInOptions {
  schema: Record<string, any>;
  /** The whole output for a request (blocking and async calls). */
  output: (input: Record<string, unknown>) => unknown;
  /** Streamed chunks; `waitBefore(i)` may hold chunk i back. */
  chunks?: (input: Record<string, unknown>) => string[];
  waitBefore?: (index: number) => Promise<void>;
}

export interface StandIn {
  url: string;
  requests: StandInRequest[];
  canceled: Set<string>;
  close: () => Promise<void>;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function postWebhook(url: string, body: unknown): Promise<void> {
  return new Promise((resolve) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => resolve());
    });
    req.on('error', () => resolve());
    req.end(JSON.stringify(body));
  });
}

export async function startStandIn(options: StandInOptions): Promise<StandIn> {
  const requests: StandInRequest[] = [];
  const canceled = new Set<string>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const path = req.url ?? '/';
        if (path === '/health-check') return json(res, 200, { status: 'READY', setup: {} });
        if (path === '/openapi.json') return json(res, 200, options.schema);
        const cancel = /^\/predictions\/([^/]+)\/cancel$/.exec(path);
        if (cancel && req.method === 'POST') {
          canceled.add(cancel[1]!);
          return json(res, 200, {});
        }
        const put = /^\/predictions\/([^/]+)$/.exec(path);
        if (!put || req.method !== 'PUT') return json(res, 404, { detail: 'Not Found' });
        const id = put[1]!;
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as StandInRequest['body'];
        requests.push({ id, body, headers: req.headers });
        const input = body.input ?? {};
        const base = { id, input, version: null, created_at: null, started_at: new Date().toISOString(), logs: '', error: null, metrics: null };
        if (String(req.headers.accept ?? '').includes('text/event-stream')) {
          res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
          res.flushHeaders();
          res.write(`event: start\ndata: ${JSON.stringify({ id, status: 'processing' })}\n\n`);
          const out: string[] = [];
          const all = options.chunks?.(input) ?? [];
          for (let i = 0; i < all.length; i++) {
            if (options.waitBefore) await Promise.race([options.waitBefore(i), new Promise<void>((r) => { const t = setInterval(() => canceled.has(id) && (clearInterval(t), r()), 20); })]);
            if (canceled.has(id)) break;
            out.push(all[i]!);
            res.write(`event: output\ndata: ${JSON.stringify({ chunk: all[i], index: i })}\n\n`);
          }
          const status = canceled.has(id) ? 'canceled' : 'succeeded';
          res.end(`event: completed\ndata: ${JSON.stringify({ ...base, status, output: out, completed_at: new Date().toISOString(), metrics: { predict_time: 0.01 } })}\n\n`);
          return;
        }
        const done = { ...base, status: 'succeeded', output: options.output(input), completed_at: new Date().toISOString(), metrics: { predict_time: 0.01 } };
        if (req.headers.prefer === 'respond-async' && body.webhook) {
          json(res, 202, { ...base, status: 'starting', output: null });
          await postWebhook(body.webhook, { ...base, status: 'processing', output: null });
          await postWebhook(body.webhook, done);
          return;
        }
        json(res, 200, done);
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    canceled,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
