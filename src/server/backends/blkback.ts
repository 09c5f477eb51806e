import { BLKIF_MAX_SEGMENTS_PER_REQUEST, BlkifOp, BlkifStatus } from '../../vmm/abi/ring';
import { GNTST } from '../../vmm/abi/grant-table';
import { XenbusState } from '../../vmm/abi/xenbus-state';
import type { GrantMapping } from '../../vmm/grant-table';
import type { GuestDisk } from '../storage/guest-disk';
import type { IoRecord } from '../storage/io-trace';
import { SECTOR_SIZE } from '../storage/sector-device';
import { BlkifBackRing, type BlkifRequestView } from './blkif-back-ring';
import {
  XenbusBackend,
  type XenbusBackendOptions,
  type XenbusBackendStats,
} from './xenbus-backend';

/**
 * blkback: the VM server's back end of a PV guest's virtual block device
 * (Linux drivers/block/xen-blkback, xen/include/public/io/blkif.h).
 *
 * Handshake over xenstore (io/xenbus.h), as XenbusBackend runs it: we
 * publish our features and the disk's geometry and go to InitWait; when
 * the front end reaches Initialised (or Connected) we read its ring-ref
 * and event-channel, map the ring's grant, bind the event channel and go
 * to Connected. The front closing (Closing, then Closed) makes us finish
 * in-flight requests, unmap, unbind and go to Closed; a front that comes
 * back to Initialising after that gets InitWait again (a rebooted guest).
 *
 * Requests are taken off the ring in order and executed one after the
 * other (which also gives WRITE_BARRIER its ordering). Data segments are
 * grant references, mapped through the VMM for the duration of the
 * request. Whatever the guest puts on the ring, the answer is a response
 * (OKAY, ERROR, EOPNOTSUPP) or, for a ring whose indices make no sense, a
 * halted ring — never an exception.
 */

export type { EventPorts, GrantMapper } from './xenbus-backend';

export interface BlkbackOptions extends XenbusBackendOptions {
  readonly disk: GuestDisk;
  /** Requests taken off the ring and not yet answered, at most (Linux's pending_req pool: one ring's worth). */
  readonly maxInflight?: number;
}

/** The notifications a request is charged with: the first request taken after them gets them all. */
interface Charge {
  readonly hypercalls: number;
  /** performance.now() of the first. */
  readonly notifiedAt: number | null;
  readonly firstExit: number | null;
  readonly lastExit: number | null;
}

export interface BlkbackStats extends XenbusBackendStats {
  requests: number;
  responses: number;
  /** Responses other than OKAY. */
  errors: number;
  /** Times the ring was left with requests because maxInflight were outstanding (VBD_OO). */
  outOfRequests: number;
}

/** `info` bits (xen/include/public/io/blkif.h VDISK_*). */
export const VDISK_CDROM = 0x1;
export const VDISK_REMOVABLE = 0x2;
export const VDISK_READONLY = 0x4;

/** The ring layout we speak: ilp32 with 8-byte-aligned u64 (blkif.h "native" for RV32). */
export const BLKIF_PROTOCOL_NATIVE = 'riscv32-abi';

export class Blkback extends XenbusBackend<BlkbackOptions> {
  override readonly stats: BlkbackStats = {
    requests: 0,
    responses: 0,
    errors: 0,
    notificationsIn: 0,
    notificationsOut: 0,
    notificationsHeldOff: 0,
    outOfRequests: 0,
    protocolErrors: 0,
  };

  private readonly disk: GuestDisk;
  private readonly maxInflight: number;
  private ring: BlkifBackRing | null = null;
  private inflight = 0;
  private heldBack = false;
  private chain: Promise<void> = Promise.resolve();
  /** Notifications not yet charged to a request, and when the first of them came. */
  private unchargedNotifies = 0;
  private firstNotifyAt: number | null = null;
  /** The guest's exit numbers (ExitEvent.seq) of the first and last uncharged notify. */
  private firstNotifyExit: number | null = null;
  private lastNotifyExit: number | null = null;
  private closing: Promise<void> | null = null;

  constructor(opts: BlkbackOptions) {
    super(opts, 'vbd', 'blkback');
    this.disk = opts.disk;
    this.maxInflight = opts.maxInflight ?? 32;
  }

  override get connected(): boolean {
    return this.ring !== null;
  }

  /** Stops following the front end, finishes in-flight requests, unmaps and unbinds. */
  async stop(): Promise<void> {
    if (!this.stopFollowing()) return;
    await this.disconnect();
    this.closeDevice();
  }

  /** Resolves when every request taken so far has been answered. */
  idle(): Promise<void> {
    return this.chain;
  }

  // ---------------------------------------------------------------- xenbus

  /** The disk's geometry each time; the features once, at probe. */
  protected override advertise(probing: boolean): void {
    this.publishDisk();
    if (!probing) return;
    this.xs.write(`${this.backendPath}/feature-flush-cache`, '1');
    this.xs.write(`${this.backendPath}/feature-barrier`, '1');
  }

  private publishDisk(): void {
    const be = this.backendPath;
    const info = this.disk.readonly ? VDISK_READONLY : 0;
    this.xs.transaction((tx) => {
      this.xs.write(`${be}/sectors`, String(this.disk.sectors), tx);
      this.xs.write(`${be}/sector-size`, String(SECTOR_SIZE), tx);
      this.xs.write(`${be}/physical-sector-size`, String(SECTOR_SIZE), tx);
      this.xs.write(`${be}/info`, String(info), tx);
    });
  }

  /** connect_ring: one page, our protocol, mapped and bound; then Connected. */
  protected override connect(): void {
    const order = this.readNumber('ring-page-order');
    if (order !== null && order !== 0) return this.fatal('multi-page rings are not supported');
    const keys = this.gather('ring-ref', 'event-channel');
    if (!keys) return;
    const [ringRef, remotePort] = keys;
    const protocol = this.xs.tryReadString(`${this.frontendPath}/protocol`);
    if (protocol !== undefined && protocol !== '' && protocol !== BLKIF_PROTOCOL_NATIVE)
      return this.fatal(`unsupported protocol ${protocol}`);
    const maps = this.mapRingsAndBind([['ring-ref', ringRef]], remotePort, () => this.notified());
    if (!maps) return;
    this.ring = new BlkifBackRing(maps[0].view);
    this.publishDisk();
    this.switchState(XenbusState.Connected);
    this.processRing();
  }

  /** Finishes in-flight requests, then unbinds and unmaps (xen_blkif_disconnect). */
  protected override disconnect(): Promise<void> {
    if (this.closing) return this.closing;
    if (!this.ring) return Promise.resolve();
    const ring = this.ring;
    this.closing = this.chain.then(() => {
      this.releaseRings();
      if (this.ring === ring) this.ring = null;
      this.closing = null;
    });
    return this.closing;
  }

  // ---------------------------------------------------------------- the ring

  private notified(): void {
    this.stats.notificationsIn++;
    // The VMM ends the notifying guest's slice (HostEvents.onQueued), so its latest exit is the notify hypercall.
    const exit = this.disk.currentExit();
    if (this.unchargedNotifies++ === 0) {
      this.firstNotifyAt = performance.now();
      this.firstNotifyExit = exit;
    }
    this.lastNotifyExit = exit;
    this.processRing();
  }

  /** __do_block_io_op + RING_FINAL_CHECK_FOR_REQUESTS: take every request we may. */
  private processRing(): void {
    const ring = this.ring;
    if (!ring || this.halted || this.closing) return;
    for (;;) {
      const rp = ring.reqProd;
      if (ring.requestProdOverflow(rp)) return this.haltRing(ring, rp);
      while (ring.hasRequest(rp)) {
        if (this.inflight >= this.maxInflight) {
          // Out of request slots: come back when one is answered.
          if (!this.heldBack) {
            this.heldBack = true;
            this.stats.outOfRequests++;
            this.disk.countOutOfRequests();
          }
          return;
        }
        this.take(ring.readRequest(ring.consumeRequest()));
      }
      if (!ring.finalCheckForRequests()) return;
    }
  }

  private take(req: BlkifRequestView): void {
    this.stats.requests++;
    this.inflight++;
    const charged: Charge = {
      hypercalls: this.unchargedNotifies,
      notifiedAt: this.firstNotifyAt,
      firstExit: this.firstNotifyExit,
      lastExit: this.lastNotifyExit,
    };
    this.unchargedNotifies = 0;
    this.firstNotifyAt = null;
    this.firstNotifyExit = null;
    this.lastNotifyExit = null;
    const ring = this.ring;
    this.chain = this.chain.then(async () => {
      let status: number;
      try {
        status = await this.perform(req, charged);
      } catch (e) {
        // A bug of ours must not become the guest's problem beyond this request.
        this.report(String(e));
        status = BlkifStatus.error;
      }
      if (ring && ring === this.ring) this.respond(ring, req, status);
      this.inflight--;
      this.heldBack = false;
      // A slot is free again: take what waited for one (or for the ring to drain).
      this.processRing();
    });
  }

  private respond(ring: BlkifBackRing, req: BlkifRequestView, status: number): void {
    ring.putResponse(req.id, req.operation, status);
    this.stats.responses++;
    if (status !== BlkifStatus.okay) this.stats.errors++;
    if (this.pushResponses(ring)) this.notifyFrontend();
  }

  /** Validates and executes one request; returns the blkif status. */
  private async perform(req: BlkifRequestView, charged: Charge): Promise<number> {
    const { hypercalls, notifiedAt, firstExit, lastExit } = charged;
    const op = req.operation;
    const isData = op === BlkifOp.read || op === BlkifOp.write;
    const isFlush = op === BlkifOp.flush_diskcache || op === BlkifOp.write_barrier;
    if (!isData && !isFlush) {
      // DISCARD and INDIRECT are not offered (no feature-discard / feature-max-indirect-segments).
      this.disk.countError();
      return BlkifStatus.eopnotsupp;
    }
    const n = req.nrSegments;
    if ((isData && n === 0) || n > BLKIF_MAX_SEGMENTS_PER_REQUEST) return this.bad();
    let sectors = 0;
    for (const s of req.segments) {
      // Each segment is a run of 512-byte sectors inside one 4 KiB frame.
      if (s.firstSect > s.lastSect || s.lastSect >= 4096 / SECTOR_SIZE) return this.bad();
      sectors += s.lastSect - s.firstSect + 1;
    }
    const start =
      req.sectorNumber <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(req.sectorNumber) : -1;
    const extras = { hop: 'ring', hypercalls, firstExit, lastExit };
    const disk = this.disk;
    const writes = op !== BlkifOp.read;

    if (n > 0) {
      const rec = disk.admit(writes ? 'write' : 'read', start, sectors, extras);
      if (notifiedAt !== null) rec.hops.unshift({ name: 'notify', t: notifiedAt });
      if (rec.status !== 'pending') return BlkifStatus.error;
      const maps = this.mapSegments(req, writes, rec);
      if (!maps) {
        disk.reject(rec, 'a segment grant could not be mapped');
        return BlkifStatus.error;
      }
      disk.hop(rec, 'grants-mapped');
      let ok: boolean;
      try {
        if (writes) {
          const data = new Uint8Array(sectors * SECTOR_SIZE);
          let at = 0;
          req.segments.forEach((s, i) => {
            const len = (s.lastSect - s.firstSect + 1) * SECTOR_SIZE;
            data.set((maps[i] as GrantMapping).read(s.firstSect * SECTOR_SIZE, len), at);
            at += len;
          });
          ok = (await disk.execute(rec, data)).status === 'ok';
        } else {
          const r = await disk.execute(rec);
          ok = r.status === 'ok' && r.data !== undefined;
          if (ok && r.data) {
            let at = 0;
            req.segments.forEach((s, i) => {
              const len = (s.lastSect - s.firstSect + 1) * SECTOR_SIZE;
              (maps[i] as GrantMapping).write(
                s.firstSect * SECTOR_SIZE,
                r.data!.subarray(at, at + len),
              );
              at += len;
            });
          }
        }
      } finally {
        for (const m of maps) this.opts.grants.unmapGrant(m.handle);
        rec.grantOps += maps.length;
      }
      disk.hop(rec, 'response');
      if (!ok) return BlkifStatus.error;
      if (!isFlush) return BlkifStatus.okay;
    }
    // FLUSH_DISKCACHE / WRITE_BARRIER: everything before (and the data above) made durable.
    // Requests run one at a time, so the barrier's drain of earlier requests has happened.
    const frec = disk.admit('flush', 0, 0, n > 0 ? { hop: 'ring' } : extras);
    if (n === 0 && notifiedAt !== null) frec.hops.unshift({ name: 'notify', t: notifiedAt });
    const r = await disk.execute(frec);
    disk.hop(frec, 'response');
    return r.status === 'ok' ? BlkifStatus.okay : BlkifStatus.error;
  }

  /** Maps every segment's grant (readonly for writes to disk); null, with nothing left mapped, if any fails. */
  private mapSegments(
    req: BlkifRequestView,
    readonly: boolean,
    rec: IoRecord,
  ): GrantMapping[] | null {
    const maps: GrantMapping[] = [];
    for (const s of req.segments) {
      const m = this.opts.grants.mapGrant(this.opts.domid, s.gref, readonly);
      rec.grantOps++;
      if (m.status !== GNTST.okay || !m.mapping) {
        for (const done of maps) this.opts.grants.unmapGrant(done.handle);
        rec.grantOps += maps.length;
        return null;
      }
      maps.push(m.mapping);
    }
    return maps;
  }

  private bad(): number {
    this.disk.countError();
    return BlkifStatus.error;
  }
}
