/**
 * The CUDA facts validation needs, taken from the planner's compatibility tables (Cog's data,
 * in src/dockerfile/compat.ts) so that what loads is exactly what the planner can build.
 */
import { DEFAULT_CUDA, cudaForTensorflow, cudasForTorch, cudnnsForCuda, supportedCudaVersions } from '../dockerfile/compat.js';
import { compareVersions, equalMinor } from '../dockerfile/version.js';

export const cudaFacts = {
  DEFAULT_CUDA,
  cudaForTensorflow,
  cudasForTorch,
  cudnnsForCuda,
  supportedCudaVersions,
  equalMinor,
  /** The newest cuDNN with a base image for this CUDA, or undefined when Cog has none. */
  latestCudnnForCuda(cuda: string): string | undefined {
    const sorted = [...cudnnsForCuda(cuda)].sort(compareVersions);
    return sorted[sorted.length - 1];
  },
};
