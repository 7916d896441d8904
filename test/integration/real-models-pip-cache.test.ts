/**
 * A changed requirement re-runs the install with pip's cache mounted, so wheels that did not
 * change are not fetched again. pip keeps a download in its HTTP cache only when the index sends
 * Cache-Control for it (real indexes do; `python3 -m http.server` does not) and the index is
 * https or a --trusted-host: so this test serves the local index with those headers itself.
 * Required in CI: no engine or index = failure.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, copyFixture, runCli } from './run-cli-helpers.js';
import { baseImage, cleanPipEnv, imageLayers, installLayer, localIndex, startIndexServer, type IndexServer } from './helpers/index-server.js';

let server: IndexServer | undefined;
let flags: string[] = [];

beforeAll(async () => {
  buildCli();
  execFileSync('docker', ['info'], { stdio: 'pipe' });
  const index = localIndex();
  server = await startIndexServer({ cacheHeaders: true });
  flags = ['--base-image', baseImage(), '--index-url', server.url(index.indexUrl), '--trusted-host', '127.0.0.1'];
  for (const u of index.extraIndexUrls) flags.push('--extra-index-url', server.url(u));
}, 60_000);

afterAll(() => server?.stop());

describe("pip's cache across builds", () => {
  it('a changed requirement re-runs pip, which takes the unchanged wheels from its cache', async () => {
    const dir = copyFixture('numpy-pillow');
    // A fresh port each run: pip's cache (keyed by URL) has none of this server's files yet.
    const bound = `idna>=1.${randomBytes(4).readUInt32BE(0)}`;
    writeFileSync(join(dir, 'requirements.txt'), `numpy==2.2.6\npillow==11.3.0\n${bound}\n`);
    const first = await runCli(['build', '-t', 'edgecog-test/pip-cache:1', '--progress', 'plain', ...flags], { cwd: dir, env: cleanPipEnv });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/Downloading http:\/\/127\.0\.0\.1:\d+\/\S+\/numpy-2\.2\.6-/);

    writeFileSync(join(dir, 'requirements.txt'), `numpy==2.2.6\npillow==11.3.0\n${bound}\nsix==1.17.0\n`);
    const second = await runCli(['build', '-t', 'edgecog-test/pip-cache:2', '--progress', 'plain', ...flags], { cwd: dir, env: cleanPipEnv });
    expect(second.code, second.stderr).toBe(0);
    // pip ran again (the new requirement is installed) ...
    expect(second.stderr).toMatch(/Downloading http:\/\/127\.0\.0\.1:\d+\/\S+\/six-1\.17\.0-/);
    expect(installLayer(imageLayers('edgecog-test/pip-cache:2', baseImage())).diffId).not.toBe(installLayer(imageLayers('edgecog-test/pip-cache:1', baseImage())).diffId);
    // ... and fetched none of the wheels it already had.
    expect(second.stderr).toMatch(/Using cached http:\/\/127\.0\.0\.1:\d+\/\S+\/numpy-2\.2\.6-/);
    expect(second.stderr).toMatch(/Using cached http:\/\/127\.0\.0\.1:\d+\/\S+\/pillow-11\.3\.0-/);
    expect(second.stderr).not.toMatch(/Downloading \S+\/(numpy|pillow|idna)-/);
    const out = execFileSync('docker', ['run', '--rm', '--network', 'none', 'edgecog-test/pip-cache:2', 'python', '-c', 'import numpy, PIL, six; print(numpy.__version__, six.__version__)'], { encoding: 'utf8' });
    expect(out.trim()).toBe('2.2.6 1.17.0');
  }, 300_000);
});
