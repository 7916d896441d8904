/**
 * Blob operations of the OCI distribution spec: existence (HEAD), cross-repository mount, and
 * upload — one PUT for small blobs, PATCH chunks with Content-Range for large ones so that an
 * interrupted upload resumes from the offset the registry acknowledges (GET on the upload URL)
 * instead of starting over. Transient failures are retried with exponential backoff.
 */
import { createReadStream } from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { UserError } from '../errors.js';
import { header, isTransient, type RegistryHttp } from './http.js';

export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
}

export function retryPolicyFromEnv(env: NodeJS.ProcessEnv, onRetry?: RetryPolicy['onRetry']): RetryPolicy {
  const attempts = Number.parseInt(env.EDGECOG_PUSH_RETRIES ?? '', 10);
  const base = Number.parseInt(env.EDGECOG_PUSH_RETRY_DELAY_MS ?? '', 10);
  return {
    attempts: Number.isFinite(attempts) && attempts > 0 ? attempts : 5,
    baseDelayMs: Number.isFinite(base) && base >= 0 ? base : 500,
    maxDelayMs: 8000,
    onRetry,
  };
}

export class RetriesExhaustedError extends Error {}

/** Runs `fn` until it succeeds, a non-transient error occurs, or attempts run out. */
export async function withRetry<T>(policy: RetryPolicy, fn: (attempt: number) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (!isTransient(err) || attempt >= policy.attempts) {
        if (isTransient(err) && err instanceof Error) {
          (err as Error & { attempts?: number }).attempts = attempt;
        }
        throw err;
      }
      const delay = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1)) * (0.75 + Math.random() * 0.5);
      policy.onRetry?.(err, attempt, delay);
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

const path = (repo: string, rest: string): string => `/v2/${repo}/${rest}`;

export async function blobExists(http: RegistryHttp, repo: string, digest: string): Promise<boolean> {
  const what = `checking blob ${digest.slice(0, 19)}`;
  const res = await http.send('HEAD', path(repo, `blobs/${digest}`), { what });
  await res.dump();
  if (res.status === 200 || res.status === 307 || res.status === 302) return true;
  if (res.status === 404) return false;
  await http.expect(res, [200], what);
  return false;
}

/** Asks the registry to link DIGEST from FROM into REPO. true when mounted (201). */
export async function mountBlob(http: RegistryHttp, repo: string, digest: string, from: string): Promise<boolean> {
  const what = `mounting blob ${digest.slice(0, 19)} from ${from}`;
  const query = new URLSearchParams({ mount: digest, from });
  const res = await http.send('POST', `${path(repo, 'blobs/uploads/')}?${query}`, { what });
  await res.dump();
  if (res.status === 201) return true;
  if (res.status === 202) {
    // The registry could not mount and opened an upload instead: close it, we upload later.
    const location = header(res, 'location');
    if (location) await http.send('DELETE', absolute(http, location), { what }).then((r) => r.dump()).catch(() => {});
    return false;
  }
  if (res.status === 401 || res.status === 403 || res.status === 404) return false;
  await http.expect(res, [201, 202], what);
  return false;
}

export interface BlobToUpload {
  digest: string;
  size: number;
  path?: string;
  data?: Buffer;
  mediaType?: string;
}

export interface UploadOptions {
  chunkSize: number;
  policy: RetryPolicy;
  /** Bytes of this blob the registry holds so far (may go back after a failed chunk). */
  onProgress?: (bytes: number) => void;
}

function absolute(http: RegistryHttp, location: string): string {
  return new URL(location, http.baseUrl).toString();
}

function withDigest(location: string, digest: string): string {
  const url = new URL(location);
  url.searchParams.set('digest', digest);
  return url.toString();
}

function bodyOf(blob: BlobToUpload, start: number, end: number, counter: { sent: number }): Readable {
  const source = blob.path
    ? createReadStream(blob.path, { start, end: end - 1, highWaterMark: 1024 * 1024 })
    : Readable.from([blob.data!.subarray(start, end)]);
  return source.pipe(
    new Transform({
      transform(chunk: Buffer, _enc, callback) {
        counter.sent += chunk.length;
        callback(null, chunk);
      },
    }),
  );
}

async function startUpload(http: RegistryHttp, repo: string, what: string): Promise<string> {
  const res = await http.expect(await http.send('POST', path(repo, 'blobs/uploads/'), { what, headers: { 'content-length': '0' } }), [202], what);
  await res.dump();
  const location = header(res, 'location');
  if (!location) throw new UserError('E_REGISTRY_PROTOCOL', `${http.registry} opened an upload without a Location header`);
  return absolute(http, location);
}

/** Where an open upload stands: the next offset, or undefined when the upload is gone. */
async function uploadOffset(http: RegistryHttp, location: string, what: string): Promise<number | undefined> {
  const res = await http.send('GET', location, { what });
  await res.dump();
  if (res.status !== 204 && res.status !== 202) return undefined;
  const range = header(res, 'range');
  const match = range ? /(\d+)-(\d+)/.exec(range) : null;
  return match ? Number(match[2]) + 1 : 0;
}

/**
 * Uploads BLOB to REPO. Returns the bytes actually sent (retries included), which is what the
 * push reports as uploaded.
 */
export async function uploadBlob(http: RegistryHttp, repo: string, blob: BlobToUpload, options: UploadOptions): Promise<number> {
  const what = `uploading blob ${blob.digest.slice(0, 19)}`;
  const counter = { sent: 0 };
  if (blob.size <= options.chunkSize) {
    await withRetry(options.policy, async () => {
      const location = await startUpload(http, repo, what);
      const res = await http.send('PUT', withDigest(location, blob.digest), {
        what,
        headers: { 'content-type': 'application/octet-stream', 'content-length': String(blob.size) },
        body: () => bodyOf(blob, 0, blob.size, counter),
      });
      await http.expect(res, [201, 204], what);
      await res.dump();
      options.onProgress?.(blob.size);
    });
    return counter.sent;
  }

  let location: string | undefined;
  let offset = 0;
  await withRetry(options.policy, async (attempt) => {
    if (attempt > 1 && location) {
      // Resume: ask the registry how much of the upload it kept.
      const kept = await uploadOffset(http, location, what).catch(() => undefined);
      if (kept === undefined) location = undefined;
      else offset = kept;
      options.onProgress?.(location ? offset : 0);
    }
    if (!location) {
      location = await startUpload(http, repo, what);
      offset = 0;
    }
    while (offset < blob.size) {
      const end = Math.min(blob.size, offset + options.chunkSize);
      const start = offset;
      const res = await http.send('PATCH', location, {
        what,
        headers: {
          'content-type': 'application/octet-stream',
          'content-length': String(end - start),
          'content-range': `${start}-${end - 1}`,
        },
        body: () => bodyOf(blob, start, end, counter),
      });
      await http.expect(res, [202, 204], what);
      await res.dump();
      const next = header(res, 'location');
      if (next) location = absolute(http, next);
      offset = end;
      options.onProgress?.(offset);
    }
    const res = await http.send('PUT', withDigest(location, blob.digest), { what, headers: { 'content-length': '0' } });
    await http.expect(res, [201, 204], what);
    await res.dump();
  });
  return counter.sent;
}
