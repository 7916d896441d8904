/**
 * Local services the real-model tests need, found or started on 127.0.0.1 only:
 * - the machine's package index, served by .ci/setup.sh (URLs in the environment or .ci/env);
 * - a throwaway `docker-registry` on a free port with a temporary storage directory;
 * plus small readers of image facts (layers, history) and a PNG codec for 8-bit grayscale.
 * Everything here throws when a service is absent: these tests are required in CI.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync, inflateSync } from 'node:zlib';
import { expect } from 'vitest';
import { findFreePort } from '../../../src/prediction/free-port.js';
import { repoRoot } from '../run-cli-helpers.js';

/** EDGECOG_TEST_* from the environment, else from .ci/env (written by .ci/setup.sh). */
export function ciEnv(name: string): string | undefined {
  const fromEnv = process.env[name];
  if (fromEnv) return fromEnv;
  const file = join(repoRoot, '.ci', 'env');
  if (!existsSync(file)) return undefined;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.startsWith(`${name}=`)) return line.slice(name.length + 1).trim() || undefined;
  }
  return undefined;
}

export interface LocalIndex {
  /** host:port of the HTTP server */
  host: string;
  indexUrl: string;
  extraIndexUrls: string[];
  findLinks: string[];
  /** the build flags that point pip at all of it, as a user with a private index passes them */
  flags: string[];
}

/** The machine's pip settings must not leak into what a build sees: only our flags count. */
export const cleanPipEnv: NodeJS.ProcessEnv = {
  PIP_INDEX_URL: '',
  PIP_EXTRA_INDEX_URL: '',
  PIP_FIND_LINKS: '',
  PIP_TRUSTED_HOST: '',
  COG_CA_CERT: '',
};

export const baseImage = (): string => process.env.EDGECOG_TEST_BASE_IMAGE ?? ciEnv('EDGECOG_TEST_BASE_IMAGE') ?? 'edgecog-base/python:3.11';

/** The local index, checked to answer (a torch build needs the wheel directory too). */
export function localIndex(): LocalIndex {
  const indexUrl = ciEnv('EDGECOG_TEST_INDEX_URL');
  const host = ciEnv('EDGECOG_TEST_INDEX_HOST');
  if (!indexUrl || !host) {
    throw new Error('EDGECOG_TEST_INDEX_URL is not set: run .ci/setup.sh (it serves the local package index and writes .ci/env)');
  }
  const extraIndexUrls = (ciEnv('EDGECOG_TEST_EXTRA_INDEX_URL') ?? '').split(/\s+/).filter(Boolean);
  const findLinks = (ciEnv('EDGECOG_TEST_FIND_LINKS') ?? '').split(/\s+/).filter(Boolean);
  for (const url of [`${indexUrl}/`, ...extraIndexUrls.map((u) => `${u}/`), ...findLinks]) assertAnswers(url);
  const flags = ['--base-image', baseImage(), '--index-url', indexUrl];
  for (const u of extraIndexUrls) flags.push('--extra-index-url', u);
  for (const u of findLinks) flags.push('--find-links', u);
  return { host, indexUrl, extraIndexUrls, findLinks, flags };
}

function assertAnswers(url: string): void {
  try {
    execFileSync('python3', ['-c', `import urllib.request; urllib.request.urlopen(${JSON.stringify(url)}, timeout=5).read(1)`], { stdio: 'pipe' });
  } catch (e) {
    throw new Error(`the local package index does not answer at ${url}: run .ci/setup.sh\n${String((e as { stderr?: unknown }).stderr ?? e)}`);
  }
}

/** The directory .ci/setup.sh serves (for other copies of the same index). */
export const indexRoot = '/var/lib/edgecog-ci/index-root';

export interface IndexServer {
  /** http(s)://127.0.0.1:PORT */
  base: string;
  /** The same paths as the CI index: base + the path of EDGECOG_TEST_INDEX_URL etc. */
  url: (ciUrl: string) => string;
  stop: () => void;
}

/**
 * Another server for the same index root, on a free loopback port, with what .ci/setup.sh's
 * plain http.server lacks: TLS (a certificate of the test's own CA) and/or the Cache-Control a
 * real index sends for files (pip stores a download in its HTTP cache only then, and only for
 * https or a --trusted-host).
 */
export async function startIndexServer(options: { tls?: { cert: string; key: string }; cacheHeaders?: boolean } = {}): Promise<IndexServer> {
  const port = await findFreePort();
  const script = [
    'import functools, http.server, ssl, sys',
    'class Handler(http.server.SimpleHTTPRequestHandler):',
    '    def end_headers(self):',
    '        if sys.argv[3] == "1" and self.path.split("?")[0].endswith((".whl", ".tar.gz", ".zip")):',
    '            self.send_header("Cache-Control", "public, max-age=31536000, immutable")',
    '        super().end_headers()',
    '    def log_message(self, *args):',
    '        pass',
    'httpd = http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[2])), functools.partial(Handler, directory=sys.argv[1]))',
    'if len(sys.argv) > 4:',
    '    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER); ctx.load_cert_chain(sys.argv[4], sys.argv[5])',
    '    httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)',
    'print("ready", flush=True)',
    'httpd.serve_forever()',
  ].join('\n');
  const args = ['-c', script, indexRoot, String(port), options.cacheHeaders ? '1' : '0'];
  if (options.tls) args.push(options.tls.cert, options.tls.key);
  const child = spawn('python3', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`the index server exited (${code}): ${err}`)));
  });
  const base = `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  return {
    base,
    url: (ciUrl) => `${base}${new URL(ciUrl).pathname}`,
    // Our own child, by its PID.
    stop: () => void (child.exitCode === null && child.kill('SIGTERM')),
  };
}

export interface LocalRegistry {
  /** 127.0.0.1:PORT */
  host: string;
  child: ChildProcess;
  stop: () => Promise<void>;
}

/** A `docker-registry` (CNCF distribution) on a free loopback port, storage in a temp dir. */
export async function startRegistry(): Promise<LocalRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'edgecog-registry-'));
  const port = await findFreePort();
  const host = `127.0.0.1:${port}`;
  const config = join(dir, 'config.yml');
  writeFileSync(
    config,
    ['version: 0.1', 'log:', '  level: warn', 'storage:', '  filesystem:', `    rootdirectory: ${join(dir, 'data')}`, '  delete:', '    enabled: true', 'http:', `  addr: ${host}`, ''].join('\n'),
  );
  const child = spawn('docker-registry', ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (c: Buffer) => (log += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const failed = new Promise<never>((_, reject) => child.once('error', (e) => reject(new Error(`docker-registry did not start (apt-get install docker-registry): ${e.message}`))));
  const ready = (async () => {
    for (let i = 0; i < 100; i++) {
      if (child.exitCode !== null) throw new Error(`docker-registry exited: ${log}`);
      try {
        if ((await fetch(`http://${host}/v2/`)).ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`docker-registry did not answer on ${host}: ${log}`);
  })();
  await Promise.race([ready, failed]);
  return {
    host,
    child,
    stop: async () => {
      // Our own child, by its PID.
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface ImageLayer {
  diffId: string;
  createdBy: string;
  /** bytes as docker history reports them (human units parsed) */
  size: number;
}

/**
 * The image's filesystem layers with the instruction that made each. docker history lists
 * metadata-only steps too; a step is a layer when it changes files (RUN, COPY, ADD, WORKDIR
 * under BuildKit) or comes from the base image. The mapping is checked against RootFS.Layers.
 */
export function imageLayers(image: string, base: string): ImageLayer[] {
  const diffIds = rootfs(image);
  const baseCount = rootfs(base).length;
  const history = execFileSync('docker', ['history', '--no-trunc', '--format', '{{json .}}', image], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { CreatedBy: string; Size: string })
    .reverse();
  const baseHistory = execFileSync('docker', ['history', '-q', base], { encoding: 'utf8' }).trim().split('\n').length;
  const own = history.slice(baseHistory).filter((h) => /^(RUN|COPY|ADD|WORKDIR)\b/.test(h.CreatedBy.trim()));
  if (baseCount + own.length !== diffIds.length) {
    throw new Error(`cannot map the history of ${image} to its ${diffIds.length} layers (${baseCount} base + ${own.length} steps)`);
  }
  return diffIds.map((diffId, i) => {
    const h = i < baseCount ? undefined : own[i - baseCount];
    return { diffId, createdBy: h?.CreatedBy ?? '(base image)', size: h ? parseSize(h.Size) : 0 };
  });
}

function rootfs(image: string): string[] {
  return JSON.parse(execFileSync('docker', ['image', 'inspect', image, '--format', '{{json .RootFS.Layers}}'], { encoding: 'utf8' })) as string[];
}

function parseSize(text: string): number {
  const m = /^([\d.]+)\s*([kMG]?B)$/.exec(text.trim());
  if (!m) return 0;
  const unit = { B: 1, kB: 1e3, MB: 1e6, GB: 1e9 }[m[2] as 'B' | 'kB' | 'MB' | 'GB'];
  return Math.round(Number(m[1]) * unit);
}

/** The layer that `pip install`s the requirements. */
export function installLayer(layers: ImageLayer[]): ImageLayer {
  const found = layers.filter((l) => /pip\b.*\binstall\b/.test(l.createdBy) && /requirements/.test(l.createdBy));
  if (found.length !== 1) throw new Error(`expected one pip install layer, found ${found.length}:\n${layers.map((l) => l.createdBy.slice(0, 120)).join('\n')}`);
  return found[0]!;
}

/**
 * After a code-only change: every layer up to and including the pip install is the same, the
 * code layer differs, and nothing else but COPY layers does (the runtime COPY differs only when
 * templates/runtime changed between the two builds, as it can while the runtime is edited).
 */
export function expectOnlyCodeRebuilt(before: ImageLayer[], after: ImageLayer[]): void {
  expect(after.length).toBe(before.length);
  const install = after.indexOf(installLayer(after));
  expect(after.slice(0, install + 1).map((l) => l.diffId)).toEqual(before.slice(0, install + 1).map((l) => l.diffId));
  const differing = after.filter((l, i) => l.diffId !== before[i]!.diffId).map((l) => l.createdBy);
  expect(differing).toContainEqual(expect.stringMatching(/^COPY \S*code\b/));
  for (const step of differing) expect(step).toMatch(/^COPY /);
}

/** An 8-bit grayscale PNG (filter 0 on every row). */
export function encodeGrayPng(width: number, height: number, pixel: (x: number, y: number) => number): Buffer {
  const raw = Buffer.alloc((width + 1) * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) raw[y * (width + 1) + 1 + x] = pixel(x, y) & 0xff;
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // grayscale
  return Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), pngChunk('IHDR', ihdr), pngChunk('IDAT', deflateSync(raw)), pngChunk('IEND', Buffer.alloc(0))]);
}

function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

function crc32(buf: Buffer): number {
  let c = ~0;
  for (const byte of buf) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
}

/** Decodes an 8-bit grayscale, non-interlaced PNG (what pillow writes for mode "L"). */
export function decodeGrayPng(png: Buffer): { width: number; height: number; pixels: Uint8Array } {
  if (!png.subarray(0, 8).equals(Buffer.from('89504e470d0a1a0a', 'hex'))) throw new Error('not a PNG');
  let pos = 8;
  let width = 0;
  let height = 0;
  const idat: Buffer[] = [];
  while (pos < png.length) {
    const len = png.readUInt32BE(pos);
    const type = png.toString('latin1', pos + 4, pos + 8);
    const data = png.subarray(pos + 8, pos + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      if (data[8] !== 8 || data[9] !== 0 || data[12] !== 0) throw new Error(`not 8-bit grayscale non-interlaced (depth ${data[8]}, colour type ${data[9]})`);
    } else if (type === 'IDAT') idat.push(data);
    pos += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const pixels = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (width + 1)]!;
    for (let x = 0; x < width; x++) {
      const v = raw[y * (width + 1) + 1 + x]!;
      const a = x > 0 ? pixels[y * width + x - 1]! : 0;
      const b = y > 0 ? pixels[(y - 1) * width + x]! : 0;
      const c = x > 0 && y > 0 ? pixels[(y - 1) * width + x - 1]! : 0;
      let pred = 0;
      if (filter === 1) pred = a;
      else if (filter === 2) pred = b;
      else if (filter === 3) pred = (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      pixels[y * width + x] = (v + pred) & 0xff;
    }
  }
  return { width, height, pixels };
}

/** Polls /health-check until its body says READY (HTTP 200 alone means nothing). */
export async function waitReady(port: number): Promise<void> {
  for (let i = 0; i < 1200; i++) {
    try {
      const health = (await (await fetch(`http://127.0.0.1:${port}/health-check`)).json()) as { status: string };
      if (health.status === 'READY') return;
      if (health.status === 'SETUP_FAILED') throw new Error('setup failed');
    } catch (e) {
      if (e instanceof Error && e.message === 'setup failed') throw e;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the model on port ${port} never became READY`);
}

/** The manifest as the registry serves it: its digest header and its layer digests. */
export async function fetchManifest(host: string, name: string, tag: string): Promise<{ digest: string; layers: string[] }> {
  const res = await fetch(`http://${host}/v2/${name}/manifests/${tag}`, {
    headers: {
      accept: ['application/vnd.oci.image.manifest.v1+json', 'application/vnd.docker.distribution.manifest.v2+json'].join(', '),
    },
  });
  if (!res.ok) throw new Error(`GET manifest ${name}:${tag}: ${res.status}`);
  const body = (await res.json()) as { layers: Array<{ digest: string }> };
  return { digest: res.headers.get('docker-content-digest') ?? '', layers: body.layers.map((l) => l.digest) };
}
