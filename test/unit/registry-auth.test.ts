import { mkdtempSync, readFileSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseWwwAuthenticate, RegistryAuthError, tokenRequest } from '../../src/registry/auth.js';
import { describeSource, dockerConfigPath, engineAuthConfig, loadCredential, storeCredential } from '../../src/registry/docker-config.js';
import { RegistryHttp } from '../../src/registry/http.js';
import { writeFakeCredentialHelper } from '../support/fake-credential-helper.js';

function tempEnv(config?: unknown): NodeJS.ProcessEnv {
  const dir = mkdtempSync(join(tmpdir(), 'edgecog-dc-'));
  if (config !== undefined) writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  return { ...process.env, DOCKER_CONFIG: dir };
}

/** A docker-credential-NAME first on PATH (see test/support/fake-credential-helper.ts). */
function fakeHelper(env: NodeJS.ProcessEnv, name = 'fake'): { env: NodeJS.ProcessEnv; store: string; log: string } {
  const { binDir, store, log } = writeFakeCredentialHelper(name);
  return { env: { ...env, PATH: `${binDir}:${env.PATH ?? ''}` }, store, log };
}

describe('docker config credentials', () => {
  it('honours DOCKER_CONFIG', () => {
    expect(dockerConfigPath({ DOCKER_CONFIG: '/x/y' })).toBe('/x/y/config.json');
    expect(dockerConfigPath({ HOME: '/home/u' })).toBe('/home/u/.docker/config.json');
  });

  it('reads base64 auths, URL-shaped keys and the Docker Hub key', async () => {
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    const env = tempEnv({
      auths: {
        'reg.example.com': { auth: b64('alice:pa:ss') },
        'https://other.example.com/v1/': { auth: b64('bob:pw') },
        'https://index.docker.io/v1/': { auth: b64('hub:hubpw') },
        'tok.example.com': { identitytoken: 'refresh-me' },
      },
    });
    expect(await loadCredential('reg.example.com', env)).toMatchObject({ username: 'alice', password: 'pa:ss', source: { kind: 'auths' } });
    expect(await loadCredential('other.example.com', env)).toMatchObject({ username: 'bob', password: 'pw' });
    expect(await loadCredential('docker.io', env)).toMatchObject({ username: 'hub', password: 'hubpw' });
    expect(await loadCredential('tok.example.com', env)).toMatchObject({ identityToken: 'refresh-me' });
    const none = await loadCredential('nothing.example.com', env);
    expect(none.source.kind).toBe('none');
    expect(describeSource(none.source)).toMatch(/^none/);
  });

  it('stores to auths with mode 0600, keeping other keys', async () => {
    const env = tempEnv({ auths: { 'a.example.com': { auth: 'eDp5' } }, proxies: { default: {} } });
    const where = await storeCredential('reg.example.com', 'alice', 'secret', env);
    expect(where.kind).toBe('auths');
    const file = join(env.DOCKER_CONFIG!, 'config.json');
    const saved = JSON.parse(readFileSync(file, 'utf8'));
    expect(saved.proxies).toEqual({ default: {} });
    expect(saved.auths['a.example.com']).toEqual({ auth: 'eDp5' });
    expect(Buffer.from(saved.auths['reg.example.com'].auth, 'base64').toString()).toBe('alice:secret');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(await loadCredential('reg.example.com', env)).toMatchObject({ username: 'alice', password: 'secret' });
    expect(engineAuthConfig('docker.io', { username: 'u', password: 'p', source: { kind: 'input' } })).toEqual({ username: 'u', password: 'p', serveraddress: 'https://index.docker.io/v1/' });
  });

  it('uses credsStore through docker-credential-NAME, and secrets stay out of the config file', async () => {
    const { env, store, log } = fakeHelper(tempEnv({ credsStore: 'fake' }));
    const where = await storeCredential('reg.example.com', 'carol', 'helper-secret', env);
    expect(where).toEqual({ kind: 'credsStore', helper: 'fake' });
    const config = readFileSync(join(env.DOCKER_CONFIG!, 'config.json'), 'utf8');
    expect(config).not.toContain('helper-secret');
    expect(JSON.parse(readFileSync(store, 'utf8'))['reg.example.com']).toEqual({ Username: 'carol', Secret: 'helper-secret' });
    expect(await loadCredential('reg.example.com', env)).toMatchObject({ username: 'carol', password: 'helper-secret', source: { kind: 'credsStore', helper: 'fake' } });
    // Nothing in the helper: it says "not found" and we fall back to auths (none here).
    const missing = await loadCredential('elsewhere.example.com', env);
    expect(missing.source).toEqual({ kind: 'credsStore', helper: 'fake' });
    expect(missing.password).toBeUndefined();
    expect(readFileSync(log, 'utf8').split('\n').filter(Boolean)).toEqual(['store', 'get', 'get']);
  });

  it('prefers a credHelpers entry for its registry over credsStore', async () => {
    const { env } = fakeHelper(fakeHelper(tempEnv({ credsStore: 'other', credHelpers: { 'reg.example.com': 'fake' } }), 'other').env);
    await storeCredential('reg.example.com', 'dave', 'pw1', env);
    expect(await loadCredential('reg.example.com', env)).toMatchObject({ username: 'dave', source: { kind: 'credHelper', helper: 'fake' } });
    await storeCredential('x.example.com', 'erin', 'pw2', env);
    expect(await loadCredential('x.example.com', env)).toMatchObject({ username: 'erin', source: { kind: 'credsStore', helper: 'other' } });
  });

  it('says which helper is missing', async () => {
    const env = tempEnv({ credsStore: 'definitely-not-installed' });
    await expect(loadCredential('reg.example.com', env)).rejects.toThrow(/docker-credential-definitely-not-installed is not installed/);
  });

  it('rejects a config that is not JSON', async () => {
    const env = tempEnv();
    writeFileSync(join(env.DOCKER_CONFIG!, 'config.json'), '{oops');
    await expect(loadCredential('reg.example.com', env)).rejects.toThrow(/not valid JSON/);
    expect(existsSync(join(env.DOCKER_CONFIG!, 'config.json'))).toBe(true);
  });

  it('never quotes a broken config in the error (it may hold a base64 password)', async () => {
    const env = tempEnv();
    writeFileSync(join(env.DOCKER_CONFIG!, 'config.json'), '{"auths": {"reg.example.com": {"auth": YWxpY2U6aHVudGVyMg==}}}');
    const err = (await loadCredential('reg.example.com', env).catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(/not valid JSON/);
    expect(err.message).not.toContain('YWxp');
    writeFileSync(join(env.DOCKER_CONFIG!, 'config.json'), '{\n  "auths": {,}\n}');
    await expect(loadCredential('reg.example.com', env)).rejects.toThrow(/not valid JSON \(line 2, column 13\)/);
  });
});

describe('WWW-Authenticate', () => {
  it('parses Bearer challenges with quoted, escaped and comma-containing values', () => {
    expect(parseWwwAuthenticate('Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:a/b:pull,push"')).toEqual([
      { scheme: 'bearer', params: { realm: 'https://auth.example.com/token', service: 'registry.example.com', scope: 'repository:a/b:pull,push' } },
    ]);
    expect(parseWwwAuthenticate('Basic realm="Registry \\"Realm\\""')).toEqual([{ scheme: 'basic', params: { realm: 'Registry "Realm"' } }]);
    expect(parseWwwAuthenticate('Basic realm=x, Bearer realm="r", error=invalid_token')).toEqual([
      { scheme: 'basic', params: { realm: 'x' } },
      { scheme: 'bearer', params: { realm: 'r', error: 'invalid_token' } },
    ]);
    expect(parseWwwAuthenticate('')).toEqual([]);
  });

  it('builds token requests for passwords, identity tokens and anonymous pulls', () => {
    const ch = { scheme: 'bearer', params: { realm: 'https://a.example.com/token', service: 'svc', scope: 'repository:x/y:pull' } };
    const basic = tokenRequest(ch, ['repository:x/y:pull,push'], { username: 'u', password: 'p', source: { kind: 'input' } });
    const url = new URL(basic.url);
    expect(url.searchParams.get('service')).toBe('svc');
    expect(url.searchParams.getAll('scope')).toEqual(['repository:x/y:pull,push', 'repository:x/y:pull']);
    expect(basic.headers.authorization).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
    const refresh = tokenRequest(ch, [], { identityToken: 'rt', source: { kind: 'input' } });
    expect(refresh.method).toBe('POST');
    expect(new URLSearchParams(refresh.body).get('grant_type')).toBe('refresh_token');
    expect(tokenRequest(ch, [], { source: { kind: 'input' } }).headers.authorization).toBeUndefined();
  });
});

describe('RegistryHttp auth flow against a fake token registry', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  });

  async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
    const server = createServer(handler);
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const a = server.address();
    return `127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
  }

  it('fetches a bearer token with basic credentials and retries the request', async () => {
    const seen: string[] = [];
    const host = await serve((req, res) => {
      seen.push(`${req.method} ${req.url} ${req.headers.authorization ?? '-'}`);
      if (req.url?.startsWith('/token')) {
        if (req.headers.authorization !== `Basic ${Buffer.from('u:p').toString('base64')}`) return void res.writeHead(401).end();
        return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: 'T0K' }));
      }
      if (req.headers.authorization === 'Bearer T0K') return void res.writeHead(200).end('{}');
      res.writeHead(401, { 'www-authenticate': `Bearer realm="http://${req.headers.host}/token",service="fake"` }).end();
    });
    const http = new RegistryHttp({ registry: host, credential: { username: 'u', password: 'p', source: { kind: 'input' } }, scopes: ['repository:a/b:pull,push'], env: {} });
    const res = await http.send('GET', '/v2/', { what: 'ping' });
    expect(res.status).toBe(200);
    await res.dump();
    expect(http.authScheme).toBe('bearer');
    expect(seen[1]).toMatch(/^GET \/token\?service=fake&scope=repository%3Aa%2Fb%3Apull%2Cpush&account=u /);
    // The token is reused: no second token request.
    await (await http.send('GET', '/v2/', { what: 'ping' })).dump();
    expect(seen.filter((s) => s.startsWith('GET /token'))).toHaveLength(1);
    await http.close();
  });

  it('names the credential source on 401 and never the secret', async () => {
    const host = await serve((_req, res) => {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="r"' }).end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
    });
    const http = new RegistryHttp({ registry: host, credential: { username: 'u', password: 'hunter2', source: { kind: 'credHelper', helper: 'pass' } }, env: {} });
    const err = await http.send('GET', '/v2/', { what: 'ping' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryAuthError);
    const text = `${(err as Error).message} ${(err as RegistryAuthError).hint}`;
    expect(text).toMatch(/credHelper pass/);
    expect(text).not.toContain('hunter2');
    await http.close();
  });
});
