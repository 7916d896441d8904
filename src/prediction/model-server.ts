/**
 * A running model server, wherever it runs (a container, or the host's python3 under
 * --no-docker): what run/serve/train need from it.
 */
export interface ModelServer {
  /** http://127.0.0.1:PORT */
  baseUrl: string;
  /** For messages: "container 1a2b3c4d5e6f", "python3 (pid 1234)". */
  description: string;
  isAlive(): Promise<{ alive: boolean; exitCode?: number }>;
  /** The server's recent output (setup logs, tracebacks), for error messages. */
  recentOutput(): Promise<string>;
  /** Stops echoing server output to the terminal (used once the result is printed). */
  mute(): void;
  /** Waits until the server exits by itself (serve: until Ctrl-C or the container dies). */
  waitForExit(): Promise<number | undefined>;
  /** Stops and removes it. Safe to call twice. */
  stop(): Promise<void>;
}

/** Keeps the last `limit` characters of a stream of text. */
export class OutputTail {
  private text = '';
  constructor(private readonly limit = 64 * 1024) {}
  push(chunk: string): void {
    this.text += chunk;
    if (this.text.length > this.limit * 2) this.text = this.text.slice(-this.limit);
  }
  toString(): string {
    return this.text.length > this.limit ? this.text.slice(-this.limit) : this.text;
  }
}
