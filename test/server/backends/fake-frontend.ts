/**
 * Test helper: what every front end written here in TypeScript shares
 * (blkfront's and netfront's twins) — it lives in a real PV domain: its
 * grant table and pages are in that domain's RAM, its event channel is a
 * real port of that domain, and it talks to xenstore through its own
 * unprivileged connection, following io/xenbus.h's handshake.
 */
import { GTF, GrantEntryV1 } from '../../../src/vmm/abi/grant-table';
import { PAGE_SIZE } from '../../../src/vmm/abi/hypercall';
import { XenbusState } from '../../../src/vmm/abi/xenbus-state';
import type { XenStore, XsConnection } from '../../../src/server/xenstore/xenstore';
import type { GuestDomain } from '../../../src/vmm/guest-domain';
import type { Vmm } from '../../../src/vmm/vmm';
import type { FrontRing } from './front-ring';

/** The guest frame holding the grant table (clear of the kernel and the VMM's top pages). */
const GRANT_TABLE_PAGE = 0x100;

export abstract class FakeFrontend {
  readonly d: GuestDomain;
  readonly xs: XsConnection;
  readonly frontend: string;
  port = 0;
  /** EVTCHNOP_send hypercalls made (notifications to the back end). */
  hypercalls = 0;

  /** `type` is the device's xenstore type: device/TYPE/DEVID. */
  constructor(
    readonly vmm: Vmm,
    store: XenStore,
    readonly domid: number,
    readonly devid: number,
    type: string,
  ) {
    this.d = vmm.guest(domid);
    this.xs = store.connect(domid);
    this.frontend = `/local/domain/${domid}/device/${type}/${devid}`;
    if (vmm.gnttab.setupTable(this.d, domid, [this.frame(GRANT_TABLE_PAGE)]) !== 0)
      throw new Error('setup_table failed');
  }

  frame(page: number): number {
    return this.d.mem.firstPfn + page;
  }

  page(page: number): Uint8Array {
    const at = this.d.mem.frameOffset(this.frame(page));
    return this.d.mem.ram.subarray(at, at + PAGE_SIZE);
  }

  view(page: number): DataView {
    const p = this.page(page);
    return new DataView(p.buffer, p.byteOffset, PAGE_SIZE);
  }

  private entry(ref: number): number {
    return this.d.mem.frameOffset(this.frame(GRANT_TABLE_PAGE)) + ref * GrantEntryV1.size;
  }

  /** gnttab_grant_foreign_access: entry `ref` lets `domid` (0) use `page`. */
  grant(ref: number, page: number, opts: { readonly?: boolean; domid?: number } = {}): number {
    const at = this.entry(ref);
    const v = this.d.mem.view;
    v.setUint16(at + GrantEntryV1.domid, opts.domid ?? 0, true);
    v.setUint32(at + GrantEntryV1.frame, this.frame(page), true);
    v.setUint16(
      at + GrantEntryV1.flags,
      GTF.permit_access | (opts.readonly ? GTF.readonly : 0),
      true,
    );
    return ref;
  }

  revoke(ref: number): void {
    this.d.mem.view.setUint16(this.entry(ref) + GrantEntryV1.flags, 0, true);
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

  /** RING_PUSH_REQUESTS_AND_CHECK_NOTIFY, then notify_remote_via_evtchn if asked. Returns whether it notified. */
  protected pushRequests(ring: FrontRing): boolean {
    const notify = ring.push();
    if (notify) this.notify();
    return notify;
  }

  notify(): void {
    this.hypercalls++;
    this.vmm.evtchn.send(this.d, this.port);
  }

  /** Was our port notified by the back end? Clears the pending bit, as the upcall handler does. */
  notified(): boolean {
    const p = this.d.events.isPending(this.port);
    if (p) this.d.events.clear(this.port);
    return p;
  }
}
