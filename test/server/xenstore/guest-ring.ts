/**
 * Test helper: the guest (frontend) end of a xenstore ring, written from
 * xs_wire.h alone, the way a guest kernel's xenbus driver does it: write
 * requests at req_prod while space remains, read replies from rsp_cons.
 */
import {
  maskXenstoreIdx,
  XENSTORE_RING_SIZE,
  XenstoreInterface,
} from '../../../src/server/xenstore/xs-ring.ts';
import {
  decodeHeader,
  encodeMessage,
  type XsMessage,
} from '../../../src/server/xenstore/xs-wire.ts';

export class GuestRing {
  readonly page = new Uint8Array(4096);
  private readonly view = new DataView(this.page.buffer);
  private inbox = new Uint8Array(0);

  get(offset: number): number {
    return this.view.getUint32(offset, true);
  }

  set(offset: number, value: number): void {
    this.view.setUint32(offset, value >>> 0, true);
  }

  /** Starts all four indices at `start` (to test 32-bit wraparound). */
  setIndices(start: number): void {
    for (const off of [
      XenstoreInterface.reqCons,
      XenstoreInterface.reqProd,
      XenstoreInterface.rspCons,
      XenstoreInterface.rspProd,
    ]) {
      this.set(off, start);
    }
  }

  /** Free space in the request ring. */
  get space(): number {
    return (
      XENSTORE_RING_SIZE -
      ((this.get(XenstoreInterface.reqProd) - this.get(XenstoreInterface.reqCons)) >>> 0)
    );
  }

  /** Writes as many of `bytes` as fit; returns how many. */
  writeRaw(bytes: Uint8Array): number {
    const prod = this.get(XenstoreInterface.reqProd);
    const n = Math.min(bytes.length, this.space);
    for (let i = 0; i < n; i++) {
      this.page[XenstoreInterface.req + maskXenstoreIdx(prod + i)] = bytes[i] as number;
    }
    this.set(XenstoreInterface.reqProd, prod + n);
    return n;
  }

  /** Encodes and writes a whole message; returns the bytes that did not fit. */
  send(msg: XsMessage): Uint8Array {
    const bytes = encodeMessage(msg);
    return bytes.subarray(this.writeRaw(bytes));
  }

  /** Takes everything on the reply ring. */
  drain(): number {
    const cons = this.get(XenstoreInterface.rspCons);
    const prod = this.get(XenstoreInterface.rspProd);
    const n = (prod - cons) >>> 0;
    if (n > XENSTORE_RING_SIZE) return 0; // a broken ring: nothing sensible to read
    const got = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      got[i] = this.page[XenstoreInterface.rsp + maskXenstoreIdx(cons + i)] as number;
    }
    this.set(XenstoreInterface.rspCons, prod);
    const merged = new Uint8Array(this.inbox.length + n);
    merged.set(this.inbox);
    merged.set(got, this.inbox.length);
    this.inbox = merged;
    return n;
  }

  /** Complete messages received so far (drains the ring first). */
  receive(): XsMessage[] {
    this.drain();
    const out: XsMessage[] = [];
    for (;;) {
      if (this.inbox.length < 16) break;
      const h = decodeHeader(this.inbox);
      if (this.inbox.length < 16 + h.len) break;
      out.push({
        type: h.type,
        reqId: h.reqId,
        txId: h.txId,
        payload: this.inbox.slice(16, 16 + h.len),
      });
      this.inbox = this.inbox.slice(16 + h.len);
    }
    return out;
  }
}
