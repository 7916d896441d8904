/**
 * Once per integration run, before any test file: compile the CLI (test files run in parallel,
 * and each compiling dist/ again while another runs it made `edgecog` fail on half-written
 * files), and load .ci/env (the local package index URLs written by .ci/setup.sh).
 * Unit-test runs skip all of this.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..');

export default function setup(): void {
  if (!process.argv.some((a) => a.includes('integration'))) return;
  const envFile = join(root, '.ci', 'env');
  if (existsSync(envFile)) {
    for (const line of readFileSync(envFile, 'utf8').split('\n')) {
      const eq = line.indexOf('=');
      if (eq > 0 && process.env[line.slice(0, eq)] === undefined) process.env[line.slice(0, eq)] = line.slice(eq + 1);
    }
  }
  try {
    execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', root], { stdio: 'pipe' });
  } catch {
    // type errors elsewhere still emit dist/; a missing dist/cli.js fails the tests themselves
  }
  // Forked test workers inherit this: run-cli-helpers' buildCli() then does not compile again.
  process.env.EDGECOG_CLI_PREBUILT = '1';
}
