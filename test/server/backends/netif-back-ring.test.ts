import { describe, expect, it } from 'vitest';
import { NetifRxBackRing, NetifTxBackRing } from '../../../src/server/backends/netif-back-ring';
import { PAGE_SIZE } from '../../../src/vmm/abi/hypercall';
import { NetifTxRequest, SringHeader } from '../../../src/vmm/abi/ring';

/** A shared page with the given header indices (what a front end would have written). */
function page(h: Partial<Record<keyof typeof SringHeader, number>>): Uint8Array {
  const p = new Uint8Array(PAGE_SIZE);
  const v = new DataView(p.buffer);
  for (const [k, x] of Object.entries(h))
    v.setUint32(SringHeader[k as keyof typeof SringHeader], x >>> 0, true);
  return p;
}

describe('netif back rings (ring.h back-end macros over netif.h slots)', () => {
  it('has 256 slots on both rings, and the TX slots are 12 bytes apart', () => {
    const p = page({});
    const tx = new NetifTxBackRing(p);
    expect([tx.size, new NetifRxBackRing(page({})).size]).toEqual([256, 256]);
    const v = new DataView(p.buffer);
    const at = SringHeader.size + 3 * 12;
    v.setUint32(at + NetifTxRequest.gref, 0xdeadbeef, true);
    v.setUint16(at + NetifTxRequest.offset, 100, true);
    v.setUint16(at + NetifTxRequest.flags, 2, true);
    v.setUint16(at + NetifTxRequest.id, 77, true);
    v.setUint16(at + NetifTxRequest.size_, 1514, true);
    // Index 259 masks into slot 3.
    expect(tx.readRequest(259)).toEqual({
      gref: 0xdeadbeef,
      offset: 100,
      flags: 2,
      id: 77,
      size: 1514,
    });
  });

  it.each([
    // rsp_prod (attach point), req_prod, overflow?
    [0, 0, false],
    [0, 256, false],
    [0, 257, true],
    [10, 5, true], // req_prod behind the responses: 2^32 − 5 ahead
    [0xffff_ff00, 0x0000_0000, false], // 256 across the wrap
    [0xffff_ff00, 0x0000_0001, true],
  ])('rsp_prod %i, req_prod %i: RING_REQUEST_PROD_OVERFLOW = %s', (rspProd, reqProd, over) => {
    const ring = new NetifRxBackRing(page({ rsp_prod: rspProd, req_prod: reqProd }));
    expect(ring.reqCons).toBe(rspProd); // BACK_RING_ATTACH
    expect(ring.requestProdOverflow(ring.reqProd)).toBe(over);
  });

  it.each([
    // rsp_event, responses pushed from 0, notify?
    [1, 1, true],
    [1, 3, true],
    [3, 3, true],
    [4, 3, false],
    [0, 3, false], // asked about an index already passed
  ])('rsp_event %i, %i responses pushed: notify = %s', (rspEvent, n, notify) => {
    const ring = new NetifRxBackRing(page({ rsp_event: rspEvent, req_prod: n }));
    for (let i = 0; i < n; i++) {
      ring.reqCons++;
      ring.putResponse(i, 0, 0, 60);
    }
    expect(ring.pushResponses()).toBe(notify);
    expect(ring.rspProd).toBe(n);
    expect(ring.pushResponses()).toBe(false); // nothing new
  });

  it('final check asks for the next request (req_event = req_cons + 1) only when none is left', () => {
    const p = page({ req_prod: 2, req_event: 1 });
    const ring = new NetifTxBackRing(p);
    expect(ring.finalCheckForRequests()).toBe(true);
    expect(ring.reqEvent).toBe(1);
    ring.reqCons = 2;
    ring.putResponse(0, 0);
    ring.putResponse(1, 0);
    expect(ring.finalCheckForRequests()).toBe(false);
    expect(ring.reqEvent).toBe(3);
  });
});
