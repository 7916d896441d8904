/**
 * The model's OpenAPI schema before any Docker work: templates/tools/static_schema.py reads the
 * predictor with Python's `ast` on the host python3 (no user code runs) and hands a synthetic,
 * cog-only copy of the signature to the runtime's own generator, so the result is the document
 * the image will serve. An invalid signature fails here, in well under a second, at
 * predict.py:LINE; a signature that only an import can explain (a type from another package)
 * falls back to the importing generator, and failing that leaves the schema to the image.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { UserError } from '../errors.js';
import type { OpenApiDocument, PredictionMode } from '../prediction/openapi.js';
import { runProcess } from '../util/process.js';

export { validateInputsAgainstSchema, assertInputsMatchSchema, type InputProblem } from './validate-inputs.js';

export interface StaticSchemaOptions {
  /** Python for the tool (default $EDGECOG_PYTHON, else python3). */
  python?: string;
  /** Try the importing generator when the source alone cannot say (default true). */
  fallback?: boolean;
  /** Overall limit, ms (default 120 s: the fallback imports user code). */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  /** The other side (cog.yaml `train:` when mode is predict, `run:`/`predict:` when train),
   * described in the same document as Cog's server does. */
  otherRef?: string;
}

/** Where the static reader stopped: a name only an import can explain. */
export interface StaticGap {
  file: string;
  line: number;
  col: number;
  message: string;
  /** The name that could not be resolved, when there is one. */
  name?: string;
  /** Why the importing fallback did not help either. */
  importError?: string;
}

export type StaticSchemaResult =
  | { schema: OpenApiDocument; source: 'static' | 'import'; gap?: StaticGap }
  | { schema: undefined; source: 'none'; gap: StaticGap };

interface ToolOutput {
  ok: boolean;
  source?: 'static' | 'import';
  schema?: OpenApiDocument;
  kind?: 'error' | 'unresolved';
  file?: string;
  line?: number;
  col?: number;
  message?: string;
  name?: string | null;
  import_error?: string | null;
  static_gap?: ToolOutput;
}

export function toolsDir(): string {
  return fileURLToPath(new URL('../../templates/tools', import.meta.url));
}

export function runtimeDir(): string {
  return fileURLToPath(new URL('../../templates/runtime', import.meta.url));
}

/** `file.py:Name` → its parts; UserError for anything else (the config check names the line). */
export function splitPredictRef(ref: string): { file: string; name: string } {
  const i = ref.lastIndexOf(':');
  if (i <= 0 || i === ref.length - 1) {
    throw new UserError('E_PREDICT_REF', `invalid predictor reference "${ref}"`, {
      hint: 'Use the form file.py:ClassName or file.py:function_name, e.g. run: "run.py:Runner".',
    });
  }
  return { file: ref.slice(0, i), name: ref.slice(i + 1) };
}

function gapFrom(out: ToolOutput): StaticGap {
  return {
    file: out.file ?? '',
    line: out.line ?? 0,
    col: out.col ?? 0,
    message: out.message ?? 'unknown',
    ...(out.name ? { name: out.name } : {}),
    ...(out.import_error ? { importError: out.import_error } : {}),
  };
}

function signatureError(out: ToolOutput): UserError {
  const where = out.line ? `${out.file}:${out.line}:${Math.max(out.col ?? 1, 1)}` : (out.file ?? 'predict.py');
  const unresolved = out.name && /cannot resolve|not defined/.test(out.message ?? '');
  return new UserError('E_SCHEMA_SIGNATURE', `${where}: ${out.message ?? 'invalid predictor signature'}`, {
    hint: unresolved
      ? `Define or import "${out.name}" in ${out.file}, or use one of the types Cog supports (str, int, float, bool, cog.Path, cog.Secret, a BaseModel in the same file).`
      : 'Fix the predictor signature; Cog would refuse it at startup as well.',
  });
}

/**
 * The schema of `predictRef` (e.g. "predict.py:Predictor") in `projectDir`, without Docker.
 * Throws UserError E_SCHEMA_SIGNATURE ("predict.py:7:5: ...") when the signature is invalid;
 * returns `schema: undefined` with the gap when neither reading nor importing could tell.
 */
export async function staticSchema(
  projectDir: string,
  predictRef: string,
  mode: PredictionMode,
  options: StaticSchemaOptions = {},
): Promise<StaticSchemaResult> {
  const env = options.env ?? process.env;
  const python = options.python ?? (env.EDGECOG_PYTHON || 'python3');
  const { file } = splitPredictRef(predictRef);
  if (!existsSync(`${projectDir}/${file}`)) {
    throw new UserError('E_PREDICT_REF', `${file} not found (named by "${predictRef}")`, {
      hint: 'Create the file or fix the run:/predict:/train: reference in cog.yaml.',
    });
  }
  // -S: no site-packages .pth hooks (the reader is stdlib-only; they can cost 100+ ms).
  const args = ['-S', `${toolsDir()}/static_schema.py`, '--project', projectDir, '--ref', predictRef, '--mode', mode, '--runtime', runtimeDir()];
  if (options.otherRef) args.push('--other-ref', options.otherRef);
  if (options.fallback === false) args.push('--no-fallback');
  const r = await runProcess(python, args, { env: { ...env, PYTHONDONTWRITEBYTECODE: '1' }, timeoutMs: options.timeoutMs ?? 120_000 });
  const unavailable = (message: string): StaticSchemaResult => ({ schema: undefined, source: 'none', gap: { file, line: 0, col: 0, message } });
  if (r.spawnError) return unavailable(`${python} could not be started (${r.spawnError.message})`);
  if (r.timedOut) return unavailable(`reading the schema took longer than ${options.timeoutMs ?? 120_000} ms`);
  let out: ToolOutput;
  try {
    out = JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as ToolOutput;
  } catch {
    return unavailable(`the static schema reader failed: ${r.stderr.trim().split('\n').pop() ?? `exit ${r.code}`}`);
  }
  if (out.ok && out.schema) {
    return { schema: out.schema, source: out.source ?? 'static', ...(out.static_gap ? { gap: gapFrom(out.static_gap) } : {}) };
  }
  if (out.kind === 'error') throw signatureError(out);
  return { schema: undefined, source: 'none', gap: gapFrom(out) };
}
