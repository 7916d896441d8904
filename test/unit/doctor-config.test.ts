import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../src/config/index.js';
import { checkForDiagnostic, findingFromDiagnostic, hasTopLevelKey, predictLineValue, renamePredictKey } from '../../src/doctor/config-checks.js';
import { unifiedDiff } from '../../src/doctor/diff.js';

function diag(code: string, field: string, severity: 'error' | 'warning' = 'warning'): Diagnostic {
  return { code, field, severity, message: `${field} says ${code}`, file: 'cog.yaml', position: { line: 3, column: 5 }, hint: 'do this' };
}

describe('config diagnostics → doctor checks', () => {
  it('sorts every diagnostic kind into one check', () => {
    expect(checkForDiagnostic(diag('E_CONFIG_YAML', '', 'error'))).toBe('config-parse');
    expect(checkForDiagnostic(diag('W_DEPRECATED', 'predict'))).toBe('predict-to-run');
    expect(checkForDiagnostic(diag('W_DEPRECATED', 'build.python_packages'))).toBe('config-deprecated');
    expect(checkForDiagnostic(diag('E_CONFIG_CONFLICT', 'run', 'error'))).toBe('run-predict-collision');
    expect(checkForDiagnostic(diag('E_CONFIG_CONFLICT', 'build', 'error'))).toBe('config-schema');
    expect(checkForDiagnostic(diag('E_CONFIG_REF_FILE', 'predict', 'error'))).toBe('predict-ref');
    expect(checkForDiagnostic(diag('W_PYTHON_VERSION', 'build.python_version'))).toBe('python-version');
    expect(checkForDiagnostic(diag('W_CUDA_COMPAT', 'build.cuda'))).toBe('cuda-torch');
    expect(checkForDiagnostic(diag('W_UNKNOWN_KEY', 'buidl'))).toBe('config-schema');
  });

  it('keeps position, hint and code', () => {
    expect(findingFromDiagnostic(diag('W_UNKNOWN_KEY', 'buidl'))).toEqual({
      check: 'config-schema',
      severity: 'warning',
      message: 'buidl says W_UNKNOWN_KEY',
      file: 'cog.yaml',
      line: 3,
      column: 5,
      hint: 'do this',
      fixable: false,
      code: 'W_UNKNOWN_KEY',
    });
  });
});

describe('predict: → run: by position', () => {
  const yaml = '# model\nbuild:\n  python_version: "3.11"   # pinned\npredict: "predict.py:Predictor"  # entry\ntrain: "train.py:train"\n';

  it('renames only the key, keeping quotes, spacing and comments', () => {
    expect(renamePredictKey(yaml)).toBe(yaml.replace('predict: "predict.py:Predictor"', 'run: "predict.py:Predictor"'));
  });

  it('rewrites the starter reference inside the same quotes', () => {
    expect(renamePredictKey(yaml, { from: 'predict.py:Predictor', to: 'run.py:Runner' })).toBe(yaml.replace('predict: "predict.py:Predictor"', 'run: "run.py:Runner"'));
    expect(renamePredictKey("predict:   'predict.py:Predictor'\n", { from: 'predict.py:Predictor', to: 'run.py:Runner' })).toBe("run:   'run.py:Runner'\n");
  });

  it('does nothing when run: exists, or predict is not a top-level key', () => {
    expect(renamePredictKey(`${yaml}run: "x.py:Y"\n`)).toBeUndefined();
    expect(renamePredictKey('build:\n  predict: 1\n')).toBeUndefined();
    expect(hasTopLevelKey('build:\n  run:\n    - echo\n', 'run')).toBe(false);
    expect(hasTopLevelKey('run : "a.py:B"\n', 'run')).toBe(true);
  });

  it('reads the value on the predict line, quoted or not, before a comment', () => {
    expect(predictLineValue(yaml)).toBe('predict.py:Predictor');
    expect(predictLineValue('predict: predict.py:Predictor # c\n')).toBe('predict.py:Predictor');
    expect(predictLineValue("predict: 'model.py:Echo'\n")).toBe('model.py:Echo');
  });
});

describe('unified diff', () => {
  it('is what `diff -u` prints (hunks, counts, context)', () => {
    const a = ['one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve'].join('\n') + '\n';
    const b = a.replace('two\n', 'TWO\n').replace('eleven\n', 'eleven\nextra\n').replace('five\n', '');
    const dir = mkdtempSync(join(tmpdir(), 'edgecog-diff-'));
    writeFileSync(join(dir, 'a'), a);
    writeFileSync(join(dir, 'b'), b);
    const expected = spawnSync('diff', ['-u', '--label', 'a/x.py', '--label', 'b/x.py', join(dir, 'a'), join(dir, 'b')], { encoding: 'utf8' }).stdout;
    expect(unifiedDiff(a, b, 'x.py', 'x.py')).toBe(expected);
    for (const [x, y] of [['a\n', 'b\n'], ['', 'new\n'], ['gone\n', ''], ['1\n2\n3\n', '1\n3\n']]) {
      writeFileSync(join(dir, 'a'), x!);
      writeFileSync(join(dir, 'b'), y!);
      const gnu = spawnSync('diff', ['-u', '--label', 'a/f', '--label', 'b/f', join(dir, 'a'), join(dir, 'b')], { encoding: 'utf8' }).stdout;
      expect(unifiedDiff(x!, y!, 'f', 'f')).toBe(gnu);
    }
  });

  it('names a renamed file on both sides; no change gives no diff', () => {
    expect(unifiedDiff('x\n', 'y\n', 'predict.py', 'run.py')).toBe('--- a/predict.py\n+++ b/run.py\n@@ -1 +1 @@\n-x\n+y\n');
    expect(unifiedDiff('same\n', 'same\n', 'a', 'a')).toBe('');
  });
});
