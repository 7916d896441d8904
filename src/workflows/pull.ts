/**
 * Images for edge nodes: `run`/`serve IMAGE` pull IMAGE when the engine does not have it, by tag
 * or by digest, with the credentials docker would use, showing bytes per layer. A digest
 * reference is checked after the pull: the engine must list exactly that digest for the image.
 */
import type Docker from 'dockerode';
import type { CommandContext } from '../context.js';
import { UserError } from '../errors.js';
import { formatBytes } from './push-progress.js';

export interface EnsuredImage {
  /** The engine's image ID. */
  id: string;
  pulled: boolean;
}

/** The image REF in the engine, pulling it if it is missing. */
export async function ensureImage(ctx: CommandContext, ref: string, engine?: Docker): Promise<EnsuredImage> {
  const { connectEngine } = await import('../docker/containers-run.js');
  const { inspectLocalImage, pullImage } = await import('../docker/images.js');
  const docker = engine ?? (await connectEngine());
  const local = await inspectLocalImage(docker, ref);
  if (local) return { id: local.id, pulled: false };

  const { parseImageReference, familiarName, familiarString, withDefaultTag } = await import('../registry/reference.js');
  const { engineAuthConfig, loadCredential } = await import('../registry/docker-config.js');
  const target = withDefaultTag(parseImageReference(ref));
  // name@digest alone when pinned: a tag next to a digest is only a label, the digest decides.
  const pullRef = target.digest ? `${familiarName(target)}@${target.digest}` : familiarString(target);
  const credential = await loadCredential(target.registry, ctx.env);
  const auth = engineAuthConfig(target.registry, credential);

  const started = Date.now();
  const spinner = await ctx.ui.spinner(`Pulling ${pullRef}...`);
  const layers = new Map<string, { status: string; current: number; total: number }>();
  let lastPlain = 0;
  const summary = (): string => {
    let current = 0;
    let total = 0;
    let done = 0;
    for (const l of layers.values()) {
      current += l.current;
      total += l.total;
      if (/complete|already exists/i.test(l.status)) done++;
    }
    return `Pulling ${pullRef}: ${done}/${layers.size} layers${total ? `, ${formatBytes(current)} / ${formatBytes(total)} downloaded` : ''}`;
  };
  try {
    await pullImage(docker, pullRef, auth, (p) => {
      // Only layer lines count ("Pulling fs layer", "Downloading", "Pull complete", ...).
      if (!p.id || !/layer|waiting|download|verifying|extracting|complete|already exists/i.test(p.status)) return;
      const prev = layers.get(p.id) ?? { status: '', current: 0, total: 0 };
      if (p.status === 'Downloading') layers.set(p.id, { status: p.status, current: p.current ?? prev.current, total: p.total ?? prev.total });
      else layers.set(p.id, { ...prev, status: p.status, current: /complete/i.test(p.status) && prev.total ? prev.total : prev.current });
      if (ctx.ui.mode === 'tty') spinner.update(summary());
      else if (Date.now() - lastPlain > 2000 || /complete/i.test(p.status)) {
        lastPlain = Date.now();
        spinner.update(summary());
      }
    });
  } catch (err) {
    spinner.fail(`Pulling ${pullRef} failed`);
    if (err instanceof UserError && !target.digest && !ref.includes('/')) {
      throw new UserError(err.code, `image ${ref} is not in the Docker engine, and ${err.message}`, {
        hint: `Build it with edgecog build -t ${ref}, or give the full registry name (registry.example.com/team/${ref}).`,
        cause: err,
      });
    }
    throw err;
  }
  const pulled = await inspectLocalImage(docker, pullRef);
  if (!pulled) throw new Error(`the engine reported ${pullRef} pulled, but does not have it`);
  if (target.digest) {
    const pinned = `${familiarName(target)}@${target.digest}`;
    if (!pulled.repoDigests.includes(pinned)) {
      throw new UserError('E_DIGEST_MISMATCH', `the image pulled for ${pullRef} does not carry the digest ${target.digest} (it has ${pulled.repoDigests.join(', ') || 'none'})`, {
        hint: 'The registry served different content than the digest names; do not run it.',
      });
    }
  }
  spinner.succeed(`Pulled ${pullRef} in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  return { id: pulled.id, pulled: true };
}
