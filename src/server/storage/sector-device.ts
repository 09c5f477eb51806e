import { StorageError } from './storage-error';

/** Bytes per logical sector: the host disk, GPT, IDE and blkif all count in 512-byte units. */
export const SECTOR_SIZE = 512;

/**
 * Anything addressed in 512-byte sectors: the whole host disk, one of its
 * partitions, an image file. Reads and writes are whole sectors; `flush`
 * resolves when everything written before it is durable.
 */
export interface SectorDevice {
  readonly sectors: number;
  read(lba: number, count: number): Promise<Uint8Array>;
  write(lba: number, data: Uint8Array): Promise<void>;
  /** Make `count` sectors from `lba` read as zeros, without storing them where the backend can avoid it. */
  writeZeroes(lba: number, count: number): Promise<void>;
  flush(): Promise<void>;
}

export function checkRange(dev: { readonly sectors: number }, lba: number, count: number): void {
  if (
    !Number.isSafeInteger(lba) ||
    !Number.isSafeInteger(count) ||
    lba < 0 ||
    count < 0 ||
    lba + count > dev.sectors
  ) {
    throw new StorageError(
      'out-of-range',
      `sectors ${lba}+${count} are outside the device (${dev.sectors} sectors)`,
    );
  }
}

export function checkWholeSectors(data: Uint8Array): number {
  if (data.length % SECTOR_SIZE !== 0)
    throw new StorageError('out-of-range', `${data.length} bytes is not a whole number of sectors`);
  return data.length / SECTOR_SIZE;
}

/** A window of another device (a partition): sector 0 here is `start` there. */
export class SectorRange implements SectorDevice {
  constructor(
    readonly parent: SectorDevice,
    readonly start: number,
    readonly sectors: number,
  ) {
    checkRange(parent, start, sectors);
  }

  read(lba: number, count: number): Promise<Uint8Array> {
    checkRange(this, lba, count);
    return this.parent.read(this.start + lba, count);
  }

  write(lba: number, data: Uint8Array): Promise<void> {
    checkRange(this, lba, checkWholeSectors(data));
    return this.parent.write(this.start + lba, data);
  }

  writeZeroes(lba: number, count: number): Promise<void> {
    checkRange(this, lba, count);
    return this.parent.writeZeroes(this.start + lba, count);
  }

  flush(): Promise<void> {
    return this.parent.flush();
  }
}
