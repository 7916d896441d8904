/**
 * Reads the tar stream of `docker save` into what a registry push needs: the config bytes and
 * each layer's uncompressed tar with its diffID. Both layouts are understood: the legacy one
 * (`<id>/layer.tar`, possibly symlinked, Docker ≤ 24) and the OCI one (`blobs/sha256/<hex>`,
 * Docker ≥ 25); both carry a `manifest.json` that lists Config and Layers in order.
 * Layers are spooled to disk while hashed; layers the caller already knows to be in the registry
 * are deleted as soon as they are identified, so only what must be uploaded stays on disk.
 */
import { createHash } from 'node:crypto';
import { closeSync, createReadStream, createWriteStream, openSync, readFileSync, readSync, rmSync, type WriteStream } from 'node:fs';
import { posix } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip, gzipSync } from 'node:zlib';
import { Parser, type ReadEntry } from 'tar';

export interface LayerSource {
  diffId: string;
  /** Uncompressed size. */
  size: number;
  /** A spooled file (large layers) or the bytes (small ones); absent when the caller said skip. */
  path?: string;
  data?: Buffer;
}

export interface ImageArchive {
  config: Buffer;
  configDigest: string;
  /** Bottom to top, as the image's rootfs lists them. */
  layers: LayerSource[];
  /** Wanted digests whose bytes were not kept (see skipSizes). */
  missed: Set<string>;
}

interface Entry {
  digest: string;
  size: number;
  path?: string;
  data?: Buffer;
  link?: string;
}

const IN_MEMORY_MAX = 1024 * 1024;

export interface ReadArchiveOptions {
  /** Where large entries are spooled (the caller creates and removes it). */
  spoolDir: string;
  /** Layers for which this returns false are not kept (their diffID is still computed). */
  keep?: (diffId: string) => boolean;
  /** Bytes of the archive read so far (exporting progress). */
  onBytes?: (total: number) => void;
  /** Called as soon as an entry the caller keeps is complete, so work can start during the export. */
  onEntryReady?: (entry: LayerSource) => void;
  /**
   * Stop reading (and close the engine's stream) once every one of these digests has been read:
   * what a push needs is usually the top layers and the config, not the whole image. Needs
   * `order` and `configDigest`, since manifest.json (at the end) is then never seen.
   */
  want?: ReadonlySet<string>;
  order?: readonly string[];
  configDigest?: string;
  /**
   * Entry sizes of layers the caller believes it does not need: those are hashed without being
   * written anywhere. A wanted layer among them is reported in `missed` (export again).
   */
  skipSizes?: ReadonlySet<number>;
}

export async function readImageArchive(stream: Readable, options: ReadArchiveOptions): Promise<ImageArchive> {
  const entries = new Map<string, Entry>();
  let spooled = 0;
  let readTotal = 0;
  const pending: Array<Promise<void>> = [];
  const wantedDone: Array<Promise<void>> = [];
  const found = new Set<string>();
  const missed = new Set<string>();
  let stopped = false;
  const parser = new Parser({
    onReadEntry: (entry: ReadEntry) => {
      const name = posix.normalize(entry.path.replace(/^\.\//, ''));
      if (entry.type === 'SymbolicLink' || entry.type === 'Link') {
        const target = entry.type === 'SymbolicLink' ? posix.normalize(posix.join(posix.dirname(name), entry.linkpath ?? '')) : posix.normalize(entry.linkpath ?? '');
        entries.set(name, { digest: '', size: 0, link: target });
        entry.resume();
        return;
      }
      if (entry.type !== 'File' && entry.type !== 'OldFile' && entry.type !== 'ContiguousFile') {
        entry.resume();
        return;
      }
      const hash = createHash('sha256');
      const size = entry.size ?? 0;
      let file: WriteStream | undefined;
      let filePath: string | undefined;
      const chunks: Buffer[] = [];
      const hashOnly = size > IN_MEMORY_MAX && options.skipSizes?.has(size) === true;
      if (size > IN_MEMORY_MAX && !hashOnly) {
        filePath = posix.join(options.spoolDir, `entry-${spooled++}.tar`);
        file = createWriteStream(filePath);
      }
      const done = new Promise<void>((resolve, reject) => {
        entry.on('data', (chunk: Buffer) => {
          hash.update(chunk);
          readTotal += chunk.length;
          options.onBytes?.(readTotal);
          if (file) {
            if (!file.write(chunk)) {
              entry.pause();
              file.once('drain', () => entry.resume());
            }
          } else if (!hashOnly) chunks.push(chunk);
        });
        entry.on('error', reject);
        entry.on('end', () => {
          const digest = `sha256:${hash.digest('hex')}`;
          const record: Entry = { digest, size };
          const kept = !options.keep || options.keep(digest);
          if (hashOnly) {
            if (kept) missed.add(digest);
            resolve();
          } else if (file) {
            record.path = filePath;
            file.end(() => {
              if (kept) options.onEntryReady?.({ diffId: digest, size, path: filePath });
              resolve();
            });
            file.on('error', reject);
          } else {
            record.data = Buffer.concat(chunks);
            if (kept) options.onEntryReady?.({ diffId: digest, size, data: record.data });
            resolve();
          }
          entries.set(name, record);
          if (record.path && options.keep && !options.keep(digest)) {
            // Known to be in the registry: drop it now rather than holding it on disk. (Small
            // entries stay in memory: the config and manifests are among them.)
            const spooledPath = record.path;
            void done.then(() => rmSync(spooledPath, { force: true }));
            delete record.path;
          }
        });
      });
      done.catch(() => {});
      pending.push(done);
      entry.on('end', () => {
        const digest = entries.get(name)?.digest;
        if (!options.want || digest === undefined || !options.want.has(digest) || stopped) return;
        found.add(digest);
        wantedDone.push(done);
        if ([...options.want].every((d) => found.has(d))) {
          // Everything needed is here: stop the export instead of reading the rest of the image.
          stopped = true;
          stream.destroy();
        }
      });
    },
  });
  try {
    await pipeline(stream, parser);
    await Promise.all(pending);
  } catch (err) {
    if (!stopped) throw err;
  }
  if (stopped) {
    await Promise.all(wantedDone);
    return earlyResult(entries, options, missed);
  }

  const resolve = (name: string, depth = 0): Entry | undefined => {
    const e = entries.get(posix.normalize(name));
    if (e?.link !== undefined && depth < 8) return resolve(e.link, depth + 1);
    return e;
  };
  const manifestEntry = entries.get('manifest.json');
  if (!manifestEntry?.data) throw new Error('the image archive from the engine has no manifest.json');
  const manifest = JSON.parse(manifestEntry.data.toString('utf8')) as Array<{ Config: string; Layers: string[] }>;
  const first = manifest[0];
  if (!first) throw new Error('the image archive manifest.json is empty');
  const configEntry = resolve(first.Config);
  if (!configEntry) throw new Error(`the image archive has no ${first.Config}`);
  const config = configEntry.data ?? readFileSync(configEntry.path!);
  const layers = first.Layers.map((path): LayerSource => {
    const e = resolve(path);
    if (!e) throw new Error(`the image archive has no ${path}`);
    return { diffId: e.digest, size: e.size, path: e.path, data: e.data };
  });
  const diffIds = (JSON.parse(config.toString('utf8')) as { rootfs?: { diff_ids?: string[] } }).rootfs?.diff_ids ?? [];
  layers.forEach((layer, i) => {
    if (diffIds[i] !== undefined && diffIds[i] !== layer.diffId) {
      throw new Error(`layer ${i} of the exported image hashes to ${layer.diffId}, but its config says ${diffIds[i]}`);
    }
  });
  return { config, configDigest: configEntry.digest, layers, missed };
}

/** The archive as far as it was read: the wanted entries, in the caller's layer order. */
function earlyResult(entries: Map<string, Entry>, options: ReadArchiveOptions, missed: Set<string>): ImageArchive {
  const byDigest = new Map<string, Entry>();
  for (const e of entries.values()) if (e.link === undefined && (e.path || e.data)) byDigest.set(e.digest, e);
  const configDigest = options.configDigest ?? '';
  const configEntry = byDigest.get(configDigest);
  if (!configEntry) throw new Error(`the image archive has no config ${configDigest}`);
  const config = configEntry.data ?? readFileSync(configEntry.path!);
  const layers = (options.order ?? []).map((diffId): LayerSource => {
    const e = byDigest.get(diffId);
    return { diffId, size: e?.size ?? 0, path: e?.path, data: e?.data };
  });
  return { config, configDigest, layers, missed };
}

export interface CompressedLayer {
  digest: string;
  size: number;
  path: string;
}

/** gzip a layer to `outPath`, hashing the compressed bytes (the blob digest the registry sees). */
export async function compressLayer(layer: LayerSource, outPath: string, level: number): Promise<CompressedLayer> {
  const hash = createHash('sha256');
  let size = 0;
  const gzip = createGzip({ level, chunkSize: 256 * 1024 });
  const count = new Transform({
    transform(chunk: Buffer, _enc, callback) {
      hash.update(chunk);
      size += chunk.length;
      callback(null, chunk);
    },
  });
  const out = createWriteStream(outPath);
  const source = layer.path ? createReadStream(layer.path, { highWaterMark: 1024 * 1024 }) : layer.data ? [layer.data] : undefined;
  if (!source) throw new Error(`layer ${layer.diffId} was not kept from the export`);
  await pipeline(source as Readable, gzip, count, out);
  return { digest: `sha256:${hash.digest('hex')}`, size, path: outPath };
}

const SAMPLE_BYTES = 4 * 1024 * 1024;

/**
 * Compressed/original size of the layer's first 4 MB at gzip level 1: close to 1 for weights
 * in float formats, archives and media, where gzip costs seconds per 100 MB and saves nothing.
 */
export function sampleCompressibility(layer: LayerSource): number {
  let sample: Buffer;
  if (layer.data) sample = layer.data.subarray(0, SAMPLE_BYTES);
  else if (layer.path) {
    const fd = openSync(layer.path, 'r');
    try {
      const buf = Buffer.alloc(Math.min(SAMPLE_BYTES, layer.size));
      const n = readSync(fd, buf, 0, buf.length, 0);
      sample = buf.subarray(0, n);
    } finally {
      closeSync(fd);
    }
  } else return 1;
  if (sample.length === 0) return 1;
  return gzipSync(sample, { level: 1 }).length / sample.length;
}
