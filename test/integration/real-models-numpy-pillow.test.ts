/**
 * A real image model (numpy + pillow from the package index) end to end, offline: build from the
 * machine's local index served on 127.0.0.1 (host networking), `run` with an image file, `serve`
 * over HTTP, `push` to a local registry, and a code-only rebuild that must not re-run pip.
 * Required in CI: no engine, index or registry binary = failure.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFreePort } from '../../src/prediction/free-port.js';
import { buildCli, copyFixture, runCli, startCli } from './run-cli-helpers.js';
import {
  baseImage,
  cleanPipEnv,
  decodeGrayPng,
  encodeGrayPng,
  expectOnlyCodeRebuilt,
  fetchManifest,
  imageLayers,
  installLayer,
  localIndex,
  startRegistry,
  waitReady,
  type LocalIndex,
  type LocalRegistry,
} from './helpers/index-server.js';

const IMAGE = 'edgecog-test/real-numpy-pillow:1';
const W = 24;
const H = 10;
const shade = (x: number, y: number): number => (x * 10 + y * 7) % 256;

let index: LocalIndex;
let registry: LocalRegistry | undefined;
let dir = '';
let pushedDigest = '';

beforeAll(async () => {
  buildCli();
  execFileSync('docker', ['info'], { stdio: 'pipe' });
  index = localIndex();
  registry = await startRegistry();
  dir = copyFixture('numpy-pillow');
  writeFileSync(join(dir, 'in.png'), encodeGrayPng(W, H, shade));
  const res = await runCli(['build', '-t', IMAGE, '--progress', 'plain', ...index.flags], { cwd: dir, env: cleanPipEnv });
  if (res.code !== 0) throw new Error(`build failed (${res.code}):\n${res.stderr}`);
}, 900_000);

afterAll(async () => {
  await registry?.stop();
});

function expectInverted(png: Buffer, scale = 1): void {
  const out = decodeGrayPng(png);
  expect([out.width, out.height]).toEqual([W * scale, H * scale]);
  for (let y = 0; y < out.height; y++) {
    for (let x = 0; x < out.width; x++) {
      const expected = 255 - shade(Math.floor(x / scale), Math.floor(y / scale));
      if (out.pixels[y * out.width + x] !== expected) throw new Error(`pixel ${x},${y}: ${out.pixels[y * out.width + x]} != ${expected}`);
    }
  }
}

describe('numpy + pillow model from the local package index', () => {
  it('has the pinned packages installed, importable with no network', () => {
    const out = execFileSync('docker', ['run', '--rm', '--network', 'none', IMAGE, 'python', '-c', 'import numpy, PIL; print(numpy.__version__, PIL.__version__)'], { encoding: 'utf8' });
    expect(out.trim()).toBe('2.2.6 11.3.0');
  }, 60_000);

  it('run: an image file in, the processed image file out', async () => {
    const res = await runCli(['run', IMAGE, '-i', 'image=@in.png', '-o', 'out.png'], { cwd: dir });
    expect(res.stderr).not.toContain('internal error');
    expect(res.code, res.stderr).toBe(0);
    expectInverted(readFileSync(join(dir, 'out.png')));

    // Other inputs reach the model: scale 2 doubles the size (nearest neighbour keeps the values).
    const scaled = await runCli(['run', IMAGE, '-i', 'image=@in.png', '-i', 'scale=2', '-o', 'scaled.png'], { cwd: dir });
    expect(scaled.code, scaled.stderr).toBe(0);
    expectInverted(readFileSync(join(dir, 'scaled.png')), 2);
  }, 120_000);

  it('serve: the same prediction over HTTP with a data URL input', async () => {
    const port = await findFreePort();
    const cli = startCli(['serve', IMAGE, '-p', String(port)], { cwd: dir });
    try {
      await cli.waitFor(/Serving at http:\/\/\S+/, 'stderr');
      await waitReady(port);
      const image = `data:image/png;base64,${readFileSync(join(dir, 'in.png')).toString('base64')}`;
      const res = await fetch(`http://127.0.0.1:${port}/predictions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ input: { image } }),
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { status: string; output: string; error?: string };
      expect(body.error ?? null).toBeNull();
      expect(body.status).toBe('succeeded');
      const m = /^data:image\/png;base64,(.*)$/.exec(body.output);
      expect(m, String(body.output).slice(0, 80)).not.toBeNull();
      expectInverted(Buffer.from(m![1]!, 'base64'));
    } finally {
      cli.child.kill('SIGINT');
      await cli.done;
    }
  }, 120_000);

  it('push: to a local registry; the manifest is there under the printed digest', async () => {
    const ref = `${registry!.host}/real/numpy-pillow:1`;
    const res = await runCli(['push', ref, '--json', ...index.flags], { cwd: dir, env: cleanPipEnv });
    expect(res.stderr).not.toContain('internal error');
    expect(res.code, res.stderr).toBe(0);
    const pushed = JSON.parse(res.stdout) as { digest: string; layers: Array<{ digest: string; size: number }> };
    expect(pushed.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    pushedDigest = pushed.digest;
    const manifest = await fetchManifest(registry!.host, 'real/numpy-pillow', '1');
    expect(manifest.digest).toBe(pushed.digest);
    expect(manifest.layers).toEqual(pushed.layers.map((l) => l.digest));
  }, 300_000);

  it('a code-only change rebuilds without pip: the install layer is reused (and not pushed again)', async () => {
    const predict = join(dir, 'predict.py');
    writeFileSync(predict, readFileSync(predict, 'utf8').replace('VERSION = "v1"', 'VERSION = "v2"'));
    const res = await runCli(['build', '-t', 'edgecog-test/real-numpy-pillow:2', '--progress', 'plain', ...index.flags], { cwd: dir, env: cleanPipEnv });
    expect(res.code, res.stderr).toBe(0);
    // pip never ran: its own output is absent from the build log.
    expect(res.stderr).not.toMatch(/Collecting |Installing collected packages|Downloading /);

    const before = imageLayers(IMAGE, baseImage());
    const after = imageLayers('edgecog-test/real-numpy-pillow:2', baseImage());
    const install = installLayer(after);
    expect(install.diffId).toBe(installLayer(before).diffId);
    expect(install.size).toBeGreaterThan(20e6); // numpy + pillow really are in it
    expectOnlyCodeRebuilt(before, after);
    const version = execFileSync('docker', ['run', '--rm', '--network', 'none', 'edgecog-test/real-numpy-pillow:2', 'python', '-c', 'import predict; print(predict.VERSION)'], { encoding: 'utf8' });
    expect(version.trim()).toBe('v2');

    // Pushing the new version uploads the code, not the dependencies again.
    const push = await runCli(['push', `${registry!.host}/real/numpy-pillow:2`, '--json', ...index.flags], { cwd: dir, env: cleanPipEnv });
    expect(push.code, push.stderr).toBe(0);
    const second = JSON.parse(push.stdout) as { digest: string; layers: Array<{ size: number; status: string }> };
    expect(second.digest).not.toBe(pushedDigest);
    const uploaded = second.layers.filter((l) => l.status === 'pushed');
    expect(uploaded.length).toBeLessThanOrEqual(2);
    expect(uploaded.reduce((n, l) => n + l.size, 0)).toBeLessThan(1e6);
  }, 600_000);
});
