import { describe, expect, it } from 'vitest';
import { Csr } from '../../src/cpu/csr-numbers';
import { asm, machine, RAM_BASE, reg, runIn, setTrapVector, type Machine } from './harness';

const { a0, a1, a2 } = reg;
const DATA = RAM_BASE + 0x800;
const TRAP = RAM_BASE + 0x400;

function fresh(value = 0): Machine {
  const m = machine();
  setTrapVector(m, TRAP);
  m.bus.write32(DATA, value);
  m.hart.x[a1] = DATA;
  return m;
}

describe('LR/SC (unprivileged ISA §8.2)', () => {
  it('an SC after LR to the same address succeeds', () => {
    const m = fresh(5);
    m.hart.x[a2] = 9;
    runIn(m, 3, [asm.lr(a0, a1), asm.sc(reg.a3, a1, a2)]);
    expect(m.hart.x[a0]).toBe(5);
    expect(m.hart.x[reg.a3]).toBe(0);
    expect(m.bus.read32(DATA)).toBe(9);
  });

  it('an SC without a reservation fails, writes 1 and leaves memory alone', () => {
    const m = fresh(5);
    m.hart.x[a2] = 9;
    runIn(m, 3, [asm.sc(reg.a3, a1, a2)]);
    expect(m.hart.x[reg.a3]).toBe(1);
    expect(m.bus.read32(DATA)).toBe(5);
  });

  it('a second SC fails: SC consumes the reservation', () => {
    const m = fresh(5);
    m.hart.x[a2] = 9;
    runIn(m, 3, [asm.lr(a0, a1), asm.sc(reg.a3, a1, a2), asm.sc(reg.a4, a1, a2)]);
    expect(m.hart.x[reg.a3]).toBe(0);
    expect(m.hart.x[reg.a4]).toBe(1);
  });

  it('an SC to another address fails', () => {
    const m = fresh(5);
    m.hart.x[reg.a5] = DATA + 4;
    runIn(m, 3, [asm.lr(a0, a1), asm.sc(reg.a3, reg.a5, a2)]);
    expect(m.hart.x[reg.a3]).toBe(1);
  });

  it('a trap between LR and SC clears the reservation', () => {
    const m = fresh(5);
    m.hart.x[a2] = 9;
    runIn(m, 3, [asm.lr(a0, a1), asm.ecall()], 2);
    expect(m.hart.pc).toBe(TRAP);
    m.bus.writeWords(TRAP, [asm.sc(reg.a3, a1, a2)]);
    m.hart.flushDecodeCache();
    m.hart.run(1);
    expect(m.hart.x[reg.a3]).toBe(1);
    expect(m.bus.read32(DATA)).toBe(5);
  });

  it('an xRET clears the reservation', () => {
    const m = fresh(5);
    m.hart.writeCsr(Csr.mepc, RAM_BASE + 8);
    m.hart.writeCsr(Csr.mstatus, 3 << 11);
    runIn(m, 3, [asm.lr(a0, a1), asm.mret(), asm.sc(reg.a3, a1, a2)]);
    expect(m.hart.x[reg.a3]).toBe(1);
  });

  it('a misaligned LR raises load address misaligned', () => {
    const m = fresh();
    m.hart.x[a1] = DATA + 2;
    runIn(m, 3, [asm.lr(a0, a1)], 1);
    expect(m.hart.readCsr(Csr.mcause)).toBe(4);
    expect(m.hart.readCsr(Csr.mtval)).toBe(DATA + 2);
  });
});

describe('AMOs', () => {
  const INT_MIN = -0x80000000;
  it.each([
    ['amoswap', 1, 7, -3, -3],
    ['amoadd', 0, 7, -3, 4],
    ['amoxor', 4, 0b1100, 0b1010, 0b0110],
    ['amoand', 12, 0b1100, 0b1010, 0b1000],
    ['amoor', 8, 0b1100, 0b1010, 0b1110],
    ['amomin', 16, -1, 1, -1],
    ['amomax', 20, -1, 1, 1],
    ['amominu', 24, -1, 1, 1],
    ['amomaxu', 28, -1, 1, -1],
    ['amoadd wraps', 0, 0x7fffffff, 1, INT_MIN],
  ])('%s returns the old value and stores the result', (_name, funct5, old, src, result) => {
    const m = fresh(old);
    m.hart.x[a2] = src;
    runIn(m, 3, [asm.amo(funct5, a0, a1, a2)]);
    expect(m.hart.x[a0]).toBe(old);
    expect(m.bus.read32(DATA) | 0).toBe(result);
  });

  it('rd = rs2 gets the old value after the source was read', () => {
    const m = fresh(10);
    m.hart.x[a2] = 5;
    runIn(m, 3, [asm.amo(0, a2, a1, a2)]);
    expect(m.hart.x[a2]).toBe(10);
    expect(m.bus.read32(DATA)).toBe(15);
  });

  it('a misaligned AMO raises store/AMO address misaligned (cause 6)', () => {
    const m = fresh(10);
    m.hart.x[a1] = DATA + 1;
    runIn(m, 3, [asm.amo(0, a0, a1, a2)], 1);
    expect(m.hart.readCsr(Csr.mcause)).toBe(6);
    expect(m.hart.readCsr(Csr.mtval)).toBe(DATA + 1);
    expect(m.bus.read32(DATA)).toBe(10);
  });

  it('an AMO to an unmapped address is a store access fault', () => {
    const m = fresh();
    m.hart.x[a1] = 0x40000000;
    runIn(m, 3, [asm.amo(0, a0, a1, a2)], 1);
    expect(m.hart.readCsr(Csr.mcause)).toBe(7);
  });

  it('AMOs reach MMIO through the bus as a load then a store', () => {
    const m = fresh();
    let cell = 40;
    m.bus.devices.push({
      base: 0x10000000,
      size: 4,
      load: () => cell,
      store: (_o, _s, v) => void (cell = v),
    });
    m.hart.x[a1] = 0x10000000;
    m.hart.x[a2] = 2;
    runIn(m, 3, [asm.amo(0, a0, a1, a2)]);
    expect(m.hart.x[a0]).toBe(40);
    expect(cell).toBe(42);
  });
});
