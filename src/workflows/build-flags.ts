/** The build flags as commander parses them, shared by the commands and the workflows that may build first. */
import type { UseCudaBaseImage } from '../dockerfile/index.js';
import { UsageError } from '../errors.js';
import type { BuildImageOptions } from './build-image.js';

/** What addImageBuildOptions() parses, for every command that may build the project first. */
export interface ImageBuildOptionValues {
  file?: string;
  progress?: 'auto' | 'tty' | 'plain' | 'quiet';
  useCudaBaseImage?: string;
  useCogBaseImage?: string | boolean;
  baseImage?: string;
  indexUrl?: string;
  extraIndexUrl?: string[];
  findLinks?: string[];
  trustedHost?: string[];
}

/** What addBuildOnlyOptions() parses (build and push). */
export interface BuildOnlyOptionValues {
  cache?: boolean;
  openapiSchema?: string;
  secret?: string[];
  separateWeights?: boolean;
}

/**
 * The build flags → the part of buildImage's options they decide, in one place for build, push
 * and the commands that build first (run, serve, train, exec).
 */
export function buildOptionsFromFlags(
  flags: ImageBuildOptionValues & BuildOnlyOptionValues,
): Pick<BuildImageOptions, 'configFile' | 'baseImage' | 'useCudaBaseImage' | 'pip' | 'progress' | 'noCache' | 'separateWeights' | 'secrets' | 'openapiSchemaFile'> {
  const progress = flags.progress === 'tty' || flags.progress === 'plain' || flags.progress === 'quiet' ? flags.progress : 'auto';
  return {
    configFile: flags.file,
    baseImage: flags.baseImage,
    useCudaBaseImage: flags.useCudaBaseImage,
    pip: { indexUrl: flags.indexUrl, extraIndexUrl: flags.extraIndexUrl, findLinks: flags.findLinks, trustedHost: flags.trustedHost },
    progress,
    noCache: flags.cache === false,
    separateWeights: flags.separateWeights,
    secrets: flags.secret,
    openapiSchemaFile: flags.openapiSchema,
  };
}

/** `--use-cuda-base-image`: true (default), false or auto, as Cog takes it. */
export function parseUseCuda(value: string | undefined): UseCudaBaseImage {
  if (value === undefined || value === 'true' || value === 'auto' || value === 'false') return (value ?? 'true') as UseCudaBaseImage;
  throw new UsageError(`--use-cuda-base-image must be true, false or auto, not '${value}'`);
}
