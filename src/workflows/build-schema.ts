/**
 * The OpenAPI schema: first from the predictor's source on the host (before any Docker work;
 * an invalid signature fails there), then the runtime's schema command run in the built image
 * with no network, which also proves that the predictor imports: a predictor that fails to
 * import fails the build here, with its traceback.
 */
import { readFileSync } from 'node:fs';
import type Docker from 'dockerode';
import { UserError } from '../errors.js';

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

export { schemaFromSource, type SourceSchema } from './build-schema-source.js';
