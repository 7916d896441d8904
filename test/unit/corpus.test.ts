/**
 * Every real-world cog.yaml in ../shared/corpus/cog-yaml loads as the manifest's `edgecog`
 * column says: ok and warn files load (warn files warn about each deprecated field), error
 * files fail with a diagnostic at the field and line:col the manifest names.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkConfigText, type Diagnostic, type ProjectFacts } from '../../src/config/index.js';
import { sharedDir } from '../support/shared-dir.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const corpusDir = sharedDir('corpus', 'cog-yaml');
const manifestPath = join(corpusDir, 'MANIFEST.tsv');

interface Row {
  file: string;
  verdict: string;
  edgecog: string;
  detail: string;
}

function readManifest(): Row[] {
  // No corpus is a failure, not a skip: this test is how we know real configs still load.
  if (!existsSync(manifestPath)) throw new Error(`corpus manifest missing: ${manifestPath}`);
  const [header, ...lines] = readFileSync(manifestPath, 'utf8').split('\n').filter((l) => l.trim() !== '');
  const cols = (header ?? '').split('\t');
  const at = (name: string) => cols.indexOf(name);
  return lines.map((line) => {
    const cells = line.split('\t');
    return { file: cells[at('file')] ?? '', verdict: cells[at('verdict')] ?? '', edgecog: cells[at('edgecog')] ?? '', detail: cells[at('detail')] ?? '' };
  });
}

// The corpus holds cog.yaml files only: referenced predictor files count as present and a
// python_requirements file as present and empty (as the manifest's verdicts assume).
const corpusFacts: ProjectFacts = { fileExists: () => true, readFile: () => '' };

const rows = readManifest();

function where(d: Diagnostic): string {
  return `${d.field}@${d.position?.line}:${d.position?.column}`;
}

function expectDiagnosticAt(diags: Diagnostic[], severity: string, ref: string, code?: string): void {
  const matches = diags.filter((d) => d.severity === severity && where(d) === ref && (code === undefined || d.code === code));
  expect(matches, `expected a ${severity} at ${ref}; got:\n${diags.map((d) => `${d.severity} ${where(d)} ${d.message}`).join('\n')}`).not.toHaveLength(0);
}

describe('cog.yaml corpus', () => {
  it('has the corpus and its manifest', () => {
    expect(rows.length).toBeGreaterThanOrEqual(100);
    for (const row of rows) expect(existsSync(join(corpusDir, row.file)), row.file).toBe(true);
  });

  it.each(rows.map((r) => [r.file, r] as const))('%s', (_name, row) => {
    const text = readFileSync(join(corpusDir, row.file), 'utf8');
    const { config, diagnostics } = checkConfigText(text, { file: 'cog.yaml', facts: corpusFacts });
    const errors = diagnostics.filter((d) => d.severity === 'error');
    const warnings = diagnostics.filter((d) => d.severity === 'warning');
    const [main = '', ...notes] = row.detail.split(' | ');

    if (row.edgecog === 'error') {
      expect(config).toBeUndefined();
      expect(errors.length).toBeGreaterThan(0);
      for (const entry of main.split('; ')) {
        const ref = /^(\S+@\d+:\d+):/.exec(entry)?.[1];
        if (ref) expectDiagnosticAt(errors, 'error', ref);
      }
    } else {
      expect(errors.map((d) => `${where(d)} ${d.message}`)).toEqual([]);
      expect(config).toBeDefined();
    }

    if (row.edgecog === 'ok') {
      expect(warnings.filter((w) => w.code === 'W_DEPRECATED' || w.code === 'W_PYTHON_VERSION')).toEqual([]);
    }
    if (row.edgecog === 'warn' && row.verdict === 'warn') {
      const expected = main.replace(/^deprecated: /, '').split(', ').filter(Boolean).sort();
      const got = warnings.filter((w) => w.code === 'W_DEPRECATED').map((w) => w.field).sort();
      expect(got).toEqual(expected);
    }
    if (row.edgecog === 'warn' && row.verdict === 'error') {
      // Cog 0.17+ refuses Python 3.8/3.9; edgecog warns at the same place instead.
      const ref = /^(build\.python_version@\d+:\d+):/.exec(main)?.[1];
      expect(ref, main).toBeDefined();
      expectDiagnosticAt(warnings, 'warning', ref as string, 'W_PYTHON_VERSION');
    }
    for (const note of notes) {
      const unknown = /^(\S+@\d+:\d+) (unknown key|old Cog key)/.exec(note);
      if (unknown?.[1]) expectDiagnosticAt(warnings, 'warning', unknown[1], 'W_UNKNOWN_KEY');
    }
  });
});
