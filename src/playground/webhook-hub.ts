/**
 * The webhook sink's fan-out: a model POSTs a prediction to /webhook/TOKEN, every page that
 * listens on /events?token=TOKEN gets the body as one server-sent event. A token is a random
 * name the page picks per prediction, so two tabs never see each other's webhooks.
 */
import type { ServerResponse } from 'node:http';

export const MAX_WEBHOOK_BYTES = 10 * 1024 * 1024;
const KEEP_ALIVE_MS = 15_000;

/** Writes DATA as one SSE `data:` event; every line prefixed, so a newline cannot end it early. */
export function writeSseData(res: ServerResponse, data: string, event?: string): void {
  const lines = data.replace(/\r\n?/g, '\n').split('\n');
  const head = event ? `event: ${event.replace(/[\r\n]/g, '')}\n` : '';
  res.write(`${head}${lines.map((l) => `data: ${l}`).join('\n')}\n\n`);
}

export class WebhookHub {
  private readonly listeners = new Map<string, Set<ServerResponse>>();
  private readonly timers = new Map<ServerResponse, NodeJS.Timeout>();

  /** Opens an SSE response for TOKEN; it stays subscribed until the page goes away. */
  subscribe(token: string, res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    // Subscribed before the first byte goes out, so a page that saw the stream open
    // cannot miss a webhook that arrives right after.
    let set = this.listeners.get(token);
    if (!set) this.listeners.set(token, (set = new Set()));
    set.add(res);
    res.write(': subscribed\n\n');
    const timer = setInterval(() => res.write(': keep-alive\n\n'), KEEP_ALIVE_MS);
    timer.unref();
    this.timers.set(res, timer);
    res.on('close', () => this.unsubscribe(token, res));
  }

  private unsubscribe(token: string, res: ServerResponse): void {
    const timer = this.timers.get(res);
    if (timer) clearInterval(timer);
    this.timers.delete(res);
    const set = this.listeners.get(token);
    set?.delete(res);
    if (set && set.size === 0) this.listeners.delete(token);
  }

  hasListeners(token: string): boolean {
    return (this.listeners.get(token)?.size ?? 0) > 0;
  }

  /** Relays BODY to TOKEN's pages; false when nobody listens (the model then gets a 503). */
  publish(token: string, body: string): boolean {
    const set = this.listeners.get(token);
    if (!set || set.size === 0) return false;
    for (const res of set) writeSseData(res, body, 'webhook');
    return true;
  }

  /** Ends every open event stream (server shutdown). */
  closeAll(): void {
    for (const [res, timer] of this.timers) {
      clearInterval(timer);
      res.end();
    }
    this.timers.clear();
    this.listeners.clear();
  }
}
