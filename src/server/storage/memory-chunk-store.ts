import type { ChunkStore, ChunkWrite, StoreMeta } from './chunk-store';
import { StorageError } from './storage-error';

export interface MemoryChunkStoreOptions {
  /** Refuse batches that would make the stored chunks exceed this many bytes (to test quota handling). */
  quotaBytes?: number;
}

/**
 * Chunks in a Map: the backend for tests, Node benchmarks and ephemeral
 * widgets. Batches are all-or-nothing, like an IndexedDB transaction, and
 * the stored bytes are copies, so callers may reuse their buffers.
 */
export class MemoryChunkStore implements ChunkStore {
  readonly description = 'memory';
  private readonly chunks = new Map<number, Uint8Array>();
  private meta: StoreMeta | null = null;
  private closed = false;
  /** Batches committed (each one a "durable" point). */
  commits = 0;
  /** See MemoryChunkStoreOptions; may be changed at any time (tests "free space" this way). */
  quotaBytes: number | undefined;

  constructor(opts: MemoryChunkStoreOptions = {}) {
    this.quotaBytes = opts.quotaBytes;
  }

  private check(): void {
    if (this.closed) throw new StorageError('closed', 'memory chunk store is closed');
  }

  async readMeta(): Promise<StoreMeta | null> {
    this.check();
    return this.meta;
  }

  async writeMeta(meta: StoreMeta): Promise<void> {
    this.check();
    this.meta = { ...meta };
  }

  async readChunk(index: number): Promise<Uint8Array | null> {
    this.check();
    return this.chunks.get(index)?.slice() ?? null;
  }

  async writeChunks(batch: readonly ChunkWrite[]): Promise<void> {
    this.check();
    if (this.quotaBytes !== undefined) {
      const after = new Map<number, number>();
      for (const [i, c] of this.chunks) after.set(i, c.length);
      for (const w of batch) {
        if (w.data) after.set(w.index, w.data.length);
        else after.delete(w.index);
      }
      let total = 0;
      for (const n of after.values()) total += n;
      if (total > this.quotaBytes)
        throw new StorageError(
          'quota',
          `memory store quota of ${this.quotaBytes} bytes exceeded (${total} needed)`,
        );
    }
    for (const w of batch) {
      if (w.data) this.chunks.set(w.index, w.data.slice());
      else this.chunks.delete(w.index);
    }
    this.commits++;
  }

  async listChunks(): Promise<number[]> {
    this.check();
    return [...this.chunks.keys()].sort((a, b) => a - b);
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  /** Bytes held (what a real backend would take on disk). */
  get storedBytes(): number {
    let n = 0;
    for (const c of this.chunks.values()) n += c.length;
    return n;
  }

  /** A second handle on the same chunks, as a reopened tab would get (tests). */
  reopen(): MemoryChunkStore {
    const other = new MemoryChunkStore(
      this.quotaBytes !== undefined ? { quotaBytes: this.quotaBytes } : {},
    );
    for (const [i, c] of this.chunks) other.chunks.set(i, c);
    other.meta = this.meta;
    return other;
  }
}
