import { describe, expect, it } from 'vitest';
import { Csr } from '../../src/cpu/csr-numbers';
import { Hart, type HartState } from '../../src/cpu/hart';
import {
  asm,
  li,
  machine,
  RAM_BASE,
  reg,
  runIn,
  setTrapVector,
  TestBus,
  type Machine,
} from './harness';

const { a0, a1, a2, a3, a4 } = reg;

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

describe('fused pairs (decode/fusion.ts)', () => {
  /** Runs `program` once so its slots are decoded and fused, then rewinds pc and instret. */
  function warm(program: readonly number[], budget: number, setUp: (m: Machine) => void) {
    const m = machine(program);
    setUp(m);
    m.hart.run(budget);
    setUp(m);
    m.hart.pc = RAM_BASE;
    m.hart.instret = 0;
    return m;
  }

  it('a budget of one runs only the first instruction of a pair', () => {
    const m = warm([...li(a0, 0x12345678), asm.jal(0, 0)], 2, (mm) => (mm.hart.x[a0] = 0));
    expect(m.hart.run(1)).toBe(1);
    expect(m.hart.x[a0]).toBe(0x12345000);
    expect(m.hart.pc).toBe(RAM_BASE + 4);
    expect(m.hart.run(1)).toBe(1);
    expect(m.hart.x[a0]).toBe(0x12345678);
    expect(m.hart.instret).toBe(2);
  });

  it('a fault in the second instruction retires the first and reports the second', () => {
    const program = [asm.addi(a0, a0, 1), asm.lw(a1, a2, 0), asm.jal(0, 0)];
    const m = warm(program, 2, (mm) => {
      mm.hart.x[a0] = 10;
      mm.hart.x[a2] = RAM_BASE + 0x100;
    });
    setTrapVector(m, RAM_BASE + 0x400);
    m.hart.x[a2] = 0x1000; // nothing there
    expect(m.hart.run(2)).toBe(1);
    expect(m.hart.x[a0]).toBe(11);
    expect(m.hart.instret).toBe(1);
    expect(m.hart.readCsr(Csr.mcause)).toBe(5);
    expect(m.hart.readCsr(Csr.mepc)).toBe(RAM_BASE + 4);
    expect(m.hart.readCsr(Csr.mtval)).toBe(0x1000);
  });

  it('a fault in the first instruction leaves the second undone', () => {
    const program = [asm.lw(a1, a2, 0), asm.add(a0, a0, a0), asm.jal(0, 0)];
    const m = warm(program, 2, (mm) => {
      mm.hart.x[a0] = 3;
      mm.hart.x[a2] = RAM_BASE + 0x100;
    });
    setTrapVector(m, RAM_BASE + 0x400);
    m.hart.x[a2] = 0x1002;
    expect(m.hart.run(2)).toBe(1); // the fault, then the handler's first instruction
    expect(m.hart.x[a0]).toBe(3);
    expect(m.hart.readCsr(Csr.mepc)).toBe(RAM_BASE);
    expect(m.hart.readCsr(Csr.mtval)).toBe(0x1002);
  });

  it('an interrupt pending after the first instruction is taken before the second', () => {
    const m = warm([asm.addi(a0, a0, 1), asm.addi(a1, a1, 1), asm.jal(0, 0)], 2, (mm) => {
      mm.hart.x[a0] = 0;
      mm.hart.x[a1] = 0;
    });
    setTrapVector(m, RAM_BASE + 0x400);
    m.hart.writeCsr(Csr.mie, 1 << 7);
    m.hart.writeCsr(Csr.mstatus, 1 << 3);
    expect(m.hart.run(1)).toBe(1);
    m.hart.setInterruptLine(7, true);
    m.hart.run(1);
    expect(m.hart.readCsr(Csr.mcause) >>> 0).toBe(0x80000007);
    expect(m.hart.readCsr(Csr.mepc)).toBe(RAM_BASE + 4);
    expect([m.hart.x[a0], m.hart.x[a1]]).toEqual([1, 0]);
  });

  it('a store rewriting the second instruction of a pair is seen after FENCE.I', () => {
    const program = [
      asm.addi(a0, a0, 1), // fused with the next one
      asm.addi(a1, a1, 1), // rewritten to addi a1, a1, 100
      asm.sw(a2, a3, 4),
      asm.fenceI(),
      asm.addi(a4, a4, -1),
      asm.bne(a4, 0, -20),
      asm.jal(0, 0),
    ];
    const m = machine(program);
    m.hart.x[a3] = RAM_BASE;
    m.hart.x[a4] = 5;
    m.hart.x[a2] = asm.addi(a1, a1, 1); // the same instruction: nothing changes yet
    m.hart.run(12); // two iterations: the second runs the fused slot
    expect(m.hart.x[a1]).toBe(2);
    m.hart.x[a2] = asm.addi(a1, a1, 100);
    m.hart.run(18);
    expect(m.hart.x[a0]).toBe(5);
    expect(m.hart.x[a1]).toBe(2 + 1 + 100 + 100);
  });

  it('a store rewriting the first instruction of a pair is seen after FENCE.I', () => {
    const program = [
      asm.addi(a0, a0, 1), // rewritten to addi a0, a0, 7
      asm.addi(a1, a1, 1),
      asm.sw(a2, a3, 0),
      asm.fenceI(),
      asm.addi(a4, a4, -1),
      asm.bne(a4, 0, -20),
      asm.jal(0, 0),
    ];
    const m = machine(program);
    m.hart.x[a3] = RAM_BASE;
    m.hart.x[a4] = 4;
    m.hart.x[a2] = asm.addi(a0, a0, 1);
    m.hart.run(12);
    m.hart.x[a2] = asm.addi(a0, a0, 7);
    m.hart.run(12);
    expect(m.hart.x[a0]).toBe(2 + 1 + 7);
    expect(m.hart.x[a1]).toBe(4);
  });
});
