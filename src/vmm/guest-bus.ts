import { BusError, type Bus } from '../cpu/bus';
import { VIRT_MEMMAP } from '../machine/address-map';
import { isInGrantWindow, type GrantTableService } from './grant-table';
import type { GuestDomain } from './guest-domain';
import { IoreqRegistry } from './ioreq';

const PLIC = VIRT_MEMMAP.plic;

/** Where exits are recorded: the VMM knows the running vCPU and the time. */
export interface ExitSink {
  exit(d: GuestDomain, reason: string, detail: number): void;
  /** The access went to an ioreq server that must run before the guest continues. */
  ioreqNeedsService(): void;
  /** A device model threw (at `addr`: address or port); the access read all ones or was dropped. */
  ioreqFailed(d: GuestDomain, server: string, addr: number, error: unknown): void;
}

/**
 * A guest's physical address space as its harts see it: RAM (the hart's fast
 * path), the in-VMM PLIC, the VM server's ioreq ranges, and the grant-mapping
 * window. Every access that is not RAM is a VM exit and is counted; anything
 * else is vacant and faults (BusError → access fault, delegated to the guest).
 */
export class GuestBus implements Bus {
  readonly ram: Uint8Array;
  readonly ramBase: number;

  constructor(
    private readonly d: GuestDomain,
    private readonly grants: GrantTableService,
    private readonly sink: ExitSink,
  ) {
    this.ram = d.mem.ram;
    this.ramBase = d.mem.base;
  }

  load(addr: number, size: 1 | 2 | 4): number {
    addr >>>= 0;
    const mem = this.d.mem;
    const off = addr - this.ramBase;
    if (off >= 0 && off + size <= this.ram.length) {
      return size === 4
        ? mem.view.getUint32(off, true)
        : size === 2
          ? mem.view.getUint16(off, true)
          : (this.ram[off] as number);
    }
    if (addr >= PLIC.base && addr + size <= PLIC.base + PLIC.size) {
      this.sink.exit(this.d, 'mmio:plic', addr);
      // The upcall source's level lives in guest memory: sample it at every PLIC access.
      this.d.refreshUpcallLine();
      return this.d.plic.load(addr - PLIC.base, size);
    }
    const claim = this.d.ioreq.find(addr, size);
    if (claim) {
      this.sink.exit(this.d, IoreqRegistry.reason(claim), IoreqRegistry.detail(claim, addr));
      if (IoreqRegistry.preempts(claim)) this.sink.ioreqNeedsService();
      try {
        return IoreqRegistry.read(claim, addr, size) >>> 0;
      } catch (error) {
        // A failing device model must not take the VMM down: the access reads as all ones.
        this.sink.exit(this.d, 'ioreq-error', addr);
        this.sink.ioreqFailed(
          this.d,
          IoreqRegistry.serverName(claim),
          IoreqRegistry.detail(claim, addr),
          error,
        );
        return size === 4 ? 0xffffffff : (1 << (size * 8)) - 1;
      }
    }
    if (isInGrantWindow(addr)) {
      const w = this.grants.windowAccess(this.d, addr, false);
      if (w && (addr & 0xfff) + size <= 0x1000) {
        this.sink.exit(this.d, 'grant-map', addr);
        const v = w.mem.view;
        return size === 4
          ? v.getUint32(w.off, true)
          : size === 2
            ? v.getUint16(w.off, true)
            : (w.mem.ram[w.off] as number);
      }
    }
    throw new BusError(addr);
  }

  store(addr: number, size: 1 | 2 | 4, value: number): void {
    addr >>>= 0;
    const mem = this.d.mem;
    const off = addr - this.ramBase;
    if (off >= 0 && off + size <= this.ram.length) {
      if (size === 4) mem.view.setUint32(off, value >>> 0, true);
      else if (size === 2) mem.view.setUint16(off, value & 0xffff, true);
      else this.ram[off] = value & 0xff;
      return;
    }
    if (addr >= PLIC.base && addr + size <= PLIC.base + PLIC.size) {
      this.sink.exit(this.d, 'mmio:plic', addr);
      this.d.refreshUpcallLine();
      this.d.plic.store(addr - PLIC.base, size, value);
      return;
    }
    const claim = this.d.ioreq.find(addr, size);
    if (claim) {
      this.sink.exit(this.d, IoreqRegistry.reason(claim), IoreqRegistry.detail(claim, addr));
      if (IoreqRegistry.preempts(claim)) this.sink.ioreqNeedsService();
      try {
        IoreqRegistry.write(claim, addr, size, value >>> 0);
      } catch (error) {
        this.sink.exit(this.d, 'ioreq-error', addr);
        this.sink.ioreqFailed(
          this.d,
          IoreqRegistry.serverName(claim),
          IoreqRegistry.detail(claim, addr),
          error,
        );
      }
      return;
    }
    if (isInGrantWindow(addr)) {
      const w = this.grants.windowAccess(this.d, addr, true);
      if (w && (addr & 0xfff) + size <= 0x1000) {
        this.sink.exit(this.d, 'grant-map', addr);
        const v = w.mem.view;
        if (size === 4) v.setUint32(w.off, value >>> 0, true);
        else if (size === 2) v.setUint16(w.off, value & 0xffff, true);
        else w.mem.ram[w.off] = value & 0xff;
        return;
      }
    }
    throw new BusError(addr);
  }
}
