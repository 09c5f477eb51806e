import { describe, expect, it } from 'vitest';
import { GNTCOPY, GNTMAP, GNTST, GTF, MAX_GRANT_FRAMES } from '../../src/vmm/abi/grant-table';
import { DOMID_SELF, PAGE_SIZE } from '../../src/vmm/abi/hypercall';
import { GRANT_MAP_WINDOW_BASE } from '../../src/vmm/abi/platform';
import { GrantTableService, MAX_MAPS_PER_DOMAIN } from '../../src/vmm/grant-table';
import { guestDomain, hostDomain, registry, type FakeDomain } from './helpers/fake-domain';

const pfn = (d: FakeDomain, page: number) => d.mem!.firstPfn + page;

/** Write grant entry `ref` into `d`'s table, which setup() put in page 1. */
function grant(d: FakeDomain, ref: number, flags: number, domid: number, frame: number) {
  const at = PAGE_SIZE + ref * 8;
  d.mem!.view.setUint16(at, flags, true);
  d.mem!.view.setUint16(at + 2, domid, true);
  d.mem!.view.setUint32(at + 4, frame, true);
}
const flagsOf = (d: FakeDomain, ref: number) => d.mem!.view.getUint16(PAGE_SIZE + ref * 8, true);

function setup() {
  const dom0 = hostDomain(0);
  const a = guestDomain(1); // granter
  const b = guestDomain(2); // mapper
  const c = guestDomain(3); // bystander
  const svc = new GrantTableService(registry(dom0, a, b, c));
  for (const d of [a, b, c]) expect(svc.setupTable(d, DOMID_SELF, [pfn(d, 1)])).toBe(GNTST.okay);
  // a grants page 10 to b (rw), page 11 to b (ro), page 12 to c.
  grant(a, 2, GTF.permit_access, b.id, pfn(a, 10));
  grant(a, 3, GTF.permit_access | GTF.readonly, b.id, pfn(a, 11));
  grant(a, 4, GTF.permit_access, c.id, pfn(a, 12));
  a.mem!.ram.fill(0xaa, 10 * PAGE_SIZE, 11 * PAGE_SIZE);
  a.mem!.ram.fill(0xbb, 11 * PAGE_SIZE, 12 * PAGE_SIZE);
  return { dom0, a, b, c, svc };
}
const WIN = GRANT_MAP_WINDOW_BASE;

describe('grant tables: setup_table and query_size', () => {
  it('reports the frames set up and the maximum', () => {
    const { a, svc } = setup();
    expect(svc.querySize(a, DOMID_SELF)).toEqual({
      status: GNTST.okay,
      nrFrames: 1,
      maxNrFrames: MAX_GRANT_FRAMES,
    });
    expect(svc.setupTable(a, DOMID_SELF, [pfn(a, 1), pfn(a, 2)])).toBe(GNTST.okay);
    expect(svc.querySize(a, a.id).nrFrames).toBe(2);
  });

  it.each([
    ['a nonexistent domain', 9, () => [0], GNTST.bad_domain],
    ['another domain, unprivileged', 2, () => [0x80001], GNTST.permission_denied],
    [
      'more frames than the maximum',
      DOMID_SELF,
      () => Array.from({ length: MAX_GRANT_FRAMES + 1 }, (_, i) => 0x80001 + i),
      GNTST.general_error,
    ],
    ['a frame outside its RAM', DOMID_SELF, () => [0x1234], GNTST.bad_page],
    ['a frame past the end of its RAM', DOMID_SELF, () => [0x80000 + 64], GNTST.bad_page],
  ])('setup_table refuses %s', (_w, dom, frames, status) => {
    const { a, svc } = setup();
    expect(svc.setupTable(a, dom, frames())).toBe(status);
  });

  it('lets the privileged domain set up and query a guest table', () => {
    const { dom0, c, svc } = setup();
    expect(svc.setupTable(dom0, c.id, [pfn(c, 5)])).toBe(GNTST.okay);
    expect(svc.querySize(dom0, c.id).nrFrames).toBe(1);
  });

  it('query_size refuses other domains and missing ones', () => {
    const { a, svc } = setup();
    expect(svc.querySize(a, 2).status).toBe(GNTST.permission_denied);
    expect(svc.querySize(a, 42).status).toBe(GNTST.bad_domain);
  });

  it('will not move a table with active mappings', () => {
    const { a, b, svc } = setup();
    expect(svc.map(b, a.id, 2, GNTMAP.host_map, WIN).status).toBe(GNTST.okay);
    expect(svc.setupTable(a, DOMID_SELF, [pfn(a, 20)])).toBe(GNTST.eagain);
  });
});

describe('grant tables: map_grant_ref / unmap_grant_ref', () => {
  it('maps a writable grant into the mapper window and marks it reading|writing', () => {
    const { a, b, svc } = setup();
    const r = svc.map(b, a.id, 2, GNTMAP.host_map, WIN);
    expect(r.status).toBe(GNTST.okay);
    expect(r.devBusAddr).toBe(pfn(a, 10) * PAGE_SIZE);
    expect(flagsOf(a, 2)).toBe(GTF.permit_access | GTF.reading | GTF.writing);
    const w = svc.windowAccess(b, WIN + 8, true)!;
    expect(w.mem).toBe(a.mem);
    w.mem.ram[w.off] = 0x11;
    expect(a.mem!.ram[10 * PAGE_SIZE + 8]).toBe(0x11);
    expect(svc.unmap(b, r.handle, WIN)).toBe(GNTST.okay);
    expect(flagsOf(a, 2)).toBe(GTF.permit_access);
    expect(svc.windowAccess(b, WIN + 8, false)).toBeNull();
  });

  it('keeps a readonly mapping readonly and sets only GTF_reading', () => {
    const { a, b, svc } = setup();
    const r = svc.map(b, a.id, 2, GNTMAP.host_map | GNTMAP.readonly, WIN + PAGE_SIZE);
    expect(r.status).toBe(GNTST.okay);
    expect(flagsOf(a, 2)).toBe(GTF.permit_access | GTF.reading);
    expect(svc.windowAccess(b, WIN + PAGE_SIZE, false)).not.toBeNull();
    expect(svc.windowAccess(b, WIN + PAGE_SIZE, true)).toBeNull();
  });

  it('clears GTF_writing and GTF_reading only when the last mapping of each kind goes', () => {
    const { a, b, svc } = setup();
    const rw = svc.map(b, a.id, 2, GNTMAP.host_map, WIN);
    const ro = svc.map(b, a.id, 2, GNTMAP.host_map | GNTMAP.readonly, WIN + PAGE_SIZE);
    svc.unmap(b, rw.handle, WIN);
    expect(flagsOf(a, 2)).toBe(GTF.permit_access | GTF.reading);
    svc.unmap(b, ro.handle, WIN + PAGE_SIZE);
    expect(flagsOf(a, 2)).toBe(GTF.permit_access);
    expect(a.grants.foreignMaps).toBe(0);
  });

  it.each([
    ['neither host_map nor device_map', 2, 0, WIN, GNTST.bad_gntref],
    ['device_map only for a guest mapper', 2, GNTMAP.device_map, WIN, GNTST.general_error],
    [
      'a host address outside the grant window',
      2,
      GNTMAP.host_map,
      0x80000000,
      GNTST.bad_virt_addr,
    ],
    ['an unaligned host address', 2, GNTMAP.host_map, WIN + 4, GNTST.bad_virt_addr],
    ['a ref past the table', 512, GNTMAP.host_map, WIN, GNTST.bad_gntref],
    ['a negative ref', -1, GNTMAP.host_map, WIN, GNTST.bad_gntref],
    ['an entry that is not permit_access', 7, GNTMAP.host_map, WIN, GNTST.general_error],
    ['an entry granted to another domain', 4, GNTMAP.host_map, WIN, GNTST.permission_denied],
    ['a writable map of a readonly grant', 3, GNTMAP.host_map, WIN, GNTST.permission_denied],
  ])('map refuses %s', (_w, ref, flags, addr, status) => {
    const { a, b, svc } = setup();
    expect(svc.map(b, a.id, ref, flags, addr).status).toBe(status);
    expect(flagsOf(a, ref < 0 || ref >= 512 ? 2 : ref) & (GTF.reading | GTF.writing)).toBe(0);
  });

  it('map refuses a nonexistent granter, a frame outside its RAM and a used window page', () => {
    const { a, b, svc } = setup();
    expect(svc.map(b, 99, 2, GNTMAP.host_map, WIN).status).toBe(GNTST.bad_domain);
    grant(a, 5, GTF.permit_access, b.id, 0x1000);
    expect(svc.map(b, a.id, 5, GNTMAP.host_map, WIN).status).toBe(GNTST.bad_page);
    expect(svc.map(b, a.id, 2, GNTMAP.host_map, WIN).status).toBe(GNTST.okay);
    expect(svc.map(b, a.id, 3, GNTMAP.host_map | GNTMAP.readonly, WIN).status).toBe(
      GNTST.bad_virt_addr,
    );
  });

  it('maps only while granted: a revoked entry cannot be mapped again', () => {
    const { a, b, svc } = setup();
    grant(a, 2, GTF.invalid, b.id, pfn(a, 10));
    expect(svc.map(b, a.id, 2, GNTMAP.host_map, WIN).status).toBe(GNTST.general_error);
  });

  it('unmap refuses bad handles, reused handles and the wrong host address', () => {
    const { a, b, c, svc } = setup();
    const r = svc.map(b, a.id, 2, GNTMAP.host_map, WIN);
    expect(svc.unmap(b, r.handle + 1, WIN)).toBe(GNTST.bad_handle);
    expect(svc.unmap(c, r.handle, WIN)).toBe(GNTST.bad_handle); // handles are per mapper
    expect(svc.unmap(b, r.handle, WIN + PAGE_SIZE)).toBe(GNTST.bad_virt_addr);
    expect(svc.unmap(b, r.handle, WIN)).toBe(GNTST.okay);
    expect(svc.unmap(b, r.handle, WIN)).toBe(GNTST.bad_handle);
  });

  it('runs out of handles with no_device_space', () => {
    const { a, dom0, svc } = setup();
    grant(a, 6, GTF.permit_access, 0, pfn(a, 13));
    for (let i = 0; i < MAX_MAPS_PER_DOMAIN; i++)
      expect(svc.mapForHost(dom0, a.id, 6, true).status).toBe(GNTST.okay);
    expect(svc.mapForHost(dom0, a.id, 6, true).status).toBe(GNTST.no_device_space);
  });
});

describe('grant tables: host-side mappings for the VM server', () => {
  it('gives back ends a live view of a writable grant', () => {
    const { a, dom0, svc } = setup();
    grant(a, 8, GTF.permit_access, 0, pfn(a, 14));
    const { status, mapping } = svc.mapForHost(dom0, a.id, 8, false);
    expect(status).toBe(GNTST.okay);
    mapping!.write(100, Uint8Array.of(1, 2, 3));
    expect([...a.mem!.ram.subarray(14 * PAGE_SIZE + 100, 14 * PAGE_SIZE + 103)]).toEqual([1, 2, 3]);
    a.mem!.ram[14 * PAGE_SIZE] = 9;
    expect(mapping!.view[0]).toBe(9);
    expect(() => mapping!.read(4090, 10)).toThrow(RangeError);
  });

  it('refuses writes through a readonly mapping', () => {
    const { a, dom0, svc } = setup();
    grant(a, 8, GTF.permit_access | GTF.readonly, 0, pfn(a, 14));
    expect(svc.mapForHost(dom0, a.id, 8, false).status).toBe(GNTST.permission_denied);
    const { mapping } = svc.mapForHost(dom0, a.id, 8, true);
    expect(() => mapping!.write(0, Uint8Array.of(1))).toThrow(/readonly/);
    expect(() => mapping!.view).toThrow(/readonly/);
    expect(mapping!.read(0, 2)).toEqual(Uint8Array.of(0, 0));
  });
});

describe('grant tables: copy', () => {
  const src = (u: number, domid: number, offset = 0) => ({ u, domid, offset });

  it('copies from a grant into the caller’s own frame and back into a writable grant', () => {
    const { a, b, svc } = setup();
    const dst = pfn(b, 20);
    expect(svc.copy(b, src(2, a.id, 16), src(dst, DOMID_SELF, 32), 64, GNTCOPY.source_gref)).toBe(
      GNTST.okay,
    );
    expect(b.mem!.ram[20 * PAGE_SIZE + 32]).toBe(0xaa);
    expect(b.mem!.ram[20 * PAGE_SIZE + 96]).toBe(0);
    b.mem!.ram.fill(0x5c, 21 * PAGE_SIZE, 21 * PAGE_SIZE + 8);
    expect(svc.copy(b, src(pfn(b, 21), DOMID_SELF), src(2, a.id), 8, GNTCOPY.dest_gref)).toBe(
      GNTST.okay,
    );
    expect(a.mem!.ram[10 * PAGE_SIZE + 7]).toBe(0x5c);
  });

  it.each([
    [
      'writing into a readonly grant',
      () => [src(0x80014, DOMID_SELF), src(3, 1), 8, GNTCOPY.dest_gref],
      GNTST.permission_denied,
    ],
    [
      'reading a grant given to someone else',
      () => [src(4, 1), src(0x80014, DOMID_SELF), 8, GNTCOPY.source_gref],
      GNTST.permission_denied,
    ],
    [
      'a raw frame of another domain',
      () => [src(0x8000a, 1), src(0x80014, DOMID_SELF), 8, 0],
      GNTST.permission_denied,
    ],
    [
      'a frame outside the caller RAM',
      () => [src(0x1000, DOMID_SELF), src(0x80014, DOMID_SELF), 8, 0],
      GNTST.bad_page,
    ],
    [
      'a nonexistent domain',
      () => [src(2, 50), src(0x80014, DOMID_SELF), 8, GNTCOPY.source_gref],
      GNTST.bad_domain,
    ],
    [
      'a bad ref',
      () => [src(900, 1), src(0x80014, DOMID_SELF), 8, GNTCOPY.source_gref],
      GNTST.bad_gntref,
    ],
    [
      'a length over one page',
      () => [src(0x80014, DOMID_SELF), src(0x80015, DOMID_SELF), 4097, 0],
      GNTST.bad_copy_arg,
    ],
    [
      'offset + length past the frame',
      () => [src(0x80014, DOMID_SELF, 4000), src(0x80015, DOMID_SELF), 200, 0],
      GNTST.bad_copy_arg,
    ],
  ])('refuses %s', (_w, args, status) => {
    const { b, a, svc } = setup();
    const [s, d, len, flags] = args() as [
      ReturnType<typeof src>,
      ReturnType<typeof src>,
      number,
      number,
    ];
    const before = a.mem!.ram.slice();
    expect(svc.copy(b, s, d, len, flags)).toBe(status);
    expect(Buffer.compare(a.mem!.ram, before)).toBe(0);
  });

  it('lets the privileged VM server copy raw guest frames', () => {
    const { a, dom0, svc } = setup();
    expect(svc.copy(dom0, src(pfn(a, 10), a.id), src(pfn(a, 30), a.id), 16, 0)).toBe(GNTST.okay);
    expect(a.mem!.ram[30 * PAGE_SIZE + 15]).toBe(0xaa);
  });
});
