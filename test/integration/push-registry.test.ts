/**
 * `edgecog push` and pulls for edge nodes against a real registry (docker-registry on 127.0.0.1)
 * and a real engine: build + push with separate weights layers, a code-only second version,
 * cross-repository mounts, pull by digest into a clean engine and a prediction from it.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, runCli } from './run-cli-helpers.js';
import { BASE_IMAGE, changeOneLineOfCode, docker, exampleProjectWithWeights, startRegistry, type PushJson, type TestRegistry } from './push-helpers.js';

let registry: TestRegistry;
let project: string;
let env: NodeJS.ProcessEnv;
const WEIGHTS = 24 * 1024 * 1024;
const registries: TestRegistry[] = [];

beforeAll(async () => {
  buildCli();
  docker(['info']);
  docker(['image', 'inspect', BASE_IMAGE]);
  project = exampleProjectWithWeights(WEIGHTS);
}, 60_000);

afterAll(async () => {
  for (const r of registries) await r.stop();
  const hosts = registries.map((r) => `${r.host}/`);
  for (const line of docker(['images', '--format', '{{.Repository}}:{{.Tag}}']).split('\n')) {
    if (hosts.some((h) => line.startsWith(h))) docker(['rmi', '-f', line.replace(/:<none>$/, '')]);
  }
});

const push = (args: string[], cwd = project) => runCli(['push', ...args], { cwd, env });

// The same behaviour through the engine (default) and through our own OCI client.
describe.each(['engine', 'oci'] as const)('edgecog push to a registry (%s client)', (client) => {
  const first: { json?: PushJson } = {};

  beforeAll(async () => {
    registry = await startRegistry();
    registries.push(registry);
    env = {
      EDGECOG_PUSH_CLIENT: client,
      EDGECOG_CACHE_DIR: mkdtempSync(join(tmpdir(), 'edgecog-cache-')),
      DOCKER_CONFIG: mkdtempSync(join(tmpdir(), 'edgecog-docker-config-')),
    };
  }, 60_000);

  it('builds with --separate-weights, pushes every layer and prints name@digest', async () => {
    const res = await push([`${registry.host}/edge/example:v1`, '--separate-weights', '--base-image', BASE_IMAGE, '--json']);
    expect(res.stderr).not.toContain('internal error');
    expect(res.code).toBe(0);
    const out = JSON.parse(res.stdout) as PushJson;
    first.json = out;
    expect(out.image).toBe(`${registry.host}/edge/example:v1`);
    expect(out.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(out.reference).toBe(`${registry.host}/edge/example@${out.digest}`);
    expect(out.layers.length).toBeGreaterThanOrEqual(3);
    expect(out.layers.every((l) => l.status === 'pushed' && /^sha256:/.test(l.digest) && l.size > 0)).toBe(true);
    // The weights file is one layer of its own (random bytes: gzip cannot shrink it).
    expect(out.layers.some((l) => l.size > WEIGHTS && l.size < WEIGHTS + 64 * 1024)).toBe(true);
    expect(out.bytes_uploaded).toBeGreaterThan(out.layers.reduce((n, l) => n + l.size, 0));
    // Per-layer progress in bytes, in plain lines (CI=1 in tests).
    expect(res.stderr).toMatch(/layer \d+\/\d+ [0-9a-f]{12}: uploading [\d.]+ [kMG]?B \/ [\d.]+ MB/);
    expect(res.stderr).toMatch(/Pushed .* \d+ pushed, 0 mounted, 0 already there/);
    // The registry has what the manifest names.
    const manifest = (await (await fetch(`http://${registry.host}/v2/edge/example/manifests/v1`, { headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json' } })).json()) as { layers: Array<{ digest: string }> };
    expect(manifest.layers.map((l) => l.digest)).toEqual(out.layers.map((l) => l.digest));
  }, 600_000);

  it('a second version that changes one line of code uploads under 1% of the first push', async () => {
    expect(first.json).toBeDefined();
    changeOneLineOfCode(project);
    const res = await push([`${registry.host}/edge/example:v2`, '--separate-weights', '--base-image', BASE_IMAGE, '--json']);
    expect(res.code).toBe(0);
    const out = JSON.parse(res.stdout) as PushJson;
    expect(out.digest).not.toBe(first.json!.digest);
    expect(out.layers.filter((l) => l.status === 'pushed')).toHaveLength(1);
    expect(out.layers.filter((l) => l.status === 'existing')).toHaveLength(out.layers.length - 1);
    expect(out.bytes_uploaded / first.json!.bytes_uploaded).toBeLessThan(0.01);
  }, 600_000);

  it('mounts layers into another repository of the same registry instead of uploading them', async () => {
    const res = await push([`${registry.host}/other-team/example:v1`, '--from-image', `${registry.host}/edge/example:v2`, '--json']);
    expect(res.code).toBe(0);
    const out = JSON.parse(res.stdout) as PushJson;
    expect(out.layers.every((l) => l.status === 'mounted')).toBe(true);
    expect(out.bytes_uploaded).toBeLessThan(4096);
  }, 120_000);
});

describe('edge nodes', () => {
  it('run IMAGE@digest pulls into a clean engine, verifies the digest and predicts', async () => {
    const v2 = JSON.parse((await push([`${registry.host}/edge/example:v2`, '--from-image', `${registry.host}/edge/example:v2`, '--json'])).stdout) as PushJson;
    const id = docker(['image', 'inspect', `${registry.host}/edge/example:v2`, '--format', '{{.Id}}']).trim();
    docker(['rmi', '-f', id]);
    expect(() => docker(['image', 'inspect', id])).toThrow();
    const cwd = mkdtempSync(join(tmpdir(), 'edgecog-edge-node-'));
    const res = await runCli(['run', v2.reference, '-i', 'text=edge', '-i', 'scale=2'], { cwd, env });
    expect(res.stderr).not.toContain('internal error');
    expect(res.code).toBe(0);
    expect(res.stderr).toMatch(new RegExp(`Pulling ${v2.reference.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    expect(res.stderr).toMatch(/Pulled .* in [\d.]+s/);
    const outputs = readdirSync(cwd).filter((f) => f.startsWith('output'));
    expect(outputs).toHaveLength(1);
    expect(readFileSync(join(cwd, outputs[0]!)).subarray(0, 2).toString()).toBe('P6');
    expect(docker(['image', 'inspect', v2.reference, '--format', '{{.Id}}']).trim()).toBe(id);
  }, 600_000);

  it('pulling a digest the registry does not have fails clearly', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'edgecog-edge-node-'));
    const res = await runCli(['run', `${registry.host}/edge/example@sha256:${'0'.repeat(64)}`], { cwd, env });
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/error: pulling .* failed: .*manifest unknown/);
    expect(res.stderr).not.toContain('internal error');
  }, 120_000);
});

describe('push: bad names and unreachable registries', () => {
  it.each([
    ['Bad/Name:v1', /invalid image reference 'Bad\/Name:v1': repository name must be lowercase/],
    ['example.com/team/model:.v1', /invalid tag '.v1'/],
    ['example.com/team//model', /empty path component/],
  ])('%s is refused before any build', async (name, message) => {
    const res = await push([name]);
    expect(res.code).toBe(1);
    expect(res.stdout).toBe('');
    expect(res.stderr).toMatch(message);
    expect(res.stderr).not.toMatch(/Building/);
  });

  it('an unknown registry host and a refused connection are clear errors', async () => {
    const image = BASE_IMAGE;
    const unknown = await push(['no-such-registry.invalid/team/model:v1', '--from-image', image]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/unknown registry host no-such-registry\.invalid/);
    const refused = await runCli(['push', '127.0.0.1:9/team/model:v1', '--from-image', image], { cwd: project, env: { ...env, EDGECOG_PUSH_RETRY_DELAY_MS: '10' } });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/cannot connect to 127\.0\.0\.1:9: connection refused/);
    expect(refused.stderr).not.toContain('internal error');
  }, 120_000);
});
