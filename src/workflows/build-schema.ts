/**
 * The OpenAPI schema: first from the predictor's source on the host (before any Docker work;
 * an invalid signature fails there), then the runtime's schema command run in the built image
 * with no network, which also proves that the predictor imports: a predictor that fails to
 * import fails the build here, with its traceback.
 */
import { readFileSync } from 'node:fs';
import type Docker from 'dockerode';
import { UserError } from '../errors.js';
import { staticSchema } from '../schema-static/index.js';
import type { LoadedConfig } from '../config/index.js';
import type { OpenApiDocument, PredictionMode } from '../prediction/openapi.js';

export const SCHEMA_LABEL = 'run.cog.openapi_schema';

/** Importing a model may load big libraries (torch): generous, but bounded. */
const SCHEMA_TIMEOUT_MS = 180_000;

export async function generateSchema(
  docker: Docker,
  imageId: string,
  python: string,
  options: { trainOnly?: boolean; mask?: (s: string) => string } = {},
): Promise<unknown> {
  const mask = options.mask ?? ((s: string): string => s);
  const { runOneShot } = await import('../docker/one-shot.js');
  const result = await runOneShot(docker, {
    image: imageId,
    // A model with only `train:` is described from its trainer.
    cmd: [python, '-m', 'cog.command.openapi_schema', ...(options.trainOnly ? ['--train'] : [])],
    step: 'schema',
    workdir: '/src',
    timeoutMs: SCHEMA_TIMEOUT_MS,
  });
  const tail = (text: string): string => mask(text).trimEnd().split('\n').slice(-40).join('\n');
  if (result.timedOut) {
    throw new UserError('E_BUILD_SCHEMA', `reading the model's schema did not finish within ${SCHEMA_TIMEOUT_MS / 1000}s`, {
      details: tail(result.stderr),
      hint: 'Importing predict.py must not do heavy work at import time: load models in setup().',
    });
  }
  if (result.exitCode !== 0) {
    throw new UserError('E_BUILD_SCHEMA', 'the model failed to load while its schema was being read (the image was built, but predict.py does not import)', {
      details: tail(result.stderr || result.stdout),
      hint: 'Fix the error above in your model code (or add the missing package to cog.yaml), then build again.',
    });
  }
  try {
    return JSON.parse(result.stdout);
  } catch {
    throw new UserError('E_BUILD_SCHEMA', 'the schema command printed something that is not JSON', {
      details: tail(`${result.stdout}\n${result.stderr}`),
      hint: 'Does predict.py print to stdout at import time? Print to stderr, or move it into setup().',
    });
  }
}

/** `--openapi-schema FILE`. */
export function readSchemaFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UserError('E_OPENAPI_SCHEMA', `cannot read the OpenAPI schema file ${path}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UserError('E_OPENAPI_SCHEMA', `${path} is not valid JSON: ${(err as Error).message}`);
  }
}

/** The reader of the predictor's source needs no import, so no user code: bounded tightly. */
const SOURCE_SCHEMA_TIMEOUT_MS = 30_000;

export interface SourceSchema {
  doc: OpenApiDocument;
  /** The label text (JSON). */
  text: string;
  mode: PredictionMode;
}

/**
 * The schema read from predict.py with the host python3, before any Docker work (as Cog 0.19+
 * does). An invalid signature throws E_SCHEMA_SIGNATURE (predict.py:LINE:COL); a signature only
 * an import can explain (a type from another package), or no usable host python3, gives
 * undefined and the image's own generator decides after the build.
 */
export async function schemaFromSource(
  loaded: Pick<LoadedConfig, 'projectDir' | 'config'>,
  options: { env: NodeJS.ProcessEnv; debug?: (message: string) => void },
): Promise<SourceSchema | undefined> {
  const { predict, train } = loaded.config;
  const ref = predict ?? train;
  if (!ref) return undefined;
  const mode: PredictionMode = predict ? 'predict' : 'train';
  // No await before this call: the reader's python starts now, while the caller loads the
  // Docker client modules (dockerode takes a few hundred ms to load).
  // No importing fallback here: importing user code on the host is what the image is for.
  const result = await staticSchema(loaded.projectDir, ref, mode, {
    fallback: false,
    env: options.env,
    timeoutMs: SOURCE_SCHEMA_TIMEOUT_MS,
    ...(predict && train ? { otherRef: train } : {}),
  });
  if (!result.schema) {
    const gap = result.gap;
    options.debug?.(`schema from source: ${gap.line ? `${gap.file}:${gap.line}:${gap.col}: ` : ''}${gap.message}; the image's generator reads it after the build`);
    return undefined;
  }
  return { doc: result.schema, text: JSON.stringify(result.schema), mode };
}
