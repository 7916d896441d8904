export type {
  BaseKind,
  BuildPlan,
  PipOptions,
  PlanOptions,
  PlanSecret,
  UseCudaBaseImage,
} from './types.js';
export { planBuild } from './plan.js';
export { renderDockerfile } from './render.js';
export { createIgnoreMatcher, parseDockerignore, DEFAULT_IGNORE_PATTERNS } from './dockerignore.js';
export { selectWeightsFiles, WEIGHTS_EXTENSIONS, DEFAULT_WEIGHTS_THRESHOLD_BYTES } from './weights.js';
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
