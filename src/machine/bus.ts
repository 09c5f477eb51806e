import { BusError, type Bus } from '../cpu/bus';
import type { MmioDevice } from './mmio-device';

interface Region {
  readonly base: number;
  readonly end: number; // exclusive
  readonly device: MmioDevice;
}

const hex = (n: number): string => '0x' + (n >>> 0).toString(16).padStart(8, '0');

/**
 * The system bus: one RAM block plus MMIO windows, each decoded to a device by
 * offset. The hart reaches RAM directly through `ram`; `load`/`store` serve
 * everything else and also RAM (for accesses the hart's fast path leaves to
 * the bus, and for the machine's own use). A hole raises `BusError`, which the
 * hart turns into an access fault (privileged spec 3.7.1, "Physical Memory
 * Attributes": a region without a device is "vacant").
 */
export class SystemBus implements Bus {
  readonly ram: Uint8Array;
  readonly ramBase: number;
  private readonly ramView: DataView;
  private regions: Region[] = [];
  private last: Region | undefined;

  constructor(ramBase: number, ramSize: number) {
    if (ramSize <= 0 || ramSize % 4096 !== 0) {
      throw new RangeError(`RAM size must be a positive multiple of 4 KiB, got ${ramSize}`);
    }
    if (ramBase + ramSize > 0x1_0000_0000) {
      throw new RangeError(
        `RAM ${hex(ramBase)} + ${ramSize} bytes does not fit in 32-bit physical space`,
      );
    }
    this.ram = new Uint8Array(ramSize);
    this.ramBase = ramBase >>> 0;
    this.ramView = new DataView(this.ram.buffer);
  }

  /** Attach a device at [base, base + size). Windows may not overlap RAM or each other. */
  map(base: number, size: number, device: MmioDevice): void {
    const end = base + size;
    const overlaps = (b: number, e: number): boolean => base < e && b < end;
    if (overlaps(this.ramBase, this.ramBase + this.ram.length)) {
      throw new RangeError(`${device.name} at ${hex(base)} overlaps RAM`);
    }
    const clash = this.regions.find((r) => overlaps(r.base, r.end));
    if (clash) throw new RangeError(`${device.name} at ${hex(base)} overlaps ${clash.device.name}`);
    this.regions.push({ base, end, device });
    this.regions.sort((a, b) => a.base - b.base);
  }

  /** The device mapped at `addr`, if any (for the machine's diagnostics). */
  deviceAt(addr: number): MmioDevice | undefined {
    return this.find(addr >>> 0, 1)?.device;
  }

  /** True if `addr` is backed by RAM (the only memory a hart can fetch from on this board). */
  isRam(addr: number, size = 1): boolean {
    const off = (addr >>> 0) - this.ramBase;
    return off >= 0 && off + size <= this.ram.length;
  }

  load(addr: number, size: 1 | 2 | 4): number {
    addr >>>= 0;
    const off = addr - this.ramBase;
    if (off >= 0 && off + size <= this.ram.length) {
      if (size === 4) return this.ramView.getUint32(off, true);
      if (size === 2) return this.ramView.getUint16(off, true);
      return this.ram[off] as number;
    }
    const region = this.find(addr, size);
    if (!region) throw new BusError(addr);
    try {
      return region.device.load(addr - region.base, size) >>> 0;
    } catch (e) {
      // Devices report refusals by offset; name the physical address instead.
      throw e instanceof BusError ? new BusError(addr) : e;
    }
  }

  store(addr: number, size: 1 | 2 | 4, value: number): void {
    addr >>>= 0;
    const off = addr - this.ramBase;
    if (off >= 0 && off + size <= this.ram.length) {
      if (size === 4) this.ramView.setUint32(off, value >>> 0, true);
      else if (size === 2) this.ramView.setUint16(off, value & 0xffff, true);
      else this.ram[off] = value & 0xff;
      return;
    }
    const region = this.find(addr, size);
    if (!region) throw new BusError(addr);
    try {
      region.device.store(addr - region.base, size, value >>> 0);
    } catch (e) {
      throw e instanceof BusError ? new BusError(addr) : e;
    }
  }

  private find(addr: number, size: number): Region | undefined {
    const last = this.last;
    if (last && addr >= last.base && addr + size <= last.end) return last;
    for (const r of this.regions) {
      if (addr >= r.base && addr + size <= r.end) {
        this.last = r;
        return r;
      }
    }
    return undefined;
  }
}
