/** Shared plumbing for the validators: where a path is in the source, and how to report. */
import type { DecodeResult, Location } from './decode.js';
import type { Diagnostic, ProjectFacts } from './types.js';

export class Reporter {
  readonly diagnostics: Diagnostic[] = [];

  constructor(
    readonly decoded: DecodeResult,
    readonly file: string,
    readonly facts: ProjectFacts,
  ) {}

  /**
   * The position of a path's value, else its key, else the nearest ancestor that has one
   * (a missing `build.python_version` points at `build:`).
   */
  locate(path: string, prefer: 'value' | 'key' = 'value'): Location {
    let p: string | undefined = path;
    while (p) {
      const entry = this.decoded.locations.get(p);
      const first = prefer === 'key' ? (entry?.key ?? entry?.value) : (entry?.value ?? entry?.key);
      if (first?.position) return first;
      p = parentPath(p);
    }
    return {};
  }

  /** Whether a check on `path` would only repeat a shape error already reported. */
  failed(path: string): boolean {
    for (let p: string | undefined = path; p; p = parentPath(p)) if (this.decoded.failed.has(p)) return true;
    return false;
  }

  error(code: string, field: string, message: string, at: string | Location = field, hint?: string): void {
    this.push('error', code, field, message, at, hint);
  }

  warn(code: string, field: string, message: string, at: string | Location = field, hint?: string): void {
    this.push('warning', code, field, message, at, hint);
  }

  private push(severity: Diagnostic['severity'], code: string, field: string, message: string, at: string | Location, hint?: string): void {
    const where = typeof at === 'string' ? this.locate(at) : at;
    this.diagnostics.push({ severity, code, field, message, file: this.file, ...where, hint });
  }
}

export function parentPath(path: string): string | undefined {
  const m = /^(.*)(\.[^.[\]]+|\[\d+\])$/.exec(path);
  return m?.[1] || undefined;
}

export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

export function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function asStrings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}
