/**
 * Which project files are model weights, to give each its own image layer (`--separate-weights`):
 * files with a known weights extension, and (as Cog's legacy weights finder does) any other file
 * of at least 10 MB that is not code, media or a log.
 */

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
  return selected.sort((a, b) => {
    const da = a.split('/').length;
    const db = b.split('/').length;
    if (da !== db) return da - db;
    return a < b ? -1 : a > b ? 1 : 0;
  });
}
