/** Decoded + validated config → the resolved, readonly CogConfig that the rest of edgecog uses. */
import type { CogConfig } from './types.js';
import type { ValidationOutput } from './validate.js';

export function normalizeConfig(raw: Record<string, unknown>, validated: ValidationOutput): CogConfig {
  void raw;
  return {
    build: { gpu: false, pythonVersion: validated.pythonVersion, pythonPackages: validated.requirements, systemPackages: [], run: [] },
    environment: {},
    weights: [],
  };
}
