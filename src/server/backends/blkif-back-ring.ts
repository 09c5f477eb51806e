import {
  BLKIF_MAX_SEGMENTS_PER_REQUEST,
  BlkifRequest,
  BlkifResponse,
  BlkifSegment,
} from '../../vmm/abi/ring';
import { BackRing } from './back-ring';

/**
 * The back end's half of a blkif shared ring (xen/include/public/io/ring.h,
 * DEFINE_RING_TYPES(blkif, …)): 32 slots of 112 bytes (a request or, once
 * answered, a response). The ring mechanics are BackRing's; this is the
 * slot layout of io/blkif.h.
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

export class BlkifBackRing extends BackRing {
  constructor(page: Uint8Array) {
    super(page, BlkifRequest.size);
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
    const at = this.nextResponseSlot();
    this.view.setBigUint64(at + BlkifResponse.id, id, true);
    this.view.setUint8(at + BlkifResponse.operation, operation);
    this.view.setInt16(at + BlkifResponse.status, status, true);
  }
}
