// Reading a model's OpenAPI document (as Cog's server and ours publish it) into what the
// page needs: the inputs in x-order with their constraints, the output's shape, and
// whether the predictor streams over SSE (x-cog-streaming on POST /predictions).

const REF = '#/components/schemas/';

function deref(doc, s) {
  let seen = 0;
  while (s && typeof s.$ref === 'string' && s.$ref.startsWith(REF) && seen++ < 32) {
    const target = doc?.components?.schemas?.[s.$ref.slice(REF.length)];
    if (!target) break;
    const { $ref, ...rest } = s;
    s = { ...target, ...rest };
  }
  return s ?? {};
}

/** One property schema with $ref/allOf/anyOf-with-null folded in, plus `nullable`. */
export function resolveSchema(doc, raw) {
  let s = deref(doc, raw);
  if (Array.isArray(s.allOf) && s.allOf.length === 1) {
    const { allOf, ...rest } = s;
    s = { ...resolveSchema(doc, allOf[0]), ...rest };
  }
  for (const key of ['anyOf', 'oneOf']) {
    if (!Array.isArray(s[key])) continue;
    const options = s[key].map((o) => resolveSchema(doc, o));
    const nonNull = options.filter((o) => o.type !== 'null');
    if (nonNull.length === 1 && nonNull.length < options.length) {
      const { [key]: _dropped, ...rest } = s;
      s = { ...nonNull[0], ...rest, nullable: true };
    }
  }
  if (Array.isArray(s.type)) {
    const types = s.type.filter((t) => t !== 'null');
    if (types.length < s.type.length) s = { ...s, nullable: true };
    if (types.length === 1) s = { ...s, type: types[0] };
  }
  if (s.items) s = { ...s, items: resolveSchema(doc, s.items) };
  return s;
}

function isFileSchema(s) {
  return s.type === 'string' && s.format === 'uri';
}

/** What kind of control an input gets. */
export function fieldKind(s) {
  if (Array.isArray(s.enum) && s.enum.length > 0) return 'enum';
  if (s['x-cog-secret'] || s.format === 'password') return 'secret';
  if (isFileSchema(s)) return 'file';
  if (s.type === 'array' && s.items && isFileSchema(s.items)) return 'files';
  if (s.type === 'boolean') return 'boolean';
  if (s.type === 'integer') return 'integer';
  if (s.type === 'number') return 'number';
  if (s.type === 'string') return 'string';
  if (s.type === 'array') return 'array';
  return 'json';
}

/** The document's inputs for ENDPOINT's schema ('Input' or 'TrainingInput'), in x-order. */
export function inputFields(doc, schemaName = 'Input') {
  const input = resolveSchema(doc, doc?.components?.schemas?.[schemaName] ?? {});
  const required = new Set(input.required ?? []);
  const entries = Object.entries(input.properties ?? {}).map(([name, raw], i) => {
    const schema = resolveSchema(doc, raw);
    const order = typeof schema['x-order'] === 'number' ? schema['x-order'] : 1000 + i;
    return { name, schema, required: required.has(name), order, kind: fieldKind(schema) };
  });
  return entries.sort((a, b) => a.order - b.order);
}

/**
 * The output's shape: {kind, item} where kind is 'file', 'files', 'iterator' (items arrive
 * one by one), 'concatenate' (string chunks that make one text), 'object', 'text', 'scalar'.
 */
export function outputShape(doc) {
  const s = resolveSchema(doc, doc?.components?.schemas?.Output ?? {});
  if (s.type === 'array') {
    const item = s.items ?? {};
    if (s['x-cog-array-type'] === 'iterator') {
      return { kind: s['x-cog-array-display'] === 'concatenate' ? 'concatenate' : 'iterator', item };
    }
    return { kind: isFileSchema(item) ? 'files' : 'list', item };
  }
  if (isFileSchema(s)) return { kind: 'file', item: s };
  if (s.type === 'object' || s.properties) return { kind: 'object', item: s };
  if (s.type === 'string') return { kind: 'text', item: s };
  return { kind: 'scalar', item: s };
}

export function isStreaming(doc, path = '/predictions') {
  return doc?.paths?.[path]?.post?.['x-cog-streaming'] === true;
}

export function hasTrainings(doc) {
  return Boolean(doc?.paths?.['/trainings']);
}

/** Python `re` → JavaScript RegExp source (named groups, \A and \Z); undefined if invalid. */
export function pythonPattern(pattern) {
  const js = pattern
    .replace(/\(\?P<([A-Za-z_]\w*)>/g, '(?<$1>')
    .replace(/\(\?P=([A-Za-z_]\w*)\)/g, '\\k<$1>')
    .replace(/\\A/g, '^')
    .replace(/\\Z/g, '$');
  try {
    return new RegExp(js, 'u');
  } catch {
    try {
      return new RegExp(js);
    } catch {
      return undefined;
    }
  }
}
