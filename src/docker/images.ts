/**
 * Engine calls the registry side needs: inspect an image, export it (`docker save`), tag it, and
 * pull it with progress. Pull messages are a JSON stream that can report failure after an HTTP
 * 200, so every line is read and an `error`/`errorDetail` fails the pull.
 */
import type Docker from 'dockerode';
import type { Readable } from 'node:stream';
import { UserError } from '../errors.js';

export interface LocalImage {
  id: string;
  repoTags: string[];
  repoDigests: string[];
  /** Uncompressed layer digests, bottom to top (RootFS.Layers). */
  diffIds: string[];
  size: number;
  labels: Record<string, string>;
}

/** The image, or undefined when the engine does not have it. */
export async function inspectLocalImage(docker: Docker, ref: string): Promise<LocalImage | undefined> {
  try {
    const info = await docker.getImage(ref).inspect();
    return {
      id: info.Id,
      repoTags: info.RepoTags ?? [],
      repoDigests: info.RepoDigests ?? [],
      diffIds: (info.RootFS?.Layers as string[] | undefined) ?? [],
      size: info.Size,
      labels: (info.Config?.Labels as Record<string, string> | null) ?? {},
    };
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return undefined;
    throw err;
  }
}

/** `docker save REF` as a tar stream (legacy layout on old engines, OCI layout on new ones). */
export async function exportImage(docker: Docker, ref: string): Promise<Readable> {
  return (await docker.getImage(ref).get()) as unknown as Readable;
}

export async function tagImage(docker: Docker, source: string, repo: string, tag: string): Promise<void> {
  await docker.getImage(source).tag({ repo, tag });
}

export async function removeImage(docker: Docker, ref: string): Promise<void> {
  await docker.getImage(ref).remove({ force: true });
}

export interface PullProgress {
  /** Layer id (short) or '' for whole-image lines. */
  id: string;
  status: string;
  current?: number;
  total?: number;
}

interface EngineMessage {
  id?: string;
  status?: string;
  progressDetail?: { current?: number; total?: number };
  error?: string;
  errorDetail?: { message?: string; code?: number };
}

/** Reads an Engine JSON message stream; resolves with the messages, rejects on error lines. */
export function readMessageStream(stream: NodeJS.ReadableStream, onMessage: (m: EngineMessage) => void): Promise<EngineMessage[]> {
  return new Promise((resolve, reject) => {
    const all: EngineMessage[] = [];
    let buffer = '';
    let failed: string | undefined;
    const handle = (line: string): void => {
      if (line.trim() === '') return;
      let message: EngineMessage;
      try {
        message = JSON.parse(line) as EngineMessage;
      } catch {
        return;
      }
      all.push(message);
      if (message.error || message.errorDetail) failed ??= message.errorDetail?.message ?? message.error ?? 'unknown error';
      else onMessage(message);
    };
    stream.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        handle(buffer.slice(0, nl));
        buffer = buffer.slice(nl + 1);
      }
    });
    stream.on('error', reject);
    stream.on('end', () => {
      handle(buffer);
      if (failed !== undefined) reject(new EngineStreamError(failed));
      else resolve(all);
    });
  });
}

export class EngineStreamError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EngineStreamError';
  }
}

/**
 * Pulls REF (name:tag or name@digest) into the engine. `auth` is the X-Registry-Auth object
 * (username/password/serveraddress or identitytoken). Fails with a UserError naming the image.
 */
export async function pullImage(docker: Docker, ref: string, auth: Record<string, string> | undefined, onProgress: (p: PullProgress) => void): Promise<void> {
  let stream: NodeJS.ReadableStream;
  try {
    stream = (await docker.pull(ref, auth ? { authconfig: auth } : {})) as NodeJS.ReadableStream;
  } catch (err) {
    throw pullError(ref, (err as { json?: { message?: string }; message?: string }).json?.message ?? (err as Error).message, err);
  }
  try {
    await readMessageStream(stream, (m) => {
      onProgress({ id: m.id ?? '', status: m.status ?? '', current: m.progressDetail?.current, total: m.progressDetail?.total });
    });
  } catch (err) {
    throw pullError(ref, (err as Error).message, err);
  }
}

function pullError(ref: string, detail: string, cause: unknown): UserError {
  const text = detail.replace(/^\(HTTP code \d+\) [a-z ]+- /, '').trim();
  let hint = 'Check the image name and that the registry is reachable from this machine.';
  if (/unauthorized|authentication required|denied/i.test(text)) hint = 'Log in to the registry (edgecog login REGISTRY) and check that the image exists.';
  else if (/manifest unknown|not found/i.test(text)) hint = 'Check the name, tag or digest: the registry does not have it.';
  else if (/connection refused|no such host|dial tcp/i.test(text)) hint = 'Is the registry running and reachable from the Docker engine?';
  return new UserError('E_PULL_FAILED', `pulling ${ref} failed: ${text}`, { hint, cause });
}

export interface EnginePushEvent {
  /** diffID prefix (12 hex) of the layer, or '' for whole-image lines. */
  id: string;
  status: string;
  current?: number;
  total?: number;
}

/**
 * `docker push NAME:TAG` through the engine (X-Registry-Auth from `auth`). Resolves with the
 * manifest digest the engine reports; rejects with the engine's error line when it fails.
 */
export async function pushImageViaEngine(
  docker: Docker,
  name: string,
  tag: string,
  auth: Record<string, string> | undefined,
  onEvent: (e: EnginePushEvent) => void,
): Promise<{ digest: string }> {
  // An empty auth object still has to be sent: the engine refuses a push without the header.
  const stream = (await docker.getImage(name).push({ tag, authconfig: auth ?? {} })) as unknown as NodeJS.ReadableStream;
  let digest: string | undefined;
  await readMessageStream(stream, (m) => {
    const aux = (m as { aux?: { Digest?: string } }).aux;
    if (aux?.Digest) digest = aux.Digest;
    const fromStatus = /digest: (sha256:[0-9a-f]{64})/.exec(m.status ?? '');
    if (fromStatus) digest ??= fromStatus[1];
    onEvent({ id: m.id ?? '', status: m.status ?? '', current: m.progressDetail?.current, total: m.progressDetail?.total });
  });
  if (!digest) throw new EngineStreamError('the engine finished the push without reporting a digest');
  return { digest };
}
