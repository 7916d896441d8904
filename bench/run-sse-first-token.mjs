// Yield-to-client latency of streamed items (issue 8): each item the fixture yields is the
// wall-clock time of its `yield`, so a reader on the same machine subtracts. Three paths:
//   sse-server:   a fetch() client reading the runtime's SSE stream directly;
//   sse-run:      `edgecog run --no-docker` printing items (SSE since @cog.streaming);
//   webhook-run:  the same without @streaming (406 → webhooks, throttled by the server).
// JSON lines {"name","value","unit"}. Run after `npm run build`.
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'bin', 'edgecog.js');
const runs = Number(process.env.BENCH_RUNS ?? 5);
const count = 5;
const now = () => (performance.timeOrigin + performance.now()) / 1000;

const dir = mkdtempSync(join(tmpdir(), 'edgecog-first-token-'));
cpSync(join(root, 'fixtures', 'models', 'playground-first-token'), dir, { recursive: true });

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Latencies (ms) of the items `edgecog run` prints, in order. */
function runOnce(env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, 'run', '--no-docker', '-i', `count=${count}`, ...Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`])], {
      cwd: dir,
      env: { ...process.env, ...env, CI: '1', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const latencies = [];
    let buffer = '';
    let err = '';
    child.stdout.on('data', (chunk) => {
      const at = now();
      buffer += chunk.toString();
      let nl;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl).trim();
        buffer = buffer.slice(nl + 1);
        if (/^\d+\.\d+$/.test(line)) latencies.push((at - Number(line)) * 1000);
      }
    });
    child.stderr.on('data', (c) => (err += c.toString()));
    child.on('close', (code) => (code === 0 && latencies.length === count ? resolve(latencies) : reject(new Error(`edgecog run exited ${code}: ${err}`))));
  });
}

function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Latencies (ms) over the runtime's SSE stream, read by fetch() in this process. */
async function serverRuns() {
  const port = await freePort();
  const server = spawn('python3', ['-m', 'cog.server.http', '--host', '127.0.0.1'], {
    cwd: dir,
    env: { ...process.env, PORT: String(port), PYTHONPATH: join(root, 'templates', 'runtime') },
    stdio: 'ignore',
  });
  try {
    for (let i = 0; ; i++) {
      try {
        const h = await (await fetch(`http://127.0.0.1:${port}/health-check`)).json();
        if (h.status === 'READY') break;
      } catch {
        // not listening yet
      }
      if (i > 300) throw new Error('the runtime did not get READY');
      await new Promise((r) => setTimeout(r, 50));
    }
    const first = [];
    const all = [];
    for (let r = 0; r < runs * 2; r++) {
      const res = await fetch(`http://127.0.0.1:${port}/predictions/ft${r}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
        body: JSON.stringify({ id: `ft${r}`, input: { count } }),
      });
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      const lat = [];
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        const at = now();
        buffer += value;
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = /^data: (.*)$/m.exec(block);
          if (/^event: output$/m.test(block) && data) lat.push((at - Number(JSON.parse(data[1]).chunk)) * 1000);
        }
      }
      first.push(lat[0]);
      all.push(...lat);
    }
    return { first, all };
  } finally {
    server.kill('SIGKILL');
  }
}

const server = await serverRuns();
console.log(JSON.stringify({ name: 'first-token-sse-server-median', value: Number(median(server.first).toFixed(2)), unit: 'ms', runs: server.first.length }));
console.log(JSON.stringify({ name: 'token-sse-server-median', value: Number(median(server.all).toFixed(2)), unit: 'ms', tokens: server.all.length }));

for (const [name, env] of [['sse-run', {}], ['webhook-run', { NO_SSE: '1' }]]) {
  const first = [];
  const all = [];
  for (let r = 0; r < runs; r++) {
    const lat = await runOnce(env);
    first.push(lat[0]);
    all.push(...lat);
  }
  console.log(JSON.stringify({ name: `first-token-${name}-median`, value: Number(median(first).toFixed(2)), unit: 'ms', runs }));
  console.log(JSON.stringify({ name: `token-${name}-median`, value: Number(median(all).toFixed(2)), unit: 'ms', tokens: all.length }));
}
