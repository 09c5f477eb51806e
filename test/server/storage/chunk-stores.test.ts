import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ChunkStore } from '../../../src/server/storage/chunk-store';
import { MemoryChunkStore } from '../../../src/server/storage/memory-chunk-store';
import { NodeFileChunkStore } from '../../../src/server/storage/node-file-chunk-store';
import { CONTRACT, type StoreFactory } from './chunk-store-contract';

const dir = mkdtempSync(join(tmpdir(), 'tabvisor-chunks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let fileNo = 0;
const factories: [string, () => StoreFactory][] = [
  [
    'memory',
    () => {
      let current: MemoryChunkStore | null = null;
      return {
        async create() {
          current = new MemoryChunkStore();
          return current;
        },
        async reopen(): Promise<ChunkStore> {
          if (!current) throw new Error('nothing to reopen');
          current = current.reopen();
          return current;
        },
      };
    },
  ],
  [
    'sparse file (Node)',
    () => {
      const path = join(dir, `disk-${fileNo++}.img`);
      return {
        create: () => NodeFileChunkStore.open(path),
        reopen: () => NodeFileChunkStore.open(path),
      };
    },
  ],
];

describe.each(factories)('ChunkStore contract: %s', (_name, make) => {
  it.each(CONTRACT.map((c) => [c.name, c] as const))('%s', async (_n, c) => {
    await c.run(make());
  });
});

describe('NodeFileChunkStore', () => {
  it('is a real sparse file: a 500 GiB disk with one chunk takes about one chunk of blocks', async () => {
    const path = join(dir, 'sparse.img');
    const s = await NodeFileChunkStore.open(path);
    await s.writeMeta({
      format: 'tabvisor-sparse-disk',
      version: 1,
      sizeBytes: 500 * 1024 ** 3,
      chunkSize: 1 << 20,
    });
    await s.writeChunks([{ index: 1000, data: new Uint8Array(1 << 20).fill(7) }]);
    await s.close();
    const st = statSync(path);
    expect(st.size).toBe(500 * 1024 ** 3);
    expect(st.blocks * 512).toBeLessThan(8 << 20);
  });

  it('opens a raw image without a map as a disk whose chunks are all present', async () => {
    const path = join(dir, 'raw.img');
    const { writeFileSync } = await import('node:fs');
    const raw = new Uint8Array(3 << 20);
    raw[(2 << 20) + 5] = 0x42;
    writeFileSync(path, raw);
    const s = await NodeFileChunkStore.open(path);
    expect(await s.readMeta()).toMatchObject({ sizeBytes: 3 << 20, chunkSize: 1 << 20 });
    expect(await s.listChunks()).toEqual([0, 1, 2]);
    expect((await s.readChunk(2))?.[5]).toBe(0x42);
    await s.close();
  });
});
