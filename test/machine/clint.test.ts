import { describe, expect, it } from 'vitest';
import { BusError } from '../../src/cpu/bus';
import { Clint, ClintReg } from '../../src/machine/clint';

function clint(start = 0) {
  const clock = { t: start, now: () => clock.t };
  const lines = { msip: [] as boolean[], mtip: [] as boolean[] };
  let timerChanges = 0;
  const c = new Clint({
    clock,
    msip: (l) => lines.msip.push(l),
    mtip: (l) => lines.mtip.push(l),
    onTimerChange: () => timerChanges++,
  });
  const setCmp = (v: number): void => {
    c.store(ClintReg.MTIMECMP_HI, 4, 0xffffffff); // avoid a spurious match between the halves
    c.store(ClintReg.MTIMECMP_LO, 4, v % 2 ** 32);
    c.store(ClintReg.MTIMECMP_HI, 4, Math.floor(v / 2 ** 32));
  };
  return { c, clock, lines, setCmp, timerChanges: () => timerChanges };
}

describe('SiFive CLINT', () => {
  it('reads mtime from the machine clock as two 32-bit halves', () => {
    const { c, clock } = clint();
    clock.t = 0x1_2345_6789;
    expect(c.load(ClintReg.MTIME_LO, 4)).toBe(0x2345_6789);
    expect(c.load(ClintReg.MTIME_HI, 4)).toBe(1);
  });

  // Privileged spec 3.2.1: MTIP = (mtime >= mtimecmp), as a level.
  it.each([
    [100, 99, true],
    [100, 100, true],
    [100, 101, false],
    [2 ** 32 + 5, 2 ** 32 + 4, true],
    [2 ** 32 + 5, 2 ** 32 + 6, false],
    [5, 2 ** 64 - 2 ** 32, false], // 0xffffffff_00000000
  ])('mtime %d vs mtimecmp %d → MTIP %s', (now, cmp, level) => {
    const { clock, lines, setCmp } = clint();
    clock.t = now;
    setCmp(cmp);
    expect(lines.mtip.at(-1)).toBe(level);
  });

  it('raises MTIP when time reaches mtimecmp and drops it when mtimecmp moves ahead', () => {
    const { c, clock, lines, setCmp } = clint();
    setCmp(1000);
    expect(lines.mtip.at(-1)).toBe(false);
    expect(c.nextDeadline()).toBe(1000);
    clock.t = 999;
    c.update();
    expect(lines.mtip.at(-1)).toBe(false);
    clock.t = 1000;
    c.update();
    expect(lines.mtip.at(-1)).toBe(true);
    expect(c.nextDeadline()).toBeUndefined();
    setCmp(2000);
    expect(lines.mtip.at(-1)).toBe(false);
  });

  it('reads mtimecmp back exactly, including values beyond 2^53', () => {
    const { c } = clint();
    c.store(ClintReg.MTIMECMP_LO, 4, 0xdeadbeef);
    c.store(ClintReg.MTIMECMP_HI, 4, 0xffffffff);
    expect(c.load(ClintReg.MTIMECMP_LO, 4)).toBe(0xdeadbeef);
    expect(c.load(ClintReg.MTIMECMP_HI, 4)).toBe(0xffffffff);
    expect(c.nextDeadline()).toBeUndefined();
  });

  it('asserts MTIP at reset (mtimecmp = 0, as QEMU)', () => {
    const { c, lines } = clint();
    c.update();
    expect(lines.mtip).toEqual([true]);
  });

  it('drives MSIP from bit 0 of msip only', () => {
    const { c, lines } = clint();
    c.store(ClintReg.MSIP, 4, 0xfffffffe);
    expect(c.load(ClintReg.MSIP, 4)).toBe(0);
    c.store(ClintReg.MSIP, 4, 3);
    expect(c.load(ClintReg.MSIP, 4)).toBe(1);
    c.store(ClintReg.MSIP, 4, 0);
    expect(lines.msip).toEqual([false, true, false]);
  });

  it('lets the guest set mtime, after which it keeps counting from the new value', () => {
    const { c, clock } = clint(50);
    c.store(ClintReg.MTIME_LO, 4, 1000);
    expect(c.mtime()).toBe(1000);
    clock.t = 60;
    expect(c.load(ClintReg.MTIME_LO, 4)).toBe(1010);
    c.store(ClintReg.MTIMECMP_HI, 4, 0);
    c.store(ClintReg.MTIMECMP_LO, 4, 1100);
    expect(c.nextDeadline()).toBe(150); // clock reading at which mtime = 1100
  });

  it('tells the machine when the timer was reprogrammed', () => {
    const { setCmp, timerChanges } = clint();
    setCmp(5);
    expect(timerChanges()).toBe(3);
  });

  it.each([
    [ClintReg.MSIP, 1],
    [ClintReg.MTIMECMP_LO, 2],
    [ClintReg.MTIME_LO + 2, 4],
  ])('refuses a %i-offset access of %i bytes (32-bit registers only)', (offset, size) => {
    const { c } = clint();
    expect(() => c.load(offset, size as 1 | 2 | 4)).toThrow(BusError);
    expect(() => c.store(offset, size as 1 | 2 | 4, 0)).toThrow(BusError);
  });

  it('reads unimplemented harts’ registers as zero', () => {
    const { c } = clint();
    expect(c.load(4, 4)).toBe(0);
    expect(c.load(0x4008, 4)).toBe(0);
  });

  it('restores a saved state', () => {
    const a = clint(10);
    a.c.store(ClintReg.MSIP, 4, 1);
    a.setCmp(500);
    a.c.store(ClintReg.MTIME_LO, 4, 300);
    const b = clint(10);
    b.c.restoreState(JSON.parse(JSON.stringify(a.c.saveState())));
    expect(b.c.accessCount).toBe(a.c.accessCount);
    expect(b.c.mtime()).toBe(300);
    expect(b.c.load(ClintReg.MTIMECMP_LO, 4)).toBe(500);
    expect(b.lines.msip.at(-1)).toBe(true);
    expect(b.lines.mtip.at(-1)).toBe(false);
  });
});
