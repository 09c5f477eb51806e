/**
 * The host-disk data the disk map and the I/O path view show, as the worker
 * API reports it (the VM server's Storage: HostDisk partitions with their
 * owners, and the DiskIoMonitor's trace of guest disk requests).
 */
import type { DiskRequestView, HostDiskView } from '../worker/api.ts';

export type { DiskRequestView, HostDiskView, PartitionView } from '../worker/api.ts';

/** The storage calls the views make. */
export interface StorageApi {
  hostDisk(): Promise<HostDiskView>;
  diskTrace(filter?: {
    domain?: string;
    afterSeq?: number;
    limit?: number;
  }): Promise<DiskRequestView[]>;
}
