/**
 * Talking to a model server over Cog's prediction protocol (the only importer of undici).
 * Readiness is the /health-check BODY: the server answers 200 while setup() still runs, so
 * only `status: READY` means ready.
 */
import { Agent, request, type Dispatcher } from 'undici';
import type { JsonValue, OpenApiDocument } from './openapi.js';
import { SseParser, type SseEvent } from './sse.js';

export type HealthStatus = 'STARTING' | 'READY' | 'BUSY' | 'SETUP_FAILED' | 'UNHEALTHY' | 'DEFUNCT' | string;

export interface SetupResult {
  started_at?: string;
  completed_at?: string;
  logs?: string;
  status?: string;
}

export interface HealthCheck {
  status: HealthStatus;
  setup?: SetupResult;
  user_healthcheck_error?: string;
}

/** The prediction (or training) object the server returns and sends to webhooks. */
export interface PredictionResponse {
  id?: string | null;
  input?: Record<string, JsonValue> | null;
  output?: JsonValue;
  status?: 'starting' | 'processing' | 'succeeded' | 'failed' | 'canceled' | string;
  error?: string | null;
  logs?: string | null;
  metrics?: Record<string, JsonValue> | null;
  created_at?: string | null;
  started_at?: string | null;
  completed_at?: string | null;
  [key: string]: unknown;
}

export type Endpoint = 'predictions' | 'trainings';

export type ReadyOutcome =
  | { kind: 'ready'; health: HealthCheck }
  | { kind: 'setup-failed'; health: HealthCheck }
  | { kind: 'exited'; exitCode?: number }
  | { kind: 'defunct'; health: HealthCheck }
  | { kind: 'timeout'; lastStatus?: string };

export interface WaitOptions {
  timeoutMs: number;
  /** Polling period (default 100 ms, as Cog). */
  intervalMs?: number;
  /** Is the server process still there? Checked every poll so a crash fails fast. */
  isAlive?: () => Promise<{ alive: boolean; exitCode?: number }>;
  onStatus?: (status: string) => void;
  signal?: AbortSignal;
}

export class ServerResponseError extends Error {
  constructor(
    readonly statusCode: number,
    readonly body: unknown,
    message: string,
  ) {
    super(message);
    this.name = 'ServerResponseError';
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}

export class PredictionClient {
  readonly baseUrl: string;
  private readonly agent: Agent;

  constructor(baseUrl: string) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    // Predictions may take as long as the model likes: no header/body timeouts on the agent;
    // the calls that must be quick set their own.
    this.agent = new Agent({ headersTimeout: 0, bodyTimeout: 0, connect: { timeout: 2_000 } });
  }

  private async call(
    method: Dispatcher.HttpMethod,
    path: string,
    options: { body?: unknown; headers?: Record<string, string>; signal?: AbortSignal; timeoutMs?: number } = {},
  ): Promise<{ statusCode: number; body: unknown }> {
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    let payload: string | undefined;
    if (options.body !== undefined) {
      payload = JSON.stringify(options.body);
      headers['content-type'] = 'application/json';
    }
    const res = await request(`${this.baseUrl}${path}`, {
      method,
      headers,
      body: payload,
      dispatcher: this.agent,
      signal: options.signal,
      headersTimeout: options.timeoutMs ?? 0,
      bodyTimeout: options.timeoutMs ?? 0,
    });
    const text = await res.body.text();
    let body: unknown = text;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      // not JSON (a proxy, or a 500 page): keep the text for the error message
    }
    return { statusCode: res.statusCode, body };
  }

  /** One health check; undefined while nothing answers on the port yet. */
  async health(timeoutMs = 1_000): Promise<HealthCheck | undefined> {
    try {
      const { statusCode, body } = await this.call('GET', '/health-check', { timeoutMs });
      if (statusCode !== 200 || !body || typeof body !== 'object') return undefined;
      const status = (body as { status?: unknown }).status;
      if (typeof status !== 'string') return undefined;
      return body as HealthCheck;
    } catch {
      return undefined;
    }
  }

  /** Polls /health-check until READY, SETUP_FAILED, the process exiting, or the timeout. */
  async waitUntilReady(options: WaitOptions): Promise<ReadyOutcome> {
    const deadline = Date.now() + options.timeoutMs;
    const interval = options.intervalMs ?? 100;
    let last: string | undefined;
    for (;;) {
      if (options.signal?.aborted) return { kind: 'timeout', lastStatus: last };
      const health = await this.health();
      if (health) {
        if (health.status !== last) {
          last = health.status;
          options.onStatus?.(health.status);
        }
        if (health.status === 'READY' || health.status === 'BUSY') return { kind: 'ready', health };
        if (health.status === 'SETUP_FAILED') return { kind: 'setup-failed', health };
        if (health.status === 'DEFUNCT') return { kind: 'defunct', health };
      }
      if (options.isAlive) {
        const state = await options.isAlive();
        if (!state.alive) return { kind: 'exited', exitCode: state.exitCode };
      }
      if (Date.now() >= deadline) return { kind: 'timeout', lastStatus: last };
      await sleep(interval, options.signal);
    }
  }

  async openapi(): Promise<OpenApiDocument> {
    const { statusCode, body } = await this.call('GET', '/openapi.json', { timeoutMs: 30_000 });
    if (statusCode !== 200 || !body || typeof body !== 'object') {
      throw new ServerResponseError(statusCode, body, `GET /openapi.json answered ${statusCode}`);
    }
    return body as OpenApiDocument;
  }

  /**
   * Creates a prediction with a known id (PUT, so that it can be cancelled) and waits for it
   * to finish. 422 (invalid input) and other errors come back as ServerResponseError.
   */
  async predict(
    endpoint: Endpoint,
    id: string,
    request: { input: Record<string, JsonValue>; webhook?: string; webhook_events_filter?: string[]; context?: Record<string, string> },
    signal?: AbortSignal,
  ): Promise<PredictionResponse> {
    const { statusCode, body } = await this.call('PUT', `/${endpoint}/${encodeURIComponent(id)}`, {
      body: { id, ...request },
      signal,
    });
    if (statusCode !== 200 || !body || typeof body !== 'object') {
      throw new ServerResponseError(statusCode, body, `PUT /${endpoint}/${id} answered ${statusCode}`);
    }
    return body as PredictionResponse;
  }

  /**
   * Like predict, over server-sent events (`Accept: text/event-stream`): ON_EVENT sees every
   * event as it arrives, nothing buffered; resolves to the `completed` event's prediction.
   * A server that does not stream this predictor answers 406 (a ServerResponseError).
   */
  async predictStream(
    endpoint: Endpoint,
    id: string,
    request_: { input: Record<string, JsonValue>; context?: Record<string, string> },
    onEvent: (event: SseEvent, payload: unknown) => void,
    signal?: AbortSignal,
  ): Promise<PredictionResponse> {
    const path = `/${endpoint}/${encodeURIComponent(id)}`;
    const res = await request(`${this.baseUrl}${path}`, {
      method: 'PUT',
      headers: { accept: 'text/event-stream', 'content-type': 'application/json' },
      body: JSON.stringify({ id, ...request_ }),
      dispatcher: this.agent,
      signal,
    });
    const type = String(res.headers['content-type'] ?? '');
    if (res.statusCode !== 200 || !type.startsWith('text/event-stream')) {
      const text = await res.body.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // keep the text
      }
      throw new ServerResponseError(res.statusCode, body, `PUT ${path} (event stream) answered ${res.statusCode}`);
    }
    const parser = new SseParser();
    const decoder = new TextDecoder();
    let completed: PredictionResponse | undefined;
    const handle = (events: SseEvent[]): void => {
      for (const event of events) {
        let payload: unknown = event.data;
        try {
          payload = JSON.parse(event.data);
        } catch {
          // not JSON: pass the text on
        }
        if (event.event === 'completed' && payload && typeof payload === 'object') completed = payload as PredictionResponse;
        onEvent(event, payload);
      }
    };
    for await (const chunk of res.body) handle(parser.push(decoder.decode(chunk as Uint8Array, { stream: true })));
    handle(parser.push(`${decoder.decode()}\n\n`));
    if (!completed) throw new ServerResponseError(200, undefined, `the event stream of ${path} ended without a completed event`);
    return completed;
  }

  /** Best effort: asks the server to cancel a running prediction. */
  async cancel(endpoint: Endpoint, id: string): Promise<boolean> {
    try {
      const { statusCode } = await this.call('POST', `/${endpoint}/${encodeURIComponent(id)}/cancel`, { timeoutMs: 2_000 });
      return statusCode === 200;
    } catch {
      return false;
    }
  }

  async shutdown(): Promise<void> {
    try {
      await this.call('POST', '/shutdown', { timeoutMs: 2_000 });
    } catch {
      // already gone
    }
  }

  async close(): Promise<void> {
    await this.agent.close().catch(() => undefined);
  }
}
