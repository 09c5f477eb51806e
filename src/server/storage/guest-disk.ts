import type { DiskIoMonitor, IoOp, IoPath, IoRecord, IoStatus } from './io-trace';
import { SECTOR_SIZE, type SectorDevice } from './sector-device';

/**
 * One guest disk: the mapping of (domain, vdev) onto a range of a backing
 * device — a partition of the host disk (phy:) or an image file (file:).
 * This is where guest sectors become host LBAs (start + sector) and where
 * the range is enforced: a request that reaches past the guest's last
 * sector is refused before anything is read or written, and the guest's
 * device model or back end turns that into an I/O error for the guest.
 * Every request is recorded in the monitor's trace and VBD counters.
 *
 * Requests go in two steps: `admit` (bounds and access check, trace entry)
 * and `execute` (the transfer). The IDE model admits a write before its
 * data phase, so a refused write never asks the guest for its data.
 */

export interface GuestDiskIdentity {
  readonly domid: number;
  /** Guest name of the device (hda, xvda…). */
  readonly vdev: string;
  /** xenstore device number. */
  readonly devid: number;
  readonly path: IoPath;
  readonly readonly: boolean;
}

export interface DiskResult {
  readonly status: Exclude<IoStatus, 'pending'>;
  /** The sectors read (read requests that succeeded). */
  readonly data?: Uint8Array;
  readonly record: IoRecord;
}

export interface AdmitExtras {
  exits?: number;
  hypercalls?: number;
  /** The exit numbers (Vmm.exitSeq) of the first and last exit charged to the request. */
  firstExit?: number | null;
  lastExit?: number | null;
  /** Name of the first hop (default "request"). */
  hop?: string;
}

export class GuestDisk {
  readonly sectors: number;
  readonly readonly: boolean;

  constructor(
    private readonly backing: SectorDevice,
    /** First sector of the guest's disk on the backing device. */
    readonly start: number,
    sectors: number,
    readonly id: GuestDiskIdentity,
    private readonly monitor: DiskIoMonitor,
    /** "/dev/sda2", "file:/var/lib/xen/images/x.img". */
    readonly backingName: string,
  ) {
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(sectors) || start < 0 || sectors < 0)
      throw new RangeError(`bad guest disk range ${start}+${sectors}`);
    if (start + sectors > backing.sectors)
      throw new RangeError(
        `guest disk ${start}+${sectors} reaches beyond its backing device (${backing.sectors} sectors)`,
      );
    this.sectors = sectors;
    this.readonly = id.readonly;
    monitor.registerVbd(id.domid, id.devid, id.vdev, id.path);
  }

  get bytes(): number {
    return this.sectors * SECTOR_SIZE;
  }

  /** The guest's latest VMM exit number (null without an exit clock): called while an exit is being served, it names that exit. */
  currentExit(): number | null {
    return this.monitor.currentExit(this.id.domid);
  }

  /** Charges a request with the exits numbered first…last (the IDE model, when a command ends). */
  linkExits(rec: IoRecord, first: number | null, last: number | null): void {
    this.monitor.linkExits(rec, first, last);
  }

  /** Is [sector, sector + count) inside the guest's disk? */
  inRange(sector: number, count: number): boolean {
    return (
      Number.isSafeInteger(sector) &&
      Number.isSafeInteger(count) &&
      sector >= 0 &&
      count >= 0 &&
      sector + count <= this.sectors
    );
  }

  /**
   * Checks and records a request. The record's status stays "pending" if
   * it may go ahead, else it is finished as refused ("out-of-range",
   * "readonly") and `execute` will do nothing with it.
   */
  admit(op: IoOp, sector: number, count: number, extras: AdmitExtras = {}): IoRecord {
    const flush = op === 'flush';
    const ok = flush || (count > 0 && this.inRange(sector, count));
    const rec = this.monitor.begin(
      {
        domid: this.id.domid,
        vdev: this.id.vdev,
        devid: this.id.devid,
        path: this.id.path,
        op,
        guestSector: flush ? 0 : sector,
        sectors: flush ? 0 : count,
        bytes: flush ? 0 : count * SECTOR_SIZE,
        backing: this.backingName,
        hostLba: ok && !flush ? this.start + sector : null,
        hostByteOffset: ok && !flush ? (this.start + sector) * SECTOR_SIZE : null,
        ...(extras.exits !== undefined ? { exits: extras.exits } : {}),
        ...(extras.hypercalls !== undefined ? { hypercalls: extras.hypercalls } : {}),
        firstExit: extras.firstExit ?? null,
        lastExit: extras.lastExit ?? null,
      },
      extras.hop ?? 'request',
    );
    if (!ok) {
      this.monitor.finish(
        rec,
        'out-of-range',
        `sectors ${sector}+${count} are beyond the guest's ${this.sectors}-sector disk`,
      );
    } else if (op === 'write' && this.readonly) {
      this.monitor.finish(rec, 'readonly', `${this.id.vdev} is read-only`);
    } else {
      this.monitor.admitted(rec);
    }
    return rec;
  }

  /** Performs an admitted request on the backing device. Never throws. */
  async execute(rec: IoRecord, data?: Uint8Array): Promise<DiskResult> {
    if (rec.status !== 'pending') return { status: rec.status, record: rec };
    const hostLba = rec.hostLba ?? 0;
    this.monitor.hop(rec, 'host-submit');
    try {
      let out: Uint8Array | undefined;
      if (rec.op === 'read') {
        out = await this.backing.read(hostLba, rec.sectors);
      } else if (rec.op === 'write') {
        if (!data || data.length !== rec.bytes)
          throw new RangeError(`write of ${data?.length ?? 0} bytes for ${rec.sectors} sectors`);
        await this.backing.write(hostLba, data);
      } else {
        await this.backing.flush();
      }
      this.monitor.hop(rec, 'host-done');
      this.monitor.finish(rec, 'ok');
      return out ? { status: 'ok', data: out, record: rec } : { status: 'ok', record: rec };
    } catch (e) {
      this.monitor.hop(rec, 'host-done');
      this.monitor.finish(rec, 'io-error', e instanceof Error ? e.message : String(e));
      return { status: 'io-error', record: rec };
    }
  }

  /** Refuses an admitted request that turned out malformed (e.g. a grant that would not map). */
  reject(rec: IoRecord, why: string): DiskResult {
    if (rec.status === 'pending') this.monitor.finish(rec, 'bad-request', why);
    return { status: rec.status === 'pending' ? 'bad-request' : rec.status, record: rec };
  }

  /** A request too malformed to become a record (bad segment list, unknown operation). */
  countError(): void {
    this.monitor.countError(this.id.domid, this.id.devid);
  }

  /** The back end left requests on the ring for lack of request slots (VBD_OO). */
  countOutOfRequests(): void {
    this.monitor.countOutOfRequests(this.id.domid, this.id.devid);
  }

  /** admit + execute. */
  submit(op: IoOp, sector: number, count: number, data?: Uint8Array): Promise<DiskResult> {
    return this.execute(this.admit(op, sector, count), data);
  }

  /** Adds a hop to a record (the device model's or back end's later steps). */
  hop(rec: IoRecord, name: string): void {
    this.monitor.hop(rec, name);
  }
}
