/**
 * Where a model server comes from: a container of IMAGE, a container of a fresh build of the
 * project, or the host's python3 in the project directory (--no-docker).
 */
import { existsSync } from 'node:fs';
import type Docker from 'dockerode';
import { isAbsolute, join } from 'node:path';
import type { CommandContext } from '../context.js';
import { UsageError, UserError } from '../errors.js';
import { findFreePort } from '../prediction/free-port.js';
import type { ModelServer } from '../prediction/model-server.js';
import { parseOpenApiDocument, type OpenApiDocument, type PredictionMode } from '../prediction/openapi.js';
import { connectEngine, GpuUnavailableError, inspectImageFacts, removeSessionContainers, type ImageFacts } from '../docker/containers-run.js';
import { startHostServer } from './host-runtime.js';
import { startContainerServer } from './model-container.js';

import { buildOptionsFromFlags, type ImageBuildOptionValues } from './build-flags.js';

export const SCHEMA_LABEL = 'run.cog.openapi_schema';
export const CONFIG_LABEL = 'run.cog.config';

/** The flags shared by every command that may build the project first. */
export type ImageBuildFlags = ImageBuildOptionValues;

export interface ModelServerRequest {
  mode: PredictionMode;
  role: 'run' | 'serve' | 'train';
  image?: string;
  noDocker?: boolean;
  build: ImageBuildFlags;
  /** -e NAME=value (or NAME: taken from our environment). */
  env?: string[];
  gpus?: string;
  /** serve -p; default: a free port. */
  port?: number;
  /** serve --host; default 127.0.0.1. */
  host?: string;
  uploadUrl?: string;
  awaitExplicitShutdown?: boolean;
  /**
   * Called with the model's schema as soon as it is known and before any container or process
   * starts: the image's label, or the schema read from the project's source (before its build,
   * or before the host python3 starts). `run -i` checks its values here; throwing stops.
   */
  onSchema?: (doc: OpenApiDocument) => void | Promise<void>;
}

export interface StartedModelServer {
  server: ModelServer;
  /** The schema from the image label, when the image carries one. */
  schema?: OpenApiDocument;
  image?: string;
}

/** `-e NAME=value` → NAME=value; `-e NAME` copies NAME from our environment (as docker run). */
export function parseEnvFlags(flags: readonly string[] | undefined, env: NodeJS.ProcessEnv): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const flag of flags ?? []) {
    const eq = flag.indexOf('=');
    if (eq === 0 || flag === '') throw new UsageError(`cannot parse -e '${flag}': expected NAME=value`);
    if (eq < 0) {
      const value = env[flag];
      if (value !== undefined) out.push([flag, value]);
      continue;
    }
    out.push([flag.slice(0, eq), flag.slice(eq + 1)]);
  }
  return out;
}

function configHasGpu(labels: Record<string, string>): boolean {
  const text = labels[CONFIG_LABEL];
  if (!text) return false;
  try {
    const config = JSON.parse(text) as { build?: { gpu?: unknown } };
    return config.build?.gpu === true;
  } catch {
    return false;
  }
}

function projectDirFor(ctx: CommandContext, configFile: string): string {
  const path = isAbsolute(configFile) ? configFile : join(ctx.cwd, configFile);
  if (!existsSync(path)) {
    throw new UserError('E_CONFIG_NOT_FOUND', `no ${configFile} in ${ctx.cwd}`, {
      hint: 'Run this in a Cog project (a directory with cog.yaml), or create one with edgecog init.',
    });
  }
  return ctx.cwd;
}

export async function startModelServer(ctx: CommandContext, request: ModelServerRequest): Promise<StartedModelServer> {
  const host = request.host ?? '127.0.0.1';
  const port = request.port ?? (await findFreePort(host === '0.0.0.0' ? '127.0.0.1' : host));
  const envPairs = parseEnvFlags(request.env, ctx.env);
  const echo = (text: string): void => ctx.ui.raw(text);

  if (request.noDocker) {
    if (request.image) {
      throw new UsageError(`--no-docker runs the project in this directory with the host python3; it cannot run the image ${request.image}`);
    }
    if (request.gpus) ctx.ui.warn('--gpus is ignored with --no-docker: the host python3 sees whatever GPUs the host has');
    const configFile = request.build.file ?? 'cog.yaml';
    const projectDir = projectDirFor(ctx, configFile);
    if (configFile !== 'cog.yaml') {
      ctx.ui.warn(`--no-docker: the runtime reads cog.yaml in ${projectDir}; -f ${configFile} is not used for the server`);
    }
    const { loadProject } = await import('../config/index.js');
    const loaded = await loadProject({ cwd: projectDir, file: configFile });
    if (request.onSchema) {
      const { schemaFromSource } = await import('./build-schema.js');
      const source = await schemaFromSource(loaded, { env: ctx.env, debug: (m) => ctx.ui.debug(m) });
      if (source) await request.onSchema(source.doc);
    }
    // cog.yaml `environment:` (a container gets it from the image).
    const environment = { ...loaded.config.environment };
    ctx.ui.info(`Starting the model with the host Python (--no-docker)...`);
    const server = await startHostServer({
      projectDir,
      port,
      host,
      mode: request.mode,
      uploadUrl: request.uploadUrl,
      awaitExplicitShutdown: request.awaitExplicitShutdown,
      env: { ...environment, ...Object.fromEntries(envPairs), COG_LOG_LEVEL: 'warning', LOG_FORMAT: 'console' },
      baseEnv: ctx.env,
      echo,
    });
    return { server };
  }

  let image: string;
  let facts: ImageFacts | undefined;
  let projectDir: string | undefined;
  let docker: Docker;
  let schemaSeen = false;
  const onSourceSchema = request.onSchema
    ? async (doc: OpenApiDocument): Promise<void> => {
        schemaSeen = true;
        await request.onSchema?.(doc);
      }
    : undefined;
  if (request.image) {
    if (request.image.includes('=')) {
      throw new UsageError(`invalid image name '${request.image}'`, `Did you forget -i? e.g. edgecog run -i ${request.image}`);
    }
    image = request.image;
    docker = await connectEngine();
    // Edge nodes: pull IMAGE (by tag or verified digest) when the engine does not have it.
    await (await import('./pull.js')).ensureImage(ctx, image, docker);
    facts = await inspectImageFacts(docker, image);
    if (!facts) {
      throw new UserError('E_IMAGE_NOT_FOUND', `image ${image} is not present in the Docker engine`, {
        hint: `Build it with edgecog build -t ${image}, or pull it with docker pull ${image}.`,
      });
    }
  } else {
    // The build connects to the engine itself, after its schema-from-source check.
    const built = await buildProjectImage(ctx, { ...request, onSourceSchema });
    docker = await connectEngine();
    image = built.image;
    projectDir = built.projectDir;
    facts = await inspectImageFacts(docker, image);
    if (!facts) throw new Error(`the image ${image} that was just built is not in the engine`);
  }

  const schema = parseOpenApiDocument(facts.labels[SCHEMA_LABEL]);
  if (schema && !schemaSeen) await request.onSchema?.(schema);
  if (!schema && !schemaSeen && request.onSchema) {
    // `build --skip-schema-validation` (or an image not built by edgecog/Cog): nothing to check
    // inputs against before the start; the caller reads /openapi.json from the running model.
    ctx.ui.debug(`${image} has no ${SCHEMA_LABEL} label: inputs are checked against the model's /openapi.json once it is up`);
  }
  const gpuModel = configHasGpu(facts.labels);
  const gpus = request.gpus ?? (gpuModel ? 'all' : undefined);
  const env = envPairs.map(([k, v]) => `${k}=${v}`);
  ctx.ui.info(`Starting ${image} and running setup()...`);
  const start = (withGpus: string | undefined) =>
    startContainerServer({
      docker,
      image,
      facts: facts!,
      role: request.role,
      port,
      host,
      mode: request.mode,
      uploadUrl: request.uploadUrl,
      awaitExplicitShutdown: request.awaitExplicitShutdown,
      env,
      gpus: withGpus,
      projectDir,
      echo,
    });
  // Ctrl-C while the container is being created: remove whatever this process made.
  const unregister = ctx.onInterrupt(() => removeSessionContainers(docker));
  try {
    return { server: await start(gpus), schema, image };
  } catch (err) {
    // A GPU model on a machine without the NVIDIA runtime still runs (slowly) on the CPU, as in
    // Cog; an explicit --gpus is a request the user wants to hear about.
    if (err instanceof GpuUnavailableError && request.gpus === undefined && gpus === 'all') {
      ctx.ui.warn('this model asks for a GPU but the Docker engine has no GPU support; running on the CPU');
      return { server: await start(undefined), schema, image };
    }
    throw err;
  } finally {
    unregister();
  }
}

export interface BuiltProject {
  image: string;
  projectDir: string;
  gpu: boolean;
}

/** Builds the project in ctx.cwd (or -f's directory) for run/serve/train/exec. */
export async function buildProjectImage(
  ctx: CommandContext,
  request: (Pick<ModelServerRequest, 'build' | 'role'> | { build: ImageBuildFlags; role: 'exec' }) & {
    onSourceSchema?: (doc: OpenApiDocument) => void | Promise<void>;
  },
): Promise<BuiltProject> {
  const { buildImage } = await import('./build-image.js');
  const built = await buildImage(ctx, {
    projectDir: ctx.cwd,
    ...buildOptionsFromFlags(request.build),
    onSourceSchema: request.onSourceSchema,
    // exec works in the environment, whatever state predict.py is in (as Cog's exec).
    skipSchema: request.role === 'exec',
  });
  return { image: built.image, projectDir: built.loaded.projectDir, gpu: built.loaded.config.build.gpu };
}
