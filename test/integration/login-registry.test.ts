/**
 * `edgecog login` against a real registry with htpasswd (bcrypt) basic auth: credentials are
 * verified before they are stored, stored the way docker stores them (config auths, or a
 * credential helper named by credsStore), then used by push and by the engine pull of `run`.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, runCli } from './run-cli-helpers.js';
import { BASE_IMAGE, docker, fakeCredentialHelper, startRegistry, type PushJson, type TestRegistry } from './push-helpers.js';

let registry: TestRegistry;
const USER = 'edge-user';
const PASSWORD = 'correct horse battery staple';
const cwd = tmpdir();

beforeAll(async () => {
  buildCli();
  docker(['info']);
  docker(['image', 'inspect', BASE_IMAGE]);
  registry = await startRegistry({ htpasswd: { user: USER, password: PASSWORD } });
}, 60_000);

afterAll(async () => {
  await registry?.stop();
  for (const line of docker(['images', '--format', '{{.Repository}}:{{.Tag}}']).split('\n')) {
    if (registry && line.startsWith(`${registry.host}/`)) docker(['rmi', '-f', line.replace(/:<none>$/, '')]);
  }
});

function freshEnv(config?: unknown): NodeJS.ProcessEnv {
  const dir = mkdtempSync(join(tmpdir(), 'edgecog-docker-config-'));
  if (config !== undefined) writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  return { DOCKER_CONFIG: dir, EDGECOG_CACHE_DIR: mkdtempSync(join(tmpdir(), 'edgecog-cache-')), EDGECOG_PUSH_RETRY_DELAY_MS: '10' };
}

describe('login with htpasswd basic auth', () => {
  it('refuses a wrong password without storing anything', async () => {
    const env = freshEnv();
    const res = await runCli(['login', '-u', USER, '--password-stdin', registry.host], { cwd, env, stdin: 'wrong\n' });
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/login to 127\.0\.0\.1:\d+ failed: the registry rejected the user name or password \(HTTP 401\)/);
    expect(res.stderr).not.toContain('wrong');
    expect(existsSync(join(env.DOCKER_CONFIG!, 'config.json'))).toBe(false);
  });

  it('stores verified credentials in config auths; push uses them; without them push says what was tried', async () => {
    const env = freshEnv();
    const res = await runCli(['login', '-u', USER, '--password-stdin', `http://${registry.host}/`], { cwd, env, stdin: `${PASSWORD}\n` });
    expect(res.code).toBe(0);
    expect(res.stdout).toBe('');
    expect(res.stderr).toContain(`Logged in to ${registry.host} as ${USER}`);
    expect(res.stderr).not.toContain(PASSWORD);
    const config = JSON.parse(readFileSync(join(env.DOCKER_CONFIG!, 'config.json'), 'utf8')) as { auths: Record<string, { auth: string }> };
    expect(Buffer.from(config.auths[registry.host]!.auth, 'base64').toString()).toBe(`${USER}:${PASSWORD}`);

    const pushed = await runCli(['push', `${registry.host}/private/base:v1`, '--from-image', BASE_IMAGE], { cwd, env });
    expect(pushed.code).toBe(0);
    expect(pushed.stdout).toMatch(new RegExp(`^${registry.host}/private/base@sha256:[0-9a-f]{64}\\n$`));

    const anonymous = await runCli(['push', `${registry.host}/private/base:v2`, '--from-image', BASE_IMAGE], { cwd, env: freshEnv() });
    expect(anonymous.code).toBe(1);
    expect(anonymous.stderr).toMatch(/requires authentication \(HTTP 401\)/);
    expect(anonymous.stderr).toMatch(/tried: none/);
  }, 300_000);

  it('without a terminal and without --password-stdin it says how to log in from a script', async () => {
    const res = await runCli(['login', registry.host], { cwd, env: freshEnv() });
    expect(res.stderr).toMatch(/stdin is not a terminal/);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/--password-stdin/);
  });
});

describe('login with a credential helper (credsStore)', () => {
  it('stores through docker-credential-NAME, pushes and pulls with it, and names it on a 401', async () => {
    const helper = fakeCredentialHelper('edgecogtest');
    const env = { ...freshEnv({ credsStore: 'edgecogtest' }), PATH: `${helper.binDir}:${process.env.PATH}` };
    const res = await runCli(['login', '-u', USER, '--password-stdin', registry.host], { cwd, env, stdin: PASSWORD });
    expect(res.code).toBe(0);
    expect(res.stderr).toContain('credsStore edgecogtest');
    const configText = readFileSync(join(env.DOCKER_CONFIG, 'config.json'), 'utf8');
    expect(configText).not.toContain(Buffer.from(`${USER}:${PASSWORD}`).toString('base64'));
    expect(JSON.parse(readFileSync(helper.store, 'utf8'))[registry.host]).toEqual({ Username: USER, Secret: PASSWORD });

    const pushed = await runCli(['push', `${registry.host}/helper/base:v1`, '--from-image', BASE_IMAGE, '--json'], { cwd, env });
    expect(pushed.code).toBe(0);
    const out = JSON.parse(pushed.stdout) as PushJson;

    // The engine pulls with the helper's credentials (X-Registry-Auth), by digest. The pushed
    // names are removed first (untagged only: the image is also the base image of other tests).
    docker(['rmi', `${registry.host}/helper/base:v1`]);
    try {
      docker(['rmi', out.reference]);
    } catch {
      // the engine had no digest reference for it
    }
    expect(() => docker(['image', 'inspect', out.reference])).toThrow();
    const { ensureImage } = await import('../../src/workflows/pull.js');
    const { createUi } = await import('../../src/ui/console.js');
    const ctx = { ui: createUi({}), cwd, debug: false, env: { ...process.env, ...env }, onInterrupt: () => () => true };
    const pulled = await ensureImage(ctx, out.reference);
    expect(pulled.pulled).toBe(true);
    expect(docker(['image', 'inspect', out.reference, '--format', '{{json .RepoDigests}}'])).toContain(out.digest);

    // A stale secret in the helper: the error names where the credentials came from.
    writeFileSync(helper.store, JSON.stringify({ [registry.host]: { Username: USER, Secret: 'stale' } }));
    const denied = await runCli(['push', `${registry.host}/helper/base:v2`, '--from-image', BASE_IMAGE], { cwd, env });
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/rejected the credentials \(HTTP 401\)/);
    expect(denied.stderr).toMatch(/Credentials tried: credsStore edgecogtest/);
    expect(denied.stderr).not.toContain('stale');
  }, 300_000);
});
