// Figures for fixtures/models/torch-small (torch==2.13.0 CPU, ~6 MB weights), built offline from
// the machine's local package index (.ci/setup.sh serves it on 127.0.0.1 and writes .ci/env):
//   real-torch-build-cold          build --no-cache (the layer cache ignored; pip's cache mount
//                                  is kept, as a user's machine keeps it between builds)
//   real-torch-rebuild-code        rebuild after a one-line change to predict.py (median)
//   real-torch-image-size          the whole image; real-torch-image-added: on top of its base
//   real-torch-run                 `edgecog run IMAGE -i data=@file` from command start to the
//                                  printed output: container start, setup() loading torch and
//                                  the weights, one prediction, cleanup (median)
// About 3-5 minutes on a 2-core machine. BENCH_RUNS (default 3) repeats the cheap figures.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { baseImage, bin, median, report, requireEngine, root, timeCli } from './_build-common.mjs';

const names = ['real-torch-build-cold', 'real-torch-rebuild-code', 'real-torch-image-size', 'real-torch-image-added', 'real-torch-run'];
requireEngine(names);

/** EDGECOG_TEST_* from the environment, else .ci/env. */
function ciEnv(name) {
  if (process.env[name]) return process.env[name];
  const file = join(root, '.ci', 'env');
  if (!existsSync(file)) return undefined;
  const line = readFileSync(file, 'utf8').split('\n').find((l) => l.startsWith(`${name}=`));
  return line?.slice(name.length + 1).trim() || undefined;
}

const indexUrl = ciEnv('EDGECOG_TEST_INDEX_URL');
if (!indexUrl) {
  for (const name of names) console.log(JSON.stringify({ name, skipped: 'no local package index (run .ci/setup.sh)' }));
  process.exit(0);
}
const flags = ['--base-image', baseImage, '--index-url', indexUrl];
for (const u of (ciEnv('EDGECOG_TEST_EXTRA_INDEX_URL') ?? '').split(/\s+/).filter(Boolean)) flags.push('--extra-index-url', u);
for (const u of (ciEnv('EDGECOG_TEST_FIND_LINKS') ?? '').split(/\s+/).filter(Boolean)) flags.push('--find-links', u);
// Only our flags decide where pip looks.
for (const k of ['PIP_INDEX_URL', 'PIP_EXTRA_INDEX_URL', 'PIP_FIND_LINKS', 'PIP_TRUSTED_HOST', 'COG_CA_CERT']) delete process.env[k];

const runs = Number(process.env.BENCH_RUNS ?? 3);
const dir = mkdtempSync(join(tmpdir(), 'edgecog-bench-torch-'));
cpSync(join(root, 'fixtures', 'models', 'torch-small'), dir, { recursive: true });
writeFileSync(join(dir, 'input.bin'), randomBytes(20_000));
const tag = 'edgecog-bench/torch-small:latest';

// The weights, made in the model's own environment (this build may use the cache: not timed).
const weights = spawnSync(process.execPath, [bin, 'exec', '--progress', 'quiet', ...flags, 'python', 'make_weights.py'], { cwd: dir, encoding: 'utf8', env: { ...process.env, CI: '1' } });
if (weights.status !== 0) throw new Error(`exec make_weights.py failed:\n${weights.stderr}`);

const build = (extra = []) => timeCli(['build', '-t', tag, '--progress', 'quiet', ...flags, ...extra], dir).ms;

report('real-torch-build-cold', build(['--no-cache']), 'ms', { runs: 1 });

const rebuild = [];
for (let i = 0; i < runs; i++) {
  appendFileSync(join(dir, 'predict.py'), `\n# bench edit ${i} ${Date.now()}\n`);
  rebuild.push(build());
}
report('real-torch-rebuild-code', median(rebuild), 'ms', { runs: rebuild.length });

const size = (ref) => Number(execFileSync('docker', ['image', 'inspect', ref, '--format', '{{.Size}}'], { encoding: 'utf8' }).trim());
report('real-torch-image-size', size(tag), 'bytes');
report('real-torch-image-added', size(tag) - size(baseImage), 'bytes', { base: baseImage, base_bytes: size(baseImage) });

const run = [];
for (let i = 0; i < runs; i++) {
  const { ms, stdout } = timeCli(['run', tag, '-i', 'data=@input.bin'], dir);
  if (!/^class_\d /.test(stdout)) throw new Error(`unexpected output: ${stdout}`);
  run.push(ms);
}
report('real-torch-run', median(run), 'ms', { runs: run.length, all: run.map((v) => Math.round(v)) });
