/**
 * Where the host disk's chunks live. A backend stores fixed-size chunks by
 * index (a chunk that was never stored reads as zeros) and one small record
 * of metadata. `writeChunks` is the durability point: when its promise
 * resolves, every chunk of the batch is on stable storage (OPFS flushed,
 * the IndexedDB transaction committed, the file fsynced); when it rejects,
 * chunks that were durable before the call still read as they did.
 */

/** The disk's shape, stored beside its chunks so a reopened disk keeps its size. */
export interface StoreMeta {
  readonly format: typeof STORE_FORMAT;
  readonly version: 1;
  /** Logical size in bytes (a multiple of 512). */
  readonly sizeBytes: number;
  /** Bytes per chunk (a power of two, ≥ 4 KiB). */
  readonly chunkSize: number;
}

export const STORE_FORMAT = 'tabvisor-sparse-disk';

/** One element of a batch: new contents, or null to drop the chunk (it reads as zeros again). */
export interface ChunkWrite {
  readonly index: number;
  readonly data: Uint8Array | null;
}

export interface ChunkStore {
  /** "memory", "OPFS tabvisor-disk-host", "IndexedDB …", "file /path" — for xl info and the log. */
  readonly description: string;
  readMeta(): Promise<StoreMeta | null>;
  /** Durable when the promise resolves. */
  writeMeta(meta: StoreMeta): Promise<void>;
  /** The chunk's bytes (exactly chunkSize), or null if it was never stored. */
  readChunk(index: number): Promise<Uint8Array | null>;
  /** Stores a batch durably; see the file comment for the failure contract. */
  writeChunks(batch: readonly ChunkWrite[]): Promise<void>;
  /** Indices of stored chunks, ascending. */
  listChunks(): Promise<number[]>;
  /** Releases handles; later calls fail. */
  close(): Promise<void>;
}

export function validateMeta(meta: StoreMeta): void {
  const { sizeBytes, chunkSize } = meta;
  if (!Number.isSafeInteger(chunkSize) || chunkSize < 4096 || (chunkSize & (chunkSize - 1)) !== 0)
    throw new RangeError(`chunk size ${chunkSize} is not a power of two ≥ 4096`);
  if (!Number.isSafeInteger(sizeBytes) || sizeBytes <= 0 || sizeBytes % 512 !== 0)
    throw new RangeError(`disk size ${sizeBytes} is not a positive multiple of 512 bytes`);
}

export function chunkCount(meta: Pick<StoreMeta, 'sizeBytes' | 'chunkSize'>): number {
  return Math.ceil(meta.sizeBytes / meta.chunkSize);
}
