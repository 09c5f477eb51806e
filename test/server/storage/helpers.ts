import { parseDiskSpec, type DiskSpec } from '../../../src/server/config/disk-spec';
import { HostDisk } from '../../../src/server/storage/host-disk';
import { MemoryChunkStore } from '../../../src/server/storage/memory-chunk-store';

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;

/** A small host disk (1 GiB, 64 KiB chunks) with partitions a, b, c of 64 MiB each. */
export async function smallHostDisk(
  store = new MemoryChunkStore(),
): Promise<{ store: MemoryChunkStore; disk: HostDisk }> {
  const disk = await HostDisk.open(store, {
    sizeBytes: GiB,
    chunkSize: 64 * 1024,
    seed: [
      { name: 'a', sizeBytes: 64 * MiB },
      { name: 'b', sizeBytes: 64 * MiB },
      { name: 'c', sizeBytes: 64 * MiB },
    ],
  });
  return { store, disk };
}

export function disk(spec: string): DiskSpec {
  const r = parseDiskSpec(spec);
  if (!r.ok) throw new Error(r.error);
  return r.disk;
}
