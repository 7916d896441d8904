// Push figures for BENCHMARKS.md: the example model with a 200 MB weights file (random bytes,
// its own layer with --separate-weights) pushed to a fresh local registry, then the same model
// after a one-line code change (target: under 1% of the first push's bytes). For comparison the
// same two images go through the engine (`docker push`) to a second fresh registry; there the
// bytes are what the registry stored (the engine does not report bytes sent).
// Prints JSON lines {"name","value","unit"}. Needs the Docker engine, docker-registry and the
// base image (EDGECOG_BENCH_BASE_IMAGE, default edgecog-base/python:3.11); skips otherwise.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
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

function timed(cmd, args) {
  const t0 = process.hrtime.bigint();
  execFileSync(cmd, args, { stdio: 'ignore', timeout: LIMIT_MS });
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

const out = (name, value, unit) => console.log(JSON.stringify({ name, value: Number(Number(value).toFixed(unit === 'ratio' ? 6 : 3)), unit }));

const project = mkdtempSync(join(tmpdir(), 'edgecog-bench-push-'));
cpSync(join(root, 'fixtures', 'example'), project, { recursive: true });
writeFileSync(join(project, 'model.bin'), randomBytes(weightsMb * 1024 * 1024));
const env = { EDGECOG_CACHE_DIR: mkdtempSync(join(tmpdir(), 'edgecog-bench-cache-')), DOCKER_CONFIG: mkdtempSync(join(tmpdir(), 'edgecog-bench-dc-')) };
const ours = await startRegistry();
const engine = await startRegistry();
const tags = [];
try {
  const flags = ['--separate-weights', '--base-image', base, '--json'];
  const v1 = edgecog(['push', `${ours.host}/bench/example:v1`, ...flags], project, env);
  tags.push(`${ours.host}/bench/example:v1`);
  out(`push-example-${weightsMb}mb-first-bytes`, v1.json.bytes_uploaded, 'bytes');
  out(`push-example-${weightsMb}mb-first-push-seconds`, v1.pushSeconds, 's');
  out(`push-example-${weightsMb}mb-first-build-and-push-seconds`, v1.seconds, 's');

  appendFileSync(join(project, 'predict.py'), '\n# one-line change\n');
  const v2 = edgecog(['push', `${ours.host}/bench/example:v2`, ...flags], project, env);
  tags.push(`${ours.host}/bench/example:v2`);
  out('push-example-code-change-bytes', v2.json.bytes_uploaded, 'bytes');
  out('push-example-code-change-ratio', v2.json.bytes_uploaded / v1.json.bytes_uploaded, 'ratio');
  out('push-example-code-change-push-seconds', v2.pushSeconds, 's');
  out('push-example-code-change-build-and-push-seconds', v2.seconds, 's');
  out('push-example-code-change-layers-pushed', v2.json.layers.filter((l) => l.status === 'pushed').length, 'layers');

  // The same two images through the engine, to a registry that has nothing yet.
  for (const [name, ref] of [['first', `${ours.host}/bench/example:v1`], ['code-change', `${ours.host}/bench/example:v2`]]) {
    const target = `${engine.host}/bench/example:${name}`;
    execFileSync('docker', ['tag', ref, target]);
    tags.push(target);
    const before = duBytes(engine.storage);
    const seconds = timed('docker', ['push', target]);
    out(`docker-push-example-${name}-seconds`, seconds, 's');
    out(`docker-push-example-${name}-stored-bytes`, duBytes(engine.storage) - before, 'bytes');
  }
} finally {
  ours.stop();
  engine.stop();
  for (const t of tags) spawnSync('docker', ['rmi', t], { stdio: 'ignore' });
  rmSync(project, { recursive: true, force: true });
  rmSync(install, { recursive: true, force: true });
}
