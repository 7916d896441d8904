/**
 * `edgecog build` against a real Docker Engine, with the CI base image (see .ci/setup.sh).
 * A missing engine fails these tests: CI requires them.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCli, copyFixture, processesIn, runCli, startCli } from './run-cli-helpers.js';

const BASE_IMAGE = process.env.EDGECOG_TEST_BASE_IMAGE ?? 'edgecog-base/python:3.11';
const BASE = ['--base-image', BASE_IMAGE];
const ALT_BASE = 'edgecog-test/alt-base:1';

function docker(args: string[], input?: string): string {
  return execFileSync('docker', args, { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });
}

function labels(image: string): Record<string, string> {
  return JSON.parse(docker(['image', 'inspect', image, '--format', '{{json .Config.Labels}}'])) as Record<string, string>;
}

function runIn(image: string, command: string[]): string {
  return docker(['run', '--rm', '--network', 'none', '--entrypoint', '', image, ...command]);
}

beforeAll(() => {
  buildCli();
  // Fails (not skips) when there is no engine.
  docker(['info']);
  docker(['image', 'inspect', BASE_IMAGE]);
  // A base image that differs from the default one in a way the built image can show.
  const dir = mkdtempSync(join(tmpdir(), 'edgecog-alt-base-'));
  writeFileSync(join(dir, 'Dockerfile'), `FROM ${BASE_IMAGE}\nRUN echo alt > /etc/edgecog-alt-base\n`);
  execFileSync('docker', ['build', '-q', '-t', ALT_BASE, dir], { stdio: 'pipe', env: { ...process.env, DOCKER_BUILDKIT: '0' } });
}, 300_000);

describe('edgecog build', () => {
  it('builds a model: image name on stdout, config/version/schema labels, build.run and .dockerignore applied', async () => {
    const dir = copyFixture('build-basic');
    const res = await runCli(['build', '-t', 'edgecog-test/build-basic:1', ...BASE], { cwd: dir });
    expect(res.stderr).not.toContain('internal error');
    expect(res.code).toBe(0);
    expect(res.stdout).toBe('edgecog-test/build-basic:1\n');
    const l = labels('edgecog-test/build-basic:1');
    expect(JSON.parse(l['run.cog.config']!)).toMatchObject({ run: 'predict.py:Predictor', build: { python_version: '3.11' } });
    expect(l['run.cog.version']).toBeTruthy();
    expect(l['run.cog.edgecog_version']).toBeTruthy();
    const schema = JSON.parse(l['run.cog.openapi_schema']!) as { components: { schemas: { Input: { properties: Record<string, unknown> } } } };
    expect(Object.keys(schema.components.schemas.Input.properties).sort()).toEqual(['name', 'times']);
    expect(runIn('edgecog-test/build-basic:1', ['cat', '/etc/edgecog-build-marker'])).toBe('build-basic was here\n');
    const files = runIn('edgecog-test/build-basic:1', ['ls', '-A', '/src']).split('\n').filter(Boolean).sort();
    expect(files).toEqual(['.dockerignore', 'cog.yaml', 'notes.txt', 'predict.py']);
    expect(runIn('edgecog-test/build-basic:1', ['sh', '-c', 'echo $GREETING'])).toBe('hello\n');
  }, 240_000);

  it('--json prints {image, id}; without -t the name is cog-<directory>', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'edgecog-name-'));
    const dir = join(parent, 'My Model');
    execFileSync('cp', ['-r', copyFixture('build-basic'), dir]);
    const res = await runCli(['build', '--json', ...BASE], { cwd: dir });
    expect(res.code).toBe(0);
    const out = JSON.parse(res.stdout) as { image: string; id: string };
    expect(out.image).toBe('cog-my-model');
    expect(out.id).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(docker(['image', 'inspect', 'cog-my-model', '--format', '{{.Id}}']).trim()).toBe(out.id);
  }, 240_000);

  it('a failing build.run step shows its output and exits 1', async () => {
    const dir = copyFixture('build-broken-step');
    const res = await runCli(['build', '-t', 'edgecog-test/build-broken:1', ...BASE], { cwd: dir });
    expect(res.code).toBe(1);
    expect(res.stdout).toBe('');
    expect(res.stderr).toMatch(/error: the image build failed at .*exit 3/);
    expect(res.stderr).toContain('this line comes from the failing step');
    expect(res.stderr).toContain('about to fail with 3');
    expect(res.stderr).toMatch(/exit code: 3/);
    expect(res.stderr).not.toMatch(/Built edgecog-test/);
  }, 240_000);

  it('a predictor that fails to import fails the build with its traceback', async () => {
    const dir = copyFixture('build-import-error');
    const res = await runCli(['build', '-t', 'edgecog-test/build-import-error:1', ...BASE], { cwd: dir });
    expect(res.code).toBe(1);
    expect(res.stdout).toBe('');
    expect(res.stderr).toContain('Traceback');
    expect(res.stderr).toContain("No module named 'edgecog_module_that_does_not_exist'");
    expect(() => docker(['image', 'inspect', 'edgecog-test/build-import-error:1'])).toThrow();
  }, 240_000);

  it('--secret reaches a build.run secret mount, and is in no layer, label or history', async () => {
    const dir = copyFixture('build-secret');
    const secret = 'edgecog-test-secret-5f2c81';
    const file = join(dir, 'token.txt');
    writeFileSync(file, secret);
    writeFileSync(join(dir, '.dockerignore'), 'token.txt\n');
    const res = await runCli(['build', '-t', 'edgecog-test/build-secret:1', '--secret', `id=token,src=${file}`, ...BASE], { cwd: dir });
    expect(res.stderr).not.toContain('internal error');
    expect(res.code).toBe(0);
    const digest = execFileSync('sha256sum', [file], { encoding: 'utf8' }).split(' ')[0];
    expect(runIn('edgecog-test/build-secret:1', ['cat', '/etc/edgecog-token-digest']).trim()).toBe(digest);
    expect(runIn('edgecog-test/build-secret:1', ['sh', '-c', 'ls /run/secrets 2>/dev/null | wc -l']).trim()).toBe('0');
    const saved = execFileSync('docker', ['save', 'edgecog-test/build-secret:1'], { maxBuffer: 1 << 30 });
    expect(saved.includes(Buffer.from(secret))).toBe(false);
    expect(docker(['history', '--no-trunc', 'edgecog-test/build-secret:1'])).not.toContain(secret);
    expect(res.stderr).not.toContain(secret);
  }, 240_000);

  it('--base-image and EDGECOG_BASE_IMAGE choose the base image (the flag wins)', async () => {
    const dir = copyFixture('build-basic');
    const viaFlag = await runCli(['build', '-t', 'edgecog-test/build-alt:flag', '--base-image', ALT_BASE], { cwd: dir, env: { EDGECOG_BASE_IMAGE: BASE_IMAGE } });
    expect(viaFlag.code).toBe(0);
    expect(runIn('edgecog-test/build-alt:flag', ['cat', '/etc/edgecog-alt-base'])).toBe('alt\n');
    const viaEnv = await runCli(['build', '-t', 'edgecog-test/build-alt:env'], { cwd: dir, env: { EDGECOG_BASE_IMAGE: ALT_BASE } });
    expect(viaEnv.code).toBe(0);
    expect(runIn('edgecog-test/build-alt:env', ['cat', '/etc/edgecog-alt-base'])).toBe('alt\n');
    const plain = await runCli(['build', '-t', 'edgecog-test/build-alt:default', ...BASE], { cwd: dir, env: { EDGECOG_BASE_IMAGE: ALT_BASE } });
    expect(plain.code).toBe(0);
    expect(() => runIn('edgecog-test/build-alt:default', ['cat', '/etc/edgecog-alt-base'])).toThrow();
  }, 240_000);

  it('--openapi-schema FILE is stored as the schema label as given', async () => {
    const dir = copyFixture('build-basic');
    const schema = { openapi: '3.0.2', info: { title: 'from a file', version: '1' }, paths: {} };
    writeFileSync(join(dir, 'schema.json'), JSON.stringify(schema));
    const res = await runCli(['build', '-t', 'edgecog-test/build-schema-file:1', '--openapi-schema', 'schema.json', ...BASE], { cwd: dir });
    expect(res.code).toBe(0);
    expect(JSON.parse(labels('edgecog-test/build-schema-file:1')['run.cog.openapi_schema']!)).toEqual(schema);
  }, 240_000);

  it('--progress quiet prints nothing but the result; plain shows the steps', async () => {
    const dir = copyFixture('build-basic');
    const quiet = await runCli(['build', '-t', 'edgecog-test/build-basic:quiet', '--progress', 'quiet', ...BASE], { cwd: dir });
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).not.toMatch(/\[\d+\/\d+\]/);
    const plain = await runCli(['build', '-t', 'edgecog-test/build-basic:plain', '--progress', 'plain', ...BASE], { cwd: dir });
    expect(plain.code).toBe(0);
    expect(plain.stderr).toMatch(/\[\d+\/\d+\] COPY \.edgecog\/code\/ \//);
    expect(plain.stderr).not.toContain('\u001b[');
  }, 240_000);

  it('--separate-weights puts weights files in their own layers, before the code', async () => {
    const dir = copyFixture('build-basic');
    execFileSync('mkdir', ['-p', join(dir, 'weights')]);
    writeFileSync(join(dir, 'weights', 'model.safetensors'), Buffer.alloc(256 * 1024, 3));
    const res = await runCli(['build', '-t', 'edgecog-test/build-weights:1', '--separate-weights', ...BASE], { cwd: dir });
    expect(res.stderr).not.toContain('internal error');
    expect(res.code).toBe(0);
    const history = docker(['history', '--no-trunc', '--format', '{{.CreatedBy}}', 'edgecog-test/build-weights:1']).split('\n').reverse();
    const weightsAt = history.findIndex((l) => l.includes('COPY .edgecog/weights/'));
    const codeAt = history.findIndex((l) => l.includes('COPY .edgecog/code/'));
    expect(weightsAt).toBeGreaterThan(0);
    expect(codeAt).toBeGreaterThan(weightsAt);
    expect(runIn('edgecog-test/build-weights:1', ['stat', '-c', '%s', '/src/weights/model.safetensors']).trim()).toBe(String(256 * 1024));
  }, 240_000);

  it('without BuildKit: the classic builder builds; a secret mount is refused with the reason', async () => {
    const env = { EDGECOG_BUILDKIT: '0' };
    const ok = await runCli(['build', '-t', 'edgecog-test/build-classic:1', '--progress', 'plain', ...BASE], { cwd: copyFixture('build-basic'), env });
    expect(ok.stderr).not.toContain('internal error');
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).toContain('classic builder');
    expect(JSON.parse(labels('edgecog-test/build-classic:1')['run.cog.openapi_schema']!)).toHaveProperty('openapi');
    expect(runIn('edgecog-test/build-classic:1', ['cat', '/etc/edgecog-build-marker'])).toBe('build-basic was here\n');

    const broken = await runCli(['build', '-t', 'edgecog-test/build-classic:broken', ...BASE], { cwd: copyFixture('build-broken-step'), env });
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain('this line comes from the failing step');
    expect(broken.stderr).toMatch(/non-zero code: 3/);

    const dir = copyFixture('build-secret');
    writeFileSync(join(dir, 'token.txt'), 'x');
    const refused = await runCli(['build', '-t', 'edgecog-test/build-classic:secret', '--secret', `id=token,src=${join(dir, 'token.txt')}`, ...BASE], { cwd: dir, env });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/BuildKit/);
  }, 300_000);

  it('Ctrl-C during a build stops it and exits 130, leaving no builder process behind', async () => {
    const dir = copyFixture('build-slow-step');
    const cli = startCli(['build', '-t', 'edgecog-test/build-slow:1', '--no-cache', '--progress', 'plain', ...BASE], { cwd: dir });
    await cli.waitFor(/slow step started/, 'stderr');
    const t0 = Date.now();
    cli.child.kill('SIGINT');
    const res = await cli.done;
    expect(res.code).toBe(130);
    expect(Date.now() - t0).toBeLessThan(20_000);
    expect(() => docker(['image', 'inspect', 'edgecog-test/build-slow:1'])).toThrow();
    // The docker CLI that ran the build ran in the project directory: it must be gone.
    await new Promise((r) => setTimeout(r, 500));
    expect(processesIn(dir)).toEqual([]);
  }, 240_000);
});
