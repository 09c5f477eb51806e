import { describe, expect, it } from 'vitest';
import { Csr } from '../../src/cpu/csr-numbers';
import { Hart, type HartState } from '../../src/cpu/hart';
import { asm, li, machine, RAM_BASE, reg, runIn, setTrapVector, TestBus } from './harness';

const { a0, a1, a2, a3 } = reg;

describe('decode cache coherence', () => {
  it('code rewritten by a store is seen after FENCE.I', () => {
    const m = machine([
      asm.addi(a0, 0, 1), // rewritten to addi a0, x0, 7
      asm.sw(a2, a1, 0),
      asm.fenceI(),
      asm.jal(0, -12),
    ]);
    m.hart.x[a1] = RAM_BASE;
    m.hart.x[a2] = asm.addi(a0, 0, 7);
    m.hart.run(5);
    expect(m.hart.x[a0]).toBe(7);
    expect(m.hart.pc).toBe(RAM_BASE + 4);
  });

  it('a compressed instruction overwritten by a halfword store is re-decoded', () => {
    const m = machine();
    m.bus.writeHalves(RAM_BASE, [0x0505, 0x0001]); // c.addi a0, 1; c.nop
    m.bus.writeWords(RAM_BASE + 4, [asm.sh(a2, a1, 0), asm.fenceI(), asm.jal(0, -12)]);
    m.hart.x[a1] = RAM_BASE;
    m.hart.x[a2] = 0x0515; // c.addi a0, 5
    m.hart.run(7);
    expect(m.hart.x[a0]).toBe(6);
  });

  it('flushDecodeCache makes code written straight into RAM visible', () => {
    const m = machine([asm.addi(a0, 0, 1)]);
    m.hart.run(1);
    m.bus.writeWords(RAM_BASE, [asm.addi(a0, 0, 2)]);
    m.hart.flushDecodeCache();
    m.hart.pc = RAM_BASE;
    m.hart.run(1);
    expect(m.hart.x[a0]).toBe(2);
  });

  it('data stores into a page that holds code do not disturb the code', () => {
    const m = machine([
      asm.addi(a0, a0, 1),
      asm.sw(a0, a1, 0x100),
      asm.lw(a3, a1, 0x100),
      asm.bne(a0, a2, -12),
    ]);
    m.hart.x[a1] = RAM_BASE;
    m.hart.x[a2] = 100;
    m.hart.run(400);
    expect(m.hart.x[a0]).toBe(100);
    expect(m.hart.x[a3]).toBe(100);
  });
});

describe('save and restore', () => {
  /** A loop that mixes ALU, memory, CSR and LR/SC work. */
  const program = [
    ...li(a1, RAM_BASE + 0x800),
    asm.addi(a0, 0, 0),
    asm.addi(a2, 0, 0),
    // loop:
    asm.lr(a3, a1),
    asm.add(a3, a3, a0),
    asm.sc(reg.a4, a1, a3),
    asm.mul(a2, a2, a0),
    asm.addi(a2, a2, 3),
    asm.csrrs(reg.a5, Csr.instret, 0),
    asm.addi(a0, a0, 1),
    asm.jal(0, -28),
  ];

  it('round-trips through JSON and continues identically', () => {
    const m = machine(program);
    setTrapVector(m, RAM_BASE + 0x400);
    m.hart.writeCsr(Csr.mscratch, 0xabc);
    m.hart.writeCsr(Csr.mie, 0x888);
    m.hart.writeCsr(Csr.pmpaddr0 + 3, 0x1234);
    m.hart.setInterruptLine(9, true);
    m.hart.run(101); // stops between LR and SC
    const saved = JSON.parse(JSON.stringify(m.hart.saveState())) as HartState;
    expect(saved.reservation).not.toBeNull();

    const bus2 = new TestBus();
    bus2.ram.set(m.bus.ram);
    const twin = new Hart({ bus: bus2, hartId: 0, readTime: () => 0 });
    twin.restoreState(saved);
    expect(twin.saveState()).toEqual(saved);
    expect(twin.readCsr(Csr.mscratch)).toBe(0xabc);
    expect(twin.readCsr(Csr.mip)).toBe(0x200);

    m.hart.run(500);
    twin.run(500);
    expect(twin.saveState()).toEqual(m.hart.saveState());
    expect(Buffer.from(bus2.ram).equals(Buffer.from(m.bus.ram))).toBe(true);
    expect(m.hart.x[reg.a4]).toBe(0); // SC kept succeeding
  });

  it('keeps the WFI stall and privilege', () => {
    const m = machine();
    m.hart.writeCsr(Csr.mie, 1 << 7);
    runIn(m, 1, [asm.wfi()], 1);
    const state = m.hart.saveState();
    const twin = machine().hart;
    twin.restoreState(state);
    expect(twin.waitingForInterrupt).toBe(true);
    expect(twin.priv).toBe(1);
    expect(twin.run(10)).toBe(0);
  });
});
