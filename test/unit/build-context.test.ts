/**
 * The build context without Docker: deterministic tar bytes that `tar` reads back, the layout
 * the Dockerfile expects, .dockerignore applied; builder output parsed into steps; secrets masked.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTarStream, tarToBuffer } from '../../src/docker/context-tar.js';
import { BuildKitProgressParser, ClassicProgressParser, describeFailure } from '../../src/docker/build-progress.js';
import { hasBuiltinBuildKit } from '../../src/docker/docker-cli.js';
import { buildWithBuildKit, escapeDockerfileString } from '../../src/docker/image-build.js';
import { weightsLayerId } from '../../src/dockerfile/index.js';
import { buildContextEntries, listProjectFiles } from '../../src/workflows/build-context.js';
import { defaultImageName, parseSecretSpec } from '../../src/workflows/build-image.js';
import { maskSecrets, readCaCert, resolvePipOptions } from '../../src/workflows/build-pip.js';
import { textHasUrlCredentials, urlHasCredentials } from '../../src/util/url-credentials.js';
import { buildOptionsFromFlags } from '../../src/workflows/build-flags.js';

function project(): string {
  const dir = mkdtempSync(join(tmpdir(), 'edgecog-ctx-'));
  writeFileSync(join(dir, 'cog.yaml'), 'build:\n  python_version: "3.11"\n');
  writeFileSync(join(dir, 'predict.py'), 'print(1)\n');
  mkdirSync(join(dir, 'weights'));
  writeFileSync(join(dir, 'weights', 'model.bin'), Buffer.alloc(2048, 7));
  mkdirSync(join(dir, '.git'));
  writeFileSync(join(dir, '.git', 'HEAD'), 'ref\n');
  mkdirSync(join(dir, 'logs'));
  writeFileSync(join(dir, 'logs', 'a.log'), 'x');
  writeFileSync(join(dir, 'run.sh'), '#!/bin/sh\n');
  chmodSync(join(dir, 'run.sh'), 0o755);
  const long = join(dir, 'a'.repeat(60), 'b'.repeat(60));
  mkdirSync(long, { recursive: true });
  writeFileSync(join(long, `${'c'.repeat(90)}.txt`), 'deep');
  writeFileSync(join(dir, `${'d'.repeat(120)}.txt`), 'pax');
  writeFileSync(join(dir, '.dockerignore'), 'logs\n');
  return dir;
}

function listTar(buf: Buffer): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'edgecog-tar-'));
  writeFileSync(join(dir, 'c.tar'), buf);
  return execFileSync('tar', ['-tvf', join(dir, 'c.tar')], { encoding: 'utf8' }).split('\n').filter(Boolean);
}

describe('build context', () => {
  it('has the planned layout, applies .dockerignore and separates weights', async () => {
    const dir = project();
    const listing = listProjectFiles(dir);
    expect(listing.files.map((f) => f.path)).not.toContain('logs/a.log');
    expect(listing.files.map((f) => f.path)).not.toContain('.git/HEAD');
    const entries = buildContextEntries({ dockerfile: 'FROM x\n', requirementsTxt: 'six\n', project: listing, weightsFiles: ['weights/model.bin'] });
    const buf = await tarToBuffer(entries);
    const names = listTar(buf).map((l) => l.split(/\s+/).slice(5).join(' '));
    expect(names).toContain('Dockerfile');
    expect(names).toContain('.edgecog/requirements.txt');
    // The runtime as a tree copied onto / (every directory an entry of its own, /opt included).
    for (const d of ['opt/', 'opt/edgecog/', 'opt/edgecog/runtime/', 'opt/edgecog/runtime/cog/']) expect(names).toContain(`.edgecog/runtime/${d}`);
    expect(names).toContain('.edgecog/runtime/opt/edgecog/runtime/cog/__init__.py');
    expect(names.some((n) => n.includes('__pycache__') || n.includes('/tests/'))).toBe(false);
    const w = `.edgecog/weights/${weightsLayerId('weights/model.bin')}`;
    // The weights file's own tree, every directory explicit (each becomes a fixed-time entry).
    expect(names.filter((n) => n.startsWith('.edgecog/weights/'))).toEqual(['.edgecog/weights/', `${w}/`, `${w}/src/`, `${w}/src/weights/`, `${w}/src/weights/model.bin`]);
    expect(names.some((n) => n.startsWith('.edgecog/code/') && n.endsWith('model.bin'))).toBe(false);
    expect(names).toContain('.edgecog/code/src/');
    expect(names).toContain('.edgecog/code/src/predict.py');
    expect(names).toContain(`.edgecog/code/src/${'a'.repeat(60)}/${'b'.repeat(60)}/${'c'.repeat(90)}.txt`);
    expect(names).toContain(`.edgecog/code/src/${'d'.repeat(120)}.txt`);
    const runSh = listTar(buf).find((l) => l.endsWith('.edgecog/code/src/run.sh'))!;
    expect(runSh.startsWith('-rwxr-xr-x')).toBe(true);
  });

  it('is byte-for-byte the same for the same project (stable cache keys)', async () => {
    const dir = project();
    const make = async (): Promise<Buffer> =>
      tarToBuffer(buildContextEntries({ dockerfile: 'FROM x\n', requirementsTxt: '', project: listProjectFiles(dir), weightsFiles: [] }));
    const a = await make();
    writeFileSync(join(dir, 'predict.py'), readFileSync(join(dir, 'predict.py')));
    const b = await make();
    expect(a.equals(b)).toBe(true);
  });

  it('runtime, weights and code trees: fixed owner and time on every entry; one weights tree unchanged when another is added', async () => {
    const dir = project();
    writeFileSync(join(dir, 'extra.safetensors'), Buffer.alloc(1024, 1));
    const listing = listProjectFiles(dir);
    const tree = async (weightsFiles: string[], prefix: string): Promise<string[]> =>
      listTar(await tarToBuffer(buildContextEntries({ dockerfile: 'FROM x\n', requirementsTxt: '', project: listing, weightsFiles }))).filter((l) =>
        l.includes(` ${prefix}`),
      );
    const id = weightsLayerId('weights/model.bin');
    const alone = await tree(['weights/model.bin'], `.edgecog/weights/${id}/`);
    const withOther = await tree(['extra.safetensors', 'weights/model.bin'], `.edgecog/weights/${id}/`);
    expect(alone).toHaveLength(4);
    expect(withOther).toEqual(alone);
    const code = await tree(['weights/model.bin'], '.edgecog/code/');
    const runtime = await tree([], '.edgecog/runtime/');
    expect(runtime.length).toBeGreaterThan(5);
    for (const line of [...alone, ...code, ...runtime]) {
      // tar -tv: mode, owner/group, size, date, time, name
      expect(line).toMatch(/^[-dl]r[-w][-x]r-[-x]r-[-x] root\/root +\d+ 2000-01-01 00:00 /);
    }
    expect(code.some((l) => l.endsWith(' .edgecog/code/src/extra.safetensors'))).toBe(true);
  });
});

describe('builder output', () => {
  it('a context that fails to stream names the file, not a cut build', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'edgecog-ctx-'));
    const fakeDocker = join(dir, 'docker');
    writeFileSync(fakeDocker, '#!/bin/sh\ncat >/dev/null\necho "ERROR: unexpected EOF" >&2\nexit 1\n');
    chmodSync(fakeDocker, 0o755);
    const source = join(dir, 'weights.bin');
    writeFileSync(source, 'abc');
    const context = createTarStream([{ type: 'file', path: 'weights.bin', source, size: 10_000 }]);
    await expect(buildWithBuildKit({ path: fakeDocker, version: '24.0.0', kind: 'builtin' }, { context })).rejects.toThrow(
      /cannot send the project to the builder: .*weights\.bin shrank/,
    );
  });


  it('BuildKit plain progress: steps, cached marks, the failing step and its output', () => {
    const parser = new BuildKitProgressParser();
    for (const line of [
      '#4 [1/3] FROM docker.io/library/base',
      '#4 DONE 0.1s',
      '#5 [2/3] RUN pip install -r req.txt',
      '#5 CACHED',
      '#6 [3/3] RUN ./broken.sh',
      '#6 sha256:abc',
      '#6 0.120 starting',
      '#6 0.345 boom: something broke',
      '#6 ERROR: executor failed running [/bin/sh -c ./broken.sh]: exit code: 2',
      '------',
      ' > [3/3] RUN ./broken.sh:',
      '#6 0.345 boom: something broke',
      '------',
      'executor failed running [/bin/sh -c ./broken.sh]: exit code: 2',
    ])
      parser.push(line);
    expect(parser.steps.get('5')!.cached).toBe(true);
    const failed = parser.failedStep()!;
    expect(failed.name).toBe('[3/3] RUN ./broken.sh');
    expect(failed.output).toEqual(['starting', 'boom: something broke']);
    const text = describeFailure(failed, parser.errorSummary());
    expect(text).toContain('boom: something broke');
    expect(text).toContain('exit code: 2');
  });

  it('classic JSON stream: an errorDetail is a failure even after output', () => {
    const parser = new ClassicProgressParser();
    parser.push({ stream: 'Step 1/2 : FROM base\n' });
    parser.push({ stream: ' ---> 123\n' });
    parser.push({ stream: 'Step 2/2 : RUN false\n' });
    parser.push({ stream: ' ---> Running in abc\n' });
    parser.push({ stream: 'oops\n' });
    parser.push({ error: "The command '/bin/sh -c false' returned a non-zero code: 1", errorDetail: { code: 1, message: "The command '/bin/sh -c false' returned a non-zero code: 1" } });
    parser.finish();
    expect(parser.error).toMatch(/non-zero code: 1/);
    expect(parser.failedStep()!.output).toEqual(['oops']);
    expect(parser.imageId).toBeUndefined();
  });
});

describe('build settings', () => {
  it('credentials in index URLs become secrets and are masked', () => {
    const r = resolvePipOptions({ indexUrl: 'https://u:tok3n@pkgs.example/simple', extraIndexUrl: ['https://plain.example/simple'] }, {});
    expect(r.options.hasSecretIndex).toBe(true);
    expect(r.options.indexUrl).toBeUndefined();
    expect(r.options.extraIndexUrls).toEqual(['https://plain.example/simple']);
    expect(r.secretValues['pip-index']).toBe('https://u:tok3n@pkgs.example/simple');
    expect(maskSecrets('Looking in https://u:tok3n@pkgs.example/simple and tok3n', r.sensitive)).toBe('Looking in https://***@pkgs.example/simple and ***');
    expect(urlHasCredentials('https://pkgs.example/simple')).toBe(false);
  });

  it('one user-info pattern: a URL setting, a text, and the mask agree', () => {
    expect(urlHasCredentials('https://u@pkgs.example/simple')).toBe(true);
    expect(urlHasCredentials('not a url://u:t@x')).toBe(false);
    expect(textHasUrlCredentials('numpy\n--extra-index-url "https://u:t@pkgs.example/simple"\n')).toBe(true);
    expect(textHasUrlCredentials('numpy\n--extra-index-url https://pkgs.example/simple # mail@example.com\n')).toBe(false);
    // Called twice: no global-regex lastIndex left over between calls.
    expect(textHasUrlCredentials('git+https://u:t@host/r.git')).toBe(true);
    expect(textHasUrlCredentials('git+https://u:t@host/r.git')).toBe(true);
    expect(maskSecrets("'https://u:t@a/x' http://v@b/")).toBe("'https://***@a/x' http://***@b/");
  });

  it('the build flags map to buildImage options in one place', () => {
    expect(buildOptionsFromFlags({ file: 'x.yaml', cache: false, secret: ['id=a,src=b'], indexUrl: 'http://i/simple', findLinks: ['http://w/'], progress: 'plain' })).toEqual({
      configFile: 'x.yaml',
      baseImage: undefined,
      useCudaBaseImage: undefined,
      pip: { indexUrl: 'http://i/simple', extraIndexUrl: undefined, findLinks: ['http://w/'], trustedHost: undefined },
      progress: 'plain',
      noCache: true,
      separateWeights: undefined,
      secrets: ['id=a,src=b'],
      openapiSchemaFile: undefined,
    });
    expect(buildOptionsFromFlags({}).progress).toBe('auto');
    expect(buildOptionsFromFlags({}).noCache).toBe(false);
  });

  it('a token given as the user name is masked too; a malformed index never echoes its credentials', () => {
    const r = resolvePipOptions({ extraIndexUrl: ['https://glpat-abcd1234@gitlab.example/api/v4/simple'] }, {});
    expect(maskSecrets('401 for token glpat-abcd1234', r.sensitive)).toBe('401 for token ***');
    for (const bad of ['ci:s3cr3tz@pkgs.example/simple', 'file://ci:s3cr3tz@pkgs.example/simple']) {
      expect(() => resolvePipOptions({ indexUrl: bad }, {})).toThrow(/is not an http\(s\) URL/);
      try {
        resolvePipOptions({ indexUrl: bad }, {});
      } catch (err) {
        expect((err as Error).message).not.toContain('s3cr3tz');
      }
    }
  });

  it('flags win over PIP_* variables; host paths in find-links are not used', () => {
    const r = resolvePipOptions({ findLinks: ['http://127.0.0.1:1/wheels/'] }, { PIP_INDEX_URL: 'http://127.0.0.1:1/simple', PIP_FIND_LINKS: '/srv/wheels', PIP_TRUSTED_HOST: 'a b' });
    expect(r.options).toMatchObject({ indexUrl: 'http://127.0.0.1:1/simple', findLinks: ['http://127.0.0.1:1/wheels/'], trustedHosts: ['a', 'b'] });
    const env = resolvePipOptions({}, { PIP_FIND_LINKS: '/srv/wheels' });
    expect(env.options.findLinks).toEqual([]);
    expect(env.notes[0]).toContain('/srv/wheels');
  });

  it('COG_CA_CERT: inline PEM, file, directory; junk refused', () => {
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    expect(readCaCert(pem)!.toString()).toBe(pem);
    const dir = mkdtempSync(join(tmpdir(), 'edgecog-ca-'));
    writeFileSync(join(dir, 'a.pem'), pem);
    writeFileSync(join(dir, 'b.crt'), pem);
    writeFileSync(join(dir, 'c.txt'), 'not a cert');
    expect(readCaCert(join(dir, 'a.pem'))!.toString()).toBe(pem);
    expect(readCaCert(dir)!.toString()).toBe(pem + pem);
    expect(readCaCert(Buffer.from(pem).toString('base64'))!.toString()).toBe(pem);
    expect(() => readCaCert('nonsense')).toThrow(/COG_CA_CERT/);
    expect(readCaCert(undefined)).toBeUndefined();
  });

  it("default image names follow Cog's", () => {
    expect(defaultImageName('/home/joe/foo')).toBe('cog-foo');
    expect(defaultImageName('/home/joe/Foo')).toBe('cog-foo');
    expect(defaultImageName('/home/joe/cog-foo')).toBe('cog-foo');
    expect(defaultImageName('/home/joe/my great model')).toBe('cog-my-great-model');
    expect(defaultImageName(`/x/${'verylong'.repeat(8)}`)).toHaveLength(30);
  });

  it('--secret specs, Dockerfile label escaping, BuildKit CLI versions', () => {
    expect(parseSecretSpec('id=tok,src=t.txt', '/p')).toEqual({ id: 'tok', src: '/p/t.txt' });
    expect(() => parseSecretSpec('tok', '/p')).toThrow(/--secret/);
    expect(escapeDockerfileString('a"b\\c$HOME')).toBe('a\\"b\\\\c\\$HOME');
    expect(hasBuiltinBuildKit('20.10.24+dfsg1')).toBe(true);
    expect(hasBuiltinBuildKit('18.06.1')).toBe(false);
    expect(hasBuiltinBuildKit('28.2.2')).toBe(false);
  });
});

describe('build progress labels', () => {
  it('drop BuildKit stage names and classic "Step" prefixes', async () => {
    const { stepLabel } = await import('../../src/workflows/build-reporter.js');
    const step = (name: string) => ({ id: '1', name, cached: false, done: false, output: [] });
    expect(stepLabel(step('[stage-0 3/9] RUN x'))).toBe('[3/9] RUN x');
    expect(stepLabel(step('[3/9] RUN x'))).toBe('[3/9] RUN x');
    expect(stepLabel(step('Step 3/9 : RUN x'))).toBe('[3/9] RUN x');
  });
});
