import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { materializeInputs } from '../../src/prediction/input-files.js';
import {
  checkRequiredInputs,
  coerceInputFlags,
  FileInput,
  parseInputFlags,
  parseJsonInputText,
  prepareJsonInputs,
  suggestName,
} from '../../src/prediction/inputs.js';
import type { OpenApiDocument } from '../../src/prediction/openapi.js';

// Shapes as Cog's server emits them (see shared/conformance golden openapi documents).
const scalarDoc: OpenApiDocument = {
  components: {
    schemas: {
      Input: {
        type: 'object',
        title: 'Input',
        properties: {
          word: { type: 'string', default: 'echo', 'x-order': 0 },
          times: { type: 'integer', default: 2, minimum: 1, maximum: 5, 'x-order': 1 },
          scale: { type: 'number', default: 0.5, minimum: 0, maximum: 10, 'x-order': 2 },
          shout: { type: 'boolean', default: false, 'x-order': 3 },
        },
      },
      Output: { type: 'string' },
    },
  },
};

const richDoc: OpenApiDocument = {
  components: {
    schemas: {
      Input: {
        type: 'object',
        required: ['name', 'doc'],
        properties: {
          name: { type: 'string', minLength: 2, 'x-order': 0 },
          color: { allOf: [{ $ref: '#/components/schemas/color' }], default: 'red', 'x-order': 1 },
          level: { allOf: [{ $ref: '#/components/schemas/level' }], default: 1, 'x-order': 2 },
          numbers: { type: 'array', items: { type: 'integer' }, default: [1, 2], 'x-order': 3 },
          doc: { type: 'string', format: 'uri', 'x-order': 4 },
          images: { type: 'array', items: { type: 'string', format: 'uri' }, 'x-order': 5 },
          options: { type: 'object', 'x-order': 6 },
          note: { type: 'string', nullable: true, 'x-order': 7 },
          mixed: { anyOf: [{ type: 'integer' }, { type: 'string' }], 'x-order': 8 },
        },
      },
      color: { type: 'string', enum: ['red', 'green', 'blue'] },
      level: { type: 'integer', enum: [1, 2, 3] },
    },
  },
};

const trainDoc: OpenApiDocument = {
  components: {
    schemas: {
      Input: { type: 'object', properties: { prompt: { type: 'string' } } },
      TrainingInput: { type: 'object', properties: { steps: { type: 'integer', minimum: 1, maximum: 100 }, tag: { type: 'string' } } },
    },
  },
};

function errorOf(fn: () => unknown): UserError {
  try {
    fn();
  } catch (err) {
    if (err instanceof UserError) return err;
    throw err;
  }
  throw new Error('expected an error');
}

describe('parseInputFlags', () => {
  it('splits on the first = and groups repeats in order', () => {
    const raw = parseInputFlags(['prompt=a=b', 'n=1', 'n=2', 'q="quoted"']);
    expect(raw.get('prompt')).toEqual(['a=b']);
    expect(raw.get('n')).toEqual(['1', '2']);
    expect(raw.get('q')).toEqual(['quoted']);
  });

  it('rejects a flag without a name=value shape as a usage error', () => {
    const err = errorOf(() => parseInputFlags(['prompt']));
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain("'prompt'");
    expect(errorOf(() => parseInputFlags(['=x'])).exitCode).toBe(2);
  });
});

describe('coerceInputFlags', () => {
  it('types ints, floats and booleans from the schema', () => {
    const out = coerceInputFlags(parseInputFlags(['word=hi', 'times=3', 'scale=2.5', 'shout=true']), scalarDoc, 'predict');
    expect(out).toEqual({ word: 'hi', times: 3, scale: 2.5, shout: true });
  });

  it('keeps numeric-looking strings as strings for str inputs', () => {
    expect(coerceInputFlags(parseInputFlags(['word=42']), scalarDoc, 'predict')).toEqual({ word: '42' });
  });

  it('names the input and the expected type on a bad value', () => {
    expect(errorOf(() => coerceInputFlags(parseInputFlags(['times=abc']), scalarDoc, 'predict')).message).toBe(
      '-i times=abc: times expects an integer',
    );
    expect(errorOf(() => coerceInputFlags(parseInputFlags(['scale=x']), scalarDoc, 'predict')).message).toBe('-i scale=x: scale expects a number');
    expect(errorOf(() => coerceInputFlags(parseInputFlags(['shout=maybe']), scalarDoc, 'predict')).message).toContain('shout expects a boolean');
    expect(errorOf(() => coerceInputFlags(parseInputFlags(['times=1.5']), scalarDoc, 'predict')).code).toBe('E_INPUT_TYPE');
  });

  it('checks numeric bounds', () => {
    expect(errorOf(() => coerceInputFlags(parseInputFlags(['times=9']), scalarDoc, 'predict')).message).toBe('-i times=9: times must be at most 5');
    expect(errorOf(() => coerceInputFlags(parseInputFlags(['times=0']), scalarDoc, 'predict')).message).toBe('-i times=0: times must be at least 1');
  });

  it('suggests the closest input name for a typo', () => {
    const err = errorOf(() => coerceInputFlags(parseInputFlags(['tims=3']), scalarDoc, 'predict'));
    expect(err.code).toBe('E_INPUT_UNKNOWN');
    expect(err.message).toBe('unknown input "tims"');
    expect(err.hint).toContain('did you mean "times"?');
    expect(err.hint).toContain('word, times, scale, shout');
  });

  it('lists the inputs when nothing is close', () => {
    const err = errorOf(() => coerceInputFlags(parseInputFlags(['zzzzzz=1']), scalarDoc, 'predict'));
    expect(err.hint).not.toContain('did you mean');
    expect(err.hint).toContain('word, times, scale, shout');
  });

  it('resolves enums behind allOf/$ref and checks membership', () => {
    expect(coerceInputFlags(parseInputFlags(['color=green', 'level=3']), richDoc, 'predict')).toEqual({ color: 'green', level: 3 });
    expect(errorOf(() => coerceInputFlags(parseInputFlags(['color=pink']), richDoc, 'predict')).message).toBe(
      '-i color=pink: color must be one of: red, green, blue',
    );
    expect(errorOf(() => coerceInputFlags(parseInputFlags(['level=7']), richDoc, 'predict')).message).toBe('-i level=7: level must be one of: 1, 2, 3');
  });

  it('makes lists from repeated flags, a JSON array, or a single value', () => {
    expect(coerceInputFlags(parseInputFlags(['numbers=1', 'numbers=2', 'numbers=3']), richDoc, 'predict')).toEqual({ numbers: [1, 2, 3] });
    expect(coerceInputFlags(parseInputFlags(['numbers=[4, 5]']), richDoc, 'predict')).toEqual({ numbers: [4, 5] });
    expect(coerceInputFlags(parseInputFlags(['numbers=7']), richDoc, 'predict')).toEqual({ numbers: [7] });
    expect(errorOf(() => coerceInputFlags(parseInputFlags(['numbers=1', 'numbers=x']), richDoc, 'predict')).message).toBe(
      '-i numbers=x: numbers expects an integer',
    );
    expect(errorOf(() => coerceInputFlags(parseInputFlags(['numbers=["a"]']), richDoc, 'predict')).message).toContain('expects an integer');
  });

  it('rejects repeats of a single-valued input', () => {
    expect(errorOf(() => coerceInputFlags(parseInputFlags(['name=a', 'name=b']), richDoc, 'predict')).message).toContain('given 2 times');
  });

  it('turns @path, and plain paths for file inputs, into file references', () => {
    const out = coerceInputFlags(parseInputFlags(['doc=@a.txt', 'images=@1.png', 'images=2.png', 'name=@me.txt']), richDoc, 'predict');
    expect(out.doc).toEqual(new FileInput('a.txt'));
    expect(out.images).toEqual([new FileInput('1.png'), new FileInput('2.png')]);
    expect(out.name).toEqual(new FileInput('me.txt'));
    expect(coerceInputFlags(parseInputFlags(['doc=https://example.com/x.png']), richDoc, 'predict').doc).toBe('https://example.com/x.png');
  });

  it('parses JSON objects and unions', () => {
    expect(coerceInputFlags(parseInputFlags(['options={"a":1}', 'mixed=5']), richDoc, 'predict')).toEqual({ options: { a: 1 }, mixed: 5 });
    expect(coerceInputFlags(parseInputFlags(['mixed=five']), richDoc, 'predict')).toEqual({ mixed: 'five' });
    expect(errorOf(() => coerceInputFlags(parseInputFlags(['options=nope']), richDoc, 'predict')).message).toContain('options expects a JSON object');
  });

  it('uses TrainingInput for training', () => {
    expect(coerceInputFlags(parseInputFlags(['steps=10']), trainDoc, 'train')).toEqual({ steps: 10 });
    expect(errorOf(() => coerceInputFlags(parseInputFlags(['prompt=x']), trainDoc, 'train')).code).toBe('E_INPUT_UNKNOWN');
  });

  it('passes strings through when there is no schema', () => {
    expect(coerceInputFlags(parseInputFlags(['a=1', 'b=x', 'b=y']), undefined, 'predict')).toEqual({ a: '1', b: ['x', 'y'] });
  });
});

describe('required inputs', () => {
  it('names the missing input and how to pass it', () => {
    const err = errorOf(() => checkRequiredInputs(['doc'], richDoc, 'predict'));
    expect(err.code).toBe('E_INPUT_REQUIRED');
    expect(err.message).toBe('missing required input "name"');
    expect(err.hint).toContain('-i name=');
    const files = errorOf(() => checkRequiredInputs(['name'], richDoc, 'predict'));
    expect(files.hint).toContain('-i doc=@path/to/file');
    expect(() => checkRequiredInputs(['name', 'doc'], richDoc, 'predict')).not.toThrow();
  });
});

describe('--json inputs', () => {
  it('parses an object and rejects other JSON', () => {
    expect(parseJsonInputText('{"times": 3}', 'stdin')).toEqual({ times: 3 });
    expect(errorOf(() => parseJsonInputText('[1]', 'stdin')).code).toBe('E_INPUT_JSON');
    expect(errorOf(() => parseJsonInputText('{', 'in.json')).message).toContain('in.json');
  });

  it('checks names and types and makes @ strings files', () => {
    expect(prepareJsonInputs({ times: 3, word: 'x', shout: false }, scalarDoc, 'predict')).toEqual({ times: 3, word: 'x', shout: false });
    expect(errorOf(() => prepareJsonInputs({ times: 'three' }, scalarDoc, 'predict')).message).toContain('input "times": expects an integer, got a string');
    expect(errorOf(() => prepareJsonInputs({ times: 2.5 }, scalarDoc, 'predict')).code).toBe('E_INPUT_TYPE');
    expect(errorOf(() => prepareJsonInputs({ wrod: 'x' }, scalarDoc, 'predict')).hint).toContain('did you mean "word"?');
    expect(prepareJsonInputs({ doc: '@x.txt', name: 'ab' }, richDoc, 'predict')).toEqual({ doc: new FileInput('x.txt'), name: 'ab' });
    expect(errorOf(() => prepareJsonInputs({ name: null }, richDoc, 'predict')).message).toContain('must not be null');
    expect(prepareJsonInputs({ note: null }, richDoc, 'predict')).toEqual({ note: null });
  });
});

describe('suggestName', () => {
  it('finds near names and prefixes, not far ones', () => {
    expect(suggestName('promt', ['prompt', 'steps'])).toBe('prompt');
    expect(suggestName('step', ['prompt', 'steps'])).toBe('steps');
    expect(suggestName('Prompt', ['prompt'])).toBe('prompt');
    expect(suggestName('xyz', ['prompt', 'steps'])).toBeUndefined();
  });
});

describe('materializeInputs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'edgecog-inputs-'));
  writeFileSync(join(dir, 'hello.txt'), 'hello');
  writeFileSync(join(dir, 'big.bin'), Buffer.alloc(64, 1));

  it('inlines small files as data URIs with a media type from the extension', async () => {
    const out = await materializeInputs({ doc: new FileInput('hello.txt'), n: 1, list: [new FileInput('hello.txt')] }, { cwd: dir });
    expect(out).toEqual({
      doc: `data:text/plain;base64,${Buffer.from('hello').toString('base64')}`,
      n: 1,
      list: [`data:text/plain;base64,${Buffer.from('hello').toString('base64')}`],
    });
  });

  it('serves big files by URL instead', async () => {
    const served: string[] = [];
    const out = await materializeInputs(
      { doc: new FileInput('big.bin') },
      { cwd: dir, inlineLimit: 10, server: { serveFile: (p) => (served.push(p), 'http://127.0.0.1:1/files/x/0/big.bin') } },
    );
    expect(out.doc).toBe('http://127.0.0.1:1/files/x/0/big.bin');
    expect(served).toEqual([join(dir, 'big.bin')]);
  });

  it('names the input when its file is missing', async () => {
    await expect(materializeInputs({ image: new FileInput('nope.png') }, { cwd: dir })).rejects.toMatchObject({
      code: 'E_INPUT_FILE',
      message: 'input "image": file not found: nope.png',
    });
  });
});
