/**
 * The contract between dockerfile/ (pure planning) and the build workflow (which produces the
 * build context described here and runs the engine).
 *
 * Build-context layout every rendered Dockerfile assumes:
 *   Dockerfile
 *   .edgecog/runtime/opt/edgecog/runtime/cog/...   the `cog` package
 *                                (`COPY .edgecog/runtime/ /`)        → /opt/edgecog/runtime
 *   .edgecog/requirements.txt    plan.requirementsTxt (only when plan.requirementsTxt !== '')
 *   .edgecog/constraints.txt     plan.constraintsTxt (only when it is set and not '')
 *   .edgecog/ca-cert.pem         when options.caCert
 *   .edgecog/weights/<id>/src/<relpath>
 *                                one per plan.weightsFiles, <id> = weightsLayerId(relpath)
 *                                (`COPY .edgecog/weights/<id>/ /`)  → /src/<relpath>
 *   .edgecog/code/src/<relpath>  project files minus .dockerignore minus weights
 *                                (`COPY .edgecog/code/ /`)           → /src/<relpath>
 *                                with src/cog.yaml = the config named by -f (plan.configFile)
 * All three are copied onto `/` so that /opt/edgecog, /src and every directory below them take
 * their metadata from the context (fixed times, uid/gid 0), never the build's clock: these
 * layers are the same bytes whenever their files are (see weights.ts).
 */
import type { RunCommand } from '../config/types.js';

export type UseCudaBaseImage = 'auto' | 'true' | 'false';

export interface PipOptions {
  /** A plain index URL (no credentials): rendered as `--index-url`. */
  indexUrl?: string;
  extraIndexUrls: string[];
  findLinks: string[];
  trustedHosts: string[];
  /**
   * The index URL carries credentials: the build passes it as the BuildKit secret `pip-index`
   * (file content = the URL). It is never rendered into the Dockerfile.
   */
  hasSecretIndex?: boolean;
  /**
   * Extra index URLs carrying credentials: the BuildKit secret `pip-extra-index` (content = the
   * URLs separated by spaces, as PIP_EXTRA_INDEX_URL takes them).
   */
  hasSecretExtraIndex?: boolean;
}

export interface PlanOptions {
  /** Override of the base image (`--base-image`, EDGECOG_BASE_IMAGE read by callers). */
  baseImage?: string;
  separateWeights?: boolean;
  /** Project-relative POSIX paths of the weights files to put in their own layers. */
  weightsFiles?: string[];
  useCudaBaseImage?: UseCudaBaseImage;
  pip?: PipOptions;
  /** Secret and cache mounts need BuildKit; without it the plan refuses what cannot be done. */
  buildKit: boolean;
  /** `.edgecog/ca-cert.pem` is in the context (COG_CA_CERT). */
  caCert?: boolean;
  edgecogVersion: string;
  /** The user's config as JSON, for the `run.cog.config` label. */
  rawConfigJson: string;
  /**
   * The config file name when it is not `cog.yaml` (-f). The runtime reads /src/cog.yaml, so the
   * build context must hold this config as `.edgecog/code/src/cog.yaml` (no Dockerfile step).
   */
  configFile?: string;
}

export type BaseKind = 'python-slim' | 'cuda' | 'override';

/** One BuildKit secret the build must pass (`--secret id=<id>,src=...`). */
export interface PlanSecret {
  id: string;
  /** Where it comes from: `pip` secrets are produced by the build; `run` ones by the user's --secret. */
  source: 'pip' | 'run';
}

export interface BuildPlan {
  baseImage: string;
  baseKind: BaseKind;
  gpu: boolean;
  pythonVersion: string;
  /** Only when gpu. */
  cuda?: string;
  cudnn?: string;
  /** Absolute path of the python that runs the server in the image. */
  pythonPath: string;
  /** Directory of the virtual environment, when the plan makes one. */
  venv?: string;
  systemPackages: string[];
  /** Content for `.edgecog/requirements.txt`; '' means no pip install step. */
  requirementsTxt: string;
  /** Content for `.edgecog/constraints.txt` (pip `-c`, from the requirements' `-c` includes). */
  constraintsTxt?: string;
  pip: PipOptions;
  runCommands: RunCommand[];
  /** Project-relative paths copied in their own layers before the code (empty unless separateWeights). */
  weightsFiles: string[];
  caCert: boolean;
  buildKit: boolean;
  environment: Record<string, string>;
  /** Labels rendered into the Dockerfile. */
  labels: Record<string, string>;
  /** Labels the build step adds after the image exists (`run.cog.openapi_schema`). */
  labelsAddedLater: string[];
  secrets: PlanSecret[];
  /** Set when the config is not named cog.yaml: the context writes it as src/cog.yaml. */
  configFile?: string;
  /** Things the user should know (unknown torch/CUDA combination, ...), for stderr. */
  warnings: string[];
}
