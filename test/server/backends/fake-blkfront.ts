/**
 * Test helper: a guest's blkfront written in TypeScript against the real
 * VMM (a FakeFrontend: ring, grant table and data pages in a real domain's
 * RAM). It follows xen/include/public/io/ring.h's front-end macros and
 * blkfront's handshake, and can also do what a broken or hostile front end
 * would.
 */
import { BlkifRequest, BlkifResponse, BlkifSegment, ringSlots } from '../../../src/vmm/abi/ring';
import { XenbusState } from '../../../src/vmm/abi/xenbus-state';
import type { XenStore } from '../../../src/server/xenstore/xenstore';
import type { Vmm } from '../../../src/vmm/vmm';
import { FakeFrontend } from './fake-frontend';
import { FrontRing } from './front-ring';

export { TestEvents } from './test-events';

export interface Segment {
  gref: number;
  first: number;
  last: number;
}

export interface Response {
  id: bigint;
  operation: number;
  status: number;
}

/** Frames of the guest's RAM the front end uses (clear of the kernel and the VMM's top pages). */
const RING_PAGE = 0x101;
const DATA_PAGE0 = 0x110;
export const RING_REF = 8;

export class FakeBlkfront extends FakeFrontend {
  readonly ring = new FrontRing(
    () => this.view(RING_PAGE),
    BlkifRequest.size,
    ringSlots(BlkifRequest.size),
  );

  constructor(vmm: Vmm, store: XenStore, domid: number, devid: number) {
    super(vmm, store, domid, devid, 'vbd');
  }

  /** Data page i (its grant ref is 16 + i). */
  dataPage(i: number): Uint8Array {
    return this.page(DATA_PAGE0 + i);
  }

  grantData(i: number, readonly = false): number {
    return this.grant(16 + i, DATA_PAGE0 + i, { readonly });
  }

  /** blkfront's talk_to_blkback: ring, grant, event channel, keys, Initialised. */
  connect(opts: { protocol?: string } = {}): void {
    if (this.backendState() !== XenbusState.InitWait) throw new Error('back end not in InitWait');
    this.ring.init();
    this.grant(RING_REF, RING_PAGE);
    this.port = this.vmm.evtchn.allocUnbound(this.d, this.domid, 0);
    this.xs.transaction((tx) => {
      this.xs.write(`${this.frontend}/ring-ref`, String(RING_REF), tx);
      this.xs.write(`${this.frontend}/event-channel`, String(this.port), tx);
      this.xs.write(`${this.frontend}/protocol`, opts.protocol ?? 'riscv32-abi', tx);
    });
    this.setState(XenbusState.Initialised);
    if (this.backendState() === XenbusState.Connected) this.setState(XenbusState.Connected);
  }

  /** Puts a request in the next private slot (not yet visible to the back end). */
  queue(req: {
    op: number;
    id: bigint;
    sector: bigint | number;
    segs: Segment[];
    nrSegments?: number;
  }): void {
    const r = this.ring.view;
    const at = this.ring.slot(this.ring.advance());
    r.setUint8(at + BlkifRequest.operation, req.op);
    r.setUint8(at + BlkifRequest.nr_segments, req.nrSegments ?? req.segs.length);
    r.setUint16(at + BlkifRequest.handle, this.devid & 0xffff, true);
    r.setBigUint64(at + BlkifRequest.id, req.id, true);
    r.setBigUint64(at + BlkifRequest.sector_number, BigInt(req.sector), true);
    req.segs.forEach((s, i) => {
      const sa = at + BlkifRequest.seg + i * BlkifSegment.size;
      r.setUint32(sa + BlkifSegment.gref, s.gref, true);
      r.setUint8(sa + BlkifSegment.first_sect, s.first);
      r.setUint8(sa + BlkifSegment.last_sect, s.last);
    });
  }

  /** RING_PUSH_REQUESTS_AND_CHECK_NOTIFY, then notify_remote_via_evtchn if asked. Returns whether it notified. */
  push(): boolean {
    return this.pushRequests(this.ring);
  }

  /** Takes the responses published so far (without RING_FINAL_CHECK: rsp_event is left alone). */
  take(): Response[] {
    return this.ring.takeResponses((r, at) => ({
      id: r.getBigUint64(at + BlkifResponse.id, true),
      operation: r.getUint8(at + BlkifResponse.operation),
      status: r.getInt16(at + BlkifResponse.status, true),
    }));
  }

  /** RING_FINAL_CHECK_FOR_RESPONSES: ask to be notified of the next response. */
  finalCheck(): boolean {
    return this.ring.finalCheck();
  }

  get reqEvent(): number {
    return this.ring.get('req_event');
  }

  set reqEvent(v: number) {
    this.ring.set('req_event', v);
  }

  set reqProd(v: number) {
    this.ring.set('req_prod', v);
  }
}
