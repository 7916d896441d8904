import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { CommandContext } from '../context.js';
import { renderDiagnostics, type LoadedConfig } from '../config/index.js';

/** cog.yaml warnings (deprecations, unknown keys) on stderr, with their source lines; the command goes on. */
export function showConfigWarnings(ctx: CommandContext, loaded: LoadedConfig): void {
  if (loaded.warnings.length === 0) return;
  let text = loaded.sourceText ?? '';
  if (!text) {
    try {
      text = readFileSync(join(loaded.projectDir, basename(loaded.configFile)), 'utf8');
    } catch {
      // positions are still printed without the source line
    }
  }
  ctx.ui.raw(renderDiagnostics(loaded.warnings, text, { color: ctx.ui.color }));
}
