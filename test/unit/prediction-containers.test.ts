import { describe, expect, it, vi } from 'vitest';
import { gpuDeviceRequests, isMissingGpuDriverError, demuxBuffer } from '../../src/docker/containers-run.js';
import { parsePublishFlags } from '../../src/workflows/exec.js';
import { serverCommand } from '../../src/workflows/model-container.js';
import { parseEnvFlags } from '../../src/workflows/model-server-start.js';
import { setupTimeoutSeconds } from '../../src/workflows/run-prediction.js';

describe('serverCommand', () => {
  const opts = { host: '127.0.0.1', mode: 'predict' as const };
  it("appends our flags to the image's server command", () => {
    expect(serverCommand({ cmd: ['python', '-m', 'cog.server.http'], entrypoint: [] }, opts)).toEqual(['python', '-m', 'cog.server.http', '--host', '127.0.0.1']);
    expect(serverCommand({ cmd: ['python', '-m', 'cog.server.http'], entrypoint: [] }, { ...opts, mode: 'train', awaitExplicitShutdown: true, uploadUrl: 'http://u/' })).toEqual([
      'python', '-m', 'cog.server.http', '--host', '127.0.0.1', '--x-mode', 'train', '--upload-url', 'http://u/', '--await-explicit-shutdown', 'true',
    ]);
  });
  it('extends a shell-form command and falls back to the runtime module', () => {
    expect(serverCommand({ cmd: ['/bin/sh', '-c', 'exec python -m cog.server.http'], entrypoint: [] }, opts)).toEqual([
      '/bin/sh', '-c', "exec python -m cog.server.http '--host' '127.0.0.1'",
    ]);
    expect(serverCommand({ cmd: ['bash'], entrypoint: [] }, opts)).toEqual(['python', '-m', 'cog.server.http', '--host', '127.0.0.1']);
  });
});

describe('--gpus', () => {
  it('translates docker run --gpus forms to device requests', () => {
    expect(gpuDeviceRequests(undefined)).toBeUndefined();
    expect(gpuDeviceRequests('all')?.[0]).toMatchObject({ Count: -1, Capabilities: [['gpu']] });
    expect(gpuDeviceRequests('2')?.[0]).toMatchObject({ Count: 2 });
    expect(gpuDeviceRequests('device=0,1')?.[0]).toMatchObject({ Count: 0, DeviceIDs: ['0', '1'] });
    expect(gpuDeviceRequests('"device=1"')?.[0]).toMatchObject({ DeviceIDs: ['1'] });
    expect(() => gpuDeviceRequests('lots')).toThrow(/cannot parse --gpus/);
  });
  it("recognises the engine's missing-driver error", () => {
    expect(isMissingGpuDriverError(new Error('(HTTP code 500) server error - could not select device driver "" with capabilities: [[gpu]]'))).toBe(true);
    expect(isMissingGpuDriverError(new Error('no such image'))).toBe(false);
  });
});

describe('flags', () => {
  it('-e takes NAME=value or copies NAME from the environment', () => {
    expect(parseEnvFlags(['A=1', 'B=x=y', 'HOME_X', 'MISSING'], { HOME_X: '/h' })).toEqual([
      ['A', '1'],
      ['B', 'x=y'],
      ['HOME_X', '/h'],
    ]);
    expect(() => parseEnvFlags(['=1'], {})).toThrow(/NAME=value/);
  });
  it('-p accepts port, host:port and [v6]:port', () => {
    expect(parsePublishFlags(['8888', '0.0.0.0:8000', '[::1]:9000'])).toEqual([
      { host: '127.0.0.1', port: 8888 },
      { host: '0.0.0.0', port: 8000 },
      { host: '::1', port: 9000 },
    ]);
    expect(() => parsePublishFlags(['99999'])).toThrow(/between 1 and 65535/);
    expect(() => parsePublishFlags([':80'])).toThrow(/host cannot be empty/);
  });
  it('--setup-timeout falls back to COG_SETUP_TIMEOUT, then 300', () => {
    expect(setupTimeoutSeconds(undefined, {})).toBe(300);
    expect(setupTimeoutSeconds(undefined, { COG_SETUP_TIMEOUT: '42' })).toBe(42);
    expect(setupTimeoutSeconds('7', { COG_SETUP_TIMEOUT: '42' })).toBe(7);
    expect(() => setupTimeoutSeconds('soon', {})).toThrow(/positive number/);
  });
  it('demultiplexes engine log frames', () => {
    const frame = (kind: number, text: string): Buffer => {
      const head = Buffer.alloc(8);
      head[0] = kind;
      head.writeUInt32BE(Buffer.byteLength(text), 4);
      return Buffer.concat([head, Buffer.from(text)]);
    };
    expect(demuxBuffer(Buffer.concat([frame(1, 'out\n'), frame(2, 'err\n')]))).toBe('out\nerr\n');
    expect(demuxBuffer(Buffer.from('plain tty text'))).toBe('plain tty text');
  });
});

describe('Ctrl-C cleanup of session containers', () => {
  /** An engine whose creates take a while, as a real one does while it prepares the filesystem. */
  function slowEngine() {
    const containers = new Map<string, { labels: Record<string, string>; removed: boolean }>();
    let n = 0;
    const docker = {
      createContainer: async (options: { Labels?: Record<string, string> }) => {
        await new Promise((r) => setTimeout(r, 50));
        const id = `c${++n}`;
        containers.set(id, { labels: options.Labels ?? {}, removed: false });
        return { id };
      },
      listContainers: async (options: { filters: { label: string[] } }) => {
        const [key, value] = options.filters.label[0]!.split('=');
        return [...containers].filter(([, c]) => !c.removed && c.labels[key!] === value).map(([id]) => ({ Id: id }));
      },
      getContainer: (id: string) => ({
        remove: async () => {
          containers.get(id)!.removed = true;
        },
      }),
    };
    return { docker, containers };
  }

  it('waits for a create in flight, removes it, and refuses creates afterwards', async () => {
    vi.resetModules();
    const run = await import('../../src/docker/containers-run.js');
    const { docker, containers } = slowEngine();
    const engine = docker as unknown as Parameters<typeof run.createSessionContainer>[0];
    const creating = run.createSessionContainer(engine, { Image: 'x', Labels: { a: 'b' } });
    // Ctrl-C arrives while the engine has not answered the create yet.
    await run.removeSessionContainers(engine);
    const created = await creating;
    expect(containers.get(created.id)).toEqual({ labels: { a: 'b', [run.CONTAINER_SESSION_LABEL]: run.SESSION_ID }, removed: true });
    await expect(run.createSessionContainer(engine, { Image: 'x' })).rejects.toMatchObject({ code: 'E_INTERRUPTED' });
    expect(containers.size).toBe(1);
  });
});
