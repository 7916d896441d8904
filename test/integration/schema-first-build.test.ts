/**
 * Schema before the build (Cog 0.19+): predict.py's schema is read on the host before any
 * Docker work, so an invalid signature fails `build` in well under a second and `run -i`
 * values are checked before anything is built or started. The "no Docker call" cases point
 * DOCKER_HOST at a socket that does not exist and EDGECOG_DOCKER_CLI at a missing binary: any
 * engine call would fail with E_DOCKER_UNAVAILABLE instead of the error expected. The rest
 * needs the real engine (and fails without one, as CI requires).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCli, copyFixture, runCli } from './run-cli-helpers.js';

const BASE = ['--base-image', process.env.EDGECOG_TEST_BASE_IMAGE ?? 'edgecog-base/python:3.11'];
const NO_ENGINE = { DOCKER_HOST: 'unix:///nonexistent/edgecog-test/docker.sock', EDGECOG_DOCKER_CLI: '/nonexistent/edgecog-test/docker' };

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'edgecog-schema-first-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const COG_YAML = 'build:\n  python_version: "3.11"\npredict: "predict.py:Predictor"\n';

/** `options: dict` is a type Cog refuses at startup: line 8. */
const BAD_SIGNATURE = `from cog import BasePredictor, Input


class Predictor(BasePredictor):
    def predict(
        self,
        prompt: str = Input(description="fine"),
        options: dict = Input(description="not a Cog input type"),
    ) -> str:
        return prompt
`;

async function timed(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  const res = await runCli(args, { cwd, env });
  return { ...res, ms: Date.now() - started };
}

function edgecogContainers(): string[] {
  return execFileSync('docker', ['ps', '-a', '-q', '--filter', 'label=org.edgecog.container'], { encoding: 'utf8' }).split('\n').filter(Boolean);
}

beforeAll(() => buildCli());

describe('schema before the build: no Docker call', () => {
  it('the engine is really unreachable with these settings (a valid project fails on Docker)', async () => {
    const dir = project({ 'cog.yaml': COG_YAML, 'predict.py': BAD_SIGNATURE.replace('options: dict', 'options: str') });
    const res = await timed(['build', ...BASE], dir, NO_ENGINE);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('cannot connect to the Docker engine');
  });

  it('an invalid signature fails build in under a second at predict.py:LINE, with no Docker call', async () => {
    const dir = project({ 'cog.yaml': COG_YAML, 'predict.py': BAD_SIGNATURE });
    const res = await timed(['build', ...BASE], dir, NO_ENGINE);
    expect(res.stderr).not.toContain('internal error');
    expect(res.stderr).not.toContain('Docker engine');
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/error: predict\.py:8:\d+: .*dict.*options/);
    expect(res.stdout).toBe('');
    // The whole command, node start-up included.
    expect(res.ms).toBeLessThan(1000);
  });

  it('an unchanged predictor is not read again (cached by content); a changed one is', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'edgecog-cache-'));
    const env = { ...NO_ENGINE, XDG_CACHE_HOME: cache };
    const good = BAD_SIGNATURE.replace('options: dict', 'options: str');
    const dir = project({ 'cog.yaml': COG_YAML, 'predict.py': good });
    const first = await timed(['build', '--debug', ...BASE], dir, env);
    expect(first.stderr).toMatch(/debug: schema from source: \d+ ms/);
    expect(first.stderr).not.toContain('(cached)');
    const second = await timed(['build', '--debug', ...BASE], dir, env);
    expect(second.stderr).toContain('schema from source: unchanged since the last read (cached)');
    for (const res of [first, second]) expect(res.stderr).toContain('cannot connect to the Docker engine');
    writeFileSync(join(dir, 'predict.py'), BAD_SIGNATURE);
    const third = await timed(['build', '--debug', ...BASE], dir, env);
    expect(third.code).toBe(1);
    expect(third.stderr).toMatch(/error: predict\.py:8:\d+: .*dict/);
  });

  it('an unresolvable type names the name that could not be resolved', async () => {
    const dir = project({ 'cog.yaml': COG_YAML, 'predict.py': 'from cog import BasePredictor\n\n\nclass Predictor(BasePredictor):\n    def predict(self, x: Nope) -> str:\n        return ""\n' });
    const res = await timed(['build', ...BASE], dir, NO_ENGINE);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/error: predict\.py:5:\d+: .*'Nope'/);
    expect(res.stderr).toContain('hint: Define or import "Nope"');
  });

  it('a project without run:/predict:/train: is refused before any Docker work', async () => {
    const dir = project({ 'cog.yaml': 'build:\n  python_version: "3.11"\n' });
    const res = await timed(['build', ...BASE], dir, NO_ENGINE);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('cog.yaml has no run: (or predict:) and no train: entry');
    expect(res.stderr).not.toContain('Docker engine');
  });

  it('run (from source) checks -i values against the source schema before building', async () => {
    const dir = copyFixture('run-inputs');
    const res = await timed(['run', ...BASE, '-i', 'text=x', '-i', 'count=eleven'], dir, NO_ENGINE);
    expect(res.stderr).not.toContain('Docker engine');
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('count');
    expect(res.stderr).toContain('integer');
    expect(res.stderr).not.toContain('Building');
  });

  it('run checks constraints (ge/le, choices) and required inputs before building', async () => {
    const dir = copyFixture('run-inputs');
    const range = await timed(['run', ...BASE, '-i', 'text=x', '-i', 'count=11'], dir, NO_ENGINE);
    expect(range.code).toBe(1);
    expect(range.stderr).toContain('count must be at most 10');
    const choice = await timed(['run', ...BASE, '-i', 'text=x', '-i', 'color=purple'], dir, NO_ENGINE);
    expect(choice.code).toBe(1);
    expect(choice.stderr).toMatch(/color.*"red", "green" or "blue"|color.*red.*green.*blue/);
    const missing = await timed(['run', ...BASE, '-i', 'count=1'], dir, NO_ENGINE);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('missing required input "text"');
    for (const res of [range, choice, missing]) expect(res.stderr).not.toContain('Docker engine');
  });

  it('run checks string lengths and patterns from the schema before building, naming the input', async () => {
    const dir = project({
      'cog.yaml': COG_YAML,
      'predict.py': `from cog import BasePredictor, Input


class Predictor(BasePredictor):
    def predict(self, code: str = Input(max_length=3), tag: str = Input(default="a1", regex="^[a-z][0-9]$")) -> str:
        return code + tag
`,
    });
    const long = await timed(['run', ...BASE, '-i', 'code=abcdef'], dir, NO_ENGINE);
    expect(long.code).toBe(1);
    expect(long.stderr).toContain('invalid input "code"');
    expect(long.stderr).toContain('- code: String should have at most 3 characters');
    const pattern = await timed(['run', ...BASE, '-i', 'code=abc', '-i', 'tag=zz'], dir, NO_ENGINE);
    expect(pattern.code).toBe(1);
    expect(pattern.stderr).toContain("- tag: String should match pattern '^[a-z][0-9]$'");
    for (const res of [long, pattern]) {
      expect(res.stderr).not.toContain('Docker engine');
      expect(res.stderr).not.toContain('Building');
    }
  });

  it('run checks @file inputs exist before building', async () => {
    const dir = copyFixture('run-inputs');
    const res = await timed(['run', ...BASE, '-i', 'text=x', '-i', 'doc=@absent.txt'], dir, NO_ENGINE);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('input "doc": file not found: absent.txt');
    expect(res.stderr).not.toContain('Docker engine');
  });

  it('run --no-docker checks -i values before starting the host python', async () => {
    const dir = copyFixture('run-inputs');
    const res = await timed(['run', '--no-docker', '-i', 'text=x', '-i', 'count=-1'], dir);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('count must be at least 0');
    expect(res.stderr).not.toContain('Starting the model');
  });
});

describe('schema before the build: with the engine', () => {
  const IMAGE = 'edgecog-test/schema-first:inputs';
  let dir = '';

  beforeAll(async () => {
    execFileSync('docker', ['info'], { stdio: 'pipe' });
    dir = copyFixture('run-inputs');
    const res = await runCli(['build', '-t', IMAGE, ...BASE], { cwd: dir });
    if (res.code !== 0) throw new Error(`build failed:\n${res.stderr}`);
  }, 600_000);

  it("labels the image with the schema read from the source, the same as the image's own generator", async () => {
    const label = execFileSync('docker', ['inspect', IMAGE, '--format', '{{index .Config.Labels "run.cog.openapi_schema"}}'], { encoding: 'utf8' });
    const generated = execFileSync('docker', ['run', '--rm', '--network', 'none', '-w', '/src', IMAGE, 'python', '-m', 'cog.command.openapi_schema'], { encoding: 'utf8' });
    expect(JSON.parse(label)).toEqual(JSON.parse(generated));
    expect(JSON.parse(label).components.schemas.Input.properties.count).toMatchObject({ type: 'integer', minimum: 0, maximum: 10 });
  });

  it('run IMAGE checks -i values against the label before starting a container', async () => {
    const before = edgecogContainers();
    const res = await timed(['run', IMAGE, '-i', 'text=x', '-i', 'count=11'], dir);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('count must be at most 10');
    expect(res.stderr).not.toContain('Starting');
    expect(edgecogContainers()).toEqual(before);
  });

  it('a predictor that does not import still fails the build with its traceback, and gets no name', async () => {
    const broken = copyFixture('build-import-error');
    const tag = 'edgecog-test/schema-first:import-error';
    execFileSync('docker', ['rmi', '-f', tag], { stdio: 'pipe' });
    const res = await runCli(['build', '-t', tag, ...BASE], { cwd: broken });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('edgecog_module_that_does_not_exist');
    expect(res.stderr).toContain('Traceback');
    expect(() => execFileSync('docker', ['image', 'inspect', tag], { stdio: 'pipe' })).toThrow();
  });
});
