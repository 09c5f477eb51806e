import { describe, expect, it } from 'vitest';
import { BackRing } from '../../../src/server/backends/back-ring';
import { PAGE_SIZE } from '../../../src/vmm/abi/hypercall';
import { BlkifRequest, NetifTxRequest, SringHeader } from '../../../src/vmm/abi/ring';

/** A shared page whose header holds req_prod and rsp_prod (what a front end would have written). */
function page(reqProd: number, rspProd = 0): Uint8Array {
  const p = new Uint8Array(PAGE_SIZE);
  const v = new DataView(p.buffer);
  v.setUint32(SringHeader.req_prod, reqProd >>> 0, true);
  v.setUint32(SringHeader.rsp_prod, rspProd >>> 0, true);
  return p;
}

describe('BackRing (ring.h back-end macros, any slot size)', () => {
  it.each([
    // slot size, slots in one page
    [BlkifRequest.size, 32], // blkif: 112-byte slots
    [NetifTxRequest.size, 256], // netif TX: 12-byte slots
    [8, 256], // netif RX
    [64, 32], // 63 would fit: rounded down to a power of two
  ])('%i-byte slots: %i of them', (slotSize, slots) => {
    expect(new BackRing(page(0), slotSize).size).toBe(slots);
  });

  it('never reads past a ring of unanswered requests (RING_REQUEST_CONS_OVERFLOW), whatever req_prod claims', () => {
    const ring = new BackRing(page(40, 0xffff_fff0), BlkifRequest.size);
    const prod = ring.reqProd;
    expect(ring.requestProdOverflow(prod)).toBe(true); // 56 ahead: a back end halts on this
    const taken: number[] = [];
    while (ring.hasRequest(prod)) taken.push(ring.consumeRequest());
    // 32 slots, none answered yet: the 33rd request waits for a response slot.
    expect(taken).toHaveLength(32);
    expect(taken[0]).toBe(0xffff_fff0);
    expect(ring.reqCons).toBe(0x10); // wrapped
    expect(ring.unconsumedRequests()).toBe(0);
    expect(ring.finalCheckForRequests()).toBe(false);
    expect(ring.reqEvent).toBe(0x11);
  });

  it('with req_cons at req_prod there is nothing to take', () => {
    const ring = new BackRing(page(5, 5), NetifTxRequest.size);
    expect(ring.hasRequest(ring.reqProd)).toBe(false);
    expect(ring.pushResponses()).toBe(false); // and nothing to push
  });
});
