/** Helpers for the run/serve/exec/train integration tests: the built CLI, fixture copies. */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const cliPath = join(repoRoot, 'bin', 'edgecog.js');

let built = false;
/** Compiles src/ to dist/ once per test process (tsc emits even if another file has type errors). */
export function buildCli(): void {
  // test/integration/global-setup.ts compiled once for the whole run.
  if (built || process.env.EDGECOG_CLI_PREBUILT === '1') return;
  try {
    execFileSync(process.execPath, [join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', repoRoot], { stdio: 'pipe' });
  } catch {
    // type errors elsewhere still leave dist/ emitted; a missing dist/cli.js fails the tests
  }
  built = true;
}

/** A fresh copy of fixtures/models/NAME (runs write output files into their directory). */
export function copyFixture(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `edgecog-${name}-`));
  cpSync(join(repoRoot, 'fixtures', 'models', name), dir, { recursive: true });
  return dir;
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliProcess {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves when stdout (or stderr) matches, rejects when the process ends first. */
  waitFor: (pattern: RegExp, stream?: 'stdout' | 'stderr') => Promise<void>;
  done: Promise<CliResult>;
}

export function startCli(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; stdin?: string }): CliProcess {
  const child = spawn(process.execPath, [cliPath, ...args], {
    cwd: options.cwd,
    env: { ...process.env, NO_COLOR: '1', CI: '1', ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const waiters: Array<() => void> = [];
  child.stdout!.on('data', (c: Buffer) => {
    out += c.toString();
    waiters.forEach((w) => w());
  });
  child.stderr!.on('data', (c: Buffer) => {
    err += c.toString();
    waiters.forEach((w) => w());
  });
  if (options.stdin !== undefined) child.stdin!.end(options.stdin);
  else child.stdin!.end();
  const done = new Promise<CliResult>((resolve) => {
    child.on('close', (code, signal) => {
      resolve({ code, signal, stdout: out, stderr: err });
      waiters.forEach((w) => w());
    });
  });
  let closed = false;
  void done.then(() => (closed = true));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    done,
    waitFor: (pattern, stream = 'stdout') =>
      new Promise<void>((resolve, reject) => {
        const check = (): void => {
          const text = stream === 'stdout' ? out : err;
          if (pattern.test(text)) resolve();
          else if (closed) reject(new Error(`process ended before ${pattern} appeared on ${stream}:\nstdout: ${out}\nstderr: ${err}`));
        };
        waiters.push(check);
        check();
      }),
  };
}

export function runCli(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; stdin?: string }): Promise<CliResult> {
  return startCli(args, options).done;
}

/** PIDs of processes whose working directory is `dir` (Linux /proc), to check cleanup. */
export function processesIn(dir: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readlinkSync(`/proc/${entry}/cwd`) === dir) out.push(Number(entry));
    } catch {
      // gone or not ours
    }
  }
  return out;
}
