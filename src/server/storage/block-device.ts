import {
  STORE_FORMAT,
  chunkCount,
  validateMeta,
  type ChunkStore,
  type ChunkWrite,
  type StoreMeta,
} from './chunk-store';
import { SECTOR_SIZE, checkRange, checkWholeSectors, type SectorDevice } from './sector-device';
import { StorageError, toStorageError } from './storage-error';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/** The host disk's default logical size: 500 GiB, nearly all of it holes. */
export const DEFAULT_DISK_BYTES = 500 * GiB;
export const DEFAULT_CHUNK_SIZE = MiB;

export interface BlockDeviceOptions {
  /** Logical size of a new device (ignored when the store already holds one). Default 500 GiB. */
  sizeBytes?: number;
  /** Chunk size of a new device. Default 1 MiB. */
  chunkSize?: number;
  /** Clean chunks kept in memory. Default 32 MiB. */
  cacheBytes?: number;
  /** Dirty bytes that trigger a write-back before the next write returns. Default 64 MiB. */
  dirtyLimitBytes?: number;
}

export interface BlockDeviceStats {
  reads: number;
  writes: number;
  bytesRead: number;
  bytesWritten: number;
  flushes: number;
  /** Chunks handed to the store (written or dropped) by flushes. */
  chunksFlushed: number;
  /** Chunk loads from the store (cache misses). */
  chunkLoads: number;
}

interface Entry {
  /** The chunk's bytes, or null for all zeros. */
  data: Uint8Array | null;
  dirty: boolean;
  /** Flushes writing this entry right now; it must stay cached until they finish. */
  inFlight: number;
}

/**
 * A sparse block device over a ChunkStore: any logical size, cut into
 * fixed-size chunks; a chunk never written reads as zeros and costs
 * nothing. Writes land in a write-back cache of whole chunks; `flush`
 * resolves only when the store has made every chunk dirty at the time of
 * the call durable, and an all-zero chunk is dropped from the store
 * rather than written. If the store fails (quota), the flush rejects, the
 * chunks stay dirty in the cache for a retry, and what was flushed before
 * is untouched.
 */
export class BlockDevice implements SectorDevice {
  readonly sizeBytes: number;
  readonly chunkSize: number;
  readonly sectors: number;
  readonly stats: BlockDeviceStats = {
    reads: 0,
    writes: 0,
    bytesRead: 0,
    bytesWritten: 0,
    flushes: 0,
    chunksFlushed: 0,
    chunkLoads: 0,
  };

  private readonly cache = new Map<number, Entry>();
  private readonly loading = new Map<number, Promise<Entry>>();
  /** Chunks a write is filling in: never evicted meanwhile. */
  private readonly pins = new Map<number, number>();
  private dirtyCount = 0;
  private readonly maxClean: number;
  private readonly dirtyLimit: number;
  private flushTail: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor(
    readonly store: ChunkStore,
    meta: StoreMeta,
    /** Chunks present in the store. */
    private readonly stored: Set<number>,
    opts: BlockDeviceOptions,
    /** True when this open created the device (first boot). */
    readonly created: boolean,
  ) {
    this.sizeBytes = meta.sizeBytes;
    this.chunkSize = meta.chunkSize;
    this.sectors = meta.sizeBytes / SECTOR_SIZE;
    this.maxClean = Math.max(1, Math.floor((opts.cacheBytes ?? 32 * MiB) / this.chunkSize));
    this.dirtyLimit = Math.max(1, Math.floor((opts.dirtyLimitBytes ?? 64 * MiB) / this.chunkSize));
  }

  /** Opens the device kept in `store`, creating it (with `opts` size and chunk size) if the store is empty. */
  static async open(store: ChunkStore, opts: BlockDeviceOptions = {}): Promise<BlockDevice> {
    let meta: StoreMeta | null;
    try {
      meta = await store.readMeta();
    } catch (e) {
      throw toStorageError(e, `${store.description}: reading the disk's metadata`);
    }
    let created = false;
    if (meta) {
      if (meta.format !== STORE_FORMAT || meta.version !== 1)
        throw new StorageError('corrupt', `${store.description}: not a Tabvisor disk store`);
      validateMeta(meta);
    } else {
      meta = {
        format: STORE_FORMAT,
        version: 1,
        sizeBytes: opts.sizeBytes ?? DEFAULT_DISK_BYTES,
        chunkSize: opts.chunkSize ?? DEFAULT_CHUNK_SIZE,
      };
      validateMeta(meta);
      try {
        await store.writeMeta(meta);
      } catch (e) {
        throw toStorageError(e, `${store.description}: creating the disk`);
      }
      created = true;
    }
    let present: number[];
    try {
      present = await store.listChunks();
    } catch (e) {
      throw toStorageError(e, `${store.description}: listing chunks`);
    }
    const limit = chunkCount(meta);
    return new BlockDevice(
      store,
      meta,
      new Set(present.filter((i) => i >= 0 && i < limit)),
      opts,
      created,
    );
  }

  get description(): string {
    return this.store.description;
  }

  private checkOpen(): void {
    if (this.closed)
      throw new StorageError('closed', `${this.store.description}: device is closed`);
  }

  /** Chunks touched by bytes [from, to): [index, start-in-chunk, end-in-chunk, offset-in-range]. */
  private *spans(from: number, to: number): Generator<[number, number, number, number]> {
    const cs = this.chunkSize;
    for (let i = Math.floor(from / cs); i * cs < to; i++) {
      const base = i * cs;
      const a = Math.max(from, base);
      const b = Math.min(to, base + cs);
      yield [i, a - base, b - base, a - from];
    }
  }

  async read(lba: number, count: number): Promise<Uint8Array> {
    this.checkOpen();
    checkRange(this, lba, count);
    const from = lba * SECTOR_SIZE;
    const out = new Uint8Array(count * SECTOR_SIZE);
    const waits: Promise<void>[] = [];
    for (const [i, a, b, at] of this.spans(from, from + out.length)) {
      const e = this.cache.get(i);
      if (e) {
        this.touch(i, e);
        if (e.data) out.set(e.data.subarray(a, b), at);
      } else if (this.stored.has(i)) {
        waits.push(
          this.load(i).then((le) => {
            if (le.data) out.set(le.data.subarray(a, b), at);
          }),
        );
      }
      // Otherwise a hole: the zeros are already there.
    }
    await Promise.all(waits);
    this.stats.reads++;
    this.stats.bytesRead += out.length;
    return out;
  }

  async write(lba: number, data: Uint8Array): Promise<void> {
    this.checkOpen();
    const count = checkWholeSectors(data);
    checkRange(this, lba, count);
    if (count === 0) return;
    const from = lba * SECTOR_SIZE;
    const spans = [...this.spans(from, from + data.length)];
    for (const [i] of spans) this.pins.set(i, (this.pins.get(i) ?? 0) + 1);
    try {
      await Promise.all(
        spans
          .filter(([i, a, b]) => !this.isFull(a, b) && !this.cache.has(i) && this.stored.has(i))
          .map(([i]) => this.load(i)),
      );
      this.checkOpen();
      // Everything needed is cached and pinned: apply the whole write at once.
      for (const [i, a, b, at] of spans) {
        let e = this.cache.get(i);
        if (!e) {
          e = { data: null, dirty: false, inFlight: 0 };
          this.cache.set(i, e);
        }
        if (!e.data) e.data = new Uint8Array(this.chunkSize);
        e.data.set(data.subarray(at, at + (b - a)), a);
        this.markDirty(e);
      }
    } finally {
      for (const [i] of spans) {
        const n = (this.pins.get(i) ?? 1) - 1;
        if (n <= 0) this.pins.delete(i);
        else this.pins.set(i, n);
      }
    }
    this.stats.writes++;
    this.stats.bytesWritten += data.length;
    this.evict();
    if (this.dirtyCount >= this.dirtyLimit) await this.flush();
  }

  async writeZeroes(lba: number, count: number): Promise<void> {
    this.checkOpen();
    checkRange(this, lba, count);
    const from = lba * SECTOR_SIZE;
    const partial: Promise<void>[] = [];
    for (const [i, a, b] of this.spans(from, from + count * SECTOR_SIZE)) {
      if (!this.isFull(a, b)) {
        partial.push(this.write((i * this.chunkSize + a) / SECTOR_SIZE, new Uint8Array(b - a)));
        continue;
      }
      const e = this.cache.get(i);
      if (e) {
        e.data = null;
        this.markDirty(e);
      } else if (this.stored.has(i)) {
        const z: Entry = { data: null, dirty: false, inFlight: 0 };
        this.cache.set(i, z);
        this.markDirty(z);
      }
    }
    await Promise.all(partial);
    if (this.dirtyCount >= this.dirtyLimit) await this.flush();
  }

  /** Writes every dirty chunk to the store; resolves when they are durable. */
  flush(): Promise<void> {
    const run = this.flushTail.then(() => this.flushNow());
    this.flushTail = run.catch(() => undefined);
    return run;
  }

  private async flushNow(): Promise<void> {
    this.checkOpen();
    const batch: ChunkWrite[] = [];
    const held: Entry[] = [];
    for (const [i, e] of this.cache) {
      if (!e.dirty) continue;
      const data = e.data && !isAllZero(e.data) ? e.data.slice() : null;
      e.dirty = false;
      this.dirtyCount--;
      if (data === null && !this.stored.has(i)) continue; // a hole that stays a hole
      batch.push({ index: i, data });
      held.push(e);
      e.inFlight++;
    }
    this.stats.flushes++;
    if (batch.length === 0) return;
    try {
      await this.store.writeChunks(batch);
      for (const w of batch) {
        if (w.data) this.stored.add(w.index);
        else this.stored.delete(w.index);
      }
      this.stats.chunksFlushed += batch.length;
    } catch (e) {
      // Keep the data for a retry; the store kept what it had.
      for (const entry of held) this.markDirty(entry);
      throw toStorageError(e, `${this.store.description}: flush of ${batch.length} chunk(s)`);
    } finally {
      for (const entry of held) entry.inFlight--;
      this.evict();
    }
  }

  /** Flushes, then releases the store. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    await this.store.close();
  }

  /** Is chunk `index` backed by data (stored or written since)? Holes are not. */
  isAllocated(index: number): boolean {
    const e = this.cache.get(index);
    if (e) return e.data !== null || (e.dirty === false && this.stored.has(index));
    return this.stored.has(index);
  }

  /** Allocated chunk indices, ascending. */
  allocatedChunks(): number[] {
    const all = new Set(this.stored);
    for (const [i, e] of this.cache) {
      if (e.data) all.add(i);
      else if (e.dirty) all.delete(i);
    }
    return [...all].sort((a, b) => a - b);
  }

  /** Chunks that are durable in the store. */
  get storedChunkCount(): number {
    return this.stored.size;
  }

  /** Chunks written since the last completed flush. */
  get dirtyChunks(): number {
    return this.dirtyCount;
  }

  private isFull(a: number, b: number): boolean {
    return a === 0 && b === this.chunkSize;
  }

  private markDirty(e: Entry): void {
    if (!e.dirty) {
      e.dirty = true;
      this.dirtyCount++;
    }
  }

  private touch(i: number, e: Entry): void {
    this.cache.delete(i);
    this.cache.set(i, e);
  }

  private load(i: number): Promise<Entry> {
    const pending = this.loading.get(i);
    if (pending) return pending;
    const p = (async (): Promise<Entry> => {
      let data: Uint8Array | null;
      try {
        data = await this.store.readChunk(i);
      } catch (e) {
        throw toStorageError(e, `${this.store.description}: reading chunk ${i}`);
      }
      this.stats.chunkLoads++;
      // A write of the whole chunk may have got there first; it is newer.
      const existing = this.cache.get(i);
      if (existing) return existing;
      if (data && data.length !== this.chunkSize) {
        const fixed = new Uint8Array(this.chunkSize);
        fixed.set(data.subarray(0, this.chunkSize));
        data = fixed;
      }
      const e: Entry = { data, dirty: false, inFlight: 0 };
      this.cache.set(i, e);
      this.evict();
      return e;
    })();
    this.loading.set(i, p);
    void p.then(
      () => this.loading.delete(i),
      () => this.loading.delete(i),
    );
    return p;
  }

  /** Drops the least recently used clean chunks beyond the cache budget. */
  private evict(): void {
    let excess = this.cache.size - this.dirtyCount - this.maxClean;
    if (excess <= 0) return;
    for (const [i, e] of this.cache) {
      if (excess <= 0) break;
      if (e.dirty || e.inFlight > 0 || this.pins.has(i)) continue;
      this.cache.delete(i);
      excess--;
    }
  }
}

/** True if every byte is zero (word-at-a-time where the buffer allows). */
export function isAllZero(b: Uint8Array): boolean {
  let i = 0;
  if (b.byteOffset % 4 === 0) {
    const words = new Uint32Array(b.buffer, b.byteOffset, b.length >>> 2);
    for (let w = 0; w < words.length; w++) if (words[w] !== 0) return false;
    i = words.length * 4;
  }
  for (; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}
