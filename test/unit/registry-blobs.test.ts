import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { blobExists, mountBlob, uploadBlob, withRetry, type RetryPolicy } from '../../src/registry/blobs.js';
import { RegistryHttp, RegistryNetworkError, RegistryStatusError } from '../../src/registry/http.js';

const policy: RetryPolicy = { attempts: 4, baseDelayMs: 1, maxDelayMs: 5 };
const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

interface Fake {
  host: string;
  blobs: Map<string, Buffer>;
  log: string[];
  /** PATCH numbers (1-based) on which the server drops the connection after reading the body. */
  dropPatches: Set<number>;
  failPuts: number;
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => { s.closeAllConnections(); s.close(r); })));
});

async function fakeRegistry(): Promise<Fake> {
  const fake: Fake = { host: '', blobs: new Map(), log: [], dropPatches: new Set(), failPuts: 0 };
  const uploads = new Map<string, Buffer>();
  let patches = 0;
  let nextId = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const url = new URL(req.url!, 'http://x');
      fake.log.push(`${req.method} ${url.pathname}${url.searchParams.has('mount') ? '?mount' : ''}`);
      if (req.method === 'HEAD' && url.pathname.includes('/blobs/')) {
        const d = url.pathname.split('/blobs/')[1]!;
        return void res.writeHead(fake.blobs.has(d) ? 200 : 404, { 'content-length': String(fake.blobs.get(d)?.length ?? 0) }).end();
      }
      if (req.method === 'POST' && url.pathname.endsWith('/blobs/uploads/')) {
        const mount = url.searchParams.get('mount');
        if (mount && fake.blobs.has(mount)) return void res.writeHead(201).end();
        const id = `u${nextId++}`;
        uploads.set(id, Buffer.alloc(0));
        return void res.writeHead(202, { location: `/v2/r/blobs/uploads/${id}?_state=x`, range: '0-0' }).end();
      }
      const id = url.pathname.split('/uploads/')[1];
      if (!id || !uploads.has(id)) return void res.writeHead(404).end();
      if (req.method === 'DELETE') {
        uploads.delete(id);
        return void res.writeHead(204).end();
      }
      if (req.method === 'GET') {
        const have = uploads.get(id)!.length;
        return void res.writeHead(204, { range: `0-${Math.max(0, have - 1)}`, location: req.url! }).end();
      }
      if (req.method === 'PATCH') {
        patches++;
        const [start] = String(req.headers['content-range']).split('-').map(Number);
        const have = uploads.get(id)!;
        if (start !== have.length) return void res.writeHead(416).end();
        if (fake.dropPatches.has(patches)) {
          // Keep half of it, as a registry that died mid-chunk may, then cut the connection.
          uploads.set(id, Buffer.concat([have, body.subarray(0, body.length >> 1)]));
          return void req.socket.destroy();
        }
        uploads.set(id, Buffer.concat([have, body]));
        return void res.writeHead(202, { location: req.url!, range: `0-${uploads.get(id)!.length - 1}` }).end();
      }
      if (req.method === 'PUT') {
        if (fake.failPuts > 0) {
          fake.failPuts--;
          return void res.writeHead(503).end('{"errors":[{"code":"UNAVAILABLE","message":"try later"}]}');
        }
        const data = Buffer.concat([uploads.get(id)!, body]);
        const digest = url.searchParams.get('digest')!;
        if (sha(data) !== digest) return void res.writeHead(400).end('{"errors":[{"code":"DIGEST_INVALID"}]}');
        fake.blobs.set(digest, data);
        uploads.delete(id);
        return void res.writeHead(201, { 'docker-content-digest': digest }).end();
      }
      res.writeHead(405).end();
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const a = server.address();
  fake.host = `127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
  return fake;
}

const client = (fake: Fake) => new RegistryHttp({ registry: fake.host, credential: { source: { kind: 'input' } }, env: {} });

describe('blob uploads against a fake registry', () => {
  it('uploads a small blob in one PUT and then finds it', async () => {
    const fake = await fakeRegistry();
    const http = client(fake);
    const data = randomBytes(1000);
    const digest = sha(data);
    expect(await blobExists(http, 'r', digest)).toBe(false);
    const sent = await uploadBlob(http, 'r', { digest, size: data.length, data }, { chunkSize: 4096, policy });
    expect(sent).toBe(1000);
    expect(fake.blobs.get(digest)!.equals(data)).toBe(true);
    expect(await blobExists(http, 'r', digest)).toBe(true);
    expect(fake.log.filter((l) => l.startsWith('PATCH'))).toHaveLength(0);
    await http.close();
  });

  it('uploads in chunks and resumes from the offset the registry kept after a dropped connection', async () => {
    const fake = await fakeRegistry();
    fake.dropPatches.add(2);
    const http = client(fake);
    const data = randomBytes(10_000);
    const digest = sha(data);
    const progress: number[] = [];
    const sent = await uploadBlob(http, 'r', { digest, size: data.length, data }, { chunkSize: 3000, policy, onProgress: (b) => progress.push(b) });
    expect(fake.blobs.get(digest)!.equals(data)).toBe(true);
    // One chunk of 3000 went twice in part: the registry kept 1500 of it, so we resent 1500 + the rest.
    expect(sent).toBe(10_000 + 3000 - 1500);
    expect(fake.log).toContain('GET /v2/r/blobs/uploads/u0');
    expect(fake.log.filter((l) => l.startsWith('POST'))).toHaveLength(1);
    expect(progress.at(-1)).toBe(10_000);
    await http.close();
  });

  it('retries a 503 on the final PUT', async () => {
    const fake = await fakeRegistry();
    fake.failPuts = 1;
    const http = client(fake);
    const data = randomBytes(100);
    await uploadBlob(http, 'r', { digest: sha(data), size: 100, data }, { chunkSize: 4096, policy });
    expect(fake.blobs.has(sha(data))).toBe(true);
    await http.close();
  });

  it('mounts a blob the registry has, and cancels the upload it opens when it cannot', async () => {
    const fake = await fakeRegistry();
    const http = client(fake);
    const data = randomBytes(10);
    fake.blobs.set(sha(data), data);
    expect(await mountBlob(http, 'r', sha(data), 'other/repo')).toBe(true);
    expect(await mountBlob(http, 'r', sha(randomBytes(10)), 'other/repo')).toBe(false);
    expect(fake.log.at(-1)).toMatch(/^DELETE /);
    await http.close();
  });

  it('gives up after the retry budget with a transient network error', async () => {
    const fake = await fakeRegistry();
    const http = new RegistryHttp({ registry: '127.0.0.1:9', credential: { source: { kind: 'input' } }, env: {} });
    let calls = 0;
    const err = await withRetry(policy, () => {
      calls++;
      return blobExists(http, 'r', 'sha256:00');
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryNetworkError);
    expect((err as RegistryNetworkError).message).toMatch(/connection refused/);
    expect(calls).toBe(4);
    expect(await withRetry(policy, async () => { throw new RegistryStatusError('x', 400, 'y', ''); }).catch((e: unknown) => (e as Error).message)).toMatch(/HTTP 400/);
    void fake;
    await http.close();
  });
});
