/** runDoctor end to end on temp projects with fake machine probes; the environment decisions. */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CogConfig } from '../../src/config/index.js';
import { dockerFindings, gpuCompatFindings, localPythonFindings, nvidiaFindings, parseComputeCapabilities, type Probes } from '../../src/doctor/env-checks.js';
import { renderReport, reportJson } from '../../src/doctor/render.js';
import { runDoctor } from '../../src/doctor/run.js';
import type { FileChange } from '../../src/doctor/types.js';

function fakeProbes(over: Partial<{ docker: boolean; runtimes: string[]; caps: string; cli: boolean; python: string }> = {}): Probes {
  return {
    docker: async () => (over.docker === false ? { ok: false, error: 'Cannot connect to the Docker daemon', runtimes: [] } : { ok: true, runtimes: over.runtimes ?? ['runc'] }),
    computeCapabilities: async () => over.caps,
    nvidiaContainerCli: async () => over.cli ?? false,
    pythonVersion: async () => over.python ?? 'Python 3.11.7',
  };
}

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'edgecog-doctor-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const plain = (_c: string, t: string) => t;
const goodPredictor = 'from cog import BaseRunner, Input\n\n\nclass Runner(BaseRunner):\n    def run(self, n: int = Input(default=1)) -> int:\n        return n\n';

function gpuConfig(torch: string | undefined, cuda?: string): CogConfig {
  return {
    build: { gpu: true, pythonVersion: '3.11', pythonPackages: torch ? [`torch==${torch}`] : [], systemPackages: [], run: [], ...(cuda ? { cuda } : {}) },
    environment: {},
    weights: [],
  };
}

describe('runDoctor', () => {
  it('a clean project: every check ok, exit-worthy counts zero', async () => {
    const dir = project({ 'cog.yaml': 'build:\n  python_version: "3.11"\nrun: "run.py:Runner"\n', 'run.py': goodPredictor });
    const report = await runDoctor({ cwd: dir, fix: false, probes: fakeProbes() });
    expect(report.errors).toBe(0);
    expect(report.warnings).toBe(0);
    expect(report.checks.every((c) => c.status === 'ok')).toBe(true);
    expect(renderReport(report, { fix: false, paint: plain })).toContain('No issues found.');
  });

  it('no cog.yaml: one error that says how to make one', async () => {
    const report = await runDoctor({ cwd: mkdtempSync(join(tmpdir(), 'edgecog-empty-')), fix: false, probes: fakeProbes() });
    expect(report.errors).toBe(1);
    expect(report.checks.find((c) => c.id === 'config-parse')?.findings[0]).toMatchObject({ severity: 'error', hint: 'Run `edgecog init` to create one, or pass -f with its path.' });
  });

  it('-f names another config file; a missing class, docker absent, an invalid signature', async () => {
    const dir = project({
      'other.yaml': 'build:\n  python_version: "3.11"\nrun: "run.py:Missing"\ntrain: "run.py:train"\n',
      'run.py': `${goodPredictor}\n\ndef train(steps: dict) -> str:\n    return ""\n`,
    });
    const report = await runDoctor({ cwd: dir, file: 'other.yaml', fix: false, probes: fakeProbes({ docker: false }) });
    const text = renderReport(report, { fix: false, paint: plain });
    expect(text).toContain('other.yaml: error: Missing not found in run.py; found: Runner, train');
    expect(text).toContain('error: Docker is not available: Cannot connect to the Docker daemon');
    expect(text).toContain('run.py:9:1: error: Unsupported input type dict for parameter `steps`');
    expect(report.errors).toBe(3);
  });

  it('config diagnostics keep their file:line:col; W_ and E_ codes appear in --json', async () => {
    const dir = project({ 'cog.yaml': 'build:\n  python_version: "3.11"\n  python_packages:\n    - "numpy==1.26.4"\npredictt: "x"\nrun: "run.py:Runner"\n', 'run.py': goodPredictor });
    const report = await runDoctor({ cwd: dir, fix: false, probes: fakeProbes() });
    const doc = reportJson(report) as { checks: Array<{ id: string; findings: Array<{ code?: string; line?: number; column?: number }> }> };
    const deprecated = doc.checks.find((c) => c.id === 'config-deprecated')!.findings;
    expect(deprecated).toEqual([expect.objectContaining({ code: 'W_DEPRECATED', line: 3, column: 3 })]);
    const schema = doc.checks.find((c) => c.id === 'config-schema')!.findings;
    expect(schema).toEqual([expect.objectContaining({ code: 'W_UNKNOWN_KEY', line: 5, column: 1 })]);
  });

  it('--fix on a custom reference renames the key only and reports each change', async () => {
    const yaml = 'build:\n  python_version: "3.11"\npredict: "model.py:Model"  # keep\n';
    const dir = project({ 'cog.yaml': yaml, 'model.py': goodPredictor.replace('Runner', 'Model').replace('Runner', 'Model') });
    const seen: FileChange[] = [];
    const report = await runDoctor({ cwd: dir, fix: true, probes: fakeProbes(), onChange: (c) => seen.push(c) });
    expect(seen.map((c) => [c.path, c.newPath, c.checks])).toEqual([['cog.yaml', 'cog.yaml', ['predict-to-run']]]);
    expect(readFileSync(join(dir, 'cog.yaml'), 'utf8')).toBe('build:\n  python_version: "3.11"\nrun: "model.py:Model"  # keep\n');
    expect(report.checks.find((c) => c.id === 'predict-to-run')?.status).toBe('fixed');
    expect(report.warnings).toBe(0);
  });

  it('--fix does not rename predict.py when run.py already exists (Cog refuses that too)', async () => {
    const legacy = 'from cog import BasePredictor\n\n\nclass Predictor(BasePredictor):\n    def predict(self) -> str:\n        return "x"\n';
    const dir = project({ 'cog.yaml': 'build:\n  python_version: "3.11"\npredict: "predict.py:Predictor"\n', 'predict.py': legacy, 'run.py': '# something else\n' });
    const report = await runDoctor({ cwd: dir, fix: true, probes: fakeProbes() });
    expect(readFileSync(join(dir, 'cog.yaml'), 'utf8')).toContain('run: "predict.py:Predictor"');
    expect(readFileSync(join(dir, 'predict.py'), 'utf8')).toBe(legacy);
    expect(readFileSync(join(dir, 'run.py'), 'utf8')).toBe('# something else\n');
    expect(existsSync(join(dir, 'predict.py'))).toBe(true);
    expect(report.checks.find((c) => c.id === 'predict-to-run')?.findings.map((f) => f.message)).toEqual([
      'BasePredictor is deprecated; use BaseRunner',
      'Predictor.predict() is deprecated; use run()',
    ]);
  });
});

describe('environment decisions', () => {
  it('docker unavailable is an error with a way out', async () => {
    expect(await dockerFindings({ ok: true, runtimes: [] })).toEqual([]);
    expect((await dockerFindings({ ok: false, error: 'docker not found', runtimes: [] }))[0]).toMatchObject({ severity: 'error', message: 'Docker is not available: docker not found' });
  });

  it('gpu: true wants an NVIDIA driver and a container runtime', () => {
    expect(nvidiaFindings(false, { ok: true, runtimes: [] }, false, undefined)).toEqual([]);
    expect(nvidiaFindings(true, { ok: true, runtimes: ['runc', 'nvidia'] }, false, '9.0\n')).toEqual([]);
    expect(nvidiaFindings(true, { ok: true, runtimes: ['runc'] }, true, '9.0\n')).toEqual([]);
    const both = nvidiaFindings(true, { ok: true, runtimes: ['runc'] }, false, undefined);
    expect(both.map((f) => f.message)).toEqual([
      'cog.yaml asks for gpu: true but this machine has no working NVIDIA driver (nvidia-smi failed)',
      'the Docker engine has no NVIDIA runtime, so `edgecog run`/`serve` cannot give the container GPUs here',
    ]);
  });

  it("torch/CUDA floors per compute capability (Cog's table)", () => {
    expect(parseComputeCapabilities('12.0\n9.0\nbad\n9.0\n')).toEqual([
      [9, 0],
      [12, 0],
    ]);
    expect(gpuCompatFindings(gpuConfig('2.7.0+cu128', '12.8'), '12.0\n')).toEqual([]);
    expect(gpuCompatFindings(gpuConfig('2.4.1', '12.4'), '9.0\n')).toEqual([]);
    const old = gpuCompatFindings(gpuConfig('2.4.1', '12.4'), '9.0\n12.0\n');
    expect(old).toHaveLength(1);
    expect(old[0]!.message).toContain('torch==2.4.1 (CUDA 12.4) ships no kernels for sm_120');
    expect(old[0]!.hint).toContain('sm_120 needs torch>=2.7.0 built for CUDA>=12.8');
    expect(gpuCompatFindings(gpuConfig('2.7.0', '11.8'), '10.0\n')).toHaveLength(1); // new torch, old CUDA
    expect(gpuCompatFindings(gpuConfig('1.13.1', '11.7'), '8.6\n')).toEqual([]); // below every floor: no claim
    expect(gpuCompatFindings(gpuConfig(undefined), '12.0\n')).toEqual([]);
    expect(gpuCompatFindings(gpuConfig('2.0.0'), undefined)).toEqual([]);
  });

  it('local python: missing or different from cog.yaml is information only', () => {
    expect(localPythonFindings(undefined, undefined)[0]).toMatchObject({ severity: 'info', message: 'python3 not found on PATH' });
    expect(localPythonFindings(gpuConfig(undefined), 'Python 3.11.7')).toEqual([]);
    expect(localPythonFindings(gpuConfig(undefined), 'Python 3.12.1')[0]).toMatchObject({ severity: 'info', message: 'local Python is 3.12 but cog.yaml specifies 3.11' });
  });
});
