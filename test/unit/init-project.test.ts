import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkConfigText } from '../../src/config/index.js';
import { planBuild, renderDockerfile } from '../../src/dockerfile/index.js';
import { initProject, INIT_FILES } from '../../src/commands/init.js';
import { isUserError } from '../../src/errors.js';

const fresh = () => mkdtempSync(join(tmpdir(), 'edgecog-init-'));

describe('init', () => {
  it('writes cog.yaml, predict.py, requirements.txt and .dockerignore', async () => {
    const dir = fresh();
    const written = await initProject(dir);
    expect(written).toEqual(['cog.yaml', 'predict.py', 'requirements.txt', '.dockerignore']);
    for (const name of written) expect(existsSync(join(dir, name))).toBe(true);
    expect(readFileSync(join(dir, 'cog.yaml'), 'utf8')).toMatch(/^# /);
    expect(readFileSync(join(dir, 'predict.py'), 'utf8')).toContain('class Predictor(BasePredictor)');
    expect(readFileSync(join(dir, '.dockerignore'), 'utf8')).toContain('__pycache__');
  });

  it('the written cog.yaml loads without errors or warnings, and plans a build', async () => {
    const dir = fresh();
    await initProject(dir);
    const text = readFileSync(join(dir, 'cog.yaml'), 'utf8');
    const result = checkConfigText(text, {
      file: 'cog.yaml',
      facts: {
        fileExists: (rel: string) => existsSync(join(dir, rel)),
        readFile: (rel: string) => (existsSync(join(dir, rel)) ? readFileSync(join(dir, rel), 'utf8') : undefined),
      },
    });
    expect(result.diagnostics).toEqual([]);
    expect(result.config?.build.pythonVersion).toBe('3.11');
    const dockerfile = renderDockerfile(planBuild(result.config!, { buildKit: true, edgecogVersion: '0', rawConfigJson: '{}' }));
    // requirements.txt holds only comments: no pip step
    expect(dockerfile).not.toContain('pip install');
  });

  it('refuses to overwrite, names every existing file, and writes nothing', async () => {
    const dir = fresh();
    writeFileSync(join(dir, 'predict.py'), 'mine');
    writeFileSync(join(dir, '.dockerignore'), 'mine');
    let error: unknown;
    try {
      await initProject(dir);
    } catch (err) {
      error = err;
    }
    expect(isUserError(error)).toBe(true);
    expect((error as Error).message).toContain('predict.py, .dockerignore');
    expect(readFileSync(join(dir, 'predict.py'), 'utf8')).toBe('mine');
    expect(existsSync(join(dir, 'cog.yaml'))).toBe(false);
    expect(INIT_FILES.length).toBe(4);
  });
});
