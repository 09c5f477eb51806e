import { describe, expect, it } from 'vitest';
import { BusError } from '../../src/cpu/bus';
import { SystemBus } from '../../src/machine/bus';
import type { MmioDevice } from '../../src/machine/mmio-device';

class Recorder implements MmioDevice {
  accessCount = 0;
  log: string[] = [];
  constructor(readonly name: string) {}
  load(offset: number, size: number): number {
    this.log.push(`load ${offset.toString(16)}/${size}`);
    if (offset === 0x10) throw new BusError(offset);
    return 0x80000000 | offset;
  }
  store(offset: number, size: number, value: number): void {
    this.log.push(`store ${offset.toString(16)}/${size}=${value.toString(16)}`);
  }
}

describe('SystemBus', () => {
  const make = () => {
    const bus = new SystemBus(0x8000_0000, 64 * 1024);
    const a = new Recorder('a');
    const b = new Recorder('b');
    bus.map(0x1000_0000, 0x100, a);
    bus.map(0x0200_0000, 0x1_0000, b);
    return { bus, a, b };
  };

  it('reads and writes RAM little-endian through load/store and the ram array alike', () => {
    const { bus } = make();
    bus.store(0x8000_0010, 4, 0x1122_3344);
    expect([...bus.ram.subarray(0x10, 0x14)]).toEqual([0x44, 0x33, 0x22, 0x11]);
    expect(bus.load(0x8000_0012, 2)).toBe(0x1122);
    expect(bus.load(0x8000_0013, 1)).toBe(0x11);
    bus.store(0x8000_fffe, 2, 0xabcd);
    expect(bus.load(0x8000_fffe, 2)).toBe(0xabcd);
  });

  it('decodes MMIO windows to device offsets, returning unsigned values', () => {
    const { bus, a, b } = make();
    expect(bus.load(0x1000_0005, 1)).toBe(0x8000_0005);
    bus.store(0x0200_4000, 4, -1);
    expect(a.log).toEqual(['load 5/1']);
    expect(b.log).toEqual(['store 4000/4=ffffffff']);
    expect(bus.deviceAt(0x0200_bff8)).toBe(b);
  });

  it.each([
    ['a hole', 0x0300_0000],
    ['just past a window', 0x1000_0100],
    ['the end of RAM', 0x8001_0000],
    ['below RAM', 0x7fff_fffc],
  ])('raises BusError for %s', (_name, addr) => {
    const { bus } = make();
    expect(() => bus.load(addr, 4)).toThrow(BusError);
    expect(() => bus.store(addr, 4, 0)).toThrow(BusError);
  });

  it('raises BusError for an access straddling the end of a window or of RAM', () => {
    const { bus } = make();
    expect(() => bus.load(0x1000_00fe, 4)).toThrow(BusError);
    expect(() => bus.load(0x8000_fffe, 4)).toThrow(BusError);
  });

  it('names the physical address when a device refuses an access', () => {
    const { bus } = make();
    expect(() => bus.load(0x1000_0010, 4)).toThrow(/0x10000010/);
  });

  it('refuses overlapping windows', () => {
    const { bus } = make();
    expect(() => bus.map(0x1000_0080, 0x100, new Recorder('c'))).toThrow(/overlaps a/);
    expect(() => bus.map(0x8000_0000, 0x10, new Recorder('d'))).toThrow(/overlaps RAM/);
  });

  it('tells RAM from everything else', () => {
    const { bus } = make();
    expect(bus.isRam(0x8000_0000)).toBe(true);
    expect(bus.isRam(0x8000_fffe, 4)).toBe(false);
    expect(bus.isRam(0x1000_0000)).toBe(false);
  });
});
