import { describe, expect, it } from 'vitest';
import { BlockDevice, DEFAULT_DISK_BYTES } from '../../../src/server/storage/block-device';
import { exportImage } from '../../../src/server/storage/disk-image';
import { MemoryChunkStore } from '../../../src/server/storage/memory-chunk-store';
import { StorageError } from '../../../src/server/storage/storage-error';
import { sameBytes } from './bytes';
import { pattern } from './chunk-store-contract';

const CS = 64 * 1024; // small chunks keep the tests quick
const SPC = CS / 512; // sectors per chunk

async function device(store = new MemoryChunkStore(), opts = {}) {
  const dev = await BlockDevice.open(store, { chunkSize: CS, ...opts });
  return { store, dev };
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return e instanceof StorageError ? e.code : `not a StorageError: ${String(e)}`;
  }
  return 'no error';
}

describe('BlockDevice: a sparse disk of any size', () => {
  it('is 500 GiB by default and reads zeros everywhere, storing nothing', async () => {
    const store = new MemoryChunkStore();
    const dev = await BlockDevice.open(store);
    expect(dev.sizeBytes).toBe(DEFAULT_DISK_BYTES);
    expect(dev.sectors).toBe(500 * 1024 * 1024 * 2);
    const far = await dev.read(dev.sectors - 8, 8);
    expect(far.every((b) => b === 0)).toBe(true);
    expect((await dev.read(12345, 3)).every((b) => b === 0)).toBe(true);
    await dev.flush();
    expect(store.storedBytes).toBe(0);
    expect(dev.created).toBe(true);
  });

  it('writes across a chunk boundary and reads back any sub-range', async () => {
    const { dev } = await device();
    const data = pattern(1, 6 * 512);
    const lba = SPC - 3; // 3 sectors in chunk 0, 3 in chunk 1
    await dev.write(lba, data);
    expect(sameBytes(await dev.read(lba, 6), data)).toBe(true);
    expect(sameBytes(await dev.read(lba + 2, 2), data.subarray(1024, 2048))).toBe(true);
    // Neighbours stay zero.
    expect((await dev.read(lba - 1, 1)).every((b) => b === 0)).toBe(true);
    expect((await dev.read(lba + 6, 1)).every((b) => b === 0)).toBe(true);
    expect(dev.allocatedChunks()).toEqual([0, 1]);
  });

  it('is durable only after flush: a reopened store sees flushed data and not the rest', async () => {
    const { store, dev } = await device();
    await dev.write(10, pattern(2, 512));
    await dev.flush();
    await dev.write(SPC * 5, pattern(3, 512)); // not flushed
    const again = await BlockDevice.open(store.reopen());
    expect(again.created).toBe(false);
    expect(sameBytes(await again.read(10, 1), pattern(2, 512))).toBe(true);
    expect((await again.read(SPC * 5, 1)).every((b) => b === 0)).toBe(true);
  });

  it('keeps its size and chunk size from the store, whatever a reopen asks for', async () => {
    const { store } = await device(new MemoryChunkStore(), { sizeBytes: 1 << 30 });
    const again = await BlockDevice.open(store.reopen(), {
      sizeBytes: 5 << 30,
      chunkSize: 1 << 20,
    });
    expect(again.sizeBytes).toBe(1 << 30);
    expect(again.chunkSize).toBe(CS);
  });

  it('drops chunks that became all zeros, and writeZeroes frees whole chunks without reading them', async () => {
    const { store, dev } = await device();
    await dev.write(0, pattern(4, CS * 3));
    await dev.flush();
    expect(await store.listChunks()).toEqual([0, 1, 2]);
    await dev.write(SPC, new Uint8Array(CS)); // chunk 1 overwritten with zeros
    await dev.writeZeroes(2 * SPC, SPC); // chunk 2 discarded
    await dev.writeZeroes(0, 1); // one sector of chunk 0: chunk 0 stays
    await dev.flush();
    expect(await store.listChunks()).toEqual([0]);
    const c0 = await dev.read(0, SPC);
    expect(c0.subarray(0, 512).every((b) => b === 0)).toBe(true);
    expect(sameBytes(c0.subarray(512), pattern(4, CS * 3).subarray(512, CS))).toBe(true);
  });

  it.each([
    ['a read past the end', (d: BlockDevice) => d.read(d.sectors - 1, 2)],
    ['a write past the end', (d: BlockDevice) => d.write(d.sectors, new Uint8Array(512))],
    ['a negative LBA', (d: BlockDevice) => d.read(-1, 1)],
    ['a write of part of a sector', (d: BlockDevice) => d.write(0, new Uint8Array(100))],
  ])('refuses %s with out-of-range and changes nothing', async (_w, op) => {
    const { store, dev } = await device(new MemoryChunkStore(), { sizeBytes: 4 * CS });
    expect(await code(op(dev))).toBe('out-of-range');
    await dev.flush();
    expect(await store.listChunks()).toEqual([]);
  });

  it('reports a full store as quota, keeps flushed data, and retries the rest once there is room', async () => {
    const store = new MemoryChunkStore({ quotaBytes: 2 * CS });
    const { dev } = await device(store);
    await dev.write(0, pattern(5, CS));
    await dev.flush();
    await dev.write(SPC, pattern(6, CS));
    await dev.write(2 * SPC, pattern(7, CS)); // three chunks do not fit
    const err = await dev.flush().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect((err as StorageError).code).toBe('quota');
    expect((err as StorageError).message).toMatch(/quota/);
    // Nothing flushed was lost, nothing half-written went in.
    const seen = await BlockDevice.open(store.reopen());
    expect(sameBytes(await seen.read(0, SPC), pattern(5, CS))).toBe(true);
    expect(await store.listChunks()).toEqual([0]);
    // The unflushed data is still there for the guest, and a later flush can succeed.
    expect(sameBytes(await dev.read(2 * SPC, SPC), pattern(7, CS))).toBe(true);
    expect(dev.dirtyChunks).toBe(2);
    store.quotaBytes = 4 * CS;
    await dev.flush();
    expect(await store.listChunks()).toEqual([0, 1, 2]);
  });

  it('evicts clean chunks from a small cache and reloads them from the store', async () => {
    const { store, dev } = await device(new MemoryChunkStore(), { cacheBytes: 2 * CS });
    for (let i = 0; i < 10; i++) await dev.write(i * SPC, pattern(100 + i, CS));
    await dev.flush();
    for (let i = 9; i >= 0; i--)
      expect(sameBytes(await dev.read(i * SPC, SPC), pattern(100 + i, CS))).toBe(true);
    expect(dev.stats.chunkLoads).toBeGreaterThanOrEqual(8);
    expect(await store.listChunks()).toHaveLength(10);
  });

  it('writes back on its own when the dirty limit is reached', async () => {
    const { store, dev } = await device(new MemoryChunkStore(), { dirtyLimitBytes: 4 * CS });
    for (let i = 0; i < 9; i++) await dev.write(i * SPC, pattern(i, CS));
    expect(store.commits).toBeGreaterThanOrEqual(2);
    expect(dev.dirtyChunks).toBeLessThan(4);
  });

  it('keeps concurrent writes to different places, partial writes of evicted chunks included', async () => {
    const store = new MemoryChunkStore();
    const { dev } = await device(store, { cacheBytes: CS });
    await dev.write(0, pattern(50, 8 * CS));
    await dev.flush();
    const second = store.reopen();
    const other = await BlockDevice.open(second, { cacheBytes: CS });
    const expected = pattern(50, 8 * CS);
    const ops: Promise<void>[] = [];
    for (let i = 0; i < 8; i++) {
      const lba = i * SPC + 7;
      const d = pattern(200 + i, 512 * 3);
      expected.set(d, lba * 512);
      ops.push(other.write(lba, d));
    }
    await Promise.all(ops);
    expect(sameBytes(await other.read(0, 8 * SPC), expected)).toBe(true);
    await other.flush();
    const third = await BlockDevice.open(second.reopen());
    expect(sameBytes(await third.read(0, 8 * SPC), expected)).toBe(true);
  });

  it('exports sparsely: holes for unwritten chunks, data where written, the full size in total', async () => {
    const { dev } = await device(new MemoryChunkStore(), { sizeBytes: 16 * CS });
    await dev.write(3 * SPC + 1, pattern(8, 512));
    await dev.write(9 * SPC, pattern(9, CS));
    await dev.flush();
    const pieces = [];
    for await (const p of exportImage(dev)) pieces.push(p);
    expect(pieces.map((p) => [p.offset / CS, p.length / CS, p.data !== null])).toEqual([
      [0, 3, false],
      [3, 1, true],
      [4, 5, false],
      [9, 1, true],
      [10, 6, false],
    ]);
    expect(pieces[1]?.data?.subarray(512, 1024)).toEqual(pattern(8, 512));
    // A range export (a partition) starts at its own offset 0.
    const part = [];
    for await (const p of exportImage(dev, { start: 9 * SPC, sectors: 2 * SPC })) part.push(p);
    expect(part.map((p) => [p.offset, p.length, p.data !== null])).toEqual([
      [0, CS, true],
      [CS, CS, false],
    ]);
  });
});
