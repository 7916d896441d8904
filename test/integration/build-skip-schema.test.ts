/**
 * `build --skip-schema-validation` (Cog's flag): the schema step is skipped entirely (no reading
 * of predict.py, no import check in the image, no schema label), so a predictor the schema step
 * rejects still builds. Real Docker Engine; a missing engine fails the test.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCli, runCli } from './run-cli-helpers.js';

const BASE = ['--base-image', process.env.EDGECOG_TEST_BASE_IMAGE ?? 'edgecog-base/python:3.11'];

/** `options: dict` is refused by the schema step (line 8); the module itself imports fine. */
const PREDICT = `from cog import BasePredictor, Input


class Predictor(BasePredictor):
    def predict(
        self,
        prompt: str = Input(description="fine"),
        options: dict = Input(description="not a Cog input type"),
    ) -> str:
        return prompt
`;

beforeAll(() => {
  buildCli();
  execFileSync('docker', ['info'], { stdio: 'pipe' });
});

function labels(image: string): Record<string, string> {
  return JSON.parse(execFileSync('docker', ['image', 'inspect', image, '--format', '{{json .Config.Labels}}'], { encoding: 'utf8' })) as Record<string, string>;
}

describe('build --skip-schema-validation', () => {
  it('is listed in build --help with its purpose', async () => {
    const res = await runCli(['build', '--help'], { cwd: tmpdir() });
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/--skip-schema-validation\s+skip OpenAPI schema generation and validation/);
  });

  it('builds a predictor the schema step rejects; the image has no schema label', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'edgecog-skip-schema-'));
    writeFileSync(join(dir, 'cog.yaml'), 'build:\n  python_version: "3.11"\nrun: "predict.py:Predictor"\n');
    // A per-run value: the code layer is really built, not an earlier run's.
    const marker = randomBytes(6).toString('hex');
    writeFileSync(join(dir, 'predict.py'), `${PREDICT}\nMARKER = "${marker}"\n`);
    const image = 'edgecog-test/skip-schema:1';

    const refused = await runCli(['build', '-t', `${image}-refused`, '--progress', 'plain', ...BASE], { cwd: dir });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/predict\.py:8/);
    expect(refused.stdout).toBe('');

    const res = await runCli(['build', '-t', image, '--progress', 'plain', '--skip-schema-validation', ...BASE], { cwd: dir });
    expect(res.stderr).not.toContain('internal error');
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout.trim()).toBe(image);
    expect(res.stderr).not.toMatch(/Reading the model schema|Adding labels/);
    const l = labels(image);
    expect(l['run.cog.openapi_schema']).toBeUndefined();
    expect(l['run.cog.config']).toContain('predict.py:Predictor');
    const out = execFileSync('docker', ['run', '--rm', '--network', 'none', image, 'python', '-c', 'import predict; print(predict.MARKER)'], { encoding: 'utf8' });
    expect(out.trim()).toBe(marker);
  }, 240_000);

  it('run IMAGE works without the schema label: inputs are checked against the served /openapi.json', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'edgecog-skip-schema-run-'));
    writeFileSync(join(dir, 'cog.yaml'), 'build:\n  python_version: "3.11"\nrun: "predict.py:Predictor"\n');
    const marker = randomBytes(6).toString('hex');
    writeFileSync(
      join(dir, 'predict.py'),
      `from cog import BasePredictor, Input\n\n\nclass Predictor(BasePredictor):\n    def predict(self, prompt: str = Input(description="p"), times: int = 2) -> str:\n        return "${marker}:" + prompt * times\n`,
    );
    const image = 'edgecog-test/skip-schema:run';
    const built = await runCli(['build', '-t', image, '--progress', 'plain', '--skip-schema-validation', ...BASE], { cwd: dir });
    expect(built.code, built.stderr).toBe(0);
    expect(labels(image)['run.cog.openapi_schema']).toBeUndefined();

    const res = await runCli(['run', image, '-i', 'prompt=ab', '-i', 'times=3', '--debug'], { cwd: dir });
    expect(res.stderr).not.toContain('internal error');
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout.trim()).toBe(`${marker}:ababab`);
    expect(res.stderr).toContain('no run.cog.openapi_schema label');

    // The served schema still catches a wrong input, with the same message as the label would.
    const bad = await runCli(['run', image, '-i', 'prompt=ab', '-i', 'tmes=3'], { cwd: dir });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('did you mean "times"?');
  }, 240_000);
});
