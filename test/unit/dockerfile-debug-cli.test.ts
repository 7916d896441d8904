/**
 * `edgecog debug` and `edgecog init` through the built CLI (bin/edgecog.js → dist/), checking
 * exit codes and the stdout/stderr split.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = join(repoRoot, 'bin', 'edgecog.js');

function edgecog(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [cli, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', CI: '1', EDGECOG_BASE_IMAGE: '', PIP_INDEX_URL: '', PIP_EXTRA_INDEX_URL: '', PIP_FIND_LINKS: '', PIP_TRUSTED_HOST: '', COG_CA_CERT: '', ...env },
    timeout: 30_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function copyExample(): string {
  const dir = mkdtempSync(join(tmpdir(), 'edgecog-debug-'));
  cpSync(join(repoRoot, 'fixtures', 'example'), dir, { recursive: true });
  return dir;
}

beforeAll(() => {
  try {
    execFileSync(process.execPath, [join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', repoRoot], { stdio: 'pipe' });
  } catch {
    // tsc still emits when some other file has a type error; a missing dist/ fails below
  }
  expect(existsSync(join(repoRoot, 'dist', 'cli.js')), 'dist/cli.js missing: `npx tsc -p .` failed').toBe(true);
}, 300_000);

describe('edgecog debug', () => {
  it('prints the Dockerfile for the example model on stdout, nothing else', () => {
    const r = edgecog(['debug'], copyExample());
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.startsWith('FROM python:3.11-slim\n')).toBe(true);
    expect(r.stdout).toContain('COPY .edgecog/code/ /\n');
    expect(r.stdout).toContain('CMD ["/usr/local/bin/python","-m","cog.server.http"]');
    expect(r.stdout).toContain('LABEL run.cog.config="{\\"build\\":{\\"python_version\\":\\"3.11\\"},\\"run\\":\\"predict.py:Predictor\\"}"');
    expect(r.stdout).not.toContain('pip install');
  });

  it('honours --base-image and EDGECOG_BASE_IMAGE', () => {
    const dir = copyExample();
    expect(edgecog(['debug', '--base-image', 'edgecog-base/python:3.11'], dir).stdout).toMatch(/^FROM edgecog-base\/python:3.11\n/);
    expect(edgecog(['debug'], dir, { EDGECOG_BASE_IMAGE: 'local/py:3.11' }).stdout).toMatch(/^FROM local\/py:3.11\n/);
  });

  it('never prints index credentials: they become a secret mount', () => {
    const dir = copyExample();
    writeFileSync(join(dir, 'requirements.txt'), 'numpy==1.26.4\n');
    writeFileSync(join(dir, 'cog.yaml'), 'build:\n  python_version: "3.11"\n  python_requirements: requirements.txt\nrun: "predict.py:Predictor"\n');
    const r = edgecog(['debug'], dir, { PIP_INDEX_URL: 'https://ci:t0ps3cr3t@pypi.example.com/simple' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout + r.stderr).not.toContain('t0ps3cr3t');
    expect(r.stdout).toContain('--mount=type=secret,id=pip-index');
  });

  it('masks credentials written in cog.yaml itself (the config label)', () => {
    const dir = copyExample();
    writeFileSync(
      join(dir, 'cog.yaml'),
      'build:\n  python_version: "3.11"\n  python_packages:\n    - "--extra-index-url https://ci:yamls3cr3t@pkgs.example.com/simple"\n    - numpy==1.26.4\nrun: "predict.py:Predictor"\n',
    );
    const r = edgecog(['debug'], dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout + r.stderr).not.toContain('yamls3cr3t');
    expect(r.stdout).toContain('https://***@pkgs.example.com/simple');
  });

  it('--separate-weights gives weights files their own layers', () => {
    const dir = copyExample();
    writeFileSync(join(dir, 'model.safetensors'), 'weights');
    const r = edgecog(['debug', '--separate-weights'], dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/# weights: "model\.safetensors"\nCOPY \.edgecog\/weights\/[0-9a-f]{16}\/ \/\nCOPY \.edgecog\/code\/ \/\n/);
  });

  it('a broken config fails with exit 1 and a positioned diagnostic on stderr', () => {
    const dir = copyExample();
    writeFileSync(join(dir, 'cog.yaml'), 'build:\n  python_version: 3.11\n  gpu: maybe\nrun: "predict.py:Predictor"\n');
    const r = edgecog(['debug'], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/cog\.yaml:3:\d+/);
  });

  it('without cog.yaml it points at init', () => {
    const r = edgecog(['debug'], mkdtempSync(join(tmpdir(), 'edgecog-empty-')));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('edgecog init');
  });
});

describe('edgecog init', () => {
  it('creates the files, and debug then works on them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'edgecog-init-cli-'));
    const r = edgecog(['init'], dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('Created cog.yaml');
    for (const f of ['cog.yaml', 'predict.py', 'requirements.txt', '.dockerignore']) expect(existsSync(join(dir, f))).toBe(true);
    const d = edgecog(['debug'], dir);
    expect(d.code, d.stderr).toBe(0);
    expect(d.stdout).toMatch(/^FROM python:3.11-slim\n/);
  });

  it('refuses to overwrite: exit 1, lists the files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'edgecog-init-cli-'));
    writeFileSync(join(dir, 'cog.yaml'), 'build: {}\n');
    const r = edgecog(['init'], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('cog.yaml');
    expect(existsSync(join(dir, 'predict.py'))).toBe(false);
  });
});
