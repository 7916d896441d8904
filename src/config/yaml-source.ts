/**
 * YAML text → the first document's node tree, with positions. Syntax errors become
 * diagnostics with line:col. Only the first document counts (as in Cog, whose decoder reads
 * one document and ignores the rest).
 */
import { LineCounter, parseAllDocuments, isAlias, type Document, type Node } from 'yaml';
import type { Diagnostic, SourcePosition } from './types.js';

export interface YamlSource {
  text: string;
  file: string;
  lineCounter: LineCounter;
  /** The first document, or undefined for an empty stream. */
  document?: Document.Parsed;
}

export interface ParsedYaml {
  source: YamlSource;
  diagnostics: Diagnostic[];
}

export function positionAt(source: YamlSource, offset: number): SourcePosition {
  const pos = source.lineCounter.linePos(offset);
  return { line: pos.line, column: pos.col };
}

/** Where a node starts, and how much of its first line it covers (for the underline). */
export function nodeLocation(source: YamlSource, node: Node | null | undefined): { position?: SourcePosition; span?: number } {
  if (!node?.range) return {};
  const [start, end] = node.range;
  const position = positionAt(source, start);
  const lineEnd = source.text.indexOf('\n', start);
  const stop = Math.min(end, lineEnd === -1 ? source.text.length : lineEnd);
  const span = Math.max(1, source.text.slice(start, stop).replace(/\r$/, '').trimEnd().length);
  return { position, span };
}

/** Follow aliases (`*anchor`) to the node they name. */
export function resolveNode(source: YamlSource, node: unknown): unknown {
  let current = node;
  // A bounded loop: an alias may name another alias; yaml rejects cycles itself.
  for (let i = 0; i < 32 && isAlias(current); i++) {
    current = source.document ? current.resolve(source.document) : undefined;
  }
  return current;
}

// The yaml package's messages are precise but long (they quote a code frame); keep the first line.
function shortMessage(message: string): string {
  const first = message.split('\n')[0] ?? message;
  return first.replace(/ at line \d+, column \d+:?$/, '');
}

export function parseYamlSource(text: string, file: string): ParsedYaml {
  const lineCounter = new LineCounter();
  // A leading BOM is legal and invisible; it must not shift columns.
  const docs = parseAllDocuments(text, { lineCounter, uniqueKeys: false, merge: true, prettyErrors: false });
  const source: YamlSource = { text, file, lineCounter };
  const diagnostics: Diagnostic[] = [];
  const first = Array.isArray(docs) ? docs[0] : undefined;
  if (!first) return { source, diagnostics };
  source.document = first;
  const reportedLines = new Set<number>();
  for (const err of first.errors) {
    const offset = err.pos[0];
    // The parser often reports one mistake several times on the same line; once is enough.
    const line = positionAt(source, offset).line;
    if (reportedLines.has(line)) continue;
    reportedLines.add(line);
    const end = Math.max(err.pos[1], offset + 1);
    diagnostics.push({
      severity: 'error',
      code: 'E_CONFIG_YAML',
      field: '(yaml)',
      message: `invalid YAML: ${shortMessage(err.message)}`,
      file,
      position: positionAt(source, offset),
      span: Math.max(1, Math.min(end - offset, (text.indexOf('\n', offset) === -1 ? text.length : text.indexOf('\n', offset)) - offset)),
      hint: yamlHint(err.code, err.message),
    });
  }
  return { source, diagnostics };
}

function yamlHint(code: string, message: string): string | undefined {
  if (/closing .*quote/i.test(message)) return 'a quoted value must end with the same quote it starts with';
  switch (code) {
    case 'TAB_AS_INDENT':
      return 'YAML indentation must use spaces, not tabs';
    case 'BAD_INDENT':
    case 'MISSING_CHAR':
    case 'UNEXPECTED_TOKEN':
      return 'check the indentation (keys of one mapping line up) and that every `key:` is followed by a space';
    case 'BLOCK_AS_IMPLICIT_KEY':
    case 'MULTILINE_IMPLICIT_KEY':
      return 'a value that contains ": " or starts with a special character needs quotes';
    default:
      return undefined;
  }
}
