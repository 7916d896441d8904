/**
 * `.dockerignore` with Docker's semantics (moby/patternmatcher): one pattern a line, `#` comments,
 * `!` re-includes, `*` `?` `[...]` within one path segment, `**` across segments, a leading `/`
 * means nothing, a pattern that matches a directory excludes everything under it, and the last
 * matching pattern wins. Paths are project-relative with `/` separators.
 */

/**
 * Excluded before the user's patterns (so a `!` line can bring them back): Cog's own state dir
 * (it filters `.cog/` out of every context), ours, VCS metadata and bytecode caches.
 */
export const DEFAULT_IGNORE_PATTERNS: readonly string[] = ['.cog', '.edgecog', '**/.git', '**/__pycache__', '**/*.pyc'];

export interface IgnorePattern {
  pattern: string;
  negated: boolean;
  regex: RegExp;
}

export type IgnoreMatcher = ((relPath: string, isDir: boolean) => boolean) & {
  /** True when a `!` pattern exists: a walker must then look inside ignored directories too. */
  readonly hasNegations: boolean;
};

/** The pattern lines of a .dockerignore file (comments and blanks dropped, whitespace trimmed). */
export function parseDockerignore(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

/** filepath.Clean for `/`-separated relative patterns. */
function cleanPath(p: string): string {
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  return out.join('/');
}

function compile(raw: string): IgnorePattern | undefined {
  let pattern = raw.trim();
  const negated = pattern.startsWith('!');
  if (negated) pattern = pattern.slice(1).trim();
  pattern = cleanPath(pattern);
  if (pattern === '') return undefined;
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i] as string;
    if (ch === '*') {
      if (pattern[i + 1] === '*') {
        i++;
        if (pattern[i + 1] === '/') i++;
        // `**` at the end matches everything below; elsewhere any number of directories.
        re += i + 1 >= pattern.length ? '.*' : '(?:.*/)?';
      } else {
        re += '[^/]*';
      }
    } else if (ch === '?') {
      re += '[^/]';
    } else if (ch === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end === -1) {
        re += '\\[';
      } else {
        let cls = pattern.slice(i + 1, end);
        if (cls.startsWith('!')) cls = `^${cls.slice(1)}`;
        re += `[${cls.replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else if (ch === '\\' && i + 1 < pattern.length) {
      i++;
      re += escapeRegex(pattern[i] as string);
    } else {
      re += escapeRegex(ch);
    }
  }
  return { pattern, negated, regex: new RegExp(`^${re}$`) };
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

function matchesOrParentMatches(p: IgnorePattern, relPath: string): boolean {
  if (p.regex.test(relPath)) return true;
  const parts = relPath.split('/');
  for (let n = parts.length - 1; n >= 1; n--) {
    if (p.regex.test(parts.slice(0, n).join('/'))) return true;
  }
  return false;
}

/**
 * A matcher over the given patterns (defaults are not added: pass
 * `[...DEFAULT_IGNORE_PATTERNS, ...parseDockerignore(text)]`). Returns true when the path is
 * excluded from the build context.
 */
export function createIgnoreMatcher(patterns: readonly string[]): IgnoreMatcher {
  const compiled = patterns.map(compile).filter((p): p is IgnorePattern => p !== undefined);
  const matcher = (relPath: string, _isDir: boolean): boolean => {
    const path = cleanPath(relPath.replace(/\\/g, '/'));
    if (path === '') return false;
    let ignored = false;
    for (const p of compiled) {
      // Only a pattern that could change the verdict needs testing.
      if (p.negated !== ignored) continue;
      if (matchesOrParentMatches(p, path)) ignored = !p.negated;
    }
    return ignored;
  };
  return Object.assign(matcher, { hasNegations: compiled.some((p) => p.negated) });
}
