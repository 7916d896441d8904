/**
 * `edgecog doctor` on the legacy fixtures, through the built CLI: report (exit 1), --fix (diffs
 * on stderr), report again (clean, exit 0), and the project still predicts as before — with
 * the host runtime (--no-docker) and built into an image (Docker: required, never skipped).
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCli, repoRoot, runCli } from './run-cli-helpers.js';

const BASE_IMAGE = process.env.EDGECOG_TEST_BASE_IMAGE ?? 'edgecog-base/python:3.11';

function copyLegacy(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `edgecog-legacy-${name}-`));
  cpSync(join(repoRoot, 'fixtures', 'legacy', name), dir, { recursive: true });
  return dir;
}

beforeAll(() => buildCli());

describe('edgecog doctor on a legacy project (starter shape)', () => {
  let dir = '';
  let before = '';

  it('reports the deprecated and removed names with file:line:col, exit 1', async () => {
    dir = copyLegacy('predict-basepredictor');
    const run = await runCli(['run', '--no-docker', '-i', 'name=doc', '-i', 'shout=true'], { cwd: dir });
    expect(run.code).toBe(0);
    before = run.stdout;
    expect(before).toBe('HELLO, DOC\n');

    const res = await runCli(['doctor'], { cwd: dir });
    expect(res.stderr).not.toContain('internal error');
    expect(res.code).toBe(1);
    expect(res.stdout).toBe('');
    expect(res.stderr).toContain('predict.py:5:1: error: ExperimentalFeatureWarning was removed in Cog 0.17');
    expect(res.stderr).toContain('cog.yaml:6:1: warning: predict is deprecated: use run (fixable)');
    expect(res.stderr).toContain('predict.py:12:17: warning: BasePredictor is deprecated; use BaseRunner (fixable)');
    expect(res.stderr).toContain('predict.py:17:5: warning: Predictor.predict() is deprecated; use run() (fixable)');
    expect(res.stderr).toContain('Found 1 error, 3 warnings. Run "edgecog doctor --fix" to fix 4 of them.');
  }, 60_000);

  it('--fix migrates as Cog does, shows each change as a diff, keeps cog.yaml comments', async () => {
    const yamlBefore = readFileSync(join(dir, 'cog.yaml'), 'utf8');
    const res = await runCli(['doctor', '--fix'], { cwd: dir });
    expect(res.code).toBe(0);
    expect(res.stderr).toContain('--- a/predict.py\n+++ b/run.py\n');
    expect(res.stderr).toContain('-class Predictor(BasePredictor):\n+class Runner(BaseRunner):\n');
    expect(res.stderr).toContain('--- a/cog.yaml\n+++ b/cog.yaml\n');
    expect(res.stderr).toContain('-predict: "predict.py:Predictor"   # the entry point\n+run: "run.py:Runner"   # the entry point\n');
    expect(res.stderr).toContain('Changed 2 files. No issues left.');
    expect(existsSync(join(dir, 'predict.py'))).toBe(false);
    const runPy = readFileSync(join(dir, 'run.py'), 'utf8');
    expect(runPy).toContain('from cog import BaseRunner, Input, Path\n');
    expect(runPy).toContain('    # the model\'s one entry point\n    def run(\n');
    expect(runPy).not.toContain('ExperimentalFeatureWarning');
    expect(runPy).not.toContain('import warnings');
    // Only the one line changed: comments and layout stay.
    expect(readFileSync(join(dir, 'cog.yaml'), 'utf8')).toBe(yamlBefore.replace('predict: "predict.py:Predictor"', 'run: "run.py:Runner"'));
  }, 60_000);

  it('a second doctor is clean (exit 0), also as --json', async () => {
    const res = await runCli(['doctor', '--json'], { cwd: dir });
    expect(res.code).toBe(0);
    const doc = JSON.parse(res.stdout) as { ok: boolean; errors: number; warnings: number; checks: Array<{ id: string; status: string }> };
    expect(doc).toMatchObject({ ok: true, errors: 0, warnings: 0 });
    expect(doc.checks.filter((c) => c.status !== 'ok')).toEqual([]);
  }, 60_000);

  it('predicts as before with the host runtime', async () => {
    const run = await runCli(['run', '--no-docker', '-i', 'name=doc', '-i', 'shout=true'], { cwd: dir });
    expect(run.stderr).not.toContain('deprecated');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(before);
  }, 60_000);

  it('builds and predicts as before in Docker', async () => {
    execFileSync('docker', ['image', 'inspect', BASE_IMAGE], { stdio: 'pipe' }); // no engine: this fails
    const built = await runCli(['build', '-t', 'edgecog-test/doctor-legacy:fixed', '--base-image', BASE_IMAGE], { cwd: dir });
    expect(built.stderr).not.toContain('internal error');
    expect(built.code).toBe(0);
    expect(built.stdout).toBe('edgecog-test/doctor-legacy:fixed\n');
    const run = await runCli(['run', '--base-image', BASE_IMAGE, '-i', 'name=doc', '-i', 'shout=true'], { cwd: dir });
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(before);
  }, 600_000);
});

describe('edgecog doctor on a legacy project it can only partly fix', () => {
  it('renames the cog.yaml key, leaves the rest to a person, still predicts', async () => {
    const dir = copyLegacy('custom-ref');
    const before = await runCli(['run', '--no-docker', '-i', 'text=hi'], { cwd: dir });
    expect(before.code).toBe(0);
    const fix = await runCli(['doctor', '--fix'], { cwd: dir });
    expect(fix.stderr).toContain("-predict: 'model.py:Echo'\n+run: 'model.py:Echo'\n");
    expect(fix.stderr).toContain('cog.yaml:3:19: warning: build.python_version "3.9": Cog 0.17 and later refuse Python 3.9');
    expect(fix.stderr).toContain('model.py:8:79: warning: cog.File is deprecated; use cog.Path');
    expect(fix.code).toBe(0); // warnings only
    expect(readFileSync(join(dir, 'model.py'), 'utf8')).toBe(readFileSync(join(repoRoot, 'fixtures', 'legacy', 'custom-ref', 'model.py'), 'utf8'));
    const again = await runCli(['doctor', '--json'], { cwd: dir });
    const doc = JSON.parse(again.stdout) as { checks: Array<{ id: string; findings: Array<{ fixable: boolean }> }> };
    expect(doc.checks.flatMap((c) => c.findings).filter((f) => f.fixable)).toEqual([]);
    const after = await runCli(['run', '--no-docker', '-i', 'text=hi'], { cwd: dir });
    expect(after.code).toBe(0);
    expect(after.stdout).toBe(before.stdout);
  }, 120_000);
});
