/** `edgecog exec` (and the classic `run CMD`) against a real Docker Engine. */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCli, copyFixture, runCli } from './run-cli-helpers.js';

const BASE = ['--base-image', process.env.EDGECOG_TEST_BASE_IMAGE ?? 'edgecog-base/python:3.11'];
let dir = '';

function edgecogContainers(): string[] {
  return execFileSync('docker', ['ps', '-a', '-q', '--filter', 'label=org.edgecog.container'], { encoding: 'utf8' }).split('\n').filter(Boolean);
}

beforeAll(() => {
  buildCli();
  execFileSync('docker', ['info'], { stdio: 'pipe' });
  dir = copyFixture('run-inputs');
  writeFileSync(join(dir, 'hello.py'), 'import os, sys\nprint("cwd", os.getcwd(), "env", os.environ.get("GREETING"), "args", sys.argv[1:])\n');
});

describe('edgecog exec', () => {
  it('runs the command with the project at /src, -e and arguments passed through', async () => {
    const before = edgecogContainers();
    const res = await runCli(['exec', ...BASE, '-e', 'GREETING=hi', 'python', 'hello.py', '-x', '--flag'], { cwd: dir });
    expect(res.stderr).not.toContain('internal error');
    expect(res.code).toBe(0);
    expect(res.stdout).toContain("cwd /src env hi args ['-x', '--flag']");
    expect(edgecogContainers()).toEqual(before);
  }, 900_000);

  it("exits with the command's exit code and passes stdin", async () => {
    const res = await runCli(['exec', ...BASE, 'python', '-c', 'import sys; data = sys.stdin.read(); print(data.upper()); sys.exit(3)'], { cwd: dir, stdin: 'piped' });
    expect(res.code).toBe(3);
    expect(res.stdout).toContain('PIPED');
  }, 900_000);

  it('keeps the pre-0.20 "run CMD ARGS" form working, with a deprecation note', async () => {
    const res = await runCli(['run', ...BASE, 'python', '-c', 'print(6 * 7)'], { cwd: dir });
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('42');
    expect(res.stderr).toContain('deprecated');
  }, 900_000);

  it('--gpus on an engine without the NVIDIA runtime says what to install', async () => {
    const res = await runCli(['exec', ...BASE, '--gpus', 'all', 'python', '-c', 'print(1)'], { cwd: dir });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('NVIDIA Container Toolkit');
  }, 900_000);
});
