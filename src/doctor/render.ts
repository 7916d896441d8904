/** Doctor's report for people (stderr) and as one JSON document (--json, stdout). Pure. */
import { unifiedDiff } from './diff.js';
import type { DoctorReport, FileChange, Finding } from './types.js';

export interface Paint {
  (colour: 'red' | 'yellow' | 'green' | 'dim' | 'bold' | 'cyan', text: string): string;
}

function location(f: Finding): string {
  if (!f.file) return '';
  if (!f.line) return `${f.file}: `;
  return `${f.file}:${f.line}:${f.column ?? 1}: `;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function renderChange(change: FileChange, paint: Paint): string {
  const diff = unifiedDiff(change.before, change.after, change.path, change.newPath);
  const lines = diff.split('\n').map((line) => {
    if (line.startsWith('+++') || line.startsWith('---')) return paint('bold', line);
    if (line.startsWith('@@')) return paint('cyan', line);
    if (line.startsWith('+')) return paint('green', line);
    if (line.startsWith('-')) return paint('red', line);
    return line;
  });
  return lines.join('\n');
}

export function renderReport(report: DoctorReport, opts: { fix: boolean; paint: Paint }): string {
  const { paint } = opts;
  const out: string[] = [];
  let group = '';
  let fixable = 0;
  for (const check of report.checks) {
    if (check.group !== group) {
      group = check.group;
      out.push(paint('bold', group));
    }
    const mark =
      check.status === 'error'
        ? paint('red', '✗')
        : check.status === 'warning'
          ? paint('yellow', '!')
          : check.status === 'info'
            ? paint('cyan', 'i')
            : paint('green', '✓');
    out.push(`  ${mark} ${check.status === 'fixed' ? `Fixed: ${check.description}` : check.description}`);
    for (const f of check.findings) {
      const severity = f.severity === 'error' ? paint('red', 'error') : f.severity === 'warning' ? paint('yellow', 'warning') : paint('cyan', 'info');
      const message = f.message.replace(/\n/g, '\n        ');
      out.push(`      ${location(f)}${severity}: ${message}${f.fixable && !opts.fix ? paint('dim', ' (fixable)') : ''}`);
      if (f.hint) out.push(`        ${paint('dim', `hint: ${f.hint}`)}`);
      if (f.fixable) fixable++;
    }
  }
  for (const r of report.refused) out.push(`${paint('yellow', 'not fixed')} (${r.check}): ${r.reason}`);
  out.push('');
  const parts: string[] = [];
  if (report.errors > 0) parts.push(plural(report.errors, 'error'));
  if (report.warnings > 0) parts.push(plural(report.warnings, 'warning'));
  const fixedCount = report.changes.length;
  if (opts.fix && fixedCount > 0) {
    out.push(`Changed ${plural(fixedCount, 'file')}.${parts.length > 0 ? ` ${parts.join(', ')} remaining.` : ' No issues left.'}`);
  } else if (parts.length > 0) {
    out.push(`Found ${parts.join(', ')}.${!opts.fix && fixable > 0 ? ` Run "edgecog doctor --fix" to fix ${fixable === 1 ? 'one of them' : `${fixable} of them`}.` : ''}`);
  } else {
    out.push(paint('green', 'No issues found.'));
  }
  return `${out.join('\n')}\n`;
}

/** The --json document: findings by check, changes as unified diffs. */
export function reportJson(report: DoctorReport): Record<string, unknown> {
  return {
    ok: report.errors === 0,
    projectDir: report.projectDir,
    configFile: report.configFile,
    errors: report.errors,
    warnings: report.warnings,
    checks: report.checks.map((c) => ({ id: c.id, group: c.group, description: c.description, status: c.status, findings: c.findings })),
    changes: report.changes.map((c) => ({ path: c.path, newPath: c.newPath, checks: c.checks, diff: unifiedDiff(c.before, c.after, c.path, c.newPath) })),
    refused: report.refused,
  };
}
