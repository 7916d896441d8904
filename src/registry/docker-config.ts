/**
 * Credentials stored the way the docker CLI stores them, so `docker login` and `edgecog login`
 * share them: $DOCKER_CONFIG/config.json (default ~/.docker/config.json) with `auths`
 * (base64 user:password), `credsStore` and per-registry `credHelpers`, which are programs named
 * docker-credential-NAME spoken to over stdin/stdout. Secrets never reach a log line.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { UserError } from '../errors.js';
import { DOCKER_HUB, DOCKER_HUB_AUTH_KEY } from './reference.js';

export interface AuthsEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
  registrytoken?: string;
  email?: string;
}

export interface DockerConfigFile {
  auths?: Record<string, AuthsEntry>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
  [other: string]: unknown;
}

/** Where a credential came from; named in 401/403 errors so users know what was tried. */
export type CredentialSource =
  | { kind: 'auths'; file: string }
  | { kind: 'credsStore'; helper: string }
  | { kind: 'credHelper'; helper: string }
  | { kind: 'none'; file: string }
  | { kind: 'input' };

export interface RegistryCredential {
  username?: string;
  password?: string;
  /** An OAuth2 refresh token (docker's identitytoken; a helper's Username "<token>"). */
  identityToken?: string;
  /** A bearer token sent as-is. */
  registryToken?: string;
  source: CredentialSource;
}

export function describeSource(source: CredentialSource): string {
  switch (source.kind) {
    case 'auths':
      return `config auths (${source.file})`;
    case 'credsStore':
      return `credsStore ${source.helper} (docker-credential-${source.helper})`;
    case 'credHelper':
      return `credHelper ${source.helper} (docker-credential-${source.helper})`;
    case 'none':
      return `none (no credentials for this registry in ${source.file})`;
    case 'input':
      return 'the credentials given to login';
  }
}

export function dockerConfigPath(env: NodeJS.ProcessEnv): string {
  const dir = env.DOCKER_CONFIG && env.DOCKER_CONFIG !== '' ? env.DOCKER_CONFIG : join(env.HOME || homedir(), '.docker');
  return join(dir, 'config.json');
}

export function readDockerConfig(path: string): DockerConfigFile {
  if (!existsSync(path)) return {};
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UserError('E_DOCKER_CONFIG', `cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text) as unknown;
  } catch (err) {
    throw new UserError('E_DOCKER_CONFIG', `${path} is not valid JSON${jsonErrorPlace(text, (err as Error).message)}`, {
      hint: 'Fix or remove the file (docker and edgecog keep registry credentials there).',
    });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new UserError('E_DOCKER_CONFIG', `${path} is not valid JSON: not a JSON object`, {
      hint: 'Fix or remove the file (docker and edgecog keep registry credentials there).',
    });
  }
  return parsed as DockerConfigFile;
}

/**
 * ` (line L, column C)` from a JSON.parse message, or nothing. Never the message itself: V8
 * quotes the text around the error, which here may be a base64 password.
 */
function jsonErrorPlace(text: string, message: string): string {
  const m = /at position (\d+)/.exec(message);
  if (!m) return '';
  const before = text.slice(0, Number(m[1]));
  const line = before.split('\n').length;
  return ` (line ${line}, column ${before.length - before.lastIndexOf('\n')})`;
}

/** Writes atomically with mode 0600 (it may hold base64 passwords), keeping unknown keys. */
export function writeDockerConfig(path: string, config: DockerConfigFile): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(config, null, '\t')}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

/** The key under which docker stores a registry: Docker Hub keeps its historical URL. */
export function authKeyFor(registry: string): string {
  return registry === DOCKER_HUB ? DOCKER_HUB_AUTH_KEY : registry;
}

/** As docker's ConvertToHostname: keys may be URLs ("https://host/v1/"); compare hosts. */
function keyHost(key: string): string {
  return key.replace(/^https?:\/\//, '').split('/')[0]!;
}

function findAuthsEntry(config: DockerConfigFile, registry: string): AuthsEntry | undefined {
  const auths = config.auths ?? {};
  const key = authKeyFor(registry);
  if (auths[key]) return auths[key];
  const want = registry === DOCKER_HUB ? 'index.docker.io' : registry;
  for (const [k, v] of Object.entries(auths)) if (keyHost(k) === want) return v;
  return undefined;
}

function decodeAuth(auth: string): { username: string; password: string } | undefined {
  const text = Buffer.from(auth, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon < 0) return undefined;
  return { username: text.slice(0, colon), password: text.slice(colon + 1) };
}

/** Runs docker-credential-NAME ACTION with `input` on stdin; stdout back. stderr never echoed. */
export function runCredentialHelper(helper: string, action: 'get' | 'store' | 'erase', input: string, env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  const program = `docker-credential-${helper}`;
  return new Promise((resolve, reject) => {
    const child = spawn(program, [action], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') {
        reject(
          new UserError('E_CREDENTIAL_HELPER', `the credential helper ${program} is not installed (named in the docker config)`, {
            hint: `Install ${program}, or remove it from credsStore/credHelpers in your docker config.json.`,
          }),
        );
      } else reject(err);
    });
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    child.stdin.on('error', () => {});
    child.stdin.end(input);
  });
}

function helperFor(config: DockerConfigFile, registry: string): CredentialSource | undefined {
  const helpers = config.credHelpers ?? {};
  const key = authKeyFor(registry);
  const named = helpers[key] ?? helpers[registry] ?? (registry === DOCKER_HUB ? helpers['index.docker.io'] : undefined);
  if (named) return { kind: 'credHelper', helper: named };
  if (config.credsStore) return { kind: 'credsStore', helper: config.credsStore };
  return undefined;
}

/**
 * The credential docker would use for REGISTRY: a credHelpers entry, else the credsStore, else
 * `auths`. A helper that has nothing for the registry falls back to `auths` (as Cog does).
 */
export async function loadCredential(registry: string, env: NodeJS.ProcessEnv): Promise<RegistryCredential> {
  const file = dockerConfigPath(env);
  const config = readDockerConfig(file);
  const helper = helperFor(config, registry);
  if (helper && (helper.kind === 'credHelper' || helper.kind === 'credsStore')) {
    const result = await runCredentialHelper(helper.helper, 'get', authKeyFor(registry), env);
    if (result.code === 0) {
      let parsed: { Username?: string; Secret?: string };
      try {
        parsed = JSON.parse(result.stdout) as { Username?: string; Secret?: string };
      } catch {
        throw new UserError('E_CREDENTIAL_HELPER', `docker-credential-${helper.helper} get returned something that is not JSON`);
      }
      if (parsed.Secret) {
        if (parsed.Username === '<token>') return { identityToken: parsed.Secret, source: helper };
        return { username: parsed.Username ?? '', password: parsed.Secret, source: helper };
      }
    } else if (!/not found/i.test(result.stdout + result.stderr)) {
      throw new UserError('E_CREDENTIAL_HELPER', `docker-credential-${helper.helper} get failed for ${registry} (exit ${result.code})`, {
        hint: 'Check the credential helper (its own message is not shown because it may contain secrets; run it by hand to see it).',
      });
    }
  }
  const entry = findAuthsEntry(config, registry);
  if (entry) {
    const source: CredentialSource = { kind: 'auths', file };
    if (entry.registrytoken) return { registryToken: entry.registrytoken, source };
    const decoded = entry.auth ? decodeAuth(entry.auth) : undefined;
    const username = decoded?.username ?? entry.username;
    const password = decoded?.password ?? entry.password;
    if (entry.identitytoken) return { username, identityToken: entry.identitytoken, source };
    if (username !== undefined && password !== undefined) return { username, password, source };
  }
  return { source: helper ?? { kind: 'none', file } };
}

/** Stores credentials where docker would: the registry's helper, the credsStore, or `auths`. */
export async function storeCredential(registry: string, username: string, secret: string, env: NodeJS.ProcessEnv): Promise<CredentialSource> {
  const file = dockerConfigPath(env);
  const config = readDockerConfig(file);
  const key = authKeyFor(registry);
  const helper = helperFor(config, registry);
  if (helper && (helper.kind === 'credHelper' || helper.kind === 'credsStore')) {
    const result = await runCredentialHelper(helper.helper, 'store', JSON.stringify({ ServerURL: key, Username: username, Secret: secret }), env);
    if (result.code !== 0) {
      throw new UserError('E_CREDENTIAL_HELPER', `docker-credential-${helper.helper} store failed (exit ${result.code}); the credentials were not saved`);
    }
    // docker keeps an empty `auths` entry so that tools listing registries still see it.
    config.auths = { ...(config.auths ?? {}), [key]: {} };
    writeDockerConfig(file, config);
    return helper;
  }
  const auth = Buffer.from(`${username}:${secret}`, 'utf8').toString('base64');
  config.auths = { ...(config.auths ?? {}), [key]: { auth } };
  writeDockerConfig(file, config);
  return { kind: 'auths', file };
}

/** Removes stored credentials (used by tests and a future logout). */
export async function eraseCredential(registry: string, env: NodeJS.ProcessEnv): Promise<void> {
  const file = dockerConfigPath(env);
  const config = readDockerConfig(file);
  const key = authKeyFor(registry);
  const helper = helperFor(config, registry);
  if (helper && (helper.kind === 'credHelper' || helper.kind === 'credsStore')) {
    await runCredentialHelper(helper.helper, 'erase', key, env);
  }
  if (config.auths && key in config.auths) {
    delete config.auths[key];
    writeDockerConfig(file, config);
  }
}

/** The X-Registry-Auth header value the Docker engine expects for pulls of private images. */
export function engineAuthConfig(registry: string, credential: RegistryCredential): Record<string, string> | undefined {
  const serveraddress = authKeyFor(registry);
  if (credential.identityToken) return { identitytoken: credential.identityToken, serveraddress };
  if (credential.registryToken) return { registrytoken: credential.registryToken, serveraddress };
  if (credential.username !== undefined && credential.password !== undefined) {
    return { username: credential.username, password: credential.password, serveraddress };
  }
  return undefined;
}
