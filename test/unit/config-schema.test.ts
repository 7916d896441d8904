/**
 * schema/cog.schema.json is what editors use to complete and check cog.yaml. It must list
 * exactly the keys the validator knows, and must not flag the real configs edgecog accepts.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { checkConfigText, knownKeyPaths, renderCogJsonSchema } from '../../src/config/index.js';
import { sharedDir } from '../support/shared-dir.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const schemaPath = join(repoRoot, 'schema', 'cog.schema.json');
const corpusDir = sharedDir('corpus', 'cog-yaml');

type Schema = { type?: string | string[]; properties?: Record<string, Schema>; items?: Schema; anyOf?: Schema[]; oneOf?: Schema[] };

function schemaKeyPaths(schema: Schema, prefix = ''): string[] {
  const out: string[] = [];
  for (const [key, child] of Object.entries(schema.properties ?? {})) {
    const path = prefix ? `${prefix}.${key}` : key;
    out.push(path, ...schemaKeyPaths(child, path));
  }
  if (schema.items) out.push(...schemaKeyPaths(schema.items, `${prefix}[]`));
  for (const alt of [...(schema.anyOf ?? []), ...(schema.oneOf ?? [])]) {
    // A list alternative (`source: [...]`) describes the same keys as the single form.
    out.push(...schemaKeyPaths(alt.type === 'array' && alt.items ? alt.items : alt, prefix));
  }
  return [...new Set(out)];
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value === 'object' ? 'object' : typeof value;
}

function allows(schema: Schema, value: unknown): boolean {
  const alternatives = [...(schema.anyOf ?? []), ...(schema.oneOf ?? [])];
  if (alternatives.length > 0) return alternatives.some((alt) => allows(alt, value));
  if (schema.type === undefined) return true;
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  const t = jsonType(value);
  return types.includes(t) || (t === 'integer' && types.includes('number'));
}

describe('schema/cog.schema.json', () => {
  // UPDATE_SCHEMA=1 npx vitest run test/unit/config-schema.test.ts rewrites it after a field change.
  if (process.env.UPDATE_SCHEMA === '1') writeFileSync(schemaPath, renderCogJsonSchema());
  const published = existsSync(schemaPath) ? readFileSync(schemaPath, 'utf8') : '';

  it('is the schema generated from the validator field table', () => {
    expect(published).toBe(renderCogJsonSchema());
  });

  it('lists every key the validator knows, and no other', () => {
    const schema = JSON.parse(published) as Schema;
    expect(schemaKeyPaths(schema).sort()).toEqual([...new Set(knownKeyPaths())].sort());
    expect(schemaKeyPaths(schema)).toContain('build.run[].mounts[].target');
  });

  it('accepts the top-level and build: values of every corpus config edgecog accepts', () => {
    const schema = JSON.parse(published) as Schema;
    const files = readFileSync(join(corpusDir, 'MANIFEST.tsv'), 'utf8').split('\n').slice(1).filter(Boolean).map((l) => l.split('\t')[0] ?? '');
    let checked = 0;
    for (const file of files) {
      const text = readFileSync(join(corpusDir, file), 'utf8');
      const { config } = checkConfigText(text, { facts: { fileExists: () => true, readFile: () => '' } });
      if (!config) continue;
      // As an editor reads it: YAML 1.2, so `python_version: 3.10` is a number here.
      const doc = (parse(text) ?? {}) as Record<string, unknown>;
      const sections: Array<[string, Record<string, unknown>, Schema]> = [['', doc, schema]];
      const build = doc.build;
      if (build && typeof build === 'object' && schema.properties?.build) sections.push(['build.', build as Record<string, unknown>, schema.properties.build]);
      for (const [prefix, values, section] of sections) {
        for (const [key, value] of Object.entries(values)) {
          const prop = section.properties?.[key];
          if (!prop) continue; // unknown keys are warnings, checked elsewhere
          expect(allows(prop, value), `${file}: ${prefix}${key} = ${JSON.stringify(value)}`).toBe(true);
        }
      }
      checked++;
    }
    expect(checked).toBeGreaterThan(100);
  });
});
