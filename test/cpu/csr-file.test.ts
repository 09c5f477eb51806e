import { describe, expect, it } from 'vitest';
import { Csr } from '../../src/cpu/csr-numbers';
import { asm, machine, RAM_BASE, reg, runIn, setTrapVector, type Machine } from './harness';

const { a0, a1 } = reg;
const TRAP = RAM_BASE + 0x400;

function fresh(): Machine {
  const m = machine();
  setTrapVector(m, TRAP);
  return m;
}

/** Runs one instruction in `priv`; returns the cause it trapped with, or -1. */
function attempt(m: Machine, priv: number, insn: number): number {
  m.hart.writeCsr(Csr.mcause, 0x7fff);
  runIn(m, priv, [insn], 1);
  return m.hart.pc === TRAP ? m.hart.readCsr(Csr.mcause) : -1;
}

describe('CSR access rules (privileged spec §2.1)', () => {
  it('an unknown CSR is illegal with tval = the instruction bits', () => {
    const m = fresh();
    const insn = asm.csrrs(a0, 0x7c0, 0);
    expect(attempt(m, 3, insn)).toBe(2);
    expect(m.hart.readCsr(Csr.mtval)).toBe(insn);
    expect(m.hart.readCsr(Csr.mepc)).toBe(RAM_BASE);
  });

  it('writing a read-only CSR is illegal, reading it with csrrs x0 is not', () => {
    const m = fresh();
    expect(attempt(m, 3, asm.csrrw(0, Csr.mhartid, a1))).toBe(2);
    expect(attempt(m, 3, asm.csrrwi(a0, Csr.cycle, 0))).toBe(2);
    expect(attempt(m, 3, asm.csrrs(a0, Csr.mvendorid, 0))).toBe(-1);
    expect(attempt(m, 3, asm.csrrsi(a0, Csr.cycle, 0))).toBe(-1);
  });

  it('S-mode cannot touch M-mode CSRs, U-mode cannot touch S-mode CSRs', () => {
    const m = fresh();
    expect(attempt(m, 1, asm.csrrs(a0, Csr.mstatus, 0))).toBe(2);
    expect(attempt(m, 1, asm.csrrs(a0, Csr.sstatus, 0))).toBe(-1);
    expect(attempt(m, 0, asm.csrrs(a0, Csr.sstatus, 0))).toBe(2);
  });

  it('mhartid reports the hart id and misa RV32 IMAC+S+U', () => {
    const m = fresh();
    expect(m.hart.readCsr(Csr.mhartid)).toBe(0);
    expect(m.hart.readCsr(Csr.misa)).toBe(0x40141105);
    m.hart.writeCsr(Csr.misa, 0);
    expect(m.hart.readCsr(Csr.misa)).toBe(0x40141105);
  });

  it('csrrw returns the old value and writes the new one', () => {
    const m = fresh();
    m.hart.writeCsr(Csr.mscratch, 0x1234);
    m.hart.x[a1] = 0x5678;
    runIn(m, 3, [asm.csrrw(a0, Csr.mscratch, a1), asm.csrrci(a1, Csr.mscratch, 0x18)]);
    expect(m.hart.x[a0]).toBe(0x1234);
    expect(m.hart.x[a1]).toBe(0x5678);
    expect(m.hart.readCsr(Csr.mscratch)).toBe(0x5660);
  });
});

describe('WARL fields', () => {
  it('mstatus keeps only implemented fields; sstatus is a view of it', () => {
    const m = fresh();
    m.hart.writeCsr(Csr.mstatus, -1);
    expect(m.hart.readCsr(Csr.mstatus)).toBe(0x007e19aa);
    expect(m.hart.readCsr(Csr.sstatus)).toBe(0x000c0122);
    m.hart.writeCsr(Csr.mstatus, 0);
    m.hart.writeCsr(Csr.sstatus, -1);
    expect(m.hart.readCsr(Csr.mstatus)).toBe(0x000c0122);
  });

  it('mstatus.MPP ignores the reserved value 2', () => {
    const m = fresh();
    m.hart.writeCsr(Csr.mstatus, 1 << 11);
    m.hart.writeCsr(Csr.mstatus, 2 << 11);
    expect((m.hart.readCsr(Csr.mstatus) >> 11) & 3).toBe(1);
  });

  it.each([
    [Csr.mie, 0xaaa],
    [Csr.mideleg, 0x222],
    [Csr.medeleg, 0xb3ff],
    [Csr.mcounteren, 0xffffffff],
    [Csr.scounteren, 0xffffffff],
    [Csr.satp, 0xffffffff],
    [Csr.menvcfg, 1],
    [Csr.menvcfgh, 0],
    [Csr.senvcfg, 1],
    [Csr.mcountinhibit, 0xfffffffd],
    [Csr.mstatush, 0],
    [Csr.mepc, 0xfffffffe],
    [Csr.sepc, 0xfffffffe],
    [Csr.mhpmcounter3, 0],
    [Csr.mhpmevent3 + 28, 0],
    [Csr.pmpaddr0 + 15, 0xffffffff],
    [Csr.pmpcfg0 + 3, 0xffffffff],
  ])('csr 0x%s written with all ones reads 0x%s', (csr, expected) => {
    const m = fresh();
    m.hart.writeCsr(csr, -1);
    expect(m.hart.readCsr(csr)).toBe(expected);
  });

  it('xtvec accepts direct and vectored mode and ignores reserved modes (as QEMU)', () => {
    const m = fresh();
    m.hart.writeCsr(Csr.stvec, 0x80001001);
    expect(m.hart.readCsr(Csr.stvec)).toBe(0x80001001);
    m.hart.writeCsr(Csr.stvec, 0x80002002);
    m.hart.writeCsr(Csr.mtvec, 0x80002003);
    expect(m.hart.readCsr(Csr.stvec)).toBe(0x80001001);
    expect(m.hart.readCsr(Csr.mtvec)).toBe(TRAP);
  });

  it('locked PMP entries ignore writes, as does the address below a locked TOR entry', () => {
    const m = fresh();
    m.hart.writeCsr(Csr.pmpaddr0, 0x1000);
    m.hart.writeCsr(Csr.pmpcfg0, 0x8f << 8); // entry 1: L, TOR, RWX
    m.hart.writeCsr(Csr.pmpcfg0, 0x1f1f);
    m.hart.writeCsr(Csr.pmpaddr0, 0x2000);
    m.hart.writeCsr(Csr.pmpaddr0 + 1, 0x2000);
    expect(m.hart.readCsr(Csr.pmpcfg0)).toBe(0x8f1f);
    expect(m.hart.readCsr(Csr.pmpaddr0)).toBe(0x1000);
    expect(m.hart.readCsr(Csr.pmpaddr0 + 1)).toBe(0);
  });
});

describe('interrupt CSRs (§3.1.9, §4.1.3)', () => {
  it('mip: MSIP/MTIP/MEIP come from lines, SSIP/STIP/SEIP are M-writable', () => {
    const m = fresh();
    m.hart.writeCsr(Csr.mip, -1);
    expect(m.hart.readCsr(Csr.mip)).toBe(0x222);
    m.hart.setInterruptLine(7, true);
    m.hart.setInterruptLine(11, true);
    expect(m.hart.readCsr(Csr.mip)).toBe(0xaa2);
    m.hart.writeCsr(Csr.mip, 0);
    expect(m.hart.readCsr(Csr.mip)).toBe(0x880);
  });

  it('SEIP reads as the OR of the line and the software bit, but csrrs/csrrc modify only the software bit', () => {
    const m = fresh();
    m.hart.setInterruptLine(9, true);
    expect(m.hart.readCsr(Csr.mip)).toBe(0x200);
    m.hart.x[a1] = 0x2; // set SSIP
    runIn(m, 3, [asm.csrrs(a0, Csr.mip, a1)]);
    expect(m.hart.x[a0]).toBe(0x200);
    m.hart.setInterruptLine(9, false);
    expect(m.hart.readCsr(Csr.mip)).toBe(0x2); // the line's SEIP was not latched
  });

  it('sie/sip show only delegated interrupts; S-mode can write only SSIP', () => {
    const m = fresh();
    m.hart.writeCsr(Csr.mie, 0xaaa);
    m.hart.writeCsr(Csr.mip, 0x222);
    expect(m.hart.readCsr(Csr.sie)).toBe(0);
    expect(m.hart.readCsr(Csr.sip)).toBe(0);
    m.hart.writeCsr(Csr.mideleg, 0x222);
    expect(m.hart.readCsr(Csr.sie)).toBe(0x222);
    expect(m.hart.readCsr(Csr.sip)).toBe(0x222);
    m.hart.writeCsr(Csr.sip, 0);
    expect(m.hart.readCsr(Csr.mip)).toBe(0x220);
    m.hart.writeCsr(Csr.sie, 0);
    expect(m.hart.readCsr(Csr.mie)).toBe(0x888);
  });
});

describe('satp and mstatus.TVM', () => {
  it('S-mode satp access traps only when TVM = 1', () => {
    const m = fresh();
    expect(attempt(m, 1, asm.csrrs(a0, Csr.satp, 0))).toBe(-1);
    m.hart.writeCsr(Csr.mstatus, 1 << 20);
    expect(attempt(m, 1, asm.csrrs(a0, Csr.satp, 0))).toBe(2);
    expect(attempt(m, 3, asm.csrrs(a0, Csr.satp, 0))).toBe(-1);
  });
});

describe('counters (§3.1.10–3.1.11)', () => {
  it('cycle and instret count retired instructions; the CSR write replaces the increment', () => {
    const m = fresh();
    runIn(m, 3, [
      asm.nop(),
      asm.nop(),
      asm.csrrs(a0, Csr.instret, 0),
      asm.csrrs(a1, Csr.cycle, 0),
      asm.csrrwi(0, Csr.minstret, 0),
      asm.csrrs(reg.a2, Csr.minstret, 0),
      asm.csrrs(reg.a3, Csr.minstreth, 0),
      asm.csrrs(reg.a4, Csr.mcycle, 0),
    ]);
    expect(m.hart.x[a0]).toBe(2);
    expect(m.hart.x[a1]).toBe(3);
    expect(m.hart.x[reg.a2]).toBe(0);
    expect(m.hart.x[reg.a3]).toBe(0);
    expect(m.hart.x[reg.a4]).toBe(7); // mcycle is not disturbed by the minstret write
    expect(m.hart.instret).toBe(3);
  });

  it('mcycleh and minstreth address the upper halves', () => {
    const m = fresh();
    m.hart.writeCsr(Csr.minstreth, 5);
    m.hart.writeCsr(Csr.minstret, 0xffffffff);
    runIn(m, 3, [asm.nop()]);
    expect(m.hart.readCsr(Csr.minstret)).toBe(0);
    expect(m.hart.readCsr(Csr.minstreth)).toBe(6);
    expect(m.hart.instret).toBe(6 * 2 ** 32);
  });

  it('time and timeh read the platform clock', () => {
    const m = fresh();
    m.time.now = 3 * 2 ** 32 + 17;
    runIn(m, 3, [asm.csrrs(a0, Csr.time, 0), asm.csrrs(a1, Csr.timeh, 0)]);
    expect(m.hart.x[a0]).toBe(17);
    expect(m.hart.x[a1]).toBe(3);
  });

  it.each([
    ['S without mcounteren', 1, 0, 0, Csr.cycle, 2],
    ['S with mcounteren.CY', 1, 1, 0, Csr.cycle, -1],
    ['U with only mcounteren.TM', 0, 2, 0, Csr.time, 2],
    ['U with both TM bits', 0, 2, 2, Csr.time, -1],
    ['S instreth with mcounteren.IR', 1, 4, 0, Csr.instreth, -1],
    ['S hpmcounter3 without its bit', 1, 7, 0, Csr.hpmcounter3, 2],
    ['M ignores the enables', 3, 0, 0, Csr.instret, -1],
  ])('%s', (_label, priv, mcounteren, scounteren, csr, expected) => {
    const m = fresh();
    m.hart.writeCsr(Csr.mcounteren, mcounteren);
    m.hart.writeCsr(Csr.scounteren, scounteren);
    expect(attempt(m, priv, asm.csrrs(a0, csr, 0))).toBe(expected);
  });
});
