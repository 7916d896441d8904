// Wall time of `edgecog doctor` on fixtures/example (median of BENCH_RUNS, default 9), with
// the Docker probe and without it (COG_SKIP_DOCKER_CHECK=1), and of the static schema step
// alone on the same predictor (what `build` runs before any Docker work).
// Prints JSON lines {"name","value","unit"}. Run after `npm run build`.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'bin', 'edgecog.js');
const runs = Number(process.env.BENCH_RUNS ?? 9);
const dir = mkdtempSync(join(tmpdir(), 'edgecog-bench-doctor-'));
cpSync(join(root, 'fixtures', 'example'), dir, { recursive: true });

function median(label, command, args, env = {}) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(command, args, { cwd: dir, env: { ...process.env, CI: '1', ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    const t1 = process.hrtime.bigint();
    if (r.status !== 0) throw new Error(`${label} exited ${r.status}: ${r.stderr}`);
    times.push(Number(t1 - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  return Number(times[Math.floor(times.length / 2)].toFixed(1));
}

const dockerOk = spawnSync('docker', ['info'], { stdio: 'ignore', timeout: 10_000 }).status === 0;
if (dockerOk) {
  console.log(JSON.stringify({ name: 'doctor-example', value: median('doctor', process.execPath, [bin, 'doctor']), unit: 'ms' }));
} else {
  console.log(JSON.stringify({ name: 'doctor-example', skipped: 'no Docker engine (doctor would exit 1)' }));
}
console.log(
  JSON.stringify({ name: 'doctor-example-skip-docker-check', value: median('doctor', process.execPath, [bin, 'doctor'], { COG_SKIP_DOCKER_CHECK: '1' }), unit: 'ms' }),
);
const tool = join(root, 'templates', 'tools', 'static_schema.py');
console.log(
  JSON.stringify({
    name: 'static-schema-example',
    value: median('static schema', 'python3', [tool, '--project', dir, '--ref', 'predict.py:Predictor', '--no-fallback']),
    unit: 'ms',
  }),
);
const bad = mkdtempSync(join(tmpdir(), 'edgecog-bench-bad-'));
cpSync(join(root, '..', 'shared', 'conformance', 'fixtures', 'bad_signature'), bad, { recursive: true });
{
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync('python3', [tool, '--project', bad, '--ref', 'predict.py:Predictor', '--no-fallback'], { stdio: 'ignore' });
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (r.status !== 1) throw new Error(`an invalid signature must exit 1, got ${r.status}`);
  }
  times.sort((a, b) => a - b);
  console.log(JSON.stringify({ name: 'static-schema-invalid-signature', value: Number(times[Math.floor(runs / 2)].toFixed(1)), unit: 'ms' }));
}
