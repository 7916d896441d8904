/**
 * A model server in a container: the image's own server command, pointed at a 127.0.0.1 port
 * of the host (containers share the host network), labelled, logs followed, removed on stop.
 */
import type Docker from 'dockerode';
import {
  CONTAINER_PROJECT_LABEL,
  CONTAINER_ROLE_LABEL,
  containerOutput,
  containerState,
  followContainerLogs,
  inspectImageFacts,
  removeContainer,
  startModelContainer,
  waitContainer,
  type ImageFacts,
} from '../docker/containers-run.js';
import { OutputTail, type ModelServer } from '../prediction/model-server.js';

export interface ContainerServerOptions {
  docker: Docker;
  image: string;
  facts: ImageFacts;
  role: 'run' | 'serve' | 'train';
  port: number;
  host: string;
  mode: 'predict' | 'train';
  uploadUrl?: string;
  awaitExplicitShutdown?: boolean;
  env: string[];
  gpus?: string;
  /** The project directory mounted at /src (builds from source), if any. */
  projectDir?: string;
  echo?: (text: string) => void;
}

/**
 * The server command: the image's CMD when it runs cog.server.http (with our flags appended;
 * argparse keeps the last occurrence), else the runtime module with the image's python.
 */
export function serverCommand(facts: Pick<ImageFacts, 'cmd' | 'entrypoint'>, options: Pick<ContainerServerOptions, 'host' | 'mode' | 'uploadUrl' | 'awaitExplicitShutdown'>): string[] {
  const runsServer = facts.cmd.some((part) => part.includes('cog.server.http'));
  const base = runsServer ? [...facts.cmd] : ['python', '-m', 'cog.server.http'];
  const args = ['--host', options.host];
  if (options.mode === 'train') args.push('--x-mode', 'train');
  if (options.uploadUrl) args.push('--upload-url', options.uploadUrl);
  if (options.awaitExplicitShutdown) args.push('--await-explicit-shutdown', 'true');
  // A shell-form CMD (sh -c "...") takes one string: extend that string instead.
  const last = base.length - 1;
  if (runsServer && base.length >= 3 && /(^|\/)(ba)?sh$/.test(base[0]!) && base[1] === '-c') {
    base[last] = `${base[last]} ${args.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ')}`;
    return base;
  }
  return [...base, ...args];
}

export async function startContainerServer(options: ContainerServerOptions): Promise<ModelServer & { id: string }> {
  const cmd = serverCommand(options.facts, options);
  const env = [...options.env, `PORT=${options.port}`, 'LOG_FORMAT=console', 'COG_LOG_LEVEL=warning'];
  const labels: Record<string, string> = { [CONTAINER_ROLE_LABEL]: options.role };
  if (options.projectDir) labels[CONTAINER_PROJECT_LABEL] = options.projectDir;
  const id = await startModelContainer(options.docker, {
    image: options.image,
    cmd,
    env,
    labels,
    gpus: options.gpus,
    binds: options.projectDir ? [{ source: options.projectDir, target: '/src' }] : undefined,
  });
  const tail = new OutputTail();
  let muted = false;
  let stopFollowing: (() => void) | undefined;
  try {
    stopFollowing = await followContainerLogs(options.docker, id, (text) => {
      tail.push(text);
      if (!muted) options.echo?.(text);
    });
  } catch {
    // logs are a convenience; the container itself is what matters
  }
  let stopping: Promise<void> | undefined;
  return {
    id,
    baseUrl: `http://${options.host === '0.0.0.0' ? '127.0.0.1' : options.host}:${options.port}`,
    description: `container ${id.slice(0, 12)}`,
    isAlive: async () => {
      const state = await containerState(options.docker, id);
      return { alive: state.running, exitCode: state.exitCode };
    },
    recentOutput: async () => {
      const text = tail.toString();
      return text || (await containerOutput(options.docker, id));
    },
    mute: () => {
      muted = true;
    },
    waitForExit: () => waitContainer(options.docker, id),
    stop: () => {
      stopping ??= (async () => {
        stopFollowing?.();
        await removeContainer(options.docker, id);
      })();
      return stopping;
    },
  };
}

export { inspectImageFacts };
