/**
 * The JSON Schema for cog.yaml, generated from the same field table the decoder uses
 * (fields.ts), so editors complete and check exactly the keys edgecog knows. The published
 * copy is schema/cog.schema.json; a unit test keeps it equal to this.
 *
 * Editors read YAML 1.2, where an unquoted `3.10` is a number: version fields therefore accept
 * numbers too (edgecog, like Cog, reads the source text "3.10").
 */
import { TOP_FIELDS, RUN_ITEM_FIELDS, type FieldTable, type Shape } from './fields.js';

type JsonSchema = Record<string, unknown>;

// Fields whose YAML value an editor may see as a number although Cog reads it as text.
const NUMERIC_TEXT = new Set(['build.python_version', 'build.cuda', 'build.cudnn', 'build.sdk_version']);

// Constraints beyond the shape, as Cog's own schema and validator state them.
const EXTRA: Record<string, JsonSchema> = {
  run: { pattern: '^.+\\.py:.+$' },
  predict: { pattern: '^.+\\.py:.+$' },
  train: { pattern: '^.+\\.py:.+$' },
  'build.python_version': { pattern: '^\\d+\\.\\d+(\\.\\d+)?$' },
  'build.cuda': { pattern: '^\\d+\\.\\d+(\\.\\d+)?$' },
  'build.run[].mounts[].type': { enum: ['secret'] },
  'concurrency.max': { minimum: 1 },
  'weights[].name': { pattern: '^[a-z0-9]+([._-][a-z0-9]+)*$' },
  'weights[].target': { pattern: '^/' },
};

const REQUIRED: Record<string, string[]> = {
  build: ['python_version'],
  concurrency: ['max'],
  'build.run[].mounts[]': ['type', 'id', 'target'],
  'weights[]': ['name', 'target', 'source'],
  'weights[].source': ['uri'],
};

function shapeSchema(shape: Shape, path: string): JsonSchema {
  switch (shape.kind) {
    case 'string':
      return { type: NUMERIC_TEXT.has(path) ? ['string', 'number'] : 'string', ...EXTRA[path] };
    case 'bool':
      return { type: 'boolean' };
    case 'int':
      return { type: 'integer', ...EXTRA[path] };
    case 'stringList': {
      const item: JsonSchema = { type: 'string' };
      if (path === 'environment') item.pattern = '^[A-Za-z_][A-Za-z0-9_]*=.*$';
      return { type: ['array', 'null'], items: item };
    }
    case 'list':
      return { type: ['array', 'null'], items: shapeSchema(shape.item, `${path}[]`) };
    case 'oneOrList': {
      const one = shapeSchema(shape.item, path);
      return { oneOf: [one, { type: 'array', items: one, minItems: 1 }] };
    }
    case 'map':
      return objectSchema(shape.fields, path);
    case 'runItem':
      return { anyOf: [{ type: 'string' }, objectSchema(RUN_ITEM_FIELDS, path, ['command'])] };
  }
}

function objectSchema(fields: FieldTable, path: string, required = REQUIRED[path]): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  for (const [key, spec] of Object.entries(fields)) {
    const childPath = path ? `${path}.${key}` : key;
    const description = spec.deprecated ? `${spec.description} Deprecated: use ${spec.deprecated}.` : spec.description;
    properties[key] = { description, ...(spec.deprecated ? { deprecated: true } : {}), ...shapeSchema(spec.shape, childPath) };
  }
  // Unknown keys are flagged so editors show what edgecog warns about (Cog ignores them).
  return { type: 'object', properties, ...(required ? { required } : {}), additionalProperties: false };
}

export function cogJsonSchema(): JsonSchema {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'cog.yaml',
    description: 'A Cog project: how to build the image (build:) and which Python object serves predictions (run:). Read by edgecog and by Replicate Cog.',
    ...objectSchema(TOP_FIELDS, ''),
    // run: and predict: name the same thing; Cog refuses both.
    not: { required: ['run', 'predict'] },
  };
}

/** The schema as published: 2-space JSON with a trailing newline. */
export function renderCogJsonSchema(): string {
  return `${JSON.stringify(cogJsonSchema(), null, 2)}\n`;
}
