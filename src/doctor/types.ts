/**
 * `edgecog doctor`: Cog's doctor checks (pkg/doctor in replicate/cog) plus ours, each finding
 * with file:line:col. The checks are data producers; run.ts orders them and applies fixes,
 * render.ts prints them.
 */

export type FindingSeverity = 'error' | 'warning' | 'info';

export type CheckGroup = 'Config' | 'Python' | 'Environment';

export interface Finding {
  /** The check that produced it, e.g. `predict-to-run`. */
  check: string;
  severity: FindingSeverity;
  message: string;
  /** Project-relative file, when the finding is about one. */
  file?: string;
  line?: number;
  column?: number;
  hint?: string;
  /** `--fix` can rewrite it safely. */
  fixable: boolean;
  /** A stable code where one exists (config diagnostics: E_CONFIG_*, W_*). */
  code?: string;
}

export interface CheckInfo {
  id: string;
  group: CheckGroup;
  description: string;
}

/** Every check, in the order Cog runs its own (config, then Python, then environment). */
export const CHECKS: readonly CheckInfo[] = [
  { id: 'config-parse', group: 'Config', description: 'Config parsing' },
  { id: 'config-schema', group: 'Config', description: 'Config validation' },
  { id: 'predict-to-run', group: 'Config', description: 'Deprecated predict interface names' },
  { id: 'config-deprecated', group: 'Config', description: 'Deprecated fields' },
  { id: 'predict-ref', group: 'Config', description: 'Predict reference' },
  { id: 'run-predict-collision', group: 'Config', description: 'run/predict collision' },
  { id: 'python-version', group: 'Config', description: 'Python version (Cog 0.17+ needs 3.10+)' },
  { id: 'cuda-torch', group: 'Config', description: 'CUDA, cuDNN and torch pins' },
  { id: 'python-pydantic-basemodel', group: 'Python', description: 'Pydantic BaseModel workaround' },
  { id: 'python-deprecated-imports', group: 'Python', description: 'Deprecated imports' },
  { id: 'python-deprecated-types', group: 'Python', description: 'Deprecated types' },
  { id: 'python-type-annotations', group: 'Python', description: 'Type annotations' },
  { id: 'python-signature', group: 'Python', description: 'Predictor signature (OpenAPI schema)' },
  { id: 'env-docker', group: 'Environment', description: 'Docker' },
  { id: 'env-nvidia', group: 'Environment', description: 'NVIDIA container runtime' },
  { id: 'env-python', group: 'Environment', description: 'Local Python' },
  { id: 'env-gpu-compat', group: 'Environment', description: 'GPU compatibility' },
];

/** A file change --fix made (or would make): shown as a unified diff. */
export interface FileChange {
  /** Project-relative path before, and after (differs for predict.py → run.py). */
  path: string;
  newPath: string;
  before: string;
  after: string;
  /** The checks this change answers. */
  checks: string[];
}

export interface CheckReport extends CheckInfo {
  status: 'ok' | 'error' | 'warning' | 'info' | 'fixed';
  findings: Finding[];
}

export interface DoctorReport {
  projectDir: string;
  configFile: string;
  checks: CheckReport[];
  /** Applied with --fix. */
  changes: FileChange[];
  /** Fixes --fix could not make, with why. */
  refused: Array<{ check: string; reason: string }>;
  errors: number;
  warnings: number;
}
