import { UserError } from '../errors.js';
import { renderDiagnostics, summarizeDiagnostics } from '../ui/diagnostics.js';
import type { Diagnostic } from './types.js';

/**
 * cog.yaml has errors. The message carries every diagnostic already rendered (no colour), so
 * any caller that prints `error: <message>` shows file:line:col, the source line and the hints.
 */
export class ConfigError extends UserError {
  readonly diagnostics: Diagnostic[];
  readonly sourceText: string;

  constructor(configFile: string, diagnostics: Diagnostic[], sourceText: string) {
    const errors = diagnostics.filter((d) => d.severity === 'error');
    const rendered = renderDiagnostics(diagnostics, sourceText, { color: false }).replace(/\n$/, '');
    super('E_CONFIG', `${configFile} is not valid (${summarizeDiagnostics(errors)})\n\n${rendered}`);
    this.name = 'ConfigError';
    this.diagnostics = diagnostics;
    this.sourceText = sourceText;
  }
}

export function isConfigError(err: unknown): err is ConfigError {
  return err instanceof ConfigError;
}
