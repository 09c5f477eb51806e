import { describe, expect, it } from 'vitest';
import { Csr } from '../../src/cpu/csr-numbers';
import { asm, machine, RAM_BASE, reg, runIn, setTrapVector, type Machine } from './harness';

const MTRAP = RAM_BASE + 0x400;
const STRAP = RAM_BASE + 0x600;
const MPP = 3 << 11;

function fresh(): Machine {
  const m = machine();
  setTrapVector(m, MTRAP);
  m.bus.writeWords(STRAP, [asm.jal(0, 0)]);
  m.hart.writeCsr(Csr.stvec, STRAP);
  return m;
}

describe('exceptions (privileged spec §3.1.6.1, §3.1.15)', () => {
  it.each([
    ['U', 0, 8],
    ['S', 1, 9],
    ['M', 3, 11],
  ])('ecall from %s raises cause %i with tval 0, epc = the ecall', (_name, priv, cause) => {
    const m = fresh();
    m.hart.writeCsr(Csr.mtval, 99);
    expect(runIn(m, priv, [asm.ecall()], 1)).toBe(0);
    expect(m.hart.pc).toBe(MTRAP);
    expect(m.hart.priv).toBe(3);
    expect(m.hart.readCsr(Csr.mcause)).toBe(cause);
    expect(m.hart.readCsr(Csr.mepc)).toBe(RAM_BASE);
    expect(m.hart.readCsr(Csr.mtval)).toBe(0);
    expect((m.hart.readCsr(Csr.mstatus) & MPP) >> 11).toBe(priv);
  });

  it('ebreak raises breakpoint with tval 0 (as QEMU 7.2)', () => {
    const m = fresh();
    runIn(m, 3, [asm.nop(), asm.ebreak()], 2);
    expect(m.hart.readCsr(Csr.mcause)).toBe(3);
    expect(m.hart.readCsr(Csr.mepc)).toBe(RAM_BASE + 4);
    expect(m.hart.readCsr(Csr.mtval)).toBe(0);
  });

  it('an illegal compressed instruction reports its 16 bits in mtval', () => {
    const m = fresh();
    m.bus.writeHalves(RAM_BASE, [0x6081]); // c.lui ra, 0: reserved
    m.hart.run(1);
    expect(m.hart.readCsr(Csr.mcause)).toBe(2);
    expect(m.hart.readCsr(Csr.mtval)).toBe(0x6081);
  });

  it('entering M saves MIE in MPIE and clears MIE', () => {
    const m = fresh();
    m.hart.writeCsr(Csr.mstatus, 1 << 3);
    runIn(m, 3, [asm.ecall()], 1);
    const s = m.hart.readCsr(Csr.mstatus);
    expect(s & (1 << 3)).toBe(0);
    expect(s & (1 << 7)).toBe(1 << 7);
  });

  it('delegated exceptions from U go to S with SPP, SPIE and SIE updated', () => {
    const m = fresh();
    m.hart.writeCsr(Csr.medeleg, 1 << 8);
    m.hart.writeCsr(Csr.mstatus, 1 << 1); // SIE
    runIn(m, 0, [asm.nop(), asm.ecall()], 2);
    expect(m.hart.pc).toBe(STRAP);
    expect(m.hart.priv).toBe(1);
    expect(m.hart.readCsr(Csr.scause)).toBe(8);
    expect(m.hart.readCsr(Csr.sepc)).toBe(RAM_BASE + 4);
    const s = m.hart.readCsr(Csr.mstatus);
    expect(s & (1 << 8)).toBe(0); // SPP = U
    expect(s & (1 << 5)).toBe(1 << 5); // SPIE = old SIE
    expect(s & (1 << 1)).toBe(0); // SIE cleared
    expect(m.hart.readCsr(Csr.mcause)).toBe(0);
  });

  it('exceptions in M-mode are never delegated', () => {
    const m = fresh();
    m.hart.writeCsr(Csr.medeleg, 0xffffffff);
    runIn(m, 3, [0], 1);
    expect(m.hart.pc).toBe(MTRAP);
    expect(m.hart.readCsr(Csr.mcause)).toBe(2);
  });

  it('an S-mode ecall is delegated only when medeleg[9] is set', () => {
    const m = fresh();
    m.hart.writeCsr(Csr.medeleg, 1 << 9);
    runIn(m, 1, [asm.ecall()], 1);
    expect(m.hart.pc).toBe(STRAP);
    expect(m.hart.readCsr(Csr.scause)).toBe(9);
    expect(m.hart.readCsr(Csr.mstatus) & (1 << 8)).toBe(1 << 8); // SPP = S
  });

  it('machineTrapHook can handle an M-bound trap itself (SBI firmware)', () => {
    const m = fresh();
    const seen: [number, number][] = [];
    m.hart.machineTrapHook = (hart, cause, tval) => {
      seen.push([cause, tval]);
      hart.x[reg.a0] = 42;
      hart.pc = (hart.pc + 4) >>> 0;
      return true;
    };
    runIn(m, 1, [asm.ecall(), asm.addi(reg.a1, reg.a0, 1)], 2);
    expect(seen).toEqual([[9, 0]]);
    expect(m.hart.priv).toBe(1);
    expect(m.hart.x[reg.a1]).toBe(43);
    expect(m.hart.readCsr(Csr.mcause)).toBe(0);
  });

  it('a hook returning false lets the trap happen', () => {
    const m = fresh();
    m.hart.machineTrapHook = () => false;
    runIn(m, 1, [asm.ecall()], 1);
    expect(m.hart.pc).toBe(MTRAP);
  });
});

describe('xRET (§3.3.2)', () => {
  it('mret restores MPP, MIE from MPIE, sets MPIE, and leaves MPP = U', () => {
    const m = fresh();
    m.hart.writeCsr(Csr.mepc, RAM_BASE + 0x100);
    m.hart.writeCsr(Csr.mstatus, (1 << 11) | (1 << 7) | (1 << 17)); // MPP=S, MPIE, MPRV
    runIn(m, 3, [asm.mret()], 1);
    expect(m.hart.pc).toBe(RAM_BASE + 0x100);
    expect(m.hart.priv).toBe(1);
    const s = m.hart.readCsr(Csr.mstatus);
    expect(s & MPP).toBe(0);
    expect(s & (1 << 3)).toBe(1 << 3);
    expect(s & (1 << 7)).toBe(1 << 7);
    expect(s & (1 << 17)).toBe(0); // MPRV cleared when returning below M
  });

  it('mret to M keeps MPRV', () => {
    const m = fresh();
    m.hart.writeCsr(Csr.mepc, RAM_BASE + 0x100);
    m.hart.writeCsr(Csr.mstatus, MPP | (1 << 17));
    runIn(m, 3, [asm.mret()], 1);
    expect(m.hart.priv).toBe(3);
    expect(m.hart.readCsr(Csr.mstatus) & (1 << 17)).toBe(1 << 17);
  });

  it('sret restores SPP and SIE, clears MPRV', () => {
    const m = fresh();
    m.hart.writeCsr(Csr.sepc, RAM_BASE + 0x200);
    m.hart.writeCsr(Csr.mstatus, (1 << 5) | (1 << 17)); // SPIE, SPP = U, MPRV
    runIn(m, 1, [asm.sret()], 1);
    expect(m.hart.pc).toBe(RAM_BASE + 0x200);
    expect(m.hart.priv).toBe(0);
    const s = m.hart.readCsr(Csr.mstatus);
    expect(s & (1 << 1)).toBe(1 << 1);
    expect(s & (1 << 5)).toBe(1 << 5);
    expect(s & (1 << 17)).toBe(0);
  });

  it.each([
    ['mret in S', 1, asm.mret(), 0],
    ['sret in U', 0, asm.sret(), 0],
    ['sret in S with TSR', 1, asm.sret(), 1 << 22],
    ['sfence.vma in U', 0, asm.sfenceVma(10, 11), 0],
    ['sfence.vma in S with TVM', 1, asm.sfenceVma(10, 11), 1 << 20],
    ['wfi in U', 0, asm.wfi(), 0],
    ['wfi in S with TW', 1, asm.wfi(), 1 << 21],
  ])('%s is an illegal instruction', (_label, priv, insn, mstatus) => {
    const m = fresh();
    m.hart.writeCsr(Csr.mstatus, mstatus);
    runIn(m, priv, [insn], 1);
    expect(m.hart.pc).toBe(MTRAP);
    expect(m.hart.readCsr(Csr.mcause)).toBe(2);
    expect(m.hart.readCsr(Csr.mtval)).toBe(insn);
  });
});

describe('interrupts (§3.1.6.1, §3.1.9)', () => {
  it('takes the highest-priority pending interrupt: MEI, MSI, MTI, SEI, SSI, STI', () => {
    const order: number[] = [];
    const m = fresh();
    m.hart.writeCsr(Csr.mie, 0xaaa);
    m.hart.writeCsr(Csr.mip, 0x222);
    for (const line of [3, 7, 11]) m.hart.setInterruptLine(line, true);
    for (let k = 0; k < 6; k++) {
      m.hart.priv = 0; // all enabled in U
      m.hart.pc = RAM_BASE;
      m.hart.run(1);
      const cause = m.hart.readCsr(Csr.mcause);
      order.push(cause & 0xff);
      expect(cause >>> 31).toBe(1);
      if (cause === 0x80000003 || cause === 0x80000007 || cause === 0x8000000b) {
        m.hart.setInterruptLine(cause & 0xff, false);
      } else {
        m.hart.writeCsr(Csr.mip, m.hart.readCsr(Csr.mip) & ~(1 << (cause & 0xff)));
      }
    }
    expect(order).toEqual([11, 3, 7, 9, 1, 5]);
  });

  it('M interrupts wait for MIE in M-mode but are taken in S-mode regardless', () => {
    const m = fresh();
    m.hart.writeCsr(Csr.mie, 1 << 7);
    m.hart.setInterruptLine(7, true);
    runIn(m, 3, [asm.nop()], 1);
    expect(m.hart.pc).toBe(RAM_BASE + 4);
    runIn(m, 1, [asm.nop()], 1);
    expect(m.hart.pc).toBe(MTRAP);
    expect(m.hart.readCsr(Csr.mepc)).toBe(RAM_BASE);
  });

  it('delegated interrupts are never taken in M, taken in S only with SIE, always in U', () => {
    const m = fresh();
    m.hart.writeCsr(Csr.mideleg, 0x222);
    m.hart.writeCsr(Csr.mie, 1 << 1);
    m.hart.writeCsr(Csr.mip, 1 << 1);
    m.hart.writeCsr(Csr.mstatus, (1 << 3) | (1 << 1));
    runIn(m, 3, [asm.nop()], 1);
    expect(m.hart.pc).toBe(RAM_BASE + 4);
    m.hart.writeCsr(Csr.mstatus, 0);
    runIn(m, 1, [asm.nop()], 1);
    expect(m.hart.pc).toBe(RAM_BASE + 4);
    runIn(m, 0, [asm.nop()], 1);
    expect(m.hart.pc).toBe(STRAP);
    expect(m.hart.readCsr(Csr.scause)).toBe(0x80000001);
    expect(m.hart.readCsr(Csr.sepc)).toBe(RAM_BASE);
  });

  it('vectored mode sends interrupts to BASE + 4 × cause and exceptions to BASE', () => {
    const m = fresh();
    m.hart.writeCsr(Csr.mtvec, MTRAP | 1);
    m.hart.writeCsr(Csr.mie, 1 << 7);
    m.hart.setInterruptLine(7, true);
    runIn(m, 1, [asm.nop()], 1);
    expect(m.hart.pc).toBe(MTRAP + 28);
    m.hart.setInterruptLine(7, false);
    runIn(m, 1, [asm.ecall()], 1);
    expect(m.hart.pc).toBe(MTRAP);
  });

  it('an interrupt raised by a device during run() is taken after that instruction', () => {
    const m = fresh();
    m.bus.devices.push({
      base: 0x10000000,
      size: 4,
      store: () => m.hart.setInterruptLine(11, true),
    });
    m.hart.writeCsr(Csr.mie, 1 << 11);
    m.hart.writeCsr(Csr.mstatus, 1 << 3);
    m.hart.x[reg.a1] = 0x10000000;
    runIn(m, 3, [asm.sw(0, reg.a1, 0), asm.nop(), asm.nop()], 3);
    expect(m.hart.readCsr(Csr.mcause)).toBe(0x8000000b);
    expect(m.hart.readCsr(Csr.mepc)).toBe(RAM_BASE + 4);
  });

  it('enabling MIE with csrs takes the pending interrupt right after it', () => {
    const m = fresh();
    m.hart.writeCsr(Csr.mie, 1 << 3);
    m.hart.setInterruptLine(3, true);
    runIn(m, 3, [asm.csrrsi(0, Csr.mstatus, 8), asm.nop(), asm.nop()], 3);
    expect(m.hart.readCsr(Csr.mcause)).toBe(0x80000003);
    expect(m.hart.readCsr(Csr.mepc)).toBe(RAM_BASE + 4);
  });
});

describe('WFI (§3.3.3)', () => {
  it('stalls until an enabled interrupt is pending, even if globally disabled', () => {
    const m = fresh();
    m.hart.writeCsr(Csr.mie, 1 << 7);
    expect(runIn(m, 3, [asm.wfi(), asm.addi(reg.a0, 0, 1)], 10)).toBe(1);
    expect(m.hart.waitingForInterrupt).toBe(true);
    expect(m.hart.pc).toBe(RAM_BASE + 4);
    expect(m.hart.run(10)).toBe(0);
    m.hart.setInterruptLine(3, true); // not enabled in mie: still asleep
    expect(m.hart.waitingForInterrupt).toBe(true);
    m.hart.setInterruptLine(7, true);
    expect(m.hart.waitingForInterrupt).toBe(false);
    m.hart.run(1);
    expect(m.hart.x[reg.a0]).toBe(1); // MIE = 0: resumes after WFI without a trap
  });

  it('with interrupts enabled the wake-up traps with mepc after the WFI', () => {
    const m = fresh();
    m.hart.writeCsr(Csr.mie, 1 << 7);
    m.hart.writeCsr(Csr.mstatus, 1 << 3);
    runIn(m, 3, [asm.wfi(), asm.nop()], 10);
    m.hart.setInterruptLine(7, true);
    m.hart.run(1);
    expect(m.hart.pc).toBe(MTRAP);
    expect(m.hart.readCsr(Csr.mepc)).toBe(RAM_BASE + 4);
  });

  it('does not stall when an enabled interrupt is already pending', () => {
    const m = fresh();
    m.hart.writeCsr(Csr.mie, 1 << 7);
    m.hart.setInterruptLine(7, true);
    expect(runIn(m, 3, [asm.wfi(), asm.nop()], 2)).toBe(2);
    expect(m.hart.waitingForInterrupt).toBe(false);
  });
});

describe('run() bookkeeping', () => {
  it('stop() from a device ends run() after the current instruction', () => {
    const m = fresh();
    m.bus.devices.push({ base: 0x100000, size: 4, store: () => m.hart.stop() });
    m.hart.x[reg.a1] = 0x100000;
    expect(runIn(m, 3, [asm.nop(), asm.sw(0, reg.a1, 0), asm.nop()], 100)).toBe(2);
    expect(m.hart.pc).toBe(RAM_BASE + 8);
  });

  it('a trap loop still returns within the budget', () => {
    const m = fresh();
    m.hart.writeCsr(Csr.mtvec, 0x1000); // not executable: every trap faults again
    expect(runIn(m, 3, [0], 50)).toBe(0);
  });

  it('the tracer sees every instruction with its raw bits', () => {
    const m = fresh();
    const seen: [number, number][] = [];
    m.hart.tracer = (pc, insn) => void seen.push([pc, insn]);
    m.bus.writeWords(RAM_BASE, [asm.addi(reg.a0, 0, 1), 0x00000505]); // then c.addi a0, 1
    m.hart.pc = RAM_BASE;
    m.hart.priv = 3;
    expect(m.hart.run(2)).toBe(2);
    expect(seen).toEqual([
      [RAM_BASE, asm.addi(reg.a0, 0, 1)],
      [RAM_BASE + 4, 0x0505],
    ]);
    expect(m.hart.x[reg.a0]).toBe(2);
  });
});
