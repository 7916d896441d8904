/** `run -i` values checked against the schema before any container starts. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { FileInput } from '../../src/prediction/inputs.js';
import type { OpenApiDocument } from '../../src/prediction/openapi.js';
import { assertInputsMatchSchema, validateInputsAgainstSchema } from '../../src/schema-static/index.js';
import { sharedDir } from '../support/shared-dir.js';

const golden = sharedDir('conformance', 'golden', 'v0.16.12-pydantic2');
function goldenDoc(name: string): OpenApiDocument {
  return (JSON.parse(readFileSync(resolve(golden, `${name}.json`), 'utf8')) as { openapi: { body: OpenApiDocument } }).openapi.body;
}

describe('validateInputsAgainstSchema (Cog 0.16 documents)', () => {
  const constraints = goldenDoc('constraints');
  const scalars = goldenDoc('scalar_inputs');

  it('accepts values that fit', () => {
    expect(validateInputsAgainstSchema(constraints, 'predict', { name: 'abc', code: 'XYZ', color: 'blue', level: 2, note: null, numbers: [1, 2, 3] })).toEqual([]);
    expect(validateInputsAgainstSchema(scalars, 'predict', { word: 'w', times: 5, scale: 10, shout: true })).toEqual([]);
  });

  it('length, pattern and choices as the server checks them', () => {
    expect(validateInputsAgainstSchema(constraints, 'predict', { name: 'a', code: 'abc', color: 'pink', level: 7 })).toEqual([
      { name: 'name', message: 'String should have at least 2 characters' },
      { name: 'code', message: "String should match pattern '^[A-Z]{3}$'" },
      { name: 'color', message: 'Input should be "red", "green" or "blue"' },
      { name: 'level', message: 'Input should be 1, 2 or 3' },
    ]);
  });

  it('ge/le bounds and types, inside lists too', () => {
    expect(validateInputsAgainstSchema(scalars, 'predict', { times: 9, scale: -1, shout: 'yes' })).toEqual([
      { name: 'times', message: 'Input should be less than or equal to 5' },
      { name: 'scale', message: 'Input should be greater than or equal to 0' },
      { name: 'shout', message: 'Input should be a valid boolean (got string)' },
    ]);
    expect(validateInputsAgainstSchema(constraints, 'predict', { numbers: [1, 'two', 2.5] })).toEqual([
      { name: 'numbers[1]', message: 'Input should be a valid integer (got string)' },
      { name: 'numbers[2]', message: 'Input should be a valid integer (got number)' },
    ]);
  });

  it('files are fine where a uri is expected, not elsewhere', () => {
    const paths = goldenDoc('path_input');
    expect(validateInputsAgainstSchema(paths, 'predict', { doc: new FileInput('/tmp/x') })).toEqual([]);
    expect(validateInputsAgainstSchema(scalars, 'predict', { word: new FileInput('/tmp/x') })).toHaveLength(1);
  });

  it('training inputs use TrainingInput', () => {
    const train = goldenDoc('train_basic');
    expect(validateInputsAgainstSchema(train, 'train', { steps: 0 })).toEqual([{ name: 'steps', message: 'Input should be greater than or equal to 1' }]);
  });

  it('assertInputsMatchSchema throws one E_INPUT_INVALID listing every problem', () => {
    let err: unknown;
    try {
      assertInputsMatchSchema(scalars, 'predict', { times: 0, scale: 11 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).code).toBe('E_INPUT_INVALID');
    expect((err as UserError).message).toBe('2 invalid inputs');
    expect((err as UserError).details).toBe('- times: Input should be greater than or equal to 1\n- scale: Input should be less than or equal to 10');
    expect(() => assertInputsMatchSchema(undefined, 'predict', { anything: 1 })).not.toThrow();
  });
});
