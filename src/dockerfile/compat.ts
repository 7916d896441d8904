/**
 * CUDA/cuDNN selection and torch/tensorflow wheel resolution, following Cog's rules
 * (pkg/config/compatibility.go and config.go validateAndCompleteCUDA / pythonPackageForArch).
 * Pure: data in, data out; problems are returned as warnings or thrown as UserError.
 */
import { UserError } from '../errors.js';
import { CUDA_IMAGE_ROWS, TF_ROWS, TORCH_ROWS } from './compat-data.js';
import { compareVersions, equalMinor, parseVersion, versionMatches } from './version.js';

export interface TorchCompat {
  torch: string;
  torchvision: string;
  torchaudio: string;
  cuda: string | null;
  extraIndexUrl: string;
  findLinks: string;
  pythons: readonly string[];
}

export interface TfCompat {
  tf: string;
  cpuPackage: string;
  gpuPackage: string;
  cuda: string;
  cudnn: string;
  pythons: readonly string[];
}

export interface CudaBaseImage {
  tag: string;
  cuda: string;
  cudnn: string;
  ubuntu: string;
}

export const CUDA_BASE_IMAGES: readonly CudaBaseImage[] = CUDA_IMAGE_ROWS.map(([tag, cuda, cudnn, ubuntu]) => ({
  tag,
  cuda,
  cudnn,
  ubuntu,
}));

export const TF_COMPATIBILITY: readonly TfCompat[] = TF_ROWS.map(([tf, cpuPackage, gpuPackage, cuda, cudnn, pythons]) => ({
  tf,
  cpuPackage,
  gpuPackage,
  cuda,
  cudnn,
  pythons,
}));

// Like Cog, drop torch rows whose CUDA has no base image (the CUDA 10.x wheels).
export const TORCH_COMPATIBILITY: readonly TorchCompat[] = TORCH_ROWS.map(
  ([torch, torchvision, torchaudio, cuda, extraIndexUrl, findLinks, pythons]) => ({
    torch,
    torchvision,
    torchaudio,
    cuda,
    extraIndexUrl,
    findLinks,
    pythons,
  }),
).filter((row) => row.cuda === null || CUDA_BASE_IMAGES.some((image) => versionMatches(row.cuda as string, image.cuda)));

/** Cog's fallback when nothing pins a CUDA version. */
export const DEFAULT_CUDA = '11.8';

const stripModifier = (v: string): string => v.split('+')[0] ?? v;

/** `https://download.pytorch.org/whl/cu121` for CUDA "12.1" (the index PyTorch publishes CUDA wheels on). */
export function torchIndexUrlForCuda(cuda: string): string {
  const v = parseVersion(cuda);
  if (!v) throw new Error(`not a CUDA version: ${cuda}`);
  return `https://download.pytorch.org/whl/cu${v.major}${v.minor}`;
}

/** CUDA versions Cog knows wheels of this torch for, sorted ascending. `2.1.0+cu118` → exactly 11.8. */
export function cudasForTorch(torchVersion: string): string[] {
  const [base, modifier] = torchVersion.split('+');
  if (base === undefined) return [];
  const m = modifier ? /^cu(\d{2,})$/.exec(modifier) : null;
  if (m?.[1]) {
    const digits = m[1];
    const cuda = `${digits.slice(0, -1)}.${digits.slice(-1)}`;
    if (TORCH_COMPATIBILITY.some((r) => r.cuda === cuda && versionMatches(base, stripModifier(r.torch)))) return [cuda];
  }
  const found = TORCH_COMPATIBILITY.filter((r) => r.cuda !== null && versionMatches(base, stripModifier(r.torch))).map(
    (r) => r.cuda as string,
  );
  return [...new Set(found)].sort(compareVersions);
}

export function cudaForTensorflow(tfVersion: string): { cuda: string; cudnn: string } | undefined {
  const row = TF_COMPATIBILITY.find((r) => r.tf === tfVersion);
  return row ? { cuda: row.cuda, cudnn: row.cudnn } : undefined;
}

export function cudnnsForCuda(cuda: string): string[] {
  const found = CUDA_BASE_IMAGES.filter((i) => versionMatches(cuda, i.cuda)).map((i) => i.cudnn);
  return [...new Set(found)];
}

function latestCudnnForCuda(cuda: string): string {
  const cudnns = cudnnsForCuda(cuda).sort(compareVersions);
  const latest = cudnns[cudnns.length - 1];
  if (latest === undefined) {
    throw new UserError('E_CUDA_UNSUPPORTED', `CUDA ${cuda} is not supported: there is no nvidia/cuda base image for it`, {
      hint: `Use one of: ${supportedCudaVersions().join(', ')}.`,
    });
  }
  return latest;
}

export function supportedCudaVersions(): string[] {
  const set = new Set(CUDA_BASE_IMAGES.map((i) => {
    const v = parseVersion(i.cuda);
    return v ? `${v.major}.${v.minor}` : i.cuda;
  }));
  return [...set].sort(compareVersions);
}

/**
 * The nvidia/cuda devel image for a CUDA/cuDNN pair: the highest matching CUDA patch release,
 * then the newest Ubuntu, as Cog picks it.
 */
export function cudaBaseImageFor(cuda: string, cudnn: string): string {
  const images = CUDA_BASE_IMAGES.filter((i) => versionMatches(cuda, i.cuda) && i.cudnn === cudnn);
  images.sort((a, b) => compareVersions(b.cuda, a.cuda) || (a.ubuntu < b.ubuntu ? 1 : a.ubuntu > b.ubuntu ? -1 : 0));
  const best = images[0];
  if (!best) {
    throw new UserError('E_CUDA_UNSUPPORTED', `there is no base image for CUDA ${cuda} with cuDNN ${cudnn}`, {
      hint: `cuDNN versions available for CUDA ${cuda}: ${cudnnsForCuda(cuda).join(', ') || 'none'}.`,
    });
  }
  return `nvidia/cuda:${best.tag}`;
}

/** The version written after a package name in requirement lines, as Cog reads it (first specifier). */
export function requirementVersion(lines: readonly string[], name: string): string | undefined {
  for (const line of lines) {
    if (isLocalArtifact(line)) continue;
    const pkg = /^([a-zA-Z0-9_\-.]+(?:\[[^\]]+\])?)/.exec(line)?.[1];
    if (pkg !== name) continue;
    const m = /[<>=!~]=?\s*([^\s,;|]+)/.exec(line) ?? /@\s*(\S+)/.exec(line);
    return m?.[1] ?? '';
  }
  return undefined;
}

/** Wheels, sdists and paths are installed as they are. */
export function isLocalArtifact(line: string): boolean {
  const t = line.trim();
  return /^(\.{0,2}\/|file:)/.test(t) || /\.(whl|tar\.gz|zip)$/.test(t.split(/\s/)[0] ?? '');
}

export interface CudaResolution {
  cuda: string;
  cudnn: string;
  warnings: string[];
}

/**
 * CUDA and cuDNN for a GPU build: the `cuda:`/`cudnn:` the user gave, else what the tensorflow
 * pin needs, else the newest CUDA the torch pin has wheels for, else Cog's default.
 */
export function resolveCuda(input: { cuda?: string; cudnn?: string; requirements: readonly string[] }): CudaResolution {
  const warnings: string[] = [];
  let cuda = input.cuda;
  let cudnn = input.cudnn;
  if (cuda && cudnn && !cudnnsForCuda(cuda).includes(cudnn)) {
    throw new UserError('E_CUDA_CUDNN', `CUDA ${cuda} is not compatible with cuDNN ${cudnn}`, {
      hint: `Compatible cuDNN versions: ${cudnnsForCuda(cuda).join(', ') || 'none'}.`,
    });
  }
  const tf = requirementVersion(input.requirements, 'tensorflow');
  const torch = requirementVersion(input.requirements, 'torch');
  if (tf !== undefined) {
    const known = cudaForTensorflow(tf);
    if (!cuda) {
      if (!known) {
        throw new UserError('E_CUDA_UNKNOWN', `edgecog does not know which CUDA version tensorflow==${tf} needs`, {
          hint: "Set build.cuda in cog.yaml (see https://www.tensorflow.org/install/source#gpu).",
        });
      }
      cuda = known.cuda;
    } else if (!known || !equalMinor(known.cuda, cuda)) {
      warnings.push(`CUDA ${cuda} may not be compatible with TensorFlow ${tf}; this might cause CUDA problems.${known ? ` Try CUDA ${known.cuda}.` : ''}`);
    }
    if (!cudnn) cudnn = known?.cudnn ?? latestCudnnForCuda(cuda);
    else if (known && known.cudnn !== cudnn) {
      throw new UserError('E_CUDA_CUDNN', `cuDNN ${cudnn} is not compatible with tensorflow==${tf}`, {
        hint: `TensorFlow ${tf} needs cuDNN ${known.cudnn}.`,
      });
    }
  } else if (torch !== undefined) {
    const cudas = torch === '' ? [] : cudasForTorch(torch);
    if (!cuda) {
      if (cudas.length === 0) {
        throw new UserError(
          'E_CUDA_UNKNOWN',
          torch === '' ? 'torch version must be specified when using CUDA' : `edgecog does not know which CUDA version torch==${torch} needs`,
          { hint: 'Pin torch (torch==2.5.1) or set build.cuda in cog.yaml (see https://pytorch.org/get-started/previous-versions/).' },
        );
      }
      cuda = cudas.reduce((a, b) => (compareVersions(a, b) >= 0 ? a : b));
    } else if (!cudas.some((c) => equalMinor(c, cuda as string))) {
      const last = cudas[cudas.length - 1];
      const which = torch === '' ? 'an unpinned torch' : `PyTorch ${torch}`;
      warnings.push(`CUDA ${cuda} may not be compatible with ${which}; this might cause CUDA problems.${last ? ` Try CUDA ${last}.` : ''}`);
    }
    if (!cudnn) cudnn = latestCudnnForCuda(cuda);
  } else {
    cuda ??= DEFAULT_CUDA;
    cudnn ??= latestCudnnForCuda(cuda);
  }
  return { cuda, cudnn, warnings };
}

export interface ResolvedPackage {
  line: string;
  findLinks: string[];
  extraIndexUrls: string[];
}

/**
 * Rewrites one requirement line the way Cog does: pinned torch/torchvision go to the wheel built
 * for the CUDA in use (or the CPU wheel), with PyTorch's index; tensorflow to its GPU package.
 */
export function resolvePackage(line: string, target: { gpu: boolean; cuda?: string }): ResolvedPackage {
  const unchanged = { line, findLinks: [], extraIndexUrls: [] };
  if (isLocalArtifact(line)) return unchanged;
  const pin = /(?:^|\s)([a-zA-Z0-9\-_]+)==([^\s;]+)/.exec(line);
  if (!pin?.[1] || !pin[2]) return unchanged;
  const name = pin[1];
  const version = pin[2];
  const ownIndexes = [...line.matchAll(/--extra-index-url=(\S+)/g)].map((m) => m[1] as string);
  const ownLinks = [...line.matchAll(/(?:--find-links=|-f\s+)(\S+)/g)].map((m) => m[1] as string);
  if (ownIndexes.length > 0) return { line: `${name}==${version}`, findLinks: ownLinks, extraIndexUrls: ownIndexes };
  const rewritten = (v: string, row?: TorchCompat): ResolvedPackage => ({
    line: `${name}==${v}`,
    findLinks: row?.findLinks ? [row.findLinks] : ownLinks,
    extraIndexUrls: row?.extraIndexUrl ? [row.extraIndexUrl] : [],
  });
  if (name === 'tensorflow' && target.gpu && target.cuda) {
    const row = TF_COMPATIBILITY.find((r) => r.tf === version && equalMinor(r.cuda, target.cuda as string));
    const gpu = row ? /^([^=]+)==(.+)$/.exec(row.gpuPackage) : null;
    return gpu?.[1] && gpu[2] ? { line: `${gpu[1]}==${gpu[2]}`, findLinks: [], extraIndexUrls: [] } : unchanged;
  }
  if (name !== 'torch' && name !== 'torchvision') return unchanged;
  const field = name === 'torch' ? 'torch' : 'torchvision';
  if (!target.gpu) {
    const row = TORCH_COMPATIBILITY.find((r) => r.cuda === null && stripModifier(r[field]) === version);
    return row ? rewritten(stripModifier(row[field]), row) : unchanged;
  }
  if (!target.cuda) return unchanged;
  // The wheel with the newest CUDA that is not newer than the CUDA in the image.
  let best: TorchCompat | undefined;
  for (const row of TORCH_COMPATIBILITY) {
    if (row.cuda === null || compareVersions(row.cuda, target.cuda) > 0) continue;
    const matches = field === 'torch' ? versionMatches(stripModifier(row.torch), version) : stripModifier(row.torchvision) === version;
    if (!matches) continue;
    if (!best || compareVersions(row.cuda, best.cuda as string) > 0) best = row;
    else if (field === 'torch' && row.cuda === best.cuda && compareVersions(stripModifier(row.torch), stripModifier(best.torch)) > 0) best = row;
  }
  return best ? rewritten(stripModifier(best[field]), best) : unchanged;
}
