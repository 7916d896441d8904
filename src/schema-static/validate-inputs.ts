/**
 * Checking prepared inputs against the model's OpenAPI schema before a container starts, with
 * the constraints Cog's server enforces (type, choices, ge/le, min/max length, regex), so that
 * `run -i times=9` fails in milliseconds instead of after the setup wait. Unknown and missing
 * names are inputs.ts's job (checkInputNames / checkRequiredInputs); this checks values. Pure.
 */
import { UserError } from '../errors.js';
import { inputComponent, resolveSchema, type OpenApiDocument, type PredictionMode, type SchemaObject } from '../prediction/openapi.js';
import { isFileInput, type InputValue } from '../prediction/inputs.js';

export interface InputProblem {
  /** `name`, or `name[2]` inside a list. */
  name: string;
  message: string;
}

function typeOf(value: InputValue): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (isFileInput(value)) return 'file';
  return typeof value;
}

function matchesType(type: string, value: InputValue, schema: SchemaObject): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string' || (isFileInput(value) && schema.format === 'uri');
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'number':
      return typeof value === 'number';
    case 'boolean':
      return typeof value === 'boolean';
    case 'array':
      return Array.isArray(value);
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value) && !isFileInput(value);
    default:
      return true;
  }
}

const TYPE_WORDS: Record<string, string> = {
  string: 'a valid string',
  integer: 'a valid integer',
  number: 'a valid number',
  boolean: 'a valid boolean',
  array: 'a valid list',
  object: 'a valid dictionary',
};

/** The problems with one value (empty when it fits); pydantic-like wording. */
function checkValue(doc: OpenApiDocument | undefined, schema: SchemaObject | undefined, value: InputValue, name: string, depth = 0): InputProblem[] {
  const s = resolveSchema(doc, schema);
  if (!s || depth > 16) return [];
  if (value === null) return s.nullable || s.type === 'null' ? [] : [{ name, message: 'Input should not be null' }];
  const union = [...(s.anyOf ?? []), ...(s.oneOf ?? [])];
  if (union.length > 0 && s.type === undefined) {
    const results = union.map((member) => checkValue(doc, member, value, name, depth + 1));
    if (results.some((r) => r.length === 0)) return [];
    return results[0] ?? [];
  }
  if (Array.isArray(s.enum) && s.enum.length > 0) {
    const ok = s.enum.some((choice) => choice === value);
    return ok ? [] : [{ name, message: `Input should be ${s.enum.map((c) => JSON.stringify(c)).join(', ').replace(/, ([^,]*)$/, ' or $1')}` }];
  }
  const types = typeof s.type === 'string' ? [s.type] : Array.isArray(s.type) ? s.type : [];
  if (types.length > 0 && !types.some((t) => matchesType(t, value, s))) {
    return [{ name, message: `Input should be ${types.map((t) => TYPE_WORDS[t] ?? t).join(' or ')} (got ${typeOf(value)})` }];
  }
  const problems: InputProblem[] = [];
  if (typeof value === 'number') {
    if (typeof s.minimum === 'number' && value < s.minimum) problems.push({ name, message: `Input should be greater than or equal to ${s.minimum}` });
    if (typeof s.maximum === 'number' && value > s.maximum) problems.push({ name, message: `Input should be less than or equal to ${s.maximum}` });
    if (typeof s.exclusiveMinimum === 'number' && value <= s.exclusiveMinimum) problems.push({ name, message: `Input should be greater than ${s.exclusiveMinimum}` });
    if (typeof s.exclusiveMaximum === 'number' && value >= s.exclusiveMaximum) problems.push({ name, message: `Input should be less than ${s.exclusiveMaximum}` });
  }
  if (typeof value === 'string' && !(s.format === 'uri')) {
    const length = [...value].length;
    const min = s.minLength;
    const max = s.maxLength;
    if (typeof min === 'number' && length < min) problems.push({ name, message: `String should have at least ${min} character${min === 1 ? '' : 's'}` });
    if (typeof max === 'number' && length > max) problems.push({ name, message: `String should have at most ${max} character${max === 1 ? '' : 's'}` });
    if (typeof s.pattern === 'string') {
      const re = compilePattern(s.pattern);
      // A Python-only regex construct we cannot compile: leave it to the model's server.
      if (re && !re.test(value)) problems.push({ name, message: `String should match pattern '${s.pattern}'` });
    }
  }
  if (Array.isArray(value) && s.items) {
    value.forEach((item, i) => problems.push(...checkValue(doc, s.items, item, `${name}[${i}]`, depth + 1)));
  }
  return problems;
}

function compilePattern(pattern: string): RegExp | undefined {
  try {
    return new RegExp(pattern, 'u');
  } catch {
    return undefined;
  }
}

/** Every value problem in `inputs` against the model's Input (or TrainingInput) schema. */
export function validateInputsAgainstSchema(
  doc: OpenApiDocument | undefined,
  mode: PredictionMode,
  inputs: Readonly<Record<string, InputValue>>,
): InputProblem[] {
  const component = inputComponent(doc, mode);
  const props = component?.properties;
  if (!props) return [];
  const problems: InputProblem[] = [];
  for (const [name, value] of Object.entries(inputs)) {
    if (!Object.prototype.hasOwnProperty.call(props, name)) continue;
    problems.push(...checkValue(doc, props[name], value, name));
  }
  return problems;
}

/** Throws E_INPUT_INVALID listing every problem (as a 422 from the model would). */
export function assertInputsMatchSchema(
  doc: OpenApiDocument | undefined,
  mode: PredictionMode,
  inputs: Readonly<Record<string, InputValue>>,
): void {
  const problems = validateInputsAgainstSchema(doc, mode, inputs);
  if (problems.length === 0) return;
  const command = mode === 'train' ? 'train' : 'run';
  throw new UserError('E_INPUT_INVALID', problems.length === 1 ? `invalid input "${problems[0]!.name}"` : `${problems.length} invalid inputs`, {
    details: problems.map((p) => `- ${p.name}: ${p.message}`).join('\n'),
    hint: `Fix the values given with -i (edgecog ${command} -i name=value); the model's schema was read before starting it.`,
  });
}
