import { describe, expect, it } from 'vitest';
import {
  createIgnoreMatcher,
  DEFAULT_IGNORE_PATTERNS,
  parseDockerignore,
  selectWeightsFiles,
} from '../../src/dockerfile/index.js';

const matcher = (text: string) => createIgnoreMatcher([...DEFAULT_IGNORE_PATTERNS, ...parseDockerignore(text)]);

describe('.dockerignore matcher (Docker semantics)', () => {
  it('parses comments, blanks and whitespace', () => {
    expect(parseDockerignore('# c\n\n  *.log  \r\n!keep.log\n')).toEqual(['*.log', '!keep.log']);
  });

  it('applies Cog-like defaults', () => {
    const m = matcher('');
    expect(m('.git', true)).toBe(true);
    expect(m('.git/config', false)).toBe(true);
    expect(m('sub/.git/HEAD', false)).toBe(true);
    expect(m('pkg/__pycache__/x.cpython-311.pyc', false)).toBe(true);
    expect(m('.cog/build/x', false)).toBe(true);
    expect(m('predict.py', false)).toBe(false);
    expect(m('.gitignore', false)).toBe(false);
  });

  it('a directory pattern excludes everything below it', () => {
    const m = matcher('data\n/venv/\n');
    expect(m('data', true)).toBe(true);
    expect(m('data/a/b.txt', false)).toBe(true);
    expect(m('venv/bin/python', false)).toBe(true);
    expect(m('src/data', true)).toBe(false);
    expect(m('database.py', false)).toBe(false);
  });

  it('* and ? stay within a segment; ** crosses them', () => {
    const m = matcher('*.tmp\ndocs/?.md\n**/*.ckpt\nlogs/**\n');
    expect(m('a.tmp', false)).toBe(true);
    expect(m('sub/a.tmp', false)).toBe(false);
    expect(m('docs/a.md', false)).toBe(true);
    expect(m('docs/ab.md', false)).toBe(false);
    expect(m('model.ckpt', false)).toBe(true);
    expect(m('a/b/c/model.ckpt', false)).toBe(true);
    expect(m('logs/x/y.txt', false)).toBe(true);
  });

  it('! re-includes, and the last matching line wins', () => {
    const m = matcher('*.md\n!README.md\nREADME*\n!CHANGELOG.md\n');
    expect(m('NOTES.md', false)).toBe(true);
    expect(m('README.md', false)).toBe(true);
    expect(m('CHANGELOG.md', false)).toBe(false);
    const n = matcher('weights\n!weights/keep.txt\n');
    expect(n('weights/drop.bin', false)).toBe(true);
    expect(n('weights/keep.txt', false)).toBe(false);
    expect(n.hasNegations).toBe(true);
    expect(matcher('x').hasNegations).toBe(false);
  });

  it('character classes and escapes', () => {
    const m = matcher('file[0-9].txt\nlit\\*eral\n[!a]x\n');
    expect(m('file3.txt', false)).toBe(true);
    expect(m('filex.txt', false)).toBe(false);
    expect(m('lit*eral', false)).toBe(true);
    expect(m('litXeral', false)).toBe(false);
    expect(m('bx', false)).toBe(true);
    expect(m('ax', false)).toBe(false);
  });

  it('a user ! line can bring a default back', () => {
    expect(matcher('!.git')('.git/HEAD', false)).toBe(false);
  });
});

describe('selectWeightsFiles', () => {
  const MB = 1024 * 1024;
  it('known extensions and large non-code files, shallow first', () => {
    expect(
      selectWeightsFiles([
        { path: 'predict.py', size: 20 * MB },
        { path: 'models/unet/model.safetensors', size: 3 },
        { path: 'model.pt', size: 1000 },
        { path: 'data/tokenizer.raw', size: 11 * MB },
        { path: 'small.txt', size: 10 },
        { path: 'demo.mp4', size: 50 * MB },
        { path: '.git/objects/pack/p.pack', size: 50 * MB },
        { path: 'a.bin', size: 5 },
      ]),
    ).toEqual(['a.bin', 'model.pt', 'data/tokenizer.raw', 'models/unet/model.safetensors']);
  });

  it('threshold option', () => {
    expect(selectWeightsFiles([{ path: 'x.dat', size: 2000 }], { thresholdBytes: 1000 })).toEqual(['x.dat']);
    expect(selectWeightsFiles([{ path: 'x.dat', size: 2000 }])).toEqual([]);
  });
});
