/** A 422 from the model server (pydantic-style `detail`) → a UserError that names each input. */
import { UserError } from '../errors.js';
import type { PredictionMode } from './openapi.js';

interface DetailItem {
  loc?: unknown[];
  msg?: string;
  input?: unknown;
}

export function validationError(body: unknown, mode: PredictionMode): UserError {
  const detail = (body as { detail?: unknown } | undefined)?.detail;
  const lines: string[] = [];
  if (Array.isArray(detail)) {
    for (const item of detail as DetailItem[]) {
      const loc = Array.isArray(item.loc) ? item.loc : [];
      const name = loc.length >= 3 && loc[0] === 'body' && loc[1] === 'input' ? loc.slice(2).join('.') : loc.join('.');
      lines.push(`- ${name || 'input'}: ${item.msg ?? 'invalid'}`);
    }
  } else if (typeof detail === 'string') {
    lines.push(`- ${detail}`);
  }
  const command = mode === 'train' ? 'train' : 'run';
  return new UserError('E_INPUT_INVALID', 'the model rejected the inputs', {
    details: lines.length > 0 ? lines.join('\n') : JSON.stringify(body),
    hint: `Give inputs with -i, e.g. edgecog ${command} -i steps=20; a local file needs @: -i image=@photo.jpg`,
  });
}
