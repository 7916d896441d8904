/**
 * Semantic checks on the decoded config: Cog's load-time rules (pkg/config/validate.go, env.go
 * and the load-time part of Complete), collected all at once instead of stopping at the first,
 * plus what edgecog adds (the predictor file must exist).
 */
import { posix } from 'node:path';
import type { DecodeResult } from './decode.js';
import type { Diagnostic, ProjectFacts } from './types.js';
import { validateBuild } from './validate-build.js';
import { asRecord, asString, asStrings, Reporter } from './validate-context.js';
import { validateWeights } from './validate-weights.js';

export interface ValidateOptions {
  file: string;
  facts: ProjectFacts;
}

export interface ValidationOutput {
  diagnostics: Diagnostic[];
  /** Requirement lines from python_requirements (or the deprecated python_packages). */
  requirements: string[];
  /** Constraint lines from the files python_requirements includes with `-c`. */
  constraints: string[];
  pythonVersion: string;
  cuda?: string;
  cudnn?: string;
}

// Names Cog reserves for itself at build and run time (pkg/config/env.go); `*` is a prefix.
const RESERVED_ENV = ['PATH', 'LD_LIBRARY_PATH', 'PYTHONPATH', 'VIRTUAL_ENV', 'PYTHONUNBUFFERED', 'R8_*', 'REPLICATE_*', 'LIBRARY_PATH', 'CUDA_*', 'NVIDIA_*', 'NV_*', 'PGET_*', 'HF_ENDPOINT', 'HF_HUB_ENABLE_HF_TRANSFER', 'KUBERNETES_*'];

export function validateConfig(decoded: DecodeResult, options: ValidateOptions): ValidationOutput {
  const r = new Reporter(decoded, options.file, options.facts);
  const cfg = decoded.value;
  checkPredictorRefs(r, cfg);
  const build = validateBuild(r, asRecord(cfg.build));
  checkRunCommands(r, asRecord(cfg.build));
  checkEnvironment(r, cfg.environment);
  checkConcurrency(r, cfg, build.python);
  checkModel(r, cfg);
  validateWeights(r, cfg);
  checkDeprecations(r, cfg);
  return { diagnostics: r.diagnostics, requirements: build.requirements, constraints: build.constraints, pythonVersion: build.pythonVersion, cuda: build.cuda, cudnn: build.cudnn };
}

function checkPredictorRefs(r: Reporter, cfg: Record<string, unknown>): void {
  const run = asString(cfg.run);
  const predict = asString(cfg.predict);
  if (run && predict) {
    r.error('E_CONFIG_CONFLICT', 'run', 'only one of run or predict can be set', 'run', 'keep run: and remove predict: (the deprecated name for the same thing)');
  }
  const refs: Array<[string, string | undefined, string]> = [
    ['run', run, 'run.py:Runner'],
    ['predict', predict, 'predict.py:Predictor'],
    ['train', asString(cfg.train), 'train.py:Trainer'],
  ];
  for (const [field, ref, example] of refs) {
    if (!ref) continue;
    const parts = ref.split('.py:');
    if (parts.length !== 2 || parts[0] === '' || parts[1]?.trim() === '') {
      r.error('E_CONFIG_REF', field, `${field} must be in the form '${example}' (got '${ref}')`, field, `point at a Python file and the class or function in it, e.g. ${field}: "${example}"`);
      continue;
    }
    const file = `${parts[0]}.py`;
    if (file.startsWith('/') || posix.normalize(file).startsWith('../')) {
      r.error('E_CONFIG_REF_FILE', field, `${field}: ${file} is outside the project directory`, field, 'only the project directory is copied into the image; move the file into it');
    } else if (!r.facts.fileExists(file)) {
      r.error('E_CONFIG_REF_FILE', field, `${field}: ${file} does not exist`, field, `create ${file}, or fix the path (it is relative to the directory of the config file)`);
    }
  }
}

function checkRunCommands(r: Reporter, build: Record<string, unknown> | undefined): void {
  const items = build?.run;
  if (!Array.isArray(items)) return;
  items.forEach((item, i) => {
    const path = `build.run[${i}]`;
    const rec = asRecord(item);
    if (!rec || r.failed(path)) return;
    if (asString(rec.command) === undefined) {
      r.error('E_CONFIG_REQUIRED', `${path}.command`, `${path}.command is required`, path, 'write the command as command: "..." next to mounts:');
    }
    const mounts = Array.isArray(rec.mounts) ? rec.mounts : [];
    mounts.forEach((m, j) => {
      const mp = `${path}.mounts[${j}]`;
      const mount = asRecord(m);
      if (!mount || r.failed(mp)) return;
      for (const key of ['type', 'id', 'target']) {
        if (!asString(mount[key])) r.error('E_CONFIG_REQUIRED', `${mp}.${key}`, `${mp}.${key} is required`, mp, 'a mount needs type: secret, id: and target:');
      }
      const type = asString(mount.type);
      if (type && type !== 'secret') {
        r.error('E_CONFIG_MOUNT', `${mp}.type`, `${mp}.type must be "secret" (got "${type}")`, `${mp}.type`, 'only secret mounts are supported: type: secret');
      }
    });
  });
}

function checkEnvironment(r: Reporter, value: unknown): void {
  const seen = new Map<string, number>();
  asStrings(value).forEach((entry, i) => {
    const path = `environment[${i}]`;
    const eq = entry.indexOf('=');
    const name = eq > 0 ? entry.slice(0, eq) : '';
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      const hint = eq < 0 ? `write it as ${entry || 'NAME'}=value` : 'names start with a letter or _ and contain only letters, digits and _';
      r.error('E_CONFIG_ENV', path, `environment variable "${entry}" is not in the KEY=VALUE format`, path, hint);
      return;
    }
    const reserved = RESERVED_ENV.find((p) => (p.endsWith('*') ? name.startsWith(p.slice(0, -1)) : p === name));
    if (reserved) {
      r.error('E_CONFIG_ENV', path, `environment variable "${name}" is not allowed: reserved for internal use`, path, `Cog and edgecog set ${reserved} themselves; use another name`);
    }
    const first = seen.get(name);
    if (first !== undefined) {
      r.error('E_CONFIG_ENV', path, `environment variable "${name}" is already defined`, path, `it is first set at environment[${first}]; remove one`);
    } else {
      seen.set(name, i);
    }
  });
}

function checkConcurrency(r: Reporter, cfg: Record<string, unknown>, python: [number, number] | undefined): void {
  const concurrency = asRecord(cfg.concurrency);
  if (!concurrency || r.failed('concurrency')) return;
  const max = concurrency.max;
  if (typeof max !== 'number') {
    if (!r.failed('concurrency.max')) r.error('E_CONFIG_REQUIRED', 'concurrency.max', 'concurrency.max is required', r.locate('concurrency', 'key'), 'write concurrency:\n  max: 4');
    return;
  }
  if (max < 1) r.error('E_CONFIG_CONCURRENCY', 'concurrency.max', `concurrency.max must be at least 1 (got ${max})`);
  if (max > 1 && python && python[0] === 3 && python[1] < 11) {
    r.error('E_CONFIG_CONCURRENCY', 'concurrency.max', 'concurrency requires Python 3.11 or higher', 'concurrency.max', 'set build.python_version to "3.11" or newer, or remove concurrency');
  }
}

// A bare repository as the OCI distribution spec writes it: [host[:port]/]path, lowercase path.
const REPOSITORY_RE = /^(?:(?:[a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)*|\[[0-9a-fA-F:]+\])(?::\d+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;

function checkModel(r: Reporter, cfg: Record<string, unknown>): void {
  const model = asString(cfg.model);
  const image = asString(cfg.image);
  if (model && image) r.error('E_CONFIG_CONFLICT', 'model', "'model' and 'image' cannot both be set", 'model', 'keep one: model: is the newer name');
  if (!model || REPOSITORY_RE.test(model)) return;
  const tagged = /^(.+?)(?::([\w][\w.-]{0,127})|@[a-z0-9]+:[a-f0-9]+)$/.exec(model);
  if (tagged && REPOSITORY_RE.test(tagged[1] ?? '')) {
    const hint = /\.py:/.test(model) ? `in Cog 0.0.x model: named the predictor; write run: "${model}"` : `write model: ${tagged[1]} and give the tag when pushing`;
    r.error('E_CONFIG_MODEL', 'model', 'model must be a bare repository — tags and digests are not allowed', 'model', hint);
  } else {
    r.error('E_CONFIG_MODEL', 'model', `model "${model}" is not a valid repository name`, 'model', 'use lowercase letters, digits and separators, e.g. registry.example.com/team/model');
  }
}

function checkDeprecations(r: Reporter, cfg: Record<string, unknown>): void {
  const deprecated = (field: string, message: string, hint: string) => r.warn('W_DEPRECATED', field, message, r.locate(field, 'key'), hint);
  if (asString(cfg.predict)) deprecated('predict', 'predict is deprecated: use run', 'rename predict: to run: (same value)');
  if (typeof asRecord(cfg.concurrency)?.max === 'number') {
    deprecated('concurrency.max', 'concurrency.max is deprecated: use @cog.concurrent(max=...) on an async run() method', 'Cog still honours it; edgecog reads it as the concurrency limit');
  }
  const build = asRecord(cfg.build);
  if (asStrings(build?.python_packages).length > 0) {
    deprecated('build.python_packages', 'build.python_packages is deprecated: use build.python_requirements', 'move the packages to requirements.txt and write python_requirements: requirements.txt');
  }
  if (asStrings(build?.pre_install).length > 0) {
    deprecated('build.pre_install', 'build.pre_install is deprecated: use build.run', 'move the commands to build.run (they then run after the Python packages are installed)');
  }
}
