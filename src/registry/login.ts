/**
 * Checking credentials before they are stored: `GET /v2/` with them, going through whatever
 * auth the registry asks for (Basic, or a Bearer token fetched with them). And Replicate's own
 * token flow for r8.im, as Cog does it: the CLI token is exchanged for the user name at
 * https://r8.im/cog/v1/verify-token, then stored as username + token.
 */
import { request } from 'undici';
import { UserError } from '../errors.js';
import { RegistryAuthError } from './auth.js';
import { networkError, RegistryHttp, RegistryStatusError } from './http.js';
import { isLoopbackRegistry, REPLICATE_REGISTRY } from './reference.js';

/** Resolves when the registry accepts USERNAME/SECRET; a clear UserError otherwise. */
export async function verifyCredentials(registry: string, username: string, secret: string, env: NodeJS.ProcessEnv): Promise<void> {
  const http = new RegistryHttp({ registry, credential: { username, password: secret, source: { kind: 'input' } }, env });
  const what = 'checking the credentials (GET /v2/)';
  try {
    const res = await http.send('GET', '/v2/', { what });
    // A 200 without a challenge means the registry has no auth: like docker, the login stands.
    await http.expect(res, [200], what);
    await res.dump();
  } catch (err) {
    if (err instanceof RegistryAuthError) {
      throw new UserError('E_LOGIN_FAILED', `login to ${registry} failed: the registry rejected the user name or password (HTTP ${err.status})`, {
        hint: 'Check the user name and password (or token). Nothing was stored.',
      });
    }
    throw err;
  } finally {
    await http.close();
  }
}

/** True for the registry whose logins use Replicate's token flow (Cog matches the default host only). */
export function usesReplicateTokenFlow(registry: string): boolean {
  return registry === REPLICATE_REGISTRY;
}

export function checkReplicateTokenFormat(token: string): void {
  if (token === '') throw new UserError('E_LOGIN_FAILED', 'the token is empty');
  if (token.startsWith('r8_')) {
    throw new UserError('E_LOGIN_FAILED', 'that looks like a Replicate API token, not a CLI auth token', {
      hint: 'Get a CLI token from https://replicate.com/auth/token and log in with it.',
    });
  }
}

/** Exchanges a Replicate CLI token for the user name it belongs to. */
export async function verifyReplicateToken(registry: string, token: string): Promise<string> {
  const base = `${isLoopbackRegistry(registry) ? 'http' : 'https'}://${registry}`;
  let res;
  try {
    res = await request(`${base}/cog/v1/verify-token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'edgecog' },
      body: new URLSearchParams({ token }).toString(),
    });
  } catch (err) {
    throw networkError(registry, err, 'verifying the token');
  }
  const text = await res.body.text();
  if (res.statusCode === 404) throw new UserError('E_LOGIN_FAILED', `login to ${registry} failed: the token does not belong to any user`);
  if (res.statusCode !== 200) throw new RegistryStatusError(registry, res.statusCode, 'verifying the token', text);
  try {
    const username = (JSON.parse(text) as { username?: unknown }).username;
    if (typeof username === 'string' && username !== '') return username;
  } catch {
    // fall through
  }
  throw new UserError('E_REGISTRY_PROTOCOL', `${registry} answered the token check without a user name`);
}
