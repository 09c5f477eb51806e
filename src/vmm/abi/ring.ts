/**
 * Shared-ring layouts (xen/include/public/io/ring.h, blkif.h, netif.h, console.h),
 * ilp32. The VMM only allocates these pages; front and back ends read them.
 */
import { PAGE_SIZE } from './hypercall';

/** `struct *_sring` header: four RING_IDX (u32) then padding to 64 bytes. */
export const SringHeader = {
  req_prod: 0,
  req_event: 4,
  rsp_prod: 8,
  rsp_event: 12,
  size: 64,
} as const;

/** Slots in a one-page ring: (page − header) / slot size, rounded down to a power of two. */
export function ringSlots(slotSize: number, pageSize = PAGE_SIZE): number {
  const n = Math.floor((pageSize - SringHeader.size) / slotSize);
  return n <= 0 ? 0 : 2 ** Math.floor(Math.log2(n));
}

/** `struct xencons_interface` (console.h). */
export const XenconsInterface = {
  in: 0,
  in_size: 1024,
  out: 1024,
  out_size: 2048,
  in_cons: 3072,
  in_prod: 3076,
  out_cons: 3080,
  out_prod: 3084,
  size: 3088,
} as const;

/** blkif operations and statuses (blkif.h). */
export const BlkifOp = {
  read: 0,
  write: 1,
  write_barrier: 2,
  flush_diskcache: 3,
  discard: 5,
  indirect: 6,
} as const;
export const BlkifStatus = { okay: 0, error: -1, eopnotsupp: -2 } as const;
export const BLKIF_MAX_SEGMENTS_PER_REQUEST = 11;
export const BLKIF_SECTOR_SIZE = 512;
/** `struct blkif_request_segment { grant_ref_t gref; uint8_t first_sect, last_sect; }` (8 bytes with padding). */
export const BlkifSegment = { gref: 0, first_sect: 4, last_sect: 5, size: 8 } as const;
/** `struct blkif_request` — 112 bytes, one ring slot. */
export const BlkifRequest = {
  operation: 0,
  nr_segments: 1,
  handle: 2,
  id: 8,
  sector_number: 16,
  seg: 24,
  size: 112,
} as const;
/** `struct blkif_response { uint64_t id; uint8_t operation; int16_t status; }` */
export const BlkifResponse = { id: 0, operation: 8, status: 10, size: 16 } as const;

/** netif TX/RX layouts (netif.h). */
export const NetifTxRequest = { gref: 0, offset: 4, flags: 6, id: 8, size_: 10, size: 12 } as const;
export const NetifTxResponse = { id: 0, status: 2, size: 4 } as const;
export const NetifRxRequest = { id: 0, pad: 2, gref: 4, size: 8 } as const;
export const NetifRxResponse = { id: 0, offset: 2, flags: 4, status: 6, size: 8 } as const;
/**
 * `struct netif_extra_info`: the slot that follows a TX request flagged
 * NETTXF_extra_info (GSO, multicast, hash options) — type, flags, then a
 * 6-byte union. Tabvisor offers none of those options.
 */
export const NetifExtraInfo = { type: 0, flags: 1, u: 2, size: 8 } as const;
/** netif_extra_info.flags: another extra-info slot follows this one. */
export const XEN_NETIF_EXTRA_FLAG_MORE = 1;
/**
 * Slots of the one-page TX and RX rings (netif.h NET_TX_RING_SIZE /
 * NET_RX_RING_SIZE): a TX slot is the union of request (12 bytes), response
 * (4) and netif_extra_info (8), an RX slot request and response (8 each) —
 * 256 slots each.
 */
export const NET_TX_RING_SIZE = ringSlots(NetifTxRequest.size);
export const NET_RX_RING_SIZE = ringSlots(NetifRxResponse.size);
/** `netif_tx_request.flags` (NETTXF_*). */
export const NetifTxFlag = {
  csum_blank: 1,
  data_validated: 2,
  more_data: 4,
  extra_info: 8,
} as const;
/** `netif_rx_response.flags` (NETRXF_*). */
export const NetifRxFlag = {
  data_validated: 1,
  csum_blank: 2,
  more_data: 4,
  extra_info: 8,
} as const;
/** `status` of a TX response, and of an RX response that failed (NETIF_RSP_*); RX success is the byte count. */
export const NetifStatus = { dropped: -2, error: -1, okay: 0, null: 1 } as const;
