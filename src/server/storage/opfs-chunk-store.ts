import type { ChunkStore, ChunkWrite, StoreMeta } from './chunk-store';
import { StorageError, toStorageError } from './storage-error';

/**
 * Chunks as files in the Origin Private File System, written through sync
 * access handles — which exist only in a dedicated worker, where the VM
 * server runs. One directory per disk: `meta.json` and one file per stored
 * chunk (`c<index>`), so a 500 GiB disk takes only what was written.
 *
 * `write()` on a sync access handle reports how many bytes it wrote and a
 * full (or in-memory, private-mode) OPFS simply writes fewer: every count
 * is checked, a short write is a quota error, and a chunk file that was new
 * is removed again so the chunk still reads as it did (zeros). Rewriting an
 * existing chunk does not grow its file, so it cannot run out of quota.
 * `flush()` on each written handle makes the batch durable.
 */

/** The parts of the OPFS API used here (lib.dom's typings lag behind Chromium's). */
export interface SyncHandle {
  read(buffer: Uint8Array, options?: { at?: number }): number;
  write(buffer: Uint8Array, options?: { at?: number }): number;
  truncate(size: number): void;
  getSize(): number;
  flush(): void;
  close(): void;
}
export interface FileHandle {
  createSyncAccessHandle(): Promise<SyncHandle>;
}
export interface DirHandle {
  getDirectoryHandle(name: string, options?: { create?: boolean }): Promise<DirHandle>;
  getFileHandle(name: string, options?: { create?: boolean }): Promise<FileHandle>;
  removeEntry(name: string, options?: { recursive?: boolean }): Promise<void>;
  keys(): AsyncIterable<string>;
}

const META = 'meta.json';
const CHUNK_RE = /^c(\d+)$/;
const chunkName = (i: number): string => `c${i}`;

export interface OpfsChunkStoreOptions {
  /** Open sync access handles kept (each holds an exclusive lock on its file). Default 64. */
  maxOpenHandles?: number;
}

export class OpfsChunkStore implements ChunkStore {
  readonly description: string;
  private readonly handles = new Map<number, SyncHandle>();
  /** Handles written in the batch under way and not yet flushed. */
  private readonly unflushed = new Set<SyncHandle>();
  private readonly maxOpen: number;
  private closed = false;

  private constructor(
    private readonly dir: DirHandle,
    readonly name: string,
    private readonly present: Set<number>,
    opts: OpfsChunkStoreOptions,
  ) {
    this.description = `OPFS ${name}`;
    this.maxOpen = opts.maxOpenHandles ?? 64;
  }

  /** True where sync access handles can be used (a dedicated worker with OPFS). */
  static isSupported(): boolean {
    const g = globalThis as {
      navigator?: { storage?: { getDirectory?: unknown } };
      FileSystemFileHandle?: { prototype: object };
    };
    return (
      typeof g.navigator?.storage?.getDirectory === 'function' &&
      g.FileSystemFileHandle !== undefined &&
      'createSyncAccessHandle' in g.FileSystemFileHandle.prototype
    );
  }

  /** Opens (creating if needed) the disk directory `name` at the OPFS root. */
  static async open(name: string, opts: OpfsChunkStoreOptions = {}): Promise<OpfsChunkStore> {
    if (!OpfsChunkStore.isSupported())
      throw new StorageError(
        'unsupported',
        'OPFS sync access handles are only available in a dedicated worker of a browser that has them',
      );
    let dir: DirHandle;
    try {
      const root = (await navigator.storage.getDirectory()) as unknown as DirHandle;
      dir = await root.getDirectoryHandle(name, { create: true });
    } catch (e) {
      throw toStorageError(e, `OPFS ${name}`);
    }
    return OpfsChunkStore.inDirectory(dir, name, opts);
  }

  /** A store in an already opened directory (any object with the OPFS directory API). */
  static async inDirectory(
    dir: DirHandle,
    name: string,
    opts: OpfsChunkStoreOptions = {},
  ): Promise<OpfsChunkStore> {
    const present = new Set<number>();
    try {
      for await (const entry of dir.keys()) {
        const m = CHUNK_RE.exec(entry);
        if (m) present.add(Number(m[1]));
      }
    } catch (e) {
      throw toStorageError(e, `OPFS ${name}`);
    }
    return new OpfsChunkStore(dir, name, present, opts);
  }

  /** Deletes the disk directory `name` and everything in it. */
  static async destroy(name: string): Promise<void> {
    const root = (await navigator.storage.getDirectory()) as unknown as DirHandle;
    try {
      await root.removeEntry(name, { recursive: true });
    } catch (e) {
      if ((e as { name?: string }).name !== 'NotFoundError')
        throw toStorageError(e, `OPFS ${name}`);
    }
  }

  private check(): void {
    if (this.closed) throw new StorageError('closed', `${this.description} is closed`);
  }

  private async handle(file: string, key: number, create: boolean): Promise<SyncHandle | null> {
    const open = this.handles.get(key);
    if (open) {
      this.handles.delete(key);
      this.handles.set(key, open);
      return open;
    }
    let fh: FileHandle;
    try {
      fh = await this.dir.getFileHandle(file, { create });
    } catch (e) {
      if ((e as { name?: string }).name === 'NotFoundError') return null;
      throw e;
    }
    const h = await fh.createSyncAccessHandle();
    this.handles.set(key, h);
    while (this.handles.size > this.maxOpen) {
      const [oldest, oh] = this.handles.entries().next().value as [number, SyncHandle];
      this.closeHandle(oh);
      this.handles.delete(oldest);
    }
    return h;
  }

  /** Closes a handle, flushing it first if the current batch wrote to it. */
  private closeHandle(h: SyncHandle): void {
    if (this.unflushed.delete(h)) h.flush();
    h.close();
  }

  private drop(key: number): void {
    const h = this.handles.get(key);
    if (h) {
      this.unflushed.delete(h);
      h.close();
      this.handles.delete(key);
    }
  }

  /** Writes all of `data` at 0 and trims the file to it; throws on a short write. */
  private writeAll(h: SyncHandle, data: Uint8Array, what: string): void {
    const n = h.write(data, { at: 0 });
    if (n !== data.length)
      throw new StorageError(
        'quota',
        `${this.description}: ${what}: wrote ${n} of ${data.length} bytes (storage is full)`,
      );
    if (h.getSize() !== data.length) h.truncate(data.length);
  }

  async readMeta(): Promise<StoreMeta | null> {
    this.check();
    try {
      const h = await this.handle(META, -1, false);
      if (!h) return null;
      const buf = new Uint8Array(h.getSize());
      h.read(buf, { at: 0 });
      return buf.length === 0 ? null : (JSON.parse(new TextDecoder().decode(buf)) as StoreMeta);
    } catch (e) {
      throw toStorageError(e, `${this.description}: reading ${META}`);
    }
  }

  async writeMeta(meta: StoreMeta): Promise<void> {
    this.check();
    try {
      const h = (await this.handle(META, -1, true)) as SyncHandle;
      this.writeAll(h, new TextEncoder().encode(JSON.stringify(meta)), META);
      h.flush();
    } catch (e) {
      throw toStorageError(e, `${this.description}: writing ${META}`);
    }
  }

  async readChunk(index: number): Promise<Uint8Array | null> {
    this.check();
    if (!this.present.has(index)) return null;
    try {
      const h = await this.handle(chunkName(index), index, false);
      if (!h) return null;
      const buf = new Uint8Array(h.getSize());
      const n = h.read(buf, { at: 0 });
      return n === buf.length ? buf : buf.subarray(0, n);
    } catch (e) {
      throw toStorageError(e, `${this.description}: reading chunk ${index}`);
    }
  }

  async writeChunks(batch: readonly ChunkWrite[]): Promise<void> {
    this.check();
    this.unflushed.clear();
    for (const w of batch) {
      const name = chunkName(w.index);
      if (!w.data) {
        this.drop(w.index);
        try {
          await this.dir.removeEntry(name);
        } catch (e) {
          if ((e as { name?: string }).name !== 'NotFoundError')
            throw toStorageError(e, `${this.description}: dropping chunk ${w.index}`);
        }
        this.present.delete(w.index);
        continue;
      }
      const isNew = !this.present.has(w.index);
      try {
        const h = await this.handle(name, w.index, true);
        if (!h) throw new StorageError('io', `${this.description}: cannot create ${name}`);
        this.writeAll(h, w.data, `chunk ${w.index}`);
        this.unflushed.add(h);
        this.present.add(w.index);
      } catch (e) {
        if (isNew) {
          // A half-written new chunk must not show: it was a hole before this batch.
          this.drop(w.index);
          try {
            await this.dir.removeEntry(name);
          } catch {
            // Nothing there to remove.
          }
        }
        throw toStorageError(e, `${this.description}: writing chunk ${w.index}`);
      }
    }
    try {
      // Handles evicted mid-batch were flushed as they closed.
      for (const h of this.unflushed) h.flush();
      this.unflushed.clear();
    } catch (e) {
      throw toStorageError(e, `${this.description}: flushing`);
    }
  }

  async listChunks(): Promise<number[]> {
    this.check();
    return [...this.present].sort((a, b) => a - b);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const h of this.handles.values()) {
      try {
        h.flush();
      } finally {
        h.close();
      }
    }
    this.handles.clear();
  }
}
