/**
 * Everything edgecog says to people goes through here, to stderr. stdout is reserved for
 * results (see `writeResult`). ora is loaded lazily and only in tty mode.
 */
import { colorEnabled, decideOutputMode, type OutputMode } from './mode.js';

const ANSI = {
  red: '\u001b[31m',
  yellow: '\u001b[33m',
  green: '\u001b[32m',
  dim: '\u001b[2m',
  bold: '\u001b[1m',
  cyan: '\u001b[36m',
  reset: '\u001b[0m',
};

type Colour = keyof typeof ANSI;

export interface Spinner {
  update(text: string): void;
  succeed(text?: string): void;
  fail(text?: string): void;
  stop(): void;
}

export class Ui {
  readonly mode: OutputMode;
  readonly color: boolean;
  debugEnabled: boolean;
  private readonly err: NodeJS.WritableStream;
  private readonly out: NodeJS.WritableStream;

  constructor(options: {
    mode: OutputMode;
    color: boolean;
    debug?: boolean;
    stderr?: NodeJS.WritableStream;
    stdout?: NodeJS.WritableStream;
  }) {
    this.mode = options.mode;
    this.color = options.color;
    this.debugEnabled = options.debug ?? false;
    this.err = options.stderr ?? process.stderr;
    this.out = options.stdout ?? process.stdout;
  }

  paint(colour: Colour, text: string): string {
    return this.color ? `${ANSI[colour]}${text}${ANSI.reset}` : text;
  }

  /** A line for people, on stderr. In json mode it still goes to stderr (stdout stays clean). */
  info(message: string): void {
    this.err.write(`${message}\n`);
  }

  warn(message: string): void {
    this.err.write(`${this.paint('yellow', 'warning:')} ${message}\n`);
  }

  error(message: string): void {
    this.err.write(`${this.paint('red', 'error:')} ${message}\n`);
  }

  success(message: string): void {
    this.err.write(`${this.paint('green', '✓')} ${message}\n`);
  }

  debug(message: string): void {
    if (this.debugEnabled) this.err.write(`${this.paint('dim', `debug: ${message}`)}\n`);
  }

  /** Raw text to stderr (build logs, setup logs), passed through as-is. */
  raw(text: string): void {
    this.err.write(text);
  }

  /** The command's result, on stdout. */
  result(text: string): void {
    this.out.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  resultRaw(data: string | Uint8Array): void {
    this.out.write(data);
  }

  /** Whether stderr reports a usable width (a spinner needs one). */
  hasWidth(): boolean {
    const columns = (this.err as Partial<NodeJS.WriteStream>).columns;
    return typeof columns === 'number' && Number.isFinite(columns) && columns > 0;
  }

  /** A progress indicator: an ora spinner in tty mode (on a terminal with a width), plain lines otherwise. */
  async spinner(text: string): Promise<Spinner> {
    // A terminal that reports no width (0 or undefined columns: a pty under `script`, some CI
    // runners) sends ora into an endless redraw loop; plain lines there.
    if (this.mode === 'tty' && this.hasWidth()) {
      const { default: ora } = await import('ora');
      const s = ora({ text, stream: this.err as NodeJS.WriteStream, color: 'cyan' }).start();
      return {
        update: (t) => {
          s.text = t;
        },
        succeed: (t) => {
          s.succeed(t);
        },
        fail: (t) => {
          s.fail(t);
        },
        stop: () => {
          s.stop();
        },
      };
    }
    this.info(text);
    let last = text;
    return {
      update: (t) => {
        if (t !== last) {
          last = t;
          this.info(t);
        }
      },
      succeed: (t) => {
        if (t) this.info(t);
      },
      fail: (t) => {
        if (t) this.error(t);
      },
      stop: () => {},
    };
  }
}

export function createUi(options: { json?: boolean; noColor?: boolean; debug?: boolean }): Ui {
  const mode = decideOutputMode({ json: options.json, isTTY: Boolean(process.stderr.isTTY), env: process.env });
  return new Ui({ mode, color: colorEnabled(mode, process.env, options.noColor), debug: options.debug });
}
