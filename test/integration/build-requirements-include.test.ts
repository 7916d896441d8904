/**
 * A python_requirements file that includes others (`-r`, `-c`, paths relative to the including
 * file): only edgecog's generated requirements reach pip in the build, so the includes must be
 * read in (and constraints passed as constraints), or pip fails to find the files. Packages come
 * from the machine's local index (.ci/env); a real Docker Engine is required.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cleanPipEnv, localIndex, type LocalIndex } from './helpers/index-server.js';
import { buildCli, runCli } from './run-cli-helpers.js';

let index: LocalIndex;

beforeAll(() => {
  buildCli();
  execFileSync('docker', ['info'], { stdio: 'pipe' });
  index = localIndex();
});

/** A stdlib-only model whose requirements.txt only includes other files. */
function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'edgecog-req-include-'));
  writeFileSync(join(dir, 'cog.yaml'), 'build:\n  python_version: "3.11"\n  python_requirements: requirements.txt\nrun: "predict.py:Predictor"\n');
  writeFileSync(join(dir, 'predict.py'), 'from cog import BasePredictor\n\n\nclass Predictor(BasePredictor):\n    def predict(self) -> str:\n        return "ok"\n');
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

describe('python_requirements with -r / -c includes', () => {
  it('installs what the included files list, honouring their constraints', async () => {
    const dir = project({
      'requirements.txt': '# everything is elsewhere\n-r deps/extra.txt\n',
      // The index has tomli 2.4.1 and 2.4.0: the constraint, not pip's choice, decides.
      'deps/extra.txt': 'six\ntomli\n-c pins.txt\n',
      'deps/pins.txt': 'tomli==2.4.0\n',
    });
    const code = 'import importlib.metadata as m, six, tomli; print(six.__version__, m.version("tomli"))';
    const res = await runCli(['exec', ...index.flags, 'python', '-c', code], { cwd: dir, env: cleanPipEnv });
    expect(res.stderr).not.toContain('internal error');
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout.trim().split('\n').pop()).toBe('1.17.0 2.4.0');
  }, 600_000);

  it('a missing included file is a config error naming it, before any build', async () => {
    const dir = project({ 'requirements.txt': 'six\n-r deps/missing.txt\n' });
    const res = await runCli(['build', '-t', 'edgecog-test/req-include:missing', ...index.flags], { cwd: dir, env: cleanPipEnv });
    expect(res.code).toBe(1);
    expect(res.stdout).toBe('');
    expect(res.stderr).toContain('cog.yaml:3:24');
    expect(res.stderr).toContain('deps/missing.txt does not exist (included by requirements.txt line 2 with -r)');
  }, 60_000);
});
