/**
 * One cog.yaml text in, every diagnostic (and the normalized config when there is no error)
 * out. Pure: the project directory is seen only through the injected facts.
 */
import { decodeDocument } from './decode.js';
import { normalizeConfig } from './normalize.js';
import type { ConfigCheckResult, Diagnostic, ProjectFacts } from './types.js';
import { validateConfig } from './validate.js';
import { parseYamlSource } from './yaml-source.js';

export interface CheckOptions {
  /** The config file name as the user named it, used in diagnostics (default cog.yaml). */
  file?: string;
  facts: ProjectFacts;
}

export function checkConfigText(text: string, options: CheckOptions): ConfigCheckResult {
  const file = options.file ?? 'cog.yaml';
  const parsed = parseYamlSource(text, file);
  // A syntax error leaves a tree the decoder cannot trust; report the syntax error alone.
  if (parsed.diagnostics.length > 0) return { raw: {}, diagnostics: parsed.diagnostics };
  const decoded = decodeDocument(parsed.source);
  const diagnostics: Diagnostic[] = [...decoded.diagnostics];
  const validated = validateConfig(decoded, { file, facts: options.facts });
  diagnostics.push(...validated.diagnostics);
  sortBySource(diagnostics);
  if (diagnostics.some((d) => d.severity === 'error')) return { raw: decoded.value, diagnostics };
  return { config: normalizeConfig(decoded.value, validated), raw: decoded.value, diagnostics };
}

function sortBySource(diags: Diagnostic[]): void {
  // Stable: diagnostics without a position keep their relative order, after positioned ones.
  diags.sort((a, b) => {
    const pa = a.position;
    const pb = b.position;
    if (!pa || !pb) return pa ? -1 : pb ? 1 : 0;
    return pa.line - pb.line || pa.column - pb.column;
  });
}
