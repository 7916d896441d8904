import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { checkReplicateTokenFormat, usesReplicateTokenFlow, verifyCredentials, verifyReplicateToken } from '../../src/registry/login.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const a = server.address();
  return `127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
}

describe('login checks', () => {
  it('uses the Replicate token flow for r8.im only', () => {
    expect(usesReplicateTokenFlow('r8.im')).toBe(true);
    expect(usesReplicateTokenFlow('ghcr.io')).toBe(false);
    expect(() => checkReplicateTokenFormat('r8_abc')).toThrow(/Replicate API token, not a CLI auth token/);
    expect(() => checkReplicateTokenFormat('')).toThrow(/empty/);
    expect(() => checkReplicateTokenFormat('cli-token')).not.toThrow();
  });

  it('exchanges a token for the user name at /cog/v1/verify-token', async () => {
    let body = '';
    const host = await serve((req, res) => {
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        if (req.url !== '/cog/v1/verify-token' || req.method !== 'POST') return void res.writeHead(404).end();
        const token = new URLSearchParams(body).get('token');
        if (token !== 'good') return void res.writeHead(404).end();
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"username":"alice"}');
      });
    });
    expect(await verifyReplicateToken(host, 'good')).toBe('alice');
    await expect(verifyReplicateToken(host, 'bad')).rejects.toThrow(/does not belong to any user/);
  });

  it('verifies user and password with GET /v2/ and turns a 401 into a login failure', async () => {
    const auth = `Basic ${Buffer.from('u:right').toString('base64')}`;
    const host = await serve((req, res) => {
      if (req.headers.authorization === auth) return void res.writeHead(200).end('{}');
      res.writeHead(401, { 'www-authenticate': 'Basic realm="r"' }).end();
    });
    await expect(verifyCredentials(host, 'u', 'right', {})).resolves.toBeUndefined();
    const err = await verifyCredentials(host, 'u', 'wrong', {}).catch((e: unknown) => e as Error & { code: string });
    expect(err.code).toBe('E_LOGIN_FAILED');
    expect(err.message).toMatch(/rejected the user name or password \(HTTP 401\)/);
    expect(err.message).not.toContain('wrong');
  });
});
