/**
 * The schema read from the predictor's source with the host python3, before any Docker work
 * (as Cog 0.19+ does), with a small on-disk cache: `run` builds the project every time, and
 * an unchanged predictor should not pay a python start-up for an answer it already had.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { LoadedConfig } from '../config/index.js';
import type { OpenApiDocument, PredictionMode } from '../prediction/openapi.js';
import { runtimeDir, splitPredictRef, staticSchema, toolsDir } from '../schema-static/index.js';

/** The reader of the predictor's source needs no import, so no user code: bounded tightly. */
const SOURCE_SCHEMA_TIMEOUT_MS = 30_000;

export interface SourceSchema {
  doc: OpenApiDocument;
  /** The label text (JSON). */
  text: string;
  mode: PredictionMode;
}

interface CacheEntry {
  key: string;
  text: string;
}

function pythonFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory() && entry.name !== '__pycache__') out.push(...pythonFiles(join(dir, entry.name)));
    else if (entry.isFile() && entry.name.endsWith('.py')) out.push(join(dir, entry.name));
  }
  return out.sort();
}

/**
 * Everything the answer depends on: the reader and the runtime generator it hands the
 * signature to, the interpreter named, the refs, and the bytes of the files they name (the
 * reader opens nothing else without its importing fallback, which is off here).
 */
function cacheKey(projectDir: string, refs: string[], mode: PredictionMode, python: string): string {
  const hash = createHash('sha256').update(`${python}\0${mode}\0${refs.join('\0')}\0`);
  for (const file of [...pythonFiles(toolsDir()), ...pythonFiles(join(runtimeDir(), 'cog'))]) hash.update(readFileSync(file));
  for (const ref of refs) {
    hash.update('\0');
    hash.update(readFileSync(join(projectDir, splitPredictRef(ref).file)));
  }
  return hash.digest('hex');
}

function cacheDir(env: NodeJS.ProcessEnv): string {
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'edgecog', 'source-schema');
}

function readCache(path: string, key: string): CacheEntry | undefined {
  try {
    const entry = JSON.parse(readFileSync(path, 'utf8')) as CacheEntry;
    return entry.key === key ? entry : undefined;
  } catch {
    return undefined;
  }
}

function writeCache(path: string, entry: CacheEntry): void {
  try {
    mkdirSync(join(path, '..'), { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(entry));
    renameSync(tmp, path);
  } catch {
    // a cache that cannot be written only costs the next run a python start-up
  }
}

/**
 * An invalid signature throws E_SCHEMA_SIGNATURE (predict.py:LINE:COL); a signature only an
 * import can explain (a type from another package), or no usable host python3, gives undefined
 * and the image's own generator decides after the build.
 */
export async function schemaFromSource(
  loaded: Pick<LoadedConfig, 'projectDir' | 'config'>,
  options: { env: NodeJS.ProcessEnv; debug?: (message: string) => void },
): Promise<SourceSchema | undefined> {
  const { predict, train } = loaded.config;
  const ref = predict ?? train;
  if (!ref) return undefined;
  const mode: PredictionMode = predict ? 'predict' : 'train';
  const otherRef = predict && train ? train : undefined;
  const python = options.env.EDGECOG_PYTHON || 'python3';
  const refs = otherRef ? [ref, otherRef] : [ref];

  let key: string | undefined;
  let path: string | undefined;
  try {
    key = cacheKey(loaded.projectDir, refs, mode, python);
    const slot = createHash('sha256').update(`${loaded.projectDir}\0${refs.join('\0')}\0${mode}`).digest('hex').slice(0, 32);
    path = join(cacheDir(options.env), `${slot}.json`);
  } catch {
    // an unreadable predictor file: staticSchema says so properly
  }
  const hit = key && path ? readCache(path, key) : undefined;
  if (hit) {
    options.debug?.('schema from source: unchanged since the last read (cached)');
    return { doc: JSON.parse(hit.text) as OpenApiDocument, text: hit.text, mode };
  }

  // No importing fallback: importing user code on the host is what the image is for.
  const result = await staticSchema(loaded.projectDir, ref, mode, {
    fallback: false,
    env: options.env,
    timeoutMs: SOURCE_SCHEMA_TIMEOUT_MS,
    ...(otherRef ? { otherRef } : {}),
  });
  if (!result.schema) {
    const gap = result.gap;
    const message = `${gap.line ? `${gap.file}:${gap.line}:${gap.col}: ` : ''}${gap.message}`;
    // Not cached: a gap may come from the environment (no python3) as well as the source.
    options.debug?.(`schema from source: ${message}; the image's generator reads it after the build`);
    return undefined;
  }
  const text = JSON.stringify(result.schema);
  if (key && path) writeCache(path, { key, text });
  return { doc: result.schema, text, mode };
}
