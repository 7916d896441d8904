/** `edgecog serve IMAGE` against a real Docker Engine (fails without one, as CI requires). */
import { execFileSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { findFreePort } from '../../src/prediction/free-port.js';
import { buildCli, copyFixture, runCli, startCli } from './run-cli-helpers.js';

const BASE = ['--base-image', process.env.EDGECOG_TEST_BASE_IMAGE ?? 'edgecog-base/python:3.11'];
const IMAGE = 'edgecog-test/run-inputs:serve';
let dir = '';

function edgecogContainers(): string[] {
  return execFileSync('docker', ['ps', '-a', '-q', '--filter', 'label=org.edgecog.container'], { encoding: 'utf8' }).split('\n').filter(Boolean);
}

beforeAll(async () => {
  buildCli();
  execFileSync('docker', ['info'], { stdio: 'pipe' });
  dir = copyFixture('run-inputs');
  const res = await runCli(['build', '-t', IMAGE, ...BASE], { cwd: dir });
  if (res.code !== 0) throw new Error(`build failed:\n${res.stderr}`);
}, 900_000);

describe('edgecog serve', () => {
  it('answers predictions over HTTP on -p until Ctrl-C, then removes the container', async () => {
    const before = edgecogContainers();
    const port = await findFreePort();
    const cli = startCli(['serve', IMAGE, '-p', String(port)], { cwd: dir });
    await cli.waitFor(/Serving at http:\/\/localhost:\d+/, 'stderr');
    for (let i = 0; i < 600; i++) {
      const health = (await (await fetch(`http://127.0.0.1:${port}/health-check`)).json()) as { status: string };
      if (health.status === 'READY') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const res = await fetch(`http://127.0.0.1:${port}/predictions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ input: { text: 'over http' } }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; output: string };
    expect(body.status).toBe('succeeded');
    expect(JSON.parse(body.output).text).toBe('over http');
    cli.child.kill('SIGINT');
    expect((await cli.done).code).toBe(130);
    expect(edgecogContainers()).toEqual(before);
  });
});
