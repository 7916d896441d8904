/**
 * Node tree → plain data, following fields.ts the way Cog's typed YAML decoder reads cog.yaml:
 * scalars keep their source text, null means "not set", the wrong shape is an error, unknown
 * keys are dropped (Cog says nothing; we warn with a did-you-mean). Every value's position is
 * recorded by path (`build.python_packages[2]`) for the validator's diagnostics.
 */
import { isMap, isScalar, isSeq, isPair, Scalar, type Node, type Pair } from 'yaml';
import { BUILD_FIELDS, RUN_ITEM_FIELDS, TOP_FIELDS, type FieldTable, type Shape } from './fields.js';
import { suggestKey } from './suggest.js';
import type { Diagnostic, SourcePosition } from './types.js';
import { nodeLocation, resolveNode, type YamlSource } from './yaml-source.js';

export interface Location {
  position?: SourcePosition;
  span?: number;
}

export interface Located {
  key?: Location;
  value?: Location;
}

export interface DecodeResult {
  /** Known keys only, with the values Cog would see. Absent when unset or null. */
  value: Record<string, unknown>;
  locations: Map<string, Located>;
  /** Paths whose value had the wrong shape (already reported; checks on them are skipped). */
  failed: Set<string>;
  diagnostics: Diagnostic[];
}

const YAML11_TRUE = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'on', 'On', 'ON']);
const YAML11_FALSE = new Set(['n', 'N', 'no', 'No', 'NO', 'off', 'Off', 'OFF']);

class Decoder {
  readonly locations = new Map<string, Located>();
  readonly failed = new Set<string>();
  readonly diagnostics: Diagnostic[] = [];

  constructor(private readonly source: YamlSource) {}

  private loc(node: unknown): Location {
    return nodeLocation(this.source, node as Node);
  }

  private record(path: string, part: keyof Located, node: unknown): void {
    const entry = this.locations.get(path) ?? {};
    entry[part] = this.loc(node);
    this.locations.set(path, entry);
  }

  error(path: string, node: unknown, message: string, hint?: string, code = 'E_CONFIG_TYPE'): void {
    this.failed.add(path);
    this.diagnostics.push({ severity: 'error', code, field: path, message, file: this.source.file, ...this.loc(node), hint });
  }

  private typeError(path: string, node: unknown, expected: string, hint?: string): undefined {
    this.error(path, node, `${path} must be ${expected} (got ${describe(node)})`, hint);
    return undefined;
  }

  decode(node: unknown, shape: Shape, path: string): unknown {
    const n = resolveNode(this.source, node);
    // An alias is reported where it is used, not where its anchor is.
    this.record(path, 'value', node);
    if (isNull(n)) return shape.kind === 'runItem' ? this.typeError(path, node, 'a command string or a mapping with command') : undefined;
    switch (shape.kind) {
      case 'string':
        if (isScalar(n)) return scalarText(n);
        return this.typeError(path, node, `a string like ${shape.example}`, `write it on one line, e.g. ${lastSegment(path)}: ${shape.example}`);
      case 'bool':
        return this.decodeBool(n, path, node);
      case 'int':
        if (isScalar(n) && typeof n.value === 'number' && Number.isInteger(n.value)) return n.value;
        return this.typeError(path, node, `a whole number like ${shape.example}`);
      case 'stringList':
        return this.decodeStringList(n, path, node, shape.example);
      case 'list': {
        if (!isSeq(n)) return this.typeError(path, node, 'a list', `write each entry on its own line:\n${lastSegment(path)}:\n  ${shape.example}`);
        const out: unknown[] = [];
        n.items.forEach((item, i) => {
          // Keep indices aligned with the source (validators look positions up by index).
          out.push(this.decode(item, shape.item, `${path}[${i}]`) ?? null);
        });
        return out;
      }
      case 'oneOrList':
        if (isSeq(n)) return this.decode(n, { kind: 'list', item: shape.item, example: '' }, path);
        if (isMap(n)) {
          const one = this.decode(n, shape.item, `${path}[0]`);
          return one === undefined ? [] : [one];
        }
        return this.typeError(path, node, 'a mapping or a list of mappings');
      case 'map':
        if (!isMap(n)) return this.typeError(path, node, 'a mapping', mappingHint(path, node, shape.example));
        return this.decodeMap(n.items, shape.fields, path);
      case 'runItem':
        // Cog reads a run item as "any" first: only a string or a mapping is a command.
        if (isScalar(n) && typeof n.value === 'string') return { command: n.value };
        if (isMap(n)) return this.decodeMap(n.items, RUN_ITEM_FIELDS, path);
        return this.typeError(path, node, 'a command string or a mapping with command', isScalar(n) ? `quote it: - "${scalarText(n)}"` : undefined);
    }
  }

  private decodeBool(n: unknown, path: string, node: unknown): boolean | undefined {
    if (isScalar(n)) {
      if (typeof n.value === 'boolean') return n.value;
      const text = scalarText(n);
      if (YAML11_TRUE.has(text)) return true;
      if (YAML11_FALSE.has(text)) return false;
      const quoted = n.type === Scalar.QUOTE_DOUBLE || n.type === Scalar.QUOTE_SINGLE;
      return this.typeError(path, node, 'true or false', quoted ? `remove the quotes: ${lastSegment(path)}: ${text.toLowerCase()}` : undefined);
    }
    return this.typeError(path, node, 'true or false');
  }

  private decodeStringList(n: unknown, path: string, node: unknown, example: string): string[] | undefined {
    if (!isSeq(n)) {
      if (path === 'environment' && isMap(n) && n.items.some((p) => isScalar(p.key) && BUILD_FIELDS[scalarText(p.key)])) {
        return this.typeError(path, node, 'a list of "KEY=VALUE" strings', 'this is a Cog 0.0.x config: its environment: settings now live under build:, and\nenvironment: lists variables, e.g.\nenvironment:\n  - HF_HUB_OFFLINE=1');
      }
      const hint = isScalar(n) ? `write a list:\n${lastSegment(path)}:\n  - ${scalarText(n)}` : `write a list:\n${lastSegment(path)}:\n  ${example}`;
      return this.typeError(path, node, 'a list of strings', hint);
    }
    const out: string[] = [];
    n.items.forEach((item, i) => {
      const itemPath = `${path}[${i}]`;
      const resolved = resolveNode(this.source, item);
      this.record(itemPath, 'value', item);
      if (isNull(resolved)) out.push('');
      else if (isScalar(resolved)) out.push(scalarText(resolved));
      else this.typeError(itemPath, item, 'a string', 'quote the whole entry if it contains ": "');
    });
    return out;
  }

  decodeMap(pairs: Pair[], fields: FieldTable, path: string): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const seen = new Map<string, number>();
    for (const pair of this.flattenMerges(pairs)) {
      const keyNode = pair.key;
      const key = isScalar(keyNode) ? scalarText(keyNode) : String(keyNode);
      const keyPath = path ? `${path}.${key}` : key;
      const keyLine = this.loc(keyNode).position?.line;
      const previous = seen.get(key);
      if (previous !== undefined && keyNode !== null) {
        this.error(keyPath, keyNode, `mapping key '${key}' already defined at line ${previous}`, 'remove one of the two entries', 'E_CONFIG_DUPLICATE_KEY');
        continue;
      }
      if (keyLine !== undefined) seen.set(key, keyLine);
      const spec = fields[key];
      if (!spec) {
        this.warnUnknown(keyPath, key, keyNode, fields, path);
        continue;
      }
      this.record(keyPath, 'key', keyNode);
      const value = this.decode(pair.value ?? null, spec.shape, keyPath);
      if (!this.locations.get(keyPath)?.value?.position) this.record(keyPath, 'value', keyNode);
      if (value !== undefined) out[key] = value;
    }
    return out;
  }

  // `<<: *defaults` merges another mapping's pairs; keys written here win over merged ones.
  private flattenMerges(pairs: Pair[]): Pair[] {
    const own: Pair[] = [];
    const merged: Pair[] = [];
    for (const pair of pairs) {
      if (isScalar(pair.key) && scalarText(pair.key) === '<<' && pair.key.type === Scalar.PLAIN) {
        const target = resolveNode(this.source, pair.value);
        const sources = isSeq(target) ? target.items.map((i) => resolveNode(this.source, i)) : [target];
        for (const s of sources) if (isMap(s)) merged.push(...s.items.filter(isPair));
      } else {
        own.push(pair);
      }
    }
    const ownKeys = new Set(own.map((p) => (isScalar(p.key) ? scalarText(p.key) : String(p.key))));
    return [...own, ...merged.filter((p) => !ownKeys.has(isScalar(p.key) ? scalarText(p.key) : String(p.key)))];
  }

  private warnUnknown(keyPath: string, key: string, keyNode: unknown, fields: FieldTable, parent: string): void {
    let hint = 'Cog ignores keys it does not know; remove it or fix its spelling';
    const close = suggestKey(key, Object.keys(fields));
    if (close) hint = `did you mean ${parent ? `${parent}.${close}` : close}?`;
    else if (parent === '' && BUILD_FIELDS[key]) hint = `did you mean build.${key}? It belongs under build:`;
    else if (parent === 'build' && TOP_FIELDS[key] && key !== 'build') hint = `did you mean ${key}? It belongs at the top level, not under build:`;
    this.diagnostics.push({
      severity: 'warning',
      code: 'W_UNKNOWN_KEY',
      field: keyPath,
      message: `unknown key ${keyPath} is ignored`,
      file: this.source.file,
      ...this.loc(keyNode),
      hint,
    });
  }
}

function isNull(n: unknown): boolean {
  return n === null || n === undefined || (isScalar(n) && n.value === null);
}

/** The text Cog's decoder sees for a scalar: source text for plain scalars, content otherwise. */
export function scalarText(n: Scalar): string {
  if (typeof n.source === 'string') return n.source;
  return n.value === null || n.value === undefined ? '' : String(n.value);
}

function describe(node: unknown): string {
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) {
    const text = scalarText(node);
    if (node.type === Scalar.QUOTE_DOUBLE || node.type === Scalar.QUOTE_SINGLE) return JSON.stringify(text);
    return text.length > 40 ? `${text.slice(0, 37)}...` : text;
  }
  return 'nothing';
}

function lastSegment(path: string): string {
  const last = path.split('.').pop() ?? path;
  return last.replace(/\[\d+\]$/, '');
}

function mappingHint(path: string, node: unknown, example: string): string | undefined {
  if (path === 'concurrency' && isScalar(node)) return `write it as:\nconcurrency:\n  max: ${scalarText(node)}`;
  return `write it as:\n${lastSegment(path)}:\n  ${example}`;
}

export function decodeDocument(source: YamlSource): DecodeResult {
  const decoder = new Decoder(source);
  const root = resolveNode(source, source.document?.contents ?? null);
  let value: Record<string, unknown> = {};
  if (isMap(root)) value = decoder.decodeMap(root.items, TOP_FIELDS, '');
  else if (!isNull(root)) decoder.error('(root)', root, `${source.file} must be a mapping of keys like build: and run: (got ${describe(root)})`, 'start from `edgecog init`, or see https://cog.run/yaml');
  return { value, locations: decoder.locations, failed: decoder.failed, diagnostics: decoder.diagnostics };
}
