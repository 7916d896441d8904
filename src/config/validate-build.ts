/**
 * build: checks. Cog's rules (pkg/config/validate.go and the load-time part of config.go's
 * Complete), with edgecog's one deliberate difference: Python 3.8 and 3.9 load with a warning.
 */
import { cudaFacts } from './cuda-facts.js';
import { findRequirement, readRequirementsTree, type RequirementTreeLine } from './requirements.js';
import { asRecord, asString, asStrings, type Reporter } from './validate-context.js';

export const DEFAULT_PYTHON_VERSION = '3.13';

export interface BuildOutcome {
  pythonVersion: string;
  /** [major, minor] of the configured Python, when it parsed. */
  python?: [number, number];
  requirements: string[];
  /** Lines of the files the requirements file includes with `-c` (pip constraints). */
  constraints: string[];
  cuda?: string;
  cudnn?: string;
}

export function validateBuild(r: Reporter, build: Record<string, unknown> | undefined): BuildOutcome {
  const outcome: BuildOutcome = { pythonVersion: DEFAULT_PYTHON_VERSION, requirements: [], constraints: [] };
  if (!build) return outcome;
  checkPythonVersion(r, build, outcome);

  const packages = asStrings(build.python_packages);
  const reqFile = asString(build.python_requirements);
  if (packages.length > 0 && reqFile) {
    r.error('E_CONFIG_CONFLICT', 'build', 'only one of python_packages or python_requirements can be set, not both', 'build.python_requirements', 'list the packages in the requirements file and remove python_packages');
  }
  let fromFile: RequirementTreeLine[] = [];
  if (reqFile) {
    const tree = readRequirementsTree(reqFile, (path) => r.facts.readFile(path));
    const missing = tree.missing;
    if (missing?.from === '') {
      r.error('E_CONFIG_FILE', 'build.python_requirements', `build.python_requirements: ${reqFile} does not exist`, 'build.python_requirements', 'create it, or fix the path (it is relative to the directory of cog.yaml)');
    } else if (missing) {
      r.error('E_CONFIG_FILE', 'build.python_requirements', `build.python_requirements: ${missing.path} does not exist (included by ${missing.from} line ${missing.line} with ${missing.option})`, 'build.python_requirements', `create it, or fix the ${missing.option} line (its path is relative to the directory of ${missing.from})`);
    }
    fromFile = tree.requirements;
    outcome.requirements = fromFile.map((l) => l.text);
    outcome.constraints = tree.constraints.map((l) => l.text);
  } else {
    outcome.requirements = packages;
  }

  const cuda = asString(build.cuda)?.trim() || undefined;
  const cudnn = asString(build.cudnn)?.trim() || undefined;
  const cudaOk = cuda === undefined || checkCudaFormat(r, cuda);
  const gpu = build.gpu === true;
  if (!gpu) {
    if (r.failed('build.gpu')) return outcome;
    if (cuda) r.warn('W_CUDA_IGNORED', 'build.cuda', 'build.cuda is ignored without build.gpu: true', 'build.cuda', 'set gpu: true to build a CUDA image, or remove cuda');
    if (cudnn) r.warn('W_CUDA_IGNORED', 'build.cudnn', 'build.cudnn is ignored without build.gpu: true', 'build.cudnn', 'set gpu: true to build a CUDA image, or remove cudnn');
    return outcome;
  }
  if (!cudaOk) return outcome;
  const where = (index: number) =>
    reqFile
      ? { field: 'build.python_requirements', at: 'build.python_requirements', inFile: ` (${fromFile[index]?.file ?? reqFile} line ${fromFile[index]?.line ?? '?'})` }
      : { field: 'build.python_packages[torch]', at: `build.python_packages[${index}]`, inFile: '' };
  // Cog 0.17+ refuses Python 3.8/3.9 before it ever looks at torch or tensorflow pins, and the
  // Cog releases that built such models knew older torch wheels. So for these legacy configs a
  // pin the current tables cannot place is a warning, and the build falls back to Cog's default CUDA.
  const legacy = outcome.python !== undefined && outcome.python[0] === 3 && (outcome.python[1] === 8 || outcome.python[1] === 9);
  Object.assign(outcome, resolveGpu(r, outcome.requirements, cuda, cudnn, where, legacy));
  return outcome;
}

function checkPythonVersion(r: Reporter, build: Record<string, unknown>, outcome: BuildOutcome): void {
  const field = 'build.python_version';
  if (r.failed(field)) return;
  const raw = asString(build.python_version);
  if (raw === undefined || raw.trim() === '') {
    r.error('E_CONFIG_REQUIRED', field, 'build.python_version is required', r.decoded.locations.has(field) ? field : r.locate('build', 'key'), 'add it under build:, e.g. python_version: "3.11"');
    return;
  }
  const version = raw.trim();
  outcome.pythonVersion = version;
  const parts = version.split('.');
  const [major, minor] = [Number(parts[0]), Number(parts[1])];
  if (parts.length < 2 || !/^\d+$/.test(parts[0] ?? '') || !/^\d+$/.test(parts[1] ?? '')) {
    r.error('E_CONFIG_PYTHON', field, `build.python_version must be a version like "3.11" (got "${version}")`, field, 'write the minor ("3.11") or patch ("3.11.9") version of Python');
    return;
  }
  outcome.python = [major, minor];
  if (major < 3 || (major === 3 && minor < 8) || (major === 3 && minor < 10 && parts.length > 2)) {
    const hint = /^3\.[1-3]$/.test(version) ? `did you mean "${version}0"? Quote it: python_version: "${version}0"` : major === 3 && minor >= 8 ? `write python_version: "3.${minor}" (edgecog builds 3.${minor} without a patch release), or better "3.11"` : 'use python_version: "3.11" or newer';
    r.error('E_CONFIG_PYTHON', field, `build.python_version "${version}" is too old: the minimum supported Python version is 3.10 (edgecog also builds "3.8" and "3.9")`, field, hint);
    return;
  }
  if (major === 3 && minor < 10) {
    r.warn('W_PYTHON_VERSION', field, `build.python_version "${version}": Cog 0.17 and later refuse Python 3.${minor} (they need 3.10+); edgecog builds it anyway`, field, 'move to python_version: "3.11" or newer when you can');
  }
}

function checkCudaFormat(r: Reporter, cuda: string): boolean {
  const parts = cuda.split('.');
  if (parts.length < 2 || !/^\d+$/.test(parts[0] ?? '') || !/^\d+$/.test(parts[1] ?? '')) {
    r.error('E_CONFIG_CUDA', 'build.cuda', `build.cuda must include major and minor versions like "12.1" (got "${cuda}")`);
    return false;
  }
  if (Number(parts[0]) < 11) {
    r.error('E_CONFIG_CUDA', 'build.cuda', `CUDA ${cuda} is too old: the minimum supported CUDA version is 11`, 'build.cuda', `use one of ${cudaFacts.supportedCudaVersions().join(', ')}`);
    return false;
  }
  return true;
}

type Where = (index: number) => { field: string; at: string; inFile: string };

/** Cog's CUDA/cuDNN resolution for gpu: true, reporting what Cog refuses at load time. */
function resolveGpu(r: Reporter, reqs: string[], cuda: string | undefined, cudnn: string | undefined, where: Where, legacy: boolean): { cuda?: string; cudnn?: string } {
  const fallback = () => {
    const c = cuda ?? cudaFacts.DEFAULT_CUDA;
    return { cuda: c, cudnn: cudnn ?? latestCudnn(c) };
  };
  const refuse = (code: string, field: string, message: string, at: string, hint: string): void => {
    if (legacy) r.warn('W_CUDA_COMPAT', field, message, at, `${hint}; edgecog uses CUDA ${cuda ?? cudaFacts.DEFAULT_CUDA} for this Python 3.8/3.9 project (Cog 0.17+ refuses it)`);
    else r.error(code, field, message, at, hint);
  };
  const supported = () => `CUDA versions with a base image: ${cudaFacts.supportedCudaVersions().join(', ')}`;
  let unsupportedReported = false;
  const latestCudnn = (c: string): string | undefined => {
    const found = cudaFacts.latestCudnnForCuda(c);
    if (!found && !unsupportedReported) {
      r.error('E_CONFIG_CUDA', 'build.cuda', `CUDA ${c} is not supported by Cog (there is no nvidia/cuda base image for it)`, 'build.cuda', supported());
      unsupportedReported = true;
    }
    return found;
  };
  // Checked first so that it is reported alongside any pin problem below.
  if (cuda && !latestCudnn(cuda)) cudnn = undefined;
  if (cuda && cudnn) {
    const compatible = cudaFacts.cudnnsForCuda(cuda);
    if (!compatible.includes(cudnn)) {
      r.error('E_CONFIG_CUDNN', 'build.cudnn', `CUDA ${cuda} is not compatible with cuDNN ${cudnn}`, 'build.cudnn', `compatible cuDNN versions are: ${compatible.join(', ')}`);
      return { cuda, cudnn };
    }
  }
  const torch = findRequirement(reqs, 'torch');
  if (torch && torch.version === '') {
    const w = where(torch.index);
    refuse('E_CONFIG_TORCH', w.field, `torch version must be specified when using CUDA${w.inFile}`, w.at, 'pin it, e.g. torch==2.5.1, so that the CUDA version can be chosen for it');
    return legacy ? fallback() : { cuda, cudnn };
  }
  const tf = findRequirement(reqs, 'tensorflow');
  if (tf && tf.version !== '') {
    const known = cudaFacts.cudaForTensorflow(tf.version);
    if (!cuda) {
      if (!known) {
        const w = where(tf.index);
        refuse('E_CONFIG_CUDA', w.field.replace('[torch]', '[tensorflow]'), `Cog doesn't know which CUDA version tensorflow==${tf.version} needs${w.inFile}`, w.at, 'set build.cuda (see https://www.tensorflow.org/install/source#gpu)');
        return legacy ? fallback() : {};
      }
      cuda = known.cuda;
    } else if (known && cuda.split('.')[0] !== known.cuda.split('.')[0]) {
      r.error('E_CONFIG_CUDA', 'build.cuda', `TensorFlow ${tf.version} requires CUDA ${known.cuda}, not ${cuda}`, 'build.cuda', `use cuda: "${known.cuda}"`);
    } else if (!known || !cudaFacts.equalMinor(known.cuda, cuda)) {
      r.warn('W_CUDA_COMPAT', 'build.cuda', `Cog doesn't know if CUDA ${cuda} is compatible with TensorFlow ${tf.version}; this might cause CUDA problems`, 'build.cuda', known ? `try cuda: "${known.cuda}"` : undefined);
    }
    if (!cudnn) cudnn = known?.cudnn ?? latestCudnn(cuda);
    else if (known && known.cudnn !== cudnn) {
      r.error('E_CONFIG_CUDNN', 'build.cudnn', `cuDNN ${cudnn} is not compatible with tensorflow==${tf.version}`, 'build.cudnn', `tensorflow ${tf.version} needs cuDNN ${known.cudnn}`);
    }
    return { cuda, cudnn };
  }
  if (torch) {
    const cudas = cudaFacts.cudasForTorch(torch.version);
    if (!cuda) {
      const latest = cudas[cudas.length - 1];
      if (!latest) {
        const w = where(torch.index);
        refuse('E_CONFIG_CUDA', w.field, `Cog doesn't know which CUDA version torch==${torch.version} needs${w.inFile}`, w.at, 'set build.cuda (see https://pytorch.org/get-started/previous-versions/), or pin a torch release Cog knows');
        return legacy ? fallback() : {};
      }
      cuda = latest;
    } else if (!cudas.some((c) => cudaFacts.equalMinor(c, cuda as string))) {
      const last = cudas[cudas.length - 1];
      r.warn('W_CUDA_COMPAT', 'build.cuda', `Cog doesn't know if CUDA ${cuda} is compatible with PyTorch ${torch.version}; this might cause CUDA problems`, 'build.cuda', last ? `try cuda: "${last}"` : undefined);
    }
    return { cuda, cudnn: cudnn ?? latestCudnn(cuda) };
  }
  cuda ??= cudaFacts.DEFAULT_CUDA;
  return { cuda, cudnn: cudnn ?? latestCudnn(cuda) };
}

export function buildRecord(value: Record<string, unknown>): Record<string, unknown> | undefined {
  return asRecord(value.build);
}
