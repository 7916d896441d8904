/**
 * Every real-world cog.yaml in ../shared/corpus/cog-yaml that loads also plans and renders:
 * no crash (a thrown non-user error would be a bug), GPU configs get an nvidia/cuda base.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkConfigText } from '../../src/config/index.js';
import { planBuild, renderDockerfile } from '../../src/dockerfile/index.js';
import { isUserError } from '../../src/errors.js';
import { sharedDir } from '../support/shared-dir.js';

const corpusDir = sharedDir('corpus', 'cog-yaml');

describe('planning the corpus', () => {
  it('every loadable config plans and renders', () => {
    expect(existsSync(corpusDir), `corpus missing: ${corpusDir}`).toBe(true);
    const files = readdirSync(corpusDir).filter((f) => f.endsWith('.yaml'));
    let planned = 0;
    const failures: string[] = [];
    for (const file of files) {
      const result = checkConfigText(readFileSync(resolve(corpusDir, file), 'utf8'), {
        file,
        facts: { fileExists: () => true, readFile: () => '' },
      });
      if (!result.config) continue;
      try {
        const plan = planBuild(result.config, { buildKit: true, edgecogVersion: '0.1.0', rawConfigJson: JSON.stringify(result.raw) });
        const text = renderDockerfile(plan);
        expect(text.startsWith(plan.gpu ? 'FROM nvidia/cuda:' : 'FROM python:')).toBe(true);
        planned++;
      } catch (err) {
        failures.push(`${file}: ${isUserError(err) ? `${err.code} ${err.message}` : String(err)}`);
      }
    }
    expect(failures).toEqual([]);
    expect(planned).toBeGreaterThan(100);
  });
});
