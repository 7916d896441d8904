/**
 * Credentials written in the user's requirements files never reach the image's copy of the
 * project: those copies are masked (scheme://***@host), every other byte kept; includes
 * (-r/-c) are followed; files without credentials are copied from disk as they are.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tarToBuffer } from '../../src/docker/context-tar.js';
import { buildContextEntries, listProjectFiles } from '../../src/workflows/build-context.js';
import { maskedProjectFiles, maskUrlCredentials, requirementsFilesOf } from '../../src/workflows/build-masked-files.js';

function extract(buf: Buffer): string {
  const dir = mkdtempSync(join(tmpdir(), 'edgecog-masked-tar-'));
  writeFileSync(join(dir, 'c.tar'), buf);
  execFileSync('tar', ['-xf', join(dir, 'c.tar'), '-C', dir]);
  return dir;
}

describe('masking credentials in the image copies of requirements files', () => {
  it('masks only the user-info part, keeping every other byte (CRLF, latin1, comments)', () => {
    const text = Buffer.concat([
      Buffer.from('--extra-index-url https://me:tok-123@pkgs.example.com/simple\r\n# caf'),
      Buffer.from([0xe9, 0xff]),
      Buffer.from('\r\n-i http://tok@10.0.0.1:8080/simple\n-f https://u:p%40ss@host/links/\nsix==1.17.0 @ https://host/six.whl\n'),
    ]);
    const masked = maskUrlCredentials(text);
    expect(masked).toBeDefined();
    const expected = Buffer.concat([
      Buffer.from('--extra-index-url https://***@pkgs.example.com/simple\r\n# caf'),
      Buffer.from([0xe9, 0xff]),
      Buffer.from('\r\n-i http://***@10.0.0.1:8080/simple\n-f https://***@host/links/\nsix==1.17.0 @ https://host/six.whl\n'),
    ]);
    expect(masked!.equals(expected)).toBe(true);
    // Nothing to mask: undefined, so the file is copied from disk untouched.
    expect(maskUrlCredentials(Buffer.from('git+https://github.com/org/repo@v1.0#egg=x\nsix\n'))).toBeUndefined();
  });

  it('follows -r/-c includes inside the project, relative to the including file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'edgecog-masked-'));
    mkdirSync(join(dir, 'reqs'));
    writeFileSync(join(dir, 'requirements.txt'), '-r reqs/base.txt\n--constraint=reqs/pins.txt\n-r ../outside.txt\n-r https://host/r.txt\nsix\n');
    writeFileSync(join(dir, 'reqs', 'base.txt'), '-rmore.txt  # same directory\n--index-url https://u:secret@idx/simple\n');
    writeFileSync(join(dir, 'reqs', 'more.txt'), '-r base.txt\nnumpy\n');
    writeFileSync(join(dir, 'reqs', 'pins.txt'), 'numpy==2.0\n');
    writeFileSync(join(dir, 'other.txt'), '--index-url https://u:secret@idx/simple\n');
    const { files } = listProjectFiles(dir);
    const found = requirementsFilesOf('requirements.txt', files);
    expect(found).toEqual(['requirements.txt', 'reqs/base.txt', 'reqs/more.txt', 'reqs/pins.txt']);
    expect(requirementsFilesOf('./reqs/more.txt', files)).toEqual(['reqs/more.txt', 'reqs/base.txt']);
    expect(requirementsFilesOf(undefined, files)).toEqual([]);
    const masked = maskedProjectFiles(found, files);
    expect([...masked.keys()]).toEqual(['reqs/base.txt']);
    expect(masked.get('reqs/base.txt')!.toString()).toBe('-rmore.txt  # same directory\n--index-url https://***@idx/simple\n');
  });

  it('the context holds the masked copy, an added cog.yaml, and everything else unchanged', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'edgecog-masked-'));
    const req = '--extra-index-url http://user:tok-abc@127.0.0.1:9/simple\nsix==1.17.0\n';
    writeFileSync(join(dir, 'requirements.txt'), req);
    writeFileSync(join(dir, 'cog.dev.yaml'), 'build:\n  python_requirements: requirements.txt\n');
    writeFileSync(join(dir, 'predict.py'), 'x = 1\n');
    const project = listProjectFiles(dir);
    const overrides = maskedProjectFiles(requirementsFilesOf('requirements.txt', project.files), project.files);
    overrides.set('cog.yaml', readFileSync(join(dir, 'cog.dev.yaml')));
    const out = extract(await tarToBuffer(buildContextEntries({ dockerfile: 'FROM x\n', requirementsTxt: req, project, weightsFiles: [], overrides })));
    expect(readFileSync(join(out, '.edgecog/code/src/requirements.txt'), 'utf8')).toBe('--extra-index-url http://***@127.0.0.1:9/simple\nsix==1.17.0\n');
    expect(readFileSync(join(out, '.edgecog/code/src/cog.yaml'), 'utf8')).toBe('build:\n  python_requirements: requirements.txt\n');
    expect(readFileSync(join(out, '.edgecog/code/src/cog.dev.yaml'), 'utf8')).toBe('build:\n  python_requirements: requirements.txt\n');
    expect(readFileSync(join(out, '.edgecog/code/src/predict.py'), 'utf8')).toBe('x = 1\n');
    // pip's own copy (bind-mounted, never a layer) keeps the real URL.
    expect(readFileSync(join(out, '.edgecog/requirements.txt'), 'utf8')).toBe(req);
  });
});
