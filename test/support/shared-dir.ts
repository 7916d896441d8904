/**
 * The project's shared material (the cog.yaml corpus, the conformance bench) lives next to the
 * repository in `../shared`; EDGECOG_SHARED_DIR names another place (a CI checkout elsewhere).
 * Tests that need it fail when it is missing: they never skip.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function sharedDir(...parts: string[]): string {
  const base = process.env.EDGECOG_SHARED_DIR ? resolve(process.env.EDGECOG_SHARED_DIR) : resolve(repoRoot, '..', 'shared');
  return resolve(base, ...parts);
}
