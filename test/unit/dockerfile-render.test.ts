import { describe, expect, it } from 'vitest';
import type { CogConfig } from '../../src/config/types.js';
import { planBuild, renderDockerfile, weightsLayerId, type PlanOptions } from '../../src/dockerfile/index.js';

function config(build: Partial<CogConfig['build']> = {}, rest: Partial<CogConfig> = {}): CogConfig {
  return {
    build: { gpu: false, pythonVersion: '3.11', pythonPackages: [], systemPackages: [], run: [], ...build },
    predict: 'predict.py:Predictor',
    environment: {},
    weights: [],
    ...rest,
  };
}

function options(extra: Partial<PlanOptions> = {}): PlanOptions {
  return { buildKit: true, edgecogVersion: '0.1.0', rawConfigJson: '{"predict":"predict.py:Predictor"}', ...extra };
}

/** The Dockerfile, then the generated requirements file and the plan's warnings (the snapshot shows all three). */
function render(c: CogConfig, o: Partial<PlanOptions> = {}): string {
  const plan = planBuild(c, options(o));
  let text = renderDockerfile(plan);
  if (plan.requirementsTxt) text += `\n# ---- .edgecog/requirements.txt ----\n${plan.requirementsTxt}`;
  if (plan.warnings.length) text += `\n# ---- warnings ----\n${plan.warnings.map((w) => `# ${w}\n`).join('')}`;
  return text;
}

const snap = (name: string) => `./__snapshots__/dockerfile-${name}.Dockerfile`;

describe('renderDockerfile snapshots', () => {
  it('CPU model with packages, system packages and environment', async () => {
    const text = render(
      config(
        { pythonPackages: ['numpy==1.26.4', 'pillow==10.3.0'], systemPackages: ['ffmpeg', 'libgl1'] },
        { environment: { HF_HOME: '/src/.hf', GREETING: 'hello "world"' } },
      ),
    );
    await expect(text).toMatchFileSnapshot(snap('cpu'));
  });

  it('stdlib-only model: no pip step', async () => {
    const text = render(config());
    expect(text).not.toContain('pip install');
    await expect(text).toMatchFileSnapshot(snap('stdlib'));
  });

  for (const torch of ['1.13.1', '2.0.1', '2.1.0', '2.5.1', '2.11.0']) {
    it(`GPU with torch==${torch}`, async () => {
      const text = render(config({ gpu: true, pythonPackages: [`torch==${torch}`, 'torchvision', 'numpy'] }));
      await expect(text).toMatchFileSnapshot(snap(`gpu-torch-${torch}`));
    });
  }

  it('GPU with tensorflow', async () => {
    const text = render(config({ gpu: true, pythonVersion: '3.10', pythonPackages: ['tensorflow==2.12.0'] }));
    expect(text).toContain('FROM nvidia/cuda:11.8.0-cudnn8-devel-ubuntu22.04');
    await expect(text).toMatchFileSnapshot(snap('gpu-tensorflow'));
  });

  it('GPU with an explicit cuda', async () => {
    const text = render(config({ gpu: true, cuda: '12.1', pythonPackages: ['torch==2.5.1'] }));
    expect(text).toContain('FROM nvidia/cuda:12.1.1-cudnn8-devel-ubuntu22.04');
    await expect(text).toMatchFileSnapshot(snap('gpu-explicit-cuda'));
  });

  it('build.run with secret mounts', async () => {
    const text = render(
      config({
        run: [
          { command: 'echo plain', mounts: [] },
          { command: 'cat /etc/secret-token > /dev/null', mounts: [{ type: 'secret', id: 'token', target: '/etc/secret-token' }] },
        ],
      }),
    );
    expect(text).toContain('RUN --mount=type=secret,id=token,target=/etc/secret-token cat /etc/secret-token > /dev/null');
    await expect(text).toMatchFileSnapshot(snap('secrets'));
  });

  it('separate weights: one layer per file, before the code, each a tree copied onto /', async () => {
    const text = render(config(), { separateWeights: true, weightsFiles: ['weights/big file.bin', 'model.safetensors'] });
    const code = text.indexOf('COPY .edgecog/code/ /\n');
    expect(code).toBeGreaterThan(0);
    const model = text.indexOf(`COPY .edgecog/weights/${weightsLayerId('model.safetensors')}/ /\n`);
    const big = text.indexOf(`COPY .edgecog/weights/${weightsLayerId('weights/big file.bin')}/ /\n`);
    // Shallow first, then by name, whatever order the caller gave; all before the code.
    expect(model).toBeGreaterThan(0);
    expect(big).toBeGreaterThan(model);
    expect(code).toBeGreaterThan(big);
    // Never a file copied onto /src/<path>: that stamps /src with the build time.
    expect(text).not.toMatch(/COPY .* \/src\//);
    expect(text).toContain('# weights: "weights/big file.bin"\n');
    await expect(text).toMatchFileSnapshot(snap('separate-weights'));
  });

  it('weights layer ids: a hash of the path, the same whatever other weights files there are', () => {
    const id = weightsLayerId('weights/a.bin');
    expect(id).toMatch(/^[0-9a-f]{16}$/);
    expect(weightsLayerId('weights/b.bin')).not.toBe(id);
    const lineFor = (files: string[]): string | undefined =>
      renderDockerfile(planBuild(config(), options({ separateWeights: true, weightsFiles: files })))
        .split('\n')
        .find((l) => l.includes(id));
    expect(lineFor(['weights/a.bin'])).toBe(`COPY .edgecog/weights/${id}/ /`);
    expect(lineFor(['a.pt', 'weights/a.bin', 'weights/z.bin'])).toBe(`COPY .edgecog/weights/${id}/ /`);
    // Without --separate-weights the list is ignored: one code layer.
    const plain = renderDockerfile(planBuild(config(), options({ separateWeights: false, weightsFiles: ['weights/a.bin'] })));
    expect(plain).not.toContain('.edgecog/weights/');
  });

  it('base-image override: checks python3 and uses a venv', async () => {
    const text = render(config({ pythonPackages: ['numpy==1.26.4'] }), {
      baseImage: 'edgecog-base/python:3.11',
      pip: { indexUrl: 'http://127.0.0.1:3141/simple', extraIndexUrls: [], findLinks: ['http://127.0.0.1:3141/links/'], trustedHosts: ['127.0.0.1'] },
    });
    expect(text).toContain('FROM edgecog-base/python:3.11\n');
    expect(text).toContain('python3 -m venv --system-site-packages /opt/venv');
    expect(text).toContain('CMD ["/opt/venv/bin/python","-m","cog.server.http"]');
    await expect(text).toMatchFileSnapshot(snap('base-override'));
  });

  it('private index with credentials: only a secret mount, the token never appears', async () => {
    const token = 's3cr3t-T0KEN';
    const c = config({ pythonPackages: ['private-pkg==1.0'] });
    const plan = planBuild(c, options({ pip: { extraIndexUrls: [], findLinks: [], trustedHosts: [], hasSecretIndex: true } }));
    const text = renderDockerfile(plan);
    expect(text).not.toContain(token);
    expect(text).toContain('--mount=type=secret,id=pip-index');
    expect(text).toContain('PIP_INDEX_URL="$(cat /run/secrets/pip-index)"');
    expect(plan.secrets).toEqual([{ id: 'pip-index', source: 'pip' }]);
    expect(JSON.stringify(plan)).not.toContain(token);
    await expect(text).toMatchFileSnapshot(snap('secret-index'));
    // A URL with credentials handed over as a plain flag is a caller bug: refused, not rendered.
    expect(() =>
      planBuild(c, options({ pip: { indexUrl: `https://user:${token}@pypi.example.com/simple`, extraIndexUrls: [], findLinks: [], trustedHosts: [] } })),
    ).toThrow(/secret/);
  });

  it('classic builder: no mounts, COPY of requirements', async () => {
    const text = render(config({ pythonPackages: ['numpy==1.26.4'], systemPackages: ['curl'] }), { buildKit: false });
    expect(text).not.toContain('--mount');
    expect(text).toContain('COPY .edgecog/requirements.txt /tmp/edgecog-requirements.txt');
    await expect(text).toMatchFileSnapshot(snap('classic'));
  });

  it('CA certificate and a config file named with -f', async () => {
    const text = render(config(), { caCert: true, configFile: 'cog.dev.yaml' });
    expect(text).toContain('PIP_CERT=/etc/ssl/certs/ca-certificates.crt');
    // The context writes src/cog.yaml itself: no RUN step, so the layers stay reproducible.
    expect(text).not.toContain('cog.dev.yaml');
    expect(text).not.toMatch(/^RUN cp /m);
    expect(text.split('\n').filter((l) => l.startsWith('RUN '))).toHaveLength(1);
    await expect(text).toMatchFileSnapshot(snap('ca-cert'));
  });
});
