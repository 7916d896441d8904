// Shared by bench/build-*.mjs (the leading _ keeps bench/run.mjs from running it on its own).
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('..', import.meta.url));
export const bin = join(root, 'bin', 'edgecog.js');
export const baseImage = process.env.EDGECOG_BASE_IMAGE || 'edgecog-base/python:3.11';
export const runs = Number(process.env.BENCH_RUNS ?? 5);

/** Prints {"name","skipped"} lines and exits 0 when there is no engine or base image. */
export function requireEngine(names) {
  const why = (() => {
    try {
      execFileSync('docker', ['info'], { stdio: 'ignore' });
    } catch {
      return 'no Docker engine';
    }
    try {
      execFileSync('docker', ['image', 'inspect', baseImage], { stdio: 'ignore' });
    } catch {
      return `base image ${baseImage} missing (run .ci/setup.sh)`;
    }
    return undefined;
  })();
  if (why) {
    for (const name of names) console.log(JSON.stringify({ name, skipped: why }));
    process.exit(0);
  }
}

export function copyExample() {
  const dir = mkdtempSync(join(tmpdir(), 'edgecog-bench-'));
  cpSync(join(root, 'fixtures', 'example'), dir, { recursive: true });
  return dir;
}

/** Wall time of one edgecog command in ms; throws with its stderr when it fails. */
export function timeCli(args, cwd) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', env: { ...process.env, CI: '1', NO_COLOR: '1' } });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`edgecog ${args.join(' ')} exited ${r.status}:\n${r.stderr}`);
  return { ms, stdout: r.stdout };
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

export function report(name, value, unit, extra = {}) {
  console.log(JSON.stringify({ name, value: Number(value.toFixed(unit === 'bytes' ? 0 : 1)), unit, ...extra }));
}
