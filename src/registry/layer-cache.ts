/**
 * What we learned from earlier pushes: an uncompressed layer (diffID) was uploaded as blob D
 * (gzip, size S) to these repositories. With it a push checks `HEAD D` without exporting or
 * compressing anything, and can ask the registry to mount D from a sibling repository instead of
 * uploading it. Advisory only: every fact is verified against the registry before it is used.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface CachedBlob {
  digest: string;
  size: number;
  mediaType: string;
  /** Size of the uncompressed layer tar (lets an export skip writing layers it will not need). */
  tarSize?: number;
  /** registry/repository names that had the blob, most recent first. */
  repos: string[];
}

const MAX_REPOS = 16;
const MAX_ENTRIES = 5000;

export function cacheDir(env: NodeJS.ProcessEnv): string {
  if (env.EDGECOG_CACHE_DIR) return env.EDGECOG_CACHE_DIR;
  const base = env.XDG_CACHE_HOME && env.XDG_CACHE_HOME !== '' ? env.XDG_CACHE_HOME : join(env.HOME || homedir(), '.cache');
  return join(base, 'edgecog');
}

export class LayerCache {
  private entries: Record<string, CachedBlob>;
  private dirty = false;

  private constructor(
    private readonly file: string,
    entries: Record<string, CachedBlob>,
  ) {
    this.entries = entries;
  }

  static load(env: NodeJS.ProcessEnv): LayerCache {
    const file = join(cacheDir(env), 'layer-blobs.json');
    let entries: Record<string, CachedBlob> = {};
    try {
      const parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) entries = parsed as Record<string, CachedBlob>;
    } catch {
      // missing or corrupt: start empty (the cache only saves work)
    }
    return new LayerCache(file, entries);
  }

  get(diffId: string): CachedBlob | undefined {
    const e = this.entries[diffId];
    return e && typeof e.digest === 'string' && typeof e.size === 'number' ? e : undefined;
  }

  record(diffId: string, blob: { digest: string; size: number; mediaType: string; tarSize?: number }, repo: string): void {
    const prev = this.entries[diffId];
    const repos = prev && prev.digest === blob.digest ? prev.repos.filter((r) => r !== repo) : [];
    // Re-inserting keeps the most recently used entries last, so trimming drops the oldest.
    delete this.entries[diffId];
    this.entries[diffId] = { tarSize: prev?.tarSize, ...blob, repos: [repo, ...repos].slice(0, MAX_REPOS) };
    this.dirty = true;
  }

  /** Forget that REPO has the blob (the registry said it does not). */
  forget(diffId: string, repo: string): void {
    const e = this.entries[diffId];
    if (!e) return;
    e.repos = e.repos.filter((r) => r !== repo);
    this.dirty = true;
  }

  save(): void {
    if (!this.dirty) return;
    const keys = Object.keys(this.entries);
    for (const key of keys.slice(0, Math.max(0, keys.length - MAX_ENTRIES))) delete this.entries[key];
    try {
      mkdirSync(join(this.file, '..'), { recursive: true });
      const tmp = `${this.file}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(this.entries));
      renameSync(tmp, this.file);
      this.dirty = false;
    } catch {
      // a read-only home is not a reason to fail a push
    }
  }
}
