/**
 * What reproducible weights layers buy at push time (real engine, real docker-registry on
 * 127.0.0.1): after a runtime update, which rebuilds every layer from the runtime down, the
 * second push finds the weights layer already in the registry and uploads under 1% of the
 * image; the same after a code-only change. Both push clients (engine, our OCI client).
 */
import { appendFileSync, cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, repoRoot, runCli } from './run-cli-helpers.js';
import { BASE_IMAGE, changeOneLineOfCode, docker, exampleProjectWithWeights, startRegistry, type PushJson, type TestRegistry } from './push-helpers.js';

const WEIGHTS = 8 * 1024 * 1024;
const registries: TestRegistry[] = [];

beforeAll(() => {
  buildCli();
  docker(['info']);
  docker(['image', 'inspect', BASE_IMAGE]);
});

afterAll(async () => {
  for (const r of registries) await r.stop();
  const hosts = registries.map((r) => `${r.host}/`);
  for (const line of docker(['images', '--format', '{{.Repository}}:{{.Tag}}']).split('\n')) {
    if (hosts.some((h) => line.startsWith(h))) docker(['rmi', '-f', line.replace(/:<none>$/, '')]);
  }
});

/** A copy of the runtime package (EDGECOG_RUNTIME_DIR), so a test can "update" it. */
function runtimeCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'edgecog-runtime-copy-'));
  cpSync(join(repoRoot, 'templates', 'runtime'), dir, { recursive: true });
  return dir;
}

const sum = (layers: PushJson['layers']): number => layers.reduce((n, l) => n + l.size, 0);
const uploaded = (json: PushJson): number => sum(json.layers.filter((l) => l.status === 'pushed'));
const total = (json: PushJson): number => sum(json.layers);
/**
 * Bytes uploaded for the layers edgecog writes from the context (runtime, weights, code) and
 * build.run: everything past the base image and its venv step. That step is cached, yet when
 * another build (here, another test or session on the same engine) ran it again with
 * --no-cache, BuildKit takes the newest of the equal cache records and its layer is new.
 */
const uploadedOwn = (json: PushJson): number => sum(json.layers.slice(layers(BASE_IMAGE) + 1).filter((l) => l.status === 'pushed'));

function layers(image: string): number {
  return (JSON.parse(docker(['image', 'inspect', image, '--format', '{{json .RootFS.Layers}}'])) as string[]).length;
}

describe.each(['engine', 'oci'] as const)('reproducible weights layers at push time (%s client)', (client) => {
  it('a runtime update and a code-only change upload neither the weights nor more than 1% of the image', async () => {
    const registry = await startRegistry();
    registries.push(registry);
    const project = exampleProjectWithWeights(WEIGHTS);
    const runtime = runtimeCopy();
    const env = { EDGECOG_PUSH_CLIENT: client, EDGECOG_RUNTIME_DIR: runtime };
    const push = async (tag: string): Promise<PushJson> => {
      const res = await runCli(['push', `${registry.host}/edge/weights:${tag}`, '--separate-weights', '--json', '--progress', 'quiet', '--base-image', BASE_IMAGE], { cwd: project, env });
      expect(res.stderr).not.toContain('internal error');
      expect(res.code, res.stderr).toBe(0);
      return JSON.parse(res.stdout) as PushJson;
    };

    const first = await push('1');
    const weightsLayer = first.layers.find((l) => l.size >= WEIGHTS);
    expect(weightsLayer, JSON.stringify(first.layers)).toBeDefined();
    expect(weightsLayer!.status).toBe('pushed');

    // A runtime update: the runtime COPY and every step after it run again.
    appendFileSync(join(runtime, 'cog', '__init__.py'), `\n# runtime update ${Date.now()}\n`);
    const second = await push('2');
    expect(second.digest).not.toBe(first.digest);
    expect(second.layers.find((l) => l.digest === weightsLayer!.digest)?.status).toBe('existing');
    expect(uploadedOwn(second)).toBeLessThan(total(second) / 100);

    changeOneLineOfCode(project);
    const third = await push('3');
    expect(third.layers.find((l) => l.digest === weightsLayer!.digest)?.status).toBe('existing');
    expect(uploadedOwn(third)).toBeLessThan(total(third) / 100);
    console.log(
      `[${client}] bytes uploaded (past the venv step): first ${uploaded(first)} (${uploadedOwn(first)}), after a runtime update ${uploaded(second)} (${uploadedOwn(second)}), after a code-only change ${uploaded(third)} (${uploadedOwn(third)}); image ${total(first)}`,
    );
  }, 300_000);
});
