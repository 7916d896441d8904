/**
 * Environment checks: the Docker engine, the NVIDIA container runtime for gpu: true models, the
 * local python3, and whether the pinned torch/CUDA have kernels for this machine's GPU (Cog's
 * GPUCompatibilityCheck floors). Probes are injected so the decisions are unit-tested.
 */
import type { CogConfig } from '../config/index.js';
import { requirementVersion } from '../dockerfile/compat.js';
import { compareVersions } from '../dockerfile/version.js';
import { runProcess } from '../util/process.js';
import type { Finding } from './types.js';

export interface DockerProbe {
  ok: boolean;
  /** Why not, when not ok. */
  error?: string;
  /** Runtime names the engine knows (runc, nvidia, ...). */
  runtimes: string[];
}

export interface Probes {
  docker(): Promise<DockerProbe>;
  /** nvidia-smi's compute capabilities, or undefined when there is no NVIDIA GPU/driver. */
  computeCapabilities(): Promise<string | undefined>;
  /** Whether the NVIDIA container toolkit's CLI is on PATH (CDI/hook setups without a runtime entry). */
  nvidiaContainerCli(): Promise<boolean>;
  /** `python3 --version` output, or undefined. */
  pythonVersion(): Promise<string | undefined>;
}

const PROBE_TIMEOUT_MS = 5_000;

export function systemProbes(env: NodeJS.ProcessEnv, python: string): Probes {
  return {
    async docker() {
      const r = await runProcess('docker', ['info', '--format', '{{json .Runtimes}}'], { timeoutMs: PROBE_TIMEOUT_MS, env });
      if (r.code !== 0) {
        const why = r.failure ?? (r.stderr.trim().split('\n').filter(Boolean).pop() || `docker info exited ${r.code}`);
        return { ok: false, error: why, runtimes: [] };
      }
      let runtimes: string[] = [];
      try {
        runtimes = Object.keys(JSON.parse(r.stdout) as Record<string, unknown>);
      } catch {
        // older engines print nothing useful for .Runtimes; availability is what matters
      }
      return { ok: true, runtimes };
    },
    async computeCapabilities() {
      const r = await runProcess('nvidia-smi', ['--query-gpu=compute_cap', '--format=csv,noheader'], { timeoutMs: PROBE_TIMEOUT_MS, env });
      return r.code === 0 ? r.stdout : undefined;
    },
    async nvidiaContainerCli() {
      const r = await runProcess('nvidia-container-cli', ['--version'], { timeoutMs: PROBE_TIMEOUT_MS, env });
      return r.code === 0;
    },
    async pythonVersion() {
      const r = await runProcess(python, ['--version'], { timeoutMs: PROBE_TIMEOUT_MS, env });
      return r.code === 0 ? (r.stdout || r.stderr).trim() : undefined;
    },
  };
}

export async function dockerFindings(probe: DockerProbe): Promise<Finding[]> {
  if (probe.ok) return [];
  return [
    {
      check: 'env-docker',
      severity: 'error',
      message: `Docker is not available: ${probe.error ?? 'docker info failed'}`,
      hint: 'Install Docker Engine and start it (or set DOCKER_HOST); edgecog run --no-docker works without it. COG_SKIP_DOCKER_CHECK=1 skips this check.',
      fixable: false,
    },
  ];
}

export function nvidiaFindings(gpu: boolean, probe: DockerProbe, hasCli: boolean, caps: string | undefined): Finding[] {
  if (!gpu || !probe.ok) return [];
  const out: Finding[] = [];
  if (caps === undefined) {
    out.push({
      check: 'env-nvidia',
      severity: 'warning',
      message: 'cog.yaml asks for gpu: true but this machine has no working NVIDIA driver (nvidia-smi failed)',
      hint: 'The image still builds; predictions here run without a GPU only if the model allows it.',
      fixable: false,
    });
  }
  if (!probe.runtimes.includes('nvidia') && !hasCli) {
    out.push({
      check: 'env-nvidia',
      severity: 'warning',
      message: 'the Docker engine has no NVIDIA runtime, so `edgecog run`/`serve` cannot give the container GPUs here',
      hint: 'Install the NVIDIA Container Toolkit and run `nvidia-ctk runtime configure --runtime=docker`, then restart Docker.',
      fixable: false,
    });
  }
  return out;
}

export function localPythonFindings(config: CogConfig | undefined, versionText: string | undefined): Finding[] {
  if (versionText === undefined) {
    return [{ check: 'env-python', severity: 'info', message: 'python3 not found on PATH', hint: 'Needed for edgecog run --no-docker and the schema check before builds.', fixable: false }];
  }
  const local = /(\d+\.\d+)/.exec(versionText)?.[1];
  const wanted = config?.build.pythonVersion && /^(\d+\.\d+)/.exec(config.build.pythonVersion)?.[1];
  if (local && wanted && local !== wanted) {
    return [
      {
        check: 'env-python',
        severity: 'info',
        message: `local Python is ${local} but cog.yaml specifies ${wanted}`,
        hint: 'Usually fine: images use the configured version; only --no-docker runs use the local one.',
        fixable: false,
      },
    ];
  }
  return [];
}

/** Oldest torch/CUDA with kernels for a compute capability (Cog's table, measured from wheels). */
const GPU_FLOORS: ReadonlyArray<{ cap: [number, number]; torch: string; cuda: string }> = [
  { cap: [12, 0], torch: '2.7.0', cuda: '12.8' },
  { cap: [10, 0], torch: '2.7.0', cuda: '12.8' },
  { cap: [9, 0], torch: '2.0.1', cuda: '11.8' },
];

export function parseComputeCapabilities(text: string): Array<[number, number]> {
  const seen = new Set<string>();
  const out: Array<[number, number]> = [];
  for (const line of text.split('\n')) {
    const m = /^\s*(\d+)\.(\d+)\s*$/.exec(line);
    if (!m || seen.has(`${m[1]}.${m[2]}`)) continue;
    seen.add(`${m[1]}.${m[2]}`);
    out.push([Number(m[1]), Number(m[2])]);
  }
  return out.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
}

/** Warnings for each GPU capability the pinned torch (and CUDA) ship no kernels for. */
export function gpuCompatFindings(config: CogConfig | undefined, capsText: string | undefined): Finding[] {
  if (!config?.build.gpu || capsText === undefined) return [];
  const torch = requirementVersion(config.build.pythonPackages, 'torch');
  if (!torch) return [];
  const release = torch.split('+')[0] ?? torch;
  const cuda = config.build.cuda;
  const out: Finding[] = [];
  for (const cap of parseComputeCapabilities(capsText)) {
    const floor = GPU_FLOORS.find((f) => cap[0] > f.cap[0] || (cap[0] === f.cap[0] && cap[1] >= f.cap[1]));
    if (!floor) continue;
    const torchOk = compareVersions(release, floor.torch) >= 0;
    const cudaOk = !cuda || compareVersions(cuda, floor.cuda) >= 0;
    if (torchOk && cudaOk) continue;
    const sm = `sm_${cap[0]}${cap[1]}`;
    out.push({
      check: 'env-gpu-compat',
      severity: 'warning',
      message: `torch==${torch} (CUDA ${cuda ?? 'unset'}) ships no kernels for ${sm}, this machine's GPU: the image builds, but every CUDA call in it fails with "no kernel image is available for execution on the device"`,
      hint: `${sm} needs torch>=${floor.torch} built for CUDA>=${floor.cuda}. Pin a newer torch, or set COG_SKIP_GPU_CHECK=1 when building for another GPU.`,
      fixable: false,
    });
  }
  return out;
}
