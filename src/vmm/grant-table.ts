import {
  GNTCOPY,
  GNTMAP,
  GNTST,
  GRANT_ENTRIES_PER_FRAME,
  GTF,
  GrantEntryV1,
  MAX_GRANT_FRAMES,
} from './abi/grant-table';
import { DOMID_SELF, PAGE_SIZE } from './abi/hypercall';
import { GRANT_MAP_WINDOW_BASE, GRANT_MAP_WINDOW_SIZE } from './abi/platform';
import type { GuestMemory } from './guest-memory';

/**
 * Grant tables, version 1 (xen/common/grant_table.c). A domain's entries live
 * in frames of its own RAM chosen with setup_table; each entry names the one
 * domain allowed to map or copy the granted frame, and whether it is readonly.
 * While a frame is mapped the VMM keeps GTF_reading / GTF_writing set in the
 * entry so the granter can tell it is still in use (gnttab_end_foreign_access).
 */

export interface GrantDomain {
  readonly id: number;
  readonly privileged: boolean;
  /** The domain's RAM; null for the host-side VM server. */
  readonly mem: GuestMemory | null;
  readonly grants: GrantTable;
}

export interface GrantEntry {
  flags: number;
  domid: number;
  frame: number;
}

/** A mapping held by a mapper domain. */
export interface MapRecord {
  readonly granter: number;
  readonly ref: number;
  /** Granted guest frame number in the granter's RAM. */
  readonly frame: number;
  readonly readonly: boolean;
  /** Guest-physical page in the mapper's grant window (GNTMAP_host_map), or null for a host-side mapping. */
  readonly hostAddr: number | null;
}

export interface GrantTableState {
  frames: number[];
  pins: [number, { ro: number; rw: number }][];
  maps: [number, MapRecord][];
  foreignMaps: number;
}

export interface MapResult {
  status: GNTST;
  handle: number;
  /** Guest-physical address of the granted frame in the granter (Xen's dev_bus_addr). */
  devBusAddr: number;
}

export interface CopyPtr {
  /** A grant ref (with the matching GNTCOPY_*_gref flag) or a frame number of the domain. */
  u: number;
  domid: number;
  offset: number;
}

export const MAX_MAPS_PER_DOMAIN = 1024;

/** One domain's grant table (as granter) and its maps of others' grants (as mapper). */
export class GrantTable {
  frames: number[] = [];
  /** Active pins on this domain's entries: ref → counts (Xen's active_grant_entry). */
  readonly pins = new Map<number, { ro: number; rw: number }>();
  /** This domain's own maps of foreign grants, by handle. */
  readonly maps = new Map<number, MapRecord>();
  /** Mappings other domains hold of this domain's frames. */
  foreignMaps = 0;
  private nextHandle = 1;
  /** Called when the last foreign mapping of this domain's memory goes (a dying domain may then go). */
  onReleased: (() => void) | null = null;

  constructor(readonly maxFrames = MAX_GRANT_FRAMES) {}

  get nrEntries(): number {
    return this.frames.length * GRANT_ENTRIES_PER_FRAME;
  }

  allocHandle(record: MapRecord): number {
    if (this.maps.size >= MAX_MAPS_PER_DOMAIN) return -1;
    while (this.maps.has(this.nextHandle) || this.nextHandle === 0) {
      this.nextHandle = (this.nextHandle + 1) >>> 0;
    }
    const h = this.nextHandle;
    this.nextHandle = (this.nextHandle + 1) >>> 0;
    this.maps.set(h, record);
    return h;
  }

  /** The mapping covering guest-physical `gpa` in this (mapper) domain's grant window. */
  mapAt(gpa: number): MapRecord | undefined {
    const page = gpa & ~(PAGE_SIZE - 1);
    for (const m of this.maps.values()) if (m.hostAddr === page) return m;
    return undefined;
  }

  saveState(): GrantTableState {
    return {
      frames: [...this.frames],
      pins: [...this.pins].map(([r, p]) => [r, { ...p }]),
      maps: [...this.maps],
      foreignMaps: this.foreignMaps,
    };
  }

  restoreState(s: GrantTableState): void {
    this.frames = [...s.frames];
    this.pins.clear();
    for (const [r, p] of s.pins) this.pins.set(r, { ...p });
    this.maps.clear();
    for (const [h, m] of s.maps) this.maps.set(h, m);
    this.foreignMaps = s.foreignMaps;
    this.nextHandle = Math.max(1, ...this.maps.keys()) + 1;
  }
}

export function isInGrantWindow(gpa: number): boolean {
  return gpa >= GRANT_MAP_WINDOW_BASE && gpa < GRANT_MAP_WINDOW_BASE + GRANT_MAP_WINDOW_SIZE;
}

/** A host-side (VM server) view of a granted frame, honouring readonly. */
export class GrantMapping {
  constructor(
    readonly handle: number,
    readonly record: MapRecord,
    private readonly mem: GuestMemory,
  ) {}

  private offset(off: number, len: number): number {
    if (!Number.isInteger(off) || off < 0 || len < 0 || off + len > PAGE_SIZE) {
      throw new RangeError(`grant access ${off}+${len} outside the 4 KiB frame`);
    }
    return this.mem.frameOffset(this.record.frame) + off;
  }

  read(off: number, len: number): Uint8Array {
    const at = this.offset(off, len);
    return this.mem.ram.slice(at, at + len);
  }

  write(off: number, bytes: Uint8Array): void {
    if (this.record.readonly)
      throw new Error(
        `grant ref ${this.record.ref} of domain ${this.record.granter} is mapped readonly`,
      );
    this.mem.ram.set(bytes, this.offset(off, bytes.length));
  }

  /** The live frame, for zero-copy use by back ends; only for writable mappings. */
  get view(): Uint8Array {
    if (this.record.readonly) throw new Error('readonly grant mappings have no writable view');
    const at = this.offset(0, PAGE_SIZE);
    return this.mem.ram.subarray(at, at + PAGE_SIZE);
  }
}

/** grant_table_op, across domains. */
export class GrantTableService {
  constructor(private readonly lookup: (domid: number) => GrantDomain | undefined) {}

  private resolve(caller: GrantDomain, domid: number): GrantDomain | undefined {
    return domid === DOMID_SELF || domid === caller.id ? caller : this.lookup(domid);
  }

  /** Guest-physical address of entry `ref` in `d`'s table, or −1. */
  private entryGpa(d: GrantDomain, ref: number): number {
    if (!d.mem || !Number.isInteger(ref) || ref < 0 || ref >= d.grants.nrEntries) return -1;
    const frame = d.grants.frames[Math.floor(ref / GRANT_ENTRIES_PER_FRAME)] as number;
    return frame * PAGE_SIZE + (ref % GRANT_ENTRIES_PER_FRAME) * GrantEntryV1.size;
  }

  /** Read entry `ref` of `d`'s table (undefined when the ref is out of range). */
  readEntry(d: GrantDomain, ref: number): GrantEntry | undefined {
    const gpa = this.entryGpa(d, ref);
    if (gpa < 0 || !d.mem) return undefined;
    const off = d.mem.offsetOf(gpa, GrantEntryV1.size);
    const v = d.mem.view;
    return {
      flags: v.getUint16(off + GrantEntryV1.flags, true),
      domid: v.getUint16(off + GrantEntryV1.domid, true),
      frame: v.getUint32(off + GrantEntryV1.frame, true),
    };
  }

  private updateFlags(d: GrantDomain, ref: number, set: number, clear: number): void {
    const gpa = this.entryGpa(d, ref);
    if (gpa < 0 || !d.mem) return;
    const off = d.mem.offsetOf(gpa, 2);
    const flags = d.mem.view.getUint16(off, true);
    d.mem.view.setUint16(off, (flags | set) & ~clear, true);
  }

  /** GNTTABOP_setup_table: `frames` are guest frame numbers in `dom`'s RAM that will hold its entries. */
  setupTable(caller: GrantDomain, dom: number, frames: readonly number[]): GNTST {
    const d = this.resolve(caller, dom);
    if (!d) return GNTST.bad_domain;
    if (d !== caller && !caller.privileged) return GNTST.permission_denied;
    if (!d.mem) return GNTST.general_error;
    if (frames.length > d.grants.maxFrames) return GNTST.general_error;
    const mem = d.mem;
    if (!frames.every((f) => mem.frameOffset(f) >= 0)) return GNTST.bad_page;
    // The table cannot move under active pins: their GTF_reading/writing bits live in it.
    if (d.grants.pins.size > 0) return GNTST.eagain;
    d.grants.frames = [...frames];
    return GNTST.okay;
  }

  /** GNTTABOP_query_size. */
  querySize(
    caller: GrantDomain,
    dom: number,
  ): { status: GNTST; nrFrames: number; maxNrFrames: number } {
    const d = this.resolve(caller, dom);
    if (!d) return { status: GNTST.bad_domain, nrFrames: 0, maxNrFrames: 0 };
    if (d !== caller && !caller.privileged)
      return { status: GNTST.permission_denied, nrFrames: 0, maxNrFrames: 0 };
    return {
      status: GNTST.okay,
      nrFrames: d.grants.frames.length,
      maxNrFrames: d.grants.maxFrames,
    };
  }

  /**
   * Check that `caller` may use `granter`'s entry `ref` (for writing unless `readonly`).
   * Returns the granted frame number or a GNTST error (negative).
   */
  private checkEntry(
    caller: GrantDomain,
    granter: GrantDomain,
    ref: number,
    readonly: boolean,
  ): number {
    const entry = this.readEntry(granter, ref);
    if (!entry) return GNTST.bad_gntref;
    if ((entry.flags & GTF.type_mask) !== GTF.permit_access) return GNTST.general_error;
    if (entry.domid !== caller.id) return GNTST.permission_denied;
    if (!readonly && (entry.flags & GTF.readonly) !== 0) return GNTST.permission_denied;
    if (!granter.mem || granter.mem.frameOffset(entry.frame) < 0) return GNTST.bad_page;
    return entry.frame;
  }

  /** GNTTABOP_map_grant_ref. */
  map(
    caller: GrantDomain,
    granterDomid: number,
    ref: number,
    flags: number,
    hostAddr: number,
  ): MapResult {
    const fail = (status: GNTST): MapResult => ({ status, handle: 0, devBusAddr: 0 });
    if ((flags & (GNTMAP.host_map | GNTMAP.device_map)) === 0) return fail(GNTST.bad_gntref);
    let page: number | null = null;
    if (caller.mem) {
      // A guest mapper names the page of its grant window where the frame appears.
      if ((flags & GNTMAP.host_map) === 0) return fail(GNTST.general_error);
      if (hostAddr % PAGE_SIZE !== 0 || !isInGrantWindow(hostAddr))
        return fail(GNTST.bad_virt_addr);
      if (caller.grants.mapAt(hostAddr)) return fail(GNTST.bad_virt_addr);
      page = hostAddr;
    }
    const granter = this.resolve(caller, granterDomid);
    if (!granter) return fail(GNTST.bad_domain);
    const readonly = (flags & GNTMAP.readonly) !== 0;
    const frame = this.checkEntry(caller, granter, ref, readonly);
    if (frame < 0) return fail(frame as GNTST);
    const handle = caller.grants.allocHandle({
      granter: granter.id,
      ref,
      frame,
      readonly,
      hostAddr: page,
    });
    if (handle < 0) return fail(GNTST.no_device_space);
    const pin = granter.grants.pins.get(ref) ?? { ro: 0, rw: 0 };
    if (readonly) pin.ro++;
    else pin.rw++;
    granter.grants.pins.set(ref, pin);
    granter.grants.foreignMaps++;
    this.updateFlags(granter, ref, GTF.reading | (readonly ? 0 : GTF.writing), 0);
    return { status: GNTST.okay, handle, devBusAddr: frame * PAGE_SIZE };
  }

  /** GNTTABOP_unmap_grant_ref. `hostAddr` must match for a guest's window mapping. */
  unmap(caller: GrantDomain, handle: number, hostAddr: number): GNTST {
    const rec = caller.grants.maps.get(handle);
    if (!rec) return GNTST.bad_handle;
    if (rec.hostAddr !== null && rec.hostAddr !== hostAddr) return GNTST.bad_virt_addr;
    caller.grants.maps.delete(handle);
    const granter = this.lookup(rec.granter) ?? (rec.granter === caller.id ? caller : undefined);
    if (granter) {
      const pin = granter.grants.pins.get(rec.ref);
      if (pin) {
        if (rec.readonly) pin.ro--;
        else pin.rw--;
        let clear = 0;
        if (pin.rw <= 0) clear |= GTF.writing;
        if (pin.ro + pin.rw <= 0) {
          clear |= GTF.reading;
          granter.grants.pins.delete(rec.ref);
        }
        this.updateFlags(granter, rec.ref, 0, clear);
      }
      granter.grants.foreignMaps--;
      if (granter.grants.foreignMaps === 0) granter.grants.onReleased?.();
    }
    return GNTST.okay;
  }

  /** Drop every mapping `d` holds (domain teardown). */
  unmapAll(d: GrantDomain): void {
    for (const [h, rec] of [...d.grants.maps]) this.unmap(d, h, rec.hostAddr ?? 0);
  }

  /** Resolve one side of a copy to (memory, byte offset), or a GNTST error. */
  private copySide(
    caller: GrantDomain,
    ptr: CopyPtr,
    isGref: boolean,
    forWrite: boolean,
    len: number,
  ): { mem: GuestMemory; off: number } | GNTST {
    if (!Number.isInteger(ptr.offset) || ptr.offset < 0 || ptr.offset + len > PAGE_SIZE)
      return GNTST.bad_copy_arg;
    const d = this.resolve(caller, ptr.domid);
    if (!d) return GNTST.bad_domain;
    let frame: number;
    if (isGref) {
      const f = this.checkEntry(caller, d, ptr.u, !forWrite);
      if (f < 0) return f as GNTST;
      frame = f;
    } else {
      // A raw frame number: only one's own, unless privileged (Xen's GNTCOPY without gref).
      if (d !== caller && !caller.privileged) return GNTST.permission_denied;
      frame = ptr.u;
    }
    if (!d.mem) return GNTST.bad_page;
    const base = d.mem.frameOffset(frame);
    if (base < 0) return GNTST.bad_page;
    return { mem: d.mem, off: base + ptr.offset };
  }

  /** GNTTABOP_copy: one `gnttab_copy` element. */
  copy(caller: GrantDomain, source: CopyPtr, dest: CopyPtr, len: number, flags: number): GNTST {
    if (!Number.isInteger(len) || len < 0 || len > PAGE_SIZE) return GNTST.bad_copy_arg;
    const src = this.copySide(caller, source, (flags & GNTCOPY.source_gref) !== 0, false, len);
    if (typeof src === 'number') return src;
    const dst = this.copySide(caller, dest, (flags & GNTCOPY.dest_gref) !== 0, true, len);
    if (typeof dst === 'number') return dst;
    // slice() first: source and destination may be the same RAM and overlap.
    dst.mem.ram.set(src.mem.ram.slice(src.off, src.off + len), dst.off);
    return GNTST.okay;
  }

  /** Host-side (VM server) map of a guest's grant. */
  mapForHost(
    caller: GrantDomain,
    granterDomid: number,
    ref: number,
    readonly: boolean,
  ): { status: GNTST; mapping?: GrantMapping } {
    const r = this.map(
      caller,
      granterDomid,
      ref,
      GNTMAP.host_map | (readonly ? GNTMAP.readonly : 0),
      0,
    );
    if (r.status !== GNTST.okay) return { status: r.status };
    const rec = caller.grants.maps.get(r.handle) as MapRecord;
    const granter = this.lookup(rec.granter) as GrantDomain;
    return {
      status: GNTST.okay,
      mapping: new GrantMapping(r.handle, rec, granter.mem as GuestMemory),
    };
  }

  /**
   * Where an access to guest-physical `gpa` in a guest mapper's grant window lands
   * (its bus's slow path), or null: nothing mapped there, or a write to a readonly map.
   */
  windowAccess(
    mapper: GrantDomain,
    gpa: number,
    write: boolean,
  ): { mem: GuestMemory; off: number } | null {
    const rec = mapper.grants.mapAt(gpa);
    if (!rec || (write && rec.readonly)) return null;
    const granter = this.lookup(rec.granter) ?? (rec.granter === mapper.id ? mapper : undefined);
    if (!granter?.mem) return null;
    return { mem: granter.mem, off: granter.mem.frameOffset(rec.frame) + (gpa & (PAGE_SIZE - 1)) };
  }
}
