// Push figures for BENCHMARKS.md: the example model with a 200 MB weights file (random bytes,
// its own layer with --separate-weights) pushed to a fresh local registry, then the same model
// after a one-line code change (target: under 1% of the first push's bytes). Once with the
// default client (the engine's push) and once with our OCI client (EDGECOG_PUSH_CLIENT=oci);
// *-stored-bytes is what the registry's storage grew by.
// Prints JSON lines {"name","value","unit"}. Needs the Docker engine, docker-registry and the
// base image (EDGECOG_BENCH_BASE_IMAGE, default edgecog-base/python:3.11); skips otherwise.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, cpSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
// A frozen copy of the CLI and its runtime: both pushes must build with the same edgecog, even
// when the working tree changes while the bench runs (a new runtime is a new layer).
const install = mkdtempSync(join(tmpdir(), 'edgecog-bench-install-'));
for (const part of ['bin', 'dist', 'templates', 'package.json']) cpSync(join(root, part), join(install, part), { recursive: true });
symlinkSync(join(root, 'node_modules'), join(install, 'node_modules'));
const bin = join(install, 'bin', 'edgecog.js');
const base = process.env.EDGECOG_BENCH_BASE_IMAGE ?? 'edgecog-base/python:3.11';
const weightsMb = Number(process.env.BENCH_WEIGHTS_MB ?? 200);
const LIMIT_MS = 10 * 60 * 1000;

function skip(why) {
  console.log(JSON.stringify({ name: 'push-example', skipped: why }));
  process.exit(0);
}
const ok = (cmd, args) => spawnSync(cmd, args, { stdio: 'ignore', timeout: 30_000 }).status === 0;
if (!ok('docker', ['info'])) skip('no Docker engine');
if (!ok('docker', ['image', 'inspect', base])) skip(`no base image ${base}`);
if (!ok('sh', ['-c', 'command -v docker-registry'])) skip('no docker-registry binary');

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

async function startRegistry() {
  const dir = mkdtempSync(join(tmpdir(), 'edgecog-bench-registry-'));
  const port = await freePort();
  writeFileSync(join(dir, 'config.yml'), `version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: ${dir}/data\nhttp:\n  addr: 127.0.0.1:${port}\n`);
  const child = spawn('docker-registry', ['serve', join(dir, 'config.yml')], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    if (await fetch(`http://127.0.0.1:${port}/v2/`).then((r) => r.ok, () => false)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return { host: `127.0.0.1:${port}`, dir, storage: join(dir, 'data'), stop: () => child.kill('SIGKILL') };
}

function duBytes(dir) {
  let total = 0;
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) total += statSync(p).size;
    }
  };
  try {
    walk(dir);
  } catch {
    // empty storage
  }
  return total;
}

function edgecog(args, cwd, env) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, env: { ...process.env, ...env, CI: '1', NO_COLOR: '1' }, encoding: 'utf8', timeout: LIMIT_MS, maxBuffer: 64 << 20 });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`edgecog ${args.join(' ')} exited ${r.status}:\n${r.stderr}`);
  const pushSeconds = Number(/Pushed .* in ([\d.]+)s/.exec(r.stderr)?.[1] ?? NaN);
  return { json: JSON.parse(r.stdout), seconds, pushSeconds };
}

const out = (name, value, unit) => console.log(JSON.stringify({ name, value: Number(Number(value).toFixed(unit === 'ratio' ? 6 : 3)), unit }));

function freshProject() {
  const dir = mkdtempSync(join(tmpdir(), 'edgecog-bench-push-'));
  cpSync(join(root, 'fixtures', 'example'), dir, { recursive: true });
  writeFileSync(join(dir, 'model.bin'), weights);
  return dir;
}

const weights = randomBytes(weightsMb * 1024 * 1024);
const registries = [];
const tags = [];
const projects = [];
try {
  // The default client (the engine) and our own OCI client, each to a registry that has nothing.
  for (const client of ['engine', 'oci']) {
    const prefix = client === 'engine' ? 'push-example' : 'push-example-oci';
    const registry = await startRegistry();
    registries.push(registry);
    const project = freshProject();
    projects.push(project);
    const env = {
      EDGECOG_PUSH_CLIENT: client,
      EDGECOG_CACHE_DIR: mkdtempSync(join(tmpdir(), 'edgecog-bench-cache-')),
      DOCKER_CONFIG: mkdtempSync(join(tmpdir(), 'edgecog-bench-dc-')),
    };
    const flags = ['--separate-weights', '--base-image', base, '--json'];
    const v1 = edgecog(['push', `${registry.host}/bench/example:v1`, ...flags], project, env);
    tags.push(`${registry.host}/bench/example:v1`);
    out(`${prefix}-${weightsMb}mb-first-bytes`, v1.json.bytes_uploaded, 'bytes');
    out(`${prefix}-${weightsMb}mb-first-stored-bytes`, duBytes(registry.storage), 'bytes');
    out(`${prefix}-${weightsMb}mb-first-push-seconds`, v1.pushSeconds, 's');
    out(`${prefix}-${weightsMb}mb-first-build-and-push-seconds`, v1.seconds, 's');

    appendFileSync(join(project, 'predict.py'), '\n# one-line change\n');
    const before = duBytes(registry.storage);
    const v2 = edgecog(['push', `${registry.host}/bench/example:v2`, ...flags], project, env);
    tags.push(`${registry.host}/bench/example:v2`);
    out(`${prefix}-code-change-bytes`, v2.json.bytes_uploaded, 'bytes');
    out(`${prefix}-code-change-stored-bytes`, duBytes(registry.storage) - before, 'bytes');
    out(`${prefix}-code-change-ratio`, v2.json.bytes_uploaded / v1.json.bytes_uploaded, 'ratio');
    out(`${prefix}-code-change-push-seconds`, v2.pushSeconds, 's');
    out(`${prefix}-code-change-build-and-push-seconds`, v2.seconds, 's');
    out(`${prefix}-code-change-layers-pushed`, v2.json.layers.filter((l) => l.status === 'pushed').length, 'layers');
  }
} finally {
  for (const r of registries) r.stop();
  for (const t of tags) spawnSync('docker', ['rmi', t], { stdio: 'ignore' });
  for (const p of projects) rmSync(p, { recursive: true, force: true });
  rmSync(install, { recursive: true, force: true });
}
