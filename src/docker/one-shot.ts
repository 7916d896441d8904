/**
 * A short command in a fresh container of an image, with no network, collecting stdout and
 * stderr apart (the schema step of `build`). The container is always removed.
 */
import type Docker from 'dockerode';
import { createSessionContainer, demuxBuffer, removeContainer } from './containers-run.js';

/** Marks build-time containers (not model containers: tests and `ps` filters tell them apart). */
export const BUILD_STEP_LABEL = 'org.edgecog.build-step';

export interface OneShotResult {
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Splits the Engine's multiplexed framing into stdout and stderr. */
export function demuxStreams(buf: Buffer): { stdout: string; stderr: string } {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= buf.length) {
    const kind = buf[offset];
    if (kind !== 0 && kind !== 1 && kind !== 2) return { stdout: demuxBuffer(buf), stderr: '' };
    const size = buf.readUInt32BE(offset + 4);
    (kind === 2 ? err : out).push(buf.subarray(offset + 8, offset + 8 + size));
    offset += 8 + size;
  }
  return { stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}

export async function runOneShot(
  docker: Docker,
  spec: { image: string; cmd: string[]; step: string; workdir?: string; env?: string[]; labels?: Record<string, string>; timeoutMs: number },
): Promise<OneShotResult> {
  const container = await createSessionContainer(docker, {
    Image: spec.image,
    Cmd: spec.cmd,
    Env: spec.env,
    WorkingDir: spec.workdir,
    NetworkDisabled: true,
    Labels: { [BUILD_STEP_LABEL]: spec.step, ...spec.labels },
    HostConfig: { NetworkMode: 'none' },
  });
  try {
    await container.start();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      void container.kill().catch(() => undefined);
    }, spec.timeoutMs);
    let exitCode: number | undefined;
    try {
      exitCode = ((await container.wait()) as { StatusCode?: number }).StatusCode;
    } finally {
      clearTimeout(timer);
    }
    const logs = (await container.logs({ follow: false, stdout: true, stderr: true })) as unknown as Buffer;
    return { exitCode, timedOut, ...demuxStreams(logs) };
  } finally {
    await removeContainer(docker, container.id).catch(() => undefined);
  }
}
