/**
 * Image references, parsed and normalized the way docker/distribution's `reference` package does
 * (ParseNormalizedNamed): the same grammar, the same docker.io / library/ defaults, so a name
 * means the same registry and repository to edgecog as to `docker push`. PURE: no I/O.
 */
import { UserError } from '../errors.js';

/** Docker Hub, as references name it after normalization. */
export const DOCKER_HUB = 'docker.io';
/** The host Docker Hub's API actually answers on. */
export const DOCKER_HUB_API_HOST = 'registry-1.docker.io';
/** The key `docker login` uses for Docker Hub in ~/.docker/config.json. */
export const DOCKER_HUB_AUTH_KEY = 'https://index.docker.io/v1/';
/** Replicate's registry: Cog's default for `login` (and for `model:`), unless COG_REGISTRY_HOST. */
export const REPLICATE_REGISTRY = 'r8.im';

export const NAME_TOTAL_LENGTH_MAX = 255;

// The grammar, from distribution/reference's regexp.go (written out, not imported).
const alphaNumeric = '[a-z0-9]+';
const separator = '(?:[._]|__|[-]+)';
const pathComponent = `${alphaNumeric}(?:${separator}${alphaNumeric})*`;
const domainNameComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const domainName = `${domainNameComponent}(?:\\.${domainNameComponent})*`;
const ipv6Address = '\\[(?:[a-fA-F0-9:]+)\\]';
const host = `(?:${domainName}|${ipv6Address})`;
const domainAndPort = `${host}(?::[0-9]+)?`;
const tag = '[\\w][\\w.-]{0,127}';
const digestPattern = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9A-Fa-f]{32,}';
const remoteName = `${pathComponent}(?:/${pathComponent})*`;
const namePattern = `(?:${domainAndPort}/)?${remoteName}`;

const referenceRegexp = new RegExp(`^(${namePattern})(?::(${tag}))?(?:@(${digestPattern}))?$`);
const anchoredTag = new RegExp(`^${tag}$`);
const anchoredDomain = new RegExp(`^${domainAndPort}$`);
const anchoredIdentifier = /^[a-f0-9]{64}$/;

export interface ImageReference {
  /** Normalized registry host[:port], e.g. docker.io, ghcr.io, 127.0.0.1:5000. */
  registry: string;
  /** Repository path inside the registry, e.g. library/ubuntu, team/model. */
  repository: string;
  tag?: string;
  /** algorithm:hex, e.g. sha256:…; when present it pins the image. */
  digest?: string;
}

export class InvalidReferenceError extends UserError {
  constructor(input: string, reason: string, hint?: string) {
    super('E_INVALID_REFERENCE', `invalid image reference '${input}': ${reason}`, {
      hint:
        hint ??
        "An image reference looks like [REGISTRY[:PORT]/]NAME[:TAG][@sha256:DIGEST]: lowercase path components of letters and digits separated by '.', '_', '__' or '-', a tag of at most 128 letters, digits, '_', '.' or '-' (not starting with '.' or '-').",
    });
  }
}

/** Why a string is not a reference, as precisely as distribution says it (and a bit more). */
function explain(input: string): { reason: string; hint?: string } {
  if (input === '') return { reason: 'repository name must have at least one component' };
  const at = input.indexOf('@');
  const beforeDigest = at >= 0 ? input.slice(0, at) : input;
  if (at >= 0) {
    const digest = input.slice(at + 1);
    if (!new RegExp(`^${digestPattern}$`).test(digest)) {
      return { reason: 'invalid digest format', hint: 'A digest looks like sha256: followed by 64 hexadecimal characters.' };
    }
  }
  const lastSlash = beforeDigest.lastIndexOf('/');
  const lastColon = beforeDigest.lastIndexOf(':');
  if (lastColon > lastSlash) {
    const tagText = beforeDigest.slice(lastColon + 1);
    if (!anchoredTag.test(tagText)) {
      return {
        reason: `invalid tag '${tagText}'`,
        hint: "A tag is 1 to 128 characters of letters, digits, '_', '.' and '-', and cannot start with '.' or '-'.",
      };
    }
  }
  const name = lastColon > lastSlash ? beforeDigest.slice(0, lastColon) : beforeDigest;
  if (/[A-Z]/.test(name)) {
    const slash = name.indexOf('/');
    const repoPart = slash >= 0 && looksLikeDomain(name.slice(0, slash)) ? name.slice(slash + 1) : name;
    if (/[A-Z]/.test(repoPart)) return { reason: 'repository name must be lowercase' };
  }
  if (name.split('/').some((c) => c === '')) return { reason: 'empty path component (a doubled or trailing slash)' };
  return { reason: 'invalid reference format' };
}

function looksLikeDomain(first: string): boolean {
  return first.includes('.') || first.includes(':') || first === 'localhost' || first.toLowerCase() !== first;
}

/**
 * Parses IMAGE the way `docker push IMAGE` reads it: a first component with '.', ':' or
 * 'localhost' (or any uppercase) is a registry; otherwise it is Docker Hub (docker.io), and a
 * single-component Hub name gets 'library/'. No default tag is added (see withDefaultTag).
 */
export function parseImageReference(input: string): ImageReference {
  const text = input.trim();
  if (anchoredIdentifier.test(text)) {
    throw new InvalidReferenceError(input, 'cannot specify 64-byte hexadecimal strings as a repository name', 'Use a name such as registry.example.com/team/model:tag; an image ID is not a reference.');
  }
  const match = referenceRegexp.exec(text);
  if (!match) {
    const { reason, hint } = explain(text);
    throw new InvalidReferenceError(input, reason, hint);
  }
  const name = match[1]!;
  if (name.length > NAME_TOTAL_LENGTH_MAX) {
    throw new InvalidReferenceError(input, `repository name must not be more than ${NAME_TOTAL_LENGTH_MAX} characters`);
  }
  let registry = DOCKER_HUB;
  let repository = name;
  const slash = name.indexOf('/');
  if (slash >= 0 && looksLikeDomain(name.slice(0, slash))) {
    registry = name.slice(0, slash);
    repository = name.slice(slash + 1);
  }
  if (!anchoredDomain.test(registry)) throw new InvalidReferenceError(input, `invalid registry host '${registry}'`);
  if (registry === 'index.docker.io') registry = DOCKER_HUB;
  if (registry === DOCKER_HUB && !repository.includes('/')) repository = `library/${repository}`;
  if (repository.toLowerCase() !== repository) throw new InvalidReferenceError(input, 'repository name must be lowercase');
  const ref: ImageReference = { registry, repository };
  if (match[2] !== undefined) ref.tag = match[2];
  if (match[3] !== undefined) ref.digest = match[3];
  return ref;
}

/** Adds ':latest' when the reference has neither tag nor digest (as `docker push` does). */
export function withDefaultTag(ref: ImageReference, defaultTag = 'latest'): ImageReference {
  if (ref.tag !== undefined || ref.digest !== undefined) return ref;
  return { ...ref, tag: defaultTag };
}

/** registry/repository, fully qualified. */
export function repositoryName(ref: Pick<ImageReference, 'registry' | 'repository'>): string {
  return `${ref.registry}/${ref.repository}`;
}

/** The fully qualified string: registry/repository[:tag][@digest]. */
export function formatReference(ref: ImageReference): string {
  return `${repositoryName(ref)}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest !== undefined ? `@${ref.digest}` : ''}`;
}

/** The short form Docker shows: docker.io/library/ubuntu → ubuntu, docker.io/a/b → a/b. */
export function familiarName(ref: Pick<ImageReference, 'registry' | 'repository'>): string {
  if (ref.registry !== DOCKER_HUB) return repositoryName(ref);
  return ref.repository.startsWith('library/') && ref.repository.split('/').length === 2 ? ref.repository.slice(8) : ref.repository;
}

/** The familiar string with tag/digest, the form the Docker engine stores in RepoTags. */
export function familiarString(ref: ImageReference): string {
  return `${familiarName(ref)}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest !== undefined ? `@${ref.digest}` : ''}`;
}

/** name@digest: what push prints, and what pins an image for edge nodes. */
export function digestReference(ref: Pick<ImageReference, 'registry' | 'repository'>, digest: string): string {
  return `${familiarName(ref)}@${digest}`;
}

/** Host[:port] to send API requests to (Docker Hub's API is not on docker.io). */
export function registryApiHost(registry: string): string {
  return registry === DOCKER_HUB ? DOCKER_HUB_API_HOST : registry;
}

/** Loopback registries are spoken to over plain HTTP, as the Docker engine allows by default. */
export function isLoopbackRegistry(registry: string): boolean {
  const hostOnly = registry.startsWith('[') ? registry.slice(0, registry.indexOf(']') + 1) : registry.split(':')[0]!;
  return hostOnly === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(hostOnly) || hostOnly === '[::1]';
}

/**
 * The registry `login` talks to without an argument. Cog uses COG_REGISTRY_HOST, else r8.im
 * (pkg/global); image names without a registry still mean Docker Hub, as in Cog and Docker.
 */
export function defaultLoginRegistry(env: NodeJS.ProcessEnv): string {
  const fromEnv = env.COG_REGISTRY_HOST?.trim();
  return fromEnv ? fromEnv : REPLICATE_REGISTRY;
}

/** Normalizes what a user typed for `login REGISTRY` (a URL, a Hub alias) to a host[:port]. */
export function normalizeRegistryHost(input: string): string {
  let host = input.trim();
  host = host.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  host = host.replace(/\/.*$/, '');
  if (host === '' || !anchoredDomain.test(host)) {
    throw new InvalidReferenceError(input, `'${input}' is not a registry host`, 'A registry is a host name with an optional port, e.g. registry.example.com or 127.0.0.1:5000.');
  }
  if (host === 'index.docker.io' || host === DOCKER_HUB || host === DOCKER_HUB_API_HOST) return DOCKER_HUB;
  return host.toLowerCase();
}

/** Validates a tag on its own (for flags that take one). */
export function isValidTag(value: string): boolean {
  return anchoredTag.test(value);
}
