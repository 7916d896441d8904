/**
 * Containers for run/serve/train: create with labels and host networking, follow logs,
 * watch state, remove. (The prediction side's needs; image builds live elsewhere in docker/.)
 */
import Docker from 'dockerode';
import { PassThrough } from 'node:stream';
import { InterruptedError, UserError } from '../errors.js';

export const CONTAINER_LABEL = 'org.edgecog.container';
export const CONTAINER_ROLE_LABEL = 'org.edgecog.role';
export const CONTAINER_PROJECT_LABEL = 'org.edgecog.project';
/** Marks the containers this edgecog process created, so Ctrl-C can remove even half-made ones. */
export const CONTAINER_SESSION_LABEL = 'org.edgecog.session';
export const SESSION_ID = `${process.pid}-${Math.random().toString(36).slice(2, 10)}`;

export interface ImageFacts {
  id: string;
  labels: Record<string, string>;
  cmd: string[];
  entrypoint: string[];
  env: string[];
  workdir: string;
}

export interface ModelContainerSpec {
  image: string;
  /** Full command; undefined keeps the image's. */
  cmd?: string[];
  env: string[];
  labels: Record<string, string>;
  /** `docker run --gpus` syntax: all, 2, device=0,1; undefined: none. */
  gpus?: string;
  binds?: Array<{ source: string; target: string; readOnly?: boolean }>;
  workdir?: string;
  tty?: boolean;
  openStdin?: boolean;
}

export class GpuUnavailableError extends UserError {
  constructor(requested: string, detail: string) {
    super('E_GPU_UNAVAILABLE', `the Docker engine could not give the container GPUs (--gpus ${requested}): ${detail}`, {
      hint: 'Install the NVIDIA Container Toolkit (and restart the Docker engine), or run without --gpus.',
    });
  }
}

let shared: Docker | undefined;

/** The engine, checked once: a missing engine is a UserError with a hint, never a stack. */
export async function connectEngine(): Promise<Docker> {
  if (shared) return shared;
  const docker = new Docker();
  try {
    await docker.ping();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    throw new UserError('E_DOCKER_UNAVAILABLE', `cannot connect to the Docker engine${code ? ` (${code})` : ''}`, {
      hint: 'Start Docker (or set DOCKER_HOST), or use --no-docker to run the model with the host python3.',
      cause: err,
    });
  }
  shared = docker;
  return docker;
}

/** Image facts, or undefined when the image is not present locally. */
export async function inspectImageFacts(docker: Docker, ref: string): Promise<ImageFacts | undefined> {
  try {
    const info = await docker.getImage(ref).inspect();
    const config = info.Config ?? ({} as Docker.ImageInspectInfo['Config']);
    return {
      id: info.Id,
      labels: (config.Labels as Record<string, string> | null) ?? {},
      cmd: (config.Cmd as string[] | null) ?? [],
      entrypoint: (config.Entrypoint as unknown as string[] | null) ?? [],
      env: (config.Env as string[] | null) ?? [],
      workdir: config.WorkingDir ?? '',
    };
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return undefined;
    throw err;
  }
}

/** `--gpus` → Engine API DeviceRequests (as the docker CLI translates it). */
export function gpuDeviceRequests(spec: string | undefined): Docker.DeviceRequest[] | undefined {
  if (!spec) return undefined;
  const request: Docker.DeviceRequest = { Driver: '', Count: 0, DeviceIDs: [], Capabilities: [['gpu']], Options: {} };
  for (const part of spec.replace(/^"|"$/g, '').split(/,(?=[a-z]+=)/)) {
    const [key, value] = part.includes('=') ? [part.slice(0, part.indexOf('=')), part.slice(part.indexOf('=') + 1)] : ['count', part];
    if (key === 'count') request.Count = value === 'all' ? -1 : Number.parseInt(value, 10);
    else if (key === 'device') request.DeviceIDs = value.split(',');
    else if (key === 'driver') request.Driver = value;
    else if (key === 'capabilities') request.Capabilities = [value.split(',')];
    else throw new UserError('E_USAGE', `cannot parse --gpus ${spec}`, { hint: "e.g. --gpus all, --gpus 2, --gpus device=0,1", exitCode: 2 });
  }
  if (Number.isNaN(request.Count)) {
    throw new UserError('E_USAGE', `cannot parse --gpus ${spec}`, { hint: "e.g. --gpus all, --gpus 2, --gpus device=0,1", exitCode: 2 });
  }
  return [request];
}

export function isMissingGpuDriverError(err: unknown): boolean {
  return /could not select device driver/i.test(String((err as { message?: string })?.message ?? err));
}

/** Creates still in flight: Ctrl-C waits for them, or it lists before they exist and misses them. */
const inFlightCreates = new Set<Promise<unknown>>();
/** Set once cleanup began: the process is on its way out, so nothing new may be created. */
let sessionClosing = false;

/**
 * `docker.createContainer` with this session's label, tracked so removeSessionContainers can
 * wait for it. After cleanup began it refuses (InterruptedError) instead of leaving a
 * container in the Created state behind an exiting process.
 */
export async function createSessionContainer(docker: Docker, options: Docker.ContainerCreateOptions): Promise<Docker.Container> {
  if (sessionClosing) throw new InterruptedError();
  const create = docker.createContainer({ ...options, Labels: { ...options.Labels, [CONTAINER_SESSION_LABEL]: SESSION_ID } });
  inFlightCreates.add(create);
  try {
    return await create;
  } finally {
    inFlightCreates.delete(create);
  }
}

/** Creates and starts a container on the host network. Returns its id. */
export async function startModelContainer(docker: Docker, spec: ModelContainerSpec): Promise<string> {
  const container = await createSessionContainer(docker, {
    Image: spec.image,
    Cmd: spec.cmd,
    Env: spec.env,
    Labels: { [CONTAINER_LABEL]: 'true', ...spec.labels },
    WorkingDir: spec.workdir,
    Tty: spec.tty ?? false,
    OpenStdin: spec.openStdin ?? false,
    HostConfig: {
      // The engine may have no bridge: the model listens on a 127.0.0.1 port of the host itself.
      NetworkMode: 'host',
      DeviceRequests: gpuDeviceRequests(spec.gpus),
      Binds: spec.binds?.map((b) => `${b.source}:${b.target}${b.readOnly ? ':ro' : ''}`),
      Init: true,
    },
  });
  try {
    await container.start();
  } catch (err) {
    await removeContainer(docker, container.id);
    if (isMissingGpuDriverError(err)) throw new GpuUnavailableError(spec.gpus ?? 'all', String((err as Error).message ?? err).replace(/^.*?could not/i, 'could not'));
    throw err;
  }
  return container.id;
}

export async function containerState(docker: Docker, id: string): Promise<{ running: boolean; exitCode?: number; missing?: boolean }> {
  try {
    const info = await docker.getContainer(id).inspect();
    return { running: Boolean(info.State?.Running), exitCode: info.State?.Running ? undefined : info.State?.ExitCode };
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return { running: false, missing: true };
    throw err;
  }
}

/** Follows stdout+stderr of a container; returns a function that stops following. */
export async function followContainerLogs(docker: Docker, id: string, onText: (text: string) => void): Promise<() => void> {
  const container = docker.getContainer(id);
  const stream = (await container.logs({ follow: true, stdout: true, stderr: true, timestamps: false })) as unknown as NodeJS.ReadableStream & {
    destroy?: () => void;
  };
  const out = new PassThrough();
  out.on('data', (chunk: Buffer) => onText(chunk.toString('utf8')));
  docker.modem.demuxStream(stream, out, out);
  stream.on('error', () => undefined);
  return () => {
    stream.destroy?.();
    out.destroy();
  };
}

/** The container's output so far (for error messages after it exited). */
export async function containerOutput(docker: Docker, id: string, tail = 200): Promise<string> {
  try {
    const buf = (await docker.getContainer(id).logs({ follow: false, stdout: true, stderr: true, tail })) as unknown as Buffer;
    return demuxBuffer(buf);
  } catch {
    return '';
  }
}

/** Splits the Engine's multiplexed log framing (8-byte headers) when present. */
export function demuxBuffer(buf: Buffer): string {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= buf.length) {
    const kind = buf[offset];
    if (kind !== 0 && kind !== 1 && kind !== 2) return buf.toString('utf8');
    const size = buf.readUInt32BE(offset + 4);
    parts.push(buf.subarray(offset + 8, offset + 8 + size));
    offset += 8 + size;
  }
  return offset === 0 ? buf.toString('utf8') : Buffer.concat(parts).toString('utf8');
}

/** Waits for the container to exit; resolves with its exit code. */
export async function waitContainer(docker: Docker, id: string): Promise<number | undefined> {
  try {
    const result = (await docker.getContainer(id).wait()) as { StatusCode?: number };
    return result.StatusCode;
  } catch {
    return undefined;
  }
}

/**
 * Removes every container this process created (Ctrl-C, possibly mid-create): first waits for
 * creates in flight (a create the engine has not answered yet is not in the list), then removes
 * by the session label. No container can be created after this was called.
 */
export async function removeSessionContainers(docker: Docker): Promise<void> {
  sessionClosing = true;
  await Promise.allSettled([...inFlightCreates]);
  const list = await docker.listContainers({ all: true, filters: { label: [`${CONTAINER_SESSION_LABEL}=${SESSION_ID}`] } });
  await Promise.all(list.map((c) => removeContainer(docker, c.Id).catch(() => undefined)));
}

/** Force-removes a container; missing is fine. */
export async function removeContainer(docker: Docker, id: string): Promise<void> {
  try {
    await docker.getContainer(id).remove({ force: true, v: true });
  } catch (err) {
    const status = (err as { statusCode?: number }).statusCode;
    if (status === 404 || status === 409) return;
    throw err;
  }
}

export interface InteractiveRunSpec {
  image: string;
  command: string[];
  env: string[];
  labels: Record<string, string>;
  gpus?: string;
  binds?: Array<{ source: string; target: string; readOnly?: boolean }>;
  workdir?: string;
  /** Allocate a TTY (when our stdin and stdout are terminals). */
  tty: boolean;
}

/**
 * `docker run --rm -i [-t]` through the docker CLI: terminal handling (raw mode, resize,
 * signal proxying) is what the CLI does well. Returns the exit code and whether the engine
 * refused the GPU request.
 */
export async function runInteractive(spec: InteractiveRunSpec): Promise<{ exitCode: number; gpuRefused: boolean }> {
  const { execa } = await import('execa');
  const args = ['run', '--rm', '-i', '--network', 'host', '--init'];
  if (spec.tty) args.push('-t');
  for (const [k, v] of Object.entries({ [CONTAINER_LABEL]: 'true', ...spec.labels })) args.push('--label', `${k}=${v}`);
  for (const e of spec.env) args.push('-e', e);
  for (const b of spec.binds ?? []) args.push('-v', `${b.source}:${b.target}${b.readOnly ? ':ro' : ''}`);
  if (spec.workdir) args.push('-w', spec.workdir);
  if (spec.gpus) args.push('--gpus', spec.gpus);
  args.push(spec.image, ...spec.command);
  let stderrText = '';
  // cleanup: false: execa's exit hook (signal-exit) would otherwise re-raise Ctrl-C and end edgecog
  // before exec's own SIGINT handling (the docker CLI forwards the signal to the command) runs.
  const child = execa('docker', args, { stdin: 'inherit', stdout: 'inherit', stderr: 'pipe', reject: false, env: process.env, cleanup: false });
  child.stderr?.on('data', (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    if (stderrText.length < 64 * 1024) stderrText += text;
    process.stderr.write(chunk);
  });
  const result = await child;
  if (result.failed && result.exitCode === undefined) {
    throw new UserError('E_DOCKER_CLI', `cannot run the docker CLI: ${result.shortMessage ?? 'not found'}`, {
      hint: 'edgecog exec uses the docker command-line client; install it (docker.io) or put it on PATH.',
    });
  }
  return { exitCode: result.exitCode ?? 1, gpuRefused: isMissingGpuDriverError(stderrText) };
}
