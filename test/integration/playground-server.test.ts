/**
 * The playground server without a browser: static page and headers, the /api reverse proxy
 * (including SSE passing through unbuffered), the loopback-only guard, the webhook sink and
 * its relay, and the command's flags.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlayground, type PlaygroundServer } from '../../src/playground/server.js';
import { browserLauncher } from '../../src/playground/open-browser.js';
import { parseTarget } from '../../src/playground/proxy.js';
import { findFreePort } from '../../src/prediction/free-port.js';
import { buildCli, repoRoot, runCli } from './run-cli-helpers.js';

let model: Server;
let modelUrl: string;
let playground: PlaygroundServer;
let releaseStream: () => void = () => undefined;
const seen: Array<{ method?: string; url?: string; headers: Record<string, unknown>; body: string }> = [];

beforeAll(async () => {
  model = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, headers: req.headers, body });
      if (req.url === '/health-check') {
        res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': 'x=1' });
        res.end('{"status":"READY"}');
      } else if (req.url === '/predictions' && req.headers.accept === 'text/event-stream') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('event: output\ndata: {"chunk":"first","index":0}\n\n');
        releaseStream = () => res.end('event: completed\ndata: {"status":"succeeded"}\n\n');
      } else {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end('{"detail":"Not Found"}');
      }
    });
  });
  await new Promise<void>((r) => model.listen(0, '127.0.0.1', r));
  modelUrl = `http://127.0.0.1:${(model.address() as AddressInfo).port}`;
  playground = await startPlayground({ target: parseTarget(modelUrl) });
});

afterAll(async () => {
  await playground?.close();
  model?.closeAllConnections();
  await new Promise((r) => model?.close(r));
});

/** A raw request, so tests control the Host and Origin headers that fetch() would fix. */
function raw(path: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${playground.url.replace(/\/$/, '')}${path}`, { method: options.method ?? 'GET', headers: options.headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('playground server', () => {
  it('serves the page with a strict content security policy, and nothing outside its assets', async () => {
    const page = await raw('/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toContain('<script type="module" src="app.js">');
    expect(String(page.headers['content-security-policy'])).toContain("script-src 'self'");
    expect((await raw('/app.js')).headers['content-type']).toContain('javascript');
    expect((await raw('/../package.json')).status).toBe(404);
    expect((await raw('/%2e%2e%2fpackage.json')).status).toBe(404);
  });

  it('reports its target and webhook base in /config', async () => {
    const config = JSON.parse((await raw('/config')).body) as Record<string, string>;
    expect(config.target).toBe(modelUrl);
    expect(config.webhookBase).toBe(playground.url.replace(/\/$/, ''));
  });

  it('proxies /api/* to the model, dropping cookies both ways', async () => {
    const res = await raw('/api/health-check', { headers: { cookie: 'secret=1' } });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ status: 'READY' });
    expect(res.headers['set-cookie']).toBeUndefined();
    const last = seen.at(-1)!;
    expect(last.url).toBe('/health-check');
    expect(last.headers.cookie).toBeUndefined();
    expect(last.headers.host).toBe(new URL(modelUrl).host);
    expect((await raw('/api/nope')).status).toBe(404);
  });

  it('passes a server-sent event stream through as it comes', async () => {
    const res = await fetch(`${playground.url}api/predictions`, { method: 'POST', headers: { accept: 'text/event-stream', 'content-type': 'application/json' }, body: '{"input":{}}' });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    // The model has not finished: the first event must arrive anyway.
    const first = await reader.read();
    expect(first.value).toContain('"chunk":"first"');
    releaseStream();
    let rest = '';
    for (let r = await reader.read(); !r.done; r = await reader.read()) rest += r.value;
    expect(rest).toContain('event: completed');
  });

  it('answers 502 with a JSON detail when the model is not there', async () => {
    const down = await startPlayground({ target: parseTarget('http://127.0.0.1:9') });
    try {
      const res = await fetch(`${down.url}api/health-check`);
      expect(res.status).toBe(502);
      expect(((await res.json()) as { detail: string }).detail).toContain('could not reach the model server');
    } finally {
      await down.close();
    }
  });

  it('refuses requests that do not come from a page on this machine', async () => {
    expect((await raw('/api/health-check', { headers: { host: 'attacker.example' } })).status).toBe(403);
    expect((await raw('/api/health-check', { headers: { origin: 'http://attacker.example' } })).status).toBe(403);
    expect((await raw('/config', { headers: { 'sec-fetch-site': 'cross-site' } })).status).toBe(403);
  });

  it('relays a webhook to the page listening for its token, and only to it', async () => {
    expect((await raw('/webhook/abc', { method: 'POST', body: '{}' })).status).toBe(503);
    expect((await raw('/webhook/abc')).status).toBe(405);
    expect((await raw('/webhook/a%2Fb', { method: 'POST', body: '{}' })).status).toBe(404);
    const events = await fetch(`${playground.url}events?token=abc`);
    const reader = events.body!.pipeThrough(new TextDecoderStream()).getReader();
    expect((await reader.read()).value).toContain(': subscribed');
    const other = await raw('/webhook/zzz', { method: 'POST', body: '{"id":"other"}' });
    expect(other.status).toBe(503);
    const delivered = await raw('/webhook/abc', { method: 'POST', body: '{"id":"p1",\n"status":"succeeded"}' });
    expect(delivered.status).toBe(200);
    const got = (await reader.read()).value!;
    expect(got).toBe('event: webhook\ndata: {"id":"p1",\ndata: "status":"succeeded"}\n\n');
    await reader.cancel();
  });
});

describe('edgecog playground command', () => {
  beforeAll(() => buildCli());

  it('documents its flags', async () => {
    const res = await runCli(['playground', '--help'], { cwd: repoRoot });
    expect(res.code).toBe(0);
    for (const flag of ['--target', '--port', '--host', '--webhook-host', '--no-open']) expect(res.stdout).toContain(flag);
  });

  it('rejects a target that is not an http URL (exit 2)', async () => {
    const res = await runCli(['playground', '--target', 'ftp://x', '--no-open'], { cwd: repoRoot });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('--target');
  });

  it('serve --playground fails before starting the model when the playground port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const taken = (blocker.address() as AddressInfo).port;
    const modelPort = String(await findFreePort());
    try {
      const res = await runCli(['serve', '--no-docker', '-p', modelPort, '--playground', '--playground-port', String(taken)], { cwd: repoRoot });
      expect(res.code).toBe(1);
      expect(res.stderr).toContain(`the playground's port ${taken} on 127.0.0.1 is already in use`);
      expect(res.stderr).toContain('--playground-port');
      expect(res.stderr).not.toContain('Starting the model');
    } finally {
      blocker.close();
    }
    const same = await runCli(['serve', '--no-docker', '-p', modelPort, '--playground', '--playground-port', modelPort], { cwd: repoRoot });
    expect(same.code).toBe(2);
    expect(same.stderr).toContain("must differ from the model's port");
  });

  it('opens no browser where there is no display', () => {
    expect(browserLauncher('linux', { PATH: process.env.PATH })).toBeUndefined();
  });
});
