// Runs the storage backends inside a real dedicated Worker (OPFS sync access
// handles exist only there); driven by storage.browser.test.ts.
import { BlockDevice } from '../../../src/server/storage/block-device';
import type { ChunkStore } from '../../../src/server/storage/chunk-store';
import { HostDisk } from '../../../src/server/storage/host-disk';
import { IdbChunkStore } from '../../../src/server/storage/idb-chunk-store';
import { OpfsChunkStore } from '../../../src/server/storage/opfs-chunk-store';
import { pattern, runContract } from './chunk-store-contract';

export type Backend = 'opfs' | 'idb';

export type WorkerRequest =
  | { action: 'contract'; backend: Backend; name: string; maxOpenHandles?: number }
  | { action: 'write'; backend: Backend; name: string }
  | { action: 'verify'; backend: Backend; name: string };

export interface WorkerReply {
  ok: boolean;
  failures: string[];
  detail?: Record<string, unknown>;
}

async function open(backend: Backend, name: string, maxOpenHandles?: number): Promise<ChunkStore> {
  return backend === 'opfs'
    ? OpfsChunkStore.open(name, maxOpenHandles !== undefined ? { maxOpenHandles } : {})
    : IdbChunkStore.open(name);
}

async function destroy(backend: Backend, name: string): Promise<void> {
  if (backend === 'opfs') await OpfsChunkStore.destroy(name);
  else await IdbChunkStore.destroy(name);
}

/** Writes that span a chunk boundary (1 MiB chunks: sector 2048) and land far out on a 500 GiB disk. */
const WRITES: [number, number][] = [
  [2040, 16],
  [3_000_000, 8],
  [900_000_000, 1],
];

async function handle(req: WorkerRequest): Promise<WorkerReply> {
  const { backend, name } = req;
  if (req.action === 'contract') {
    let current: ChunkStore | null = null;
    const failures = await runContract({
      async create() {
        if (current) await current.close();
        await destroy(backend, name);
        current = await open(backend, name, req.maxOpenHandles);
        return current;
      },
      async reopen() {
        if (current) await current.close();
        current = await open(backend, name, req.maxOpenHandles);
        return current;
      },
    });
    if (current) await (current as ChunkStore).close();
    return { ok: failures.length === 0, failures };
  }
  if (req.action === 'write') {
    await destroy(backend, name);
    const disk = await HostDisk.open(await open(backend, name));
    for (const [lba, n] of WRITES) await disk.device.write(lba, pattern(lba, n * 512));
    await disk.flush();
    await disk.close();
    return { ok: true, failures: [], detail: { guid: disk.layout.diskGuid } };
  }
  const store = await open(backend, name);
  const dev = await BlockDevice.open(store);
  const failures: string[] = [];
  for (const [lba, n] of WRITES) {
    const got = await dev.read(lba, n);
    const want = pattern(lba, n * 512);
    if (got.some((b, i) => b !== want[i])) failures.push(`sectors ${lba}+${n} differ`);
  }
  await dev.close();
  const disk = await HostDisk.open(await open(backend, name));
  const detail = {
    firstBoot: disk.firstBoot,
    guid: disk.layout.diskGuid,
    partitions: disk.partitions().map((p) => p.name),
    stored: (await disk.device.store.listChunks()).length,
  };
  await disk.close();
  return { ok: failures.length === 0, failures, detail };
}

self.onmessage = (event: MessageEvent<WorkerRequest>) => {
  handle(event.data).then(
    (r) => self.postMessage(r),
    (e: unknown) =>
      self.postMessage({
        ok: false,
        failures: [e instanceof Error ? `${e.name}: ${e.message}` : String(e)],
      }),
  );
};
