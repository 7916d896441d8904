import { describe, expect, it } from 'vitest';
import {
  defaultLoginRegistry,
  digestReference,
  familiarString,
  formatReference,
  InvalidReferenceError,
  isLoopbackRegistry,
  normalizeRegistryHost,
  parseImageReference,
  registryApiHost,
  withDefaultTag,
} from '../../src/registry/reference.js';

const D = `sha256:${'a'.repeat(64)}`;

describe('parseImageReference (docker/distribution normalization)', () => {
  it.each([
    ['ubuntu', { registry: 'docker.io', repository: 'library/ubuntu' }],
    ['ubuntu:22.04', { registry: 'docker.io', repository: 'library/ubuntu', tag: '22.04' }],
    ['team/model', { registry: 'docker.io', repository: 'team/model' }],
    ['index.docker.io/team/model', { registry: 'docker.io', repository: 'team/model' }],
    ['docker.io/ubuntu', { registry: 'docker.io', repository: 'library/ubuntu' }],
    ['r8.im/user/model', { registry: 'r8.im', repository: 'user/model' }],
    ['localhost/model', { registry: 'localhost', repository: 'model' }],
    ['localhost:5000/a/b/c:v1', { registry: 'localhost:5000', repository: 'a/b/c', tag: 'v1' }],
    ['127.0.0.1:5000/x/y:tag', { registry: '127.0.0.1:5000', repository: 'x/y', tag: 'tag' }],
    ['[::1]:5000/x', { registry: '[::1]:5000', repository: 'x' }],
    ['Registry.Example.com/x', { registry: 'Registry.Example.com', repository: 'x' }],
    ['ghcr.io/o/r@' + D, { registry: 'ghcr.io', repository: 'o/r', digest: D }],
    ['ghcr.io/o/r:t@' + D, { registry: 'ghcr.io', repository: 'o/r', tag: 't', digest: D }],
    ['a__b/c-d--e.f_g', { registry: 'docker.io', repository: 'a__b/c-d--e.f_g' }],
    ['model:Tag_1.0-x', { registry: 'docker.io', repository: 'library/model', tag: 'Tag_1.0-x' }],
  ])('%s', (input, expected) => {
    expect(parseImageReference(input)).toEqual(expected);
  });

  it.each([
    ['', /at least one component/],
    ['Team/Model', /invalid reference format|lowercase/],
    ['example.com/Team/model', /must be lowercase/],
    ['model:.bad', /invalid tag '.bad'/],
    ['model:-bad', /invalid tag/],
    [`model:${'t'.repeat(129)}`, /invalid tag/],
    ['model:bad/tag', /invalid reference format|invalid tag/],
    ['model@sha256:abc', /invalid digest/],
    ['a//b', /empty path component/],
    ['a/b/', /empty path component/],
    ['-a/b', /invalid reference format/],
    ['a b', /invalid reference format/],
    ['a'.repeat(64).replace(/a/g, 'f'), /64-byte hexadecimal/],
    [`example.com/${'a'.repeat(250)}`, /not be more than 255/],
    ['text=hello', /invalid/],
  ])('rejects %s', (input, pattern) => {
    let error: unknown;
    try {
      parseImageReference(input);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InvalidReferenceError);
    expect((error as InvalidReferenceError).code).toBe('E_INVALID_REFERENCE');
    expect((error as Error).message).toMatch(pattern);
    expect((error as InvalidReferenceError).exitCode).toBe(1);
  });

  it('formats fully qualified and familiar forms', () => {
    const ref = withDefaultTag(parseImageReference('ubuntu'));
    expect(formatReference(ref)).toBe('docker.io/library/ubuntu:latest');
    expect(familiarString(ref)).toBe('ubuntu:latest');
    expect(digestReference(parseImageReference('127.0.0.1:5000/a/b:v1'), D)).toBe(`127.0.0.1:5000/a/b@${D}`);
    expect(withDefaultTag(parseImageReference(`a/b@${D}`)).tag).toBeUndefined();
  });

  it('knows registry API hosts, loopback and login defaults', () => {
    expect(registryApiHost('docker.io')).toBe('registry-1.docker.io');
    expect(registryApiHost('ghcr.io')).toBe('ghcr.io');
    expect(isLoopbackRegistry('127.0.0.1:5000')).toBe(true);
    expect(isLoopbackRegistry('localhost')).toBe(true);
    expect(isLoopbackRegistry('[::1]:5000')).toBe(true);
    expect(isLoopbackRegistry('ghcr.io')).toBe(false);
    expect(defaultLoginRegistry({})).toBe('r8.im');
    expect(defaultLoginRegistry({ COG_REGISTRY_HOST: 'reg.example.com' })).toBe('reg.example.com');
    expect(normalizeRegistryHost('https://Reg.Example.com/v2/')).toBe('reg.example.com');
    expect(normalizeRegistryHost('index.docker.io')).toBe('docker.io');
    expect(() => normalizeRegistryHost('not a host')).toThrow(InvalidReferenceError);
  });
});
