import {
  NetifExtraInfo,
  NetifRxRequest,
  NetifRxResponse,
  NetifTxRequest,
  NetifTxResponse,
} from '../../vmm/abi/ring';
import { BackRing } from './back-ring';

/**
 * The back end's half of a netif's two shared rings
 * (xen/include/public/io/ring.h with io/netif.h's DEFINE_RING_TYPES(netif_tx, …)
 * and (netif_rx, …)): 256 slots each — 12 bytes on the TX ring (a request,
 * its response or an extra-info slot), 8 on the RX ring. The ring
 * mechanics are BackRing's; these are the slot layouts of io/netif.h.
 */

/** A TX request copied out of the ring (so the guest cannot change it under us). */
export interface NetifTxRequestView {
  readonly gref: number;
  readonly offset: number;
  readonly flags: number;
  readonly id: number;
  readonly size: number;
}

/** The guest's transmit ring: requests carry frames to the back end. */
export class NetifTxBackRing extends BackRing {
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
    const at = this.nextResponseSlot();
    this.view.setUint16(at + NetifTxResponse.id, id, true);
    this.view.setInt16(at + NetifTxResponse.status, status, true);
  }

  /** The NETIF_RSP_NULL answer to an extra-info slot: only the status is written (as Linux's make_tx_response). */
  putStatusOnly(status: number): void {
    this.view.setInt16(this.nextResponseSlot() + NetifTxResponse.status, status, true);
  }
}

/** An RX request copied out of the ring: an empty page the guest offers for one frame. */
export interface NetifRxRequestView {
  readonly id: number;
  readonly gref: number;
}

/** The guest's receive ring: requests post buffers, responses say what landed in them. */
export class NetifRxBackRing extends BackRing {
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
    const at = this.nextResponseSlot();
    this.view.setUint16(at + NetifRxResponse.id, id, true);
    this.view.setUint16(at + NetifRxResponse.offset, offset, true);
    this.view.setUint16(at + NetifRxResponse.flags, flags, true);
    this.view.setInt16(at + NetifRxResponse.status, status, true);
  }
}
