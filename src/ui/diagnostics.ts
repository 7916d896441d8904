/**
 * Renders config diagnostics rustc-style:
 *
 *   cog.yaml:3:19: error: build.python_version "3.7" is not supported: edgecog needs Python 3.8 or newer
 *      3 |   python_version: "3.7"
 *        |                   ^^^^^
 *     hint: use python_version: "3.11"
 *
 * Pure: the caller decides where the text goes (stderr) and whether colour is on.
 */
import type { Diagnostic } from '../config/types.js';

export interface RenderOptions {
  color: boolean;
}

const ANSI = { red: '\u001b[31m', yellow: '\u001b[33m', cyan: '\u001b[36m', bold: '\u001b[1m', dim: '\u001b[2m', reset: '\u001b[0m' };

function paint(on: boolean, code: keyof typeof ANSI, text: string): string {
  return on ? `${ANSI[code]}${text}${ANSI.reset}` : text;
}

/** Split like YAML does: LF, CRLF and lone CR all end a line. */
function sourceLines(sourceText: string): string[] {
  return sourceText.split(/\r\n|\r|\n/);
}

// Tabs would make the caret drift under the wrong character, so both the quoted line and
// the caret prefix expand them the same way.
function expandTabs(text: string): string {
  return text.replace(/\t/g, '    ');
}

/** One diagnostic as text (no trailing newline). */
export function renderDiagnostic(diag: Diagnostic, lines: readonly string[], opts: RenderOptions): string {
  const color = opts.color;
  const label = diag.severity === 'error' ? paint(color, 'red', 'error:') : paint(color, 'yellow', 'warning:');
  const where = diag.position ? `${diag.file}:${diag.position.line}:${diag.position.column}` : diag.file;
  const out = [`${paint(color, 'bold', `${where}:`)} ${label} ${diag.message}`];
  const pos = diag.position;
  const line = pos ? lines[pos.line - 1] : undefined;
  if (pos && line !== undefined) {
    const gutter = String(pos.line);
    const pad = ' '.repeat(gutter.length);
    const before = expandTabs(line.slice(0, Math.max(0, pos.column - 1)));
    const rest = line.slice(Math.max(0, pos.column - 1));
    // Never underline past the end of the line: a span that continues onto later lines
    // (a block mapping, a multi-line string) is marked by its first line only.
    const span = Math.max(1, Math.min(diag.span ?? 1, expandTabs(rest).length || 1));
    const marker = '^'.repeat(span);
    out.push(`  ${paint(color, 'cyan', `${gutter} |`)} ${expandTabs(line)}`);
    out.push(`  ${paint(color, 'cyan', `${pad} |`)} ${' '.repeat(before.length)}${paint(color, diag.severity === 'error' ? 'red' : 'yellow', marker)}`);
  }
  if (diag.hint) {
    for (const [i, hintLine] of diag.hint.split('\n').entries()) {
      out.push(i === 0 ? `  ${paint(color, 'cyan', 'hint:')} ${hintLine}` : `        ${hintLine}`);
    }
  }
  return out.join('\n');
}

/**
 * All diagnostics, errors and warnings in the order given, separated by blank lines, with a
 * trailing newline (empty string when there is nothing to say).
 */
export function renderDiagnostics(diags: readonly Diagnostic[], sourceText: string, opts: RenderOptions): string {
  if (diags.length === 0) return '';
  const lines = sourceLines(sourceText);
  return `${diags.map((d) => renderDiagnostic(d, lines, opts)).join('\n\n')}\n`;
}

/** "2 errors, 1 warning" */
export function summarizeDiagnostics(diags: readonly Diagnostic[]): string {
  const errors = diags.filter((d) => d.severity === 'error').length;
  const warnings = diags.length - errors;
  const parts: string[] = [];
  if (errors > 0) parts.push(`${errors} error${errors === 1 ? '' : 's'}`);
  if (warnings > 0) parts.push(`${warnings} warning${warnings === 1 ? '' : 's'}`);
  return parts.join(', ') || 'no problems';
}
