/**
 * run / serve / train with --no-docker: the real runtime (templates/runtime) on the host
 * python3, driven through the built CLI over 127.0.0.1.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { findFreePort } from '../../src/prediction/free-port.js';
import { buildCli, copyFixture, processesIn, runCli, startCli } from './run-cli-helpers.js';

beforeAll(() => buildCli());

describe('edgecog run --no-docker', () => {
  it('coerces every input kind from -i flags and prints the string output', async () => {
    const dir = copyFixture('run-inputs');
    writeFileSync(join(dir, 'note.txt'), 'file body');
    const res = await runCli(
      ['run', '--no-docker', '-i', 'text=hi there', '-i', 'count=3', '-i', 'ratio=1.5', '-i', 'flag=true', '-i', 'color=blue', '-i', 'numbers=4', '-i', 'numbers=5', '-i', 'doc=@note.txt'],
      { cwd: dir },
    );
    expect(res.stderr).not.toContain('internal error');
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)).toEqual({
      text: 'hi there',
      count: [3, 'int'],
      ratio: [1.5, 'float'],
      flag: [true, 'bool'],
      color: 'blue',
      numbers: [4, 5],
      doc: 'file body',
      doc_suffix: 'txt',
    });
    // The model's own print() reaches the terminal (stderr), not the result stream.
    expect(res.stderr).toContain('predicting with hi there');
  });

  it('takes --json inputs from stdin and prints the whole prediction as JSON', async () => {
    const dir = copyFixture('run-inputs');
    const res = await runCli(['run', '--no-docker', '--json', '@-'], { cwd: dir, stdin: '{"text": "from json", "count": 2}' });
    expect(res.code).toBe(0);
    const doc = JSON.parse(res.stdout);
    expect(doc.status).toBe('succeeded');
    expect(JSON.parse(doc.output).count).toEqual([2, 'int']);
  });

  it('rejects a mistyped input name with a suggestion, exit 1', async () => {
    const dir = copyFixture('run-inputs');
    const res = await runCli(['run', '--no-docker', '-i', 'txt=hi'], { cwd: dir });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('unknown input "txt"');
    expect(res.stderr).toContain('did you mean "text"?');
    expect(res.stdout).toBe('');
  });

  it('names the input and the expected type for a bad value', async () => {
    const dir = copyFixture('run-inputs');
    const res = await runCli(['run', '--no-docker', '-i', 'text=x', '-i', 'count=abc'], { cwd: dir });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('-i count=abc: count expects an integer');
  });

  it('reports a missing required input and a missing input file', async () => {
    const dir = copyFixture('run-inputs');
    const missing = await runCli(['run', '--no-docker', '-i', 'count=1'], { cwd: dir });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('missing required input "text"');
    const noFile = await runCli(['run', '--no-docker', '-i', 'text=x', '-i', 'doc=@nope.txt'], { cwd: dir });
    expect(noFile.code).toBe(1);
    expect(noFile.stderr).toContain('input "doc": file not found: nope.txt');
  });

  it('a malformed -i is a usage error (exit 2) before anything starts', async () => {
    const dir = copyFixture('run-inputs');
    const res = await runCli(['run', '--no-docker', '-i', 'text'], { cwd: dir });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain("cannot parse input 'text'");
    expect(res.stderr).not.toContain('setup');
  });

  it('writes a list of files as output.0.txt, output.1.txt', async () => {
    const dir = copyFixture('run-file-outputs');
    const res = await runCli(['run', '--no-docker', '-i', 'n=2'], { cwd: dir });
    expect(res.code).toBe(0);
    expect(readFileSync(join(dir, 'output.0.txt'), 'utf8')).toBe('item 0');
    expect(readFileSync(join(dir, 'output.1.txt'), 'utf8')).toBe('item 1');
    expect(res.stderr).toContain('Written output to: output.1.txt');
    expect(res.stdout).toBe('');
  });

  it('writes files under -o with numbering', async () => {
    const dir = copyFixture('run-file-outputs');
    const res = await runCli(['run', '--no-docker', '-i', 'n=1', '-o', 'result.txt'], { cwd: dir });
    expect(res.code).toBe(0);
    expect(readFileSync(join(dir, 'result.0.txt'), 'utf8')).toBe('item 0');
  });

  it('prints iterator items as they arrive', async () => {
    const dir = copyFixture('run-iterator');
    const gate = join(dir, 'gate');
    const cli = startCli(['run', '--no-docker', '-i', 'count=2', '-i', `gate=${gate}`], { cwd: dir });
    // The second item waits for the gate: the first must already be on stdout.
    await cli.waitFor(/chunk 0\n/);
    expect(cli.stdout()).not.toContain('chunk 1');
    writeFileSync(gate, '');
    const res = await cli.done;
    expect(res.code).toBe(0);
    expect(res.stdout).toBe('chunk 0\nchunk 1\n');
  });

  it('prints token streams as one line', async () => {
    const dir = copyFixture('run-concat');
    const res = await runCli(['run', '--no-docker', '-i', 'sentence=a b c'], { cwd: dir });
    expect(res.code).toBe(0);
    expect(res.stdout).toBe('a b c\n');
  });

  it('a failing setup() shows its error and exits 1', async () => {
    const dir = copyFixture('run-setup-fails');
    const res = await runCli(['run', '--no-docker'], { cwd: dir });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('edgecog-fixture: weights are missing');
    expect(res.stderr).toMatch(/setup\(\) failed|exited during setup/);
    expect(processesIn(dir)).toEqual([]);
  });

  it('a failing predict() shows the error and exits 1; --json still prints the prediction', async () => {
    const dir = copyFixture('run-predict-fails');
    const res = await runCli(['run', '--no-docker', '-i', 'divisor=0'], { cwd: dir });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('division');
    expect(res.stderr).toContain('dividing by 0');
    const json = await runCli(['run', '--no-docker', '--json', '{"divisor": 0}'], { cwd: dir });
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ status: 'failed' });
  });

  it('Ctrl-C cancels, stops the server and exits 130', async () => {
    const dir = copyFixture('run-iterator');
    const cli = startCli(['run', '--no-docker', '-i', 'count=2', '-i', `gate=${join(dir, 'never')}`], { cwd: dir });
    await cli.waitFor(/chunk 0\n/);
    cli.child.kill('SIGINT');
    const res = await cli.done;
    expect(res.code).toBe(130);
    expect(processesIn(dir)).toEqual([]);
  });
});

describe('edgecog train --no-docker', () => {
  it('runs train: and writes the weights file', async () => {
    const dir = copyFixture('run-train');
    const res = await runCli(['train', '--no-docker', '-i', 'steps=4', '-i', 'tag=t1'], { cwd: dir });
    expect(res.stderr).not.toContain('internal error');
    expect(res.code).toBe(0);
    expect(readFileSync(join(dir, 'weights.txt'), 'utf8')).toBe('t1:4');
    expect(JSON.parse(res.stdout)).toEqual({ weights: 'weights.txt', steps: 4 });
  });

  it('checks training inputs against TrainingInput', async () => {
    const dir = copyFixture('run-train');
    const res = await runCli(['train', '--no-docker', '-i', 'prompt=x'], { cwd: dir });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('unknown input "prompt"');
  });
});

describe('edgecog serve --no-docker', () => {
  it('serves the prediction API on the port until Ctrl-C', async () => {
    const dir = copyFixture('run-inputs');
    const port = await findFreePort();
    const cli = startCli(['serve', '--no-docker', '-p', String(port)], { cwd: dir });
    await cli.waitFor(/Serving at http:\/\/localhost:\d+/, 'stderr');
    let body: { status?: string; output?: string } = {};
    for (let i = 0; i < 600; i++) {
      const health = (await (await fetch(`http://127.0.0.1:${port}/health-check`)).json()) as { status: string };
      if (health.status === 'READY') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const res = await fetch(`http://127.0.0.1:${port}/predictions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ input: { text: 'served', count: 2 } }),
    });
    body = (await res.json()) as typeof body;
    expect(res.status).toBe(200);
    expect(body.status).toBe('succeeded');
    expect(JSON.parse(body.output!).text).toBe('served');
    cli.child.kill('SIGINT');
    const done = await cli.done;
    expect(done.code).toBe(130);
    expect(processesIn(dir)).toEqual([]);
    expect(existsSync(join(dir, 'output'))).toBe(false);
  });

  it('refuses a port that is taken', async () => {
    const dir = copyFixture('run-inputs');
    const { createServer } = await import('node:net');
    const blocker = createServer();
    const port = await findFreePort();
    await new Promise<void>((r) => blocker.listen(port, '127.0.0.1', () => r()));
    try {
      const res = await runCli(['serve', '--no-docker', '-p', String(port)], { cwd: dir });
      expect(res.code).toBe(1);
      expect(res.stderr).toContain(`port ${port} on 127.0.0.1 is already in use`);
    } finally {
      blocker.close();
    }
  });
});
