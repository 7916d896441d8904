// Build figures for fixtures/example on the local engine (medians, BENCH_RUNS runs, default 5):
//   build-cold          build with --no-cache (the base image present, nothing else cached)
//   build-rebuild-code  rebuild after a one-line change to predict.py (target: < 3 s)
//   build-runtime-size  bytes the runtime layer adds on top of the base (target: < 1 MB)
//   build-image-added   bytes the whole image adds on top of the base (venv, runtime, code)
import { execFileSync } from 'node:child_process';
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { baseImage, copyExample, median, report, requireEngine, runs, timeCli } from './_build-common.mjs';

requireEngine(['build-cold', 'build-rebuild-code', 'build-runtime-size', 'build-image-added']);
const dir = copyExample();
const tag = 'edgecog-bench/example:latest';
const build = (extra = []) => timeCli(['build', '-t', tag, '--base-image', baseImage, '--progress', 'quiet', ...extra], dir).ms;

const cold = [];
for (let i = 0; i < Math.min(runs, 3); i++) cold.push(build(['--no-cache']));
report('build-cold', median(cold), 'ms', { runs: cold.length });

const predict = join(dir, 'predict.py');
const original = readFileSync(predict, 'utf8');
const rebuild = [];
build(); // warm
for (let i = 0; i < runs; i++) {
  appendFileSync(predict, `\n# bench edit ${i} ${Date.now()}\n`);
  rebuild.push(build());
}
report('build-rebuild-code', median(rebuild), 'ms', { runs: rebuild.length, target_ms: 3000 });
void original;

const history = execFileSync('docker', ['history', '--no-trunc', '--human=false', '--format', '{{.Size}}\t{{.CreatedBy}}', tag], { encoding: 'utf8' });
const runtimeBytes = history
  .split('\n')
  .filter((l) => l.includes('.edgecog/runtime/'))
  .reduce((sum, l) => sum + Number(l.split('\t')[0]), 0);
report('build-runtime-size', runtimeBytes, 'bytes', { target_bytes: 1024 * 1024 });
const size = (ref) => Number(execFileSync('docker', ['image', 'inspect', ref, '--format', '{{.Size}}'], { encoding: 'utf8' }).trim());
report('build-image-added', size(tag) - size(baseImage), 'bytes');
