/** `edgecog train IMAGE` against a real Docker Engine (fails without one, as CI requires). */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCli, copyFixture, runCli } from './run-cli-helpers.js';

const BASE = ['--base-image', process.env.EDGECOG_TEST_BASE_IMAGE ?? 'edgecog-base/python:3.11'];
const IMAGE = 'edgecog-test/run-train:train';
let dir = '';

beforeAll(async () => {
  buildCli();
  execFileSync('docker', ['info'], { stdio: 'pipe' });
  dir = copyFixture('run-train');
  const res = await runCli(['build', '-t', IMAGE, ...BASE], { cwd: dir });
  if (res.code !== 0) throw new Error(`build failed:\n${res.stderr}`);
}, 900_000);

describe('edgecog train', () => {
  it('runs the trainer and writes the weights to -w', async () => {
    const res = await runCli(['train', IMAGE, '-i', 'steps=5', '-i', 'tag=docker', '-w', 'trained.txt'], { cwd: dir });
    expect(res.stderr).not.toContain('internal error');
    expect(res.code).toBe(0);
    expect(readFileSync(join(dir, 'trained.txt'), 'utf8')).toBe('docker:5');
    expect(JSON.parse(res.stdout)).toEqual({ weights: 'trained.txt', steps: 5 });
  });

  it('rejects training inputs the trainer does not declare', async () => {
    const res = await runCli(['train', IMAGE, '-i', 'step=5'], { cwd: dir });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('did you mean "steps"?');
  });
});
