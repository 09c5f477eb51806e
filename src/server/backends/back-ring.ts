import { SringHeader, ringSlots } from '../../vmm/abi/ring';

/**
 * The back end's half of a one-page Xen shared ring
 * (xen/include/public/io/ring.h, the BACK_RING macros): the shared page
 * holds req_prod, req_event, rsp_prod and rsp_event, then as many slots of
 * `slotSize` bytes as fit, rounded down to a power of two (a slot holds a
 * request or, once answered, its response); the back end privately keeps
 * req_cons and rsp_prod_pvt. Indices are free-running u32s. The guest owns
 * the page and may scribble anything on it: every value read here is
 * checked before use.
 *
 * A protocol's ring (blkif, netif TX and RX) adds only its slot layout:
 * how a request is copied out of slot(idx) and a response written to
 * nextResponseSlot().
 */
export class BackRing {
  readonly size: number;
  reqCons: number;
  rspProdPvt: number;
  protected readonly view: DataView;

  constructor(
    private readonly page: Uint8Array,
    readonly slotSize: number,
  ) {
    this.view = new DataView(page.buffer, page.byteOffset, page.length);
    this.size = ringSlots(slotSize, page.length);
    // BACK_RING_ATTACH at the shared rsp_prod: a fresh ring starts at 0, a reconnect where it left off.
    this.rspProdPvt = this.u32(SringHeader.rsp_prod);
    this.reqCons = this.rspProdPvt;
  }

  private u32(off: number): number {
    return this.view.getUint32(off, true);
  }

  get reqProd(): number {
    return this.u32(SringHeader.req_prod);
  }

  get rspProd(): number {
    return this.u32(SringHeader.rsp_prod);
  }

  get reqEvent(): number {
    return this.u32(SringHeader.req_event);
  }

  get rspEvent(): number {
    return this.u32(SringHeader.rsp_event);
  }

  /** RING_HAS_UNCONSUMED_REQUESTS: requests published and not consumed, bounded by free response slots. */
  unconsumedRequests(): number {
    const req = (this.reqProd - this.reqCons) >>> 0;
    const rsp = this.size - ((this.reqCons - this.rspProdPvt) >>> 0);
    return Math.min(req, rsp);
  }

  /** RING_REQUEST_PROD_OVERFLOW: the front claims more requests than the ring can hold. */
  requestProdOverflow(prod: number): boolean {
    return (prod - this.rspProdPvt) >>> 0 > this.size;
  }

  /** RING_REQUEST_CONS_OVERFLOW: consuming `cons` would overrun unanswered slots. */
  requestConsOverflow(cons: number): boolean {
    return (cons - this.rspProdPvt) >>> 0 >= this.size;
  }

  /**
   * The back ends' loop condition (`rc != rp`, then RING_REQUEST_CONS_OVERFLOW):
   * a request before `prod` is waiting and its slot is free to read.
   */
  hasRequest(prod: number): boolean {
    return this.reqCons !== prod && !this.requestConsOverflow(this.reqCons);
  }

  /** `ring->req_cons++`: the index of the request taken, for the caller to copy out of its slot. */
  consumeRequest(): number {
    const idx = this.reqCons;
    this.reqCons = (idx + 1) >>> 0;
    return idx;
  }

  /** Byte offset of slot `idx` (RING_GET_REQUEST / RING_GET_RESPONSE: the index masked to the ring). */
  protected slot(idx: number): number {
    return SringHeader.size + (idx & (this.size - 1)) * this.slotSize;
  }

  /** RING_GET_RESPONSE(rsp_prod_pvt++): the slot the next response goes in, still private. */
  protected nextResponseSlot(): number {
    const at = this.slot(this.rspProdPvt);
    this.rspProdPvt = (this.rspProdPvt + 1) >>> 0;
    return at;
  }

  /**
   * RING_PUSH_RESPONSES_AND_CHECK_NOTIFY: publish rsp_prod, and notify only
   * if the front asked to hear about a response in the range just pushed
   * (rsp_event ∈ (old, new]). False when there was nothing to push.
   */
  pushResponses(): boolean {
    const old = this.rspProd;
    const next = this.rspProdPvt;
    if (old === next) return false;
    this.view.setUint32(SringHeader.rsp_prod, next, true);
    return (next - this.rspEvent) >>> 0 < (next - old) >>> 0;
  }

  /**
   * RING_FINAL_CHECK_FOR_REQUESTS: with nothing left, ask to be notified of
   * the next request (req_event = req_cons + 1), then check once more for
   * a request that raced with that.
   */
  finalCheckForRequests(): boolean {
    if (this.unconsumedRequests() > 0) return true;
    this.view.setUint32(SringHeader.req_event, (this.reqCons + 1) >>> 0, true);
    return this.unconsumedRequests() > 0;
  }

  /** The page (for tests). */
  get bytes(): Uint8Array {
    return this.page;
  }
}
