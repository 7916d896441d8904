/** config/: cog.yaml in, CogConfig or diagnostics out. */
export * from './types.js';
export { loadProject, findProjectDir, projectFacts, type LoadProjectOptions } from './load-project.js';
export { checkConfigText, type CheckOptions } from './check.js';
export { ConfigError, isConfigError } from './errors.js';
export { TOP_FIELDS, BUILD_FIELDS, knownKeyPaths, type FieldSpec, type FieldTable, type Shape } from './fields.js';
export { cogJsonSchema, renderCogJsonSchema } from './json-schema.js';
export { renderDiagnostics, renderDiagnostic, summarizeDiagnostics } from '../ui/diagnostics.js';
