import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PredictionClient, ServerResponseError } from '../../src/prediction/client.js';
import { startLocalServer } from '../../src/prediction/local-server.js';
import { validationError } from '../../src/prediction/validation.js';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function fakeServer(handler: Handler): Promise<string> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => handler(req, res, body));
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const address = server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}

function json(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
}

describe('PredictionClient.waitUntilReady', () => {
  it('waits through STARTING (HTTP 200) until the body says READY', async () => {
    let calls = 0;
    const url = await fakeServer((req, res) => {
      calls++;
      json(res, 200, { status: calls < 3 ? 'STARTING' : 'READY', setup: {} });
    });
    const seen: string[] = [];
    const outcome = await new PredictionClient(url).waitUntilReady({ timeoutMs: 5_000, intervalMs: 5, onStatus: (s) => seen.push(s) });
    expect(outcome.kind).toBe('ready');
    expect(seen).toEqual(['STARTING', 'READY']);
  });

  it('reports SETUP_FAILED with the setup logs', async () => {
    const url = await fakeServer((_req, res) => json(res, 200, { status: 'SETUP_FAILED', setup: { status: 'failed', logs: 'Traceback: boom' } }));
    const outcome = await new PredictionClient(url).waitUntilReady({ timeoutMs: 5_000, intervalMs: 5 });
    expect(outcome).toMatchObject({ kind: 'setup-failed', health: { setup: { logs: 'Traceback: boom' } } });
  });

  it('stops waiting when the server process is gone', async () => {
    const client = new PredictionClient('http://127.0.0.1:1');
    const outcome = await client.waitUntilReady({ timeoutMs: 10_000, intervalMs: 5, isAlive: async () => ({ alive: false, exitCode: 3 }) });
    expect(outcome).toEqual({ kind: 'exited', exitCode: 3 });
  });

  it('times out when nothing answers', async () => {
    const outcome = await new PredictionClient('http://127.0.0.1:1').waitUntilReady({ timeoutMs: 50, intervalMs: 5 });
    expect(outcome.kind).toBe('timeout');
  });
});

describe('PredictionClient.predict', () => {
  it('PUTs the prediction with its id and returns the response', async () => {
    let seen: { method?: string; url?: string; body?: unknown } = {};
    const url = await fakeServer((req, res, body) => {
      seen = { method: req.method, url: req.url, body: JSON.parse(body) };
      json(res, 200, { id: 'abc', status: 'succeeded', output: 'ok' });
    });
    const out = await new PredictionClient(url).predict('predictions', 'abc', { input: { a: 1 }, webhook: 'http://x' });
    expect(out.output).toBe('ok');
    expect(seen).toEqual({ method: 'PUT', url: '/predictions/abc', body: { id: 'abc', input: { a: 1 }, webhook: 'http://x' } });
  });

  it('turns a 422 into an error that names the input', async () => {
    const url = await fakeServer((_req, res) =>
      json(res, 422, { detail: [{ loc: ['body', 'input', 'times'], msg: 'Input should be less than or equal to 5', type: 'less_than_equal' }] }),
    );
    const err = await new PredictionClient(url).predict('predictions', 'x', { input: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServerResponseError);
    const userError = validationError((err as ServerResponseError).body, 'predict');
    expect(userError.code).toBe('E_INPUT_INVALID');
    expect(userError.details).toBe('- times: Input should be less than or equal to 5');
  });

  it('cancel answers false when the server is gone', async () => {
    expect(await new PredictionClient('http://127.0.0.1:1').cancel('predictions', 'x')).toBe(false);
  });
});

describe('local server', () => {
  it('receives webhooks and serves registered files only', async () => {
    const events: unknown[] = [];
    const local = await startLocalServer((e) => events.push(e));
    try {
      const hook = await fetch(local.webhookUrl, { method: 'POST', body: JSON.stringify({ id: 'p1', output: ['a'] }) });
      expect(hook.status).toBe(200);
      expect(events).toEqual([{ id: 'p1', output: ['a'] }]);
      const dir = mkdtempSync(join(tmpdir(), 'edgecog-local-'));
      writeFileSync(join(dir, 'big.bin'), 'payload');
      const fileUrl = local.serveFile(join(dir, 'big.bin'));
      expect(fileUrl).toMatch(/\/big\.bin$/);
      const got = await fetch(fileUrl);
      expect(await got.text()).toBe('payload');
      const guessed = await fetch(local.webhookUrl.replace(/webhook\/[0-9a-f]+/, 'webhook/wrong'), { method: 'POST', body: '{}' });
      expect(guessed.status).toBe(404);
    } finally {
      await local.close();
    }
  });
});
