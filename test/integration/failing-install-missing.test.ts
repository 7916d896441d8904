/**
 * A failing `pip install` shows pip's own error (which requirement, which version, which index)
 * and exits 1, with nothing on stdout and no "internal error" banner. The requirements come from
 * fixtures/models/bad-requirement (a package no index has) and a version that does not exist.
 * Required in CI: no engine or index = failure.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCli, copyFixture, runCli } from './run-cli-helpers.js';
import { cleanPipEnv, localIndex, type LocalIndex } from './helpers/index-server.js';

let index: LocalIndex;

beforeAll(() => {
  buildCli();
  execFileSync('docker', ['info'], { stdio: 'pipe' });
  index = localIndex();
});

function expectPipFailure(res: { code: number | null; stdout: string; stderr: string }): void {
  expect(res.code, res.stderr).toBe(1);
  expect(res.stdout).toBe('');
  expect(res.stderr).not.toContain('internal error');
  // No JavaScript stack without --debug.
  expect(res.stderr).not.toMatch(/^\s+at .+\(.+:\d+:\d+\)$/m);
  // Which index pip looked in, in pip's words.
  expect(res.stderr).toContain(`Looking in indexes: ${index.indexUrl}`);
  // The step that failed is the install, named as such.
  expect(res.stderr).toMatch(/^error: .*build failed.*pip install/m);
}

describe('a failing pip install', () => {
  it('a package that does not exist: pip says which, the build exits 1', async () => {
    const dir = copyFixture('bad-requirement');
    const res = await runCli(['build', '-t', 'edgecog-test/bad-requirement:1', '--progress', 'plain', ...index.flags], { cwd: dir, env: cleanPipEnv });
    expectPipFailure(res);
    expect(res.stderr).toContain('Could not find a version that satisfies the requirement edgecog-no-such-package==1.0.0 (from versions: none)');
    expect(res.stderr).toContain('No matching distribution found for edgecog-no-such-package==1.0.0');
    expect(() => execFileSync('docker', ['image', 'inspect', 'edgecog-test/bad-requirement:1'], { stdio: 'pipe' })).toThrow();
  }, 300_000);

  it('a version that does not exist: pip lists the versions the index has', async () => {
    const dir = copyFixture('bad-requirement');
    writeFileSync(join(dir, 'requirements.txt'), 'six==0.0.99\n');
    const res = await runCli(['build', '-t', 'edgecog-test/bad-requirement:version', '--progress', 'plain', ...index.flags], { cwd: dir, env: cleanPipEnv });
    expectPipFailure(res);
    expect(res.stderr).toMatch(/Could not find a version that satisfies the requirement six==0\.0\.99 \(from versions: [^)]*1\.17\.0[^)]*\)/);
    expect(res.stderr).toContain('No matching distribution found for six==0.0.99');
  }, 300_000);

  it('run (which builds first) fails the same way, before any container starts', async () => {
    const dir = copyFixture('bad-requirement');
    const res = await runCli(['run', '--progress', 'plain', ...index.flags], { cwd: dir, env: cleanPipEnv });
    expectPipFailure(res);
    expect(res.stderr).toContain('No matching distribution found for edgecog-no-such-package==1.0.0');
    expect(res.stderr).not.toMatch(/Running setup\(\)|Running prediction/);
  }, 300_000);
});
