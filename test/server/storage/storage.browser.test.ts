import { describe, expect, it } from 'vitest';
import { IdbChunkStore } from '../../../src/server/storage/idb-chunk-store';
import { OpfsChunkStore } from '../../../src/server/storage/opfs-chunk-store';
import { StorageError } from '../../../src/server/storage/storage-error';
import { runContract } from './chunk-store-contract';
import type { Backend, WorkerReply, WorkerRequest } from './storage.worker';

/** Each call runs in a fresh Worker, terminated afterwards: a later call sees only what was stored. */
function inWorker(req: WorkerRequest): Promise<WorkerReply> {
  const worker = new Worker(new URL('./storage.worker.ts', import.meta.url), { type: 'module' });
  return new Promise((resolve, reject) => {
    worker.onmessage = (e: MessageEvent<WorkerReply>) => {
      worker.terminate();
      resolve(e.data);
    };
    worker.onerror = (e) => {
      worker.terminate();
      reject(new Error(e.message));
    };
    worker.postMessage(req);
  });
}

describe.each<[Backend, string]>([
  ['opfs', 'OPFS (sync access handles, in a Worker)'],
  ['idb', 'IndexedDB (in a Worker)'],
])('%s backend in real Chromium: %s', (backend) => {
  it('keeps the ChunkStore contract', async () => {
    const r = await inWorker({ action: 'contract', backend, name: `contract-${backend}` });
    expect(r.failures).toEqual([]);
  });

  it('writes a host disk in one worker; a second worker, opened afterwards, reads it back', async () => {
    const name = `reload-${backend}`;
    const w = await inWorker({ action: 'write', backend, name });
    expect(w.failures).toEqual([]);
    const r = await inWorker({ action: 'verify', backend, name });
    expect(r.failures).toEqual([]);
    expect(r.detail).toEqual({
      firstBoot: false,
      guid: w.detail?.guid,
      partitions: ['sprout-hvm', 'sprout-pv', 'sprout-hvm2'],
      // Chunk 0 (GPT and half the boundary write), chunk 1, two far-out chunks, the backup GPT's.
      stored: 5,
    });
  });
});

describe('OPFS with few open handles', () => {
  it('flushes handles it has to close in the middle of a batch', async () => {
    const r = await inWorker({
      action: 'contract',
      backend: 'opfs',
      name: 'contract-lru',
      maxOpenHandles: 1,
    });
    expect(r.failures).toEqual([]);
  });
});

describe('in the page (main thread)', () => {
  it('IndexedDB keeps the contract here too', async () => {
    const open: IdbChunkStore[] = [];
    const failures = await runContract({
      async create() {
        await open.at(-1)?.close();
        await IdbChunkStore.destroy('page-contract');
        open.push(await IdbChunkStore.open('page-contract'));
        return open.at(-1) as IdbChunkStore;
      },
      async reopen() {
        await open.at(-1)?.close();
        open.push(await IdbChunkStore.open('page-contract'));
        return open.at(-1) as IdbChunkStore;
      },
    });
    await open.at(-1)?.close();
    expect(failures).toEqual([]);
  });

  it('refuses OPFS outside a dedicated worker with a clear error', async () => {
    expect(OpfsChunkStore.isSupported()).toBe(false);
    const err = await OpfsChunkStore.open('nope').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect((err as StorageError).code).toBe('unsupported');
    expect((err as Error).message).toMatch(/dedicated worker/);
  });
});
