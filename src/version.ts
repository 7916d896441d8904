import { readFileSync } from 'node:fs';

let cached: string | undefined;

/** edgecog's version, from package.json (read lazily; no JSON import cost at start). */
export function edgecogVersion(): string {
  if (cached === undefined) {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    cached = pkg.version;
  }
  return cached;
}
