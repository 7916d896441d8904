/**
 * Reading pip requirement lines the way Cog does (pkg/requirements): comments and blank lines
 * dropped, backslash continuations joined, `-e .` skipped; and finding a package's version.
 */

import { posix } from 'node:path';

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

/** An include option (`-r x`, `-rx`, `--requirement=x`, `-c x`, `--constraint x`) and its path. */
const INCLUDE = /^(-r|-c|--requirement|--constraint)(?:\s*=\s*|\s+|(?<=^-[rc]))(\S+)$/;

export interface RequirementTreeLine extends RequirementLine {
  /** The file (as named from the project directory) the line was read from. */
  file: string;
}

export interface RequirementTree {
  requirements: RequirementTreeLine[];
  /** Lines of the files included with `-c`/`--constraint` (and of anything those include). */
  constraints: RequirementTreeLine[];
  /** An included file that could not be read, and the line that included it. */
  missing?: { path: string; from: string; line: number; option: string };
}

/**
 * A requirements file with its `-r`/`-c` includes read in, recursively. Only the generated
 * requirements file reaches pip in the build (bind-mounted, never the project's own copy), so a
 * relative include left in it would point at nothing; its lines are inlined instead, resolved
 * from the including file's directory as pip does. Constraints stay constraints: they are
 * returned apart, for a constraints file of their own. A file already read is not read again,
 * which also ends include cycles. URL includes are left for pip to fetch.
 */
export function readRequirementsTree(file: string, readFile: (path: string) => string | undefined): RequirementTree {
  const tree: RequirementTree = { requirements: [], constraints: [] };
  const seen = new Set<string>();
  const visit = (path: string, constraint: boolean, content: string): void => {
    seen.add(path);
    for (const line of parseRequirementsText(content)) {
      const m = INCLUDE.exec(line.text);
      const target = m?.[2];
      if (!m || !target || /^[a-z][a-z0-9+.-]*:\/\//i.test(target)) {
        (constraint ? tree.constraints : tree.requirements).push({ ...line, file: path });
        continue;
      }
      const included = target.startsWith('/') ? posix.normalize(target) : posix.join(posix.dirname(path), target);
      if (seen.has(included)) continue;
      const text = readFile(included);
      if (text === undefined) {
        tree.missing ??= { path: included, from: path, line: line.line, option: m[1] ?? '-r' };
        continue;
      }
      visit(included, constraint || m[1] === '-c' || m[1] === '--constraint', text);
    }
  };
  const top = posix.normalize(file.replace(/\\/g, '/'));
  const content = readFile(top);
  if (content === undefined) tree.missing = { path: top, from: '', line: 0, option: '' };
  else visit(top, false, content);
  return tree;
}
