/**
 * Builds that install requirements from a package index, as a user with a private index would:
 * CI serves this machine's local index on 127.0.0.1 (.ci/setup.sh writes its URLs to .ci/env).
 * Credentials in an index URL must reach the build only as a BuildKit secret.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCli, copyFixture, repoRoot, runCli } from './run-cli-helpers.js';

const BASE = ['--base-image', process.env.EDGECOG_TEST_BASE_IMAGE ?? 'edgecog-base/python:3.11'];

/** EDGECOG_TEST_* from the environment, else from .ci/env. */
function ciEnv(name: string): string {
  const fromEnv = process.env[name];
  if (fromEnv) return fromEnv;
  const file = join(repoRoot, '.ci', 'env');
  if (existsSync(file)) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (line.startsWith(`${name}=`)) return line.slice(name.length + 1);
    }
  }
  throw new Error(`${name} is not set: run .ci/setup.sh (it serves the local package index and writes .ci/env)`);
}

let indexUrl = '';
// The machine's own pip settings must not leak into what the build sees.
const cleanPipEnv = { PIP_INDEX_URL: '', PIP_EXTRA_INDEX_URL: '', PIP_FIND_LINKS: '', PIP_TRUSTED_HOST: '' };

beforeAll(() => {
  buildCli();
  execFileSync('docker', ['info'], { stdio: 'pipe' });
  indexUrl = ciEnv('EDGECOG_TEST_INDEX_URL');
  // The index must answer, or every test below fails for a reason that is not ours.
  execFileSync('python3', ['-c', `import urllib.request; urllib.request.urlopen(${JSON.stringify(`${indexUrl}/six/`)}, timeout=5)`]);
});

describe('edgecog build with a package index', () => {
  it('installs requirements from --index-url (host network, offline)', async () => {
    const dir = copyFixture('build-requirements');
    const res = await runCli(['build', '-t', 'edgecog-test/build-req:1', '--index-url', indexUrl, ...BASE], { cwd: dir, env: cleanPipEnv });
    expect(res.stderr).not.toContain('internal error');
    expect(res.code).toBe(0);
    const out = execFileSync('docker', ['run', '--rm', '--network', 'none', 'edgecog-test/build-req:1', 'python', '-c', 'import six; print(six.__version__)'], { encoding: 'utf8' });
    expect(out.trim()).toBe('1.17.0');
  }, 300_000);

  it('PIP_INDEX_URL works as the flag does', async () => {
    const dir = copyFixture('build-requirements');
    const res = await runCli(['build', '-t', 'edgecog-test/build-req:env', ...BASE], { cwd: dir, env: { ...cleanPipEnv, PIP_INDEX_URL: indexUrl } });
    expect(res.code).toBe(0);
  }, 300_000);

  it('a credential in the index URL is in no layer, config, history or output', async () => {
    const dir = copyFixture('build-requirements');
    const token = 'edgecogFAKEtoken7391qx';
    const url = indexUrl.replace('://', `://builder:${token}@`);
    // A changed requirement so the install step really runs with the secret.
    writeFileSync(join(dir, 'requirements.txt'), 'six==1.17.0\nidna\n');
    const res = await runCli(['build', '-t', 'edgecog-test/build-req:token', '--progress', 'plain', '--index-url', url, ...BASE], { cwd: dir, env: cleanPipEnv });
    expect(res.stderr).not.toContain('internal error');
    expect(res.code).toBe(0);
    expect(res.stdout + res.stderr).not.toContain(token);
    const saved = execFileSync('docker', ['save', 'edgecog-test/build-req:token'], { maxBuffer: 1 << 30 });
    expect(saved.includes(Buffer.from(token))).toBe(false);
    const inspect = execFileSync('docker', ['image', 'inspect', 'edgecog-test/build-req:token'], { encoding: 'utf8' });
    expect(inspect).not.toContain(token);
    const history = execFileSync('docker', ['history', '--no-trunc', 'edgecog-test/build-req:token'], { encoding: 'utf8' });
    expect(history).not.toContain(token);
    const out = execFileSync('docker', ['run', '--rm', '--network', 'none', 'edgecog-test/build-req:token', 'python', '-c', 'import idna, six; print("ok")'], { encoding: 'utf8' });
    expect(out.trim()).toBe('ok');
  }, 300_000);

  it("a requirement that does not exist fails with pip's message and exit 1", async () => {
    const dir = copyFixture('build-requirements');
    writeFileSync(join(dir, 'requirements.txt'), 'edgecog-package-that-does-not-exist==9.9.9\n');
    const res = await runCli(['build', '-t', 'edgecog-test/build-req:missing', '--index-url', indexUrl, ...BASE], { cwd: dir, env: cleanPipEnv });
    expect(res.code).toBe(1);
    expect(res.stdout).toBe('');
    expect(res.stderr).toMatch(/No matching distribution found for edgecog-package-that-does-not-exist==9\.9\.9/);
    expect(res.stderr).toMatch(/error: the image build failed at .*pip install/);
  }, 300_000);

  it('COG_CA_CERT goes into the trust store of the image', async () => {
    const dir = copyFixture('build-basic');
    const certDir = copyFixture('build-basic');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=edgecog-test-ca', '-keyout', join(certDir, 'ca.key'), '-out', join(certDir, 'ca.pem')], { stdio: 'pipe' });
    const pem = readFileSync(join(certDir, 'ca.pem'), 'utf8');
    const res = await runCli(['build', '-t', 'edgecog-test/build-ca:1', ...BASE], { cwd: dir, env: { ...cleanPipEnv, COG_CA_CERT: join(certDir, 'ca.pem') } });
    expect(res.stderr).not.toContain('internal error');
    expect(res.code).toBe(0);
    const bundle = execFileSync('docker', ['run', '--rm', '--network', 'none', 'edgecog-test/build-ca:1', 'cat', '/etc/ssl/certs/ca-certificates.crt'], { encoding: 'utf8' });
    const body = pem.split('\n').filter((l) => l && !l.startsWith('-----'))[3]!;
    expect(bundle).toContain(body);
  }, 300_000);
});
