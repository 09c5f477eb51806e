import { describe, expect, it } from 'vitest';
import { GuestAccess, GuestMemory } from '../../src/vmm/guest-memory';

const BASE = 0x80000000;
const V = 1,
  R = 2,
  W = 4,
  X = 8,
  U = 16,
  A = 64,
  D = 128;

/** A 1 MiB guest with a root page table at frame 0x80001 (satp) and one second-level table at 0x80002. */
function paged() {
  const mem = new GuestMemory(1 << 20);
  const pte = (ppn: number, flags: number) => ((ppn << 10) | flags) >>> 0;
  const root = 0x1000;
  const l2 = 0x2000;
  // VA 0x00400000 (VPN1 = 1) → second level; VPN0 0 → frame 0x80010 RW, 1 → frame 0x80011 R only,
  // 2 → a U page, 3 → X only, 4 → invalid, 5 → W without R (reserved).
  mem.view.setUint32(root + 1 * 4, pte(0x80002, V), true);
  mem.view.setUint32(l2 + 0 * 4, pte(0x80010, V | R | W), true);
  mem.view.setUint32(l2 + 1 * 4, pte(0x80011, V | R), true);
  mem.view.setUint32(l2 + 2 * 4, pte(0x80012, V | R | W | U), true);
  mem.view.setUint32(l2 + 3 * 4, pte(0x80013, V | X), true);
  mem.view.setUint32(l2 + 5 * 4, pte(0x80015, V | W), true);
  // VA 0x80000000 (VPN1 = 0x200): a 4 MiB megapage identity-mapping RAM; VPN1 0x201: misaligned megapage.
  mem.view.setUint32(root + 0x200 * 4, pte(0x80000, V | R | W | X | A | D), true);
  mem.view.setUint32(root + 0x201 * 4, pte(0x80001, V | R), true);
  // VA 0xc0000000: a second level outside RAM.
  mem.view.setUint32(root + 0x300 * 4, pte(0x1234, V), true);
  const satp = 0x80000000 | 0x80001;
  return {
    mem,
    satp,
    access: (sum = false, mxr = false) => new GuestAccess(mem, { satp, sum, mxr }),
  };
}

describe('guest memory: Sv32 walk for hypercall arguments (privileged spec 4.3.2)', () => {
  it.each([
    ['a 4 KiB read/write page', 0x00400123, false, BASE + 0x10123],
    ['a 4 KiB read-only page, read', 0x00401008, false, BASE + 0x11008],
    ['a read-only page, write', 0x00401008, true, -1],
    ['a U page without SUM', 0x00402000, false, -1],
    ['an execute-only page without MXR', 0x00403000, false, -1],
    ['an invalid PTE', 0x00404000, false, -1],
    ['a W-without-R PTE', 0x00405000, false, -1],
    ['an aligned megapage', 0x80123456, true, 0x80123456],
    ['a misaligned megapage', 0x80400000, false, -1],
    ['a table outside RAM', 0xc0000000, false, -1],
    ['an unmapped VPN1', 0x00000000, false, -1],
  ])('%s', (_w, va, write, pa) => {
    expect(paged().access().translate(va, write)).toBe(pa);
  });

  it('honours SUM and MXR', () => {
    const p = paged();
    expect(p.access(true).translate(0x00402000, true)).toBe(BASE + 0x12000);
    expect(p.access(false, true).translate(0x00403004, false)).toBe(BASE + 0x13004);
  });

  it('sets A, and D on writes, in the leaf PTE as hardware would', () => {
    const p = paged();
    p.access().translate(0x00400000, false);
    expect(p.mem.view.getUint32(0x2000, true) & (A | D)).toBe(A);
    p.access().translate(0x00400000, true);
    expect(p.mem.view.getUint32(0x2000, true) & (A | D)).toBe(A | D);
  });

  it('copies across page boundaries and refuses a copy that runs into a bad page', () => {
    const p = paged();
    p.mem.ram.fill(7, 0x10ffe, 0x11002);
    expect([...p.access().read(0x00400ffe, 4)!]).toEqual([7, 7, 7, 7]);
    expect(p.access().write(0x00400ffe, Uint8Array.of(1, 2, 3, 4))).toBe(false); // second page is read-only
    expect(p.access().read(0x00403ffe, 4)).toBeNull();
    expect(p.access().read(0xfffffffe, 4)).toBeNull(); // wraps past 4 GiB
  });

  it('with paging off, stays inside RAM and skips ballooned-out frames', () => {
    const mem = new GuestMemory(64 * 4096, 32);
    const g = new GuestAccess(mem, { satp: 0, sum: false, mxr: false });
    expect(g.read(BASE + 31 * 4096, 8)).not.toBeNull();
    expect(g.read(BASE + 32 * 4096, 8)).toBeNull();
    expect(g.read(BASE - 4, 8)).toBeNull();
    expect(g.writeU32(BASE + 64 * 4096 - 4, 1)).toBe(false);
    expect(mem.offsetOf(BASE + 64 * 4096 - 4, 8)).toBe(-1);
    expect(mem.frameOffset(0x80000 + 63)).toBe(63 * 4096);
    expect(mem.frameOffset(0x80000 + 64)).toBe(-1);
  });
});
