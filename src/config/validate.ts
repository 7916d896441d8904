/** Semantic checks on the decoded config (Cog's rules plus edgecog's differences). */
import type { DecodeResult } from './decode.js';
import type { Diagnostic, ProjectFacts } from './types.js';

export interface ValidateOptions {
  file: string;
  facts: ProjectFacts;
}

export interface ValidationOutput {
  diagnostics: Diagnostic[];
  /** Requirement lines from python_requirements (or the deprecated python_packages). */
  requirements: string[];
  pythonVersion: string;
  cuda?: string;
  cudnn?: string;
}

export function validateConfig(decoded: DecodeResult, options: ValidateOptions): ValidationOutput {
  void decoded;
  void options;
  return { diagnostics: [], requirements: [], pythonVersion: '3.13' };
}
