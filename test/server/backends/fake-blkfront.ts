/**
 * Test helper: a guest's blkfront written in TypeScript against the real
 * VMM — its ring, grant table and data pages live in a real domain's RAM,
 * its event channel is a real port of that domain, and it talks to
 * xenstore through its own (unprivileged) connection. It follows
 * xen/include/public/io/ring.h's front-end macros and blkfront's
 * handshake, and can also do what a broken or hostile front end would.
 */
import { GTF, GrantEntryV1 } from '../../../src/vmm/abi/grant-table';
import { PAGE_SIZE } from '../../../src/vmm/abi/hypercall';
import {
  BlkifRequest,
  BlkifResponse,
  BlkifSegment,
  SringHeader,
  ringSlots,
} from '../../../src/vmm/abi/ring';
import { XenbusState } from '../../../src/vmm/abi/xenbus-state';
import type { EventPorts } from '../../../src/server/backends/blkback';
import type { XenStore, XsConnection } from '../../../src/server/xenstore/xenstore';
import type { GuestDomain } from '../../../src/vmm/guest-domain';
import type { Vmm } from '../../../src/vmm/vmm';

export interface Segment {
  gref: number;
  first: number;
  last: number;
}

export interface Response {
  id: bigint;
  operation: number;
  status: number;
}

/** Domain-0's event ports over Vmm.onEvent (what the toolstack's Dom0Events does). */
export class TestEvents implements EventPorts {
  private readonly handlers = new Map<number, () => void>();
  sent = 0;

  constructor(private readonly vmm: Vmm) {
    vmm.onEvent((port) => this.handlers.get(port)?.());
  }

  bind(domid: number, remotePort: number, handler: () => void): number {
    const port = this.vmm.evtchnBindInterdomain(domid, remotePort);
    if (port < 0) throw new Error(`bind failed: ${port}`);
    this.handlers.set(port, handler);
    return port;
  }

  notify(port: number): void {
    this.sent++;
    this.vmm.evtchnSend(port);
  }

  close(port: number): void {
    this.handlers.delete(port);
    this.vmm.evtchnClose(port);
  }

  /** Deliver queued notifications to Domain-0 (the VMM does this between guest slices). */
  deliver(): void {
    this.vmm.dom0.events.flush();
  }

  get bound(): number {
    return this.handlers.size;
  }
}

/** Frames of the guest's RAM the front end uses (clear of the kernel and the VMM's top pages). */
const GRANT_TABLE_PAGE = 0x100;
const RING_PAGE = 0x101;
const DATA_PAGE0 = 0x110;
export const RING_REF = 8;

export class FakeBlkfront {
  readonly d: GuestDomain;
  readonly xs: XsConnection;
  readonly frontend: string;
  readonly slots = ringSlots(BlkifRequest.size);
  port = 0;
  reqProdPvt = 0;
  rspCons = 0;
  /** EVTCHNOP_send hypercalls made (notifications to the back end). */
  hypercalls = 0;

  constructor(
    readonly vmm: Vmm,
    store: XenStore,
    readonly domid: number,
    readonly devid: number,
  ) {
    this.d = vmm.guest(domid);
    this.xs = store.connect(domid);
    this.frontend = `/local/domain/${domid}/device/vbd/${devid}`;
    const gt = this.frame(GRANT_TABLE_PAGE);
    if (vmm.gnttab.setupTable(this.d, domid, [gt]) !== 0) throw new Error('setup_table failed');
  }

  frame(page: number): number {
    return this.d.mem.firstPfn + page;
  }

  /** Byte offset of guest page `page` in the domain's RAM. */
  off(page: number): number {
    return this.d.mem.frameOffset(this.frame(page));
  }

  get ring(): DataView {
    return new DataView(
      this.d.mem.ram.buffer,
      this.d.mem.ram.byteOffset + this.off(RING_PAGE),
      PAGE_SIZE,
    );
  }

  /** gnttab_grant_foreign_access: entry `ref` lets `domid` use `page`. */
  grant(ref: number, page: number, opts: { readonly?: boolean; domid?: number } = {}): void {
    const at = this.off(GRANT_TABLE_PAGE) + ref * GrantEntryV1.size;
    const v = this.d.mem.view;
    v.setUint16(at + GrantEntryV1.domid, opts.domid ?? 0, true);
    v.setUint32(at + GrantEntryV1.frame, this.frame(page), true);
    v.setUint16(
      at + GrantEntryV1.flags,
      GTF.permit_access | (opts.readonly ? GTF.readonly : 0),
      true,
    );
  }

  revoke(ref: number): void {
    this.d.mem.view.setUint16(this.off(GRANT_TABLE_PAGE) + ref * GrantEntryV1.size, 0, true);
  }

  /** Data page i (its grant ref is 16 + i). */
  dataPage(i: number): Uint8Array {
    const at = this.off(DATA_PAGE0 + i);
    return this.d.mem.ram.subarray(at, at + PAGE_SIZE);
  }

  grantData(i: number, readonly = false): number {
    this.grant(16 + i, DATA_PAGE0 + i, { readonly });
    return 16 + i;
  }

  state(path = this.frontend): number {
    return Number(this.xs.tryReadString(`${path}/state`) ?? XenbusState.Unknown);
  }

  backendState(): number {
    return this.state(this.xs.readString(`${this.frontend}/backend`));
  }

  setState(s: number): void {
    this.xs.write(`${this.frontend}/state`, String(s));
  }

  /** blkfront's talk_to_blkback: ring, grant, event channel, keys, Initialised. */
  connect(opts: { protocol?: string } = {}): void {
    if (this.backendState() !== XenbusState.InitWait) throw new Error('back end not in InitWait');
    // SHARED_RING_INIT + FRONT_RING_INIT.
    const r = this.ring;
    for (let i = 0; i < PAGE_SIZE; i += 4) r.setUint32(i, 0, true);
    r.setUint32(SringHeader.req_event, 1, true);
    r.setUint32(SringHeader.rsp_event, 1, true);
    this.reqProdPvt = 0;
    this.rspCons = 0;
    this.grant(RING_REF, RING_PAGE);
    this.port = this.vmm.evtchn.allocUnbound(this.d, this.domid, 0);
    this.xs.transaction((tx) => {
      this.xs.write(`${this.frontend}/ring-ref`, String(RING_REF), tx);
      this.xs.write(`${this.frontend}/event-channel`, String(this.port), tx);
      this.xs.write(`${this.frontend}/protocol`, opts.protocol ?? 'riscv32-abi', tx);
    });
    this.setState(XenbusState.Initialised);
    if (this.backendState() === XenbusState.Connected) this.setState(XenbusState.Connected);
  }

  /** Puts a request in the next private slot (not yet visible to the back end). */
  queue(req: {
    op: number;
    id: bigint;
    sector: bigint | number;
    segs: Segment[];
    nrSegments?: number;
  }): void {
    const at = SringHeader.size + (this.reqProdPvt & (this.slots - 1)) * BlkifRequest.size;
    const r = this.ring;
    r.setUint8(at + BlkifRequest.operation, req.op);
    r.setUint8(at + BlkifRequest.nr_segments, req.nrSegments ?? req.segs.length);
    r.setUint16(at + BlkifRequest.handle, this.devid & 0xffff, true);
    r.setBigUint64(at + BlkifRequest.id, req.id, true);
    r.setBigUint64(at + BlkifRequest.sector_number, BigInt(req.sector), true);
    req.segs.forEach((s, i) => {
      const sa = at + BlkifRequest.seg + i * BlkifSegment.size;
      r.setUint32(sa + BlkifSegment.gref, s.gref, true);
      r.setUint8(sa + BlkifSegment.first_sect, s.first);
      r.setUint8(sa + BlkifSegment.last_sect, s.last);
    });
    this.reqProdPvt = (this.reqProdPvt + 1) >>> 0;
  }

  /** RING_PUSH_REQUESTS_AND_CHECK_NOTIFY, then notify_remote_via_evtchn if asked. Returns whether it notified. */
  push(): boolean {
    const r = this.ring;
    const old = r.getUint32(SringHeader.req_prod, true);
    const next = this.reqProdPvt;
    r.setUint32(SringHeader.req_prod, next, true);
    const notify = (next - r.getUint32(SringHeader.req_event, true)) >>> 0 < (next - old) >>> 0;
    if (notify) this.notify();
    return notify;
  }

  notify(): void {
    this.hypercalls++;
    this.vmm.evtchn.send(this.d, this.port);
  }

  /** Takes the responses published so far (without RING_FINAL_CHECK: rsp_event is left alone). */
  take(): Response[] {
    const r = this.ring;
    const prod = r.getUint32(SringHeader.rsp_prod, true);
    const out: Response[] = [];
    while (this.rspCons !== prod) {
      const at = SringHeader.size + (this.rspCons & (this.slots - 1)) * BlkifRequest.size;
      out.push({
        id: r.getBigUint64(at + BlkifResponse.id, true),
        operation: r.getUint8(at + BlkifResponse.operation),
        status: r.getInt16(at + BlkifResponse.status, true),
      });
      this.rspCons = (this.rspCons + 1) >>> 0;
    }
    return out;
  }

  /** RING_FINAL_CHECK_FOR_RESPONSES: ask to be notified of the next response. */
  finalCheck(): boolean {
    const r = this.ring;
    if (r.getUint32(SringHeader.rsp_prod, true) !== this.rspCons) return true;
    r.setUint32(SringHeader.rsp_event, (this.rspCons + 1) >>> 0, true);
    return r.getUint32(SringHeader.rsp_prod, true) !== this.rspCons;
  }

  /** Was our port notified by the back end? Clears the pending bit, as the upcall handler does. */
  notified(): boolean {
    const p = this.d.events.isPending(this.port);
    if (p) this.d.events.clear(this.port);
    return p;
  }

  get reqEvent(): number {
    return this.ring.getUint32(SringHeader.req_event, true);
  }

  set reqEvent(v: number) {
    this.ring.setUint32(SringHeader.req_event, v >>> 0, true);
  }

  set reqProd(v: number) {
    this.ring.setUint32(SringHeader.req_prod, v >>> 0, true);
  }
}
