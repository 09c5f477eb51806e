import {
  NetifExtraInfo,
  NetifRxRequest,
  NetifRxResponse,
  NetifTxRequest,
  NetifTxResponse,
  SringHeader,
  ringSlots,
} from '../../vmm/abi/ring';

/**
 * The back end's half of a netif's two shared rings
 * (xen/include/public/io/ring.h with io/netif.h's DEFINE_RING_TYPES(netif_tx, …)
 * and (netif_rx, …)): each page holds req_prod, req_event, rsp_prod,
 * rsp_event and 256 slots — 12 bytes on the TX ring (a request, its
 * response or an extra-info slot), 8 on the RX ring. The back end privately
 * keeps req_cons and rsp_prod_pvt. Indices are free-running u32s. The guest
 * owns the pages and may scribble anything on them: every value read here
 * is checked before use.
 */
export class NetifBackRing {
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

  protected u32(off: number): number {
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

  protected slot(idx: number): number {
    return SringHeader.size + (idx & (this.size - 1)) * this.slotSize;
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

/** A TX request copied out of the ring (so the guest cannot change it under us). */
export interface NetifTxRequestView {
  readonly gref: number;
  readonly offset: number;
  readonly flags: number;
  readonly id: number;
  readonly size: number;
}

/** The guest's transmit ring: requests carry frames to the back end. */
export class NetifTxBackRing extends NetifBackRing {
  constructor(page: Uint8Array) {
    super(page, NetifTxRequest.size);
  }

  /** RING_COPY_REQUEST of slot `idx`. */
  readRequest(idx: number): NetifTxRequestView {
    const at = this.slot(idx);
    const v = this.view;
    return {
      gref: v.getUint32(at + NetifTxRequest.gref, true),
      offset: v.getUint16(at + NetifTxRequest.offset, true),
      flags: v.getUint16(at + NetifTxRequest.flags, true),
      id: v.getUint16(at + NetifTxRequest.id, true),
      size: v.getUint16(at + NetifTxRequest.size_, true),
    };
  }

  /** Slot `idx` read as a netif_extra_info: its type and flags. */
  readExtra(idx: number): { readonly type: number; readonly flags: number } {
    const at = this.slot(idx);
    return {
      type: this.view.getUint8(at + NetifExtraInfo.type),
      flags: this.view.getUint8(at + NetifExtraInfo.flags),
    };
  }

  /** Writes a response in the next private slot (RING_GET_RESPONSE(rsp_prod_pvt++)). */
  putResponse(id: number, status: number): void {
    const at = this.slot(this.rspProdPvt);
    this.view.setUint16(at + NetifTxResponse.id, id, true);
    this.view.setInt16(at + NetifTxResponse.status, status, true);
    this.rspProdPvt = (this.rspProdPvt + 1) >>> 0;
  }

  /** The NETIF_RSP_NULL answer to an extra-info slot: only the status is written (as Linux's make_tx_response). */
  putStatusOnly(status: number): void {
    const at = this.slot(this.rspProdPvt);
    this.view.setInt16(at + NetifTxResponse.status, status, true);
    this.rspProdPvt = (this.rspProdPvt + 1) >>> 0;
  }
}

/** An RX request copied out of the ring: an empty page the guest offers for one frame. */
export interface NetifRxRequestView {
  readonly id: number;
  readonly gref: number;
}

/** The guest's receive ring: requests post buffers, responses say what landed in them. */
export class NetifRxBackRing extends NetifBackRing {
  constructor(page: Uint8Array) {
    super(page, NetifRxResponse.size);
  }

  readRequest(idx: number): NetifRxRequestView {
    const at = this.slot(idx);
    return {
      id: this.view.getUint16(at + NetifRxRequest.id, true),
      gref: this.view.getUint32(at + NetifRxRequest.gref, true),
    };
  }

  putResponse(id: number, offset: number, flags: number, status: number): void {
    const at = this.slot(this.rspProdPvt);
    this.view.setUint16(at + NetifRxResponse.id, id, true);
    this.view.setUint16(at + NetifRxResponse.offset, offset, true);
    this.view.setUint16(at + NetifRxResponse.flags, flags, true);
    this.view.setInt16(at + NetifRxResponse.status, status, true);
    this.rspProdPvt = (this.rspProdPvt + 1) >>> 0;
  }
}
