/**
 * Reading the files that `-i name=@path` names: small ones travel inside the request as data
 * URIs (as Cog sends them); big ones are served from the loopback server and the model server
 * downloads them, so a 2 GB video is never base64-encoded into a JSON body.
 */
import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { UserError } from '../errors.js';
import { isFileInput, resolveFileInputs, type InputValue, type PreparedInputs } from './inputs.js';
import { encodeDataUri, typeForPath } from './mime.js';
import type { JsonValue } from './openapi.js';

/** Files larger than this are served over 127.0.0.1 instead of inlined. */
export const INLINE_FILE_LIMIT = 8 * 1024 * 1024;

export interface FileServing {
  serveFile(path: string, contentType?: string): string;
}

function expandHome(path: string): string {
  if ((path === '~' || path.startsWith('~/')) && process.env.HOME) return join(process.env.HOME, path.slice(1));
  return path;
}

function fileError(name: string, path: string, err: unknown): UserError {
  const code = (err as NodeJS.ErrnoException).code;
  return new UserError(
    'E_INPUT_FILE',
    code === 'ENOENT' ? `input "${name}": file not found: ${path}` : `input "${name}": cannot read ${path} (${code ?? String(err)})`,
    { hint: 'Paths after @ are relative to the current directory, e.g. -i image=@photos/cat.jpg' },
  );
}

function statInput(file: { path: string }, name: string, cwd: string): { full: string; size: number } {
  const expanded = expandHome(file.path);
  const full = isAbsolute(expanded) ? expanded : join(cwd, expanded);
  let st;
  try {
    st = statSync(full);
  } catch (err) {
    throw fileError(name, file.path, err);
  }
  if (st.isDirectory()) throw new UserError('E_INPUT_FILE', `input "${name}": ${file.path} is a directory, not a file`);
  return { full, size: st.size };
}

/** Every `@path` input names a readable file: checked before a model is built or started. */
export function checkInputFilesExist(inputs: PreparedInputs, cwd: string): void {
  const visit = (value: InputValue, name: string): void => {
    if (isFileInput(value)) statInput(value, name, cwd);
    else if (Array.isArray(value)) value.forEach((item) => visit(item, name));
  };
  for (const [name, value] of Object.entries(inputs)) visit(value, name);
}

export async function materializeInputs(
  inputs: PreparedInputs,
  options: { cwd: string; server?: FileServing; inlineLimit?: number },
): Promise<Record<string, JsonValue>> {
  const limit = options.inlineLimit ?? INLINE_FILE_LIMIT;
  return resolveFileInputs(inputs, async (file, name) => {
    const { full, size } = statInput(file, name, options.cwd);
    const contentType = typeForPath(full);
    if (options.server && size > limit) return options.server.serveFile(full, contentType);
    try {
      return encodeDataUri(readFileSync(full), contentType);
    } catch (err) {
      throw new UserError('E_INPUT_FILE', `input "${name}": cannot read ${file.path} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
  });
}
