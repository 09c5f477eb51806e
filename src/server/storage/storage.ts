import type { DiskSpec } from '../config/disk-spec';
import type { FileStore } from '../files/file-store';
import { Blkback, type EventPorts, type GrantMapper } from '../backends/blkback';
import { IdeController } from '../device-models/ide';
import type { XsConnection } from '../xenstore/xenstore';
import type { ChunkStore } from './chunk-store';
import { exportImage, importImage, type ImagePiece, type ImportResult } from './disk-image';
import { FileImageDevice, MAX_IMAGE_FILE_BYTES } from './file-image-device';
import { formatBytes, partitionSectors } from './gpt';
import { GuestDisk } from './guest-disk';
import { HOST_DISK_DEVICE, HostDisk, type HostDiskOptions } from './host-disk';
import {
  DiskIoMonitor,
  type IoPath,
  type IoRecord,
  type VbdInfo,
  type VbdTotals,
} from './io-trace';
import { StorageError } from './storage-error';

/**
 * The VM server's storage: the host disk and its partitions, the guest
 * disks mapped onto them, and the I/O monitor. This is what the toolstack
 * calls to give a domain its `disk = [...]`:
 *
 *   HVM:  const ide = await storage.attachHvm(domid, cfg.disk, (level) =>
 *           vmm.setIrqLevel(domid, isaIrqToPlic(14), level));
 *         // register ide.ioreqSpecs() (or use ide as an HvmDeviceModel)
 *   PV:   writeDeviceLayout(...) for each disk, then
 *         await storage.attachPv(domid, disk, { xs, grants: vmm, events });
 *   both: await storage.detachDomain(domid) when the domain goes.
 */

export interface StorageOptions extends HostDiskOptions {
  /** The VM server's file tree, for `file:` image targets. */
  files?: FileStore;
  /** Requests kept in the I/O trace (default 512). */
  traceCapacity?: number;
  /** Clock of the trace's hop times, ms (default performance.now). */
  now?: () => number;
  maxImageFileBytes?: number;
}

/** What blkback needs from Domain-0: its xenstore connection, the VMM's grant ops, its event ports. */
export interface PvEnvironment {
  readonly xs: XsConnection;
  readonly grants: GrantMapper;
  readonly events: EventPorts;
  readonly onProblem?: (message: string) => void;
}

interface DomainDisks {
  disks: GuestDisk[];
  blkbacks: Blkback[];
  ide: IdeController | null;
  images: FileImageDevice[];
}

/** vdevs the primary master answers to: the first IDE disk, and the names Xen maps onto it for HVM. */
const PRIMARY_MASTER = new Set(['hda', 'sda', 'xvda']);

export class Storage {
  readonly io: DiskIoMonitor;
  private readonly domains = new Map<number, DomainDisks>();
  private readonly files: FileStore | undefined;
  private readonly maxImageFileBytes: number;

  private constructor(
    readonly hostDisk: HostDisk,
    opts: StorageOptions,
  ) {
    this.io = new DiskIoMonitor({
      ...(opts.traceCapacity !== undefined ? { capacity: opts.traceCapacity } : {}),
      ...(opts.now ? { now: opts.now } : {}),
    });
    this.files = opts.files;
    this.maxImageFileBytes = opts.maxImageFileBytes ?? MAX_IMAGE_FILE_BYTES;
  }

  /** Opens (first boot: creates and partitions) the host disk kept in `store`. */
  static async open(store: ChunkStore, opts: StorageOptions = {}): Promise<Storage> {
    return new Storage(await HostDisk.open(store, opts), opts);
  }

  private entry(domid: number): DomainDisks {
    let e = this.domains.get(domid);
    if (!e) {
      e = { disks: [], blkbacks: [], ide: null, images: [] };
      this.domains.set(domid, e);
    }
    return e;
  }

  /**
   * The guest disk for one `disk = [...]` entry: a partition of the host
   * disk for /dev/… targets (/dev/sdaN, /dev/disk/by-partlabel/NAME,
   * /dev/VG/NAME), else an image file in the VM server's tree.
   */
  async openGuestDisk(domid: number, spec: DiskSpec, path: IoPath): Promise<GuestDisk> {
    if (spec.devtype === 'cdrom')
      throw new StorageError('unsupported', `${spec.vdev}: CD-ROM drives are not emulated`);
    if (spec.format !== 'raw')
      throw new StorageError(
        'unsupported',
        `${spec.vdev}: format ${spec.format} is not supported (raw only)`,
      );
    const target = spec.target;
    if (target === undefined) throw new StorageError('layout', `${spec.vdev}: no target`);
    const id = { domid, vdev: spec.vdev, devid: spec.devid, path, readonly: spec.access === 'ro' };
    let disk: GuestDisk;
    if (target.startsWith('/dev/')) {
      const p = this.hostDisk.resolveDevicePath(target);
      for (const other of this.domains.values())
        for (const d of other.disks)
          if (d.backingName === `${HOST_DISK_DEVICE}${p.number}` && !(d.readonly && id.readonly))
            throw new StorageError(
              'layout',
              `${HOST_DISK_DEVICE}${p.number} is already in use by domain ${d.id.domid} (${d.id.vdev})`,
            );
      disk = new GuestDisk(
        this.hostDisk.device,
        p.firstLba,
        partitionSectors(p),
        id,
        this.io,
        `${HOST_DISK_DEVICE}${p.number}`,
      );
    } else {
      if (!this.files)
        throw new StorageError('unsupported', `${target}: no file tree for image files`);
      const img = await FileImageDevice.open(this.files, target, this.maxImageFileBytes);
      this.entry(domid).images.push(img);
      disk = new GuestDisk(img, 0, img.sectors, id, this.io, `file:${target}`);
    }
    this.entry(domid).disks.push(disk);
    return disk;
  }

  /**
   * An HVM domain's disks as the primary IDE channel. One disk (hda, or the
   * sda/xvda names Xen maps onto it) becomes the master. The returned model
   * fits the toolstack's HvmDeviceModel; register `ide.ioreqSpecs()` with
   * the VMM. `setIrq` drives ISA IRQ 14's PLIC source.
   */
  async attachHvm(
    domid: number,
    disks: readonly DiskSpec[],
    setIrq: (level: boolean) => void,
  ): Promise<IdeController> {
    const usable = disks.filter((d) => d.devtype === 'disk');
    if (usable.length > 1)
      throw new StorageError(
        'unsupported',
        `only one IDE disk (the primary master) is emulated; got ${usable.map((d) => d.vdev).join(', ')}`,
      );
    const spec = usable[0];
    if (spec && !PRIMARY_MASTER.has(spec.vdev))
      throw new StorageError(
        'unsupported',
        `${spec.vdev}: an HVM disk must be hda (primary master)`,
      );
    const master = spec ? await this.openGuestDisk(domid, spec, 'hvm') : null;
    const ide = new IdeController({
      master,
      setIrq,
      serial: `TV${String(domid).padStart(4, '0')}${String(spec?.devid ?? 0).padStart(6, '0')}`,
    });
    this.entry(domid).ide = ide;
    return ide;
  }

  /**
   * Starts blkback for one PV disk. The toolstack must have written the
   * device's xenstore directories (writeDeviceLayout) first.
   */
  async attachPv(domid: number, spec: DiskSpec, env: PvEnvironment): Promise<Blkback> {
    const disk = await this.openGuestDisk(domid, spec, 'pv');
    const back = new Blkback({
      xs: env.xs,
      grants: env.grants,
      events: env.events,
      domid,
      devid: spec.devid,
      disk,
      ...(env.onProblem ? { onProblem: env.onProblem } : {}),
    });
    back.start();
    this.entry(domid).blkbacks.push(back);
    return back;
  }

  /** The domain's back ends stopped (grants unmapped), its data flushed, its counters dropped. */
  async detachDomain(domid: number): Promise<void> {
    const e = this.domains.get(domid);
    if (!e) return;
    this.domains.delete(domid);
    for (const b of e.blkbacks) await b.stop();
    e.ide?.reset();
    for (const img of e.images) await img.flush();
    await this.hostDisk.flush();
    this.io.forgetDomain(domid);
  }

  /** The IDE model of an HVM domain, if attached. */
  ideOf(domid: number): IdeController | null {
    return this.domains.get(domid)?.ide ?? null;
  }

  blkbacksOf(domid: number): readonly Blkback[] {
    return this.domains.get(domid)?.blkbacks ?? [];
  }

  guestDisksOf(domid: number): readonly GuestDisk[] {
    return this.domains.get(domid)?.disks ?? [];
  }

  /** xentop's VBD columns for a domain. */
  vbdTotals(domid: number): VbdTotals {
    return this.io.totals(domid);
  }

  /** Per-device counters (all domains, or one). */
  vbds(domid?: number): VbdInfo[] {
    return this.io.devices(domid);
  }

  /** Recent guest disk requests, oldest first. */
  trace(filter: { domid?: number; afterSeq?: number; limit?: number } = {}): IoRecord[] {
    return this.io.trace(filter);
  }

  /** The domain using /dev/sdaN, if any. */
  private userOf(number: number): GuestDisk | undefined {
    for (const e of this.domains.values())
      for (const d of e.disks) if (d.backingName === `${HOST_DISK_DEVICE}${number}`) return d;
    return undefined;
  }

  /** Creates a partition (xl-side `disk create NAME SIZE`). */
  createPartition(name: string, sizeBytes: number): ReturnType<HostDisk['createPartition']> {
    return this.hostDisk.createPartition(name, sizeBytes);
  }

  /** Deletes a partition no domain is using; its space is given back. */
  async deletePartition(number: number): Promise<void> {
    const user = this.userOf(number);
    if (user)
      throw new StorageError(
        'layout',
        `${HOST_DISK_DEVICE}${number} is in use by domain ${user.id.domid} (${user.id.vdev})`,
      );
    await this.hostDisk.deletePartition(number);
  }

  /** Creates a zero-filled image file in the VM server's tree, for a `file:` disk. */
  async createImageFile(path: string, sizeBytes: number): Promise<void> {
    if (!this.files) throw new StorageError('unsupported', 'no file tree for image files');
    if (!Number.isSafeInteger(sizeBytes) || sizeBytes <= 0 || sizeBytes % 512 !== 0)
      throw new StorageError(
        'size',
        `an image must be a whole number of 512-byte sectors (got ${sizeBytes})`,
      );
    if (sizeBytes > this.maxImageFileBytes)
      throw new StorageError(
        'size',
        `image files are limited to ${formatBytes(this.maxImageFileBytes)}; use a partition for bigger disks`,
      );
    if (await this.files.stat(path)) throw new StorageError('layout', `${path} already exists`);
    await this.files.writeFile(path, new Uint8Array(sizeBytes));
  }

  /** Export partition `number` (or the whole host disk) as image pieces. */
  exportPartition(number?: number): AsyncGenerator<ImagePiece> {
    if (number === undefined) return exportImage(this.hostDisk.device);
    const p = this.hostDisk.partition(number);
    return exportImage(this.hostDisk.device, { start: p.firstLba, sectors: partitionSectors(p) });
  }

  /** Import a raw image into partition `number` (refused before any write if it does not fit). */
  importPartition(
    number: number,
    source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    size: number,
  ): Promise<ImportResult> {
    const user = this.userOf(number);
    if (user && !user.readonly)
      throw new StorageError(
        'layout',
        `${HOST_DISK_DEVICE}${number} is in use by domain ${user.id.domid}`,
      );
    return importImage(this.hostDisk.partitionDevice(number), source, size, {
      what: `${HOST_DISK_DEVICE}${number}`,
    });
  }

  flush(): Promise<void> {
    return this.hostDisk.flush();
  }

  async close(): Promise<void> {
    for (const id of [...this.domains.keys()]) await this.detachDomain(id);
    await this.hostDisk.close();
  }
}
