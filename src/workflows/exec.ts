/**
 * `exec CMD...`: the command in the model's environment (a fresh build of the project), with
 * the project mounted at /src, stdin/TTY passed through. Exit code: the command's.
 */
import type { CommandContext } from '../context.js';
import { UsageError, UserError } from '../errors.js';
import { CONTAINER_PROJECT_LABEL, CONTAINER_ROLE_LABEL, runInteractive } from '../docker/containers-run.js';
import { buildProjectImage, parseEnvFlags, type ImageBuildFlags } from './model-server-start.js';

export interface ExecOptions {
  command: string[];
  build: ImageBuildFlags;
  env?: string[];
  publish?: string[];
  gpus?: string;
  /** Override TTY detection (tests). */
  tty?: boolean;
}

/** `-p 8888`, `-p 0.0.0.0:8888`, `-p [::1]:8888` → port numbers (validated as Cog does). */
export function parsePublishFlags(values: readonly string[]): Array<{ host: string; port: number }> {
  return values.map((value) => {
    let host = '127.0.0.1';
    let portText = value;
    if (value.startsWith('[')) {
      const end = value.indexOf(']');
      if (end < 0 || value[end + 1] !== ':') throw new UsageError(`invalid port "${value}"`, 'e.g. -p 8888 or -p [::1]:8888');
      host = value.slice(1, end);
      portText = value.slice(end + 2);
    } else if (value.includes(':')) {
      const at = value.lastIndexOf(':');
      host = value.slice(0, at);
      portText = value.slice(at + 1);
      if (host === '') throw new UsageError(`invalid port "${value}": host cannot be empty`);
    }
    const port = Number(portText);
    if (!/^\d+$/.test(portText) || port < 1 || port > 65535) throw new UsageError(`invalid port "${value}": port must be between 1 and 65535`);
    return { host, port };
  });
}

export async function execInModel(ctx: CommandContext, options: ExecOptions): Promise<number> {
  if (options.command.length === 0) throw new UsageError('exec needs a command to run', 'e.g. edgecog exec python');
  const ports = parsePublishFlags(options.publish ?? []);
  const env = parseEnvFlags(options.env, ctx.env).map(([k, v]) => `${k}=${v}`);
  const built = await buildProjectImage(ctx, { build: options.build, role: 'exec' });
  if (ports.length > 0) {
    // Containers share the host's network here, so a port the command listens on is already
    // reachable on the host: nothing to publish.
    ctx.ui.info(`Port${ports.length > 1 ? 's' : ''} ${ports.map((p) => p.port).join(', ')}: the container uses the host network, so whatever listens there is reachable directly.`);
  }
  const gpus = options.gpus ?? (built.gpu ? 'all' : undefined);
  ctx.ui.info(`Running ${options.command.join(' ')} in Docker with the current directory mounted at /src...`);
  const tty = options.tty ?? Boolean(process.stdin.isTTY && process.stdout.isTTY);
  const spec = {
    image: built.image,
    command: options.command,
    env,
    labels: { [CONTAINER_ROLE_LABEL]: 'exec', [CONTAINER_PROJECT_LABEL]: built.projectDir },
    binds: [{ source: built.projectDir, target: '/src' }],
    workdir: '/src',
    tty,
  };
  // Ctrl-C belongs to the command (a REPL cancels a line, a server stops itself); the docker
  // CLI forwards it. edgecog waits for the command to finish, whatever it decides.
  const saved = process.listeners('SIGINT');
  process.removeAllListeners('SIGINT');
  const ignore = (): void => undefined;
  process.on('SIGINT', ignore);
  try {
    let result = await runInteractive({ ...spec, gpus });
    if (result.gpuRefused) {
      if (options.gpus === undefined && gpus === 'all') {
        ctx.ui.warn('this model asks for a GPU but the Docker engine has no GPU support; running on the CPU');
        result = await runInteractive({ ...spec, gpus: undefined });
      } else {
        throw new UserError('E_GPU_UNAVAILABLE', `the Docker engine could not give the container GPUs (--gpus ${gpus}): could not select device driver`, {
          hint: 'Install the NVIDIA Container Toolkit (and restart the Docker engine), or run without --gpus.',
        });
      }
    }
    return result.exitCode;
  } finally {
    process.removeListener('SIGINT', ignore);
    for (const l of saved) process.on('SIGINT', l as NodeJS.SignalsListener);
  }
}
