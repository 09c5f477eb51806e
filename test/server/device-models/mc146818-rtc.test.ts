import { describe, expect, it } from 'vitest';
import {
  Mc146818Rtc,
  RegB,
  RegC,
  RtcPort,
  RtcReg,
  fromBcd,
  toBcd,
} from '../../../src/server/device-models/mc146818-rtc';

/** Thursday 29 February 2024, 13:45:30.500 UTC. */
const T0 = Date.UTC(2024, 1, 29, 13, 45, 30, 500);

function setup(start = T0) {
  let now = start;
  const irq: boolean[] = [];
  const rtc = new Mc146818Rtc({ clock: () => now, irq: (l) => irq.push(l) });
  const rd = (reg: number): number => (rtc.write(RtcPort.INDEX, 1, reg), rtc.read(RtcPort.DATA, 1));
  const wr = (reg: number, v: number): void => {
    rtc.write(RtcPort.INDEX, 1, reg);
    rtc.write(RtcPort.DATA, 1, v);
  };
  const advance = (ms: number): void => {
    now += ms;
  };
  const at = (ms: number): void => {
    now = ms;
  };
  return { rtc, rd, wr, advance, at, irq };
}

describe('MC146818 registers', () => {
  it.each([
    ['A', RtcReg.A, 0x26],
    ['B', RtcReg.B, 0x02],
    ['C', RtcReg.C, 0x00],
    ['D', RtcReg.D, 0x80],
  ])('resets register %s to %i', (_n, reg, value) => {
    expect(setup().rd(reg)).toBe(value);
  });

  it('ignores writes to C and D and to A bit 7 (UIP)', () => {
    const { rd, wr } = setup();
    wr(RtcReg.C, 0xff);
    wr(RtcReg.D, 0x00);
    wr(RtcReg.A, 0xa6);
    expect([rd(RtcReg.C), rd(RtcReg.D), rd(RtcReg.A)]).toEqual([0x00, 0x80, 0x26]);
  });

  it('keeps the NMI gate in bit 7 of the index and reads the index port as 0xFF', () => {
    const { rtc, rd } = setup();
    rtc.write(RtcPort.INDEX, 1, 0x80 | RtcReg.D);
    expect(rtc.nmiDisabled).toBe(true);
    expect(rtc.read(RtcPort.DATA, 1)).toBe(0x80); // index 0x0D despite bit 7
    expect(rtc.read(RtcPort.INDEX, 1)).toBe(0xff);
    rd(RtcReg.A);
    expect(rtc.nmiDisabled).toBe(false);
  });

  it.each([0x0e, 0x10, 0x31, 0x33, 0x40, 0x7f])('keeps CMOS RAM byte 0x%s', (i) => {
    const { rd, wr } = setup();
    wr(i, 0xa5 ^ i);
    expect(rd(i)).toBe(0xa5 ^ i);
  });
});

describe('MC146818 time', () => {
  const bcd: Array<[string, number, number]> = [
    ['seconds', RtcReg.SECONDS, 0x30],
    ['minutes', RtcReg.MINUTES, 0x45],
    ['hours', RtcReg.HOURS, 0x13],
    ['day of week (Thursday = 5)', RtcReg.DAY_OF_WEEK, 0x05],
    ['day of month', RtcReg.DAY_OF_MONTH, 0x29],
    ['month', RtcReg.MONTH, 0x02],
    ['year', RtcReg.YEAR, 0x24],
    ['century', RtcReg.CENTURY, 0x20],
  ];
  it.each(bcd)('reads the host date in BCD: %s', (_n, reg, value) => {
    expect(setup().rd(reg)).toBe(value);
  });

  it.each(bcd)('reads the host date in binary (B bit 2): %s', (_n, reg, value) => {
    const { rd, wr } = setup();
    wr(RtcReg.B, RegB.HOURS_24 | RegB.DM_BINARY);
    expect(rd(reg)).toBe(fromBcd(value));
  });

  it.each([
    [0, 0x12, 12],
    [1, 0x01, 1],
    [11, 0x11, 11],
    [12, 0x92, 0x8c],
    [13, 0x81, 0x81],
    [23, 0x91, 0x8b],
  ])('gives hour %i in 12-hour mode as BCD %i / binary %i (bit 7 = PM)', (h, asBcd, asBin) => {
    const { rd, wr } = setup(Date.UTC(2024, 0, 1, h, 0, 0, 500));
    wr(RtcReg.B, 0);
    expect(rd(RtcReg.HOURS)).toBe(asBcd);
    wr(RtcReg.B, RegB.DM_BINARY);
    expect(rd(RtcReg.HOURS)).toBe(asBin);
  });

  it('follows the host clock', () => {
    const { rd, advance } = setup();
    advance(30_000);
    expect([rd(RtcReg.MINUTES), rd(RtcReg.SECONDS)]).toEqual([0x46, 0x00]);
    advance(10 * 3600_000 + 14 * 60_000); // past midnight into 1 March
    expect([
      rd(RtcReg.HOURS),
      rd(RtcReg.DAY_OF_MONTH),
      rd(RtcReg.MONTH),
      rd(RtcReg.DAY_OF_WEEK),
    ]).toEqual([0x00, 0x01, 0x03, 0x06]);
  });

  it('sets an offset from the host clock when the guest writes the time', () => {
    const { rtc, rd, wr, advance } = setup();
    wr(RtcReg.SECONDS, 0x00);
    expect(rtc.guestTimeMs() - T0).toBe(-30_000);
    wr(RtcReg.YEAR, 0x30);
    expect(rd(RtcReg.YEAR)).toBe(0x30);
    expect(rtc.time().year).toBe(2030);
    advance(1000);
    expect(rd(RtcReg.SECONDS)).toBe(0x01);
    wr(RtcReg.B, RegB.DM_BINARY); // 12-hour, binary: 0x83 is 3 PM
    wr(RtcReg.HOURS, 0x83);
    expect(rtc.time().hours).toBe(15);
    wr(RtcReg.CENTURY, 19);
    expect(rtc.time().year).toBe(1930);
  });

  it('keeps a day of week the guest writes, as the chip does not check it', () => {
    const { rtc, rd, wr, advance } = setup();
    wr(RtcReg.DAY_OF_WEEK, 0x01);
    expect(rd(RtcReg.DAY_OF_WEEK)).toBe(0x01);
    advance(24 * 3600_000);
    expect(rd(RtcReg.DAY_OF_WEEK)).toBe(0x02);
    expect(rtc.time().day).toBe(1); // 1 March
  });

  it('holds the time while SET is 1 and counts on from what was written', () => {
    const { rtc, rd, wr, advance } = setup();
    wr(RtcReg.B, RegB.SET | RegB.HOURS_24 | RegB.UIE);
    expect(rd(RtcReg.B)).toBe(RegB.SET | RegB.HOURS_24); // SET clears UIE
    wr(RtcReg.HOURS, 0x08);
    wr(RtcReg.MINUTES, 0x00);
    wr(RtcReg.SECONDS, 0x00);
    advance(5000);
    expect([rd(RtcReg.HOURS), rd(RtcReg.MINUTES), rd(RtcReg.SECONDS)]).toEqual([0x08, 0x00, 0x00]);
    wr(RtcReg.B, RegB.HOURS_24);
    advance(2500);
    expect([rd(RtcReg.HOURS), rd(RtcReg.MINUTES), rd(RtcReg.SECONDS)]).toEqual([0x08, 0x00, 0x02]);
    expect(rtc.time().day).toBe(29);
  });
});

describe('MC146818 update cycle and interrupts', () => {
  it.each([
    [500, false],
    [999.8, true], // 244 µs before the update
    [999.7, false],
    [0.5, true], // during the 1984 µs update
    [1.9, true],
    [2.0, false],
  ])('reads UIP at %f ms into the second as %s', (ms, uip) => {
    const { rd } = setup(Date.UTC(2024, 0, 1) + ms);
    expect((rd(RtcReg.A) & 0x80) !== 0).toBe(uip);
  });

  it('clears UIP while SET holds the clock', () => {
    const { rd, wr } = setup(Date.UTC(2024, 0, 1) + 0.5);
    wr(RtcReg.B, RegB.SET | RegB.HOURS_24);
    expect(rd(RtcReg.A) & 0x80).toBe(0);
  });

  it('flags each update (UF), clears the flags on reading C, and raises IRQ 8 only when enabled', () => {
    const { rtc, rd, wr, advance, irq } = setup();
    wr(RtcReg.A, 0x20); // no periodic flag in the way (RS = 0)
    advance(600); // crosses 13:45:31
    expect(rd(RtcReg.C)).toBe(RegC.UF); // flag without IRQF: UIE is off
    expect(rd(RtcReg.C)).toBe(0);
    expect(irq).toEqual([]);
    wr(RtcReg.B, RegB.HOURS_24 | RegB.UIE);
    advance(1000);
    rtc.poll();
    expect(irq).toEqual([true]);
    expect(rd(RtcReg.C)).toBe(RegC.IRQF | RegC.UF);
    expect(irq).toEqual([true, false]);
  });

  it('flags the alarm when the time matches, with C0–FF as "don\'t care"', () => {
    const { rd, wr, advance, irq } = setup();
    wr(RtcReg.A, 0x20);
    wr(RtcReg.SECONDS_ALARM, 0x35);
    wr(RtcReg.MINUTES_ALARM, 0x45);
    wr(RtcReg.HOURS_ALARM, 0x13);
    wr(RtcReg.B, RegB.HOURS_24 | RegB.AIE);
    advance(3000); // 13:45:33
    expect(rd(RtcReg.C) & RegC.AF).toBe(0);
    advance(2000); // 13:45:35
    expect(rd(RtcReg.C)).toBe(RegC.IRQF | RegC.AF | RegC.UF);
    expect(irq).toEqual([true, false]);
    wr(RtcReg.HOURS_ALARM, 0xff);
    wr(RtcReg.MINUTES_ALARM, 0xc0);
    advance(60_000); // 13:46:35 matches with hours and minutes "don't care"
    expect(rd(RtcReg.C) & RegC.AF).toBe(RegC.AF);
  });

  it('flags periodic interrupts at the rate register A selects', () => {
    const { rtc, rd, wr, advance, irq } = setup();
    wr(RtcReg.A, 0x2f); // RS = 15: 500 ms
    wr(RtcReg.B, RegB.HOURS_24 | RegB.PIE);
    rd(RtcReg.C);
    advance(400);
    rtc.poll();
    expect(rtc.interruptLevel).toBe(false);
    advance(200);
    rtc.poll();
    expect(irq.at(-1)).toBe(true);
    expect(rd(RtcReg.C) & (RegC.IRQF | RegC.PF)).toBe(RegC.IRQF | RegC.PF);
    wr(RtcReg.A, 0x20); // RS = 0: none
    advance(5000);
    expect(rd(RtcReg.C) & RegC.PF).toBe(0);
  });
});

describe('MC146818 save/restore and accounting', () => {
  it('round-trips offset, registers, alarms, CMOS and the SET hold', () => {
    const a = setup();
    a.wr(RtcReg.MINUTES, 0x10);
    a.wr(RtcReg.SECONDS_ALARM, 0x07);
    a.wr(0x40, 0x99);
    a.wr(RtcReg.B, RegB.SET | RegB.DM_BINARY | RegB.HOURS_24);
    a.wr(RtcReg.SECONDS, 59);
    const saved = a.rtc.saveState();
    const b = setup();
    b.rtc.restoreState(structuredClone(saved));
    expect(b.rtc.saveState()).toEqual(saved);
    expect([
      b.rd(RtcReg.MINUTES),
      b.rd(RtcReg.SECONDS),
      b.rd(0x40),
      b.rd(RtcReg.SECONDS_ALARM),
    ]).toEqual([10, 59, 0x99, 0x07]);
  });

  it('counts accesses per register', () => {
    const { rtc, rd } = setup();
    rd(RtcReg.SECONDS);
    rd(RtcReg.SECONDS);
    rd(0x20);
    expect(rtc.accessCounts()).toMatchObject({ index: 3, seconds: 2, 'cmos-ram': 1 });
    expect(rtc.accessCount).toBe(6);
  });

  it('converts BCD both ways', () => {
    for (let v = 0; v < 100; v++) expect(fromBcd(toBcd(v))).toBe(v);
    expect(toBcd(59)).toBe(0x59);
  });
});
