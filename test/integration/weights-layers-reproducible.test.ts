/**
 * `--separate-weights` layers are reproducible (real Docker Engine; a missing engine fails):
 * each weights file's layer is the same bytes (same diffID) in every build that has the same
 * file, whatever changed above it (every step from the runtime down run again, another weights
 * file, the classic builder instead of BuildKit), so a push never uploads unchanged weights
 * again (the runtime layer likewise); and a code-only change leaves every layer but the code
 * layer alone.
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
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

interface Built {
  image: string;
  /** BuildKit steps `COPY .edgecog/weights/...`, and how many of them came from the cache. */
  weightsSteps: number;
  cachedWeightsSteps: number;
}

async function build(dir: string, tag: string, env: NodeJS.ProcessEnv = {}): Promise<Built> {
  const image = `${NAME}:${tag}`;
  const res = await runCli(['build', '-t', image, '--separate-weights', '--progress', 'plain', ...BASE], { cwd: dir, env });
  expect(res.stderr).not.toContain('internal error');
  expect(res.code, res.stderr).toBe(0);
  const stepLines = res.stderr.split('\n').filter((l) => /^\[\d+\/\d+\] COPY \.edgecog\/weights\//.test(l));
  const steps = new Set(stepLines.map((l) => l.split(' ')[0]));
  const cached = new Set(stepLines.filter((l) => l.endsWith(' CACHED')).map((l) => l.split(' ')[0]));
  return { image, weightsSteps: steps.size, cachedWeightsSteps: cached.size };
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
    // A new variable per run, above the runtime, build.run, weights and code steps: their cache
    // keys are this run's own. (Not --no-cache: a second cache record for the shared steps
    // before it lets BuildKit pick either one in later builds, here and in other tests.)
    const cog = join(dir, 'cog.yaml');
    const withNonce = (text: string): string => text.replace(/environment:\n(  - WEIGHTS_TEST_RUN=.*\n)?/, `environment:\n  - WEIGHTS_TEST_RUN=${randomUUID()}\n`);
    writeFileSync(cog, withNonce(readFileSync(cog, 'utf8')));

    const first = await build(dir, '1');
    const a = split(first.image, 2);
    // The fix itself: /src and the directories below it carry the context's fixed time, not the build's.
    const times = docker(['run', '--rm', '--network', 'none', first.image, 'stat', '-c', '%Y %s %n', '/src', '/src/weights', '/src/weights/model.safetensors', '/src/tokenizer.bin']);
    expect(times.trim().split('\n')).toEqual([
      expect.stringMatching(new RegExp(`^${FIXED_MTIME} \\d+ /src$`)),
      expect.stringMatching(new RegExp(`^${FIXED_MTIME} \\d+ /src/weights$`)),
      `${FIXED_MTIME} ${4 * 1024 * 1024} /src/weights/model.safetensors`,
      `${FIXED_MTIME} ${1024 * 1024} /src/tokenizer.bin`,
    ]);

    // A code-only change: every layer but the code layer stays.
    const predict = join(dir, 'predict.py');
    writeFileSync(predict, readFileSync(predict, 'utf8').replace('VERSION = "v1"', 'VERSION = "v2"'));
    const second = await build(dir, '2');
    const codeChange = split(second.image, 2);
    expect(codeChange.all.length).toBe(a.all.length);
    const differing = codeChange.all.map((l, i) => (l === a.all[i] ? -1 : i)).filter((i) => i >= 0);
    expect(differing).toEqual([codeChange.all.indexOf(codeChange.code)]);
    expect(docker(['run', '--rm', '--network', 'none', second.image, 'python', '-c', 'import predict; print(predict.VERSION)']).trim()).toBe('v2');

    // Everything from the runtime down rebuilt (a new variable above it), plus a new weights
    // file that sorts first (shallow before deep): the existing files' layers are made again,
    // not taken from the cache, and come out the same bytes.
    writeFileSync(cog, withNonce(readFileSync(cog, 'utf8')));
    writeFileSync(join(dir, 'extra.pt'), weightsBytes('extra', 512 * 1024));
    const third = await build(dir, '3');
    const rebuilt = split(third.image, 3);
    expect(third.cachedWeightsSteps).toBe(0);
    expect(third.weightsSteps).toBe(3);
    expect(rebuilt.weights.slice(1)).toEqual(a.weights);
    // Past the base and its venv step (cached, before the new variable), only the build.run
    // step's layer (files it writes carry the time), the new file's and the code's (cog.yaml) are
    // new: the runtime layer, rebuilt too, is the same bytes as well.
    const ownStart = layers(BASE[1]!).length + 1;
    const fresh = rebuilt.all.slice(ownStart).filter((l) => !codeChange.all.includes(l));
    expect(fresh).toHaveLength(3);
    expect(fresh).toContain(rebuilt.weights[0]);
    expect(fresh).toContain(rebuilt.code);

    // The classic builder, which runs every step here for the first time (its cache keys differ
    // from BuildKit's), writes the same weights and code layers as BuildKit.
    const classic = split((await build(dir, 'classic', { EDGECOG_BUILDKIT: '0' })).image, 3);
    expect(classic.weights).toEqual(rebuilt.weights);
    expect(classic.code).toBe(rebuilt.code);
    // Only its two RUN steps' layers (venv, build.run) differ from BuildKit's: the runtime's does not.
    expect(classic.all.slice(ownStart).filter((l) => !rebuilt.all.includes(l)).length).toBeLessThanOrEqual(2);
  }, 600_000);
});
