import { describe, expect, it, vi } from 'vitest';
import { Csr } from '../../src/cpu/csr-numbers';
import { SbiExt, SbiRfenceFn } from '../../src/vmm/abi/sbi';
import { handleSbiCall } from '../../src/vmm/sbi';
import { Vmm } from '../../src/vmm/vmm';
import { asm, elf, reg } from './helpers/asm';

/**
 * SBI RFENCE remote_sfence_vma (SBI §8.2): one vCPU changes a page-table
 * entry, then asks the firmware to flush another vCPU's translations. The
 * other vCPU must see the new mapping — and its satp is not touched to get
 * there (it used to be toggled and restored to force the hart's TLB flush).
 */

const BASE = 0x80000000;
const ROOT = BASE + 0x10000; // level-1 page table
const LEAF = BASE + 0x11000; // level-0 table for VA's megapage
const PAGE_A = BASE + 0x20000;
const PAGE_B = BASE + 0x21000;
// Not TLB index 0, where the code page's entry sits (the hart's TLB is direct-mapped).
const VA = 0x40005000;
/** Sv32 PTE bits (privileged spec 4.3.1). */
const V = 1,
  R = 2,
  W = 4,
  X = 8,
  A = 64,
  D = 128;
const pte = (pa: number, flags: number): number => (((pa >>> 12) << 10) | flags) >>> 0;

function twoVcpus() {
  const vmm = new Vmm({ hostMemoryMiB: 128 });
  // `loop: lui t0, VA; lw a0, 0(t0); j loop` — keeps reading the word at VA.
  const kernel = elf([asm.lui(reg.t0, VA), asm.lw(reg.a0, reg.t0, 0), asm.jal(0, -8)]);
  const id = vmm.createDomain({ name: 'smp', type: 'hvm', memory: 1, vcpus: 2, kernel });
  const d = vmm.guest(id);
  const mem = d.mem;
  const at = (pa: number): number => pa - BASE;
  // The RAM megapage identity-mapped (code), VA → LEAF → PAGE_A.
  mem.view.setUint32(at(ROOT) + (BASE >>> 22) * 4, pte(BASE, V | R | W | X | A | D), true);
  mem.view.setUint32(at(ROOT) + (VA >>> 22) * 4, pte(LEAF, V), true);
  const leafEntry = at(LEAF) + ((VA >>> 12) & 0x3ff) * 4;
  mem.view.setUint32(leafEntry, pte(PAGE_A, V | R | W | A | D), true);
  mem.view.setUint32(at(PAGE_A), 0xaaaaaaaa, true);
  mem.view.setUint32(at(PAGE_B), 0xbbbbbbbb, true);
  const [v0, v1] = d.vcpus as [(typeof d.vcpus)[0], (typeof d.vcpus)[0]];
  // vCPU 1 runs the loop with paging on (as after HSM hart_start and its own satp write).
  v1.enter(BASE, 0);
  v1.hart.writeCsr(Csr.satp, 0x80000000 | (ROOT >>> 12));
  const readsOnV1 = (): number => {
    v1.hart.run(30);
    return v1.hart.x[10]! >>> 0;
  };
  const remap = (pa: number): void =>
    mem.view.setUint32(leafEntry, pte(pa, V | R | W | A | D), true);
  const rfence = (fid: number, mask: number): number => {
    v0.hart.x.fill(0);
    v0.hart.x[10] = mask;
    v0.hart.x[16] = fid;
    v0.hart.x[17] = SbiExt.Rfence;
    handleSbiCall(vmm, d, v0);
    return v0.hart.x[10]!;
  };
  return { v1, readsOnV1, remap, rfence };
}

describe('SBI RFENCE flushes a remote vCPU’s translations', () => {
  it('makes the other vCPU see a changed mapping, which it did not before the fence', () => {
    const { readsOnV1, remap, rfence } = twoVcpus();
    expect(readsOnV1()).toBe(0xaaaaaaaa);
    remap(PAGE_B);
    // Without a fence the hart keeps its cached translation (the spec allows that, §4.2.1).
    expect(readsOnV1()).toBe(0xaaaaaaaa);
    expect(rfence(SbiRfenceFn.RemoteSfenceVma, 0b10)).toBe(0);
    expect(readsOnV1()).toBe(0xbbbbbbbb);
    remap(PAGE_A);
    expect(rfence(SbiRfenceFn.RemoteSfenceVmaAsid, 0b10)).toBe(0);
    expect(readsOnV1()).toBe(0xaaaaaaaa);
  });

  it('does not write the target’s satp to do it', () => {
    const { v1, readsOnV1, remap, rfence } = twoVcpus();
    readsOnV1();
    const satp = v1.hart.readCsr(Csr.satp);
    const writes = vi.spyOn(v1.hart, 'writeCsr');
    remap(PAGE_B);
    expect(rfence(SbiRfenceFn.RemoteSfenceVma, 0b10)).toBe(0);
    expect(writes.mock.calls.filter(([csr]) => csr === Csr.satp)).toEqual([]);
    expect(v1.hart.readCsr(Csr.satp)).toBe(satp);
    expect(readsOnV1()).toBe(0xbbbbbbbb);
  });

  it('leaves vCPUs outside the hart mask alone', () => {
    const { readsOnV1, remap, rfence } = twoVcpus();
    readsOnV1();
    remap(PAGE_B);
    expect(rfence(SbiRfenceFn.RemoteSfenceVma, 0b01)).toBe(0);
    expect(readsOnV1()).toBe(0xaaaaaaaa);
  });
});
