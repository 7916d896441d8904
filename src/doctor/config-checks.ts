/**
 * cog.yaml findings: every diagnostic src/config produces, sorted into doctor's checks, and
 * the one cog.yaml rewrite --fix makes (`predict:` → `run:`), done on the text by position so
 * comments, quoting and layout stay as the user wrote them. Pure.
 */
import type { Diagnostic } from '../config/index.js';
import type { Finding } from './types.js';

/** Which doctor check a config diagnostic belongs to. */
export function checkForDiagnostic(d: Diagnostic): string {
  if (d.code === 'E_CONFIG_YAML' || d.code === 'E_CONFIG_DUPLICATE_KEY') return 'config-parse';
  if (d.code === 'W_DEPRECATED') return d.field === 'predict' ? 'predict-to-run' : 'config-deprecated';
  if (d.code === 'E_CONFIG_CONFLICT' && (d.field === 'run' || d.field === 'predict')) return 'run-predict-collision';
  if (d.code === 'E_CONFIG_REF' || d.code === 'E_CONFIG_REF_FILE') return 'predict-ref';
  if (d.code === 'W_PYTHON_VERSION') return 'python-version';
  if (['W_CUDA_COMPAT', 'W_CUDA_IGNORED', 'E_CONFIG_CUDA', 'E_CONFIG_CUDNN', 'E_CONFIG_TORCH'].includes(d.code)) return 'cuda-torch';
  return 'config-schema';
}

export function findingFromDiagnostic(d: Diagnostic, fixable = false): Finding {
  return {
    check: checkForDiagnostic(d),
    severity: d.severity,
    message: d.message,
    file: d.file,
    ...(d.position ? { line: d.position.line, column: d.position.column } : {}),
    ...(d.hint ? { hint: d.hint } : {}),
    fixable,
    code: d.code,
  };
}

/** A top-level `key:` in block style, at column 0 (what Cog's doctor matches too). */
function topLevelKey(text: string, key: string): RegExpExecArray | null {
  return new RegExp(`^${key}[ \\t]*:`, 'm').exec(text);
}

export function hasTopLevelKey(text: string, key: string): boolean {
  return topLevelKey(text, key) !== null;
}

/** The value on the `predict:` line, unquoted, when it is a plain scalar there. */
export function predictLineValue(text: string): string | undefined {
  const m = /^predict[ \t]*:[ \t]*(["']?)([^"'#\n]*?)\1[ \t]*(?:#.*)?$/m.exec(text);
  return m?.[2];
}

/**
 * `predict: X` → `run: X` (and, for the starter shape, `predict.py:Predictor` → `run.py:Runner`
 * inside the same quotes). undefined when there is nothing to rename or `run:` already exists.
 */
export function renamePredictKey(text: string, newRef?: { from: string; to: string }): string | undefined {
  const key = topLevelKey(text, 'predict');
  if (!key || hasTopLevelKey(text, 'run')) return undefined;
  let out = `${text.slice(0, key.index)}run${text.slice(key.index + 'predict'.length)}`;
  if (newRef) {
    const lineStart = key.index;
    const lineEnd = out.indexOf('\n', lineStart) === -1 ? out.length : out.indexOf('\n', lineStart);
    const line = out.slice(lineStart, lineEnd);
    const at = line.indexOf(newRef.from);
    if (at === -1) return undefined;
    out = out.slice(0, lineStart + at) + newRef.to + out.slice(lineStart + at + newRef.from.length);
  }
  return out;
}
