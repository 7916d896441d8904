/**
 * Server-sent events as Cog's server streams a prediction (`Accept: text/event-stream` on a
 * `@cog.streaming` predictor): `start`, `output` {chunk, index}, `log` {source, data},
 * `metric` {name, value, mode}, one `completed` (the final prediction), or `error`.
 * Pure: text in, events out, whatever way the bytes were split.
 */
import type { OpenApiDocument } from './openapi.js';

export interface SseEvent {
  event: string;
  data: string;
  id?: string;
}

/** Incremental parser (WHATWG event-stream rules: comments, multi-line data, CR/LF/CRLF). */
export class SseParser {
  private buffer = '';
  private pendingCr = false;

  /** Feeds TEXT; returns the events it completed. */
  push(text: string): SseEvent[] {
    // A CR at the end of one piece may be the first half of a CRLF in the next.
    let chunk = text;
    if (this.pendingCr && chunk.startsWith('\n')) chunk = chunk.slice(1);
    this.pendingCr = chunk.endsWith('\r');
    this.buffer += chunk.replace(/\r\n?/g, '\n');
    const events: SseEvent[] = [];
    let end: number;
    while ((end = this.buffer.indexOf('\n\n')) >= 0) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      const parsed = parseBlock(block);
      if (parsed) events.push(parsed);
    }
    return events;
  }
}

function parseBlock(block: string): SseEvent | undefined {
  let event = 'message';
  let id: string | undefined;
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
    else if (field === 'id') id = value;
  }
  if (data.length === 0) return undefined;
  return id === undefined ? { event, data: data.join('\n') } : { event, data: data.join('\n'), id };
}

/** Does the server stream this predictor over SSE? (Cog marks POST /predictions.) */
export function supportsSse(doc: OpenApiDocument | undefined, path = '/predictions'): boolean {
  const item = doc?.paths?.[path] as { post?: Record<string, unknown> } | undefined;
  return item?.post?.['x-cog-streaming'] === true;
}
