/**
 * Finding a docker CLI that can drive BuildKit. The Engine API's BuildKit path (`POST /build`
 * with version=2) needs a gRPC session that only the docker CLI implements, so builds that need
 * secret or cache mounts go through the CLI:
 *   - a CLI with the buildx plugin (`docker buildx version` works): BuildKit is its builder;
 *   - a CLI from 18.09 up to 22.x: BuildKit is built in and DOCKER_BUILDKIT=1 turns it on;
 *   - 23.0 and later without buildx: DOCKER_BUILDKIT=1 fails ("buildx component is missing").
 * Machines often have more than one CLI (e.g. /usr/local/bin/docker 28 without buildx and
 * Debian's /usr/bin/docker 20.10), so every candidate is checked, the one on PATH first.
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

export interface BuildKitCli {
  /** Absolute path of the docker binary. */
  path: string;
  version: string;
  /** How it is driven: `buildx` runs `docker buildx build --load`, `builtin` sets DOCKER_BUILDKIT=1. */
  kind: 'buildx' | 'builtin';
}

function candidates(env: NodeJS.ProcessEnv): string[] {
  const out: string[] = [];
  const explicit = env.EDGECOG_DOCKER_CLI;
  if (explicit) out.push(explicit);
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir) out.push(join(dir, 'docker'));
  }
  out.push('/usr/bin/docker', '/usr/local/bin/docker');
  return [...new Set(out)].filter((p) => existsSync(p));
}

function parseVersion(text: string): [number, number] | undefined {
  const m = /(\d+)\.(\d+)/.exec(text);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/** Whether a client version has BuildKit built in (DOCKER_BUILDKIT=1 without buildx). */
export function hasBuiltinBuildKit(version: string): boolean {
  const v = parseVersion(version);
  if (!v) return false;
  const [major, minor] = v;
  if (major < 18 || (major === 18 && minor < 9)) return false;
  return major < 23;
}

let cached: Promise<BuildKitCli | undefined> | undefined;

/** The first docker CLI that can build with BuildKit, or undefined (checked once per process). */
export function findBuildKitCli(env: NodeJS.ProcessEnv = process.env): Promise<BuildKitCli | undefined> {
  if (env.EDGECOG_BUILDKIT === '0') return Promise.resolve(undefined);
  cached ??= probe(env);
  return cached;
}

/**
 * Probing runs docker two or three times (a second or more on a busy machine), so the answer
 * is remembered on disk, keyed by the candidates' paths, sizes and mtimes: a new or updated
 * docker CLI is probed again.
 */
function cacheFile(env: NodeJS.ProcessEnv): string {
  const base = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'edgecog', 'buildkit-cli.json');
}

function candidatesKey(paths: string[]): string {
  return paths
    .map((p) => {
      const st = statSync(p);
      return `${p}:${st.size}:${Math.trunc(st.mtimeMs)}`;
    })
    .join('|');
}

async function probe(env: NodeJS.ProcessEnv): Promise<BuildKitCli | undefined> {
  const paths = candidates(env);
  const key = candidatesKey(paths);
  const file = cacheFile(env);
  try {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { key: string; cli: BuildKitCli | null };
    if (saved.key === key) return saved.cli ?? undefined;
  } catch {
    // no cache yet
  }
  const cli = await probeCandidates(paths, env);
  try {
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, JSON.stringify({ key, cli: cli ?? null }));
  } catch {
    // a read-only home is fine: probe again next time
  }
  return cli;
}

async function probeCandidates(paths: string[], env: NodeJS.ProcessEnv): Promise<BuildKitCli | undefined> {
  const { execa } = await import('execa');
  const quiet = { reject: false, cleanup: false, timeout: 15_000, env: { ...env, DOCKER_CLI_HINTS: 'false' } } as const;
  for (const path of paths) {
    // `docker --version` is the client alone ("Docker version 20.10.24+dfsg1, build ..."): no daemon round trip.
    const version = await execa(path, ['--version'], quiet);
    const clientVersion = /version v?(\d+\.\d+[^\s,]*)/i.exec(String(version.stdout ?? ''))?.[1] ?? '';
    if (!parseVersion(clientVersion)) continue;
    if (hasBuiltinBuildKit(clientVersion)) return { path, version: clientVersion, kind: 'builtin' };
    const buildx = await execa(path, ['buildx', 'version'], quiet);
    if (buildx.exitCode === 0) return { path, version: clientVersion, kind: 'buildx' };
  }
  return undefined;
}

/** For tests: forget the probe result. */
export function resetBuildKitProbe(): void {
  cached = undefined;
}
