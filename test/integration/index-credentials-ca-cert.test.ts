/**
 * COG_CA_CERT, as behind a company proxy with its own CA: the certificate goes into the image's
 * trust store and pip uses it during the build. Proven with the local index served over HTTPS
 * by a certificate that only a freshly generated CA signs: the install succeeds with
 * COG_CA_CERT and fails (pip's SSL error) without it. Forms: a PEM file, inline PEM, a directory.
 * Required in CI: no engine, index or openssl = failure.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, runCli } from './run-cli-helpers.js';
import { baseImage, cleanPipEnv, localIndex, startIndexServer, type IndexServer, type LocalIndex } from './helpers/index-server.js';

let index: LocalIndex;
let certs = '';
let https: IndexServer | undefined;
let httpsUrl = '';

const openssl = (args: string[]): void => void execFileSync('openssl', args, { cwd: certs, stdio: 'pipe' });

/** A CA, and a server certificate for 127.0.0.1 that it signs. */
function makeCa(name: string): string {
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${name}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-keyout', `${name}.key`, '-out', `${name}.pem`]);
  return join(certs, `${name}.pem`);
}

/** The base64 body of a PEM (its lines joined), to find it in a bundle whatever the wrapping. */
const pemBody = (pem: string): string => pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');

beforeAll(async () => {
  buildCli();
  execFileSync('docker', ['info'], { stdio: 'pipe' });
  index = localIndex();
  certs = mkdtempSync(join(tmpdir(), 'edgecog-ca-'));
  makeCa('edgecog-test-ca');
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', 'server.key', '-out', 'server.csr']);
  writeFileSync(join(certs, 'server.ext'), 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n');
  openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'edgecog-test-ca.pem', '-CAkey', 'edgecog-test-ca.key', '-CAcreateserial', '-days', '2', '-extfile', 'server.ext', '-out', 'server.pem']);

  // The same directory .ci/setup.sh serves over HTTP, here over HTTPS on a free port.
  https = await startIndexServer({ tls: { cert: join(certs, 'server.pem'), key: join(certs, 'server.key') } });
  httpsUrl = https.url(index.indexUrl);
}, 120_000);

afterAll(() => {
  https?.stop();
});

/** A project that installs six; a random (always met) lower bound makes the install step run every time. */
function project(requirements = true): string {
  const dir = mkdtempSync(join(tmpdir(), 'edgecog-ca-project-'));
  writeFileSync(join(dir, 'cog.yaml'), `build:\n  python_version: "3.11"\n${requirements ? '  python_requirements: requirements.txt\n' : ''}run: "predict.py:Predictor"\n`);
  writeFileSync(join(dir, 'predict.py'), 'from cog import BasePredictor\n\n\nclass Predictor(BasePredictor):\n    def predict(self) -> str:\n        return "ok"\n');
  writeFileSync(join(dir, 'requirements.txt'), `six==1.17.0\nidna>=1.${randomBytes(4).readUInt32BE(0)}\n`);
  return dir;
}

const trustStore = (image: string): string =>
  execFileSync('docker', ['run', '--rm', '--network', 'none', image, 'cat', '/etc/ssl/certs/ca-certificates.crt'], { encoding: 'utf8' }).replace(/\s+/g, '');

describe('COG_CA_CERT', () => {
  it('a PEM file: pip installs from an index whose certificate only that CA signs; the image trusts it', async () => {
    const image = 'edgecog-test/ca-cert:file';
    const res = await runCli(['build', '-t', image, '--progress', 'plain', '--base-image', baseImage(), '--index-url', httpsUrl], {
      cwd: project(),
      env: { ...cleanPipEnv, COG_CA_CERT: join(certs, 'edgecog-test-ca.pem') },
    });
    expect(res.stderr).not.toContain('internal error');
    expect(res.code, res.stderr).toBe(0);
    const six = execFileSync('docker', ['run', '--rm', '--network', 'none', image, 'python', '-c', 'import six; print(six.__version__)'], { encoding: 'utf8' });
    expect(six.trim()).toBe('1.17.0');
    expect(trustStore(image)).toContain(pemBody(readFileSync(join(certs, 'edgecog-test-ca.pem'), 'utf8')));
    // The model's own Python trusts it at run time too (urllib, with the host's loopback).
    const fetched = execFileSync('docker', ['run', '--rm', '--network', 'host', image, 'python', '-c', `import urllib.request; print(urllib.request.urlopen(${JSON.stringify(`${httpsUrl}/six/`)}, timeout=10).status)`], { encoding: 'utf8' });
    expect(fetched.trim()).toBe('200');
  }, 300_000);

  it('without it the same build fails with pip SSL error, exit 1', async () => {
    const res = await runCli(['build', '-t', 'edgecog-test/ca-cert:none', '--progress', 'plain', '--base-image', baseImage(), '--index-url', httpsUrl], { cwd: project(), env: cleanPipEnv });
    expect(res.code).toBe(1);
    expect(res.stdout).toBe('');
    expect(res.stderr).toMatch(/CERTIFICATE_VERIFY_FAILED|certificate verify failed/);
    expect(res.stderr).toContain('No matching distribution found for six==1.17.0');
  }, 300_000);

  it('inline PEM text and a directory of PEM files: every certificate lands in the trust store', async () => {
    mkdirSync(join(certs, 'dir'));
    const one = readFileSync(makeCa('edgecog-dir-ca-one'), 'utf8');
    const two = readFileSync(makeCa('edgecog-dir-ca-two'), 'utf8');
    writeFileSync(join(certs, 'dir', 'one.pem'), one);
    writeFileSync(join(certs, 'dir', 'two.crt'), two);
    writeFileSync(join(certs, 'dir', 'README'), 'not a certificate\n');

    const inline = await runCli(['build', '-t', 'edgecog-test/ca-cert:inline', '--base-image', baseImage()], {
      cwd: project(false),
      env: { ...cleanPipEnv, COG_CA_CERT: readFileSync(join(certs, 'edgecog-test-ca.pem'), 'utf8') },
    });
    expect(inline.code, inline.stderr).toBe(0);
    expect(trustStore('edgecog-test/ca-cert:inline')).toContain(pemBody(readFileSync(join(certs, 'edgecog-test-ca.pem'), 'utf8')));

    const fromDir = await runCli(['build', '-t', 'edgecog-test/ca-cert:dir', '--base-image', baseImage()], { cwd: project(false), env: { ...cleanPipEnv, COG_CA_CERT: join(certs, 'dir') } });
    expect(fromDir.code, fromDir.stderr).toBe(0);
    const store = trustStore('edgecog-test/ca-cert:dir');
    expect(store).toContain(pemBody(one));
    expect(store).toContain(pemBody(two));
  }, 300_000);
});
