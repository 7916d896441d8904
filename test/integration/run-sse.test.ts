/**
 * `edgecog run` on @cog.streaming predictors: items reach stdout as they are yielded, over
 * SSE (real runtime, --no-docker); --json still prints one document at the end.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCli, copyFixture, runCli, startCli } from './run-cli-helpers.js';

beforeAll(() => buildCli());

describe('edgecog run, streaming predictor', { timeout: 120_000 }, () => {
  it('prints the first token before the predictor yields the next', async () => {
    const dir = copyFixture('playground-stream');
    const gate = join(dir, 'gate');
    const cli = startCli(['run', '--no-docker', '-i', 'prompt=one two three', '-i', `gate=${gate}`], { cwd: dir });
    await cli.waitFor(/^one/);
    expect(cli.stdout()).toBe('one');
    expect(cli.child.exitCode).toBeNull();
    writeFileSync(gate, '');
    const res = await cli.done;
    expect(res.stderr).not.toContain('internal error');
    expect(res.code).toBe(0);
    expect(res.stdout).toBe('one two three\n');
  });

  it('keeps --json to a single document', async () => {
    const dir = copyFixture('playground-stream');
    const res = await runCli(['run', '--no-docker', '--json', '@-'], { cwd: dir, stdin: '{"prompt": "a b", "delay": 0}' });
    expect(res.code).toBe(0);
    const doc = JSON.parse(res.stdout) as { status: string; output: string[] };
    expect(doc.status).toBe('succeeded');
    expect(doc.output).toEqual(['a', ' b']);
    expect(existsSync(join(dir, 'output.json'))).toBe(false);
  });

  it('gets each item to stdout well inside the webhook throttle (about 0.5 s)', async () => {
    const dir = copyFixture('playground-first-token');
    const cli = startCli(['run', '--no-docker', '-i', 'count=5', '-i', 'interval=0.3'], { cwd: dir });
    const latencies: number[] = [];
    let buffer = '';
    cli.child.stdout!.on('data', (chunk: Buffer) => {
      const at = (performance.timeOrigin + performance.now()) / 1000;
      buffer += chunk.toString();
      for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
        latencies.push((at - Number(buffer.slice(0, nl))) * 1000);
        buffer = buffer.slice(nl + 1);
      }
    });
    const res = await cli.done;
    expect(res.code).toBe(0);
    expect(latencies).toHaveLength(5);
    latencies.sort((a, b) => a - b);
    expect(latencies[2]).toBeLessThan(200);
  });
});
