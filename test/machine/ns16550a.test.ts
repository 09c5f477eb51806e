import { describe, expect, it } from 'vitest';
import { FCR, IER, IIR, LCR, LSR, MCR, MSR, Ns16550a, UartReg } from '../../src/machine/ns16550a';

function uart() {
  const sent: number[] = [];
  const irq: boolean[] = [];
  const u = new Ns16550a({ onTransmit: (b) => sent.push(b), irq: (l) => irq.push(l) });
  const rd = (reg: number): number => u.load(reg, 1);
  const wr = (reg: number, v: number): void => u.store(reg, 1, v);
  return { u, sent, irq, rd, wr };
}

describe('NS16550A UART', () => {
  // Reset values as QEMU 7.2's serial_reset (also checked on real QEMU by the CLI differential test).
  it.each([
    ['IER', UartReg.IER_DLM, 0x00],
    ['IIR', UartReg.IIR_FCR, IIR.NONE],
    ['LCR', UartReg.LCR, 0x00],
    ['MCR', UartReg.MCR, MCR.OUT2],
    ['LSR', UartReg.LSR, LSR.THRE | LSR.TEMT],
    ['MSR', UartReg.MSR, MSR.DCD | MSR.DSR | MSR.CTS],
    ['SCR', UartReg.SCR, 0x00],
  ])('resets %s to %i', (_name, reg, value) => {
    expect(uart().rd(reg)).toBe(value);
  });

  it('maps DLL/DLM over RBR/IER only while LCR.DLAB is set', () => {
    const { rd, wr, sent } = uart();
    wr(UartReg.IER_DLM, IER.ERBFI);
    wr(UartReg.LCR, LCR.DLAB | 0x03);
    expect([rd(0), rd(1)]).toEqual([0x0c, 0x00]); // QEMU's reset divisor (9600 baud at 1.8432 MHz)
    wr(0, 0x01);
    wr(1, 0x02);
    expect([rd(0), rd(1)]).toEqual([0x01, 0x02]);
    expect(sent).toEqual([]); // a divisor write is not a transmission
    wr(UartReg.LCR, 0x03);
    expect(rd(UartReg.IER_DLM)).toBe(IER.ERBFI);
    wr(0, 0x41);
    expect(sent).toEqual([0x41]);
    wr(UartReg.LCR, LCR.DLAB);
    expect([rd(0), rd(1)]).toEqual([0x01, 0x02]);
  });

  it('repeats its 8 registers across the window and ignores access width', () => {
    const { u, wr } = uart();
    wr(UartReg.SCR, 0x5a);
    expect(u.load(0x8 + UartReg.SCR, 1)).toBe(0x5a);
    expect(u.load(UartReg.SCR, 4)).toBe(0x5a);
  });

  it.each([
    ['IER keeps bits 3:0', UartReg.IER_DLM, 0xff, 0x0f],
    ['MCR keeps bits 4:0', UartReg.MCR, 0xff, 0x1f],
    ['LCR keeps all bits', UartReg.LCR, 0x7f, 0x7f],
    ['SCR keeps all bits', UartReg.SCR, 0xa5, 0xa5],
  ])('%s', (_name, reg, written, read) => {
    const { rd, wr } = uart();
    wr(reg, written);
    expect(rd(reg)).toBe(read);
  });

  it('sends THR bytes to the sink and keeps THRE/TEMT set (instant transmitter)', () => {
    const { rd, wr, sent } = uart();
    for (const c of 'hi\n') wr(0, c.charCodeAt(0));
    expect(String.fromCharCode(...sent)).toBe('hi\n');
    expect(rd(UartReg.LSR) & (LSR.THRE | LSR.TEMT)).toBe(LSR.THRE | LSR.TEMT);
  });

  it('reports received data through LSR.DR and RBR, in order, without losing host bytes', () => {
    const { u, rd, wr } = uart();
    wr(UartReg.IIR_FCR, FCR.ENABLE);
    const text = 'a line longer than sixteen bytes';
    u.receive(new TextEncoder().encode(text));
    const got: number[] = [];
    while (rd(UartReg.LSR) & LSR.DR) got.push(rd(0));
    expect(String.fromCharCode(...got)).toBe(text);
    expect(rd(UartReg.LSR) & LSR.OE).toBe(0);
    expect(u.pendingInput).toBe(0);
  });

  it('holds one byte at a time without FIFOs', () => {
    const { u, rd } = uart();
    u.receive([1, 2, 3]);
    expect(u.pendingInput).toBe(2);
    expect([rd(0), rd(0), rd(0)]).toEqual([1, 2, 3]);
    expect(rd(UartReg.LSR) & LSR.DR).toBe(0);
  });

  // IIR identification and priority (datasheet Table IV).
  type Setup = (t: ReturnType<typeof uart>) => void;
  const scenarios: [string, Setup, number][] = [
    ['nothing enabled', () => {}, IIR.NONE],
    ['THR empty once ETBEI is enabled', ({ wr }) => wr(1, IER.ETBEI), IIR.THR_EMPTY],
    [
      'received data outranks THR empty',
      ({ u, wr }) => {
        wr(1, IER.ETBEI | IER.ERBFI);
        u.receive([0x61]);
      },
      IIR.RX_DATA,
    ],
    [
      'received data is masked without ERBFI',
      ({ u, wr }) => {
        wr(1, IER.ELSI);
        u.receive([0x61]);
      },
      IIR.NONE,
    ],
    [
      'FIFO below trigger level reports character timeout',
      ({ u, wr }) => {
        wr(2, FCR.ENABLE | (1 << 6)); // trigger level 4
        wr(1, IER.ERBFI);
        u.receive([1, 2]);
      },
      IIR.FIFOS_ENABLED | IIR.CHAR_TIMEOUT,
    ],
    [
      'FIFO at trigger level reports received data',
      ({ u, wr }) => {
        wr(2, FCR.ENABLE | (1 << 6));
        wr(1, IER.ERBFI);
        u.receive([1, 2, 3, 4]);
      },
      IIR.FIFOS_ENABLED | IIR.RX_DATA,
    ],
    [
      'overrun (line status) outranks received data',
      ({ wr }) => {
        wr(4, MCR.LOOP);
        wr(1, IER.ERBFI | IER.ELSI | IER.ETBEI);
        wr(0, 1);
        wr(0, 2); // no FIFO: the second byte overruns the first
      },
      IIR.RX_LINE_STATUS,
    ],
    [
      'modem status change is the lowest priority',
      ({ wr }) => {
        wr(4, MCR.LOOP);
        wr(1, IER.EDSSI);
        wr(4, MCR.LOOP | MCR.RTS);
      },
      IIR.MODEM_STATUS,
    ],
  ];
  it.each(scenarios)('IIR: %s', (_name, setup, expected) => {
    const t = uart();
    setup(t);
    const level = t.u.interruptLevel; // before the IIR read, which may clear THRE
    expect(t.rd(UartReg.IIR_FCR)).toBe(expected);
    expect(level).toBe((expected & 1) === 0);
  });

  it('clears the THRE interrupt by reading IIR or writing THR, and re-arms it after a write', () => {
    const { rd, wr, irq } = uart();
    wr(1, IER.ETBEI);
    expect(irq).toEqual([true]);
    expect(rd(2)).toBe(IIR.THR_EMPTY);
    expect(rd(2)).toBe(IIR.NONE);
    expect(irq).toEqual([true, false]);
    wr(0, 0x41);
    expect(rd(2)).toBe(IIR.THR_EMPTY);
  });

  it('clears line errors by reading LSR, and modem deltas by reading MSR', () => {
    const { rd, wr } = uart();
    wr(4, MCR.LOOP);
    wr(0, 1);
    wr(0, 2);
    expect(rd(UartReg.LSR)).toBe(LSR.DR | LSR.OE | LSR.THRE | LSR.TEMT);
    expect(rd(UartReg.LSR)).toBe(LSR.DR | LSR.THRE | LSR.TEMT);
    expect(rd(0)).toBe(2); // without FIFOs the overrunning byte replaces RBR
    expect(rd(UartReg.MSR)).toBe(0); // entering loopback is not a line change
    wr(4, MCR.LOOP | MCR.DTR | MCR.OUT1);
    wr(4, MCR.LOOP | MCR.DTR);
    expect(rd(UartReg.MSR)).toBe(MSR.DSR | MSR.DDSR | MSR.TERI);
    expect(rd(UartReg.MSR)).toBe(MSR.DSR);
  });

  it('loops THR back into the receiver in loopback mode and mirrors MCR into MSR', () => {
    const { rd, wr, sent, u } = uart();
    wr(4, MCR.LOOP | MCR.RTS | MCR.OUT2);
    expect(rd(UartReg.MSR) & 0xf0).toBe(MSR.CTS | MSR.DCD);
    u.receive([0x7a]); // the serial input is disconnected in loopback
    wr(0, 0x55);
    expect(sent).toEqual([]);
    expect(rd(0)).toBe(0x55);
    wr(4, 0);
    expect(rd(0)).toBe(0x7a);
  });

  it('overruns a full 16-byte FIFO in loopback and keeps the first 16 bytes', () => {
    const { rd, wr } = uart();
    wr(2, FCR.ENABLE);
    wr(4, MCR.LOOP);
    for (let i = 0; i < 17; i++) wr(0, i);
    expect(rd(UartReg.LSR) & LSR.OE).toBe(LSR.OE);
    const got: number[] = [];
    while (rd(UartReg.LSR) & LSR.DR) got.push(rd(0));
    expect(got).toEqual(Array.from({ length: 16 }, (_, i) => i));
  });

  it('flushes the receive FIFO on FCR RX reset and when FIFOs are switched', () => {
    // Characters from the serial line (here, loopback) are gone after a reset.
    const { u, rd, wr } = uart();
    wr(2, FCR.ENABLE);
    wr(UartReg.MCR, MCR.LOOP);
    for (const b of [1, 2, 3]) wr(UartReg.RBR_THR_DLL, b);
    expect(rd(UartReg.LSR) & LSR.DR).toBe(LSR.DR);
    wr(2, FCR.ENABLE | FCR.RX_RESET);
    expect(rd(UartReg.LSR) & LSR.DR).toBe(0);
    wr(UartReg.RBR_THR_DLL, 4);
    wr(2, 0);
    expect(rd(UartReg.LSR) & LSR.DR).toBe(0);
    expect(rd(2) & IIR.FIFOS_ENABLED).toBe(0);
    expect(u.pendingInput).toBe(0);
  });

  it('restores a saved state exactly', () => {
    const a = uart();
    a.wr(2, FCR.ENABLE | (2 << 6));
    a.wr(1, IER.ERBFI);
    a.wr(UartReg.SCR, 0x33);
    a.u.receive([9, 8, 7]);
    const snapshot = JSON.parse(JSON.stringify(a.u.saveState()));
    const b = uart();
    b.u.restoreState(snapshot);
    expect(b.u.interruptLevel).toBe(true);
    for (const reg of [1, 2, 3, 4, 5, 6, 7]) expect(b.rd(reg)).toBe(a.rd(reg));
    expect([b.rd(0), b.rd(0), b.rd(0)]).toEqual([9, 8, 7]);
  });

  it('counts register accesses', () => {
    const { u, rd, wr } = uart();
    wr(7, 1);
    rd(7);
    rd(5);
    expect(u.accessCount).toBe(3);
  });
});

describe('NS16550A host input flow control', () => {
  it('keeps host bytes that a FIFO enable or receiver reset would empty', () => {
    const u = new Ns16550a();
    const piped = [...new TextEncoder().encode('echo hi > a\ncat a\n')];
    u.receive(piped);
    // A driver drains what it can see, then turns the FIFOs on (which empties them).
    const got: number[] = [];
    while (u.load(UartReg.LSR, 1) & LSR.DR) got.push(u.load(UartReg.RBR_THR_DLL, 1));
    u.store(UartReg.IIR_FCR, 1, FCR.ENABLE | FCR.RX_RESET | FCR.TX_RESET);
    u.store(UartReg.IIR_FCR, 1, FCR.ENABLE | FCR.RX_RESET);
    while (u.load(UartReg.LSR, 1) & LSR.DR) got.push(u.load(UartReg.RBR_THR_DLL, 1));
    expect(got).toEqual(piped);
  });
});
