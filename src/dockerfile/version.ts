/**
 * The loose `major.minor[.patch][+meta]` versions Cog compares CUDA and torch versions with.
 * A version without a patch matches any patch of the same minor ("11.8" matches "11.8.0").
 */
export interface LooseVersion {
  major: number;
  minor: number;
  patch?: number;
}

export function parseVersion(s: string): LooseVersion | undefined {
  const number = s.split('+')[0] ?? '';
  const parts = number.split('.');
  if (parts.length > 3 || parts.some((p) => !/^\d+$/.test(p))) return undefined;
  const [major, minor, patch] = parts.map(Number);
  if (major === undefined) return undefined;
  return patch === undefined ? { major, minor: minor ?? 0 } : { major, minor: minor ?? 0, patch };
}

/** Negative, zero or positive like a sort comparator; unparseable versions sort first. */
export function compareVersions(a: string, b: string): number {
  const va = parseVersion(a);
  const vb = parseVersion(b);
  if (!va || !vb) return va ? 1 : vb ? -1 : 0;
  return va.major - vb.major || va.minor - vb.minor || (va.patch ?? 0) - (vb.patch ?? 0);
}

export function versionMatches(a: string, b: string): boolean {
  const va = parseVersion(a);
  const vb = parseVersion(b);
  if (!va || !vb) return false;
  if (va.major !== vb.major || va.minor !== vb.minor) return false;
  return va.patch === undefined || vb.patch === undefined || va.patch === vb.patch;
}

export function equalMinor(a: string, b: string): boolean {
  const va = parseVersion(a);
  const vb = parseVersion(b);
  return Boolean(va && vb && va.major === vb.major && va.minor === vb.minor);
}
