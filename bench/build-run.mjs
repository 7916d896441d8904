// `edgecog run IMAGE` of an already-built image, from command start to printed output
// (median of BENCH_RUNS runs, default 5; target: < 2 s). Builds fixtures/example first.
import { copyExample, median, report, requireEngine, runs, timeCli, baseImage } from './_build-common.mjs';

requireEngine(['run-built-image']);
const dir = copyExample();
const tag = 'edgecog-bench/example-run:latest';
timeCli(['build', '-t', tag, '--base-image', baseImage, '--progress', 'quiet'], dir);
const times = [];
timeCli(['run', tag, '-i', 'text=warm', '-o', 'warm.ppm'], dir);
for (let i = 0; i < runs; i++) times.push(timeCli(['run', tag, '-i', `text=bench ${i}`, '-o', `out-${i}.ppm`], dir).ms);
report('run-built-image', median(times), 'ms', { runs: times.length, target_ms: 2000 });
