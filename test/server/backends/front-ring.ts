/**
 * Test helper: the front end's half of a one-page shared ring
 * (xen/include/public/io/ring.h, the FRONT_RING macros), the twin of
 * src/server/backends/back-ring.ts: req_prod_pvt and rsp_cons kept
 * privately, the shared header read and written in the guest's own RAM.
 */
import { PAGE_SIZE } from '../../../src/vmm/abi/hypercall';
import { SringHeader } from '../../../src/vmm/abi/ring';

/** A front-end ring's private indices over its shared page. */
export class FrontRing {
  reqProdPvt = 0;
  rspCons = 0;

  constructor(
    private readonly page: () => DataView,
    readonly slotSize: number,
    readonly slots: number,
  ) {}

  get view(): DataView {
    return this.page();
  }

  /** SHARED_RING_INIT + FRONT_RING_INIT. */
  init(): void {
    const r = this.view;
    for (let i = 0; i < PAGE_SIZE; i += 4) r.setUint32(i, 0, true);
    r.setUint32(SringHeader.req_event, 1, true);
    r.setUint32(SringHeader.rsp_event, 1, true);
    this.reqProdPvt = 0;
    this.rspCons = 0;
  }

  /** Byte offset of slot `idx`; the caller fills it and then calls advance(). */
  slot(idx: number): number {
    return SringHeader.size + (idx & (this.slots - 1)) * this.slotSize;
  }

  advance(): number {
    const idx = this.reqProdPvt;
    this.reqProdPvt = (idx + 1) >>> 0;
    return idx;
  }

  /** RING_PUSH_REQUESTS_AND_CHECK_NOTIFY. */
  push(): boolean {
    const r = this.view;
    const old = r.getUint32(SringHeader.req_prod, true);
    const next = this.reqProdPvt;
    r.setUint32(SringHeader.req_prod, next, true);
    return (next - r.getUint32(SringHeader.req_event, true)) >>> 0 < (next - old) >>> 0;
  }

  /** The responses published and not yet consumed, each read out of its slot by `read`; consumes them. */
  takeResponses<T>(read: (r: DataView, at: number) => T): T[] {
    const r = this.view;
    const prod = r.getUint32(SringHeader.rsp_prod, true);
    const out: T[] = [];
    while (this.rspCons !== prod) {
      out.push(read(r, this.slot(this.rspCons)));
      this.rspCons = (this.rspCons + 1) >>> 0;
    }
    return out;
  }

  /** RING_FINAL_CHECK_FOR_RESPONSES. */
  finalCheck(): boolean {
    const r = this.view;
    if (r.getUint32(SringHeader.rsp_prod, true) !== this.rspCons) return true;
    r.setUint32(SringHeader.rsp_event, (this.rspCons + 1) >>> 0, true);
    return r.getUint32(SringHeader.rsp_prod, true) !== this.rspCons;
  }

  set(field: keyof typeof SringHeader, v: number): void {
    this.view.setUint32(SringHeader[field], v >>> 0, true);
  }

  get(field: keyof typeof SringHeader): number {
    return this.view.getUint32(SringHeader[field], true);
  }
}
