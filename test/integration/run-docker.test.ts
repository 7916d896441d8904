/**
 * `edgecog run` / `predict` against a real Docker Engine: images built from fixtures/models
 * with the CI base image. A missing engine fails these tests (CI requires them).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCli, copyFixture, runCli, startCli } from './run-cli-helpers.js';

const BASE = ['--base-image', process.env.EDGECOG_TEST_BASE_IMAGE ?? 'edgecog-base/python:3.11'];
const tag = (name: string): string => `edgecog-test/${name}:run`;

function edgecogContainers(): string[] {
  const out = execFileSync('docker', ['ps', '-a', '-q', '--filter', 'label=org.edgecog.container'], { encoding: 'utf8' });
  return out.split('\n').filter(Boolean);
}

async function buildFixture(name: string): Promise<string> {
  const dir = copyFixture(name);
  const res = await runCli(['build', '-t', tag(name), ...BASE], { cwd: dir });
  if (res.code !== 0) throw new Error(`building ${name} failed (${res.code}):\n${res.stderr}`);
  return dir;
}

const dirs: Record<string, string> = {};

beforeAll(async () => {
  buildCli();
  // Fails (not skips) when there is no engine: docker info exits non-zero.
  execFileSync('docker', ['info'], { stdio: 'pipe' });
  for (const name of ['run-inputs', 'run-file-outputs', 'run-iterator', 'run-setup-fails', 'run-predict-fails']) {
    dirs[name] = await buildFixture(name);
  }
}, 900_000);

describe('edgecog run IMAGE', () => {
  it('sends every input kind and prints the output; the container is removed', async () => {
    const dir = dirs['run-inputs']!;
    writeFileSync(join(dir, 'note.txt'), 'from a file');
    const before = edgecogContainers();
    const res = await runCli(
      ['run', tag('run-inputs'), '-i', 'text=docker', '-i', 'count=2', '-i', 'ratio=0.25', '-i', 'flag=yes', '-i', 'color=green', '-i', 'numbers=[7, 8]', '-i', 'doc=@note.txt'],
      { cwd: dir },
    );
    expect(res.stderr).not.toContain('internal error');
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)).toEqual({
      text: 'docker',
      count: [2, 'int'],
      ratio: [0.25, 'float'],
      flag: [true, 'bool'],
      color: 'green',
      numbers: [7, 8],
      doc: 'from a file',
      doc_suffix: 'txt',
    });
    expect(edgecogContainers()).toEqual(before);
  });

  it('validates inputs against the schema label before starting anything', async () => {
    const res = await runCli(['run', tag('run-inputs'), '-i', 'text=x', '-i', 'colour=red'], { cwd: dirs['run-inputs']! });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('did you mean "color"?');
  });

  it('reports a missing input file, naming the input', async () => {
    const res = await runCli(['run', tag('run-inputs'), '-i', 'text=x', '-i', 'doc=@absent.png'], { cwd: dirs['run-inputs']! });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('input "doc": file not found: absent.png');
  });

  it('writes file outputs, numbered', async () => {
    const dir = dirs['run-file-outputs']!;
    const res = await runCli(['run', tag('run-file-outputs'), '-i', 'n=2'], { cwd: dir });
    expect(res.code).toBe(0);
    expect(readFileSync(join(dir, 'output.0.txt'), 'utf8')).toBe('item 0');
    expect(readFileSync(join(dir, 'output.1.txt'), 'utf8')).toBe('item 1');
  });

  it('prints every iterator item on its own line', async () => {
    const dir = dirs['run-iterator']!;
    const res = await runCli(['run', tag('run-iterator'), '-i', 'count=3'], { cwd: dir });
    expect(res.code).toBe(0);
    expect(res.stdout).toBe('chunk 0\nchunk 1\nchunk 2\n');
  });

  it('a failing setup shows its logs and exits 1, leaving no container', async () => {
    const before = edgecogContainers();
    const res = await runCli(['run', tag('run-setup-fails')], { cwd: dirs['run-setup-fails']! });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('edgecog-fixture: weights are missing');
    expect(edgecogContainers()).toEqual(before);
  });

  it('a failing predict exits 1 with the error', async () => {
    const res = await runCli(['run', tag('run-predict-fails'), '-i', 'divisor=0'], { cwd: dirs['run-predict-fails']! });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('division');
  });

  it('--gpus on an engine without the NVIDIA runtime says what to install', async () => {
    const res = await runCli(['run', tag('run-inputs'), '--gpus', 'all', '-i', 'text=x'], { cwd: dirs['run-inputs']! });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('could not select device driver');
    expect(res.stderr).toContain('NVIDIA Container Toolkit');
  });

  it('Ctrl-C during setup removes the container and exits 130', async () => {
    const before = edgecogContainers();
    const cli = startCli(['run', tag('run-inputs'), '-i', 'text=x'], { cwd: dirs['run-inputs']! });
    await cli.waitFor(/Starting /, 'stderr');
    cli.child.kill('SIGINT');
    const res = await cli.done;
    expect(res.code).toBe(130);
    expect(edgecogContainers()).toEqual(before);
  });

  it('Ctrl-C at any moment of the container start leaves no container behind (not even a Created one)', async () => {
    const ofImage = (): string[] =>
      execFileSync('docker', ['ps', '-a', '-q', '--filter', `ancestor=${tag('run-inputs')}`], { encoding: 'utf8' }).split('\n').filter(Boolean);
    const before = ofImage();
    // "Starting" is printed just before the container is created: these land during the create,
    // during the start, and while setup runs.
    for (const delayMs of [0, 5, 15, 40, 100]) {
      const cli = startCli(['run', tag('run-inputs'), '-i', 'text=x'], { cwd: dirs['run-inputs']! });
      await cli.waitFor(/Starting /, 'stderr');
      await new Promise((r) => setTimeout(r, delayMs));
      cli.child.kill('SIGINT');
      const res = await cli.done;
      expect([130, 0]).toContain(res.code);
      expect(ofImage()).toEqual(before);
    }
  }, 60_000);

  it('an image name with = is caught as a forgotten -i', async () => {
    const res = await runCli(['run', 'text=hello'], { cwd: dirs['run-inputs']! });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('Did you forget -i?');
  });

  it('predict is a deprecated alias of run', async () => {
    const res = await runCli(['predict', tag('run-inputs'), '-i', 'text=alias'], { cwd: dirs['run-inputs']! });
    expect(res.code).toBe(0);
    expect(res.stderr).toContain('"edgecog predict" is deprecated');
    expect(JSON.parse(res.stdout).text).toBe('alias');
  });
});

describe('edgecog run (build from source)', () => {
  it('builds the project, mounts it and predicts', async () => {
    const dir = copyFixture('run-inputs');
    const res = await runCli(['run', ...BASE, '-i', 'text=built'], { cwd: dir });
    expect(res.stderr).not.toContain('internal error');
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout).text).toBe('built');
  });
});
