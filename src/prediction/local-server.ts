/**
 * A small HTTP server on 127.0.0.1 that the model server calls back: it receives webhooks
 * (so iterator outputs and logs can be shown as they arrive, since a blocking call only
 * answers at the end) and serves big input files (so they need not travel as data URIs).
 * Model containers share the host's network, so 127.0.0.1 here is 127.0.0.1 there.
 */
import { createReadStream, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { basename } from 'node:path';
import type { PredictionResponse } from './client.js';

export interface LocalServer {
  /** URL to give as `webhook` in a prediction request. */
  webhookUrl: string;
  /** Makes a file downloadable once per prediction; returns its URL. */
  serveFile(path: string, contentType?: string): string;
  close(): Promise<void>;
}

const MAX_WEBHOOK_BYTES = 512 * 1024 * 1024;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_WEBHOOK_BYTES) {
        reject(new Error('webhook body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function startLocalServer(onWebhook: (prediction: PredictionResponse) => void): Promise<LocalServer> {
  const token = randomBytes(12).toString('hex');
  const files = new Map<string, { path: string; contentType: string }>();

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const parts = url.pathname.split('/').filter(Boolean);
    if (parts[1] !== token) {
      res.writeHead(404).end();
      return;
    }
    if (parts[0] === 'webhook' && req.method === 'POST') {
      try {
        const body = JSON.parse(await readBody(req)) as PredictionResponse;
        onWebhook(body);
      } catch {
        // a malformed event is ignored; the blocking response still carries the result
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      return;
    }
    if (parts[0] === 'files' && (req.method === 'GET' || req.method === 'HEAD') && parts[2]) {
      const entry = files.get(parts[2]);
      if (!entry) {
        res.writeHead(404).end();
        return;
      }
      let size: number;
      try {
        size = statSync(entry.path).size;
      } catch {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': entry.contentType, 'content-length': String(size) });
      if (req.method === 'HEAD') {
        res.end();
        return;
      }
      createReadStream(entry.path).on('error', () => res.destroy()).pipe(res);
      return;
    }
    res.writeHead(404).end();
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const base = `http://127.0.0.1:${port}`;
  let counter = 0;
  return {
    webhookUrl: `${base}/webhook/${token}`,
    serveFile(path: string, contentType = 'application/octet-stream'): string {
      const key = `${counter++}`;
      files.set(key, { path, contentType });
      // The runtime names the downloaded file after the URL's last segment: keep the real name.
      return `${base}/files/${token}/${key}/${encodeURIComponent(basename(path))}`;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
