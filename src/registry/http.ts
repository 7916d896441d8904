/**
 * HTTP to one registry, with the auth dance done once and reused: the first 401 tells us the
 * scheme (Basic or Bearer); a bearer token is fetched for the scopes this client needs and
 * refreshed when it expires. Network failures become UserErrors that say which host and why,
 * marked transient when retrying can help (the push retries those with backoff).
 */
import type { Readable } from 'node:stream';
import { Agent, EnvHttpProxyAgent, request, type Dispatcher } from 'undici';
import { UserError } from '../errors.js';
import { basicAuthorization, parseWwwAuthenticate, RegistryAuthError, registryErrorSummary, tokenFromResponse, tokenRequest, type AuthChallenge } from './auth.js';
import type { RegistryCredential } from './docker-config.js';
import { isLoopbackRegistry, registryApiHost } from './reference.js';

export class RegistryNetworkError extends UserError {
  /** True when trying again may work (a reset connection, a 5xx, a registry restarting). */
  readonly transient: boolean;
  constructor(code: string, message: string, transient: boolean, hint?: string, cause?: unknown) {
    super(code, message, { hint, cause });
    this.transient = transient;
  }
}

export class RegistryStatusError extends UserError {
  readonly status: number;
  readonly transient: boolean;
  constructor(registry: string, status: number, what: string, body: string) {
    const summary = registryErrorSummary(body);
    super('E_REGISTRY_RESPONSE', `${registry} answered HTTP ${status} while ${what}${summary ? `: ${summary}` : ''}`);
    this.status = status;
    this.transient = status >= 500 || status === 429 || status === 408;
  }
}

export function isTransient(err: unknown): boolean {
  return (err instanceof RegistryNetworkError || err instanceof RegistryStatusError) && err.transient;
}

export interface RegistryResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Dispatcher.ResponseData['body'];
  text(): Promise<string>;
  /** Discards the body (every response body must be consumed to free the connection). */
  dump(): Promise<void>;
}

export interface SendOptions {
  headers?: Record<string, string>;
  /** A factory, so that the body can be made again when a 401 makes us resend. */
  body?: () => Buffer | string | Readable;
  /** What we were doing, for error messages: 'uploading layer sha256:…'. */
  what: string;
}

export function header(res: { headers: RegistryResponse['headers'] }, name: string): string | undefined {
  const v = res.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

function proxyConfigured(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env.HTTPS_PROXY || env.https_proxy || env.HTTP_PROXY || env.http_proxy);
}

export class RegistryHttp {
  readonly registry: string;
  readonly baseUrl: string;
  readonly credential: RegistryCredential;
  private readonly scopes: string[];
  private readonly dispatcher: Dispatcher;
  private authorization: string | undefined;
  private challenge: AuthChallenge | undefined;

  constructor(options: { registry: string; credential: RegistryCredential; scopes?: string[]; env: NodeJS.ProcessEnv; insecure?: boolean }) {
    this.registry = options.registry;
    this.credential = options.credential;
    this.scopes = options.scopes ?? [];
    const insecureList = (options.env.EDGECOG_INSECURE_REGISTRIES ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    const plain = options.insecure ?? (isLoopbackRegistry(options.registry) || insecureList.includes(options.registry));
    this.baseUrl = `${plain ? 'http' : 'https'}://${registryApiHost(options.registry)}`;
    const connect = { timeout: 15_000 };
    this.dispatcher =
      proxyConfigured(options.env) && !isLoopbackRegistry(options.registry)
        ? new EnvHttpProxyAgent({ connect, connections: 8 })
        : new Agent({ connect, connections: 8, headersTimeout: 120_000, bodyTimeout: 120_000 });
  }

  async close(): Promise<void> {
    await this.dispatcher.close().catch(() => {});
  }

  private toUrl(pathOrUrl: string): string {
    return /^https?:\/\//.test(pathOrUrl) ? pathOrUrl : `${this.baseUrl}${pathOrUrl}`;
  }

  private async raw(method: Dispatcher.HttpMethod, url: string, headers: Record<string, string>, body: Buffer | string | Readable | undefined, what: string): Promise<RegistryResponse> {
    let res: Dispatcher.ResponseData;
    try {
      res = await request(url, { method, headers, body: body ?? null, dispatcher: this.dispatcher });
    } catch (err) {
      throw networkError(this.registry, err, what);
    }
    return {
      status: res.statusCode,
      headers: res.headers,
      body: res.body,
      text: () => res.body.text(),
      dump: async () => {
        await res.body.dump().catch(() => {});
      },
    };
  }

  /** Sends one request, authenticating (once) if the registry asks. */
  async send(method: Dispatcher.HttpMethod, pathOrUrl: string, options: SendOptions): Promise<RegistryResponse> {
    const url = this.toUrl(pathOrUrl);
    const build = (): Record<string, string> => ({
      'user-agent': 'edgecog',
      ...(options.headers ?? {}),
      ...(this.authorization && sameOrigin(url, this.baseUrl) ? { authorization: this.authorization } : {}),
    });
    let res = await this.raw(method, url, build(), options.body?.(), options.what);
    if (res.status !== 401) return res;
    const hadAuthorization = this.authorization !== undefined;
    const challengeHeader = header(res, 'www-authenticate') ?? '';
    await res.dump();
    const challenge = parseWwwAuthenticate(challengeHeader).find((c) => c.scheme === 'bearer' || c.scheme === 'basic');
    if (!challenge) throw new RegistryAuthError(this.registry, 401, this.credential, options.what);
    await this.authenticate(challenge, options.what);
    if (!this.authorization) throw new RegistryAuthError(this.registry, 401, this.credential, options.what);
    res = await this.raw(method, url, build(), options.body?.(), options.what);
    if (res.status === 401 && hadAuthorization) {
      // An expired token: fetch one more time, then give up.
      await res.dump();
      await this.authenticate(challenge, options.what);
      res = await this.raw(method, url, build(), options.body?.(), options.what);
    }
    if (res.status === 401 || (res.status === 403 && this.credential.source.kind === 'none')) {
      const text = await res.text().catch(() => '');
      throw new RegistryAuthError(this.registry, res.status, this.credential, options.what, registryErrorSummary(text));
    }
    return res;
  }

  private async authenticate(challenge: AuthChallenge, what: string): Promise<void> {
    this.challenge = challenge;
    if (challenge.scheme === 'basic') {
      this.authorization = basicAuthorization(this.credential);
      if (!this.authorization) throw new RegistryAuthError(this.registry, 401, this.credential, what);
      return;
    }
    if (this.credential.registryToken) {
      this.authorization = `Bearer ${this.credential.registryToken}`;
      return;
    }
    const req = tokenRequest(challenge, this.scopes, this.credential);
    const res = await this.raw(req.method, req.url, { 'user-agent': 'edgecog', ...req.headers }, req.body, `getting a token for ${what}`);
    const text = await res.text();
    if (res.status === 401 || res.status === 403) {
      throw new RegistryAuthError(this.registry, res.status, this.credential, `getting a token for ${what}`, registryErrorSummary(text));
    }
    if (res.status !== 200) throw new RegistryStatusError(this.registry, res.status, `getting a token for ${what}`, text);
    this.authorization = `Bearer ${tokenFromResponse(text)}`;
  }

  /** Whether the last 401 asked for a bearer token (for tests and --debug). */
  get authScheme(): string | undefined {
    return this.challenge?.scheme;
  }

  /** Reads a response that must have one of `ok` statuses; otherwise a status error. */
  async expect(res: RegistryResponse, ok: number[], what: string): Promise<RegistryResponse> {
    if (ok.includes(res.status)) return res;
    const text = await res.text().catch(() => '');
    if (res.status === 403) throw new RegistryAuthError(this.registry, 403, this.credential, what, registryErrorSummary(text));
    if (res.status === 401) throw new RegistryAuthError(this.registry, 401, this.credential, what, registryErrorSummary(text));
    throw new RegistryStatusError(this.registry, res.status, what, text);
  }
}

function sameOrigin(a: string, b: string): boolean {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
}

/** undici's errors → a message that names the host and the failure in words. */
export function networkError(registry: string, err: unknown, what: string): RegistryNetworkError {
  const e = err as { code?: string; cause?: { code?: string; message?: string }; message?: string };
  const code = e.code && !e.code.startsWith('UND_ERR') ? e.code : (e.cause?.code ?? e.code ?? '');
  switch (code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
      return new RegistryNetworkError('E_REGISTRY_UNKNOWN_HOST', `unknown registry host ${registry} (the name does not resolve)`, false, 'Check the registry name in the image reference (e.g. registry.example.com/team/model) and your DNS.', err);
    case 'ECONNREFUSED':
      return new RegistryNetworkError('E_REGISTRY_UNREACHABLE', `cannot connect to ${registry}: connection refused (while ${what})`, true, 'Is the registry running, and is the port right?', err);
    case 'ECONNRESET':
    case 'EPIPE':
    case 'UND_ERR_SOCKET':
    case 'UND_ERR_CLOSED':
      return new RegistryNetworkError('E_REGISTRY_CONNECTION_LOST', `the connection to ${registry} was lost while ${what}`, true, 'The registry went away or a proxy cut the connection; try again.', err);
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
    case 'ETIMEDOUT':
      return new RegistryNetworkError('E_REGISTRY_TIMEOUT', `${registry} did not answer in time while ${what}`, true, undefined, err);
    case 'ERR_SSL_WRONG_VERSION_NUMBER':
    case 'EPROTO':
      return new RegistryNetworkError('E_REGISTRY_TLS', `TLS to ${registry} failed (${code}); it may speak plain HTTP`, false, `If ${registry} is a plain-HTTP registry you trust, set EDGECOG_INSECURE_REGISTRIES=${registry}.`, err);
    default:
      return new RegistryNetworkError('E_REGISTRY_UNREACHABLE', `cannot reach ${registry} while ${what}: ${e.cause?.message ?? e.message ?? String(err)}`, true, undefined, err);
  }
}
