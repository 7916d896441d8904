/**
 * Short-lived helper processes (docker info, nvidia-smi, the host-python schema reader and
 * scanner): output collected, a hard time limit, and a failure to start or to finish reported
 * in the result instead of thrown, since each caller turns it into its own message.
 */
import { spawn } from 'node:child_process';

export interface ProcessResult {
  /** null when it could not start, was killed, or timed out. */
  code: number | null;
  stdout: string;
  stderr: string;
  /** It ran past timeoutMs and was killed. */
  timedOut: boolean;
  /** It could not be started (ENOENT and the like). */
  spawnError?: NodeJS.ErrnoException;
  /** Why it did not run to completion (not found, timeout), when it did not. */
  failure?: string;
}

export function runProcess(
  command: string,
  args: readonly string[],
  options: { timeoutMs: number; cwd?: string; env?: NodeJS.ProcessEnv },
): Promise<ProcessResult> {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    let settled = false;
    const done = (result: Omit<ProcessResult, 'stdout' | 'stderr'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...result, stdout, stderr });
    };
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      done({ code: null, timedOut: true, failure: `no answer within ${Math.round(options.timeoutMs / 1000)} s` });
    }, options.timeoutMs);
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', (err: NodeJS.ErrnoException) =>
      done({ code: null, timedOut: false, spawnError: err, failure: err.code === 'ENOENT' ? `${command} not found` : err.message }),
    );
    child.on('close', (code) => done({ code, timedOut: false }));
  });
}
