/**
 * The schema read from source (no import of user code) must be the document Cog 0.16.12's
 * server served for every conformance fixture (golden recordings), minus the `title` next to
 * `$ref` that the build label drops, as Cog's openapi_schema command does.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { staticSchema } from '../../src/schema-static/index.js';
import { UserError } from '../../src/errors.js';
import { sharedDir } from '../support/shared-dir.js';

const repoRoot = resolve(import.meta.dirname, '..', '..');
const conformance = sharedDir('conformance');
const fixturesDir = join(conformance, 'fixtures');
const goldenDir = join(conformance, 'golden', 'v0.16.12-pydantic2');

function stripTitleNextToRef(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(stripTitleNextToRef);
  if (node && typeof node === 'object') {
    const out: Record<string, unknown> = {};
    const obj = node as Record<string, unknown>;
    for (const [k, v] of Object.entries(obj)) {
      if (k === 'title' && '$ref' in obj) continue;
      out[k] = stripTitleNextToRef(v);
    }
    return out;
  }
  return node;
}

function refOf(yaml: string, key: string): string | undefined {
  return new RegExp(`^${key}:\\s*"?([^"\\n]+?)"?\\s*$`, 'm').exec(yaml)?.[1];
}

const fixtures = existsSync(fixturesDir) ? readdirSync(fixturesDir).sort() : [];

describe('static schema vs Cog 0.16.12 golden /openapi.json', () => {
  it('finds the conformance fixtures', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(20);
  });

  for (const name of fixtures) {
    it(name, async () => {
      const dir = join(fixturesDir, name);
      const yaml = readFileSync(join(dir, 'cog.yaml'), 'utf8');
      const predict = refOf(yaml, 'run') ?? refOf(yaml, 'predict')!;
      const train = refOf(yaml, 'train');
      const harness = existsSync(join(dir, 'harness.json')) ? readFileSync(join(dir, 'harness.json'), 'utf8') : '';
      const trainMode = harness.includes('--x-mode train') && train !== undefined;
      const golden = JSON.parse(readFileSync(join(goldenDir, `${name}.json`), 'utf8')) as {
        openapi: { status: number; body: unknown };
      };
      const run = trainMode
        ? staticSchema(dir, train, 'train', { fallback: false, otherRef: predict })
        : staticSchema(dir, predict, 'predict', { fallback: false, ...(train ? { otherRef: train } : {}) });
      if (golden.openapi.status !== 200) {
        // Cog's server could not build a schema: the static reader must refuse it, at a line.
        const err = await run.then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(UserError);
        expect((err as UserError).message).toMatch(/^predict\.py:\d+:\d+: /);
        return;
      }
      const result = await run;
      expect(result.source).toBe('static');
      expect(result.schema).toEqual(stripTitleNextToRef(golden.openapi.body));
    });
  }

  it('bad_signature points at the parameter line and names the type', async () => {
    const err = (await staticSchema(join(fixturesDir, 'bad_signature'), 'predict.py:Predictor', 'predict', { fallback: false }).catch(
      (e: unknown) => e,
    )) as UserError;
    expect(err.code).toBe('E_SCHEMA_SIGNATURE');
    expect(err.message).toMatch(/^predict\.py:7:1: Unsupported input type dict for parameter `options`/);
  });
});
