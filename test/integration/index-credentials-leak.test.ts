/**
 * A made-up token in a package-index URL must reach the build only as a BuildKit secret: it is
 * searched for in every layer of `docker save`, the image config, `docker history --no-trunc`,
 * the labels and environment, and everything edgecog printed. The local index (.ci/setup.sh)
 * ignores the user-info part, so the build really installs through the URL carrying it.
 * Required in CI: no engine or index = failure.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCli, runCli } from './run-cli-helpers.js';
import { baseImage, cleanPipEnv, localIndex, type LocalIndex } from './helpers/index-server.js';

let index: LocalIndex;

beforeAll(() => {
  buildCli();
  execFileSync('docker', ['info'], { stdio: 'pipe' });
  index = localIndex();
});

/** A fresh token, and the index URL carrying it (the server ignores it). */
function withToken(url: string): { token: string; url: string; user: string } {
  const token = `tok-${randomBytes(12).toString('hex')}`;
  const user = `edgecog-${randomBytes(3).toString('hex')}`;
  return { token, user, url: url.replace('://', `://${user}:${token}@`) };
}

/**
 * A project that installs six (from the main index) and pycountry (only in the extra one).
 * The random lower bound (always met) changes the requirements, so the install step really
 * runs (no cache hit from an earlier build) and pip uses the URL carrying the token.
 */
function project(extraRequirementLines: string[] = []): string {
  const dir = mkdtempSync(join(tmpdir(), 'edgecog-index-credentials-'));
  writeFileSync(join(dir, 'cog.yaml'), 'build:\n  python_version: "3.11"\n  python_requirements: requirements.txt\nrun: "predict.py:Predictor"\n');
  writeFileSync(
    join(dir, 'predict.py'),
    'import pycountry\nimport six\nfrom cog import BasePredictor\n\n\nclass Predictor(BasePredictor):\n    def predict(self) -> str:\n        return six.__version__ + " " + pycountry.countries.get(alpha_2="FR").name\n',
  );
  // edgecog drops comments from the requirements it installs: a bound changes what pip runs.
  writeFileSync(join(dir, 'requirements.txt'), [...extraRequirementLines, 'six==1.17.0', `pycountry>=1.${randomBytes(4).readUInt32BE(0)}`, ''].join('\n'));
  return dir;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((name) => join(dir, name))
    .filter((p) => statSync(p).isFile());
}

/**
 * Everything docker holds about the image, searched for each needle (raw, and base64 of
 * user:token as an Authorization header would carry it). Returns the number of layers searched.
 */
function expectSecretNowhere(image: string, needles: string[]): number {
  const patterns = needles.map((n) => Buffer.from(n));
  const where = (data: Buffer): string | undefined => needles.find((_, i) => data.includes(patterns[i]!));

  const dir = mkdtempSync(join(tmpdir(), 'edgecog-saved-'));
  try {
    execFileSync('sh', ['-c', `docker save "$1" | tar -x -C "$2"`, 'sh', image, dir], { stdio: 'pipe' });
    let layers = 0;
    for (const file of filesUnder(dir)) {
      let data = readFileSync(file);
      if (data[0] === 0x1f && data[1] === 0x8b) data = gunzipSync(data);
      // A layer is a tar: "ustar" at offset 257 of its first header.
      if (data.toString('latin1', 257, 262) === 'ustar') layers++;
      const found = where(data);
      const inside = found && data.toString('latin1', 257, 262) === 'ustar' ? ` (${tarEntriesHolding(data, Buffer.from(found)).join(', ')})` : '';
      expect(found, `${found} found in ${file.slice(dir.length)}${inside} of docker save`).toBeUndefined();
    }
    const rootfs = JSON.parse(execFileSync('docker', ['image', 'inspect', image, '--format', '{{json .RootFS.Layers}}'], { encoding: 'utf8' })) as string[];
    // Every layer was looked into (an empty layer is a tar of 1 KiB of zeros, no ustar header).
    expect(layers).toBeGreaterThanOrEqual(rootfs.length - 1);
    for (const [what, text] of [
      ['docker history', execFileSync('docker', ['history', '--no-trunc', '--format', '{{json .}}', image], { encoding: 'utf8' })],
      ['docker inspect (config, labels, env)', execFileSync('docker', ['image', 'inspect', image], { encoding: 'utf8' })],
    ] as const) {
      const found = where(Buffer.from(text));
      expect(found, `${found} found in ${what}`).toBeUndefined();
    }
    return layers;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Names of the entries of an uncompressed tar whose content holds the needle. */
function tarEntriesHolding(tar: Buffer, needle: Buffer): string[] {
  const out: string[] = [];
  for (let pos = 0; pos + 512 <= tar.length; ) {
    const name = tar.toString('latin1', pos, pos + 100).replace(/\0.*$/s, '');
    if (!name) break;
    const prefix = tar.toString('latin1', pos + 345, pos + 500).replace(/\0.*$/s, '');
    const size = parseInt(tar.toString('latin1', pos + 124, pos + 136).replace(/\0.*$/s, '').trim() || '0', 8);
    if (tar.subarray(pos + 512, pos + 512 + size).includes(needle)) out.push(prefix ? `${prefix}/${name}` : name);
    pos += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

const needlesFor = (t: { token: string; user: string }): string[] => [t.token, Buffer.from(`${t.user}:${t.token}`).toString('base64')];

function runImage(image: string): string {
  return execFileSync('docker', ['run', '--rm', '--network', 'none', image, 'python', '-c', 'import predict; print(predict.Predictor().predict())'], { encoding: 'utf8' }).trim();
}

describe('a credential in a package-index URL', () => {
  it('--index-url and --extra-index-url with tokens: in no layer, config, history, label or output', async () => {
    const main = withToken(index.indexUrl);
    const extra = withToken(index.extraIndexUrls[0] ?? '');
    expect(extra.url).toContain('@127.0.0.1');
    const dir = project();
    const image = 'edgecog-test/index-credentials:flags';
    const flags = ['--base-image', baseImage(), '--index-url', main.url, '--extra-index-url', extra.url, ...index.findLinks.flatMap((l) => ['--find-links', l])];
    const res = await runCli(['build', '-t', image, '--progress', 'plain', ...flags], { cwd: dir, env: cleanPipEnv });
    const output = res.stdout + res.stderr;
    expect(res.stderr).not.toContain('internal error');
    expect(res.code, res.stderr).toBe(0);
    for (const needle of [...needlesFor(main), ...needlesFor(extra)]) expect(output).not.toContain(needle);
    // pip ran and said where it looked; the user-info part of each URL is masked as ***.
    expect(output).toMatch(/Looking in indexes: http:\/\/\*\*\*@127\.0\.0\.1/);
    expect(output).toContain(`http://***@${index.extraIndexUrls[0]!.slice('http://'.length)}`);
    expect(expectSecretNowhere(image, [...needlesFor(main), ...needlesFor(extra)])).toBeGreaterThanOrEqual(4);
    expect(runImage(image)).toBe('1.17.0 France');
  }, 300_000);

  it('PIP_INDEX_URL with a token works as the flag does, and leaks nowhere', async () => {
    const main = withToken(index.indexUrl);
    const dir = project();
    const image = 'edgecog-test/index-credentials:env';
    const env = { ...cleanPipEnv, PIP_INDEX_URL: main.url, PIP_EXTRA_INDEX_URL: index.extraIndexUrls.join(' '), PIP_FIND_LINKS: index.findLinks.join(' ') };
    const res = await runCli(['build', '-t', image, '--progress', 'plain', '--base-image', baseImage()], { cwd: dir, env });
    expect(res.code, res.stderr).toBe(0);
    for (const needle of needlesFor(main)) expect(res.stdout + res.stderr).not.toContain(needle);
    expectSecretNowhere(image, needlesFor(main));
    expect(runImage(image)).toBe('1.17.0 France');
  }, 300_000);

  it('an index URL with a token written in requirements.txt: in no layer either', async () => {
    const extra = withToken(index.extraIndexUrls[0] ?? '');
    const dir = project([`--extra-index-url ${extra.url}`]);
    const image = 'edgecog-test/index-credentials:requirements';
    const res = await runCli(['build', '-t', image, '--progress', 'plain', '--base-image', baseImage(), '--index-url', index.indexUrl], { cwd: dir, env: cleanPipEnv });
    expect(res.code, res.stderr).toBe(0);
    for (const needle of needlesFor(extra)) expect(res.stdout + res.stderr).not.toContain(needle);
    // The user's requirements file is part of the project; the copy in the image must not
    // carry the credential (the install itself reads it from a bind mount, never a layer).
    expectSecretNowhere(image, needlesFor(extra));
    expect(runImage(image)).toBe('1.17.0 France');
  }, 300_000);

  it('without BuildKit the build refuses, says why, and bakes nothing', async () => {
    const main = withToken(index.indexUrl);
    const dir = project();
    const image = 'edgecog-test/index-credentials:classic';
    execFileSync('sh', ['-c', 'docker rmi -f "$1" >/dev/null 2>&1 || true', 'sh', image]);
    const res = await runCli(['build', '-t', image, '--base-image', baseImage(), '--index-url', main.url], { cwd: dir, env: { ...cleanPipEnv, EDGECOG_BUILDKIT: '0' } });
    expect(res.code).toBe(1);
    expect(res.stdout).toBe('');
    expect(res.stderr).toMatch(/BuildKit/);
    expect(res.stderr).toMatch(/credential/i);
    for (const needle of needlesFor(main)) expect(res.stderr).not.toContain(needle);
    expect(() => execFileSync('docker', ['image', 'inspect', image], { stdio: 'pipe' })).toThrow();
  }, 120_000);
});
