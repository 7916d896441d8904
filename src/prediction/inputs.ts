/**
 * Turning `-i name=value` flags and `--json` documents into the JSON `input` of a prediction,
 * typed by the model's OpenAPI schema (as Cog's CLI does: repeated flags make lists, numbers
 * and booleans are coerced, `@path` reads a file). Pure: reading files happens later, in
 * input-files.ts, on the FileInput references left here.
 */
import { UsageError, UserError } from '../errors.js';
import {
  acceptedTypes,
  describeExpected,
  inputComponent,
  inputNames,
  isUriSchema,
  resolveSchema,
  type JsonValue,
  type OpenApiDocument,
  type PredictionMode,
  type SchemaObject,
} from './openapi.js';

/** A local file to send: becomes a data URI (or a loopback URL for big files) before sending. */
export class FileInput {
  constructor(readonly path: string) {}
}

export type InputValue = JsonValue | FileInput | InputValue[];
export type PreparedInputs = Record<string, InputValue>;

/** `-i` flags grouped by name, values in the order given (repeats make lists). */
export type RawInputFlags = Map<string, string[]>;

export function isFileInput(value: unknown): value is FileInput {
  return value instanceof FileInput;
}

/** Splits `name=value` flags. A value wrapped in double quotes loses them (as in Cog). */
export function parseInputFlags(flags: readonly string[]): RawInputFlags {
  const out: RawInputFlags = new Map();
  for (const flag of flags) {
    const eq = flag.indexOf('=');
    if (eq <= 0) {
      throw new UsageError(
        `cannot parse input '${flag}': expected name=value`,
        eq === 0 ? 'The input name goes before the =, e.g. -i prompt=hello' : `e.g. -i ${flag || 'name'}=value, or -i ${flag || 'name'}=@file for a file`,
      );
    }
    const name = flag.slice(0, eq);
    let value = flag.slice(eq + 1);
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    const list = out.get(name);
    if (list) list.push(value);
    else out.set(name, [value]);
  }
  return out;
}

/** Reads the text of `--json`: a JSON object (already loaded by the caller from @file / @-). */
export function parseJsonInputText(text: string, source: string): Record<string, JsonValue> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new UserError('E_INPUT_JSON', `cannot parse the JSON inputs from ${source}: ${(err as Error).message}`, {
      hint: 'Pass a JSON object, e.g. {"prompt": "a cat", "steps": 20}',
    });
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new UserError('E_INPUT_JSON', `the JSON inputs from ${source} must be an object of input names to values`, {
      hint: 'e.g. {"prompt": "a cat", "steps": 20}',
    });
  }
  return value as Record<string, JsonValue>;
}

/** Edit distance counting a swap of neighbours as one edit (typos), for did-you-mean. */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = d;
    }
  }
  return rows[a.length]![b.length]!;
}

export function suggestName(name: string, candidates: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  let best: { name: string; score: number } | undefined;
  for (const candidate of candidates) {
    const c = candidate.toLowerCase();
    let score = editDistance(lower, c);
    if (c.startsWith(lower) || lower.startsWith(c)) score = Math.min(score, 1);
    const limit = Math.max(1, Math.floor(Math.max(candidate.length, name.length) / 3));
    if (score <= limit && (!best || score < best.score)) best = { name: candidate, score };
  }
  return best?.name;
}

function unknownInputError(names: string[], valid: string[], mode: PredictionMode): UserError {
  const sorted = [...names].sort();
  const list = valid.length === 0 ? `the ${mode === 'train' ? 'training' : 'model'} takes no inputs` : `its inputs are: ${valid.join(', ')}`;
  const first = sorted[0] ?? '';
  const suggestion = sorted.length === 1 ? suggestName(first, valid) : undefined;
  const message = sorted.length === 1 ? `unknown input "${first}"` : `unknown inputs ${sorted.map((n) => `"${n}"`).join(', ')}`;
  return new UserError('E_INPUT_UNKNOWN', message, {
    hint: suggestion ? `did you mean "${suggestion}"? (${list})` : list.charAt(0).toUpperCase() + list.slice(1),
  });
}

/** Rejects names the model does not declare (the runtime would silently drop them). */
export function checkInputNames(names: readonly string[], doc: OpenApiDocument | undefined, mode: PredictionMode): void {
  const component = inputComponent(doc, mode);
  if (!component) return;
  const valid = inputNames(component);
  const unknown = names.filter((n) => !Object.prototype.hasOwnProperty.call(component.properties ?? {}, n));
  if (unknown.length > 0) throw unknownInputError(unknown, valid, mode);
}

/** Required inputs (no default) that were not given: fail before sending, naming them. */
export function checkRequiredInputs(given: readonly string[], doc: OpenApiDocument | undefined, mode: PredictionMode): void {
  const component = inputComponent(doc, mode);
  if (!component) return;
  const missing = (component.required ?? []).filter((n) => !given.includes(n));
  if (missing.length === 0) return;
  const first = missing[0]!;
  const expected = describeExpected(doc, component.properties?.[first]);
  throw new UserError(
    'E_INPUT_REQUIRED',
    missing.length === 1 ? `missing required input "${first}"` : `missing required inputs ${missing.map((n) => `"${n}"`).join(', ')}`,
    {
      hint: `Pass it with -i ${first}=${isUriSchema(doc, component.properties?.[first]) ? '@path/to/file' : '...'} (${first} expects ${expected})`,
    },
  );
}

class CoercionFailure extends Error {}

const BOOLEAN_WORDS: Record<string, boolean> = { true: true, false: false, yes: true, no: false, '1': true, '0': false, on: true, off: false };
const INTEGER_RE = /^[+-]?\d+$/;
const NUMBER_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function looksLikeUrl(value: string): boolean {
  return /^(data:|https?:\/\/)/i.test(value);
}

function checkEnumAndRange(doc: OpenApiDocument | undefined, schema: SchemaObject | undefined, value: JsonValue): void {
  const r = resolveSchema(doc, schema);
  if (!r) return;
  if (Array.isArray(r.enum) && r.enum.length > 0 && !r.enum.some((e) => e === value)) throw new CoercionFailure();
  if (typeof value === 'number') {
    if (typeof r.minimum === 'number' && value < r.minimum) throw new RangeFailure(`at least ${r.minimum}`);
    if (typeof r.maximum === 'number' && value > r.maximum) throw new RangeFailure(`at most ${r.maximum}`);
    if (typeof r.exclusiveMinimum === 'number' && value <= r.exclusiveMinimum) throw new RangeFailure(`greater than ${r.exclusiveMinimum}`);
    if (typeof r.exclusiveMaximum === 'number' && value >= r.exclusiveMaximum) throw new RangeFailure(`less than ${r.exclusiveMaximum}`);
  }
}

class RangeFailure extends Error {
  constructor(readonly bound: string) {
    super(bound);
  }
}

/** Coerces one command-line string to what a scalar schema expects. */
function coerceScalar(doc: OpenApiDocument | undefined, schema: SchemaObject | undefined, raw: string): InputValue {
  const r = resolveSchema(doc, schema);
  if (raw.startsWith('@')) return new FileInput(raw.slice(1));
  if (!r) return raw;
  const types = acceptedTypes(doc, r);
  if (types.size === 0) return raw;
  if (isUriSchema(doc, r) || (types.size === 1 && types.has('string') && anyMemberIsUri(doc, r))) {
    // A uri input given a plain path: treat it as a local file, which is what people mean.
    return looksLikeUrl(raw) ? raw : new FileInput(raw);
  }
  const candidates: JsonValue[] = [];
  const lower = raw.toLowerCase();
  if (types.has('boolean') && lower in BOOLEAN_WORDS) candidates.push(BOOLEAN_WORDS[lower]!);
  if (types.has('integer') && INTEGER_RE.test(raw)) candidates.push(Number(raw));
  if (types.has('number') && NUMBER_RE.test(raw)) candidates.push(Number(raw));
  if (types.has('string')) candidates.push(raw);
  if (types.has('object') || types.has('array')) {
    try {
      const parsed = JSON.parse(raw) as JsonValue;
      if ((types.has('object') && parsed && typeof parsed === 'object' && !Array.isArray(parsed)) || (types.has('array') && Array.isArray(parsed))) {
        candidates.push(parsed);
      }
    } catch {
      // not JSON: no candidate from here
    }
  }
  let rangeFailure: RangeFailure | undefined;
  for (const candidate of candidates) {
    try {
      checkEnumAndRange(doc, r, candidate);
      return candidate;
    } catch (err) {
      if (err instanceof RangeFailure) rangeFailure ??= err;
    }
  }
  if (rangeFailure) throw rangeFailure;
  throw new CoercionFailure();
}

function anyMemberIsUri(doc: OpenApiDocument | undefined, r: SchemaObject): boolean {
  return [...(r.anyOf ?? []), ...(r.oneOf ?? [])].some((m) => isUriSchema(doc, m));
}

function arrayItemSchema(doc: OpenApiDocument | undefined, schema: SchemaObject | undefined): SchemaObject | undefined {
  const r = resolveSchema(doc, schema);
  if (!r) return undefined;
  if (r.items) return r.items;
  for (const member of [...(r.anyOf ?? []), ...(r.oneOf ?? [])]) {
    const m = resolveSchema(doc, member);
    if (m?.items) return m.items;
  }
  return undefined;
}

function inputError(name: string, raw: string, doc: OpenApiDocument | undefined, schema: SchemaObject | undefined, err: unknown): UserError {
  const shown = raw.length > 60 ? `${raw.slice(0, 57)}...` : raw;
  if (err instanceof RangeFailure) {
    return new UserError('E_INPUT_TYPE', `-i ${name}=${shown}: ${name} must be ${err.bound}`);
  }
  const r = resolveSchema(doc, schema);
  const expected = describeExpected(doc, schema);
  const verb = r && Array.isArray(r.enum) && r.enum.length > 0 ? 'must be' : 'expects';
  return new UserError('E_INPUT_TYPE', `-i ${name}=${shown}: ${name} ${verb} ${expected}`);
}

/** Types `-i` flags with the schema. Without a schema (no Input component) values stay strings. */
export function coerceInputFlags(raw: RawInputFlags, doc: OpenApiDocument | undefined, mode: PredictionMode): PreparedInputs {
  checkInputNames([...raw.keys()], doc, mode);
  const component = inputComponent(doc, mode);
  const out: PreparedInputs = {};
  for (const [name, values] of raw) {
    const schema = component?.properties?.[name];
    const types = acceptedTypes(doc, schema);
    const isList = types.has('array') && !(types.size > 1 && values.length === 1 && !values[0]!.startsWith('['));
    if (!schema) {
      out[name] = values.length === 1 ? coerceScalar(doc, undefined, values[0]!) : values.map((v) => coerceScalar(doc, undefined, v));
      continue;
    }
    if (isList || values.length > 1) {
      if (!types.has('array')) {
        throw new UserError('E_INPUT_TYPE', `-i ${name} was given ${values.length} times, but ${name} takes a single value (${describeExpected(doc, schema)})`);
      }
      const item = arrayItemSchema(doc, schema);
      if (values.length === 1 && values[0]!.trimStart().startsWith('[')) {
        let parsed: unknown;
        try {
          parsed = JSON.parse(values[0]!);
        } catch {
          throw new UserError('E_INPUT_TYPE', `-i ${name}=${values[0]}: ${name} expects ${describeExpected(doc, schema)}; the value is not a valid JSON list`);
        }
        out[name] = checkJsonValue(name, parsed as JsonValue, doc, schema);
        continue;
      }
      out[name] = values.map((v) => {
        try {
          return coerceScalar(doc, item, v);
        } catch (err) {
          throw inputError(name, v, doc, item, err);
        }
      });
      continue;
    }
    const value = values[0]!;
    try {
      out[name] = coerceScalar(doc, schema, value);
    } catch (err) {
      throw inputError(name, value, doc, schema, err);
    }
  }
  return out;
}

function jsonTypeName(value: JsonValue): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a number';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

/** Checks a JSON value against a schema's basic type (the server checks the finer constraints). */
function checkJsonValue(name: string, value: JsonValue, doc: OpenApiDocument | undefined, schema: SchemaObject | undefined): InputValue {
  const r = resolveSchema(doc, schema);
  const types = acceptedTypes(doc, r);
  if (typeof value === 'string' && value.startsWith('@')) return new FileInput(value.slice(1));
  if (!r || types.size === 0) return value;
  const fail = (): never => {
    throw new UserError('E_INPUT_TYPE', `input "${name}": expects ${describeExpected(doc, r)}, got ${jsonTypeName(value)} (${JSON.stringify(value).slice(0, 60)})`);
  };
  if (value === null) {
    if (r.nullable || types.has('null')) return value;
    throw new UserError('E_INPUT_TYPE', `input "${name}" must not be null`, { hint: 'Leave the input out to use its default.' });
  }
  if (Array.isArray(value)) {
    if (!types.has('array')) fail();
    const item = arrayItemSchema(doc, r);
    return value.map((v) => checkJsonValue(name, v, doc, item));
  }
  let ok = false;
  switch (typeof value) {
    case 'boolean':
      ok = types.has('boolean');
      break;
    case 'number':
      ok = types.has('number') || (types.has('integer') && Number.isInteger(value));
      break;
    case 'string':
      ok = types.has('string');
      break;
    case 'object':
      ok = types.has('object');
      break;
  }
  if (!ok) fail();
  try {
    checkEnumAndRange(doc, r, value);
  } catch (err) {
    if (err instanceof RangeFailure) throw new UserError('E_INPUT_TYPE', `input "${name}": must be ${err.bound}, got ${JSON.stringify(value)}`);
    throw new UserError('E_INPUT_TYPE', `input "${name}": must be ${describeExpected(doc, r)}, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** `--json` inputs: names checked, types checked, strings starting with @ become files (as in Cog). */
export function prepareJsonInputs(values: Record<string, JsonValue>, doc: OpenApiDocument | undefined, mode: PredictionMode): PreparedInputs {
  checkInputNames(Object.keys(values), doc, mode);
  const component = inputComponent(doc, mode);
  const out: PreparedInputs = {};
  for (const [name, value] of Object.entries(values)) {
    out[name] = checkJsonValue(name, value, doc, component?.properties?.[name]);
  }
  return out;
}

/** Every local file the inputs reference, in order. */
export function fileInputPaths(inputs: PreparedInputs): string[] {
  const out: string[] = [];
  const visit = (v: InputValue): void => {
    if (isFileInput(v)) out.push(v.path);
    else if (Array.isArray(v)) v.forEach(visit);
  };
  Object.values(inputs).forEach(visit);
  return out;
}

/** Replaces file references with the URLs that carry them (data URIs or loopback URLs). */
export async function resolveFileInputs(
  inputs: PreparedInputs,
  toUrl: (file: FileInput, inputName: string) => Promise<string>,
): Promise<Record<string, JsonValue>> {
  const out: Record<string, JsonValue> = {};
  const visit = async (name: string, v: InputValue): Promise<JsonValue> => {
    if (isFileInput(v)) return toUrl(v, name);
    if (Array.isArray(v)) {
      const items: JsonValue[] = [];
      for (const item of v) items.push(await visit(name, item));
      return items;
    }
    return v as JsonValue;
  };
  for (const [name, value] of Object.entries(inputs)) out[name] = await visit(name, value);
  return out;
}
