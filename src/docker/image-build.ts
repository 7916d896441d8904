/**
 * Image builds on the engine: BuildKit through a docker CLI (secret and cache mounts), or the
 * classic builder through the Engine API (dockerode `buildImage`). Both take a tar context
 * stream and report steps through BuildEvents; both fail with the failing step's output, and
 * neither reports success when the builder said otherwise.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { UserError } from '../errors.js';
import {
  BuildKitProgressParser,
  ClassicProgressParser,
  describeFailure,
  type BuildEvent,
  type BuildStep,
  type ClassicMessage,
} from './build-progress.js';
import type { BuildKitCli } from './docker-cli.js';

export interface BuildSecret {
  id: string;
  /** A file on this machine whose content the build sees at the mount target. */
  src: string;
}

export interface EngineBuildOptions {
  /** The tar stream of the whole context, with the Dockerfile at its root. */
  context: Readable;
  tag?: string;
  noCache?: boolean;
  secrets?: BuildSecret[];
  labels?: Record<string, string>;
  /** Builds that fetch packages use the host's network (our engines may have no bridge). */
  networkHost?: boolean;
  onEvent?: (event: BuildEvent) => void;
  /** Applied to every line before it is parsed or shown (hides credentials). */
  mask?: (text: string) => string;
  /** Called with a function that stops the build (for Ctrl-C). */
  /** Receives the function that stops the build; it resolves once the builder has exited. */
  onCancel?: (cancel: () => Promise<void> | void) => void;
}

export interface EngineBuildResult {
  imageId: string;
  steps: BuildStep[];
}

export class BuildFailedError extends UserError {
  constructor(message: string, details: string, hint?: string) {
    super('E_BUILD_FAILED', message, { details, hint });
    this.name = 'BuildFailedError';
  }
}

const identity = (s: string): string => s;

/** `docker build` with BuildKit, the context tar piped on stdin. */
export async function buildWithBuildKit(cli: BuildKitCli, options: EngineBuildOptions): Promise<EngineBuildResult> {
  const { execa } = await import('execa');
  const mask = options.mask ?? identity;
  const dir = mkdtempSync(join(tmpdir(), 'edgecog-build-'));
  const iidFile = join(dir, 'iid');
  const args = ['build', '--progress', 'plain', '--iidfile', iidFile];
  if (options.networkHost) args.push('--network', 'host');
  if (options.noCache) args.push('--no-cache');
  if (options.tag) args.push('-t', options.tag);
  for (const [k, v] of Object.entries(options.labels ?? {})) args.push('--label', `${k}=${v}`);
  for (const s of options.secrets ?? []) args.push('--secret', `id=${s.id},src=${s.src}`);
  args.push('-');
  const parser = new BuildKitProgressParser(options.onEvent);
  const child = execa(cli.path, args, {
    input: undefined,
    stdin: 'pipe',
    stdout: 'pipe',
    stderr: 'pipe',
    reject: false,
    // execa's exit hook (signal-exit) would re-raise Ctrl-C and kill us before cli.ts's
    // cleanup runs; the build is stopped through onCancel instead.
    cleanup: false,
    env: { ...process.env, DOCKER_BUILDKIT: '1', BUILDKIT_PROGRESS: 'plain', DOCKER_CLI_HINTS: 'false' },
  });
  // Ctrl-C: the docker CLI gets SIGINT and a few seconds to stop the build; we exit only after it
  // has gone (then SIGKILL), so no builder process outlives edgecog.
  options.onCancel?.(async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    child.kill('SIGINT');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  });
  // A project file that vanished, shrank or cannot be read: the builder only sees a cut stream.
  let contextError: Error | undefined;
  options.context.on('error', (err) => {
    contextError ??= err;
    child.kill('SIGTERM');
  });
  options.context.pipe(child.stdin!);
  child.stdin!.on('error', () => undefined);
  let pending = '';
  const onData = (chunk: Buffer): void => {
    pending += chunk.toString('utf8');
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) parser.push(mask(line));
  };
  child.stderr!.on('data', onData);
  child.stdout!.on('data', onData);
  try {
    const result = await child;
    if (pending) parser.push(mask(pending));
    if (contextError) {
      throw new UserError('E_BUILD_CONTEXT', `cannot send the project to the builder: ${contextError.message}`, {
        hint: 'Was a project file changed or removed during the build, or is one unreadable? Fix it (or list it in .dockerignore) and build again.',
        cause: contextError,
      });
    }
    let imageId = '';
    try {
      imageId = readFileSync(iidFile, 'utf8').trim();
    } catch {
      // no id: the build failed (handled below)
    }
    if (result.exitCode !== 0 || !imageId) {
      if (result.exitCode === undefined && !result.isCanceled && !result.isTerminated) {
        throw new UserError('E_DOCKER_CLI', `cannot run ${cli.path}: ${result.shortMessage ?? 'failed to start'}`, {
          hint: 'Install the Docker CLI (docker.io) or set EDGECOG_DOCKER_CLI to a docker binary with BuildKit.',
        });
      }
      const summary = parser.errorSummary();
      const failed = parser.failedStep();
      throw new BuildFailedError(
        failed ? `the image build failed at ${failed.name}` : `the image build failed${summary ? `: ${summary}` : ''}`,
        describeFailure(failed, summary) || mask(String(result.stderr ?? '')).split('\n').slice(-40).join('\n'),
        hintFor(summary ?? failed?.error ?? ''),
      );
    }
    return { imageId, steps: [...parser.steps.values()] };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The classic builder (Engine API `POST /build`): no secret or cache mounts. */
export async function buildWithClassic(docker: Docker, options: EngineBuildOptions): Promise<EngineBuildResult> {
  if (options.secrets?.length) {
    throw new UserError('E_BUILDKIT_REQUIRED', 'this build needs BuildKit (secret mounts), but no docker CLI with BuildKit was found', {
      hint: 'Install a docker CLI with BuildKit (Docker 18.09-22.x, or the buildx plugin), or set EDGECOG_DOCKER_CLI to one.',
    });
  }
  const mask = options.mask ?? identity;
  const parser = new ClassicProgressParser(options.onEvent);
  const stream = (await docker.buildImage(options.context as unknown as NodeJS.ReadableStream, {
    t: options.tag,
    nocache: options.noCache ?? false,
    labels: options.labels,
    networkmode: options.networkHost ? 'host' : undefined,
    rm: true,
    forcerm: true,
  } as Docker.ImageBuildOptions)) as NodeJS.ReadableStream & { destroy?: () => void };
  options.onCancel?.(() => stream.destroy?.());
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (err: Error | null) => (err ? reject(err) : resolve()),
      (message: ClassicMessage) => {
        const masked: ClassicMessage = { ...message };
        if (masked.stream) masked.stream = mask(masked.stream);
        if (masked.error) masked.error = mask(masked.error);
        if (masked.errorDetail?.message) masked.errorDetail = { ...masked.errorDetail, message: mask(masked.errorDetail.message) };
        parser.push(masked);
      },
    );
  }).catch((err: unknown) => {
    // The stream ended badly (engine went away, Ctrl-C): the parser may still know why.
    if (!parser.error) parser.error = mask(String((err as Error)?.message ?? err));
  });
  parser.finish();
  if (parser.error || !parser.imageId) {
    const summary = parser.error ?? 'the engine ended the build without an image id';
    const failed = parser.failedStep();
    throw new BuildFailedError(
      failed ? `the image build failed at ${failed.name.replace(/^Step \d+\/\d+ : /, '')}` : `the image build failed: ${summary}`,
      describeFailure(failed, summary),
      hintFor(summary),
    );
  }
  const imageId = parser.imageId.startsWith('sha256:') ? parser.imageId : (await docker.getImage(parser.imageId).inspect()).Id;
  return { imageId, steps: parser.steps };
}

function hintFor(message: string): string | undefined {
  if (/pull access denied|failed to resolve|not found: manifest unknown|no such host|registry-1\.docker\.io/i.test(message)) {
    return 'The base image is not available here. Offline, build with --base-image IMAGE (or EDGECOG_BASE_IMAGE) naming an image already in the engine.';
  }
  if (/No matching distribution found|Could not find a version that satisfies/i.test(message)) {
    return 'pip could not find a requirement: check the version, and the package index (--index-url, --find-links, PIP_INDEX_URL).';
  }
  return undefined;
}

/**
 * A tiny follow-up build that only adds labels to an existing image (no new layers): how the
 * OpenAPI schema, which needs the built image to compute, ends up in the image's config.
 */
export async function addImageLabels(docker: Docker, imageId: string, labels: Record<string, string>, tag?: string): Promise<string> {
  const { tarToBuffer } = await import('./context-tar.js');
  const { Readable } = await import('node:stream');
  // Labels go in the Dockerfile rather than the `labels` query parameter: a schema can be large.
  const lines = Object.entries(labels).map(([k, v]) => `LABEL ${k}="${escapeDockerfileString(v)}"`);
  const dockerfile = `FROM ${imageId}\n${lines.join('\n')}\n`;
  const context = await tarToBuffer([{ type: 'file', path: 'Dockerfile', data: Buffer.from(dockerfile) }]);
  const result = await buildWithClassic(docker, { context: Readable.from([context]), tag });
  return result.imageId;
}

/** A value inside a double-quoted Dockerfile word: no expansion, no line breaks. */
export function escapeDockerfileString(value: string): string {
  return value.replace(/[\\"$]/g, (c) => `\\${c}`).replace(/\r?\n/g, '\\n');
}

/**
 * The value of `label` on an image built FROM `parentId` by addImageLabels, if one is still in
 * the engine: an unchanged rebuild then skips the step that computed it (same parent image,
 * same content, same schema).
 */
export async function findChildLabel(docker: Docker, parentId: string, label: string): Promise<string | undefined> {
  try {
    const images = await docker.listImages({ all: true, filters: { label: [label] } });
    const child = images.find((i) => i.ParentId === parentId && i.Labels?.[label] !== undefined);
    return child?.Labels?.[label];
  } catch {
    return undefined;
  }
}

export async function imageIdOf(docker: Docker, ref: string): Promise<string | undefined> {
  try {
    return (await docker.getImage(ref).inspect()).Id;
  } catch {
    return undefined;
  }
}

/**
 * Removes an image that lost its name, with its untagged parents, unless something still uses
 * it (another tag, a container, a child image): the engine refuses then, which is fine.
 */
export async function removeUnusedImage(docker: Docker, id: string): Promise<void> {
  try {
    const info = await docker.getImage(id).inspect();
    if ((info.RepoTags ?? []).length > 0) return;
    await docker.getImage(id).remove({ force: false, noprune: false });
  } catch {
    // in use, or already gone
  }
}
