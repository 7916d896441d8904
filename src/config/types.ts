/**
 * The contract between config/ (which produces it) and dockerfile/, workflows/ (which consume
 * it). A CogConfig is the validated, normalized cog.yaml: every field resolved, readonly.
 */

/** A source position, 1-based, as printed in diagnostics (`cog.yaml:7:5`). */
export interface SourcePosition {
  line: number;
  column: number;
}

export type Severity = 'error' | 'warning';

export interface Diagnostic {
  severity: Severity;
  /** Stable code, e.g. E_CONFIG_TYPE, W_DEPRECATED, W_UNKNOWN_KEY. */
  code: string;
  /** Dotted path of the field: `build.python_version`, `build.python_packages[torch]`. */
  field: string;
  message: string;
  /** Config file path as the user named it (relative), and where in it. */
  file: string;
  position?: SourcePosition;
  /** How many characters from `position` to underline (default 1); first line only. */
  span?: number;
  hint?: string;
}

export interface RunMount {
  type: 'secret';
  id: string;
  target: string;
}

export interface RunCommand {
  command: string;
  mounts: RunMount[];
}

export interface WeightsEntry {
  name?: string;
  target?: string;
  source?: unknown;
}

export interface BuildConfig {
  gpu: boolean;
  /** "3.11" etc. Default as Cog completes it when absent. */
  pythonVersion: string;
  /**
   * Resolved requirement lines (from python_requirements file, or python_packages); the files
   * that file includes with `-r` are read in, so no line names a project file.
   */
  pythonPackages: string[];
  /** Lines of the files python_requirements includes with `-c`: pip constraints, installed as such. */
  pythonConstraints?: string[];
  /** The requirements file path relative to the project, when python_requirements is used. */
  pythonRequirements?: string;
  systemPackages: string[];
  /** build.run plus deprecated pre_install (pre_install first), in order. */
  run: RunCommand[];
  /** Explicit or inferred CUDA version ("12.1"), only when gpu. */
  cuda?: string;
  cudnn?: string;
  sdkVersion?: string;
}

export interface CogConfig {
  build: BuildConfig;
  image?: string;
  /** Cog's newer `model:` (a bare repository; exclusive with `image:`). */
  model?: string;
  /** `file.py:Name` from `run:` (preferred) or `predict:`. */
  predict?: string;
  train?: string;
  concurrency?: { max: number };
  environment: Record<string, string>;
  weights: WeightsEntry[];
}

export interface LoadedConfig {
  config: CogConfig;
  /** The raw document as parsed (for labels: run.cog.config is the user's config as JSON). */
  raw: Record<string, unknown>;
  /** Absolute directory of the project (where cog.yaml is). */
  projectDir: string;
  /** Config file name as given (-f), default cog.yaml. */
  configFile: string;
  warnings: Diagnostic[];
  /** Absolute path of the config file that was read. */
  configPath?: string;
  /** The config file's text, for rendering `warnings` with renderDiagnostics. */
  sourceText?: string;
}

/**
 * What validation needs to know about the project directory, injected so that parsing and
 * validation stay pure. Paths are project-relative as written in cog.yaml.
 */
export interface ProjectFacts {
  fileExists(relativePath: string): boolean;
  /** File content, or undefined when it does not exist or cannot be read. */
  readFile(relativePath: string): string | undefined;
}

/** The result of checking one cog.yaml text: every diagnostic, and the config when no errors. */
export interface ConfigCheckResult {
  /** Present only when `diagnostics` holds no error. */
  config?: CogConfig;
  /** The document as plain data (scalars as Cog reads them), {} when it could not be parsed. */
  raw: Record<string, unknown>;
  /** Errors and warnings, in source order. */
  diagnostics: Diagnostic[];
}
