/**
 * The only part of config/ that touches the filesystem: find cog.yaml (in the working
 * directory, then its parents, as Cog does), read it, check it, and either return the config
 * with its warnings or throw a ConfigError that carries every diagnostic.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { UserError } from '../errors.js';
import { checkConfigText } from './check.js';
import { ConfigError } from './errors.js';
import type { LoadedConfig, ProjectFacts } from './types.js';

export interface LoadProjectOptions {
  /** Where to start looking (default process.cwd()). */
  cwd?: string;
  /** Config file name (`-f`), default cog.yaml. An absolute path or one with a directory is used as is. */
  file?: string;
}

const MAX_SEARCH_DEPTH = 100;

/** The directory holding `fileName`, searching `startDir` and then each parent. */
export function findProjectDir(startDir: string, fileName = 'cog.yaml'): string | undefined {
  let dir = resolve(startDir);
  for (let i = 0; i < MAX_SEARCH_DEPTH; i++) {
    if (isFile(join(dir, fileName))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
  return undefined;
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * Facts about a project directory, for the pure validator. Predictor files must be inside the
 * project (only the project is copied into the image); a requirements file is read where it
 * is, like Cog does, since only its lines go into the image.
 */
export function projectFacts(projectDir: string): ProjectFacts {
  const root = resolve(projectDir);
  const inside = (rel: string): string | undefined => {
    const full = resolve(root, rel);
    const r = relative(root, full);
    return r === '..' || r.startsWith(`..${sep}`) || isAbsolute(r) ? undefined : full;
  };
  return {
    fileExists(rel) {
      const full = inside(rel);
      return full !== undefined && isFile(full);
    },
    readFile(rel) {
      try {
        return readFileSync(resolve(root, rel), 'utf8');
      } catch {
        return undefined;
      }
    },
  };
}

export async function loadProject(opts: LoadProjectOptions = {}): Promise<LoadedConfig> {
  const cwd = resolve(opts.cwd ?? process.cwd());
  const fileName = opts.file ?? 'cog.yaml';
  let projectDir: string | undefined;
  let configPath: string;
  if (isAbsolute(fileName) || fileName.includes('/') || fileName.includes(sep)) {
    // `-f path/to/cog.yaml`: that file exactly; its directory is the project.
    configPath = resolve(cwd, fileName);
    projectDir = isFile(configPath) ? dirname(configPath) : undefined;
  } else {
    projectDir = findProjectDir(cwd, fileName);
    configPath = projectDir ? join(projectDir, fileName) : join(cwd, fileName);
  }
  if (!projectDir) {
    throw new UserError('E_CONFIG_NOT_FOUND', `${fileName} not found in ${cwd} (or in any parent directory)`, {
      hint: fileName === 'cog.yaml' ? 'run `edgecog init` to create one, or cd into your Cog project' : `check the name given to -f, or run \`edgecog init\``,
    });
  }
  let text: string;
  try {
    text = readFileSync(configPath, 'utf8');
  } catch (err) {
    throw new UserError('E_CONFIG_READ', `cannot read ${configPath}: ${(err as Error).message}`, { cause: err });
  }
  const displayName = relative(cwd, configPath) || fileName;
  const result = checkConfigText(text, { file: displayName, facts: projectFacts(projectDir) });
  if (!result.config) throw new ConfigError(displayName, result.diagnostics, text);
  return {
    config: result.config,
    raw: result.raw,
    projectDir,
    configFile: fileName,
    warnings: result.diagnostics.filter((d) => d.severity === 'warning'),
    configPath,
    sourceText: text,
  };
}
