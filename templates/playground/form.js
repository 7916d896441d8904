// The input form: one control per input in x-order, defaults filled, constraints checked
// in the page before anything is sent (the server checks again, and its 422s land on the
// same fields).
import { pythonPattern } from './schema.js';

const MAX_FILE_BYTES = 100 * 1024 * 1024;

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'text') node.textContent = v;
    else if (k in node && typeof v !== 'string') node[k] = v;
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c !== undefined && c !== null) node.append(c);
  return node;
}
export { el };

function constraintText(s) {
  const parts = [];
  if (s.minimum !== undefined) parts.push(`min ${s.minimum}`);
  if (s.exclusiveMinimum !== undefined) parts.push(`> ${s.exclusiveMinimum}`);
  if (s.maximum !== undefined) parts.push(`max ${s.maximum}`);
  if (s.exclusiveMaximum !== undefined) parts.push(`< ${s.exclusiveMaximum}`);
  if (s.minLength !== undefined) parts.push(`at least ${s.minLength} characters`);
  if (s.maxLength !== undefined) parts.push(`at most ${s.maxLength} characters`);
  if (s.pattern) parts.push(`pattern ${s.pattern}`);
  if (s.default !== undefined && s.default !== null && s.default !== '' && typeof s.default !== 'object') parts.push(`default ${s.default}`);
  return parts.join(' · ');
}

function control(field) {
  const { name, schema: s, kind } = field;
  const id = `in-${name}`;
  switch (kind) {
    case 'enum': {
      const select = el('select', { id, name });
      if (!field.required && s.default === undefined) select.append(el('option', { value: '', text: '(none)' }));
      s.enum.forEach((v, i) => select.append(el('option', { value: String(i), text: String(v) })));
      return select;
    }
    case 'boolean':
      return el('input', { id, name, type: 'checkbox' });
    case 'integer':
    case 'number':
      return el('input', { id, name, type: 'number', step: kind === 'integer' ? '1' : 'any', min: s.minimum, max: s.maximum, inputmode: kind === 'integer' ? 'numeric' : 'decimal' });
    case 'secret':
      return el('input', { id, name, type: 'password', autocomplete: 'off', spellcheck: 'false' });
    case 'file':
    case 'files': {
      const wrap = el('div', { class: 'file-control' });
      wrap.append(el('input', { id, name, type: 'file', multiple: kind === 'files' }));
      wrap.append(el(kind === 'files' ? 'textarea' : 'input', { id: `url-${name}`, class: 'file-url', placeholder: kind === 'files' ? 'or URLs, one per line' : 'or a URL (http, https, data:)', 'aria-label': `${name} URL`, rows: 2 }));
      return wrap;
    }
    case 'string':
      return s.maxLength !== undefined && s.maxLength <= 120 ? el('input', { id, name, type: 'text', spellcheck: 'false' }) : el('textarea', { id, name, rows: 2 });
    case 'array':
      return el('textarea', { id, name, rows: 2, placeholder: 'one item per line, or a JSON array' });
    default:
      return el('textarea', { id, name, rows: 3, class: 'json', placeholder: 'JSON', spellcheck: 'false' });
  }
}

function showValue(field, value) {
  const { name, kind, schema: s } = field;
  const input = document.getElementById(`in-${name}`);
  if (!input) return;
  if (kind === 'boolean') input.checked = Boolean(value);
  else if (kind === 'enum') {
    const i = s.enum.findIndex((v) => v === value);
    input.value = i >= 0 ? String(i) : '';
  } else if (kind === 'file' || kind === 'files') {
    input.value = '';
    const url = document.getElementById(`url-${name}`);
    const list = Array.isArray(value) ? value : value == null ? [] : [value];
    url.value = list.filter((v) => typeof v === 'string').join('\n');
  } else if (kind === 'array') input.value = value == null ? '' : Array.isArray(value) ? value.map(String).join('\n') : String(value);
  else if (kind === 'json') input.value = value === undefined ? '' : JSON.stringify(value, null, 2);
  else input.value = value == null ? '' : String(value);
}

export function buildForm(container, fields) {
  container.replaceChildren();
  if (fields.length === 0) container.append(el('p', { class: 'hint', text: 'This model takes no inputs.' }));
  for (const field of fields) {
    const { name, schema: s, kind } = field;
    const label = el('label', { for: `in-${name}` }, el('span', { class: 'name', text: name }));
    if (field.required) label.append(el('span', { class: 'required', title: 'required', text: ' *' }));
    label.append(el('span', { class: 'type', text: ` ${kind === 'enum' ? 'choice' : kind}` }));
    const hint = [s.description, constraintText(s)].filter(Boolean).join(' — ');
    const row = el('div', { class: `field kind-${kind}`, 'data-name': name }, label, control(field));
    if (hint) row.append(el('p', { class: 'hint', text: hint }));
    row.append(el('p', { class: 'field-error', id: `err-${name}`, hidden: true, role: 'alert' }));
    container.append(row);
  }
  resetForm(fields);
  container.setAttribute('aria-busy', 'false');
}

export function resetForm(fields) {
  clearErrors(fields);
  for (const f of fields) showValue(f, f.schema.default);
}

export function setValues(fields, input) {
  for (const f of fields) if (input && Object.hasOwn(input, f.name)) showValue(f, input[f.name]);
}

export function clearErrors(fields) {
  for (const f of fields) setError(f.name, undefined);
}

export function setError(name, message) {
  const node = document.getElementById(`err-${name}`);
  if (!node) return false;
  node.textContent = message ?? '';
  node.hidden = !message;
  node.closest('.field')?.classList.toggle('invalid', Boolean(message));
  return true;
}

function readFile(file) {
  if (file.size > MAX_FILE_BYTES) return Promise.reject(new Error(`${file.name} is larger than 100 MB`));
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onerror = () => reject(reader.error ?? new Error(`cannot read ${file.name}`));
    reader.onload = () => {
      // An unknown type gives "data:;base64,", which a server cannot name a file by.
      const text = String(reader.result);
      resolve(text.startsWith('data:;') ? `data:application/octet-stream;${text.slice(6)}` : text);
    };
    reader.readAsDataURL(file);
  });
}

function codePoints(text) {
  return [...text].length;
}

/** The problem with one scalar VALUE for schema S, or undefined. */
export function checkScalar(s, kind, value) {
  if (kind === 'integer' || kind === 'number') {
    if (!Number.isFinite(value)) return 'must be a number';
    if (kind === 'integer' && !Number.isInteger(value)) return 'must be a whole number';
    if (s.minimum !== undefined && value < s.minimum) return `must be at least ${s.minimum}`;
    if (s.maximum !== undefined && value > s.maximum) return `must be at most ${s.maximum}`;
    if (typeof s.exclusiveMinimum === 'number' && value <= s.exclusiveMinimum) return `must be greater than ${s.exclusiveMinimum}`;
    if (typeof s.exclusiveMaximum === 'number' && value >= s.exclusiveMaximum) return `must be less than ${s.exclusiveMaximum}`;
  }
  if (typeof value === 'string') {
    if (s.minLength !== undefined && codePoints(value) < s.minLength) return `must have at least ${s.minLength} characters`;
    if (s.maxLength !== undefined && codePoints(value) > s.maxLength) return `must have at most ${s.maxLength} characters`;
    if (s.pattern) {
      const re = pythonPattern(s.pattern);
      if (re && !re.test(value)) return `must match the pattern ${s.pattern}`;
    }
  }
  return undefined;
}

function coerceItem(item, text) {
  if (item.type === 'integer' || item.type === 'number') return Number(text);
  if (item.type === 'boolean') return /^(true|1|yes)$/i.test(text);
  return text;
}

async function readField(field) {
  const { name, kind, schema: s } = field;
  const input = document.getElementById(`in-${name}`);
  switch (kind) {
    case 'boolean':
      return { value: input.checked };
    case 'enum':
      return input.value === '' ? {} : { value: s.enum[Number(input.value)] };
    case 'integer':
    case 'number': {
      if (input.value.trim() === '') return input.validity.badInput ? { error: 'must be a number' } : {};
      const value = Number(input.value);
      return { value, error: checkScalar(s, kind, value) };
    }
    case 'file':
    case 'files': {
      const urls = document.getElementById(`url-${name}`).value.split('\n').map((u) => u.trim()).filter(Boolean);
      const files = await Promise.all([...input.files].map(readFile));
      const all = [...files, ...urls];
      if (all.length === 0) return {};
      const bad = all.find((u) => !/^(https?:|data:)/i.test(u));
      if (bad) return { error: `"${bad.slice(0, 40)}" is not an http(s) or data: URL` };
      return { value: kind === 'files' ? all : all[0] };
    }
    case 'array': {
      const text = input.value.trim();
      if (text === '') return s.default !== undefined ? { value: [] } : {};
      let items;
      if (text.startsWith('[')) {
        try {
          items = JSON.parse(text);
        } catch {
          return { error: 'is not a valid JSON array' };
        }
        if (!Array.isArray(items)) return { error: 'must be a list' };
      } else items = text.split('\n').map((t) => t.trim()).filter(Boolean).map((t) => coerceItem(s.items ?? {}, t));
      const itemKind = s.items?.type;
      for (const item of items) {
        const problem = checkScalar(s.items ?? {}, itemKind, item);
        if (problem) return { error: `item ${JSON.stringify(item)} ${problem}` };
      }
      if (s.minItems !== undefined && items.length < s.minItems) return { error: `needs at least ${s.minItems} items` };
      if (s.maxItems !== undefined && items.length > s.maxItems) return { error: `takes at most ${s.maxItems} items` };
      return { value: items };
    }
    case 'json': {
      if (input.value.trim() === '') return {};
      try {
        return { value: JSON.parse(input.value) };
      } catch {
        return { error: 'is not valid JSON' };
      }
    }
    default: {
      const value = input.value;
      // An empty text field means "not given": the model's default applies, or it is missing.
      if (value === '') return {};
      return { value, error: checkScalar(s, kind, value) };
    }
  }
}

/** {input, ok}: the request's input, with every problem shown on its field. */
export async function readForm(fields) {
  const input = {};
  let ok = true;
  for (const field of fields) {
    let result;
    try {
      result = await readField(field);
    } catch (err) {
      result = { error: err.message };
    }
    if (!result.error && result.value === undefined && field.required) result.error = 'is required';
    setError(field.name, result.error ? `${field.name} ${result.error}` : undefined);
    if (result.error) ok = false;
    else if (result.value !== undefined) input[field.name] = result.value;
  }
  return { input, ok };
}
