import { BlockDevice, type BlockDeviceOptions } from './block-device';
import type { ChunkStore } from './chunk-store';
import {
  PartitionType,
  addPartition,
  emptyLayout,
  formatBytes,
  freeExtents,
  partitionSectors,
  readGpt,
  removePartition,
  writeGpt,
  type GptLayout,
  type GptPartition,
} from './gpt';
import type { RandomSource } from './guid';
import { SECTOR_SIZE, SectorRange } from './sector-device';
import { StorageError } from './storage-error';

/**
 * The VM server's host disk: a sparse BlockDevice (500 GiB by default)
 * carrying a GPT. On first boot (an empty store) it gets a GPT with one
 * partition per seeded guest; later boots read the GPT back (repairing a
 * damaged copy from the good one, as gdisk would). Partitions are the
 * host's /dev/sdaN; a guest disk `phy:/dev/sdaN` is partition N.
 */

const GiB = 1024 * 1024 * 1024;

/** The host disk's device name; partition N is HOST_DISK_DEVICE + N. */
export const HOST_DISK_DEVICE = '/dev/sda';

export interface SeedPartition {
  readonly name: string;
  readonly sizeBytes: number;
}

/** Partitions of a fresh install: one 20 GiB disk per seeded Sprout guest. */
export const SEED_PARTITIONS: readonly SeedPartition[] = [
  { name: 'sprout-hvm', sizeBytes: 20 * GiB },
  { name: 'sprout-pv', sizeBytes: 20 * GiB },
  { name: 'sprout-hvm2', sizeBytes: 20 * GiB },
];

export interface HostDiskOptions extends BlockDeviceOptions {
  /** Partitions created with the GPT on first boot (default SEED_PARTITIONS). */
  seed?: readonly SeedPartition[];
  /** Source of GUIDs (default crypto.getRandomValues). */
  random?: RandomSource;
}

export interface PartitionInfo extends GptPartition {
  /** /dev/sdaN */
  readonly device: string;
  readonly sectors: number;
  readonly sizeBytes: number;
  /** Bytes of chunks actually stored for this partition (sparse usage). */
  readonly allocatedBytes: number;
}

export class HostDisk {
  private layoutValue: GptLayout;
  private edits: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly device: BlockDevice,
    layout: GptLayout,
    /** True when this open created the disk and its GPT. */
    readonly firstBoot: boolean,
    /** Problems found in the GPT (and repaired) at open. */
    readonly problems: readonly string[],
    private readonly random: RandomSource | undefined,
  ) {
    this.layoutValue = layout;
  }

  static async open(store: ChunkStore, opts: HostDiskOptions = {}): Promise<HostDisk> {
    const device = await BlockDevice.open(store, opts);
    const found = await readGpt(device);
    if (found) {
      if (found.problems.length > 0) await writeGpt(device, found.layout);
      return new HostDisk(device, found.layout, false, found.problems, opts.random);
    }
    if (!device.created && device.allocatedChunks().length > 0)
      throw new StorageError(
        'corrupt',
        `${store.description}: the host disk holds data but no valid GPT; refusing to overwrite it`,
      );
    let layout = emptyLayout(device.sectors, opts.random);
    const seed = opts.seed ?? SEED_PARTITIONS;
    // On a host disk too small for the seeds' full sizes, share what there is
    // equally (in whole MiB, after the GPT and 1 MiB alignment) rather than
    // refusing to boot.
    const MiB_SECTORS = (1 << 20) / SECTOR_SIZE;
    const usable = device.sectors - 2 * MiB_SECTORS;
    const fairShare = Math.floor(usable / Math.max(1, seed.length) / MiB_SECTORS) * MiB_SECTORS;
    for (const p of seed) {
      const sectors = Math.min(sectorsOf(p.sizeBytes), fairShare);
      if (sectors < MiB_SECTORS)
        throw new StorageError(
          'size',
          `${store.description}: a ${formatBytes(device.sectors * SECTOR_SIZE)} host disk is too small for ${seed.length} guest partitions`,
        );
      layout = addPartition(layout, { name: p.name, sectors }, opts.random).layout;
    }
    await writeGpt(device, layout);
    return new HostDisk(device, layout, true, [], opts.random);
  }

  get layout(): GptLayout {
    return this.layoutValue;
  }

  get sizeBytes(): number {
    return this.device.sizeBytes;
  }

  get sectors(): number {
    return this.device.sectors;
  }

  get description(): string {
    return this.device.description;
  }

  /** Bytes the backend actually holds (stored chunks). */
  get allocatedBytes(): number {
    return this.device.allocatedChunks().length * this.device.chunkSize;
  }

  partitions(): PartitionInfo[] {
    const allocated = this.device.allocatedChunks();
    const cs = this.device.chunkSize;
    return this.layoutValue.partitions.map((p) => {
      const from = Math.floor((p.firstLba * SECTOR_SIZE) / cs);
      const to = Math.floor((p.lastLba * SECTOR_SIZE) / cs);
      const chunks = allocated.filter((i) => i >= from && i <= to).length;
      return {
        ...p,
        device: `${HOST_DISK_DEVICE}${p.number}`,
        sectors: partitionSectors(p),
        sizeBytes: partitionSectors(p) * SECTOR_SIZE,
        allocatedBytes: chunks * cs,
      };
    });
  }

  partition(number: number): GptPartition {
    const p = this.layoutValue.partitions.find((x) => x.number === number);
    if (!p) throw new StorageError('layout', `${HOST_DISK_DEVICE}${number} does not exist`);
    return p;
  }

  partitionByName(name: string): GptPartition {
    const p = this.layoutValue.partitions.find((x) => x.name === name);
    if (!p) throw new StorageError('layout', `no partition is named "${name}"`);
    return p;
  }

  /**
   * The partition a device path names: /dev/sdaN, /dev/disk/by-partlabel/NAME,
   * or LVM-style /dev/VG/NAME (any volume group: the partition's name).
   */
  resolveDevicePath(path: string): GptPartition {
    const sd = /^\/dev\/sda([1-9][0-9]*)$/.exec(path);
    if (sd) return this.partition(Number(sd[1]));
    if (path === HOST_DISK_DEVICE)
      throw new StorageError(
        'layout',
        `${HOST_DISK_DEVICE} is the whole host disk; give a guest a partition`,
      );
    const label =
      /^\/dev\/disk\/by-partlabel\/(.+)$/.exec(path) ?? /^\/dev\/[^/]+\/([^/]+)$/.exec(path);
    if (label && label[1] !== undefined) return this.partitionByName(label[1]);
    throw new StorageError('layout', `${path} is not a partition of ${HOST_DISK_DEVICE}`);
  }

  /** A window onto partition `number` (sector 0 = its first LBA). */
  partitionDevice(number: number): SectorRange {
    const p = this.partition(number);
    return new SectorRange(this.device, p.firstLba, partitionSectors(p));
  }

  /** Creates a Linux-filesystem partition of `sizeBytes` (rounded up to whole sectors). */
  createPartition(
    name: string,
    sizeBytes: number,
    opts: { typeGuid?: string } = {},
  ): Promise<PartitionInfo> {
    return this.edit(async () => {
      const sectors = sectorsOf(sizeBytes);
      const { layout, partition } = addPartition(
        this.layoutValue,
        { name, sectors, typeGuid: opts.typeGuid ?? PartitionType.linuxFilesystem },
        this.random,
      );
      // The new partition's old contents (from a deleted one) must not leak into it.
      await this.device.writeZeroes(partition.firstLba, sectors);
      await writeGpt(this.device, layout);
      this.layoutValue = layout;
      const info = this.partitions().find((p) => p.number === partition.number);
      return info as PartitionInfo;
    });
  }

  /** Deletes partition `number` and gives its space back (its chunks are dropped). */
  deletePartition(number: number): Promise<void> {
    return this.edit(async () => {
      const p = this.partition(number);
      const layout = removePartition(this.layoutValue, number);
      await writeGpt(this.device, layout);
      this.layoutValue = layout;
      await this.device.writeZeroes(p.firstLba, partitionSectors(p));
      await this.device.flush();
    });
  }

  /** Unpartitioned space, largest first: what `createPartition` can still get. */
  freeSpace(): { firstLba: number; lastLba: number; sizeBytes: number }[] {
    return freeExtents(this.layoutValue)
      .map(([a, b]) => ({ firstLba: a, lastLba: b, sizeBytes: (b - a + 1) * SECTOR_SIZE }))
      .sort((x, y) => y.sizeBytes - x.sizeBytes);
  }

  flush(): Promise<void> {
    return this.device.flush();
  }

  close(): Promise<void> {
    return this.device.close();
  }

  /** `sgdisk -p`-like text, for the shell and the boot log. */
  describe(): string {
    const lines = [
      `Disk ${HOST_DISK_DEVICE}: ${this.sectors} sectors, ${formatBytes(this.sizeBytes)} (${this.description})`,
      `Disk identifier (GUID): ${this.layoutValue.diskGuid}`,
      '',
      'Number  Start (sector)    End (sector)  Size       Name',
    ];
    for (const p of this.partitions()) {
      lines.push(
        `${String(p.number).padStart(4)}  ${String(p.firstLba).padStart(14)}  ${String(p.lastLba).padStart(14)}  ${formatBytes(p.sizeBytes).padEnd(10)} ${p.name}`,
      );
    }
    return lines.join('\n');
  }

  /** Layout edits one at a time. */
  private edit<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.edits.then(fn);
    this.edits = run.catch(() => undefined);
    return run;
  }
}

function sectorsOf(bytes: number): number {
  if (!Number.isSafeInteger(bytes) || bytes <= 0)
    throw new StorageError('size', `partition size ${bytes} is not a positive number of bytes`);
  return Math.ceil(bytes / SECTOR_SIZE);
}

/**
 * A size as the shell takes it: "20G", "512M", "64K", "20GiB", "1T" (powers
 * of 1024, as sgdisk's +20G) or a plain byte count.
 */
export function parseSize(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$/i.exec(text);
  if (!m || m[1] === undefined) throw new StorageError('size', `cannot read "${text}" as a size`);
  const unit = (m[2] ?? '').toLowerCase();
  const scale = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[unit] ?? 1;
  const bytes = Math.round(Number(m[1]) * scale);
  if (!Number.isSafeInteger(bytes) || bytes <= 0)
    throw new StorageError('size', `"${text}" is not a usable size`);
  return bytes;
}
