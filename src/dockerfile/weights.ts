/**
 * Which project files are model weights, to give each its own image layer (`--separate-weights`):
 * files with a known weights extension, and (as Cog's legacy weights finder does) any other file
 * of at least 10 MB that is not code, media or a log.
 *
 * Each weights file becomes one layer, `COPY .edgecog/weights/<id>/ /`, whose context directory
 * holds `src/<path>` and nothing else. Copying a tree onto `/` (rather than a file onto
 * `/src/<path>`) matters: the engine then takes every directory's metadata from the context,
 * which the context writer fixes, so the layer is the same bytes in every build. Copying onto
 * `/src/<path>` stamps `/src` and the directories in between with the build's time, and a
 * rebuild (new runtime, --no-cache) would give every weights layer a new digest and push it all
 * again.
 */
import { createHash } from 'node:crypto';

export const DEFAULT_WEIGHTS_THRESHOLD_BYTES = 10 * 1024 * 1024;

export const WEIGHTS_EXTENSIONS: readonly string[] = [
  '.pt',
  '.pth',
  '.bin',
  '.ckpt',
  '.safetensors',
  '.onnx',
  '.h5',
  '.hdf5',
  '.keras',
  '.gguf',
  '.ggml',
  '.pb',
  '.tflite',
  '.msgpack',
  '.npz',
  '.npy',
  '.pkl',
  '.joblib',
  '.model',
  '.engine',
  '.plan',
  '.mlmodel',
  '.params',
];

// Large files that are still not weights (Cog skips these too): code, media, logs, wheels.
const NEVER_WEIGHTS: readonly string[] = [
  '.py', '.ipynb', '.whl',
  '.jpg', '.jpeg', '.png', '.webp', '.svg', '.gif', '.avif', '.heic',
  '.mp4', '.mov', '.avi', '.wmv', '.mkv', '.webm',
  '.mp3', '.wav', '.ogg', '.flac', '.aac', '.m4a',
  '.log',
];

const NEVER_UNDER = ['.git', '.cog', '.edgecog', '__pycache__'];

export interface WeightsSelectionOptions {
  /** Size from which any other file counts as weights (default 10 MB). */
  thresholdBytes?: number;
  /** Override the known extensions (lower case, with the dot). */
  extensions?: readonly string[];
}

function extension(path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot <= 0 ? '' : base.slice(dot).toLowerCase();
}

/** Shallow first, then by name (code points): the order of the weights layers. */
export function compareWeightsPaths(a: string, b: string): number {
  const da = a.split('/').length;
  const db = b.split('/').length;
  if (da !== db) return da - db;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The context directory name of a weights file's layer: a hash of its project path, so the
 * COPY line (and its cache key) of one file does not move when another weights file is added
 * or removed, and odd characters in names never reach the Dockerfile. The content is not in the
 * name: the engine's cache key already covers it, and planning must not read gigabytes.
 */
export function weightsLayerId(path: string): string {
  return createHash('sha256').update(path, 'utf8').digest('hex').slice(0, 16);
}

/**
 * Project-relative POSIX paths of the weights files, sorted shallow first, then by name, so
 * layers come out in a stable order.
 */
export function selectWeightsFiles(files: ReadonlyArray<{ path: string; size: number }>, opts: WeightsSelectionOptions = {}): string[] {
  const threshold = opts.thresholdBytes ?? DEFAULT_WEIGHTS_THRESHOLD_BYTES;
  const known = new Set(opts.extensions ?? WEIGHTS_EXTENSIONS);
  const selected = files
    .filter((f) => {
      const segments = f.path.split('/');
      if (segments.slice(0, -1).some((s) => NEVER_UNDER.includes(s))) return false;
      const ext = extension(f.path);
      if (known.has(ext)) return true;
      return f.size >= threshold && !NEVER_WEIGHTS.includes(ext);
    })
    .map((f) => f.path);
  return selected.sort(compareWeightsPaths);
}
