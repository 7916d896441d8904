/**
 * Every key Cog's cog.yaml accepts, with the shape its decoder expects. This table drives the
 * decoder (types, unknown keys, did-you-mean) and is checked against schema/cog.schema.json
 * by a unit test so that the two cannot drift apart.
 */

export type Shape =
  /** Any scalar, read as its source text (`3.10` stays "3.10", as Cog's decoder keeps it). */
  | { kind: 'string'; example: string }
  /** true/false, and YAML 1.1 yes/no/on/off (Cog's decoder accepts these for booleans). */
  | { kind: 'bool' }
  | { kind: 'int'; example: string }
  /** A list of scalars, each read as text. */
  | { kind: 'stringList'; example: string }
  /** `build.run` items: a command string, or {command, mounts}. */
  | { kind: 'runItem' }
  | { kind: 'list'; item: Shape; example: string }
  /** A single item or a list of them (weights[].source). */
  | { kind: 'oneOrList'; item: Shape }
  | { kind: 'map'; fields: FieldTable; example: string };

export interface FieldSpec {
  shape: Shape;
  description: string;
  /** Set when Cog warns about the field: what to use instead. */
  deprecated?: string;
}

export type FieldTable = Record<string, FieldSpec>;

const mountFields: FieldTable = {
  type: { shape: { kind: 'string', example: 'secret' }, description: 'The mount type; only "secret" is supported.' },
  id: { shape: { kind: 'string', example: 'hf_token' }, description: 'The secret id, as passed to `docker build --secret id=...`.' },
  target: { shape: { kind: 'string', example: '/run/secrets/hf_token' }, description: 'Where the secret file appears while the command runs.' },
};

export const RUN_ITEM_FIELDS: FieldTable = {
  command: { shape: { kind: 'string', example: 'pip install private-package' }, description: 'The shell command to run.' },
  mounts: {
    shape: { kind: 'list', item: { kind: 'map', fields: mountFields, example: 'type: secret' }, example: '- type: secret' },
    description: 'Secret mounts available to this command only (needs BuildKit).',
  },
};

const weightSourceFields: FieldTable = {
  uri: { shape: { kind: 'string', example: 'hf://org/model' }, description: 'Where the weights come from: hf://, file://, https:// or a local path.' },
  include: { shape: { kind: 'stringList', example: '- "*.safetensors"' }, description: 'Glob patterns of files to include.' },
  exclude: { shape: { kind: 'stringList', example: '- "*.bin"' }, description: 'Glob patterns of files to skip.' },
};

export const BUILD_FIELDS: FieldTable = {
  cuda: { shape: { kind: 'string', example: '"12.1"' }, description: 'CUDA version (major.minor or major.minor.patch); inferred from torch/tensorflow pins when absent. Only used with gpu: true.' },
  cudnn: { shape: { kind: 'string', example: '"8"' }, description: 'cuDNN major version; inferred when absent. Only used with gpu: true.' },
  gpu: { shape: { kind: 'bool' }, description: 'Build a CUDA image and run the model with GPUs.' },
  python_version: { shape: { kind: 'string', example: '"3.11"' }, description: 'Python version in the image, "3.11" or "3.11.9".' },
  python_requirements: { shape: { kind: 'string', example: 'requirements.txt' }, description: 'A pip requirements file, relative to the project.' },
  python_packages: {
    shape: { kind: 'stringList', example: '- "torch==2.3.1"' },
    description: 'Python packages as `name==version` (deprecated: use python_requirements).',
    deprecated: 'build.python_requirements',
  },
  pre_install: {
    shape: { kind: 'stringList', example: '- "pip install --upgrade pip"' },
    description: 'Commands run before Python packages are installed (deprecated: use build.run).',
    deprecated: 'build.run',
  },
  run: { shape: { kind: 'list', item: { kind: 'runItem' }, example: '- "apt-get update"' }, description: 'Commands run after system and Python packages are installed, like Dockerfile RUN.' },
  sdk_version: { shape: { kind: 'string', example: '"0.16.0"' }, description: 'Version of the cog Python SDK to pin (Cog installs it; edgecog uses its own runtime).' },
  system_packages: { shape: { kind: 'stringList', example: '- "ffmpeg"' }, description: 'Ubuntu/Debian apt packages to install.' },
};

export const CONCURRENCY_FIELDS: FieldTable = {
  max: { shape: { kind: 'int', example: '4' }, description: 'How many predictions the model may run at once (needs an async predict/run).' },
  default_target: { shape: { kind: 'int', example: '1' }, description: 'A scaling hint for autoscalers; accepted and ignored.' },
};

export const WEIGHT_FIELDS: FieldTable = {
  name: { shape: { kind: 'string', example: 'my-weights' }, description: 'A unique, lowercase name for this weights entry.' },
  target: { shape: { kind: 'string', example: '/src/weights' }, description: 'Absolute path where the weights appear in the container.' },
  source: { shape: { kind: 'oneOrList', item: { kind: 'map', fields: weightSourceFields, example: 'uri: hf://org/model' } }, description: 'Where to import the weights from.' },
};

export const TOP_FIELDS: FieldTable = {
  build: { shape: { kind: 'map', fields: BUILD_FIELDS, example: 'python_version: "3.11"' }, description: 'How to build the image.' },
  image: { shape: { kind: 'string', example: 'registry.example.com/team/model' }, description: 'Image name for build and push.' },
  model: { shape: { kind: 'string', example: 'registry.example.com/team/model' }, description: 'Repository for the model image and weights (Cog 0.20+; exclusive with image).' },
  run: { shape: { kind: 'string', example: '"run.py:Runner"' }, description: 'The predictor: `file.py:ClassOrFunction`.' },
  predict: { shape: { kind: 'string', example: '"predict.py:Predictor"' }, description: 'The predictor (deprecated: use run).', deprecated: 'run' },
  train: { shape: { kind: 'string', example: '"train.py:train"' }, description: 'The trainer: `file.py:ClassOrFunction`.' },
  concurrency: {
    shape: { kind: 'map', fields: CONCURRENCY_FIELDS, example: 'max: 4' },
    description: 'Concurrency settings (concurrency.max is deprecated in Cog in favour of @cog.concurrent).',
  },
  environment: { shape: { kind: 'stringList', example: '- "HF_HUB_OFFLINE=1"' }, description: 'Environment variables for the build and at run time, as KEY=VALUE.' },
  weights: { shape: { kind: 'list', item: { kind: 'map', fields: WEIGHT_FIELDS, example: 'name: my-weights' }, example: '- name: my-weights' }, description: 'Weights directories managed apart from the image.' },
};

/** Every dotted key path the decoder knows (`build.python_version`, `weights[].source[].uri`). */
export function knownKeyPaths(table: FieldTable = TOP_FIELDS, prefix = ''): string[] {
  const out: string[] = [];
  for (const [key, spec] of Object.entries(table)) {
    const path = prefix ? `${prefix}.${key}` : key;
    out.push(path);
    out.push(...shapeKeyPaths(spec.shape, path));
  }
  return out;
}

function shapeKeyPaths(shape: Shape, path: string): string[] {
  switch (shape.kind) {
    case 'map':
      return knownKeyPaths(shape.fields, path);
    case 'list':
      return shapeKeyPaths(shape.item, `${path}[]`);
    case 'oneOrList':
      return shapeKeyPaths(shape.item, path);
    case 'runItem':
      return knownKeyPaths(RUN_ITEM_FIELDS, path);
    default:
      return [];
  }
}
