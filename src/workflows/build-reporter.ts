/**
 * How build progress looks: an ora spinner naming the current step in a terminal, plain lines
 * (step names, CACHED marks, the steps' output) in CI and pipes, nothing with `--progress quiet`.
 */
import type { CommandContext } from '../context.js';
import { isDockerfileStep, type BuildEvent, type BuildStep } from '../docker/build-progress.js';
import type { Spinner } from '../ui/console.js';

export type ProgressMode = 'auto' | 'tty' | 'plain' | 'quiet';

export interface BuildReporter {
  onEvent: (event: BuildEvent) => void;
  /** A phase outside the Dockerfile (schema, labels). */
  phase: (text: string) => void;
  succeed: (text: string) => void;
  fail: (text?: string) => void;
}

/** `[stage-0 3/9] RUN x` → `[3/9] RUN x`; `Step 3/9 : RUN x` → `[3/9] RUN x`. */
export function stepLabel(step: BuildStep): string {
  return step.name.replace(/^\[(?:[^\]]*\s)?(\d+\/\d+)\]/, '[$1]').replace(/^Step (\d+\/\d+) : /, '[$1] ');
}

function oneLine(text: string, width: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > width ? `${flat.slice(0, width - 1)}…` : flat;
}

export async function createBuildReporter(ctx: CommandContext, requested: ProgressMode | undefined, title: string): Promise<BuildReporter> {
  // A terminal that reports no width (a pty under `script`, some CI runners) sends ora into an
  // endless redraw loop: plain lines there.
  const hasWidth = (process.stderr.columns ?? 0) > 0;
  const wantsTty = requested === 'tty' || (requested !== 'plain' && ctx.ui.mode === 'tty');
  const mode = requested === 'quiet' ? 'quiet' : wantsTty && hasWidth ? 'tty' : 'plain';
  if (mode === 'quiet') {
    return { onEvent: () => undefined, phase: () => undefined, succeed: () => undefined, fail: () => undefined };
  }
  if (mode === 'plain') {
    ctx.ui.info(title);
    return {
      onEvent: (event) => {
        if (event.kind === 'step' && isDockerfileStep(event.step)) ctx.ui.info(oneLine(stepLabel(event.step), 160));
        else if (event.kind === 'cached' && isDockerfileStep(event.step)) ctx.ui.info(`${stepLabel(event.step).split(' ')[0]!} CACHED`);
        else if (event.kind === 'output' && isDockerfileStep(event.step)) ctx.ui.info(`  ${event.line}`);
      },
      phase: (text) => ctx.ui.info(text),
      succeed: (text) => ctx.ui.success(text),
      fail: () => undefined,
    };
  }
  const width = Math.max(30, (process.stderr.columns ?? 100) - 4);
  const spinner: Spinner = await ctx.ui.spinner(oneLine(title, width));
  let total = 0;
  let cached = 0;
  return {
    onEvent: (event) => {
      if (event.kind === 'step' && isDockerfileStep(event.step)) {
        total++;
        spinner.update(oneLine(`${title} ${stepLabel(event.step)}`, width));
      } else if (event.kind === 'cached' && isDockerfileStep(event.step)) cached++;
    },
    phase: (text) => spinner.update(oneLine(text, width)),
    succeed: (text) => spinner.succeed(total ? `${text} (${cached}/${total} steps cached)` : text),
    fail: (text) => spinner.fail(text),
  };
}
