/** renderDiagnostics: the text people read for config errors and warnings. */
import { describe, expect, it } from 'vitest';
import { renderDiagnostics, summarizeDiagnostics, type Diagnostic } from '../../src/config/index.js';

const base: Diagnostic = { severity: 'error', code: 'E_X', field: 'build.gpu', message: 'build.gpu must be true or false (got "yes please")', file: 'cog.yaml' };

describe('renderDiagnostics', () => {
  it('prints location, source line, an underline and the hint', () => {
    const text = 'build:\n  gpu: "yes please"\n';
    const out = renderDiagnostics([{ ...base, position: { line: 2, column: 8 }, span: 12, hint: 'write gpu: true' }], text, { color: false });
    expect(out).toBe(
      'cog.yaml:2:8: error: build.gpu must be true or false (got "yes please")\n' +
        '  2 |   gpu: "yes please"\n' +
        '    |        ^^^^^^^^^^^^\n' +
        '  hint: write gpu: true\n',
    );
  });

  it('separates diagnostics with a blank line and indents multi-line hints', () => {
    const text = 'a: 1\nb: 2\n';
    const out = renderDiagnostics(
      [
        { ...base, severity: 'warning', field: 'a', message: 'first', position: { line: 1, column: 1 } },
        { ...base, field: 'b', message: 'second', position: { line: 2, column: 4 }, hint: 'one\ntwo' },
      ],
      text,
      { color: false },
    );
    expect(out).toBe('cog.yaml:1:1: warning: first\n  1 | a: 1\n    | ^\n\ncog.yaml:2:4: error: second\n  2 | b: 2\n    |    ^\n  hint: one\n        two\n');
  });

  it('keeps the caret under the column when the line has tabs, and with CRLF', () => {
    const out = renderDiagnostics([{ ...base, position: { line: 2, column: 3 } }], 'x:\r\n\t\tbad\r\n', { color: false });
    expect(out.split('\n').slice(1, 3)).toEqual(['  2 |         bad', '    |         ^']);
  });

  it('never underlines past the end of the line; widens the gutter for long files', () => {
    const text = `${'#\n'.repeat(99)}key: v\n`;
    const out = renderDiagnostics([{ ...base, position: { line: 100, column: 6 }, span: 50 }], text, { color: false });
    expect(out.split('\n').slice(1, 3)).toEqual(['  100 | key: v', '      |      ^']);
  });

  it('prints just the message without a position', () => {
    expect(renderDiagnostics([{ ...base, hint: 'h' }], '', { color: false })).toBe('cog.yaml: error: build.gpu must be true or false (got "yes please")\n  hint: h\n');
    expect(renderDiagnostics([], 'x', { color: false })).toBe('');
  });

  it('colours severity and caret only when asked', () => {
    const diag: Diagnostic = { ...base, position: { line: 1, column: 1 } };
    expect(renderDiagnostics([diag], 'gpu: 1\n', { color: true })).toContain('\u001b[31merror:\u001b[0m');
    expect(renderDiagnostics([diag], 'gpu: 1\n', { color: false })).not.toContain('\u001b[');
  });

  it('summarizes counts', () => {
    expect(summarizeDiagnostics([base, base, { ...base, severity: 'warning' }])).toBe('2 errors, 1 warning');
  });
});
