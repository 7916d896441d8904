/** `weights:` checks, as Cog validates them (pkg/config/validate.go validateWeights). */
import { posix } from 'node:path';
import { asRecord, asString, asStrings, type Reporter } from './validate-context.js';

// Weight names end up in registry tags, so they must be tag-safe.
const WEIGHT_NAME_RE = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

export function validateWeights(r: Reporter, cfg: Record<string, unknown>): void {
  const weights = Array.isArray(cfg.weights) ? cfg.weights : [];
  if (weights.length === 0) return;
  const model = asString(cfg.model);
  const image = asString(cfg.image);
  if (!model) {
    if (image) r.error('E_CONFIG_WEIGHTS', 'image', "weights require 'model', not 'image' — rename 'image' to 'model'", 'image');
    else r.error('E_CONFIG_WEIGHTS', 'model', `weights require 'model' in ${r.file}`, r.locate('weights', 'key'), 'add model: registry.example.com/team/model');
  }
  const names = new Set<string>();
  const targets: string[] = [];
  weights.forEach((entry, i) => {
    const path = `weights[${i}]`;
    const w = asRecord(entry);
    if (!w || r.failed(path)) return;
    const name = asString(w.name) ?? '';
    if (name === '') r.error('E_CONFIG_REQUIRED', `${path}.name`, `${path}.name is required`, path);
    else if (!WEIGHT_NAME_RE.test(name)) {
      r.error('E_CONFIG_WEIGHTS', `${path}.name`, `${path}.name must contain only lowercase letters, digits, hyphens, dots or underscores (got "${name}")`, `${path}.name`, 'e.g. name: my-model-weights');
    } else if (names.has(name)) r.error('E_CONFIG_WEIGHTS', `${path}.name`, `duplicate weight name "${name}"`);
    else names.add(name);

    const sources = Array.isArray(w.source) ? w.source : [];
    if (sources.length === 0 && !r.failed(`${path}.source`)) r.error('E_CONFIG_REQUIRED', `${path}.source`, `${path}.source is required`, path, 'e.g. source:\n  uri: hf://org/model');
    sources.forEach((s, j) => {
      const sp = `${path}.source[${j}]`;
      const src = asRecord(s);
      if (!src) return;
      if (!asString(src.uri)) r.error('E_CONFIG_REQUIRED', `${sp}.uri`, `${sp}.uri is required`, sp);
      for (const kind of ['include', 'exclude'] as const) checkPatterns(r, `${sp}.${kind}`, asStrings(src[kind]));
    });

    const target = asString(w.target) ?? '';
    if (target === '') {
      r.error('E_CONFIG_REQUIRED', `${path}.target`, `${path}.target is required`, path, 'e.g. target: /src/weights');
      return;
    }
    const tp = `${path}.target`;
    if (!target.startsWith('/')) r.error('E_CONFIG_WEIGHTS', tp, `${tp} must be an absolute path (got "${target}")`);
    const cleaned = posix.normalize(target).replace(/(.)\/$/, '$1');
    if (cleaned === '/') r.error('E_CONFIG_WEIGHTS', tp, `${tp} must not be the container root "/"`);
    if (targets.includes(cleaned)) {
      r.error('E_CONFIG_WEIGHTS', tp, `duplicate weight target "${target}"`);
      return;
    }
    const overlap = targets.find((t) => cleaned.startsWith(`${t}/`) || t.startsWith(`${cleaned}/`));
    if (overlap) r.error('E_CONFIG_WEIGHTS', tp, `${tp} "${target}" overlaps with "${overlap}"; weight targets must be disjoint`);
    targets.push(cleaned);
  });
}

function checkPatterns(r: Reporter, field: string, patterns: string[]): void {
  patterns.forEach((raw, i) => {
    const p = raw.trim();
    const path = `${field}[${i}]`;
    if (p === '') r.error('E_CONFIG_WEIGHTS', path, `${path}: pattern must not be empty`);
    else {
      if (p.startsWith('!')) r.error('E_CONFIG_WEIGHTS', path, `${path}: negation patterns (starting with '!') are not supported`, path, 'list what to skip under exclude: instead');
      if (p.includes('\\')) r.error('E_CONFIG_WEIGHTS', path, `${path}: patterns must use forward slashes, not backslashes`);
    }
  });
}
