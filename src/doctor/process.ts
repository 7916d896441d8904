/** Short-lived helper processes for doctor (docker info, nvidia-smi, the python scanner). */
import { spawn } from 'node:child_process';

export interface ProcessResult {
  /** null when it could not start, was killed, or timed out. */
  code: number | null;
  stdout: string;
  stderr: string;
  /** Why it did not run to completion (ENOENT, timeout), when it did not. */
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
    const done = (result: ProcessResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      done({ code: null, stdout, stderr, failure: `no answer within ${Math.round(options.timeoutMs / 1000)} s` });
    }, options.timeoutMs);
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', (err: NodeJS.ErrnoException) => done({ code: null, stdout, stderr, failure: err.code === 'ENOENT' ? `${command} not found` : err.message }));
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}
