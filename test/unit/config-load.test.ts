/** loadProject: finding cog.yaml, reading it, and what callers get back or catch. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadProject } from '../../src/config/index.js';
import { UserError } from '../../src/errors.js';

const fixtures = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'configs');
const gpuProject = join(fixtures, 'gpu-project');

const temps: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'edgecog-config-'));
  temps.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

describe('loadProject', () => {
  it('loads and normalizes a full project', async () => {
    const loaded = await loadProject({ cwd: gpuProject });
    expect(loaded.projectDir).toBe(gpuProject);
    expect(loaded.configFile).toBe('cog.yaml');
    expect(loaded.configPath).toBe(join(gpuProject, 'cog.yaml'));
    expect(loaded.sourceText).toContain('python_version: "3.11"');
    expect(loaded.config).toEqual({
      build: {
        gpu: true,
        pythonVersion: '3.11',
        pythonPackages: ['torch==2.1.0', 'numpy==1.26.4   --no-binary numpy'],
        pythonRequirements: 'requirements.txt',
        systemPackages: ['ffmpeg', 'libgl1'],
        run: [
          { command: 'echo before', mounts: [] },
          { command: 'echo after', mounts: [] },
          { command: 'pip download --dest /tmp/private private-package', mounts: [{ type: 'secret', id: 'pip', target: '/etc/pip.conf' }] },
        ],
        cuda: '12.1',
        cudnn: '8',
      },
      image: 'registry.example.com/team/gpu-model',
      predict: 'predict.py:Predictor',
      train: 'predict.py:train',
      concurrency: { max: 2 },
      environment: { HF_HUB_OFFLINE: '1', GREETING: 'hello=world' },
      weights: [],
    });
    expect(loaded.warnings.map((w) => `${w.file}:${w.position?.line}:${w.position?.column} ${w.field}`)).toEqual([
      'cog.yaml:9:3 build.pre_install',
      'cog.yaml:25:3 concurrency.max',
    ]);
    expect(loaded.raw).toMatchObject({ run: 'predict.py:Predictor', build: { python_version: '3.11', gpu: true } });
  });

  it('searches parent directories, as Cog does', async () => {
    const loaded = await loadProject({ cwd: join(gpuProject, 'src') });
    expect(loaded.projectDir).toBe(gpuProject);
    expect(loaded.warnings[0]?.file).toBe(join('..', 'cog.yaml'));
  });

  it('reads another file name given with -f', async () => {
    const loaded = await loadProject({ cwd: join(fixtures, 'custom-name'), file: 'edgecog.yaml' });
    expect(loaded.configFile).toBe('edgecog.yaml');
    expect(loaded.config.build.pythonVersion).toBe('3.12');
    expect(loaded.warnings.map((w) => w.file)).toEqual(['edgecog.yaml']);
    const byPath = await loadProject({ cwd: fixtures, file: 'custom-name/edgecog.yaml' });
    expect(byPath.projectDir).toBe(join(fixtures, 'custom-name'));
  });

  it('says how to start when there is no cog.yaml', async () => {
    const dir = tempDir();
    const err = await loadProject({ cwd: dir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect(err).toMatchObject({ code: 'E_CONFIG_NOT_FOUND' });
    expect((err as UserError).hint).toContain('edgecog init');
  });

  it('throws a ConfigError carrying every diagnostic, rendered', async () => {
    const err = (await loadProject({ cwd: join(fixtures, 'broken-project') }).catch((e: unknown) => e)) as ConfigError;
    expect(err).toBeInstanceOf(ConfigError);
    expect(err).toBeInstanceOf(UserError);
    expect(err.code).toBe('E_CONFIG');
    expect(err.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.position?.line}:${d.position?.column} ${d.field}`)).toEqual([
      '3:19 build.python_version',
      '5:7 build.python_packages[torch]',
      '6:9 build.cuda',
      '9:5 environment[0]',
    ]);
    expect(err.message.split('\n').slice(0, 5)).toEqual([
      'cog.yaml is not valid (4 errors)',
      '',
      'cog.yaml:3:19: error: build.python_version "3.7" is too old: the minimum supported Python version is 3.10 (edgecog also builds "3.8" and "3.9")',
      '  3 |   python_version: "3.7"',
      '    |                   ^^^^^',
    ]);
  });

  it('checks the predictor file and requirements against the project directory', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'cog.yaml'), 'build:\n  python_version: "3.11"\n  python_requirements: ../outside.txt\nrun: "run.py:Runner"\n');
    const err = (await loadProject({ cwd: dir }).catch((e: unknown) => e)) as ConfigError;
    expect(err.diagnostics.map((d) => `${d.code} ${d.field}`)).toEqual(['E_CONFIG_FILE build.python_requirements', 'E_CONFIG_REF_FILE run']);
  });
});
