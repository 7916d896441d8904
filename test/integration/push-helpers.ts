/**
 * Helpers for the registry tests: a real `docker-registry` (CNCF distribution) on a free
 * 127.0.0.1 port with its own storage (optionally htpasswd basic auth), a throttling TCP proxy
 * to make "the registry died mid-push" deterministic, and a model project with a weights file.
 * A missing docker-registry binary or engine fails the tests (never skips).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './run-cli-helpers.js';
import { writeFakeCredentialHelper } from '../support/fake-credential-helper.js';

export const BASE_IMAGE = process.env.EDGECOG_TEST_BASE_IMAGE ?? 'edgecog-base/python:3.11';

export function docker(args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createNetServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export interface TestRegistry {
  host: string;
  port: number;
  storage: string;
  process: ChildProcess;
  stop(): Promise<void>;
  /** Starts it again on the same port and storage (after stop). */
  restart(): Promise<void>;
}

export async function startRegistry(options: { htpasswd?: { user: string; password: string }; port?: number } = {}): Promise<TestRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'edgecog-registry-'));
  const storage = join(dir, 'data');
  const port = options.port ?? (await freePort());
  let auth = '';
  if (options.htpasswd) {
    const line = execFileSync('htpasswd', ['-Bbn', options.htpasswd.user, options.htpasswd.password], { encoding: 'utf8' });
    writeFileSync(join(dir, 'htpasswd'), line);
    auth = `auth:\n  htpasswd:\n    realm: edgecog-test\n    path: ${join(dir, 'htpasswd')}\n`;
  }
  const config = join(dir, 'config.yml');
  // A fixed http.secret keeps upload state valid across a restart (resume tests).
  writeFileSync(
    config,
    `version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: ${storage}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:${port}\n  secret: edgecog-test-secret\n${auth}`,
  );
  const registry: TestRegistry = {
    host: `127.0.0.1:${port}`,
    port,
    storage,
    process: undefined as unknown as ChildProcess,
    stop: async () => {
      const child = registry.process;
      if (child.exitCode !== null || child.signalCode !== null) return;
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      });
    },
    restart: async () => {
      registry.process = await launch(config, port);
    },
  };
  registry.process = await launch(config, port);
  return registry;
}

async function launch(config: string, port: number): Promise<ChildProcess> {
  const child = spawn('docker-registry', ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const spawnError = new Promise<never>((_, reject) => child.once('error', (err) => reject(new Error(`cannot start docker-registry (install the Debian package docker-registry): ${err.message}`))));
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited: ${stderr}`);
    const ok = await Promise.race([
      spawnError,
      fetch(`http://127.0.0.1:${port}/v2/`).then((r) => r.status === 200 || r.status === 401, () => false),
    ]);
    if (ok) return child;
    if (Date.now() > deadline) throw new Error(`docker-registry did not answer on ${port}: ${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * A TCP proxy in front of a registry that forwards uploads at `bytesPerSecond`, so a push is
 * still sending when the test stops the registry behind it.
 */
export async function throttlingProxy(targetPort: number, bytesPerSecond: number): Promise<{ host: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createNetServer((client) => {
    sockets.add(client);
    const upstream = connect(targetPort, '127.0.0.1');
    sockets.add(upstream);
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    upstream.on('error', end);
    client.on('error', end);
    upstream.on('close', end);
    client.on('close', end);
    upstream.pipe(client);
    const perTick = Math.max(1, Math.floor(bytesPerSecond / 20));
    client.on('data', (chunk: Buffer) => {
      client.pause();
      let offset = 0;
      const send = (): void => {
        if (upstream.destroyed) return end();
        upstream.write(chunk.subarray(offset, offset + perTick));
        offset += perTick;
        if (offset < chunk.length) setTimeout(send, 50);
        else client.resume();
      };
      send();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const a = server.address();
  return {
    host: `127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** The example model plus a weights file of `weightsBytes` random bytes (model.bin). */
export function exampleProjectWithWeights(weightsBytes: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'edgecog-push-model-'));
  cpSync(join(repoRoot, 'fixtures', 'example'), dir, { recursive: true });
  writeFileSync(join(dir, 'model.bin'), randomBytes(weightsBytes));
  return dir;
}

export function changeOneLineOfCode(dir: string): void {
  appendFileSync(join(dir, 'predict.py'), `\n# changed at ${Date.now()}\n`);
}

/** A docker-credential-NAME on PATH that keeps credentials in a JSON file next to it. */
export function fakeCredentialHelper(name: string): { binDir: string; store: string } {
  return writeFakeCredentialHelper(name);
}

export interface PushJson {
  image: string;
  digest: string;
  reference: string;
  bytes_uploaded: number;
  layers: Array<{ digest: string; size: number; status: 'pushed' | 'mounted' | 'existing' }>;
}
