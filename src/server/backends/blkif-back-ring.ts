import {
  BLKIF_MAX_SEGMENTS_PER_REQUEST,
  BlkifRequest,
  BlkifResponse,
  BlkifSegment,
  SringHeader,
  ringSlots,
} from '../../vmm/abi/ring';

/**
 * The back end's half of a blkif shared ring (xen/include/public/io/ring.h,
 * DEFINE_RING_TYPES(blkif, …)): the shared page holds req_prod, req_event,
 * rsp_prod, rsp_event and 32 slots of 112 bytes (a request or, once
 * answered, a response); the back end privately keeps req_cons and
 * rsp_prod_pvt. Indices are free-running u32s. The guest owns the page and
 * may scribble anything on it: every value read here is checked before use.
 */

export interface BlkifSegmentView {
  readonly gref: number;
  readonly firstSect: number;
  readonly lastSect: number;
}

/** A request copied out of the ring (so the guest cannot change it under us). */
export interface BlkifRequestView {
  readonly operation: number;
  readonly nrSegments: number;
  readonly handle: number;
  readonly id: bigint;
  readonly sectorNumber: bigint;
  /** The first min(nr_segments, 11) segments. */
  readonly segments: readonly BlkifSegmentView[];
}

export class BlkifBackRing {
  readonly size: number;
  reqCons: number;
  rspProdPvt: number;
  private readonly view: DataView;

  constructor(private readonly page: Uint8Array) {
    this.view = new DataView(page.buffer, page.byteOffset, page.length);
    this.size = ringSlots(BlkifRequest.size, page.length);
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

  private slot(idx: number): number {
    return SringHeader.size + (idx & (this.size - 1)) * BlkifRequest.size;
  }

  /** RING_COPY_REQUEST of slot `idx`. */
  readRequest(idx: number): BlkifRequestView {
    const at = this.slot(idx);
    const v = this.view;
    const nrSegments = v.getUint8(at + BlkifRequest.nr_segments);
    const segments: BlkifSegmentView[] = [];
    for (let i = 0; i < Math.min(nrSegments, BLKIF_MAX_SEGMENTS_PER_REQUEST); i++) {
      const s = at + BlkifRequest.seg + i * BlkifSegment.size;
      segments.push({
        gref: v.getUint32(s + BlkifSegment.gref, true),
        firstSect: v.getUint8(s + BlkifSegment.first_sect),
        lastSect: v.getUint8(s + BlkifSegment.last_sect),
      });
    }
    return {
      operation: v.getUint8(at + BlkifRequest.operation),
      nrSegments,
      handle: v.getUint16(at + BlkifRequest.handle, true),
      id: v.getBigUint64(at + BlkifRequest.id, true),
      sectorNumber: v.getBigUint64(at + BlkifRequest.sector_number, true),
      segments,
    };
  }

  /** Writes a response in the next private slot (RING_GET_RESPONSE(rsp_prod_pvt++)). */
  putResponse(id: bigint, operation: number, status: number): void {
    const at = this.slot(this.rspProdPvt);
    this.view.setBigUint64(at + BlkifResponse.id, id, true);
    this.view.setUint8(at + BlkifResponse.operation, operation);
    this.view.setInt16(at + BlkifResponse.status, status, true);
    this.rspProdPvt = (this.rspProdPvt + 1) >>> 0;
  }

  /**
   * RING_PUSH_RESPONSES_AND_CHECK_NOTIFY: publish rsp_prod, and notify only
   * if the front asked to hear about a response in the range just pushed
   * (rsp_event ∈ (old, new]).
   */
  pushResponses(): boolean {
    const old = this.rspProd;
    const next = this.rspProdPvt;
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
