/**
 * --no-docker: the runtime from templates/runtime run by the host's python3 (or
 * $EDGECOG_PYTHON) in the project directory. Same protocol, same client code as a container.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../errors.js';
import { OutputTail, type ModelServer } from '../prediction/model-server.js';

/** templates/runtime, from dist/workflows/ or src/workflows/ alike. */
export function runtimeSourceDir(): string {
  return fileURLToPath(new URL('../../templates/runtime', import.meta.url));
}

export interface HostServerOptions {
  projectDir: string;
  port: number;
  host: string;
  mode: 'predict' | 'train';
  uploadUrl?: string;
  /** Keep serving after a failed setup (serve), so /health-check can say SETUP_FAILED. */
  awaitExplicitShutdown?: boolean;
  /** Extra environment: cog.yaml `environment:` then -e flags. */
  env: Record<string, string>;
  baseEnv: NodeJS.ProcessEnv;
  /** Where the server's own output goes while it is not muted (stderr). */
  echo?: (text: string) => void;
}

export function hostPython(env: NodeJS.ProcessEnv): string {
  return env.EDGECOG_PYTHON || 'python3';
}

export async function startHostServer(options: HostServerOptions): Promise<ModelServer> {
  const runtimeDir = runtimeSourceDir();
  if (!existsSync(runtimeDir)) {
    throw new UserError('E_RUNTIME_MISSING', `the edgecog runtime is missing (${runtimeDir})`, { hint: 'Reinstall edgecog.' });
  }
  const python = hostPython(options.baseEnv);
  const args = ['-m', 'cog.server.http', '--host', options.host];
  if (options.mode === 'train') args.push('--x-mode', 'train');
  if (options.uploadUrl) args.push('--upload-url', options.uploadUrl);
  if (options.awaitExplicitShutdown) args.push('--await-explicit-shutdown', 'true');
  const existing = options.baseEnv.PYTHONPATH;
  const env: NodeJS.ProcessEnv = {
    ...options.baseEnv,
    ...options.env,
    PORT: String(options.port),
    PYTHONPATH: existing ? `${runtimeDir}${delimiter}${existing}` : runtimeDir,
    PYTHONUNBUFFERED: '1',
  };

  const tail = new OutputTail();
  let muted = false;
  let child: ChildProcess;
  try {
    // Own process group: Ctrl-C reaches edgecog only, which then stops the server cleanly.
    child = spawn(python, args, { cwd: options.projectDir, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  } catch (err) {
    throw new UserError('E_PYTHON_MISSING', `cannot start ${python}: ${(err as Error).message}`, {
      hint: 'Install Python 3, or point EDGECOG_PYTHON at an interpreter.',
    });
  }
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  let exitCode: number | undefined;
  let exited = false;
  const exitPromise = new Promise<number | undefined>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = true;
      exitCode = code ?? (signal ? 128 : undefined);
      resolve(exitCode);
    });
    child.once('error', () => {
      exited = true;
      resolve(undefined);
    });
  });
  const onData = (chunk: Buffer): void => {
    const text = chunk.toString('utf8');
    tail.push(text);
    if (!muted) options.echo?.(text);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);

  const killGroup = (signal: NodeJS.Signals): void => {
    if (exited || child.pid === undefined) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      try {
        child.kill(signal);
      } catch {
        // already gone
      }
    }
  };
  const onProcessExit = (): void => killGroup('SIGKILL');
  process.once('exit', onProcessExit);

  const first = await Promise.race([spawnError, new Promise<undefined>((r) => setTimeout(r, 0))]);
  if (first instanceof Error) {
    const code = (first as NodeJS.ErrnoException).code;
    throw new UserError('E_PYTHON_MISSING', `cannot start ${python}: ${code === 'ENOENT' ? 'not found' : first.message}`, {
      hint: '--no-docker runs the model with the host Python: install python3, or set EDGECOG_PYTHON.',
    });
  }

  let stopping: Promise<void> | undefined;
  return {
    baseUrl: `http://${options.host === '0.0.0.0' ? '127.0.0.1' : options.host}:${options.port}`,
    description: `${python} (pid ${child.pid})`,
    isAlive: async () => ({ alive: !exited, exitCode }),
    recentOutput: async () => tail.toString(),
    mute: () => {
      muted = true;
    },
    waitForExit: () => exitPromise,
    stop: () => {
      stopping ??= (async () => {
        killGroup('SIGTERM');
        const timer = setTimeout(() => killGroup('SIGKILL'), 3_000);
        await exitPromise;
        clearTimeout(timer);
        process.removeListener('exit', onProcessExit);
      })();
      return stopping;
    },
  };
}
