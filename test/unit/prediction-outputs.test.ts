import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { decodeDataUri, encodeDataUri, extensionForType, typeForPath } from '../../src/prediction/mime.js';
import type { OpenApiDocument, SchemaObject } from '../../src/prediction/openapi.js';
import { filePathFor, indexedPath, keyedPath, OutputWriter, resolveOutputDestination } from '../../src/prediction/outputs.js';

const png = encodeDataUri(Buffer.from([137, 80, 78, 71]), 'image/png');
const txt = (s: string): string => encodeDataUri(Buffer.from(s), 'text/plain');

function docWithOutput(output: SchemaObject, mode: 'predict' | 'train' = 'predict'): OpenApiDocument {
  return { components: { schemas: { Input: { type: 'object', properties: {} }, [mode === 'train' ? 'TrainingOutput' : 'Output']: output } } };
}

function writerFor(output: SchemaObject, opts: { dest?: string; json?: boolean; writeToFile?: boolean; mode?: 'predict' | 'train' } = {}) {
  const cwd = mkdtempSync(join(tmpdir(), 'edgecog-out-'));
  const stdout: string[] = [];
  const info: string[] = [];
  const warn: string[] = [];
  const writer = new OutputWriter({
    doc: docWithOutput(output, opts.mode),
    mode: opts.mode ?? 'predict',
    destination: opts.dest ?? 'output',
    cwd,
    writeToFile: opts.writeToFile ?? false,
    json: opts.json ?? false,
    stdout: (t) => stdout.push(t),
    info: (m) => info.push(m),
    warn: (m) => warn.push(m),
  });
  return { writer, cwd, stdout, info, warn };
}

describe('data URIs and media types', () => {
  it('decodes base64 and percent-encoded payloads', () => {
    expect(decodeDataUri(png)).toEqual({ contentType: 'image/png', data: Buffer.from([137, 80, 78, 71]) });
    expect(decodeDataUri('data:text/plain,hello%20world')?.data.toString()).toBe('hello world');
    expect(decodeDataUri('data:None;base64,aGk=')?.contentType).toBe('application/octet-stream');
    expect(decodeDataUri('https://example.com/x.png')).toBeUndefined();
  });

  it('maps types and extensions both ways', () => {
    expect(extensionForType('image/png')).toBe('.png');
    expect(extensionForType('text/plain; charset=utf-8')).toBe('.txt');
    expect(extensionForType('application/x-unknown')).toBe('');
    expect(typeForPath('a/photo.JPG')).toBe('image/jpeg');
    expect(typeForPath('weights')).toBe('application/octet-stream');
  });
});

describe('file naming (as Cog)', () => {
  it('adds the media type extension unless the destination has one', () => {
    expect(filePathFor('output', 'image/png')).toBe('output.png');
    expect(filePathFor('out/result.jpg', 'image/png')).toBe('out/result.jpg');
    expect(filePathFor('output.0', 'image/png')).toBe('output.0.png');
  });

  it('numbers list items and names object members', () => {
    expect(indexedPath('output', 2)).toBe('output.2');
    expect(indexedPath('out.png', 0)).toBe('out.0.png');
    expect(keyedPath('output', 'mask')).toBe('output.mask');
    expect(keyedPath('weights', 'weights')).toBe('weights');
  });

  it('resolves -o: a directory gets the fallback name, a missing parent is an error', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'edgecog-dest-'));
    mkdirSync(join(cwd, 'results'));
    expect(resolveOutputDestination(undefined, 'output', cwd)).toBe('output');
    expect(resolveOutputDestination('results', 'output', cwd)).toBe(join('results', 'output'));
    expect(() => resolveOutputDestination('nope/dir/x.png', 'output', cwd)).toThrow(UserError);
    mkdirSync(join(cwd, 'output'));
    expect(() => resolveOutputDestination(undefined, 'output', cwd)).toThrow(/is a directory/);
  });
});

describe('OutputWriter', () => {
  it('prints a string output raw', () => {
    const { writer, stdout } = writerFor({ type: 'string' });
    expect(writer.finish({ status: 'succeeded', output: 'hello' })).toBe(0);
    expect(stdout.join('')).toBe('hello\n');
  });

  it('pretty-prints other values as JSON', () => {
    const { writer, stdout } = writerFor({ type: 'object', properties: { a: { type: 'integer' } } });
    writer.finish({ status: 'succeeded', output: { a: 1, b: [true] } });
    expect(stdout.join('')).toBe('{\n  "a": 1,\n  "b": [\n    true\n  ]\n}\n');
  });

  it('writes a file output next to the fallback name with its extension', () => {
    const { writer, cwd, stdout, info } = writerFor({ type: 'string', format: 'uri' });
    writer.finish({ status: 'succeeded', output: png });
    expect(readFileSync(join(cwd, 'output.png'))).toEqual(Buffer.from([137, 80, 78, 71]));
    expect(stdout).toEqual([]);
    expect(info).toEqual(['Written output to: output.png']);
  });

  it('numbers a list of files', () => {
    const { writer, cwd } = writerFor({ type: 'array', items: { type: 'string', format: 'uri' } });
    writer.finish({ status: 'succeeded', output: [txt('a'), txt('b')] });
    expect(readFileSync(join(cwd, 'output.0.txt'), 'utf8')).toBe('a');
    expect(readFileSync(join(cwd, 'output.1.txt'), 'utf8')).toBe('b');
  });

  it('writes a string to -o instead of stdout', () => {
    const { writer, cwd, stdout } = writerFor({ type: 'string' }, { dest: 'result.txt', writeToFile: true });
    writer.finish({ status: 'succeeded', output: 'hi' });
    expect(stdout).toEqual([]);
    expect(readFileSync(join(cwd, 'result.txt'), 'utf8')).toBe('hi\n');
  });

  it('streams iterator items as they arrive and does not repeat them at the end', () => {
    const { writer, stdout } = writerFor({ type: 'array', items: { type: 'string' }, 'x-cog-array-type': 'iterator' });
    writer.onProgress({ status: 'processing', output: ['a'] });
    expect(stdout).toEqual(['a\n']);
    writer.onProgress({ status: 'processing', output: ['a', 'b'] });
    writer.finish({ status: 'succeeded', output: ['a', 'b', 'c'] });
    writer.onProgress({ status: 'succeeded', output: ['a', 'b', 'c', 'late'] });
    expect(stdout).toEqual(['a\n', 'b\n', 'c\n']);
  });

  it('concatenates ConcatenateIterator tokens and ends the line', () => {
    const { writer, stdout } = writerFor({
      type: 'array',
      items: { type: 'string' },
      'x-cog-array-type': 'iterator',
      'x-cog-array-display': 'concatenate',
    });
    writer.onProgress({ output: ['Hel'] });
    writer.finish({ status: 'succeeded', output: ['Hel', 'lo'] });
    expect(stdout.join('')).toBe('Hello\n');
  });

  it('writes iterator files as they arrive, numbered', () => {
    const { writer, cwd, stdout } = writerFor({ type: 'array', items: { type: 'string', format: 'uri' }, 'x-cog-array-type': 'iterator' });
    writer.onProgress({ output: [txt('first')] });
    expect(existsSync(join(cwd, 'output.0.txt'))).toBe(true);
    writer.finish({ status: 'succeeded', output: [txt('first'), txt('second')] });
    expect(readFileSync(join(cwd, 'output.1.txt'), 'utf8')).toBe('second');
    expect(stdout).toEqual([]);
  });

  it('writes files inside objects (training weights) and prints the rest', () => {
    const { writer, cwd, stdout } = writerFor(
      { type: 'object', properties: { weights: { type: 'string', format: 'uri' }, steps: { type: 'integer' } } },
      { dest: 'weights', mode: 'train' },
    );
    writer.finish({ status: 'succeeded', output: { weights: encodeDataUri(Buffer.from('w'), 'application/x-tar'), steps: 3 } });
    expect(readFileSync(join(cwd, 'weights.tar'), 'utf8')).toBe('w');
    expect(JSON.parse(stdout.join(''))).toEqual({ weights: 'weights.tar', steps: 3 });
  });

  it('train -w NAME: the one weights file inside a TrainingOutput gets exactly that name', () => {
    const schema: SchemaObject = { type: 'object', properties: { weights: { type: 'string', format: 'uri' }, steps: { type: 'integer' } } };
    const { writer, cwd, stdout } = writerFor(schema, { dest: 'trained.txt', mode: 'train' });
    writer.finish({ status: 'succeeded', output: { weights: txt('docker:5'), steps: 5 } });
    expect(readFileSync(join(cwd, 'trained.txt'), 'utf8')).toBe('docker:5');
    expect(existsSync(join(cwd, 'trained.weights.txt'))).toBe(false);
    expect(JSON.parse(stdout.join(''))).toEqual({ weights: 'trained.txt', steps: 5 });
  });

  it('train -o NAME with a TrainingOutput: the weights keep NAME, the rest is printed', () => {
    const schema: SchemaObject = { type: 'object', properties: { weights: { type: 'string', format: 'uri' }, steps: { type: 'integer' } } };
    const { writer, cwd, stdout } = writerFor(schema, { dest: 'w.txt', mode: 'train', writeToFile: true });
    writer.finish({ status: 'succeeded', output: { weights: txt('weights!'), steps: 2 } });
    expect(readFileSync(join(cwd, 'w.txt'), 'utf8')).toBe('weights!');
    expect(JSON.parse(stdout.join(''))).toEqual({ weights: 'w.txt', steps: 2 });
  });

  it('train with several files keeps them apart, named by key', () => {
    const schema: SchemaObject = { type: 'object', properties: { weights: { type: 'string', format: 'uri' }, log: { type: 'string', format: 'uri' } } };
    const { writer, cwd } = writerFor(schema, { dest: 'trained.txt', mode: 'train' });
    writer.finish({ status: 'succeeded', output: { weights: txt('w'), log: txt('l') } });
    expect(readFileSync(join(cwd, 'trained.weights.txt'), 'utf8')).toBe('w');
    expect(readFileSync(join(cwd, 'trained.log.txt'), 'utf8')).toBe('l');
  });

  it('predictions keep the keyed names for a single file inside an object', () => {
    const schema: SchemaObject = { type: 'object', properties: { mask: { type: 'string', format: 'uri' } } };
    const { writer, cwd } = writerFor(schema, { dest: 'out.png' });
    writer.finish({ status: 'succeeded', output: { mask: png } });
    expect(existsSync(join(cwd, 'out.mask.png'))).toBe(true);
  });

  it('--json prints the whole prediction with file paths, and exits 1 on failure', () => {
    const ok = writerFor({ type: 'string', format: 'uri' }, { json: true });
    expect(ok.writer.finish({ status: 'succeeded', output: png, logs: '', error: null })).toBe(0);
    expect(JSON.parse(ok.stdout.join(''))).toEqual({ status: 'succeeded', output: 'output.png', logs: '', error: null });
    const failed = writerFor({ type: 'string' }, { json: true });
    expect(failed.writer.finish({ status: 'failed', output: null, error: 'boom' })).toBe(1);
    expect(JSON.parse(failed.stdout.join('')).error).toBe('boom');
  });

  it('a failed prediction is a user error carrying the model error', () => {
    const { writer } = writerFor({ type: 'string' });
    expect(() => writer.finish({ status: 'failed', error: 'division by zero' })).toThrow(/failed \(status failed\): division by zero/);
  });

  it('warns when there is no output', () => {
    const { writer, warn, stdout } = writerFor({ type: 'string' });
    writer.finish({ status: 'succeeded', output: null });
    expect(warn).toEqual(['No output generated']);
    expect(stdout).toEqual([]);
  });
});
