/**
 * `push`, programmatically: name → build (tagged with that name) → our OCI client pushes the
 * image's layers and manifest → the pinned reference (name@sha256:…) and per-layer statuses.
 * The name is validated before the build so that a typo fails in a second, not after minutes.
 */
import type { CommandContext } from '../context.js';
import { UserError } from '../errors.js';
import { formatBytes, renderPushProgress } from './push-progress.js';
import type { BuildImageOptions } from './build-image.js';
import type { PushResult } from '../registry/push.js';

export interface PushWorkflowOptions {
  /** The IMAGE argument; default: `image:` from cog.yaml. */
  image?: string;
  /** Build options (projectDir, flags); `tag` is set from the image name. */
  build: Omit<BuildImageOptions, 'tag'>;
  /** Push this local image instead of building (programmatic use and benches). */
  existingImage?: string;
  /**
   * 'engine' (default): `docker push` through the engine, which sends only new layers without
   * exporting the image. 'oci': our own client (exported layers, resumable chunked uploads,
   * retries; for engines that cannot reach the registry). Env EDGECOG_PUSH_CLIENT.
   */
  client?: 'engine' | 'oci';
}

export function pushClient(options: PushWorkflowOptions, env: NodeJS.ProcessEnv): 'engine' | 'oci' {
  const chosen = options.client ?? env.EDGECOG_PUSH_CLIENT ?? 'engine';
  if (chosen !== 'engine' && chosen !== 'oci') {
    throw new UserError('E_USAGE', `EDGECOG_PUSH_CLIENT must be 'engine' or 'oci', not '${chosen}'`, { exitCode: 2 });
  }
  return chosen;
}

async function targetName(ctx: CommandContext, options: PushWorkflowOptions): Promise<string> {
  if (options.image) return options.image;
  const { loadProject } = await import('../config/index.js');
  const loaded = await loadProject({ cwd: options.build.projectDir, file: options.build.configFile });
  const image = loaded.config.image;
  if (!image) {
    throw new UserError('E_NO_IMAGE_NAME', 'no image name to push to', {
      hint: "Pass one (edgecog push registry.example.com/team/model) or set 'image:' in cog.yaml.",
    });
  }
  void ctx;
  return image;
}

export async function pushWorkflow(ctx: CommandContext, options: PushWorkflowOptions): Promise<PushResult> {
  const { parseImageReference, withDefaultTag, familiarString, familiarName } = await import('../registry/reference.js');
  const client = pushClient(options, ctx.env);
  const name = await targetName(ctx, options);
  const target = withDefaultTag(parseImageReference(name));
  if (target.digest !== undefined) {
    throw new UserError('E_INVALID_REFERENCE', `cannot push to a digest reference (${name})`, {
      hint: 'Push to a tag (e.g. :v1); the digest of what was pushed is printed afterwards.',
    });
  }
  const tagged = familiarString(target);

  const { connectEngine } = await import('../docker/containers-run.js');
  const { inspectLocalImage, exportImage, pushImageViaEngine, tagImage } = await import('../docker/images.js');
  const docker = await connectEngine();
  let source = options.existingImage;
  if (!source) {
    const { buildImage } = await import('./build-image.js');
    ctx.ui.info(`Building the image from ${options.build.configFile ?? 'cog.yaml'} as ${tagged}...`);
    const built = await buildImage(ctx, { ...options.build, tag: tagged });
    source = built.imageId;
  }
  const local = await inspectLocalImage(docker, source);
  if (!local) {
    throw new UserError('E_IMAGE_NOT_FOUND', `image ${source} is not present in the Docker engine`, {
      hint: `Build it first (edgecog build -t ${tagged}).`,
    });
  }

  const { pushImage } = await import('../registry/push.js');
  const started = Date.now();
  const progress = await renderPushProgress(ctx, tagged, local.diffIds.length);
  const unregister = ctx.onInterrupt(() => progress.stop());
  try {
    const image = { id: local.id, diffIds: local.diffIds };
    let result: PushResult;
    if (client === 'engine') {
      // The engine pushes by name: the image must carry the target tag (a build already gave it).
      if (!local.repoTags.includes(tagged)) await tagImage(docker, local.id, familiarName(target), target.tag!);
      const { pushThroughEngine } = await import('../registry/push-engine.js');
      result = await pushThroughEngine({
        target,
        image,
        push: (auth, onEvent) => pushImageViaEngine(docker, familiarName(target), target.tag!, auth, onEvent),
        env: ctx.env,
        events: progress.events,
      });
    } else {
      result = await pushImage({
        target,
        image,
        exportArchive: () => exportImage(docker, source!),
        env: ctx.env,
        events: progress.events,
        onInterrupt: (cleanup) => {
          const off = ctx.onInterrupt(cleanup);
          return () => void off();
        },
      });
    }
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const counts = { pushed: 0, mounted: 0, existing: 0 };
    for (const l of result.layers) counts[l.status]++;
    progress.succeed(
      `Pushed ${result.image} in ${seconds}s: ${formatBytes(result.bytesUploaded)} uploaded; layers ${counts.pushed} pushed, ${counts.mounted} mounted, ${counts.existing} already there`,
    );
    return result;
  } catch (err) {
    progress.fail(`Pushing ${tagged} failed`);
    throw err;
  } finally {
    unregister();
  }
}
