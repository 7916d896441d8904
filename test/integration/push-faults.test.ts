/**
 * A registry that dies in the middle of a push: the CLI retries with backoff, then fails with a
 * clear message and exit 1, and the tag does not exist (the manifest goes up last). When the
 * registry is back, the same push completes.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, runCli, startCli } from './run-cli-helpers.js';
import { BASE_IMAGE, docker, startRegistry, throttlingProxy, type PushJson, type TestRegistry } from './push-helpers.js';

let registry: TestRegistry;
let proxy: Awaited<ReturnType<typeof throttlingProxy>>;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  buildCli();
  docker(['info']);
  docker(['image', 'inspect', BASE_IMAGE]);
  registry = await startRegistry();
  // ~8 MB/s: the base image's layer takes seconds to go through, so the registry can die under it.
  proxy = await throttlingProxy(registry.port, 8 * 1024 * 1024);
  env = {
    EDGECOG_PUSH_CLIENT: 'oci',
    EDGECOG_CACHE_DIR: mkdtempSync(join(tmpdir(), 'edgecog-cache-')),
    DOCKER_CONFIG: mkdtempSync(join(tmpdir(), 'edgecog-docker-config-')),
    EDGECOG_PUSH_RETRIES: '3',
    EDGECOG_PUSH_RETRY_DELAY_MS: '200',
    EDGECOG_PUSH_CHUNK_SIZE: String(4 * 1024 * 1024),
  };
}, 60_000);

afterAll(async () => {
  await proxy?.close();
  await registry?.stop();
});

describe('registry stopped mid-push', () => {
  it('our client retries with backoff, fails with exit 1 and leaves no tag; the next push completes', async () => {
    const target = `${proxy.host}/edge/base:v1`;
    const cli = startCli(['push', target, '--from-image', BASE_IMAGE], { cwd: tmpdir(), env });
    await cli.waitFor(/uploading [\d.]+ [kM]?B \/ [\d.]+ MB/, 'stderr');
    await registry.stop();
    const res = await cli.done;
    expect(res.stderr).not.toContain('internal error');
    expect(res.code).toBe(1);
    expect(res.stdout).toBe('');
    expect(res.stderr).toMatch(/warning: .*retrying in [\d.]+s \(attempt 2\)/);
    expect(res.stderr).toMatch(/error: .*(connection refused|connection to .* was lost).*\(gave up after 3 attempts\)/);
    expect(res.stderr).toMatch(/Nothing was tagged/);

    await registry.restart();
    const tags = await fetch(`http://${registry.host}/v2/edge/base/tags/list`);
    if (tags.status === 200) expect(((await tags.json()) as { tags: string[] | null }).tags ?? []).not.toContain('v1');
    else expect(tags.status).toBe(404);
    const manifest = await fetch(`http://${registry.host}/v2/edge/base/manifests/v1`);
    expect(manifest.status).toBe(404);

    const again = await runCli(['push', `${registry.host}/edge/base:v1`, '--from-image', BASE_IMAGE, '--json'], { cwd: tmpdir(), env });
    expect(again.code).toBe(0);
    const out = JSON.parse(again.stdout) as PushJson;
    expect(out.layers.length).toBeGreaterThan(0);
    expect((await fetch(`http://${registry.host}/v2/edge/base/manifests/v1`, { method: 'HEAD', headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json' } })).status).toBe(200);
  }, 600_000);

  it('through the engine: exit 1, the registry named, no tag', async () => {
    const engineEnv = { ...env, EDGECOG_PUSH_CLIENT: 'engine' };
    const cli = startCli(['push', `${proxy.host}/edge/engine:v1`, '--from-image', BASE_IMAGE], { cwd: tmpdir(), env: engineEnv });
    await cli.waitFor(/uploading [\d.]+ [kM]?B \/ [\d.]+ MB/, 'stderr');
    await registry.stop();
    const res = await cli.done;
    expect(res.stderr).not.toContain('internal error');
    expect(res.code).toBe(1);
    expect(res.stdout).toBe('');
    expect(res.stderr).toMatch(/error: pushing .*edge\/engine:v1 failed/);
    expect(res.stderr).toMatch(/Nothing was tagged/);
    await registry.restart();
    expect((await fetch(`http://${registry.host}/v2/edge/engine/manifests/v1`)).status).toBe(404);
  }, 600_000);
});
