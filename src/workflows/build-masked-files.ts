/**
 * Project files that may carry package-index credentials, and their copies for the image with
 * the credentials masked. pip reads the real requirements through a bind mount (never a layer),
 * but the project itself is copied to /src: a `--extra-index-url https://user:token@host` written
 * in requirements.txt would otherwise end up in the code layer for anyone who pulls the image.
 */
import { readFileSync } from 'node:fs';
import { dirname, posix } from 'node:path';
import { maskUrlUserInfo, textHasUrlCredentials } from '../util/url-credentials.js';
import type { ProjectFile } from './build-context.js';

/**
 * `scheme://user:token@host` → `scheme://***@host`; every other byte as it was (latin1 keeps
 * any byte sequence intact, and the pattern is ASCII). Undefined when there is nothing to mask.
 */
export function maskUrlCredentials(data: Buffer): Buffer | undefined {
  const text = data.toString('latin1');
  if (!textHasUrlCredentials(text)) return undefined;
  return Buffer.from(maskUrlUserInfo(text), 'latin1');
}

/** `-r x.txt`, `--requirement=x.txt`, `-c x.txt`, `--constraint x.txt` (pip's include options). */
function includedFiles(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.replace(/\\\r?\n/g, '').split(/\r?\n/)) {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    const m = /^(?:-r|-c|--requirement|--constraint)(?:\s*=\s*|\s+|(?<=^-[rc]))(\S+)/.exec(line);
    if (m?.[1] && !/^[a-z][a-z0-9+.-]*:\/\//i.test(m[1])) out.push(m[1]);
  }
  return out;
}

/**
 * The project-relative paths of the requirements file named by cog.yaml and of every project
 * file it includes (`-r`/`-c`, followed recursively, resolved from the including file's
 * directory as pip does). Files outside the project are not in the image and not listed.
 */
export function requirementsFilesOf(requirementsFile: string | undefined, files: readonly ProjectFile[]): string[] {
  if (!requirementsFile) return [];
  const byPath = new Map(files.filter((f) => f.linkTarget === undefined).map((f) => [f.path, f]));
  const found: string[] = [];
  const visit = (rel: string): void => {
    const path = posix.normalize(rel.replace(/\\/g, '/')).replace(/^\.\//, '');
    const file = byPath.get(path);
    if (!file || found.includes(path)) return;
    found.push(path);
    let text: string;
    try {
      text = readFileSync(file.abs, 'latin1');
    } catch {
      return;
    }
    for (const inc of includedFiles(text)) {
      if (inc.startsWith('/')) continue;
      const dir = dirname(path);
      visit(dir === '.' ? inc : `${dir}/${inc}`);
    }
  };
  visit(requirementsFile);
  return found;
}

/**
 * Replacement content for the image's copies of the given project files: only those that hold
 * a URL with credentials, masked; the rest are copied from disk unchanged.
 */
export function maskedProjectFiles(paths: readonly string[], files: readonly ProjectFile[]): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const path of paths) {
    const file = files.find((f) => f.path === path && f.linkTarget === undefined);
    if (!file) continue;
    let data: Buffer;
    try {
      data = readFileSync(file.abs);
    } catch {
      continue;
    }
    const masked = maskUrlCredentials(data);
    if (masked) out.set(path, masked);
  }
  return out;
}
