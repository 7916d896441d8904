export type {
  BaseKind,
  BuildPlan,
  PipOptions,
  PlanOptions,
  PlanSecret,
  UseCudaBaseImage,
} from './types.js';
export { planBuild, VENV_DIR, RUNTIME_DIR, PIP_INDEX_SECRET, PIP_EXTRA_INDEX_SECRET, OPENAPI_SCHEMA_LABEL } from './plan.js';
export { renderDockerfile, quoteWord } from './render.js';
export { createIgnoreMatcher, parseDockerignore, DEFAULT_IGNORE_PATTERNS } from './dockerignore.js';
export { selectWeightsFiles, compareWeightsPaths, weightsLayerId, WEIGHTS_EXTENSIONS, DEFAULT_WEIGHTS_THRESHOLD_BYTES } from './weights.js';
export type { WeightsSelectionOptions } from './weights.js';
export {
  resolveCuda,
  cudaBaseImageFor,
  torchIndexUrlForCuda,
  TORCH_COMPATIBILITY,
  TF_COMPATIBILITY,
  CUDA_BASE_IMAGES,
} from './compat.js';
export type { CudaResolution } from './compat.js';
