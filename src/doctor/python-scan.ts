/** The bridge to templates/tools/doctor_scan.py: facts, findings and rewrites of one Python file. */
import { join } from 'node:path';
import { toolsDir } from '../schema-static/index.js';
import type { Finding, FindingSeverity } from './types.js';
import { runProcess } from '../util/process.js';

export interface ScanTargetFacts {
  kind: 'class' | 'function';
  line: number;
  run?: number[];
  predict?: number[];
  train?: number[];
  base_predictor?: boolean;
}

export interface PythonScan {
  file: string;
  readError?: string;
  syntaxError?: { line: number; col: number; message: string };
  classes: string[];
  functions: string[];
  /** name → facts, or null when the file does not define it. */
  targets: Record<string, ScanTargetFacts | null>;
  findings: Finding[];
  migrationRefused?: string;
  fix?: { source: string; applied: string[]; refused: Record<string, string> };
}

interface RawScan {
  file: string;
  read_error?: string;
  syntax_error: { line: number; col: number; message: string } | null;
  facts: { classes: string[]; functions: string[]; targets: Record<string, ScanTargetFacts | null> } | null;
  findings: Array<{ check: string; severity: FindingSeverity; message: string; line: number; col: number; hint: string | null; fixable: boolean }>;
  migration_refused?: string;
  fix?: { source: string; applied: string[]; refused: Record<string, string> };
}

export interface ScanRequest {
  projectDir: string;
  file: string;
  targets: Array<{ name: string; mode: 'predict' | 'train' }>;
  /** Check ids to rewrite. */
  fix?: string[];
  /** predict-to-run in the starter shape: this class becomes Runner. */
  migrateClass?: string;
  python: string;
}

export async function scanPythonFile(req: ScanRequest): Promise<PythonScan> {
  const args = ['-S', join(toolsDir(), 'doctor_scan.py'), '--project', req.projectDir, '--file', req.file];
  for (const t of req.targets) args.push('--target', `${t.name}=${t.mode}`);
  if (req.fix && req.fix.length > 0) args.push('--fix', req.fix.join(','));
  if (req.migrateClass) args.push('--migrate-class', req.migrateClass);
  const r = await runProcess(req.python, args, { timeoutMs: 30_000, env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } });
  let raw: RawScan;
  try {
    raw = JSON.parse(r.stdout) as RawScan;
  } catch {
    const why = r.failure ?? (r.stderr.trim().split('\n').pop() || `exit ${r.code}`);
    return { file: req.file, readError: `could not scan ${req.file} with ${req.python}: ${why}`, classes: [], functions: [], targets: {}, findings: [] };
  }
  return {
    file: raw.file,
    ...(raw.read_error ? { readError: raw.read_error } : {}),
    ...(raw.syntax_error ? { syntaxError: raw.syntax_error } : {}),
    classes: raw.facts?.classes ?? [],
    functions: raw.facts?.functions ?? [],
    targets: raw.facts?.targets ?? {},
    findings: raw.findings.map((f) => ({
      check: f.check,
      severity: f.severity,
      message: f.message,
      file: req.file,
      ...(f.line ? { line: f.line } : {}),
      ...(f.col ? { column: f.col } : {}),
      ...(f.hint ? { hint: f.hint } : {}),
      fixable: f.fixable,
    })),
    ...(raw.migration_refused ? { migrationRefused: raw.migration_refused } : {}),
    ...(raw.fix ? { fix: raw.fix } : {}),
  };
}
