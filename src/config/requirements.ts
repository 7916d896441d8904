/**
 * Reading pip requirement lines the way Cog does (pkg/requirements): comments and blank lines
 * dropped, backslash continuations joined, `-e .` skipped; and finding a package's version.
 */

export interface RequirementLine {
  text: string;
  /** 1-based line in the requirements file where the requirement starts. */
  line: number;
}

export function parseRequirementsText(content: string): RequirementLine[] {
  const out: RequirementLine[] = [];
  const raw = content.split('\n');
  let pending = '';
  let startLine = 0;
  raw.forEach((rawLine, i) => {
    const line = rawLine.replace(/\r$/, '');
    if (pending === '') startLine = i + 1;
    if (line.endsWith('\\')) {
      pending += line.slice(0, -1);
      return;
    }
    const joined = (pending + line).trim();
    pending = '';
    if (joined === '' || joined.startsWith('#') || /^-e\s+\.$/.test(joined)) return;
    const hash = joined.indexOf('#');
    const text = (hash >= 0 ? joined.slice(0, hash) : joined).trim();
    if (text !== '') out.push({ text, line: startLine });
  });
  if (pending.trim() !== '') out.push({ text: pending.trim(), line: startLine });
  return out;
}

/** `torch[extra]==1` is named `torch[extra]`, as Cog's PackageName reads it (so it is not "torch"). */
export function requirementName(line: string): string {
  return /^([a-zA-Z0-9_\-.]+(?:\[[^\]]+\])?)/.exec(line)?.[1] ?? '';
}

/** Bare paths to wheels/archives, and local directories: installed as they are. */
export function isLocalArtifactLine(line: string): boolean {
  const first = line.trim().split(/\s/)[0] ?? '';
  return /^(\.{1,2}\/|\/|file:)/.test(first) || /\.(whl|zip|tar\.gz|tgz|tar\.bz2|tar\.xz)$/.test(first);
}

/**
 * The first version named on a package's line ("" when the package is listed without one),
 * or undefined when the package is not listed. `torch>=2.0` → "2.0", as Cog reads it.
 */
export function findRequirement(lines: readonly string[], name: string): { index: number; version: string } | undefined {
  for (const [index, line] of lines.entries()) {
    if (isLocalArtifactLine(line) || requirementName(line) !== name) continue;
    const spec = /[<>=!~]=?\s*([^\s,;|]+)/.exec(line) ?? /@\s*(\S+)/.exec(line);
    return { index, version: spec?.[1] ?? '' };
  }
  return undefined;
}
