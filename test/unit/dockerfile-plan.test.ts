import { describe, expect, it } from 'vitest';
import type { CogConfig } from '../../src/config/types.js';
import { isUserError } from '../../src/errors.js';
import {
  cudaBaseImageFor,
  planBuild,
  renderDockerfile,
  resolveCuda,
  torchIndexUrlForCuda,
  TORCH_COMPATIBILITY,
  type PlanOptions,
} from '../../src/dockerfile/index.js';

function config(build: Partial<CogConfig['build']> = {}): CogConfig {
  return {
    build: { gpu: false, pythonVersion: '3.11', pythonPackages: [], systemPackages: [], run: [], ...build },
    environment: {},
    weights: [],
  };
}
const opts = (extra: Partial<PlanOptions> = {}): PlanOptions => ({ buildKit: true, edgecogVersion: '0.1.0', rawConfigJson: '{}', ...extra });

function userErrorCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return isUserError(err) ? err.code : `not a user error: ${String(err)}`;
  }
  return undefined;
}

describe('CUDA resolution (Cog rules)', () => {
  it('picks the newest CUDA the torch pin has wheels for', () => {
    expect(resolveCuda({ requirements: ['torch==2.1.0'] })).toMatchObject({ cuda: '12.1', cudnn: '8' });
    expect(resolveCuda({ requirements: ['torch==1.13.1'] })).toMatchObject({ cuda: '11.7', cudnn: '8' });
    expect(resolveCuda({ requirements: ['torch==2.6.0'] })).toMatchObject({ cuda: '12.6', cudnn: '9' });
  });

  it('honours a +cuXYZ local version', () => {
    expect(resolveCuda({ requirements: ['torch==2.1.0+cu118'] }).cuda).toBe('11.8');
  });

  it('tensorflow decides CUDA and cuDNN', () => {
    expect(resolveCuda({ requirements: ['tensorflow==2.15.0'] })).toMatchObject({ cuda: '12.2', cudnn: '8' });
  });

  it('defaults to CUDA 11.8 without pins, and respects cuda:', () => {
    expect(resolveCuda({ requirements: ['numpy'] })).toMatchObject({ cuda: '11.8', cudnn: '8', warnings: [] });
    expect(resolveCuda({ cuda: '12.4', requirements: [] })).toMatchObject({ cuda: '12.4', cudnn: '9' });
  });

  it('warns when cuda: is not known to fit the torch pin', () => {
    const r = resolveCuda({ cuda: '11.8', requirements: ['torch==2.9.0'] });
    expect(r.cuda).toBe('11.8');
    expect(r.warnings.join('\n')).toMatch(/CUDA 11.8 may not be compatible with PyTorch 2.9.0.*Try CUDA 13.0/);
  });

  it('refuses what it cannot decide', () => {
    expect(userErrorCode(() => resolveCuda({ requirements: ['torch'] }))).toBe('E_CUDA_UNKNOWN');
    expect(userErrorCode(() => resolveCuda({ requirements: ['torch==0.4.0'] }))).toBe('E_CUDA_UNKNOWN');
    expect(userErrorCode(() => resolveCuda({ requirements: ['tensorflow==1.15.0'] }))).toBe('E_CUDA_UNKNOWN');
    expect(userErrorCode(() => resolveCuda({ cuda: '12.4', cudnn: '8', requirements: [] }))).toBe('E_CUDA_CUDNN');
    expect(userErrorCode(() => resolveCuda({ cuda: '10.2', requirements: [] }))).toBe('E_CUDA_UNSUPPORTED');
  });

  it('base images and wheel indexes', () => {
    expect(cudaBaseImageFor('11.8', '8')).toBe('nvidia/cuda:11.8.0-cudnn8-devel-ubuntu22.04');
    expect(cudaBaseImageFor('12.1', '8')).toBe('nvidia/cuda:12.1.1-cudnn8-devel-ubuntu22.04');
    expect(torchIndexUrlForCuda('12.1')).toBe('https://download.pytorch.org/whl/cu121');
    // Cog drops wheels for CUDA versions it has no base image for.
    expect(TORCH_COMPATIBILITY.some((r) => r.cuda === '10.2')).toBe(false);
  });
});

describe('planBuild', () => {
  it('CPU torch pin gets the CPU wheel index, as Cog does', () => {
    const plan = planBuild(config({ pythonPackages: ['torch==2.1.0', 'torchvision==0.16.0'] }), opts());
    expect(plan.requirementsTxt).toBe('--extra-index-url https://download.pytorch.org/whl/cpu/\ntorch==2.1.0\ntorchvision==0.16.0\n');
  });

  it('an unknown torch version is installed as written', () => {
    const plan = planBuild(config({ pythonPackages: ['torch==2.13.0'] }), opts());
    expect(plan.requirementsTxt).toBe('torch==2.13.0\n');
  });

  it('GPU torchvision pin follows the CUDA too', () => {
    const plan = planBuild(config({ gpu: true, pythonPackages: ['torch==2.0.1', 'torchvision==0.15.2'] }), opts());
    expect(plan.cuda).toBe('11.8');
    expect(plan.requirementsTxt).toContain('--extra-index-url https://download.pytorch.org/whl/cu118/\n');
    expect(plan.requirementsTxt).toContain('torchvision==0.15.2\n');
  });

  it('with the user’s own index, PyTorch’s index is not added (air-gapped) and a warning says so', () => {
    const plan = planBuild(
      config({ gpu: true, pythonPackages: ['torch==2.5.1'] }),
      opts({ pip: { indexUrl: 'http://127.0.0.1:3141/simple', extraIndexUrls: [], findLinks: [], trustedHosts: [] } }),
    );
    expect(plan.requirementsTxt).toBe('torch==2.5.1\n');
    expect(plan.warnings.join('\n')).toContain('https://download.pytorch.org/whl/cu124/');
  });

  it('skips cog/coglet requirements with a warning', () => {
    const plan = planBuild(config({ pythonPackages: ['cog==0.9.0', 'numpy'] }), opts());
    expect(plan.requirementsTxt).toBe('numpy\n');
    expect(plan.warnings[0]).toMatch(/cog==0.9.0/);
  });

  it('keeps index options written in the requirements', () => {
    const plan = planBuild(config({ pythonPackages: ['--extra-index-url http://127.0.0.1:9/simple', 'numpy'] }), opts());
    expect(plan.requirementsTxt).toBe('--extra-index-url http://127.0.0.1:9/simple\nnumpy\n');
  });

  it('secret mounts and secret indexes need BuildKit', () => {
    const run = [{ command: 'true', mounts: [{ type: 'secret' as const, id: 'tok', target: '/tok' }] }];
    expect(userErrorCode(() => planBuild(config({ run }), opts({ buildKit: false })))).toBe('E_BUILDKIT_REQUIRED');
    const pip = { extraIndexUrls: [], findLinks: [], trustedHosts: [], hasSecretIndex: true };
    expect(userErrorCode(() => planBuild(config({ pythonPackages: ['x==1'] }), opts({ buildKit: false, pip })))).toBe(
      'E_BUILDKIT_REQUIRED',
    );
    expect(
      userErrorCode(() =>
        planBuild(config({ pythonPackages: ['--extra-index-url https://u:tok@example.com/simple', 'x==1'] }), opts({ buildKit: false })),
      ),
    ).toBe('E_BUILDKIT_REQUIRED');
    // Every way a requirements file can name an index or links page with credentials: the
    // classic builder would COPY the generated file into a layer, so each is refused.
    for (const line of [
      '-i https://u:tok@example.com/simple',
      '--index-url=https://tok@example.com/simple',
      '-f https://u:tok@example.com/links/',
      '--find-links https://u:tok@example.com/links/',
      'torch==2.0.1 --extra-index-url=https://u:tok@example.com/whl',
      'pkg @ https://u:tok@example.com/pkg-1.0.tar.gz',
    ]) {
      expect(userErrorCode(() => planBuild(config({ pythonPackages: [line, 'x==1'] }), opts({ buildKit: false }))), line).toBe('E_BUILDKIT_REQUIRED');
    }
    expect(planBuild(config({ run }), opts()).secrets).toEqual([{ id: 'tok', source: 'run' }]);
  });

  it('a run command with a new line is refused', () => {
    expect(userErrorCode(() => planBuild(config({ run: [{ command: 'a\nb', mounts: [] }] }), opts()))).toBe('E_CONFIG_RUN');
  });

  it('useCudaBaseImage=false builds GPU on the slim image', () => {
    const plan = planBuild(config({ gpu: true, pythonPackages: ['torch==2.5.1'] }), opts({ useCudaBaseImage: 'false' }));
    expect(plan.baseImage).toBe('python:3.11-slim');
    expect(plan.cuda).toBe('12.4');
  });

  it('labels: config and versions now, the schema later', () => {
    const plan = planBuild(config(), opts({ rawConfigJson: '{"environment":["A=$HOME"]}' }));
    expect(plan.labels).toEqual({
      'run.cog.config': '{"environment":["A=$HOME"]}',
      'run.cog.version': '0.1.0',
      'run.cog.edgecog_version': '0.1.0',
    });
    expect(plan.labelsAddedLater).toEqual(['run.cog.openapi_schema']);
    // `$` in a label is escaped so Docker does not expand it.
    expect(renderDockerfile(plan)).toContain('run.cog.config="{\\"environment\\":[\\"A=\\$HOME\\"]}"');
  });

  it('is deterministic', () => {
    const c = config({ gpu: true, pythonPackages: ['torch==2.5.1', 'numpy'], systemPackages: ['git'] });
    expect(renderDockerfile(planBuild(c, opts()))).toBe(renderDockerfile(planBuild(c, opts())));
  });
});
