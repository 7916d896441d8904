// Median wall time of `edgecog --help` (target: < 150 ms). Run after `npm run build`.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../bin/edgecog.js', import.meta.url));
const runs = Number(process.env.BENCH_RUNS ?? 15);
const times = [];
for (let i = 0; i < runs; i++) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [bin, '--help'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const t1 = process.hrtime.bigint();
  if (r.status !== 0) throw new Error(`edgecog --help exited ${r.status}`);
  times.push(Number(t1 - t0) / 1e6);
}
times.sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)];
const result = { name: 'help-startup', runs, median_ms: Number(median.toFixed(1)), min_ms: Number(times[0].toFixed(1)) };
console.log(JSON.stringify(result));
