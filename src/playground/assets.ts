/**
 * The page's static files, shipped in the package under templates/playground (no CDN: the
 * playground works offline). Read once and kept in memory: they are a few tens of KB.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
};

export interface Asset {
  body: Buffer;
  type: string;
}

/** templates/playground, from dist/playground/ or src/playground/ alike. */
export function defaultAssetsDir(): string {
  return fileURLToPath(new URL('../../templates/playground', import.meta.url));
}

/** name → asset, for every file directly in DIR whose type we know. */
export function loadAssets(dir = defaultAssetsDir()): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const name of readdirSync(dir)) {
    const ext = name.slice(name.lastIndexOf('.'));
    const type = TYPES[ext];
    if (!type) continue;
    assets.set(name, { body: readFileSync(join(dir, name)), type });
  }
  if (!assets.has('index.html')) throw new Error(`the playground assets in ${dir} have no index.html`);
  return assets;
}
