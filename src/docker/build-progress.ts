/**
 * Turning what builders print into steps: BuildKit's `--progress plain` lines (`#5 [2/6] RUN x`,
 * `#5 0.412 output`, `#5 CACHED`, `#5 ERROR: ...`) and the classic builder's JSON message stream
 * (`{"stream":"Step 2/6 : RUN x"}`, `{"error":...,"errorDetail":...}`). Pure, so recorded
 * outputs can be replayed in unit tests.
 */

export interface BuildStep {
  id: string;
  /** `[2/6] RUN pip install ...` (BuildKit) or `Step 2/6 : RUN pip install ...` (classic). */
  name: string;
  cached: boolean;
  done: boolean;
  error?: string;
  /** Output lines of the step (without the `#5 0.412` prefix). */
  output: string[];
}

export type BuildEvent =
  | { kind: 'step'; step: BuildStep }
  | { kind: 'output'; step: BuildStep; line: string }
  | { kind: 'cached'; step: BuildStep }
  | { kind: 'error'; step?: BuildStep; message: string };

const MAX_STEP_LINES = 400;

/** The steps that come from the user's Dockerfile (not `[internal] load ...` housekeeping). */
export function isDockerfileStep(step: BuildStep): boolean {
  return /^\[(?!internal\])[^\]]*\d+\/\d+\]/.test(step.name) || /^Step \d+\/\d+ :/.test(step.name) || /^\[\S+ \d+\/\d+\]/.test(step.name);
}

export class BuildKitProgressParser {
  readonly steps = new Map<string, BuildStep>();
  /** Lines not tied to a step (the final `error: failed to solve ...`). */
  readonly trailer: string[] = [];
  private inErrorBlock = false;

  constructor(private readonly emit: (event: BuildEvent) => void = () => undefined) {}

  push(rawLine: string): void {
    const line = rawLine.replace(/\r$/, '');
    // The error summary BuildKit repeats between "------" rules: the same lines again.
    if (line === '------') {
      this.inErrorBlock = !this.inErrorBlock;
      return;
    }
    if (this.inErrorBlock) return;
    const m = /^#(\d+) (.*)$/.exec(line);
    if (!m) {
      if (line.trim()) {
        this.trailer.push(line);
        if (/^(error|ERROR|failed to|Error response)/.test(line.trim())) this.emit({ kind: 'error', message: line.trim() });
      }
      return;
    }
    const id = m[1]!;
    const rest = m[2]!;
    let step = this.steps.get(id);
    if (!step) {
      step = { id, name: rest, cached: false, done: false, output: [] };
      this.steps.set(id, step);
      this.emit({ kind: 'step', step });
      return;
    }
    if (rest === 'CACHED') {
      step.cached = true;
      step.done = true;
      this.emit({ kind: 'cached', step });
      return;
    }
    if (/^DONE \d/.test(rest)) {
      step.done = true;
      return;
    }
    if (rest.startsWith('ERROR')) {
      step.error = rest.replace(/^ERROR:?\s*/, '') || 'failed';
      this.emit({ kind: 'error', step, message: step.error });
      return;
    }
    // `#5 0.412 text` is output at 0.412 s; other `#5 ...` lines are BuildKit's own notes
    // (`resolve ...`, `transferring context: 2B done`, `sha256:...`).
    const out = /^\d+\.\d+ ?(.*)$/.exec(rest);
    if (out) {
      step.output.push(out[1]!);
      if (step.output.length > MAX_STEP_LINES) step.output.splice(0, step.output.length - MAX_STEP_LINES);
      this.emit({ kind: 'output', step, line: out[1]! });
    }
  }

  failedStep(): BuildStep | undefined {
    return [...this.steps.values()].find((s) => s.error !== undefined && isDockerfileStep(s)) ?? [...this.steps.values()].find((s) => s.error !== undefined);
  }

  /** The builder's final error line, e.g. `failed to solve: ...`. */
  errorSummary(): string | undefined {
    return [...this.trailer].reverse().find((l) => /error|failed/i.test(l));
  }
}

export interface ClassicMessage {
  stream?: string;
  status?: string;
  error?: string;
  errorDetail?: { code?: number; message?: string };
  aux?: { ID?: string };
}

/** The classic builder's JSON message stream, one decoded message at a time. */
export class ClassicProgressParser {
  readonly steps: BuildStep[] = [];
  imageId: string | undefined;
  error: string | undefined;
  private partial = '';

  constructor(private readonly emit: (event: BuildEvent) => void = () => undefined) {}

  private get current(): BuildStep | undefined {
    return this.steps[this.steps.length - 1];
  }

  push(message: ClassicMessage): void {
    if (message.error || message.errorDetail) {
      this.error = message.errorDetail?.message ?? message.error ?? 'the build failed';
      const step = this.current;
      if (step) step.error = this.error;
      this.emit({ kind: 'error', step, message: this.error });
      return;
    }
    if (message.aux?.ID) this.imageId = message.aux.ID;
    const text = message.stream ?? '';
    if (!text) return;
    this.partial += text;
    const lines = this.partial.split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) this.line(line);
  }

  private line(line: string): void {
    const stepMatch = /^Step (\d+)\/(\d+) : (.*)$/.exec(line);
    if (stepMatch) {
      const prev = this.current;
      if (prev) prev.done = true;
      const step: BuildStep = { id: stepMatch[1]!, name: line, cached: false, done: false, output: [] };
      this.steps.push(step);
      this.emit({ kind: 'step', step });
      return;
    }
    const step = this.current;
    if (!step) return;
    if (/^ ---> Using cache$/.test(line)) {
      step.cached = true;
      this.emit({ kind: 'cached', step });
      return;
    }
    const m = /^Successfully built ([0-9a-f]+)$/.exec(line);
    if (m && !this.imageId) this.imageId = m[1];
    if (/^ ---> /.test(line) || /^Removing intermediate container /.test(line) || /^Successfully (built|tagged) /.test(line)) return;
    step.output.push(line);
    if (step.output.length > MAX_STEP_LINES) step.output.splice(0, step.output.length - MAX_STEP_LINES);
    this.emit({ kind: 'output', step, line });
  }

  finish(): void {
    if (this.partial) this.line(this.partial);
    this.partial = '';
    const step = this.current;
    if (step && !this.error) step.done = true;
  }

  failedStep(): BuildStep | undefined {
    return this.error ? this.current : undefined;
  }
}

/** The failing step and its last lines, for the error's details. */
export function describeFailure(step: BuildStep | undefined, summary: string | undefined, tail = 40): string {
  const lines: string[] = [];
  if (step) {
    lines.push(`failed step: ${step.name}`);
    const out = step.output.slice(-tail);
    if (out.length) {
      if (step.output.length > out.length) lines.push(`  ... (${step.output.length - out.length} earlier lines)`);
      lines.push(...out.map((l) => `  ${l}`));
    }
    if (step.error) lines.push(step.error);
  }
  if (summary && !lines.includes(summary)) lines.push(summary);
  return lines.join('\n');
}
