import type { FileStore } from '../files/file-store';
import { formatBytes } from './gpt';
import { SECTOR_SIZE, checkRange, checkWholeSectors, type SectorDevice } from './sector-device';
import { StorageError, toStorageError } from './storage-error';

/**
 * A guest disk kept as an image file in the VM server's tree (xl.cfg
 * `file:/path`). The tree stores whole files, so the image is held in
 * memory and written back whole on flush: fine for the small images this
 * is meant for (boot floppies, test disks); big disks belong on partitions.
 */

export const MAX_IMAGE_FILE_BYTES = 256 * 1024 * 1024;

export class FileImageDevice implements SectorDevice {
  readonly sectors: number;
  private dirty = false;
  private flushTail: Promise<void> = Promise.resolve();

  private constructor(
    private readonly files: FileStore,
    readonly path: string,
    private readonly image: Uint8Array,
  ) {
    this.sectors = image.length / SECTOR_SIZE;
  }

  static async open(
    files: FileStore,
    path: string,
    maxBytes = MAX_IMAGE_FILE_BYTES,
  ): Promise<FileImageDevice> {
    const st = await files.stat(path);
    if (!st || st.kind !== 'file')
      throw new StorageError('layout', `image file ${path} does not exist`);
    if (st.size > maxBytes)
      throw new StorageError(
        'size',
        `image file ${path} is ${formatBytes(st.size)}; files over ${formatBytes(maxBytes)} are not supported — use a partition (phy:/dev/sdaN)`,
      );
    if (st.size === 0 || st.size % SECTOR_SIZE !== 0)
      throw new StorageError(
        'size',
        `image file ${path} is ${st.size} bytes, not a whole number of sectors`,
      );
    let image: Uint8Array;
    try {
      image = await files.readFile(path);
    } catch (e) {
      throw toStorageError(e, `reading ${path}`);
    }
    return new FileImageDevice(files, path, image.slice());
  }

  async read(lba: number, count: number): Promise<Uint8Array> {
    checkRange(this, lba, count);
    return this.image.slice(lba * SECTOR_SIZE, (lba + count) * SECTOR_SIZE);
  }

  async write(lba: number, data: Uint8Array): Promise<void> {
    checkRange(this, lba, checkWholeSectors(data));
    this.image.set(data, lba * SECTOR_SIZE);
    this.dirty = true;
  }

  async writeZeroes(lba: number, count: number): Promise<void> {
    checkRange(this, lba, count);
    this.image.fill(0, lba * SECTOR_SIZE, (lba + count) * SECTOR_SIZE);
    this.dirty = true;
  }

  flush(): Promise<void> {
    const run = this.flushTail.then(async () => {
      if (!this.dirty) return;
      this.dirty = false;
      try {
        await this.files.writeFile(this.path, this.image.slice());
      } catch (e) {
        this.dirty = true;
        throw toStorageError(e, `writing ${this.path}`);
      }
    });
    this.flushTail = run.catch(() => undefined);
    return run;
  }
}
