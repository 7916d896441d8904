/**
 * Reading a model's OpenAPI document (as the runtime's /openapi.json or the image's
 * `run.cog.openapi_schema` label carry it). Pure: data in, data out.
 */

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** A JSON Schema object as Cog emits it; only the fields we read are typed. */
export interface SchemaObject {
  type?: string | string[];
  format?: string;
  title?: string;
  description?: string;
  enum?: JsonValue[];
  items?: SchemaObject;
  properties?: Record<string, SchemaObject>;
  required?: string[];
  allOf?: SchemaObject[];
  anyOf?: SchemaObject[];
  oneOf?: SchemaObject[];
  $ref?: string;
  default?: JsonValue;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number | boolean;
  exclusiveMaximum?: number | boolean;
  nullable?: boolean;
  'x-order'?: number;
  'x-cog-array-type'?: string;
  'x-cog-array-display'?: string;
  'x-cog-secret'?: boolean;
  [key: string]: unknown;
}

export interface OpenApiDocument {
  components?: { schemas?: Record<string, SchemaObject> };
  paths?: Record<string, unknown>;
  [key: string]: unknown;
}

export type PredictionMode = 'predict' | 'train';

function componentSchemas(doc: OpenApiDocument | undefined): Record<string, SchemaObject> {
  return doc?.components?.schemas ?? {};
}

/** Follows `$ref` and a lone `allOf: [{$ref}]` wrapper (how Cog emits enums) to the concrete schema. */
export function resolveSchema(doc: OpenApiDocument | undefined, schema: SchemaObject | undefined, depth = 0): SchemaObject | undefined {
  if (!schema || depth > 16) return schema;
  if (typeof schema.$ref === 'string') {
    const name = schema.$ref.replace(/^#\/components\/schemas\//, '');
    const target = componentSchemas(doc)[name];
    if (!target) return schema;
    const { $ref: _ignored, ...rest } = schema;
    return resolveSchema(doc, { ...target, ...rest }, depth + 1);
  }
  if (schema.type === undefined && Array.isArray(schema.allOf) && schema.allOf.length === 1) {
    const inner = resolveSchema(doc, schema.allOf[0], depth + 1);
    if (inner) {
      const { allOf: _ignored, ...rest } = schema;
      return { ...inner, ...rest };
    }
  }
  return schema;
}

/** The `Input` (or `TrainingInput`) component: the inputs the model declares. */
export function inputComponent(doc: OpenApiDocument | undefined, mode: PredictionMode): SchemaObject | undefined {
  const schemas = componentSchemas(doc);
  if (mode === 'train') return schemas.TrainingInput ?? schemas.Input;
  return schemas.Input;
}

/** The schema of the prediction's `output`. */
export function outputSchema(doc: OpenApiDocument | undefined, mode: PredictionMode): SchemaObject | undefined {
  const schemas = componentSchemas(doc);
  const direct = mode === 'train' ? (schemas.TrainingOutput ?? schemas.Output) : schemas.Output;
  return resolveSchema(doc, direct);
}

/** The JSON types a schema accepts, looking through anyOf/oneOf unions. */
export function acceptedTypes(doc: OpenApiDocument | undefined, schema: SchemaObject | undefined): Set<string> {
  const out = new Set<string>();
  const visit = (s: SchemaObject | undefined, depth: number): void => {
    const r = resolveSchema(doc, s);
    if (!r || depth > 8) return;
    if (typeof r.type === 'string') out.add(r.type);
    else if (Array.isArray(r.type)) for (const t of r.type) out.add(t);
    for (const member of [...(r.anyOf ?? []), ...(r.oneOf ?? [])]) visit(member, depth + 1);
    if (r.type === undefined && Array.isArray(r.allOf)) for (const member of r.allOf) visit(member, depth + 1);
  };
  visit(schema, 0);
  return out;
}

export function isUriSchema(doc: OpenApiDocument | undefined, schema: SchemaObject | undefined): boolean {
  const r = resolveSchema(doc, schema);
  return Boolean(r && r.type === 'string' && r.format === 'uri');
}

/** Declared input names, in the model's order (`x-order`). */
export function inputNames(component: SchemaObject | undefined): string[] {
  const props = component?.properties ?? {};
  return Object.keys(props).sort((a, b) => (props[a]?.['x-order'] ?? 0) - (props[b]?.['x-order'] ?? 0));
}

/** How a person would name what a schema expects: "an integer", "a file", "one of: a, b". */
export function describeExpected(doc: OpenApiDocument | undefined, schema: SchemaObject | undefined): string {
  const r = resolveSchema(doc, schema);
  if (!r) return 'a value';
  if (Array.isArray(r.enum) && r.enum.length > 0) return `one of: ${r.enum.map((v) => String(v)).join(', ')}`;
  const types = acceptedTypes(doc, r);
  if (types.size === 0) return 'a value';
  const parts: string[] = [];
  const union = [...(r.anyOf ?? []), ...(r.oneOf ?? [])];
  if (union.length > 0 && r.type === undefined) {
    return union.map((m) => describeExpected(doc, m)).join(' or ');
  }
  for (const t of types) {
    switch (t) {
      case 'integer':
        parts.push('an integer');
        break;
      case 'number':
        parts.push('a number');
        break;
      case 'boolean':
        parts.push('a boolean (true or false)');
        break;
      case 'string':
        parts.push(r.format === 'uri' ? 'a file (use @path)' : 'a string');
        break;
      case 'array': {
        const item = resolveSchema(doc, r.items);
        parts.push(item ? `a list of ${plural(describeExpected(doc, item))}` : 'a list');
        break;
      }
      case 'object':
        parts.push('a JSON object');
        break;
      default:
        parts.push(t);
    }
  }
  return parts.join(' or ');
}

function plural(phrase: string): string {
  return phrase
    .replace(/^an integer$/, 'integers')
    .replace(/^a number$/, 'numbers')
    .replace(/^a boolean \(true or false\)$/, 'booleans')
    .replace(/^a file \(use @path\)$/, 'files (use @path)')
    .replace(/^a string$/, 'strings')
    .replace(/^a JSON object$/, 'JSON objects');
}

/** Output shape flags Cog puts on array outputs. */
export function isIteratorSchema(schema: SchemaObject | undefined): boolean {
  return schema?.['x-cog-array-type'] === 'iterator';
}

export function isConcatenateSchema(schema: SchemaObject | undefined): boolean {
  return schema?.['x-cog-array-display'] === 'concatenate';
}

/** Parses JSON text as an OpenAPI document; undefined when it does not look like one. */
export function parseOpenApiDocument(text: string | undefined): OpenApiDocument | undefined {
  if (!text) return undefined;
  try {
    const value = JSON.parse(text) as unknown;
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as OpenApiDocument;
  } catch {
    // a broken label is treated as no label: the running server is asked instead
  }
  return undefined;
}
