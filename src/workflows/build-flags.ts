/** The build flags as commander parses them, shared by the commands and the workflows that may build first. */
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
