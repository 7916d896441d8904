/**
 * Registry authentication as the distribution spec and Docker's token spec define it: a 401
 * carries `WWW-Authenticate: Basic realm=...` or `Bearer realm=...,service=...,scope=...`; for
 * Bearer, a token is fetched from the realm (HTTP basic with the stored user/password, or an
 * OAuth2 refresh-token POST for identity tokens) and sent as `Authorization: Bearer ...`.
 * Tokens and passwords are only ever placed in headers, never in messages.
 */
import { UserError } from '../errors.js';
import { describeSource, type RegistryCredential } from './docker-config.js';

export interface AuthChallenge {
  /** Lowercased: 'basic' | 'bearer' | anything else a server says. */
  scheme: string;
  params: Record<string, string>;
}

/**
 * Parses a WWW-Authenticate header (RFC 7235): one or more challenges, each a scheme followed by
 * comma-separated key=value pairs whose values may be quoted strings with backslash escapes.
 */
export function parseWwwAuthenticate(header: string): AuthChallenge[] {
  const challenges: AuthChallenge[] = [];
  let i = 0;
  const n = header.length;
  const skipSpace = (): void => {
    while (i < n && /[\s,]/.test(header[i]!)) i++;
  };
  const readToken = (): string => {
    const start = i;
    while (i < n && /[!#$%&'*+.^_`|~0-9A-Za-z-]/.test(header[i]!)) i++;
    return header.slice(start, i);
  };
  let current: AuthChallenge | undefined;
  while (i < n) {
    skipSpace();
    if (i >= n) break;
    const token = readToken();
    if (token === '') {
      i++;
      continue;
    }
    let j = i;
    while (j < n && header[j] === ' ') j++;
    if (header[j] === '=' && current) {
      i = j + 1;
      while (i < n && header[i] === ' ') i++;
      let value = '';
      if (header[i] === '"') {
        i++;
        while (i < n && header[i] !== '"') {
          if (header[i] === '\\' && i + 1 < n) i++;
          value += header[i];
          i++;
        }
        i++;
      } else {
        value = readToken();
      }
      current.params[token.toLowerCase()] = value;
    } else {
      current = { scheme: token.toLowerCase(), params: {} };
      challenges.push(current);
    }
  }
  return challenges;
}

export class RegistryAuthError extends UserError {
  readonly status: number;
  constructor(registry: string, status: number, credential: RegistryCredential, what: string, serverMessage?: string) {
    const denied = status === 403 ? 'denied access' : credential.source.kind === 'none' ? 'requires authentication' : 'rejected the credentials';
    const tried = describeSource(credential.source);
    super(
      status === 403 ? 'E_REGISTRY_FORBIDDEN' : 'E_REGISTRY_UNAUTHORIZED',
      `${registry} ${denied} (HTTP ${status}) while ${what}${serverMessage ? `: ${serverMessage}` : ''}`,
      {
        hint:
          credential.source.kind === 'none'
            ? `No credentials were found for ${registry} (tried: ${tried}). Run edgecog login ${registry} (or docker login ${registry}).`
            : `Credentials tried: ${tried}. ${status === 403 ? 'Check that this account may push to the repository.' : `Log in again with edgecog login ${registry}.`}`,
      },
    );
    this.status = status;
  }
}

function basicHeader(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}

/** Authorization for a Basic challenge, or undefined when there is nothing to send. */
export function basicAuthorization(credential: RegistryCredential): string | undefined {
  if (credential.username !== undefined && credential.password !== undefined) return basicHeader(credential.username, credential.password);
  return undefined;
}

export interface TokenRequest {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body?: string;
}

/**
 * The request that obtains a bearer token for `scopes` from a Bearer challenge. Identity tokens
 * use the OAuth2 refresh-token grant; user/password use HTTP basic against the realm; with no
 * credential the token is anonymous (public pulls).
 */
export function tokenRequest(challenge: AuthChallenge, scopes: readonly string[], credential: RegistryCredential): TokenRequest {
  const realm = challenge.params.realm;
  if (!realm) throw new UserError('E_REGISTRY_PROTOCOL', 'the registry asked for a bearer token without saying where to get one (no realm)');
  const service = challenge.params.service;
  // A scope in the challenge is what the registry wants for this request; keep ours too.
  const allScopes = [...new Set([...scopes, ...(challenge.params.scope ? challenge.params.scope.split(' ') : [])])];
  if (credential.identityToken) {
    const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: credential.identityToken, client_id: 'edgecog' });
    if (service) form.set('service', service);
    if (allScopes.length) form.set('scope', allScopes.join(' '));
    return { method: 'POST', url: realm, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() };
  }
  const url = new URL(realm);
  if (service) url.searchParams.set('service', service);
  for (const scope of allScopes) url.searchParams.append('scope', scope);
  const headers: Record<string, string> = {};
  const basic = basicAuthorization(credential);
  if (basic) {
    headers.authorization = basic;
    url.searchParams.set('account', credential.username!);
  }
  return { method: 'GET', url: url.toString(), headers };
}

/** The token out of a token-endpoint response body ({token} or {access_token}). */
export function tokenFromResponse(body: string): string {
  let parsed: { token?: unknown; access_token?: unknown };
  try {
    parsed = JSON.parse(body) as { token?: unknown; access_token?: unknown };
  } catch {
    throw new UserError('E_REGISTRY_PROTOCOL', 'the registry token endpoint answered something that is not JSON');
  }
  const token = typeof parsed.token === 'string' && parsed.token !== '' ? parsed.token : parsed.access_token;
  if (typeof token !== 'string' || token === '') {
    throw new UserError('E_REGISTRY_PROTOCOL', 'the registry token endpoint answered without a token');
  }
  return token;
}

/** repository:NAME:ACTIONS, the scope string the token spec defines. */
export function repositoryScope(repository: string, actions: ReadonlyArray<'pull' | 'push'>): string {
  return `repository:${repository}:${actions.join(',')}`;
}

/** A registry error body ({errors:[{code,message}]}) as one short line, for messages. */
export function registryErrorSummary(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { errors?: Array<{ code?: string; message?: string }> };
    const first = parsed.errors?.[0];
    if (!first) return undefined;
    return [first.code, first.message].filter(Boolean).join(': ');
  } catch {
    return undefined;
  }
}
