import { GNTST } from '../../src/vmm/abi/grant-table';
import {
  BlkifOp,
  BlkifRequest,
  BlkifResponse,
  BlkifSegment,
  BlkifStatus,
  SringHeader,
  ringSlots,
} from '../../src/vmm/abi/ring';
import { XenbusState } from '../../src/vmm/abi/xenbus-state';
import type { GrantMapping } from '../../src/vmm/grant-table';
import type { Vmm } from '../../src/vmm/vmm';
import type { Dom0Events } from '../../src/server/toolstack/dom0-events';
import type { XsConnection } from '../../src/server/xenstore/xenstore';

/**
 * A minimal blkback for Sprout's tests, until the VM server's
 * (src/server/backends/blkback.ts) lands: the back-end half of the
 * io/xenbus.h handshake (InitWait → wait for the front end's Initialised →
 * map the ring, bind the channel, publish the disk → Connected; Closing →
 * Closed) and the io/blkif.h ring, each segment mapped through the grant
 * table for the copy, as Xen's blkback does.
 */
export class BlkbackModel {
  requests = 0;
  flushes = 0;
  notifications = 0;
  /** XenbusState values the front end went through. */
  readonly frontStates: number[] = [];
  private ring: GrantMapping | null = null;
  private port = 0;
  private reqCons = 0;
  private rspProdPvt = 0;
  private readonly slots = ringSlots(BlkifRequest.size);

  constructor(
    private readonly vmm: Vmm,
    private readonly events: Dom0Events,
    private readonly xs: XsConnection,
    private readonly domid: number,
    private readonly front: string,
    private readonly back: string,
    readonly image: Uint8Array,
  ) {
    xs.write(`${back}/feature-flush-cache`, '1');
    xs.write(`${back}/state`, String(XenbusState.InitWait));
    xs.watch(`${front}/state`, 'blkback', () => this.frontChanged());
  }

  private frontChanged(): void {
    const s = Number(this.xs.tryReadString(`${this.front}/state`) ?? '0');
    if (this.frontStates[this.frontStates.length - 1] !== s) this.frontStates.push(s);
    if (s === XenbusState.Initialised && !this.ring) this.connect();
    if (s === XenbusState.Closing) this.xs.write(`${this.back}/state`, String(XenbusState.Closing));
    if (s === XenbusState.Closed) this.disconnect();
  }

  private connect(): void {
    const ref = Number(this.xs.readString(`${this.front}/ring-ref`));
    const port = Number(this.xs.readString(`${this.front}/event-channel`));
    const { status, mapping } = this.vmm.mapGrant(this.domid, ref, false);
    if (status !== GNTST.okay || !mapping) throw new Error(`cannot map ring-ref ${ref}: ${status}`);
    this.ring = mapping;
    this.port = this.events.bind(this.domid, port, () => this.service());
    this.xs.write(`${this.back}/sectors`, String(this.image.length / 512));
    this.xs.write(`${this.back}/sector-size`, '512');
    this.xs.write(`${this.back}/info`, '0');
    this.xs.write(`${this.back}/state`, String(XenbusState.Connected));
  }

  private disconnect(): void {
    if (this.ring) this.vmm.unmapGrant(this.ring.handle);
    if (this.port) this.events.close(this.port);
    this.ring = null;
    this.port = 0;
    this.xs.write(`${this.back}/state`, String(XenbusState.Closed));
  }

  private u32(off: number): number {
    return new DataView(this.ring!.view.buffer, this.ring!.view.byteOffset).getUint32(off, true);
  }

  private service(): void {
    const ring = this.ring;
    if (!ring) return;
    this.notifications++;
    const page = ring.view;
    const dv = new DataView(page.buffer, page.byteOffset, 4096);
    for (;;) {
      const prod = this.u32(SringHeader.req_prod);
      while (this.reqCons !== prod) {
        const at = SringHeader.size + (this.reqCons & (this.slots - 1)) * BlkifRequest.size;
        const op = dv.getUint8(at + BlkifRequest.operation);
        const nseg = dv.getUint8(at + BlkifRequest.nr_segments);
        const idLo = dv.getUint32(at + BlkifRequest.id, true);
        const idHi = dv.getUint32(at + BlkifRequest.id + 4, true);
        const sector =
          dv.getUint32(at + BlkifRequest.sector_number, true) +
          dv.getUint32(at + BlkifRequest.sector_number + 4, true) * 2 ** 32;
        this.reqCons = (this.reqCons + 1) >>> 0;
        this.requests++;
        let status: number = BlkifStatus.okay;
        if (op === BlkifOp.flush_diskcache) {
          this.flushes++;
        } else if (op === BlkifOp.read || op === BlkifOp.write) {
          let lba = sector;
          for (let s = 0; s < nseg && status === BlkifStatus.okay; s++) {
            const seg = at + BlkifRequest.seg + s * BlkifSegment.size;
            const gref = dv.getUint32(seg + BlkifSegment.gref, true);
            const first = dv.getUint8(seg + BlkifSegment.first_sect);
            const last = dv.getUint8(seg + BlkifSegment.last_sect);
            const n = last - first + 1;
            if (last < first || last > 7 || (lba + n) * 512 > this.image.length) {
              status = BlkifStatus.error;
              break;
            }
            const m = this.vmm.mapGrant(this.domid, gref, op === BlkifOp.write);
            if (m.status !== GNTST.okay || !m.mapping) {
              status = BlkifStatus.error;
              break;
            }
            if (op === BlkifOp.read)
              m.mapping.write(first * 512, this.image.subarray(lba * 512, (lba + n) * 512));
            else this.image.set(m.mapping.read(first * 512, n * 512), lba * 512);
            this.vmm.unmapGrant(m.mapping.handle);
            lba += n;
          }
        } else {
          status = BlkifStatus.eopnotsupp;
        }
        const rsp = SringHeader.size + (this.rspProdPvt & (this.slots - 1)) * BlkifRequest.size;
        dv.setUint32(rsp + BlkifResponse.id, idLo, true);
        dv.setUint32(rsp + BlkifResponse.id + 4, idHi, true);
        dv.setUint8(rsp + BlkifResponse.operation, op);
        dv.setInt16(rsp + BlkifResponse.status, status, true);
        this.rspProdPvt = (this.rspProdPvt + 1) >>> 0;
      }
      // RING_PUSH_RESPONSES_AND_CHECK_NOTIFY, then RING_FINAL_CHECK_FOR_REQUESTS.
      const old = this.u32(SringHeader.rsp_prod);
      const next = this.rspProdPvt;
      dv.setUint32(SringHeader.rsp_prod, next, true);
      const event = this.u32(SringHeader.rsp_event);
      if ((next - event) >>> 0 < (next - old) >>> 0) this.events.notify(this.port);
      dv.setUint32(SringHeader.req_event, (this.reqCons + 1) >>> 0, true);
      if (this.u32(SringHeader.req_prod) === this.reqCons) return;
    }
  }
}
