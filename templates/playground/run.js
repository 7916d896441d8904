// Running one prediction through the playground's /api proxy, three ways:
// - stream: PUT with `Accept: text/event-stream` (predictors marked @cog.streaming), events
//   arrive as they happen and the output grows chunk by chunk;
// - sync:   a blocking PUT, the whole prediction at the end;
// - async:  `Prefer: respond-async` with a webhook pointing at this playground's sink, whose
//   deliveries come back to the page over /events (SSE).
// A PUT with our own id (not a POST) is what makes every one of them cancellable.

export function newId() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
}

const TERMINAL = new Set(['succeeded', 'failed', 'canceled']);

export class HttpError extends Error {
  constructor(status, body) {
    const detail = body && typeof body === 'object' && 'detail' in body ? body.detail : body;
    super(typeof detail === 'string' ? `${status}: ${detail}` : `the model server answered ${status}`);
    this.status = status;
    this.body = body;
  }
}

async function bodyOf(res) {
  const text = await res.text();
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Splits a text/event-stream body into {event, data} records as they arrive. */
export async function* sseEvents(body) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value.replace(/\r\n?/g, '\n');
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = 'message';
      const data = [];
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const val = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') event = val;
        else if (field === 'data') data.push(val);
      }
      if (data.length > 0) yield { event, data: data.join('\n') };
    }
  }
}

function parse(data) {
  try {
    return JSON.parse(data);
  } catch {
    return data;
  }
}

/**
 * Starts a prediction. HOOKS: onStart(p), onChunk(chunk, index), onLog(text),
 * onUpdate(p) (a webhook's partial prediction), onMetric(m). Resolves to the final
 * prediction; rejects with HttpError on a non-2xx answer.
 */
export async function runPrediction({ id, input, mode, webhookBase, hooks, signal }) {
  const url = `/api/predictions/${id}`;
  const body = { id, input };
  if (mode === 'stream') {
    const res = await fetch(url, { method: 'PUT', headers: { 'content-type': 'application/json', accept: 'text/event-stream' }, body: JSON.stringify(body), signal });
    // 406: this predictor does not stream (no @cog.streaming); nothing ran, so wait instead.
    if (res.status === 406) return runPrediction({ id, input, mode: 'sync', webhookBase, hooks, signal });
    if (!res.ok || !String(res.headers.get('content-type')).startsWith('text/event-stream')) throw new HttpError(res.status, await bodyOf(res));
    let final;
    for await (const { event, data } of sseEvents(res.body)) {
      const payload = parse(data);
      if (event === 'start') hooks.onStart?.(payload);
      else if (event === 'output') hooks.onChunk?.(payload.chunk, payload.index);
      else if (event === 'log') hooks.onLog?.(payload.data ?? '');
      else if (event === 'metric') hooks.onMetric?.(payload);
      else if (event === 'completed') final = payload;
      else if (event === 'error') throw new Error(typeof payload === 'string' ? payload : (payload.detail ?? payload.error ?? 'the stream reported an error'));
    }
    if (!final) throw new Error('the stream ended without a completed event');
    return final;
  }
  if (mode === 'async') {
    const token = newId();
    const events = new EventSource(`/events?token=${token}`);
    try {
      await new Promise((resolve, reject) => {
        events.onopen = resolve;
        events.onerror = () => reject(new Error('cannot listen for webhooks on this playground'));
      });
      const done = new Promise((resolve, reject) => {
        events.addEventListener('webhook', (e) => {
          const p = parse(e.data);
          if (!p || typeof p !== 'object' || (p.id && p.id !== id)) return;
          hooks.onUpdate?.(p);
          if (TERMINAL.has(p.status)) resolve(p);
        });
        signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')), { once: true });
      });
      const res = await fetch(url, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', prefer: 'respond-async' },
        body: JSON.stringify({ ...body, webhook: `${webhookBase}/webhook/${token}`, webhook_events_filter: ['start', 'output', 'logs', 'completed'] }),
        signal,
      });
      const answer = await bodyOf(res);
      if (res.status !== 202 && res.status !== 200) throw new HttpError(res.status, answer);
      hooks.onStart?.(answer);
      if (res.status === 200 && TERMINAL.has(answer?.status)) return answer;
      return await done;
    } finally {
      events.close();
    }
  }
  const res = await fetch(url, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal });
  const answer = await bodyOf(res);
  if (!res.ok) throw new HttpError(res.status, answer);
  return answer;
}

export async function cancelPrediction(id) {
  const res = await fetch(`/api/predictions/${id}/cancel`, { method: 'POST' });
  return res.ok;
}
