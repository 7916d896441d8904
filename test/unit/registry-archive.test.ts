import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { createTarStream, type TarEntry } from '../../src/docker/context-tar.js';
import { compressLayer, readImageArchive } from '../../src/registry/image-archive.js';

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

function image(layers: Buffer[]): { config: Buffer; configDigest: string } {
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: layers.map(sha) } }));
  return { config, configDigest: sha(config) };
}

describe('readImageArchive', () => {
  it('reads the legacy docker save layout, symlinked layers included, in manifest order', async () => {
    const small = randomBytes(2000);
    const big = randomBytes(3 * 1024 * 1024);
    const { config, configDigest } = image([big, small, big]);
    const entries: TarEntry[] = [
      { type: 'file', path: `${configDigest.slice(7)}.json`, data: config },
      { type: 'dir', path: 'aaa' },
      { type: 'file', path: 'aaa/layer.tar', data: small },
      { type: 'dir', path: 'bbb' },
      { type: 'file', path: 'bbb/layer.tar', data: big },
      { type: 'dir', path: 'ccc' },
      { type: 'symlink', path: 'ccc/layer.tar', target: '../bbb/layer.tar' },
      { type: 'file', path: 'manifest.json', data: Buffer.from(JSON.stringify([{ Config: `${configDigest.slice(7)}.json`, Layers: ['bbb/layer.tar', 'aaa/layer.tar', 'ccc/layer.tar'] }])) },
    ];
    const spoolDir = mkdtempSync(join(tmpdir(), 'edgecog-spool-'));
    const archive = await readImageArchive(createTarStream(entries), { spoolDir });
    expect(archive.configDigest).toBe(configDigest);
    expect(archive.config.equals(config)).toBe(true);
    expect(archive.layers.map((l) => l.diffId)).toEqual([sha(big), sha(small), sha(big)]);
    expect(archive.layers[0]!.path).toBeDefined();
    expect(readFileSync(archive.layers[0]!.path!).equals(big)).toBe(true);
    expect(archive.layers[1]!.data!.equals(small)).toBe(true);
  });

  it('reads the OCI layout of newer engines and drops layers the caller does not need', async () => {
    const keep = randomBytes(2 * 1024 * 1024);
    const drop = randomBytes(2 * 1024 * 1024);
    const { config, configDigest } = image([drop, keep]);
    const blob = (b: Buffer) => `blobs/sha256/${sha(b).slice(7)}`;
    const entries: TarEntry[] = [
      { type: 'file', path: blob(drop), data: drop },
      { type: 'file', path: blob(keep), data: keep },
      { type: 'file', path: blob(config), data: config },
      { type: 'file', path: 'index.json', data: Buffer.from('{}') },
      { type: 'file', path: 'manifest.json', data: Buffer.from(JSON.stringify([{ Config: blob(config), Layers: [blob(drop), blob(keep)] }])) },
    ];
    const spoolDir = mkdtempSync(join(tmpdir(), 'edgecog-spool-'));
    const archive = await readImageArchive(createTarStream(entries), { spoolDir, keep: (d) => d === sha(keep) });
    expect(archive.layers[0]).toMatchObject({ diffId: sha(drop), path: undefined });
    expect(readFileSync(archive.layers[1]!.path!).equals(keep)).toBe(true);
    await new Promise((r) => setTimeout(r, 50));
    expect(readdirSync(spoolDir)).toHaveLength(1);

    const out = await compressLayer(archive.layers[1]!, join(spoolDir, 'x.gz'), 1);
    const gz = readFileSync(out.path);
    expect(out.digest).toBe(sha(gz));
    expect(out.size).toBe(gz.length);
    expect(gunzipSync(gz).equals(keep)).toBe(true);
  });

  it('refuses an archive whose layers do not match the config', async () => {
    const layer = randomBytes(100);
    const config = Buffer.from(JSON.stringify({ rootfs: { diff_ids: [sha(Buffer.from('other'))] } }));
    const entries: TarEntry[] = [
      { type: 'file', path: 'c.json', data: config },
      { type: 'file', path: 'l/layer.tar', data: layer },
      { type: 'file', path: 'manifest.json', data: Buffer.from(JSON.stringify([{ Config: 'c.json', Layers: ['l/layer.tar'] }])) },
    ];
    await expect(readImageArchive(createTarStream(entries), { spoolDir: mkdtempSync(join(tmpdir(), 'edgecog-spool-')) })).rejects.toThrow(/hashes to/);
  });
});
