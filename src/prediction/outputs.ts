/**
 * Writing a prediction's output the way Cog's CLI does: strings raw to stdout, other values as
 * pretty JSON, files (data URIs) to `-o` or `output.<ext>` (lists numbered `output.0.png`),
 * `--json` prints the whole prediction as one document. Iterator outputs are written item by
 * item as they arrive (Cog prints them only at the end).
 */
import { accessSync, constants, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, join } from 'node:path';
import { UserError } from '../errors.js';
import type { PredictionResponse } from './client.js';
import { decodeDataUri, extensionForType } from './mime.js';
import {
  isConcatenateSchema,
  isIteratorSchema,
  isUriSchema,
  outputSchema,
  resolveSchema,
  type JsonValue,
  type OpenApiDocument,
  type PredictionMode,
  type SchemaObject,
} from './openapi.js';

function trimExt(path: string): string {
  const ext = extname(path);
  return ext ? path.slice(0, -ext.length) : path;
}

/** Where a file output lands: the destination's own extension wins, else the media type's. */
export function filePathFor(destination: string, contentType: string): string {
  let ext = extname(destination);
  let name = trimExt(basename(destination));
  if (/^\.\d+$/.test(ext)) {
    // `output.0`: the number is the list index, not an extension
    ext = '';
    name = basename(destination);
  }
  if (ext === '') ext = extensionForType(contentType);
  const dir = dirname(destination);
  return dir === '.' && !destination.startsWith('./') ? `${name}${ext}` : join(dir, `${name}${ext}`);
}

/** `output` → `output.0`, `out.png` → `out.0.png` (Cog's numbering of list items). */
export function indexedPath(destination: string, index: number): string {
  return `${trimExt(destination)}.${index}${extname(destination)}`;
}

/** Object outputs: `output` + key `mask` → `output.mask`; the key naming the file itself is dropped. */
export function keyedPath(destination: string, key: string): string {
  if (basename(trimExt(destination)) === key) return destination;
  return `${trimExt(destination)}.${key.replace(/[^\w.-]/g, '_')}${extname(destination)}`;
}

export function prettyJson(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

/**
 * Resolves `-o` as Cog does: nothing → the fallback name; an existing directory → the fallback
 * name inside it; the parent directory must be writable.
 */
export function resolveOutputDestination(outputPath: string | undefined, fallback: string, cwd: string): string {
  let path = outputPath?.replace(/^@/, '') || fallback;
  const usingFallback = !outputPath;
  if (path.startsWith('~/') && process.env.HOME) path = join(process.env.HOME, path.slice(2));
  const full = isAbsolute(path) ? path : join(cwd, path);
  let isDir = false;
  try {
    isDir = statSync(full).isDirectory();
  } catch {
    isDir = false;
  }
  if (isDir) {
    if (usingFallback) {
      throw new UserError('E_OUTPUT_PATH', `the default output name "${fallback}" is a directory here`, { hint: 'Choose where to write with -o PATH.' });
    }
    path = join(path, basename(fallback));
  }
  const parent = dirname(isAbsolute(path) ? path : join(cwd, path));
  try {
    accessSync(parent, constants.W_OK);
  } catch {
    throw new UserError('E_OUTPUT_PATH', `cannot write the output: directory ${dirname(path)} is not writable (or does not exist)`, {
      hint: 'Choose another place with -o PATH.',
    });
  }
  return path;
}

export interface OutputWriterOptions {
  doc: OpenApiDocument | undefined;
  mode: PredictionMode;
  /** Base path for files (resolved: see resolveOutputDestination). Relative to cwd. */
  destination: string;
  cwd: string;
  /** -o was given: non-file outputs go to `destination` too (or `resultPath`), not stdout. */
  writeToFile: boolean;
  /** Where non-file outputs go when it is not `destination` (train -o with -w). */
  resultPath?: string;
  /** --json: print the whole prediction (files replaced by their paths) as one document. */
  json: boolean;
  /** Where the JSON document goes under --json with -o. */
  jsonPath?: string;
  stdout: (text: string) => void;
  info: (message: string) => void;
  warn: (message: string) => void;
}

function looksLikeDataUri(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith('data:') && value.includes(',');
}

function countDataUris(value: JsonValue): number {
  if (looksLikeDataUri(value)) return 1;
  if (Array.isArray(value)) return value.reduce<number>((n, item) => n + countDataUris(item), 0);
  if (value && typeof value === 'object') return Object.values(value).reduce<number>((n, item) => n + countDataUris(item), 0);
  return 0;
}

export class OutputWriter {
  private readonly schema: SchemaObject | undefined;
  private readonly iterator: boolean;
  private readonly concatenate: boolean;
  private emitted = 0;
  private emittedText = false;
  private finished = false;
  /** Paths written for iterator items, by index (to replace data URIs in --json). */
  private readonly itemPaths = new Map<number, string>();
  /**
   * A training whose output holds exactly one file (the weights, also inside a TrainingOutput
   * object): that file goes to -w exactly as named, not to `<name>.<key>.<ext>`.
   */
  private soleFile = false;
  private readonly filesWritten = new Set<string>();

  constructor(private readonly options: OutputWriterOptions) {
    this.schema = outputSchema(options.doc, options.mode);
    this.iterator = isIteratorSchema(this.schema);
    this.concatenate = isConcatenateSchema(this.schema);
  }

  get streams(): boolean {
    return this.iterator;
  }

  private abs(path: string): string {
    return isAbsolute(path) ? path : join(this.options.cwd, path);
  }

  private writeDataUri(uri: string, destination: string): string {
    const decoded = decodeDataUri(uri);
    if (!decoded) return uri;
    const path = filePathFor(destination, decoded.contentType);
    mkdirSync(dirname(this.abs(path)), { recursive: true });
    writeFileSync(this.abs(path), decoded.data);
    this.filesWritten.add(this.abs(path));
    this.options.info(`Written output to: ${path}`);
    return path;
  }

  /** Writes every file (data URI) inside a value; returns the value with paths in their place. */
  private writeFiles(value: JsonValue, schema: SchemaObject | undefined, destination: string): JsonValue {
    const r = resolveSchema(this.options.doc, schema);
    if (typeof value === 'string') {
      const isFile = r ? isUriSchema(this.options.doc, r) || (r.type === undefined && looksLikeDataUri(value)) : looksLikeDataUri(value);
      return isFile && looksLikeDataUri(value) ? this.writeDataUri(value, destination) : value;
    }
    if (Array.isArray(value)) {
      return value.map((item, i) => this.writeFiles(item, r?.items, this.soleFile ? destination : indexedPath(destination, i)));
    }
    if (value && typeof value === 'object') {
      const out: Record<string, JsonValue> = {};
      for (const [key, item] of Object.entries(value)) {
        out[key] = this.writeFiles(item, r?.properties?.[key], this.soleFile ? destination : keyedPath(destination, key));
      }
      return out;
    }
    return value;
  }

  private emitItem(item: JsonValue, index: number): void {
    const itemSchema = resolveSchema(this.options.doc, this.schema?.items);
    const written = this.writeFiles(item, itemSchema, indexedPath(this.options.destination, index));
    if (written !== item) {
      if (typeof written === 'string') this.itemPaths.set(index, written);
      if (typeof item === 'string' && looksLikeDataUri(item)) return;
    }
    if (this.options.json || this.options.writeToFile) return;
    if (this.concatenate && typeof written === 'string') {
      this.options.stdout(written);
      this.emittedText = true;
    } else if (typeof written === 'string') {
      this.options.stdout(`${written}\n`);
    } else {
      this.options.stdout(`${JSON.stringify(written)}\n`);
    }
  }

  private emitNewItems(output: JsonValue | undefined): void {
    if (!Array.isArray(output)) return;
    for (let i = this.emitted; i < output.length; i++) this.emitItem(output[i]!, i);
    this.emitted = Math.max(this.emitted, output.length);
  }

  /** A webhook's partial prediction: writes iterator items not written yet. */
  onProgress(prediction: PredictionResponse): void {
    if (this.finished || !this.iterator) return;
    this.emitNewItems(prediction.output);
  }

  private writeResultFile(text: string): void {
    const path = this.options.resultPath ?? this.options.destination;
    if (this.filesWritten.has(this.abs(path))) {
      // `train -o weights.tar` with a TrainingOutput: the weights took that name; the rest of
      // the object must not overwrite them.
      this.options.stdout(text.endsWith('\n') ? text : `${text}\n`);
      return;
    }
    mkdirSync(dirname(this.abs(path)), { recursive: true });
    writeFileSync(this.abs(path), text.endsWith('\n') ? text : `${text}\n`);
    this.options.info(`Written output to: ${path}`);
  }

  /**
   * The finished prediction. Returns the exit code (--json prints failed predictions and
   * exits 1); otherwise a failed prediction throws a UserError.
   */
  finish(prediction: PredictionResponse): number {
    this.finished = true;
    const what = this.options.mode === 'train' ? 'training' : 'prediction';
    const succeeded = prediction.status === 'succeeded';
    let output: JsonValue | undefined = prediction.output;
    if (this.iterator && succeeded) {
      this.emitNewItems(output);
      if (this.concatenate && this.emittedText) this.options.stdout('\n');
      if (Array.isArray(output)) output = output.map((item, i) => this.itemPaths.get(i) ?? item);
    } else if (succeeded && output !== undefined && output !== null) {
      this.soleFile = this.options.mode === 'train' && countDataUris(output) === 1;
      output = this.writeFiles(output, this.schema, this.options.destination);
    }

    if (this.options.json) {
      const doc = prettyJson({ ...prediction, output: output ?? null });
      if (this.options.jsonPath) {
        const path = this.options.jsonPath;
        mkdirSync(dirname(this.abs(path)), { recursive: true });
        writeFileSync(this.abs(path), `${doc}\n`);
        this.options.info(`Written output to: ${path}`);
      } else {
        this.options.stdout(`${doc}\n`);
      }
      return succeeded ? 0 : 1;
    }

    if (!succeeded) {
      const status = prediction.status ?? 'unknown';
      const reason = prediction.error ? `: ${prediction.error}` : '';
      throw new UserError(
        status === 'canceled' ? 'E_PREDICTION_CANCELED' : 'E_PREDICTION_FAILED',
        `the ${what} ${status === 'canceled' ? 'was canceled' : `failed (status ${status})`}${reason}`,
        status === 'failed' ? { hint: `The model's logs above show where it failed.` } : {},
      );
    }
    if (output === undefined || output === null) {
      if (!this.iterator) this.options.warn('No output generated');
      return 0;
    }
    if (this.iterator) {
      if (this.options.writeToFile && !this.allFiles(prediction.output)) this.writeResultFile(prettyJson(output));
      return 0;
    }
    if (this.isFileOutput()) return 0;
    const text = typeof output === 'string' && this.schemaIsString() ? output : prettyJson(output);
    if (this.options.writeToFile) this.writeResultFile(text);
    else this.options.stdout(`${text}\n`);
    return 0;
  }

  private allFiles(output: JsonValue | undefined): boolean {
    return Array.isArray(output) && output.length > 0 && output.every(looksLikeDataUri);
  }

  private schemaIsString(): boolean {
    const r = this.schema;
    return !r || r.type === 'string' || r.type === undefined;
  }

  private isFileOutput(): boolean {
    const r = this.schema;
    if (isUriSchema(this.options.doc, r)) return true;
    return Boolean(r && r.type === 'array' && isUriSchema(this.options.doc, r.items));
  }
}
