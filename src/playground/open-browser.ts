/** Opens URL in the user's browser when a launcher exists; never fails (a headless box has none). */
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

function onPath(name: string, env: NodeJS.ProcessEnv): boolean {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return true;
    } catch {
      // not here
    }
  }
  return false;
}

/** The launcher for this platform, or undefined when there is none. */
export function browserLauncher(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): { command: string; args: string[] } | undefined {
  if (platform === 'darwin') return onPath('open', env) ? { command: 'open', args: [] } : undefined;
  if (platform === 'win32') return { command: 'cmd', args: ['/c', 'start', '""'] };
  // Without a display there is no browser to open, whatever xdg-open would try.
  if (!env.DISPLAY && !env.WAYLAND_DISPLAY) return undefined;
  return onPath('xdg-open', env) ? { command: 'xdg-open', args: [] } : undefined;
}

/** True when a launcher was started (not whether a browser appeared). */
export function openBrowser(url: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const launcher = browserLauncher(process.platform, env);
  if (!launcher) return false;
  try {
    const child = spawn(launcher.command, [...launcher.args, url], { stdio: 'ignore', detached: true, env });
    child.on('error', () => undefined);
    child.unref();
    return true;
  } catch {
    return false;
  }
}
