/**
 * Push progress for people: per layer, in bytes. In a terminal one ora spinner whose text lists
 * the layers in flight; in CI/plain mode a line per layer state change and per quarter uploaded
 * (no \r, no flood); in json mode the same plain lines on stderr.
 */
import type { CommandContext } from '../context.js';
import type { LayerState, PushEvents } from '../registry/push.js';

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = n / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(value >= 100 ? 0 : 1)} ${units[unit]}`;
}

export interface PushProgress {
  events: PushEvents;
  succeed(text: string): void;
  fail(text: string): void;
  stop(): void;
}

interface LayerView {
  state: LayerState;
  digest?: string;
  bytes?: number;
  size?: number;
  lastQuarter?: number;
}

const short = (digest: string): string => digest.replace(/^sha256:/, '').slice(0, 12);

export async function renderPushProgress(ctx: CommandContext, image: string, layerCount: number): Promise<PushProgress> {
  const ui = ctx.ui;
  const title = `Pushing ${image}`;
  const spinner = await ui.spinner(`${title}...`);
  const layers = new Map<number, LayerView>();
  const tty = ui.mode === 'tty';
  let phase = 'connecting';
  let timer: NodeJS.Timeout | undefined;

  const renderTty = (): void => {
    timer = undefined;
    const active = [...layers.entries()].filter(([, l]) => l.state === 'uploading' || l.state === 'compressing' || l.state === 'exporting');
    const finished = [...layers.values()].filter((l) => l.state === 'pushed' || l.state === 'mounted' || l.state === 'existing').length;
    const lines = active.map(([i, l]) => {
      const name = l.digest ? short(l.digest) : `layer ${i + 1}`;
      if (l.state === 'uploading' && l.size) return `  ${name}  uploading ${formatBytes(l.bytes ?? 0)} / ${formatBytes(l.size)}`;
      return `  ${name}  ${l.state}${l.size ? ` (${formatBytes(l.size)})` : ''}`;
    });
    spinner.update([`${title}: ${phase}, ${finished}/${layerCount} layers done`, ...lines].join('\n'));
  };
  const schedule = (): void => {
    if (tty && !timer) timer = setTimeout(renderTty, 100);
  };

  const events: PushEvents = {
    onPhase: (p) => {
      phase = p === 'exporting' ? 'exporting the image from Docker' : p === 'manifest' ? 'writing the manifest' : p;
      if (tty) schedule();
      else if (p === 'exporting' || p === 'manifest') ui.info(`${title}: ${phase}...`);
    },
    onLayer: (e) => {
      const prev = layers.get(e.index);
      const view: LayerView = { ...prev, state: e.state, digest: e.digest ?? prev?.digest, bytes: e.bytes, size: e.size ?? prev?.size };
      layers.set(e.index, view);
      if (tty) {
        schedule();
        return;
      }
      const name = `layer ${e.index + 1}/${layerCount} ${view.digest ? short(view.digest) : short(e.diffId)}`;
      if (e.state === 'uploading') {
        const quarter = view.size ? Math.floor(((view.bytes ?? 0) / view.size) * 4) : 0;
        const big = (view.size ?? 0) >= 1024 * 1024;
        if (big && (view.bytes ?? 0) < (view.size ?? 0) && (prev?.state !== 'uploading' || quarter !== prev.lastQuarter)) {
          ui.info(`${name}: uploading ${formatBytes(view.bytes ?? 0)} / ${formatBytes(view.size ?? 0)}`);
        }
        view.lastQuarter = quarter;
      } else if (e.state === 'pushed' || e.state === 'mounted' || e.state === 'existing') {
        const label = e.state === 'existing' ? 'already in the registry' : e.state;
        ui.info(`${name}: ${label}${view.size ? ` (${formatBytes(view.size)})` : ''}`);
      } else if (e.state === 'compressing') {
        ui.info(`${name}: compressing ${formatBytes(view.size ?? 0)}`);
      }
    },
    onRetry: (message) => {
      if (tty) spinner.update(`${title}: ${message}`);
      else ui.warn(message);
    },
  };
  const clear = (): void => {
    if (timer) clearTimeout(timer);
    timer = undefined;
  };
  return {
    events,
    succeed: (text) => {
      clear();
      spinner.succeed(text);
    },
    fail: (text) => {
      clear();
      spinner.fail(text);
    },
    stop: () => {
      clear();
      spinner.stop();
    },
  };
}
