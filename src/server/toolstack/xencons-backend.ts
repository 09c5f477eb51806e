import { XenconsInterface } from '../../vmm/abi/ring.ts';

/**
 * The back end of a PV guest's console ring (xen/include/public/io/console.h
 * `struct xencons_interface`): the guest produces into `out` and we consume;
 * we produce typed keys into `in` and the guest consumes. Indices are
 * free-running u32s, masked by the ring size (MASK_XENCONS_IDX). A guest
 * that corrupts its indices loses its pending output, never more.
 */
export class XenconsBackend {
  private readonly view: DataView;
  private backlog: number[] = [];
  /** Has the guest ever used the ring (so typed keys should go there)? */
  active = false;
  bytesOut = 0;
  bytesIn = 0;
  protocolErrors = 0;

  constructor(
    private readonly page: Uint8Array,
    private readonly notify: () => void,
    private readonly onOutput: (bytes: Uint8Array) => void,
  ) {
    this.view = new DataView(page.buffer, page.byteOffset, XenconsInterface.size);
  }

  private u32(off: number): number {
    return this.view.getUint32(off, true);
  }

  /** The guest notified: take its output, refill input. */
  service(): void {
    this.active = true;
    let notify = false;
    const prod = this.u32(XenconsInterface.out_prod);
    let cons = this.u32(XenconsInterface.out_cons);
    let avail = (prod - cons) >>> 0;
    if (avail > XenconsInterface.out_size) {
      this.protocolErrors++;
      cons = prod;
      avail = 0;
      this.view.setUint32(XenconsInterface.out_cons, cons, true);
    }
    if (avail > 0) {
      const bytes = new Uint8Array(avail);
      for (let i = 0; i < avail; i++) {
        bytes[i] = this.page[
          XenconsInterface.out + ((cons + i) & (XenconsInterface.out_size - 1))
        ] as number;
      }
      this.view.setUint32(XenconsInterface.out_cons, (cons + avail) >>> 0, true);
      this.bytesOut += avail;
      this.onOutput(bytes);
      notify = true;
    }
    if (this.fill()) notify = true;
    if (notify) this.notify();
  }

  /** Keys for the guest; what does not fit waits for the guest to read. */
  input(bytes: Uint8Array): void {
    for (const b of bytes) this.backlog.push(b);
    if (this.fill()) this.notify();
  }

  get pendingInput(): number {
    return this.backlog.length;
  }

  private fill(): boolean {
    if (this.backlog.length === 0) return false;
    const cons = this.u32(XenconsInterface.in_cons);
    let prod = this.u32(XenconsInterface.in_prod);
    const used = (prod - cons) >>> 0;
    if (used > XenconsInterface.in_size) {
      this.protocolErrors++;
      return false;
    }
    const room = Math.min(XenconsInterface.in_size - used, this.backlog.length);
    if (room === 0) return false;
    for (let i = 0; i < room; i++) {
      this.page[XenconsInterface.in + (prod & (XenconsInterface.in_size - 1))] = this.backlog[
        i
      ] as number;
      prod = (prod + 1) >>> 0;
    }
    this.backlog = this.backlog.slice(room);
    this.view.setUint32(XenconsInterface.in_prod, prod, true);
    this.bytesIn += room;
    return true;
  }
}
