// `npm run bench`: runs every benchmark script in bench/ whose prerequisites are present and
// prints one JSON line per figure. BENCHMARKS.md records the medians from this output.
// Each script prints JSON lines on stdout; a script that cannot run here (no Docker engine,
// no registry) prints {"name":..., "skipped": "why"} and exits 0.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const only = process.argv.slice(2);
const scripts = readdirSync(dir)
  .filter((f) => /\.(mjs|py|sh)$/.test(f) && f !== 'run.mjs' && !f.startsWith('_'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();
let failed = 0;
for (const script of scripts) {
  const path = `${dir}${script}`;
  const [cmd, args] = script.endsWith('.py')
    ? ['python3', [path]]
    : script.endsWith('.sh')
      ? ['bash', [path]]
      : [process.execPath, [path]];
  process.stderr.write(`bench: ${script}\n`);
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], timeout: 30 * 60 * 1000 });
  if (r.status !== 0) {
    failed++;
    process.stderr.write(`bench: ${script} failed (exit ${r.status})\n`);
  }
}
process.exitCode = failed ? 1 : 0;
