import { describe, expect, it } from 'vitest';
import { IER, IIR, LCR, LSR, UartReg } from '../../../src/machine/ns16550a';
import { ISA_IO_BASE } from '../../../src/vmm/abi/platform';
import { IoreqRegistry } from '../../../src/vmm/ioreq';
import { Com1 } from '../../../src/server/device-models/com1';

const COM1 = 0x3f8;

function setup() {
  const sent: number[] = [];
  const irq: boolean[] = [];
  const com1 = new Com1({ onTransmit: (b) => sent.push(b), irq: (l) => irq.push(l) });
  const inb = (reg: number): number => com1.read(COM1 + reg, 1);
  const outb = (reg: number, v: number): void => com1.write(COM1 + reg, 1, v);
  return { com1, sent, irq, inb, outb };
}

describe('COM1 (16550A at 0x3F8, IRQ 4)', () => {
  it('answers at its port numbers with the 16550A reset values', () => {
    const { inb } = setup();
    expect(inb(UartReg.LSR)).toBe(LSR.THRE | LSR.TEMT);
    expect(inb(UartReg.IIR_FCR)).toBe(IIR.NONE);
    expect(inb(UartReg.LCR)).toBe(0);
  });

  it('transmits, receives and drives its interrupt line', () => {
    const { com1, sent, irq, inb, outb } = setup();
    outb(UartReg.RBR_THR_DLL, 0x41);
    expect(sent).toEqual([0x41]);
    outb(UartReg.IER_DLM, IER.ERBFI);
    com1.receive([0x62]);
    expect(irq).toEqual([true]);
    expect(inb(UartReg.LSR) & LSR.DR).toBe(LSR.DR);
    expect(inb(UartReg.RBR_THR_DLL)).toBe(0x62);
    expect(irq).toEqual([true, false]);
  });

  it('splits a 16-bit access into the divisor latch pair', () => {
    const { com1, outb, inb } = setup();
    outb(UartReg.LCR, LCR.DLAB);
    com1.write(COM1, 2, 0x0180);
    expect([inb(0), inb(1)]).toEqual([0x80, 0x01]);
    expect(com1.read(COM1, 2)).toBe(0x0180);
  });

  it('registers as an ioreq server at ISA_IO_BASE + 0x3F8', () => {
    const { com1, sent } = setup();
    const reg = new IoreqRegistry();
    for (const s of com1.ioreqSpecs()) reg.register(s, () => null);
    const claim = reg.find(ISA_IO_BASE + COM1, 1);
    if (!claim) throw new Error('COM1 not claimed');
    IoreqRegistry.write(claim, ISA_IO_BASE + COM1, 1, 0x5a);
    expect(sent).toEqual([0x5a]);
    expect(reg.find(ISA_IO_BASE + COM1 + 8, 1)).toBeUndefined();
  });

  it('serves an MMIO window instead when given one', () => {
    const sent: number[] = [];
    const uart = new Com1({
      onTransmit: (b) => sent.push(b),
      window: { type: 'mmio', start: 0x1000_0000, size: 0x100 },
    });
    uart.write(0x1000_0000, 1, 0x21);
    expect(sent).toEqual([0x21]);
    expect(uart.ioreqSpecs()[0]?.ranges).toEqual([
      { type: 'mmio', start: 0x1000_0000, size: 0x100 },
    ]);
  });

  it('counts accesses per register and round-trips its state', () => {
    const a = setup();
    a.outb(UartReg.SCR, 0x5a);
    a.inb(UartReg.LSR);
    a.inb(UartReg.LSR);
    a.com1.receive([1, 2, 3]);
    expect(a.com1.accessCounts()).toMatchObject({ scr: 1, lsr: 2 });
    const saved = a.com1.saveState();
    const b = setup();
    b.com1.restoreState(structuredClone(saved));
    expect(b.com1.saveState()).toEqual(saved);
    expect(b.inb(UartReg.SCR)).toBe(0x5a);
    expect(b.inb(UartReg.RBR_THR_DLL)).toBe(1);
  });
});
