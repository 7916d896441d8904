/** Media types ↔ file extensions, for data URIs in and out. Pure. */

const BY_TYPE: Record<string, string> = {
  'application/gzip': '.gz',
  'application/json': '.json',
  'application/jsonl': '.jsonl',
  'application/x-ndjson': '.ndjson',
  'application/octet-stream': '.bin',
  'application/pdf': '.pdf',
  'application/x-tar': '.tar',
  'application/zip': '.zip',
  'application/xml': '.xml',
  'application/x-sh': '.sh',
  'application/x-python-code': '.pyc',
  'application/x-safetensors': '.safetensors',
  'audio/aac': '.aac',
  'audio/flac': '.flac',
  'audio/midi': '.midi',
  'audio/mpeg': '.mp3',
  'audio/ogg': '.ogg',
  'audio/opus': '.opus',
  'audio/wav': '.wav',
  'audio/x-wav': '.wav',
  'audio/webm': '.weba',
  'image/bmp': '.bmp',
  'image/gif': '.gif',
  'image/jpeg': '.jpg',
  'image/png': '.png',
  'image/svg+xml': '.svg',
  'image/tiff': '.tiff',
  'image/webp': '.webp',
  'image/x-icon': '.ico',
  'image/x-portable-anymap': '.pnm',
  'image/x-portable-bitmap': '.pbm',
  'image/x-portable-graymap': '.pgm',
  'image/x-portable-pixmap': '.ppm',
  'image/vnd.microsoft.icon': '.ico',
  'model/gltf-binary': '.glb',
  'model/obj': '.obj',
  'text/csv': '.csv',
  'text/css': '.css',
  'text/html': '.html',
  'text/javascript': '.js',
  'text/markdown': '.md',
  'text/plain': '.txt',
  'text/x-python': '.py',
  'text/yaml': '.yaml',
  'video/mp4': '.mp4',
  'video/mpeg': '.mpeg',
  'video/quicktime': '.mov',
  'video/webm': '.webm',
  'video/x-msvideo': '.avi',
};

const EXTRA_BY_EXT: Record<string, string> = {
  '.jpeg': 'image/jpeg',
  '.htm': 'text/html',
  '.yml': 'text/yaml',
  '.ogg': 'audio/ogg',
  '.tif': 'image/tiff',
  '.mid': 'audio/midi',
  '.npy': 'application/octet-stream',
  '.pt': 'application/octet-stream',
  '.pth': 'application/octet-stream',
  '.ckpt': 'application/octet-stream',
};

const BY_EXT: Record<string, string> = (() => {
  const out: Record<string, string> = {};
  for (const [type, ext] of Object.entries(BY_TYPE)) out[ext] ??= type;
  return { ...out, ...EXTRA_BY_EXT };
})();

/** ".png" for "image/png"; "" when unknown. Parameters (`;charset=...`) are ignored. */
export function extensionForType(contentType: string): string {
  const bare = contentType.split(';')[0]!.trim().toLowerCase();
  return BY_TYPE[bare] ?? '';
}

/** "image/png" for "photo.PNG"; application/octet-stream when unknown. */
export function typeForPath(path: string): string {
  const m = /\.[^./\\]+$/.exec(path);
  return (m && BY_EXT[m[0].toLowerCase()]) || 'application/octet-stream';
}

export interface DataUri {
  contentType: string;
  data: Buffer;
}

/** Decodes `data:[type][;params][;base64],payload`. undefined when the text is not a data URI. */
export function decodeDataUri(uri: string): DataUri | undefined {
  if (!uri.startsWith('data:')) return undefined;
  const comma = uri.indexOf(',');
  if (comma < 0) return undefined;
  const meta = uri.slice(5, comma);
  const payload = uri.slice(comma + 1);
  const params = meta.split(';');
  const isBase64 = params.length > 1 && params[params.length - 1]!.toLowerCase() === 'base64';
  let contentType = params[0] ?? '';
  // Python's mimetypes answers None for unknown suffixes and some servers print it verbatim.
  if (contentType === 'None' || contentType === '') contentType = 'application/octet-stream';
  const data = isBase64 ? Buffer.from(payload, 'base64') : Buffer.from(decodeURIComponent(payload), 'utf8');
  return { contentType, data };
}

export function encodeDataUri(data: Uint8Array, contentType: string): string {
  return `data:${contentType};base64,${Buffer.from(data).toString('base64')}`;
}
