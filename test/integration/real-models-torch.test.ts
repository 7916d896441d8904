/**
 * A small PyTorch model pinned like a real project (torch==2.13.0, the CPU wheel) end to end,
 * offline: the test makes the weights file with the model's own environment (`edgecog exec`),
 * builds from the machine's local index on 127.0.0.1, then `run` with a file input, `serve` over
 * HTTP, `push` to a local registry, and a code-only rebuild that must reuse the torch layer.
 * Required in CI: no engine, index or registry binary = failure.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFreePort } from '../../src/prediction/free-port.js';
import { buildCli, copyFixture, runCli, startCli } from './run-cli-helpers.js';
import {
  baseImage,
  cleanPipEnv,
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

const IMAGE = 'edgecog-test/real-torch-small:1';

let index: LocalIndex;
let registry: LocalRegistry | undefined;
let dir = '';
let input: Buffer;

// The same computation as predict.py, without the Cog runtime: the weights file read directly.
const REFERENCE = `
import os, sys, torch
from net import SmallNet, features, WEIGHTS
torch.set_num_threads(max(1, min(4, os.cpu_count() or 1)))
net = SmallNet(); net.load_state_dict(torch.load(WEIGHTS, weights_only=True)); net.eval()
with torch.no_grad():
    probs = torch.softmax(net(features(sys.stdin.buffer.read())), dim=1)[0]
scores, labels = torch.topk(probs, int(sys.argv[1]))
for l, s in zip(labels.tolist(), scores.tolist()):
    print(f"class_{l} {s:.6f}")
`;

function reference(image: string, topK: number): string[] {
  return execFileSync('docker', ['run', '--rm', '-i', '--network', 'none', image, 'python', '-c', REFERENCE, String(topK)], { input, encoding: 'utf8' })
    .trim()
    .split('\n');
}

/** The same classes in the same order, scores equal to 1e-5 (thread scheduling may move the last bits). */
function expectSamePrediction(got: string[], want: string[]): void {
  const parse = (lines: string[]): Array<[string, number]> => lines.map((l) => [l.split(' ')[0]!, Number(l.split(' ')[1])]);
  expect(parse(got).map(([c]) => c)).toEqual(parse(want).map(([c]) => c));
  parse(got).forEach(([, score], i) => expect(score).toBeCloseTo(parse(want)[i]![1], 5));
}

beforeAll(async () => {
  buildCli();
  execFileSync('docker', ['info'], { stdio: 'pipe' });
  index = localIndex();
  registry = await startRegistry();
  dir = copyFixture('torch-small');
  // Skewed bytes so that the byte histogram is far from uniform.
  input = Buffer.from(randomBytes(20_000).map((b) => (b % 3 === 0 ? b : b & 0x1f)));
  writeFileSync(join(dir, 'input.bin'), input);
  // The weights are made by the model's own environment, as a user would: exec builds it first.
  const weights = await runCli(['exec', '--progress', 'plain', ...index.flags, 'python', 'make_weights.py'], { cwd: dir, env: cleanPipEnv });
  if (weights.code !== 0) throw new Error(`exec make_weights.py failed (${weights.code}):\n${weights.stderr}`);
  const res = await runCli(['build', '-t', IMAGE, '--progress', 'plain', ...index.flags], { cwd: dir, env: cleanPipEnv });
  if (res.code !== 0) throw new Error(`build failed (${res.code}):\n${res.stderr}`);
}, 900_000);

afterAll(async () => {
  await registry?.stop();
});

describe('PyTorch model (torch==2.13.0 CPU) from the local package index', () => {
  it('has torch 2.13.0 and a weights file of a few MB in the image', () => {
    const size = statSync(join(dir, 'weights.pth')).size;
    expect(size).toBeGreaterThan(2e6);
    expect(size).toBeLessThan(20e6);
    const out = execFileSync('docker', ['run', '--rm', '--network', 'none', IMAGE, 'python', '-c', 'import os, torch; print(torch.__version__, os.path.getsize("/src/weights.pth"))'], { encoding: 'utf8' });
    expect(out.trim()).toBe(`2.13.0+cpu ${size}`);
  }, 60_000);

  it('run: a file in, the iterator output printed; the weights from setup() were used', async () => {
    const res = await runCli(['run', IMAGE, '-i', 'data=@input.bin', '-i', 'top_k=3'], { cwd: dir });
    expect(res.stderr).not.toContain('internal error');
    expect(res.code, res.stderr).toBe(0);
    const lines = res.stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    for (const line of lines) expect(line).toMatch(/^class_\d \d\.\d{6}$/);
    expectSamePrediction(lines, reference(IMAGE, 3));
  }, 180_000);

  it('serve: the same prediction over HTTP, the iterator as a list', async () => {
    const port = await findFreePort();
    const cli = startCli(['serve', IMAGE, '-p', String(port)], { cwd: dir });
    try {
      await cli.waitFor(/Serving at http:\/\/\S+/, 'stderr');
      await waitReady(port);
      const res = await fetch(`http://127.0.0.1:${port}/predictions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ input: { data: `data:application/octet-stream;base64,${input.toString('base64')}`, top_k: 5 } }),
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { status: string; output: string[]; error?: string; metrics?: { predict_time?: number } };
      expect(body.error ?? null).toBeNull();
      expect(body.status).toBe('succeeded');
      expectSamePrediction(body.output, reference(IMAGE, 5));
      // top_k is validated from the schema: 11 is past le=10.
      const bad = await fetch(`http://127.0.0.1:${port}/predictions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ input: { data: 'data:application/octet-stream;base64,AAAA', top_k: 11 } }),
      });
      expect(bad.status).toBe(422);
    } finally {
      cli.child.kill('SIGINT');
      await cli.done;
    }
  }, 180_000);

  it('push: to a local registry; the manifest is there under the printed digest', async () => {
    const res = await runCli(['push', `${registry!.host}/real/torch-small:1`, '--json', ...index.flags], { cwd: dir, env: cleanPipEnv });
    expect(res.stderr).not.toContain('internal error');
    expect(res.code, res.stderr).toBe(0);
    const pushed = JSON.parse(res.stdout) as { digest: string; layers: Array<{ digest: string; size: number }> };
    const manifest = await fetchManifest(registry!.host, 'real/torch-small', '1');
    expect(manifest.digest).toBe(pushed.digest);
    expect(manifest.layers).toEqual(pushed.layers.map((l) => l.digest));
    // torch is in there: the largest layer, compressed, is well over 100 MB.
    expect(Math.max(...pushed.layers.map((l) => l.size))).toBeGreaterThan(100e6);
  }, 600_000);

  it('a code-only change rebuilds without pip: the torch install layer is reused', async () => {
    const predict = join(dir, 'predict.py');
    writeFileSync(predict, readFileSync(predict, 'utf8').replace('VERSION = "v1"', 'VERSION = "v2"'));
    const started = Date.now();
    const res = await runCli(['build', '-t', 'edgecog-test/real-torch-small:2', '--progress', 'plain', ...index.flags], { cwd: dir, env: cleanPipEnv });
    const seconds = (Date.now() - started) / 1000;
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).not.toMatch(/Collecting |Installing collected packages|Downloading /);

    const before = imageLayers(IMAGE, baseImage());
    const after = imageLayers('edgecog-test/real-torch-small:2', baseImage());
    const install = installLayer(after);
    expect(install.diffId).toBe(installLayer(before).diffId);
    expect(install.size).toBeGreaterThan(300e6);
    expectOnlyCodeRebuilt(before, after);
    const version = execFileSync('docker', ['run', '--rm', '--network', 'none', 'edgecog-test/real-torch-small:2', 'python', '-c', 'import predict; print(predict.VERSION)'], { encoding: 'utf8' });
    expect(version.trim()).toBe('v2');
    // Generous: a rebuild that reinstalled torch takes minutes on these machines.
    expect(seconds).toBeLessThan(90);
  }, 300_000);
});
