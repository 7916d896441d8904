/**
 * Push through the Docker engine (`docker push`): the engine reads layers straight from its
 * store and remembers which compressed blob each layer became in which registry, so a second
 * version of a model sends only its new layers without exporting the image (see BENCHMARKS).
 * Per-layer statuses come from the engine's message stream; digests and sizes from the manifest
 * the engine wrote, read back from the registry and checked against the digest it reported.
 */
import { createHash } from 'node:crypto';
import { UserError } from '../errors.js';
import { retryPolicyFromEnv, withRetry } from './blobs.js';
import { describeSource, engineAuthConfig, loadCredential, type RegistryCredential } from './docker-config.js';
import { RegistryHttp } from './http.js';
import { LayerCache } from './layer-cache.js';
import { MEDIA_TYPE_LAYER_GZIP, MEDIA_TYPE_MANIFEST, type LayerStatus, type PushEvents, type PushResult } from './push.js';
import { digestReference, familiarString, repositoryName, type ImageReference } from './reference.js';

export interface EngineEvent {
  id: string;
  status: string;
  current?: number;
  total?: number;
}

export interface EnginePushOptions {
  target: ImageReference;
  image: { id: string; diffIds: string[] };
  /** Runs the engine push with this X-Registry-Auth; resolves with the manifest digest. */
  push: (auth: Record<string, string> | undefined, onEvent: (e: EngineEvent) => void) => Promise<{ digest: string }>;
  env: NodeJS.ProcessEnv;
  events?: PushEvents;
}

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

export async function pushThroughEngine(options: EnginePushOptions): Promise<PushResult> {
  const { target, env } = options;
  const events = options.events ?? {};
  const credential = await loadCredential(target.registry, env);
  const http = new RegistryHttp({ registry: target.registry, credential, env, scopes: [`repository:${target.repository}:pull,push`] });
  try {
    // Checked here first, so that an unknown host, a refused connection or bad credentials read
    // the same as with our own client (and name the credential source), before the engine tries.
    events.onPhase?.('connecting');
    const policy = retryPolicyFromEnv(env, (err, attempt, delay) => events.onRetry?.(`${(err as Error).message}; retrying in ${(delay / 1000).toFixed(1)}s (attempt ${attempt + 1})`));
    await withRetry({ ...policy, attempts: Math.min(policy.attempts, 2) }, async () => {
      const what = 'checking the registry API (/v2/)';
      const res = await http.expect(await http.send('GET', '/v2/', { what }), [200], what);
      await res.dump();
    });
    return await enginePush(options, credential, http);
  } finally {
    await http.close();
  }
}

async function enginePush(options: EnginePushOptions, credential: RegistryCredential, http: RegistryHttp): Promise<PushResult> {
  const { target, env } = options;
  const events = options.events ?? {};
  const diffIds = options.image.diffIds;
  const indexOf = new Map(diffIds.map((d, i) => [d.replace(/^sha256:/, '').slice(0, 12), i]));
  const statuses = new Map<number, LayerStatus>();
  events.onPhase?.('uploading');
  let digest: string;
  try {
    ({ digest } = await options.push(engineAuthConfig(target.registry, credential), (e) => {
      const index = indexOf.get(e.id);
      if (/^Retrying in/.test(e.status)) events.onRetry?.(`layer ${e.id}: ${e.status.toLowerCase()}`);
      if (index === undefined) return;
      const diffId = diffIds[index]!;
      if (e.status === 'Pushing') events.onLayer?.({ index, diffId, state: 'uploading', bytes: e.current, size: e.total });
      const status: LayerStatus | undefined = e.status === 'Pushed' ? 'pushed' : e.status === 'Layer already exists' ? 'existing' : e.status.startsWith('Mounted from') ? 'mounted' : undefined;
      if (status) {
        statuses.set(index, status);
        events.onLayer?.({ index, diffId, state: status });
      }
    }));
  } catch (err) {
    throw engineError(target, err, describeSource(credential.source));
  }

  events.onPhase?.('manifest');
  {
    const what = `reading back the manifest ${digest.slice(0, 19)}`;
    const res = await http.expect(await http.send('GET', `/v2/${target.repository}/manifests/${digest}`, { what, headers: { accept: `${MEDIA_TYPE_MANIFEST}, ${OCI_MANIFEST}` } }), [200], what);
    const body = Buffer.from(await res.body.arrayBuffer());
    const actual = `sha256:${createHash('sha256').update(body).digest('hex')}`;
    // The registry's doing (or a proxy's), not ours: a user error that names it, no bug banner.
    if (actual !== digest) throw new UserError('E_REGISTRY_PROTOCOL', `${target.registry} serves a manifest that hashes to ${actual}, but the engine pushed ${digest}`);
    const manifest = JSON.parse(body.toString('utf8')) as { config: { size: number }; layers: Array<{ digest: string; size: number; mediaType?: string }> };
    if (manifest.layers.length !== diffIds.length) throw new UserError('E_REGISTRY_PROTOCOL', `the manifest ${target.registry} serves has ${manifest.layers.length} layers, the image ${diffIds.length}`);
    const cache = LayerCache.load(env);
    const fullRepo = repositoryName(target);
    const layers = manifest.layers.map((l, i) => {
      cache.record(diffIds[i]!, { digest: l.digest, size: l.size, mediaType: l.mediaType ?? MEDIA_TYPE_LAYER_GZIP }, fullRepo);
      return { digest: l.digest, size: l.size, status: statuses.get(i) ?? ('existing' as LayerStatus), diffId: diffIds[i]! };
    });
    cache.save();
    const pushedBytes = layers.filter((l) => l.status === 'pushed').reduce((n, l) => n + l.size, 0);
    return {
      image: familiarString(target),
      digest,
      reference: digestReference(target, digest),
      layers,
      // Blobs the engine sent (it does not count retried bytes), the config when anything was new, the manifest.
      bytesUploaded: pushedBytes + (pushedBytes > 0 ? manifest.config.size : 0) + body.length,
    };
  }
}

function engineError(target: ImageReference, err: unknown, tried: string): UserError {
  if (err instanceof UserError) return err;
  const text = String((err as { json?: { message?: string }; message?: string }).json?.message ?? (err as Error).message ?? err).trim();
  const registry = target.registry;
  const nothing = 'Nothing was tagged: the engine writes the manifest only after every layer is in the registry.';
  if (/unauthorized|authentication required|no basic auth|denied|forbidden/i.test(text)) {
    return new UserError('E_REGISTRY_UNAUTHORIZED', `${registry} refused the push of ${familiarString(target)}: ${text}`, {
      hint: `Credentials tried: ${tried}. Log in with edgecog login ${registry}.`,
    });
  }
  if (/no such host|server misbehaving|Temporary failure in name resolution/i.test(text)) {
    return new UserError('E_REGISTRY_UNKNOWN_HOST', `unknown registry host ${registry}: ${text}`, { hint: 'Check the registry name in the image reference and your DNS.' });
  }
  if (/connection refused|connection reset|EOF|broken pipe|i\/o timeout/i.test(text)) {
    return new UserError('E_REGISTRY_UNREACHABLE', `pushing ${familiarString(target)} failed, the registry went away: ${text}`, {
      hint: `Is the registry running and reachable from the Docker engine? ${nothing} Run the push again; layers already uploaded are not sent twice.`,
    });
  }
  return new UserError('E_PUSH_FAILED', `pushing ${familiarString(target)} failed: ${text}`, { hint: nothing });
}
