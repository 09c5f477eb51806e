import { describe, expect, it } from 'vitest';
import { Csr } from '../../src/cpu/csr-numbers';
import { PTE_A, PTE_D, PTE_R, PTE_U, PTE_V, PTE_W, PTE_X } from '../../src/cpu/sv32';
import { asm, li, machine, RAM_BASE, reg, runIn, setTrapVector, type Machine } from './harness';

const { a0, a1, a2 } = reg;
const TRAP = RAM_BASE + 0x400;
const ROOT = RAM_BASE + 0x10000;
const L0 = RAM_BASE + 0x11000;
const CODE_VA = 0x00400000; // VPN[1] = 1
const DATA_VA = 0x00401000;
const DATA_PA = RAM_BASE + 0x20000;
const SV32 = 0x80000000;
const SUM = 1 << 18;
const MXR = 1 << 19;
const MPRV = 1 << 17;

const pte = (pa: number, flags: number): number => ((pa >>> 12) << 10) | flags;
const pointer = (pa: number): number => pte(pa, PTE_V);

/**
 * Page tables: VA 0x0040_0000 → the program at RAM_BASE (RX, plus U if `user`),
 * VA 0x0040_1000 → DATA_PA with `dataFlags`.
 */
function paged(dataFlags: number, user = false): Machine {
  const m = machine([], 4 << 20);
  setTrapVector(m, TRAP);
  m.bus.write32(ROOT + 4 * (CODE_VA >>> 22), pointer(L0));
  m.bus.write32(L0 + 0, pte(RAM_BASE, PTE_V | PTE_R | PTE_X | PTE_A | (user ? PTE_U : 0)));
  m.bus.write32(L0 + 4, pte(DATA_PA, dataFlags));
  m.bus.write32(DATA_PA, 0x1234abcd);
  m.hart.writeCsr(Csr.satp, SV32 | ((ROOT - 0) / 4096));
  return m;
}

/** Runs `words` from CODE_VA in `priv`. */
function runPaged(
  m: Machine,
  priv: number,
  words: readonly number[],
  budget = words.length,
): number {
  m.bus.writeWords(RAM_BASE, words);
  m.hart.flushDecodeCache();
  m.hart.priv = priv;
  m.hart.pc = CODE_VA;
  return m.hart.run(budget);
}

const RW = PTE_V | PTE_R | PTE_W;

describe('Sv32 translation (privileged spec §4.3.2)', () => {
  it('fetches and loads through a two-level walk and sets A', () => {
    const m = paged(RW);
    m.hart.x[a1] = DATA_VA;
    expect(runPaged(m, 1, [asm.lw(a0, a1, 0)])).toBe(1);
    expect(m.hart.x[a0]).toBe(0x1234abcd);
    const leaf = m.bus.read32(L0 + 4);
    expect(leaf & PTE_A).toBe(PTE_A);
    expect(leaf & PTE_D).toBe(0);
  });

  it('sets D on the first store (hardware A/D update, as QEMU 7.2)', () => {
    const m = paged(RW);
    m.hart.x[a1] = DATA_VA;
    m.hart.x[a2] = 77;
    runPaged(m, 1, [asm.lw(a0, a1, 0), asm.sw(a2, a1, 4)]);
    expect(m.bus.read32(DATA_PA + 4)).toBe(77);
    expect(m.bus.read32(L0 + 4) & (PTE_A | PTE_D)).toBe(PTE_A | PTE_D);
  });

  it.each([
    ['invalid PTE, load', 0, asm.lw(a0, a1, 0), 13],
    ['invalid PTE, store', 0, asm.sw(a0, a1, 0), 15],
    ['W without R is reserved', PTE_V | PTE_W, asm.lw(a0, a1, 0), 13],
    ['store to a read-only page', PTE_V | PTE_R, asm.sw(a0, a1, 0), 15],
    ['AMO to a read-only page', PTE_V | PTE_R, asm.amo(0, a0, a1, a2), 15],
    ['load from an execute-only page', PTE_V | PTE_X, asm.lw(a0, a1, 0), 13],
    ['S load from a U page without SUM', RW | PTE_U, asm.lw(a0, a1, 0), 13],
  ])('%s is a page fault with tval = the address', (_label, flags, insn, cause) => {
    const m = paged(flags);
    m.hart.x[a1] = DATA_VA + 8;
    expect(runPaged(m, 1, [insn], 1)).toBe(0);
    expect(m.hart.readCsr(Csr.mcause)).toBe(cause);
    expect(m.hart.readCsr(Csr.mtval)).toBe(DATA_VA + 8);
    expect(m.hart.readCsr(Csr.mepc)).toBe(CODE_VA);
  });

  it('fetch from a non-executable page is an instruction page fault', () => {
    const m = paged(RW);
    m.bus.write32(L0, pte(RAM_BASE, RW | PTE_A));
    runPaged(m, 1, [asm.nop()], 1);
    expect(m.hart.readCsr(Csr.mcause)).toBe(12);
    expect(m.hart.readCsr(Csr.mtval)).toBe(CODE_VA);
  });

  it('SUM lets S-mode load from U pages; MXR lets loads read execute-only pages', () => {
    const m = paged(RW | PTE_U);
    m.hart.writeCsr(Csr.mstatus, SUM);
    m.hart.x[a1] = DATA_VA;
    runPaged(m, 1, [asm.lw(a0, a1, 0)]);
    expect(m.hart.x[a0]).toBe(0x1234abcd);

    const x = paged(PTE_V | PTE_X);
    x.hart.writeCsr(Csr.mstatus, MXR);
    x.hart.x[a1] = DATA_VA;
    runPaged(x, 1, [asm.lw(a0, a1, 0)]);
    expect(x.hart.x[a0]).toBe(0x1234abcd);
  });

  it('S-mode never executes U pages, even with SUM', () => {
    const m = paged(RW, true);
    m.hart.writeCsr(Csr.mstatus, SUM);
    runPaged(m, 1, [asm.nop()], 1);
    expect(m.hart.readCsr(Csr.mcause)).toBe(12);
  });

  it('U-mode runs U pages and faults on supervisor pages', () => {
    const m = paged(RW, true);
    m.hart.x[a1] = DATA_VA;
    runPaged(m, 0, [asm.lw(a0, a1, 0)], 1);
    expect(m.hart.readCsr(Csr.mcause)).toBe(13);
    expect(m.hart.pc).toBe(TRAP);
  });

  it('maps 4 MiB superpages and rejects misaligned ones', () => {
    const m = paged(RW);
    const superVa = 0x40000000;
    m.bus.write32(ROOT + 4 * (superVa >>> 22), pte(RAM_BASE, RW));
    m.hart.x[a1] = superVa + (DATA_PA - RAM_BASE);
    runPaged(m, 1, [asm.lw(a0, a1, 0)]);
    expect(m.hart.x[a0]).toBe(0x1234abcd);
    expect(m.bus.read32(ROOT + 4 * (superVa >>> 22)) & PTE_A).toBe(PTE_A);

    const bad = paged(RW);
    bad.bus.write32(ROOT + 4 * (superVa >>> 22), pte(RAM_BASE + 0x1000, RW)); // PPN[0] != 0
    bad.hart.x[a1] = superVa;
    runPaged(bad, 1, [asm.lw(a0, a1, 0)], 1);
    expect(bad.hart.readCsr(Csr.mcause)).toBe(13);
    expect(bad.hart.readCsr(Csr.mtval)).toBe(superVa);
  });

  it('a pointer PTE at level 0 is a page fault', () => {
    const m = paged(PTE_V);
    m.hart.x[a1] = DATA_VA;
    runPaged(m, 1, [asm.lw(a0, a1, 0)], 1);
    expect(m.hart.readCsr(Csr.mcause)).toBe(13);
  });

  it('a page table outside RAM is an access fault', () => {
    const m = paged(RW);
    m.bus.write32(ROOT + 4 * (DATA_VA >>> 22) + 4, pointer(0x40000000));
    m.hart.x[a1] = 0x00800000;
    runPaged(m, 1, [asm.lw(a0, a1, 0)], 1);
    expect(m.hart.readCsr(Csr.mcause)).toBe(5);
  });

  it('M-mode with MPRV translates loads and stores as MPP, but not fetches', () => {
    const m = paged(RW);
    m.hart.writeCsr(Csr.mstatus, MPRV | (1 << 11));
    m.hart.x[a1] = DATA_VA;
    runIn(m, 3, [asm.lw(a0, a1, 0)]);
    expect(m.hart.x[a0]).toBe(0x1234abcd);
    m.hart.writeCsr(Csr.mstatus, MPRV | (3 << 11)); // MPP = M: bare
    m.hart.x[a1] = DATA_PA;
    m.hart.x[a0] = 0;
    runIn(m, 3, [asm.lw(a0, a1, 0)]);
    expect(m.hart.x[a0]).toBe(0x1234abcd);
  });

  it('SFENCE.VMA makes a changed PTE take effect', () => {
    const m = paged(RW);
    m.bus.write32(DATA_PA + 0x1000, 0x5555);
    m.hart.x[a1] = DATA_VA;
    runPaged(m, 1, [asm.lw(a0, a1, 0)]);
    expect(m.hart.x[a0]).toBe(0x1234abcd);
    m.bus.write32(L0 + 4, pte(DATA_PA + 0x1000, RW));
    runPaged(m, 1, [asm.lw(a0, a1, 0)]);
    expect(m.hart.x[a0]).toBe(0x1234abcd); // the TLB still holds the old translation
    runPaged(m, 1, [asm.sfenceVma(), asm.lw(a0, a1, 0)]);
    expect(m.hart.x[a0]).toBe(0x5555);
  });

  it('a satp write switches address spaces', () => {
    const m = paged(RW);
    m.hart.x[a1] = DATA_VA;
    runPaged(m, 1, [asm.lw(a0, a1, 0)]);
    const root2 = RAM_BASE + 0x30000;
    const l02 = RAM_BASE + 0x31000;
    m.bus.write32(root2 + 4, pointer(l02));
    m.bus.write32(l02, pte(RAM_BASE, PTE_V | PTE_R | PTE_X));
    m.bus.write32(l02 + 4, pte(DATA_PA + 0x2000, RW));
    m.bus.write32(DATA_PA + 0x2000, 0x6666);
    m.hart.x[a2] = SV32 | (root2 / 4096);
    runPaged(m, 1, [asm.csrrw(0, Csr.satp, a2), asm.lw(a0, a1, 0)]);
    expect(m.hart.x[a0]).toBe(0x6666);
  });

  it('clearing SUM takes effect for cached translations', () => {
    const m = paged(RW | PTE_U);
    m.hart.writeCsr(Csr.mstatus, SUM);
    m.hart.x[a1] = DATA_VA;
    runPaged(m, 1, [asm.lw(a0, a1, 0), asm.csrrc(0, Csr.sstatus, a2), asm.lw(a0, a1, 0)], 3);
    expect(m.hart.pc).toBe(CODE_VA + 12); // a2 = 0: SUM still set, no fault
    m.hart.x[a2] = SUM;
    runPaged(m, 1, [asm.lw(a0, a1, 0), asm.csrrc(0, Csr.sstatus, a2), asm.lw(a0, a1, 0)], 3);
    expect(m.hart.readCsr(Csr.mcause)).toBe(13);
    expect(m.hart.readCsr(Csr.mepc)).toBe(CODE_VA + 8);
  });

  it('a page-crossing misaligned store checks both pages before writing', () => {
    const m = paged(RW);
    m.hart.x[a1] = DATA_VA + 0xffe; // next page (VA 0x402000) is unmapped
    m.hart.x[a2] = -1;
    runPaged(m, 1, [asm.sw(a2, a1, 0)], 1);
    expect(m.hart.readCsr(Csr.mcause)).toBe(15);
    expect(m.hart.readCsr(Csr.mtval)).toBe(DATA_VA + 0x1000);
    expect(m.bus.read32(DATA_PA + 0xffc)).toBe(0);
  });

  describe('jumps to other code pages translate afresh after a translation change', () => {
    const FN_VA = CODE_VA + 0x2000; // L0 entry 2
    const FN_A = RAM_BASE + 0x40000;
    const FN_B = RAM_BASE + 0x41000;
    const RX = PTE_V | PTE_R | PTE_X | PTE_A;

    /** Code at CODE_VA calls FN_VA, which maps to FN_A (a0 = 1) or FN_B (a0 = 2). */
    function calls(): Machine {
      const m = paged(RW);
      m.bus.writeWords(FN_A, [asm.addi(a0, 0, 1), asm.jalr(0, 1, 0)]);
      m.bus.writeWords(FN_B, [asm.addi(a0, 0, 2), asm.jalr(0, 1, 0)]);
      m.bus.write32(L0 + 8, pte(FN_A, RX));
      return m;
    }

    /** From CODE_VA: [sfence.vma?] jal ra, FN_VA; spin. */
    function callOnce(m: Machine, sfence: boolean): void {
      const jal = asm.jal(1, FN_VA - CODE_VA - (sfence ? 4 : 0));
      m.bus.writeWords(
        RAM_BASE,
        sfence ? [asm.sfenceVma(), jal, asm.jal(0, 0)] : [jal, asm.jal(0, 0)],
      );
      m.hart.priv = 1;
      m.hart.pc = CODE_VA;
      m.hart.x[a0] = 0;
      m.hart.run(sfence ? 4 : 3);
    }

    it('SFENCE.VMA', () => {
      const m = calls();
      callOnce(m, false);
      callOnce(m, false); // now from decoded slots, entering FN_VA's page by its TLB entry
      expect(m.hart.x[a0]).toBe(1);
      m.bus.write32(L0 + 8, pte(FN_B, RX));
      callOnce(m, false);
      expect(m.hart.x[a0]).toBe(1); // the TLB still holds the old translation
      m.hart.flushDecodeCache(); // callOnce rewrote the code page behind the hart's back
      callOnce(m, true);
      expect(m.hart.x[a0]).toBe(2);
    });

    it('a satp write', () => {
      const m = calls();
      callOnce(m, false);
      callOnce(m, false);
      expect(m.hart.x[a0]).toBe(1);
      const root2 = RAM_BASE + 0x30000;
      const l02 = RAM_BASE + 0x31000;
      m.bus.write32(root2 + 4, pointer(l02));
      m.bus.write32(l02, pte(RAM_BASE, RX));
      m.bus.write32(l02 + 8, pte(FN_B, RX));
      m.hart.writeCsr(Csr.satp, SV32 | (root2 / 4096));
      callOnce(m, false);
      expect(m.hart.x[a0]).toBe(2);
    });

    it('a change of privilege: S ran the code, U may not', () => {
      const m = calls();
      setTrapVector(m, TRAP);
      callOnce(m, false);
      callOnce(m, false);
      expect(m.hart.x[a0]).toBe(1);
      m.hart.priv = 0;
      m.hart.pc = CODE_VA;
      m.hart.run(1);
      expect(m.hart.readCsr(Csr.mcause)).toBe(12);
      expect(m.hart.readCsr(Csr.mepc)).toBe(CODE_VA);
      expect(m.hart.priv).toBe(3);
    });
  });

  it('li helper produces the addresses used here', () => {
    const m = paged(RW);
    runPaged(m, 1, li(a0, DATA_VA));
    expect(m.hart.x[a0]).toBe(DATA_VA);
  });
});
