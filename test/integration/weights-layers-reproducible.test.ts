/**
 * `--separate-weights` layers are reproducible (real Docker Engine; a missing engine fails):
 * each weights file's layer is the same bytes (same diffID) in every build that has the same
 * file, whatever changed above it (--no-cache, a new build.run step, another weights file, the
 * classic builder instead of BuildKit), so a push never uploads unchanged weights again; and a
 * code-only change leaves every layer but the code layer alone.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCli, copyFixture, runCli } from './run-cli-helpers.js';

const BASE = ['--base-image', process.env.EDGECOG_BASE_IMAGE || process.env.EDGECOG_TEST_BASE_IMAGE || 'edgecog-base/python:3.11'];
const NAME = 'edgecog-test/weights-layers';
// The diffID of an empty layer (BuildKit's WORKDIR leaves one after the code layer).
const EMPTY_LAYER = 'sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef';
// The fixed time the context writer gives every entry (src/docker/context-tar.ts).
const FIXED_MTIME = '946684800';

function docker(args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function layers(image: string): string[] {
  return JSON.parse(docker(['image', 'inspect', image, '--format', '{{json .RootFS.Layers}}'])) as string[];
}

/** The code layer (the last one with content) and the `weights` layers just before it. */
function split(image: string, weights: number): { code: string; weights: string[]; all: string[] } {
  const all = layers(image);
  let end = all.length;
  while (end > 0 && all[end - 1] === EMPTY_LAYER) end--;
  expect(end - 1 - weights, `too few layers in ${image}`).toBeGreaterThan(0);
  return { code: all[end - 1]!, weights: all.slice(end - 1 - weights, end - 1), all };
}

/** Pseudo-random, incompressible, the same bytes in every run. */
function weightsBytes(seed: string, size: number): Buffer {
  const parts: Buffer[] = [];
  let block = createHash('sha256').update(seed).digest();
  for (let n = 0; n < size; n += block.length) {
    parts.push(block);
    block = createHash('sha256').update(block).digest();
  }
  return Buffer.concat(parts).subarray(0, size);
}

async function build(dir: string, tag: string, extra: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<string> {
  const image = `${NAME}:${tag}`;
  const res = await runCli(['build', '-t', image, '--separate-weights', '--progress', 'plain', ...BASE, ...extra], { cwd: dir, env });
  expect(res.stderr).not.toContain('internal error');
  expect(res.code, res.stderr).toBe(0);
  return image;
}

beforeAll(() => {
  buildCli();
  execFileSync('docker', ['info'], { stdio: 'pipe' });
});

describe('--separate-weights layers', () => {
  it('are byte-identical across rebuilds; a code-only change rebuilds only the code layer', async () => {
    const dir = copyFixture('build-basic');
    mkdirSync(join(dir, 'weights'));
    writeFileSync(join(dir, 'weights', 'model.safetensors'), weightsBytes('model', 4 * 1024 * 1024));
    writeFileSync(join(dir, 'tokenizer.bin'), weightsBytes('tokenizer', 1024 * 1024));

    const first = await build(dir, '1');
    const a = split(first, 2);
    // The fix itself: /src and the directories below it carry the context's fixed time, not the build's.
    const times = docker(['run', '--rm', '--network', 'none', first, 'stat', '-c', '%Y %s %n', '/src', '/src/weights', '/src/weights/model.safetensors', '/src/tokenizer.bin']);
    expect(times.trim().split('\n')).toEqual([
      expect.stringMatching(new RegExp(`^${FIXED_MTIME} \\d+ /src$`)),
      expect.stringMatching(new RegExp(`^${FIXED_MTIME} \\d+ /src/weights$`)),
      `${FIXED_MTIME} ${4 * 1024 * 1024} /src/weights/model.safetensors`,
      `${FIXED_MTIME} ${1024 * 1024} /src/tokenizer.bin`,
    ]);
    expect(docker(['run', '--rm', '--network', 'none', first, 'python', '-c', 'import predict; print(predict.VERSION)']).trim()).toBe('v1');

    // Everything rebuilt from scratch: build.run and the runtime layers get new times, the
    // weights and code layers must not.
    const fresh = split(await build(dir, '2', ['--no-cache']), 2);
    expect(fresh.weights).toEqual(a.weights);
    expect(fresh.code).toBe(a.code);

    // A code-only change: every layer but the code layer stays.
    const predict = join(dir, 'predict.py');
    writeFileSync(predict, readFileSync(predict, 'utf8').replace('VERSION = "v1"', 'VERSION = "v2"'));
    const codeChange = split(await build(dir, '3'), 2);
    expect(codeChange.all.length).toBe(fresh.all.length);
    const differing = codeChange.all.map((l, i) => (l === fresh.all[i] ? -1 : i)).filter((i) => i >= 0);
    expect(differing).toEqual([codeChange.all.indexOf(codeChange.code)]);
    expect(codeChange.weights).toEqual(a.weights);

    // A changed build.run step above the weights, and a new weights file that sorts first
    // (shallow before deep): the existing files' layers are rebuilt yet come out the same.
    const cog = join(dir, 'cog.yaml');
    writeFileSync(cog, readFileSync(cog, 'utf8').replace('  run:\n', '  run:\n    - echo another step > /etc/edgecog-other-marker\n'));
    writeFileSync(join(dir, 'extra.pt'), weightsBytes('extra', 512 * 1024));
    const moved = split(await build(dir, '4'), 3);
    expect(moved.weights.slice(1)).toEqual(a.weights);
    expect(moved.code).toBe(codeChange.code);

    // The classic builder writes the same weights layers as BuildKit.
    const classic = split(await build(dir, 'classic', [], { EDGECOG_BUILDKIT: '0' }), 3);
    expect(classic.weights).toEqual(moved.weights);
    expect(classic.code).toBe(moved.code);
  }, 600_000);
});
