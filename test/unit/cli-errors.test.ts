import { describe, expect, it } from 'vitest';
import { errorDocument, formatError } from '../../src/cli.js';
import { UserError } from '../../src/errors.js';

describe('error output', () => {
  it('gives a user error its stable code under --json', () => {
    const err = new UserError('E_CONFIG', 'cog.yaml is not valid', { hint: 'fix it' });
    expect(errorDocument(err)).toEqual({ error: { code: 'E_CONFIG', message: 'cog.yaml is not valid', hint: 'fix it' } });
  });

  it('marks anything else as internal', () => {
    expect(errorDocument(new Error('boom'))).toEqual({ error: { code: 'E_INTERNAL', message: 'boom' } });
  });

  it('prints a user error with its hint and no stack', () => {
    const text = formatError(new UserError('E_X', 'went wrong', { hint: 'do this' }), ['--no-color']);
    expect(text).toBe('error: went wrong\nhint: do this\n');
  });

  it('prints a bug banner with the stack for other errors', () => {
    const text = formatError(new Error('boom'), ['--no-color']);
    expect(text).toContain('This is a bug');
    expect(text).toContain('Error: boom');
  });
});
