/**
 * Node only (node:fs): the host disk as a sparse file, for the CLI and
 * benchmarks. The browser bundle must never import this module — the CLI
 * creates the store and hands it to the server (src/server runs in a
 * Worker and stays free of Node APIs).
 *
 * The file itself is the raw disk image (so `sgdisk -p FILE` reads the
 * host disk's GPT directly), sized to the logical disk size and holed
 * wherever nothing was written. Beside it, FILE.map records the disk's
 * shape and which chunks hold data; it is replaced atomically (write,
 * fsync, rename) only after the chunk data is fsynced, so a chunk counts
 * as stored only once it is durable. A raw image without a map opens as a
 * disk whose every chunk is present.
 */
import { constants } from 'node:fs';
import { open, readFile, rename, stat, type FileHandle } from 'node:fs/promises';
import { DEFAULT_CHUNK_SIZE } from './block-device';
import {
  STORE_FORMAT,
  chunkCount,
  type ChunkStore,
  type ChunkWrite,
  type StoreMeta,
} from './chunk-store';
import { StorageError, toStorageError } from './storage-error';

const MAGIC = 0x4d435654; // "TVCM"
const HEADER = 24; // magic u32, version u32, sizeBytes f64, chunkSize u32, reserved u32

export class NodeFileChunkStore implements ChunkStore {
  readonly description: string;
  private present: Uint8Array = new Uint8Array(0);
  private meta: StoreMeta | null = null;
  private closed = false;

  private constructor(
    readonly path: string,
    private readonly fh: FileHandle,
  ) {
    this.description = `file ${path}`;
  }

  /** Opens FILE (creating it if missing). */
  static async open(path: string): Promise<NodeFileChunkStore> {
    let fh: FileHandle;
    try {
      fh = await open(path, constants.O_RDWR | constants.O_CREAT);
    } catch (e) {
      throw toStorageError(e, path);
    }
    const store = new NodeFileChunkStore(path, fh);
    await store.load();
    return store;
  }

  get mapPath(): string {
    return `${this.path}.map`;
  }

  private async load(): Promise<void> {
    let map: Uint8Array | null = null;
    try {
      map = new Uint8Array(await readFile(this.mapPath));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw toStorageError(e, this.mapPath);
    }
    if (map) {
      const v = new DataView(map.buffer, map.byteOffset, map.length);
      if (map.length < HEADER || v.getUint32(0, true) !== MAGIC || v.getUint32(4, true) !== 1)
        throw new StorageError('corrupt', `${this.mapPath} is not a Tabvisor chunk map`);
      this.meta = {
        format: STORE_FORMAT,
        version: 1,
        sizeBytes: v.getFloat64(8, true),
        chunkSize: v.getUint32(16, true),
      };
      const n = chunkCount(this.meta);
      this.present = new Uint8Array(Math.ceil(n / 8));
      this.present.set(map.subarray(HEADER, HEADER + this.present.length));
      return;
    }
    const size = (await stat(this.path)).size;
    if (size === 0) return; // a new disk
    // A raw image with no map: all of it is data.
    this.meta = {
      format: STORE_FORMAT,
      version: 1,
      sizeBytes: size - (size % 512),
      chunkSize: DEFAULT_CHUNK_SIZE,
    };
    this.present = new Uint8Array(Math.ceil(chunkCount(this.meta) / 8)).fill(0xff);
  }

  private check(): void {
    if (this.closed) throw new StorageError('closed', `${this.description} is closed`);
  }

  private has(i: number): boolean {
    return ((this.present[i >>> 3] ?? 0) & (1 << (i & 7))) !== 0;
  }

  private mark(i: number, on: boolean): void {
    const byte = this.present[i >>> 3] ?? 0;
    this.present[i >>> 3] = on ? byte | (1 << (i & 7)) : byte & ~(1 << (i & 7));
  }

  /** Writes FILE.map atomically: a new file, fsynced, renamed over the old one. */
  private async saveMap(): Promise<void> {
    const meta = this.meta as StoreMeta;
    const out = new Uint8Array(HEADER + this.present.length);
    const v = new DataView(out.buffer);
    v.setUint32(0, MAGIC, true);
    v.setUint32(4, 1, true);
    v.setFloat64(8, meta.sizeBytes, true);
    v.setUint32(16, meta.chunkSize, true);
    out.set(this.present, HEADER);
    const tmp = `${this.mapPath}.tmp`;
    const fh = await open(tmp, 'w');
    try {
      await writeFully(fh, out, 0);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, this.mapPath);
  }

  async readMeta(): Promise<StoreMeta | null> {
    this.check();
    return this.meta;
  }

  async writeMeta(meta: StoreMeta): Promise<void> {
    this.check();
    try {
      await this.fh.truncate(meta.sizeBytes); // sparse: no blocks allocated
      await this.fh.sync();
      this.meta = { ...meta };
      this.present = new Uint8Array(Math.ceil(chunkCount(meta) / 8));
      await this.saveMap();
    } catch (e) {
      throw toStorageError(e, this.description);
    }
  }

  async readChunk(index: number): Promise<Uint8Array | null> {
    this.check();
    const meta = this.meta;
    if (!meta || !this.has(index)) return null;
    const buf = new Uint8Array(meta.chunkSize);
    const at = index * meta.chunkSize;
    const len = Math.min(meta.chunkSize, meta.sizeBytes - at);
    try {
      let done = 0;
      while (done < len) {
        const { bytesRead } = await this.fh.read(buf, done, len - done, at + done);
        if (bytesRead === 0) break; // past the end of a short raw image: zeros
        done += bytesRead;
      }
    } catch (e) {
      throw toStorageError(e, `${this.description}: reading chunk ${index}`);
    }
    return buf;
  }

  async writeChunks(batch: readonly ChunkWrite[]): Promise<void> {
    this.check();
    const meta = this.meta;
    if (!meta) throw new StorageError('io', `${this.description}: no disk metadata`);
    const cs = meta.chunkSize;
    const span = (i: number): number => Math.min(cs, meta.sizeBytes - i * cs);
    const fresh = batch.filter((w) => w.data && !this.has(w.index));
    // 1. The data, made durable before the map may point at it.
    try {
      for (const w of batch)
        if (w.data) await writeFully(this.fh, w.data.subarray(0, span(w.index)), w.index * cs);
      await this.fh.datasync();
    } catch (e) {
      // Chunks that were holes stay holes; zero what may have landed in the file.
      for (const w of fresh) {
        try {
          await writeFully(this.fh, new Uint8Array(span(w.index)), w.index * cs);
        } catch {
          // Best effort: the map still says hole.
        }
      }
      throw toStorageError(e, `${this.description}: writing ${batch.length} chunk(s)`);
    }
    // 2. The map: the commit point.
    const before = this.present.slice();
    try {
      for (const w of batch) this.mark(w.index, w.data !== null);
      await this.saveMap();
    } catch (e) {
      this.present = before;
      throw toStorageError(e, `${this.description}: writing ${this.mapPath}`);
    }
    // 3. Dropped chunks are zeroed in the file too, so the raw image stays exact.
    try {
      for (const w of batch)
        if (!w.data) await writeFully(this.fh, new Uint8Array(span(w.index)), w.index * cs);
    } catch {
      // The map already says hole; only raw readers of FILE could see the old bytes.
    }
  }

  async listChunks(): Promise<number[]> {
    this.check();
    if (!this.meta) return [];
    const out: number[] = [];
    const n = chunkCount(this.meta);
    for (let i = 0; i < n; i++) if (this.has(i)) out.push(i);
    return out;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.fh.close();
  }
}

async function writeFully(fh: FileHandle, data: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < data.length) {
    const { bytesWritten } = await fh.write(data, done, data.length - done, position + done);
    if (bytesWritten === 0)
      throw new StorageError('quota', `no space left: wrote ${done} of ${data.length} bytes`);
    done += bytesWritten;
  }
}
