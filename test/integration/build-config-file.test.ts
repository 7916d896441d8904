/**
 * `build -f other.yaml`: the runtime reads /src/cog.yaml, so the build context writes that
 * config as src/cog.yaml itself; there is no `RUN cp` step (a layer with the build's own times,
 * different in every build). Real Docker Engine; a missing engine fails the test.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCli, runCli } from './run-cli-helpers.js';

const BASE = ['--base-image', process.env.EDGECOG_TEST_BASE_IMAGE ?? 'edgecog-base/python:3.11'];

beforeAll(() => {
  buildCli();
  execFileSync('docker', ['info'], { stdio: 'pipe' });
});

const layers = (image: string): string[] =>
  JSON.parse(execFileSync('docker', ['image', 'inspect', image, '--format', '{{json .RootFS.Layers}}'], { encoding: 'utf8' })) as string[];

const history = (image: string): string =>
  execFileSync('docker', ['history', '--no-trunc', '--format', '{{.CreatedBy}}', image], { encoding: 'utf8' });

const cat = (image: string, path: string): string =>
  execFileSync('docker', ['run', '--rm', '--network', 'none', image, 'cat', path], { encoding: 'utf8' });

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'edgecog-config-file-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('build -f other.yaml', () => {
  // A per-run value: the code layer is really built by this run.
  const marker = randomBytes(6).toString('hex');
  const predict = `from cog import BasePredictor\n\nMARKER = "${marker}"\n\n\nclass Predictor(BasePredictor):\n    def predict(self, name: str) -> str:\n        return name\n`;
  const devConfig = `build:\n  python_version: "3.11"\nenvironment:\n  - WHICH=dev\nrun: "predict.py:Predictor"\n`;

  it("puts that config at /src/cog.yaml, next to the project's own config files, with no RUN step", async () => {
    const dir = project({ 'cog.yaml': 'build:\n  python_version: "3.11"\nrun: "predict.py:Nothing"\n', 'cog.dev.yaml': devConfig, 'predict.py': predict });
    const image = 'edgecog-test/config-file:dev';
    const res = await runCli(['build', '-f', 'cog.dev.yaml', '-t', image, '--progress', 'plain', ...BASE], { cwd: dir });
    expect(res.stderr).not.toContain('internal error');
    expect(res.code, res.stderr).toBe(0);
    expect(cat(image, '/src/cog.yaml')).toBe(devConfig);
    expect(cat(image, '/src/cog.dev.yaml')).toBe(devConfig);
    expect(history(image)).not.toMatch(/cp .*cog\.yaml/);
    const env = execFileSync('docker', ['image', 'inspect', image, '--format', '{{json .Config.Env}}'], { encoding: 'utf8' });
    expect(env).toContain('WHICH=dev');
  }, 240_000);

  it('gives the very layers of the same project built with its config named cog.yaml', async () => {
    // The -f config is .dockerignored, so both code trees hold exactly cog.yaml + predict.py.
    const plain = project({ 'cog.yaml': devConfig, 'predict.py': predict, '.dockerignore': 'other.yaml\n' });
    const named = project({ 'other.yaml': devConfig, 'predict.py': predict, '.dockerignore': 'other.yaml\n' });
    const a = await runCli(['build', '-t', 'edgecog-test/config-file:plain', '--progress', 'plain', ...BASE], { cwd: plain });
    expect(a.code, a.stderr).toBe(0);
    const b = await runCli(['build', '-f', 'other.yaml', '-t', 'edgecog-test/config-file:named', '--progress', 'plain', ...BASE], { cwd: named });
    expect(b.code, b.stderr).toBe(0);
    expect(layers('edgecog-test/config-file:named')).toEqual(layers('edgecog-test/config-file:plain'));
    expect(cat('edgecog-test/config-file:named', '/src/cog.yaml')).toBe(devConfig);
  }, 240_000);
});
