/**
 * Rebuilding after a change to the model's code only must reuse every layer but the code layer
 * (real Docker Engine; a missing engine fails the test).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCli, copyFixture, runCli } from './run-cli-helpers.js';

const BASE = ['--base-image', process.env.EDGECOG_TEST_BASE_IMAGE ?? 'edgecog-base/python:3.11'];

function layers(image: string): string[] {
  return JSON.parse(execFileSync('docker', ['image', 'inspect', image, '--format', '{{json .RootFS.Layers}}'], { encoding: 'utf8' })) as string[];
}

beforeAll(() => {
  buildCli();
  execFileSync('docker', ['info'], { stdio: 'pipe' });
});

describe('edgecog build cache', () => {
  it('a code-only change rebuilds only the code layer', async () => {
    const dir = copyFixture('build-basic');
    const first = await runCli(['build', '-t', 'edgecog-test/build-cache:1', '--progress', 'plain', ...BASE], { cwd: dir });
    expect(first.stderr).not.toContain('internal error');
    expect(first.code).toBe(0);
    // Same project again: every step cached, the same image.
    const again = await runCli(['build', '-t', 'edgecog-test/build-cache:1b', '--progress', 'plain', ...BASE], { cwd: dir });
    expect(again.code).toBe(0);
    expect(layers('edgecog-test/build-cache:1b')).toEqual(layers('edgecog-test/build-cache:1'));

    // A change this engine has never seen: the code layer is reproducible (fixed metadata), so
    // the same edit made by an earlier run of this test would be a legitimate cache hit.
    const v2 = `v2-${randomBytes(6).toString('hex')}`;
    const predict = join(dir, 'predict.py');
    writeFileSync(predict, readFileSync(predict, 'utf8').replace('VERSION = "v1"', `VERSION = "${v2}"`));
    const second = await runCli(['build', '-t', 'edgecog-test/build-cache:2', '--progress', 'plain', ...BASE], { cwd: dir });
    expect(second.code).toBe(0);

    const before = layers('edgecog-test/build-cache:1');
    const after = layers('edgecog-test/build-cache:2');
    expect(after.length).toBe(before.length);
    const differing = after.map((l, i) => (l === before[i] ? -1 : i)).filter((i) => i >= 0);
    // One layer differs: the code's. (BuildKit's WORKDIR adds an empty layer after it, the same in both.)
    expect(differing).toHaveLength(1);
    expect(after.slice(differing[0]! + 1)).toEqual(before.slice(differing[0]! + 1));

    // Every step before the code COPY reports CACHED in the second build.
    const stepLines = second.stderr.split('\n').filter((l) => /^\[\d+\/\d+\] /.test(l));
    const steps = [...new Set(stepLines.map((l) => l.split(' ')[0]!))];
    const codeStep = stepLines.find((l) => l.includes('COPY .edgecog/code/'))!.split(' ')[0]!;
    const cached = new Set(stepLines.filter((l) => l.endsWith(' CACHED')).map((l) => l.split(' ')[0]!));
    for (const step of steps.slice(1, steps.indexOf(codeStep))) expect(cached, `${step} should be CACHED:\n${second.stderr}`).toContain(step);
    expect(cached.has(codeStep)).toBe(false);

    const out = execFileSync('docker', ['run', '--rm', '--network', 'none', 'edgecog-test/build-cache:2', 'python', '-c', 'import predict; print(predict.VERSION)'], { encoding: 'utf8' });
    expect(out.trim()).toBe(v2);
  }, 240_000);
});
