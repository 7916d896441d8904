/**
 * A minimal, deterministic tar writer (ustar + PAX for long names): every entry has uid/gid 0,
 * a fixed mtime and only the executable bit kept from the mode, so the same project always
 * gives the same bytes and the build cache keys stay stable across machines and checkouts.
 */
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';

/** 2000-01-01T00:00:00Z: a fixed mtime (0 makes some tools warn about "implausibly old" files). */
export const FIXED_MTIME = 946_684_800;

export type TarEntry =
  | { type: 'dir'; path: string }
  | { type: 'file'; path: string; executable?: boolean; data: Buffer }
  | { type: 'file'; path: string; executable?: boolean; source: string; size: number }
  | { type: 'symlink'; path: string; target: string };

const BLOCK = 512;

function octal(value: number, width: number): string {
  // width includes the trailing NUL
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

function writeString(buf: Buffer, offset: number, width: number, text: string): void {
  buf.write(text, offset, Math.min(width, Buffer.byteLength(text)), 'utf8');
}

function header(fields: { name: string; prefix?: string; mode: number; size: number; typeflag: string; linkname?: string }): Buffer {
  const buf = Buffer.alloc(BLOCK, 0);
  writeString(buf, 0, 100, fields.name);
  writeString(buf, 100, 8, octal(fields.mode, 8));
  writeString(buf, 108, 8, octal(0, 8));
  writeString(buf, 116, 8, octal(0, 8));
  writeString(buf, 124, 12, octal(fields.size, 12));
  writeString(buf, 136, 12, octal(FIXED_MTIME, 12));
  buf.fill(' ', 148, 156);
  writeString(buf, 156, 1, fields.typeflag);
  writeString(buf, 157, 100, fields.linkname ?? '');
  writeString(buf, 257, 6, 'ustar\0');
  writeString(buf, 263, 2, '00');
  writeString(buf, 265, 32, 'root');
  writeString(buf, 297, 32, 'root');
  writeString(buf, 345, 155, fields.prefix ?? '');
  let sum = 0;
  for (const byte of buf) sum += byte;
  writeString(buf, 148, 8, sum.toString(8).padStart(6, '0') + '\0 ');
  return buf;
}

function padding(size: number): Buffer {
  const rest = size % BLOCK;
  return rest === 0 ? Buffer.alloc(0) : Buffer.alloc(BLOCK - rest, 0);
}

/** A PAX record "LEN key=value\n", where LEN counts itself. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  const n = Buffer.byteLength(body);
  let total = n + 1;
  while (String(total).length + n !== total) total = String(total).length + n;
  return `${total}${body}`;
}

/** Splits a path into ustar name/prefix when it fits; undefined when a PAX header is needed. */
function ustarName(path: string): { name: string; prefix: string } | undefined {
  if (Buffer.byteLength(path) <= 100) return { name: path, prefix: '' };
  for (let i = path.indexOf('/'); i >= 0; i = path.indexOf('/', i + 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100 && name) return { name, prefix };
  }
  return undefined;
}

function entryHeaders(path: string, mode: number, size: number, typeflag: string, linkname?: string): Buffer[] {
  const out: Buffer[] = [];
  let names = ustarName(path);
  const records: string[] = [];
  if (!names) {
    records.push(paxRecord('path', path));
    names = { name: path.slice(-99).replace(/^[^/]*\//, ''), prefix: '' };
  }
  if (linkname !== undefined && Buffer.byteLength(linkname) > 100) records.push(paxRecord('linkpath', linkname));
  if (records.length > 0) {
    const body = Buffer.from(records.join(''), 'utf8');
    out.push(header({ name: 'PaxHeader', mode: 0o644, size: body.length, typeflag: 'x' }), body, padding(body.length));
  }
  out.push(header({ name: names.name, prefix: names.prefix, mode, size, typeflag, linkname: linkname?.slice(0, 100) }));
  return out;
}

async function* tarChunks(entries: readonly TarEntry[]): AsyncGenerator<Buffer> {
  for (const entry of entries) {
    if (entry.type === 'dir') {
      yield* entryHeaders(entry.path.endsWith('/') ? entry.path : `${entry.path}/`, 0o755, 0, '5');
    } else if (entry.type === 'symlink') {
      yield* entryHeaders(entry.path, 0o777, 0, '2', entry.target);
    } else {
      const mode = entry.executable ? 0o755 : 0o644;
      if ('data' in entry) {
        yield* entryHeaders(entry.path, mode, entry.data.length, '0');
        yield entry.data;
        yield padding(entry.data.length);
      } else {
        yield* entryHeaders(entry.path, mode, entry.size, '0');
        let written = 0;
        for await (const chunk of createReadStream(entry.source)) {
          const buf = chunk as Buffer;
          // A file that grew while we read it: the header already promised `size` bytes.
          const take = Math.min(buf.length, entry.size - written);
          if (take > 0) yield take === buf.length ? buf : buf.subarray(0, take);
          written += take;
        }
        if (written < entry.size) throw new Error(`${entry.source} shrank while it was being sent to the build (${written} of ${entry.size} bytes)`);
        yield padding(entry.size);
      }
    }
  }
  yield Buffer.alloc(BLOCK * 2, 0);
}

/** The entries as a tar stream, in the order given (callers sort them). */
export function createTarStream(entries: readonly TarEntry[]): Readable {
  return Readable.from(tarChunks(entries), { objectMode: false });
}

/** The whole archive in memory (small contexts, tests). */
export async function tarToBuffer(entries: readonly TarEntry[]): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of tarChunks(entries)) parts.push(chunk);
  return Buffer.concat(parts);
}
