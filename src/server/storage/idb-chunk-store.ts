import type { ChunkStore, ChunkWrite, StoreMeta } from './chunk-store';
import { StorageError, toStorageError } from './storage-error';

/**
 * Chunks as IndexedDB records (key: chunk index, value: the bytes), in a
 * database per disk. A flush is one readwrite transaction with strict
 * durability: it commits all of its chunks or none, and the commit is on
 * disk when the promise resolves (Chromium's default, "relaxed", may lose
 * the last commits if the machine — not just the tab — goes down).
 * Works in a page and in a worker.
 */

const CHUNKS = 'chunks';
const META = 'meta';
const META_KEY = 'disk';

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error ?? new Error('IndexedDB request failed'));
  });
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onabort = () => reject(tx.error ?? new DOMException('transaction aborted', 'AbortError'));
    tx.onerror = () => {
      // The abort that follows carries the same error; wait for it.
    };
  });
}

export class IdbChunkStore implements ChunkStore {
  readonly description: string;
  private closed = false;

  private constructor(
    private readonly db: IDBDatabase,
    readonly name: string,
  ) {
    this.description = `IndexedDB ${name}`;
    db.onversionchange = () => db.close();
  }

  static isSupported(): boolean {
    return typeof indexedDB !== 'undefined';
  }

  static async open(name: string): Promise<IdbChunkStore> {
    if (!IdbChunkStore.isSupported())
      throw new StorageError('unsupported', 'IndexedDB is not available here');
    const req = indexedDB.open(name, 1);
    req.onupgradeneeded = () => {
      const db = req.result;
      if (!db.objectStoreNames.contains(CHUNKS)) db.createObjectStore(CHUNKS);
      if (!db.objectStoreNames.contains(META)) db.createObjectStore(META);
    };
    try {
      return new IdbChunkStore(await request(req), name);
    } catch (e) {
      throw toStorageError(e, `IndexedDB ${name}`);
    }
  }

  /** Deletes the database `name`. */
  static async destroy(name: string): Promise<void> {
    await request(indexedDB.deleteDatabase(name) as unknown as IDBRequest<unknown>);
  }

  private check(): void {
    if (this.closed) throw new StorageError('closed', `${this.description} is closed`);
  }

  private tx(stores: string[], mode: IDBTransactionMode): IDBTransaction {
    return mode === 'readwrite'
      ? this.db.transaction(stores, mode, { durability: 'strict' })
      : this.db.transaction(stores, mode);
  }

  async readMeta(): Promise<StoreMeta | null> {
    this.check();
    try {
      const v = await request(this.tx([META], 'readonly').objectStore(META).get(META_KEY));
      return (v as StoreMeta | undefined) ?? null;
    } catch (e) {
      throw toStorageError(e, `${this.description}: reading metadata`);
    }
  }

  async writeMeta(meta: StoreMeta): Promise<void> {
    this.check();
    try {
      const tx = this.tx([META], 'readwrite');
      tx.objectStore(META).put({ ...meta }, META_KEY);
      await done(tx);
    } catch (e) {
      throw toStorageError(e, `${this.description}: writing metadata`);
    }
  }

  async readChunk(index: number): Promise<Uint8Array | null> {
    this.check();
    try {
      const v = await request(this.tx([CHUNKS], 'readonly').objectStore(CHUNKS).get(index));
      if (v === undefined) return null;
      return v instanceof Uint8Array ? v : new Uint8Array(v as ArrayBuffer);
    } catch (e) {
      throw toStorageError(e, `${this.description}: reading chunk ${index}`);
    }
  }

  async writeChunks(batch: readonly ChunkWrite[]): Promise<void> {
    this.check();
    try {
      const tx = this.tx([CHUNKS], 'readwrite');
      const store = tx.objectStore(CHUNKS);
      // put() clones the value now, so the caller's buffer may change after this loop.
      for (const w of batch) {
        if (w.data) store.put(w.data, w.index);
        else store.delete(w.index);
      }
      await done(tx);
    } catch (e) {
      throw toStorageError(e, `${this.description}: committing ${batch.length} chunk(s)`);
    }
  }

  async listChunks(): Promise<number[]> {
    this.check();
    try {
      const keys = await request(this.tx([CHUNKS], 'readonly').objectStore(CHUNKS).getAllKeys());
      return keys.map(Number).sort((a, b) => a - b);
    } catch (e) {
      throw toStorageError(e, `${this.description}: listing chunks`);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }
}
