/**
 * The build context, as the planned Dockerfile expects it (see src/dockerfile/types.ts):
 *   Dockerfile, .edgecog/runtime/opt/edgecog/runtime/cog/..., .edgecog/requirements.txt, .edgecog/ca-cert.pem,
 *   .edgecog/weights/<id>/src/<rel> (one tree per weights file), .edgecog/code/src/<rel>
 * Entries are sorted and carry fixed metadata (context-tar.ts: mtime, uid/gid 0, mode 644/755),
 * so an unchanged project gives the same bytes and every layer before the code hits the cache.
 * The runtime, weights and code trees are copied onto `/`, so the engine gives `/src` and the directories
 * below it these fixed times too, and those layers come out byte-identical in every build.
 */
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, type Stats } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createIgnoreMatcher, DEFAULT_IGNORE_PATTERNS, parseDockerignore, RUNTIME_DIR, weightsLayerId } from '../dockerfile/index.js';
import type { TarEntry } from '../docker/context-tar.js';

export interface ProjectFile {
  /** Project-relative, `/`-separated. */
  path: string;
  abs: string;
  size: number;
  executable: boolean;
  /** Set for symbolic links (kept as links, as docker build does). */
  linkTarget?: string;
}

export interface ProjectListing {
  files: ProjectFile[];
  /** Directories that hold no included file but are themselves included (kept, empty). */
  emptyDirs: string[];
}

/**
 * templates/runtime, from src/workflows or dist/workflows alike. EDGECOG_RUNTIME_DIR points
 * at another checkout of the runtime (developing the runtime against real builds).
 */
export function runtimeTemplateDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.EDGECOG_RUNTIME_DIR) return env.EDGECOG_RUNTIME_DIR;
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'templates', 'runtime');
}

const toPosix = (p: string): string => (sep === '/' ? p : p.split(sep).join('/'));

/** Files of the project minus .dockerignore (and the defaults Cog also drops). */
export function listProjectFiles(projectDir: string): ProjectListing {
  const ignoreFile = join(projectDir, '.dockerignore');
  const userPatterns = existsSync(ignoreFile) ? parseDockerignore(readFileSync(ignoreFile, 'utf8')) : [];
  const ignored = createIgnoreMatcher([...DEFAULT_IGNORE_PATTERNS, ...userPatterns]);
  const files: ProjectFile[] = [];
  const emptyDirs: string[] = [];
  const walk = (dir: string): number => {
    let included = 0;
    for (const name of readdirSync(dir).sort()) {
      const abs = join(dir, name);
      const rel = toPosix(relative(projectDir, abs));
      let st: Stats;
      try {
        st = lstatSync(abs);
      } catch {
        continue; // vanished while we walked
      }
      if (st.isDirectory()) {
        const dirIgnored = ignored(rel, true);
        // An ignored directory may still hold re-included (`!`) paths.
        if (dirIgnored && !ignored.hasNegations) continue;
        const inside = walk(abs);
        if (inside === 0 && !dirIgnored) emptyDirs.push(rel);
        included += inside + (dirIgnored ? 0 : 1);
        continue;
      }
      if (ignored(rel, false)) continue;
      if (st.isSymbolicLink()) {
        files.push({ path: rel, abs, size: 0, executable: false, linkTarget: readlinkSync(abs) });
      } else if (st.isFile()) {
        files.push({ path: rel, abs, size: st.size, executable: (st.mode & 0o111) !== 0 });
      } else {
        continue; // sockets, fifos: docker build skips them too
      }
      included++;
    }
    return included;
  };
  walk(projectDir);
  return { files, emptyDirs };
}

/**
 * The runtime package, without tests and caches, as `.edgecog/runtime/opt/edgecog/runtime/cog/...`:
 * the tree is copied onto `/` so that every directory of the layer, /opt included, carries the
 * context's fixed metadata and the layer is the same bytes in every build of the same runtime.
 */
export function runtimeEntries(runtimeDir: string = runtimeTemplateDir()): TarEntry[] {
  const pkg = join(runtimeDir, 'cog');
  if (!existsSync(join(pkg, '__init__.py'))) {
    throw new Error(`the edgecog runtime is missing from ${pkg} (a broken installation)`);
  }
  const root = `.edgecog/runtime${RUNTIME_DIR}`;
  const out: TarEntry[] = [{ type: 'dir', path: '.edgecog/runtime' }];
  for (const d of parentDirs(RUNTIME_DIR.slice(1))) out.push({ type: 'dir', path: `.edgecog/runtime/${d}` });
  out.push({ type: 'dir', path: root });
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      if (name === '__pycache__' || name === 'tests' || name.endsWith('.pyc') || name.startsWith('.')) continue;
      const abs = join(dir, name);
      const st = lstatSync(abs);
      const rel = toPosix(relative(runtimeDir, abs));
      if (st.isDirectory()) {
        out.push({ type: 'dir', path: `${root}/${rel}` });
        walk(abs);
      } else if (st.isFile()) {
        out.push({ type: 'file', path: `${root}/${rel}`, data: readFileSync(abs) });
      }
    }
  };
  out.push({ type: 'dir', path: `${root}/cog` });
  walk(pkg);
  return out;
}

export interface BuildContextInput {
  dockerfile: string;
  requirementsTxt: string;
  /** pip constraints for the requirements (`.edgecog/constraints.txt`), when there are any. */
  constraintsTxt?: string;
  caCert?: Buffer;
  project: ProjectListing;
  /** Project-relative paths put under .edgecog/weights/ instead of .edgecog/code/. */
  weightsFiles: readonly string[];
  runtimeDir?: string;
  /**
   * Content to put in the image instead of a project file's own, by project-relative path (added
   * when the project has no such file): requirements with their credentials masked, and
   * `cog.yaml` holding the config named by -f (so no RUN cp step makes a non-reproducible layer).
   */
  overrides?: ReadonlyMap<string, Buffer>;
}

function parentDirs(path: string): string[] {
  const parts = path.split('/');
  const out: string[] = [];
  for (let i = 1; i < parts.length; i++) out.push(parts.slice(0, i).join('/'));
  return out;
}

function fileEntry(prefix: string, f: ProjectFile, overrides: ReadonlyMap<string, Buffer> | undefined): TarEntry {
  const path = `${prefix}${f.path}`;
  const data = overrides?.get(f.path);
  if (data) return { type: 'file', path, data, executable: f.linkTarget === undefined && f.executable };
  if (f.linkTarget !== undefined) return { type: 'symlink', path, target: f.linkTarget };
  return { type: 'file', path, source: f.abs, size: f.size, executable: f.executable };
}

/** Every entry of the context, in a stable order, parents before children. */
export function buildContextEntries(input: BuildContextInput): TarEntry[] {
  const weights = new Set(input.weightsFiles);
  const entries: TarEntry[] = [{ type: 'file', path: 'Dockerfile', data: Buffer.from(input.dockerfile) }, { type: 'dir', path: '.edgecog' }];
  entries.push(...runtimeEntries(input.runtimeDir));
  entries.push({ type: 'file', path: '.edgecog/requirements.txt', data: Buffer.from(input.requirementsTxt) });
  if (input.constraintsTxt) entries.push({ type: 'file', path: '.edgecog/constraints.txt', data: Buffer.from(input.constraintsTxt) });
  if (input.caCert) entries.push({ type: 'file', path: '.edgecog/ca-cert.pem', data: input.caCert });

  /** `<root>/src/...` holding these files (and empty dirs): explicit entries for every directory. */
  const tree = (root: string, files: ProjectFile[], emptyDirs: string[]): void => {
    const prefix = `${root}/src/`;
    const dirs = new Set<string>();
    for (const f of files) for (const d of parentDirs(f.path)) dirs.add(d);
    for (const d of emptyDirs) {
      dirs.add(d);
      for (const p of parentDirs(d)) dirs.add(p);
    }
    entries.push({ type: 'dir', path: root }, { type: 'dir', path: `${root}/src` });
    const items: Array<{ key: string; entry: TarEntry }> = [
      ...[...dirs].map((d) => ({ key: d, entry: { type: 'dir', path: `${prefix}${d}` } as TarEntry })),
      ...files.map((f) => ({ key: f.path, entry: fileEntry(prefix, f, input.overrides) })),
    ];
    items.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    entries.push(...items.map((i) => i.entry));
  };
  // Overridden paths the project lacks (cog.yaml under -f without one) are added as plain files.
  const added: ProjectFile[] = [...(input.overrides?.entries() ?? [])]
    .filter(([path]) => !input.project.files.some((f) => f.path === path))
    .map(([path, data]) => ({ path, abs: '', size: data.length, executable: false }));
  const projectFiles = [...input.project.files, ...added];
  const weightFiles = projectFiles.filter((f) => weights.has(f.path));
  if (weightFiles.length > 0) {
    entries.push({ type: 'dir', path: '.edgecog/weights' });
    // Sorted by id: the context order does not matter to the layers, only its stability does.
    const byId = weightFiles.map((f) => ({ id: weightsLayerId(f.path), f })).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    for (const { id, f } of byId) tree(`.edgecog/weights/${id}`, [f], []);
  }
  tree(
    '.edgecog/code',
    projectFiles.filter((f) => !weights.has(f.path)),
    input.project.emptyDirs,
  );
  return entries;
}
