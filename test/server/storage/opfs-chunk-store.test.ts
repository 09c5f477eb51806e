/**
 * OpfsChunkStore's handling of a full OPFS, which real Chromium will not
 * produce on demand: the store runs here on a directory twin whose sync
 * access handles write short once a byte budget is spent — exactly how a
 * full (or in-memory, private-mode) OPFS behaves: write() returns less and
 * throws nothing. The real-browser behaviour is in storage.browser.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { BlockDevice } from '../../../src/server/storage/block-device';
import {
  OpfsChunkStore,
  type DirHandle,
  type FileHandle,
  type SyncHandle,
} from '../../../src/server/storage/opfs-chunk-store';
import { StorageError } from '../../../src/server/storage/storage-error';
import { sameBytes } from './bytes';
import { pattern } from './chunk-store-contract';

class FakeDir implements DirHandle {
  readonly files = new Map<string, Uint8Array>();
  /** Bytes that may still be added before writes come up short. */
  budget = Infinity;

  private used(): number {
    let n = 0;
    for (const f of this.files.values()) n += f.length;
    return n;
  }

  async getDirectoryHandle(): Promise<DirHandle> {
    return this;
  }

  async getFileHandle(name: string, options?: { create?: boolean }): Promise<FileHandle> {
    if (!this.files.has(name)) {
      if (!options?.create)
        throw Object.assign(new Error(`${name} not found`), { name: 'NotFoundError' });
      this.files.set(name, new Uint8Array(0));
    }
    return {
      createSyncAccessHandle: async (): Promise<SyncHandle> => {
        let closed = false;
        const file = () => {
          if (closed) throw Object.assign(new Error('closed'), { name: 'InvalidStateError' });
          return this.files.get(name) as Uint8Array;
        };
        return {
          read: (buf, o) => {
            const f = file();
            const at = o?.at ?? 0;
            const n = Math.max(0, Math.min(buf.length, f.length - at));
            buf.set(f.subarray(at, at + n));
            return n;
          },
          write: (buf, o) => {
            const f = file();
            const at = o?.at ?? 0;
            const growth = Math.max(0, at + buf.length - f.length);
            const room = this.budget - (this.used() - 0);
            const n = growth <= room ? buf.length : Math.max(0, f.length + Math.floor(room) - at);
            const next = new Uint8Array(Math.max(f.length, at + n));
            next.set(f);
            next.set(buf.subarray(0, n), at);
            this.files.set(name, next);
            return n;
          },
          truncate: (size) => {
            const f = file();
            const next = new Uint8Array(size);
            next.set(f.subarray(0, size));
            this.files.set(name, next);
          },
          getSize: () => file().length,
          flush: () => void file(),
          close: () => {
            closed = true;
          },
        };
      },
    };
  }

  async removeEntry(name: string): Promise<void> {
    if (!this.files.delete(name))
      throw Object.assign(new Error(`${name} not found`), { name: 'NotFoundError' });
  }

  async *keys(): AsyncIterable<string> {
    yield* [...this.files.keys()];
  }
}

const CS = 64 * 1024;

describe('OpfsChunkStore on a full OPFS', () => {
  it('turns a short write into a quota error, removes the half-written chunk, keeps what was flushed', async () => {
    const dir = new FakeDir();
    const dev = await BlockDevice.open(await OpfsChunkStore.inDirectory(dir, 'disk'), {
      chunkSize: CS,
    });
    await dev.write(0, pattern(1, CS));
    await dev.flush();
    dir.budget = [...dir.files.values()].reduce((a, f) => a + f.length, 0) + CS / 2; // half a chunk left
    await dev.write(0, pattern(2, CS)); // rewrite of a stored chunk: no growth, fits
    await dev.write(CS / 512, pattern(3, CS)); // a new chunk: only half of it fits
    const err = await dev.flush().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect((err as StorageError).code).toBe('quota');
    expect((err as Error).message).toMatch(/wrote 32768 of 65536 bytes/);
    expect(dir.files.has('c1')).toBe(false); // no torn new chunk left behind
    // A fresh open sees the last durable state: chunk 1 a hole, chunk 0 rewritten or not, never torn.
    const again = await BlockDevice.open(await OpfsChunkStore.inDirectory(dir, 'disk'));
    expect((await again.read(CS / 512, CS / 512)).every((b) => b === 0)).toBe(true);
    const c0 = await again.read(0, CS / 512);
    expect(sameBytes(c0, pattern(1, CS)) || sameBytes(c0, pattern(2, CS))).toBe(true);
    // With room again, the same device finishes the job.
    dir.budget = Infinity;
    await dev.flush();
    const third = await BlockDevice.open(await OpfsChunkStore.inDirectory(dir, 'disk'));
    expect(sameBytes(await third.read(CS / 512, CS / 512), pattern(3, CS))).toBe(true);
  });

  it('flushes a handle it must close in the middle of a batch', async () => {
    const dir = new FakeDir();
    const store = await OpfsChunkStore.inDirectory(dir, 'disk', { maxOpenHandles: 1 });
    await store.writeChunks([0, 1, 2, 3].map((i) => ({ index: i, data: pattern(i, CS) })));
    const again = await OpfsChunkStore.inDirectory(dir, 'disk');
    for (const i of [0, 1, 2, 3])
      expect(sameBytes(await again.readChunk(i), pattern(i, CS))).toBe(true);
  });
});
