/**
 * Package-index settings for builds (flags named as pip's, else pip's own environment
 * variables), credentials kept out of everything but BuildKit secrets, and COG_CA_CERT.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import type { PipOptions } from '../dockerfile/index.js';
import { maskUrlUserInfo, urlHasCredentials } from '../util/url-credentials.js';

export interface PipFlags {
  indexUrl?: string;
  extraIndexUrl?: string[];
  findLinks?: string[];
  trustedHost?: string[];
}

export interface ResolvedPip {
  /** What the plan renders (credential-free URLs only). */
  options: PipOptions;
  /** BuildKit secrets to pass: id → file content. */
  secretValues: Record<string, string>;
  /** Strings to mask in every line we show. */
  sensitive: string[];
  /** Things to tell the user (ignored settings). */
  notes: string[];
}

const words = (value: string | undefined): string[] => (value ?? '').split(/\s+/).filter(Boolean);

/** Hides the user-info part of every URL in the text, and each known secret string. */
export function maskSecrets(text: string, sensitive: readonly string[] = []): string {
  let out = text;
  for (const s of sensitive) if (s.length >= 4) out = out.split(s).join('***');
  return maskUrlUserInfo(out);
}

/** A setting that is not a URL may still be `user:token@host/simple` (no scheme): mask that too. */
function maskValue(value: string): string {
  return maskSecrets(value).replace(/^[^/@\s:]+:[^/@\s]*@/, '***@');
}

function isUrl(value: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(value) && !value.startsWith('file:');
}

/** Flags win over the environment, per setting, as with pip itself. */
export function resolvePipOptions(flags: PipFlags, env: NodeJS.ProcessEnv): ResolvedPip {
  const notes: string[] = [];
  const indexUrl = flags.indexUrl ?? (env.PIP_INDEX_URL || undefined);
  const extra = flags.extraIndexUrl?.length ? flags.extraIndexUrl : words(env.PIP_EXTRA_INDEX_URL);
  const rawLinks = flags.findLinks?.length ? flags.findLinks : words(env.PIP_FIND_LINKS);
  const trustedHosts = flags.trustedHost?.length ? flags.trustedHost : words(env.PIP_TRUSTED_HOST);

  // The build runs in a container: a host directory or file:// URL means nothing there.
  const findLinks = rawLinks.filter((l) => {
    if (isUrl(l)) return true;
    notes.push(`find-links ${maskValue(l)} is not an http(s) URL; the build cannot see this machine's files, so it is not used (serve it over HTTP, e.g. python3 -m http.server)`);
    return false;
  });
  const urls = [indexUrl, ...extra].filter((u): u is string => Boolean(u));
  for (const u of urls) {
    if (!isUrl(u)) throw new UserError('E_PIP_INDEX', `package index ${maskValue(u)} is not an http(s) URL`, { hint: 'The build runs in a container: serve the index over HTTP and pass its URL.' });
  }
  const sensitive: string[] = [];
  const secretValues: Record<string, string> = {};
  const options: PipOptions = { extraIndexUrls: [], findLinks: [], trustedHosts };
  for (const l of findLinks) {
    if (urlHasCredentials(l)) {
      throw new UserError('E_PIP_CREDENTIALS', `find-links ${maskSecrets(l)} carries credentials`, {
        hint: 'Put the credentials on an index URL (--index-url / PIP_INDEX_URL): those reach the build only as a BuildKit secret.',
      });
    }
    options.findLinks.push(l);
  }
  if (indexUrl) {
    if (urlHasCredentials(indexUrl)) {
      options.hasSecretIndex = true;
      secretValues['pip-index'] = indexUrl;
      sensitive.push(...credentialParts(indexUrl));
    } else options.indexUrl = indexUrl;
  }
  const secretExtra = extra.filter(urlHasCredentials);
  options.extraIndexUrls = extra.filter((u) => !urlHasCredentials(u));
  if (secretExtra.length) {
    options.hasSecretExtraIndex = true;
    secretValues['pip-extra-index'] = secretExtra.join(' ');
    for (const u of secretExtra) sensitive.push(...credentialParts(u));
  }
  return { options, secretValues, sensitive, notes };
}

function credentialParts(url: string): string[] {
  try {
    const u = new URL(url);
    // `https://TOKEN@host` (GitLab, GitHub, Artifactory): the user name is the secret then.
    const secret = u.password || u.username;
    return [secret, decodeURIComponent(secret), url].filter((s) => s.length >= 4);
  } catch {
    return [url];
  }
}

/**
 * COG_CA_CERT as Cog takes it: a PEM file, a directory of .crt/.pem files, inline PEM, or
 * base64 of a PEM. Undefined when unset.
 */
export function readCaCert(value: string | undefined): Buffer | undefined {
  const v = value?.trim();
  if (!v) return undefined;
  const invalid = (why: string): UserError =>
    new UserError('E_CA_CERT', `COG_CA_CERT: ${why}`, { hint: 'Set it to a PEM file, a directory of .crt/.pem files, or the PEM text itself.' });
  const checkPem = (data: Buffer, from: string): Buffer => {
    if (!data.toString('utf8').includes('-----BEGIN CERTIFICATE-----')) throw invalid(`${from} holds no PEM certificate`);
    return data.toString('utf8').endsWith('\n') ? data : Buffer.concat([data, Buffer.from('\n')]);
  };
  if (v.startsWith('-----BEGIN')) return checkPem(Buffer.from(v), 'the value');
  if (existsSync(v)) {
    if (statSync(v).isDirectory()) {
      const parts = readdirSync(v)
        .filter((n) => /\.(crt|pem)$/i.test(n))
        .sort()
        .map((n) => checkPem(readFileSync(join(v, n)), join(v, n)));
      if (parts.length === 0) throw invalid(`no .crt or .pem files in ${v}`);
      return Buffer.concat(parts);
    }
    return checkPem(readFileSync(v), v);
  }
  const decoded = Buffer.from(v, 'base64');
  if (decoded.toString('utf8').startsWith('-----BEGIN')) return checkPem(decoded, 'the base64 value');
  throw invalid(`${v} is not a file, a directory or a PEM certificate`);
}
