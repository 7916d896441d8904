/**
 * CogConfig + build options → BuildPlan: every decision about the image (base, Python, CUDA,
 * requirements, secrets, labels) made here, so render.ts only prints. Pure.
 */
import type { CogConfig } from '../config/types.js';
import { UserError } from '../errors.js';
import { textHasUrlCredentials } from '../util/url-credentials.js';
import { cudaBaseImageFor, resolveCuda, resolvePackage } from './compat.js';
import { compareWeightsPaths } from './weights.js';
import type { BaseKind, BuildPlan, PipOptions, PlanOptions, PlanSecret } from './types.js';

export const VENV_DIR = '/opt/venv';
export const RUNTIME_DIR = '/opt/edgecog/runtime';
export const PIP_INDEX_SECRET = 'pip-index';
export const PIP_EXTRA_INDEX_SECRET = 'pip-extra-index';
export const OPENAPI_SCHEMA_LABEL = 'run.cog.openapi_schema';

const PYTORCH_INDEX = /^https:\/\/download\.pytorch\.org\//;
// The runtime is ours; Cog's SDK packages would be shadowed by it and drag in pydantic/fastapi.
const MANAGED_PACKAGES = new Set(['cog', 'coglet']);

function packageName(line: string): string {
  const m = /^([a-zA-Z0-9_.-]+)/.exec(line.trim());
  return (m?.[1] ?? '').toLowerCase().replace(/[-_.]+/g, '-');
}

function uniquePush(list: string[], items: readonly string[]): void {
  for (const item of items) if (!list.includes(item)) list.push(item);
}

function planRequirements(
  lines: readonly string[],
  target: { gpu: boolean; cuda?: string },
  pip: PipOptions,
  warnings: string[],
): string {
  const findLinks: string[] = [];
  const extraIndexUrls: string[] = [];
  const packages: string[] = [];
  for (const line of lines) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    if (MANAGED_PACKAGES.has(packageName(trimmed)) && !trimmed.startsWith('-')) {
      warnings.push(`'${trimmed}' in the Python requirements is skipped: edgecog installs its own cog runtime.`);
      continue;
    }
    const resolved = resolvePackage(trimmed, target);
    packages.push(resolved.line);
    uniquePush(findLinks, resolved.findLinks);
    uniquePush(extraIndexUrls, resolved.extraIndexUrls);
  }
  if (packages.length === 0) return '';
  // With their own primary index (air-gapped, private mirror) users do not want builds reaching
  // out to download.pytorch.org; name the index Cog would use so they can mirror it.
  const customIndex = Boolean(pip.indexUrl || pip.hasSecretIndex);
  const keptIndexes = customIndex ? extraIndexUrls.filter((u) => !PYTORCH_INDEX.test(u)) : extraIndexUrls;
  for (const dropped of extraIndexUrls.filter((u) => !keptIndexes.includes(u))) {
    warnings.push(`Using your package index for the PyTorch wheels; Cog would add --extra-index-url ${dropped} (pass it with --extra-index-url if your index does not mirror it).`);
  }
  return [
    ...findLinks.map((u) => `--find-links ${u}`),
    ...keptIndexes.map((u) => `--extra-index-url ${u}`),
    ...packages,
  ].join('\n') + '\n';
}

function needBuildKit(what: string): UserError {
  return new UserError('E_BUILDKIT_REQUIRED', `${what} needs BuildKit, and only the classic Docker builder is available`, {
    hint: 'Install a Docker CLI with BuildKit (docker buildx, or Docker 18.09+ with DOCKER_BUILDKIT=1). edgecog will not bake secrets into image layers.',
  });
}

export function planBuild(config: CogConfig, options: PlanOptions): BuildPlan {
  const { build } = config;
  const warnings: string[] = [];
  const pip: PipOptions = {
    indexUrl: options.pip?.indexUrl,
    extraIndexUrls: [...(options.pip?.extraIndexUrls ?? [])],
    findLinks: [...(options.pip?.findLinks ?? [])],
    trustedHosts: [...(options.pip?.trustedHosts ?? [])],
    hasSecretIndex: options.pip?.hasSecretIndex ?? false,
    hasSecretExtraIndex: options.pip?.hasSecretExtraIndex ?? false,
  };
  if (!pip.indexUrl) delete pip.indexUrl;
  for (const url of [pip.indexUrl ?? '', ...pip.extraIndexUrls, ...pip.findLinks]) {
    if (textHasUrlCredentials(url)) {
      // A caller bug, never a user one: credentials must arrive as hasSecretIndex.
      throw new Error('planBuild: an index URL with credentials must be passed as a secret, not rendered');
    }
  }

  let cuda: string | undefined;
  let cudnn: string | undefined;
  if (build.gpu) {
    const resolved = resolveCuda({ cuda: build.cuda, cudnn: build.cudnn, requirements: build.pythonPackages });
    cuda = resolved.cuda;
    cudnn = resolved.cudnn;
    warnings.push(...resolved.warnings);
  }

  let baseKind: BaseKind;
  let baseImage: string;
  const override = options.baseImage?.trim();
  if (override) {
    baseKind = 'override';
    baseImage = override;
  } else if (build.gpu && options.useCudaBaseImage !== 'false' && cuda && cudnn) {
    baseKind = 'cuda';
    baseImage = cudaBaseImageFor(cuda, cudnn);
  } else {
    baseKind = 'python-slim';
    baseImage = `python:${build.pythonVersion}-slim`;
  }
  const venv = baseKind === 'python-slim' ? undefined : VENV_DIR;
  const pythonPath = venv ? `${venv}/bin/python` : '/usr/local/bin/python';

  const requirementsTxt = planRequirements(build.pythonPackages, { gpu: build.gpu, cuda }, pip, warnings);
  // Constraints only matter to a pip step; without one they are dropped.
  const constraints = requirementsTxt === '' ? [] : (build.pythonConstraints ?? []).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  const constraintsTxt = constraints.length > 0 ? `${constraints.join('\n')}\n` : '';
  if (!options.buildKit && textHasUrlCredentials(requirementsTxt + constraintsTxt)) {
    throw needBuildKit('A requirements file with credentials in an index URL');
  }

  const secrets: PlanSecret[] = [];
  if (requirementsTxt !== '' && pip.hasSecretIndex) secrets.push({ id: PIP_INDEX_SECRET, source: 'pip' });
  if (requirementsTxt !== '' && pip.hasSecretExtraIndex) secrets.push({ id: PIP_EXTRA_INDEX_SECRET, source: 'pip' });
  for (const run of build.run) {
    if (run.command.trim().includes('\n')) {
      throw new UserError('E_CONFIG_RUN', `a build.run command contains a new line, which will not work: ${run.command.trim()}`, {
        hint: "Make each command its own list item in cog.yaml (a new line starting with '-').",
      });
    }
    for (const mount of run.mounts) {
      if (!secrets.some((s) => s.id === mount.id)) secrets.push({ id: mount.id, source: 'run' });
    }
  }
  if (!options.buildKit && secrets.length > 0) {
    throw needBuildKit(
      secrets.some((s) => s.source === 'run') ? 'A build.run command with a secret mount' : 'A package index URL with credentials',
    );
  }

  // Sorted here too, whatever order the caller found them in: the layer order is part of the image.
  const weightsFiles = options.separateWeights ? [...new Set(options.weightsFiles ?? [])].sort(compareWeightsPaths) : [];
  // The config always sits at the project root, whatever path -f named it by.
  const configName = options.configFile?.split(/[\\/]/).pop();
  const configFile = configName && configName !== 'cog.yaml' ? configName : undefined;

  return {
    baseImage,
    baseKind,
    gpu: build.gpu,
    pythonVersion: build.pythonVersion,
    ...(cuda ? { cuda } : {}),
    ...(cudnn ? { cudnn } : {}),
    pythonPath,
    ...(venv ? { venv } : {}),
    systemPackages: [...build.systemPackages],
    requirementsTxt,
    ...(constraintsTxt ? { constraintsTxt } : {}),
    pip,
    runCommands: build.run.map((r) => ({ command: r.command.trim(), mounts: r.mounts.map((m) => ({ ...m })) })),
    weightsFiles,
    caCert: Boolean(options.caCert),
    buildKit: options.buildKit,
    environment: { ...config.environment },
    labels: {
      'run.cog.config': options.rawConfigJson,
      'run.cog.version': options.edgecogVersion,
      'run.cog.edgecog_version': options.edgecogVersion,
    },
    labelsAddedLater: [OPENAPI_SCHEMA_LABEL],
    secrets,
    ...(configFile ? { configFile } : {}),
    warnings,
  };
}
