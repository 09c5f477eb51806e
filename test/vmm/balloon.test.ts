import { describe, expect, it } from 'vitest';
import { Hypercall, MemoryOp, MemoryReservation, PV_SBI_EXT } from '../../src/vmm/abi/hypercall';
import { handleSbiCall } from '../../src/vmm/sbi';
import { Vmm, VmmError } from '../../src/vmm/vmm';
import { spinGuest } from './helpers/asm';

/**
 * xl mem-set / mem-max: the balloon target and the maximum reservation
 * (Xen's d->max_pages) that increase_reservation and populate_physmap are
 * held to. Guest: memory = 1 MiB, maxmem = 4 MiB (it starts ballooned down).
 */
function ballooned() {
  const vmm = new Vmm({ hostMemoryMiB: 128 });
  const id = vmm.createDomain({ name: 'b', type: 'pv', memory: 1, maxmem: 4, kernel: spinGuest() });
  const d = vmm.guest(id);
  const v = d.vcpus[0]!;
  const args = d.mem.base + 0x8000;
  const list = d.mem.base + 0x9000;
  const dv = d.mem.view;
  const off = (gpa: number): number => gpa - d.mem.base;
  const memoryOp = (cmd: number, arg = args): number => {
    v.hart.x.fill(0);
    v.hart.x[10] = cmd;
    v.hart.x[11] = arg | 0;
    v.hart.x[16] = Hypercall.memory_op;
    v.hart.x[17] = PV_SBI_EXT | 0;
    handleSbiCall(vmm, d, v);
    return v.hart.x[11]!;
  };
  /** struct xen_memory_reservation for `n` extents of order 0 on DOMID_SELF. */
  const reservation = (n: number): void => {
    dv.setUint32(off(args) + MemoryReservation.extent_start, list, true);
    dv.setUint32(off(args) + MemoryReservation.nr_extents, n, true);
    dv.setUint32(off(args) + MemoryReservation.extent_order, 0, true);
    dv.setUint16(off(args) + MemoryReservation.domid, 0x7ff0, true);
  };
  const increase = (n: number): number => (reservation(n), memoryOp(MemoryOp.increase_reservation));
  /** Give back `n` frames the guest holds, from the top of its boot RAM down. */
  const decrease = (n: number): number => {
    for (let i = 0; i < n; i++) dv.setUint32(off(list) + i * 4, d.mem.firstPfn + 255 - i, true);
    reservation(n);
    return memoryOp(MemoryOp.decrease_reservation);
  };
  const populate = (pfn: number): number => {
    dv.setUint32(off(list), pfn, true);
    reservation(1);
    return memoryOp(MemoryOp.populate_physmap);
  };
  const maxReservation = (): number => {
    dv.setUint16(off(args) + 64, 0x7ff0, true);
    return memoryOp(MemoryOp.maximum_reservation, args + 64);
  };
  return { vmm, id, d, increase, decrease, populate, maxReservation };
}

describe('memory target and maximum reservation', () => {
  it('lets a guest grow to maxmem until a target is set, then only to the target', () => {
    const { vmm, id, increase, maxReservation } = ballooned();
    expect(vmm.reservation(id)).toEqual({
      currentKiB: 1024,
      targetKiB: 1024,
      maxKiB: 4096,
      staticMaxKiB: 4096,
    });
    expect(maxReservation()).toBe(1024);
    expect(increase(100)).toBe(100);

    vmm.setMemoryTarget(id, 2048);
    expect(vmm.reservation(id)).toMatchObject({ targetKiB: 2048, maxKiB: 2048 });
    expect(maxReservation()).toBe(512);
    // 356 pages held now; the rest up to 512 is granted, not a page more.
    expect(increase(1000)).toBe(156);
    expect(vmm.domainInfo(id).memoryKiB).toBe(2048);
    expect(increase(1)).toBe(0);
    expect(vmm.domainInfo(id).memoryKiB).toBe(2048);
  });

  it('refuses populate_physmap at the limit too, and grants again what the guest gave back', () => {
    const { vmm, id, d, increase, decrease, populate } = ballooned();
    vmm.setMemoryTarget(id, 1024);
    const hole = d.mem.firstPfn + 300; // above the boot RAM: not populated
    expect(populate(hole)).toBe(0);
    expect(increase(5)).toBe(0);
    expect(decrease(3)).toBe(3);
    expect(populate(hole)).toBe(1);
    expect(increase(5)).toBe(2);
    expect(vmm.reservation(id).currentKiB).toBe(1024);
  });

  it('takes nothing away when the target drops below what the guest holds', () => {
    const { vmm, id, increase, decrease } = ballooned();
    expect(increase(256)).toBe(256);
    const free = vmm.hostInfo().freeMemoryKiB;
    vmm.setMemoryTarget(id, 1024);
    expect(vmm.reservation(id)).toMatchObject({ currentKiB: 2048, targetKiB: 1024, maxKiB: 1024 });
    expect(vmm.hostInfo().freeMemoryKiB).toBe(free);
    expect(increase(1)).toBe(0);
    // The guest's balloon driver gives pages back; it still cannot grow past the target.
    expect(decrease(200)).toBe(200);
    expect(increase(200)).toBe(0);
    expect(vmm.reservation(id).currentKiB).toBe(2048 - 800);
  });

  it('raises the maximum with setMaxMemory (xl mem-max), within maxmem', () => {
    const { vmm, id, increase } = ballooned();
    vmm.setMemoryTarget(id, 1024);
    expect(increase(10)).toBe(0);
    vmm.setMaxMemory(id, 1536);
    expect(vmm.reservation(id)).toMatchObject({ targetKiB: 1024, maxKiB: 1536 });
    expect(increase(1000)).toBe(128);
  });

  it.each([
    ['above maxmem', 4100, /memory target 4100 KiB is above the maxmem of b \(4096 KiB\)/],
    ['zero', 0, /whole number of KiB ≥ 4/],
    ['negative', -4096, /whole number of KiB ≥ 4/],
    ['fractional', 1024.5, /whole number of KiB ≥ 4/],
  ])('refuses a target %s', (_what, kib, message) => {
    const { vmm, id } = ballooned();
    expect(() => vmm.setMemoryTarget(id, kib)).toThrow(VmmError);
    expect(() => vmm.setMemoryTarget(id, kib)).toThrow(message);
    expect(() => vmm.setMaxMemory(id, kib)).toThrow(VmmError);
    expect(vmm.reservation(id)).toMatchObject({ targetKiB: 1024, maxKiB: 4096 });
  });

  it('refuses Domain-0 and unknown domains', () => {
    const { vmm } = ballooned();
    expect(() => vmm.setMemoryTarget(0, 1024)).toThrow(/Domain-0 is the VM server/);
    expect(() => vmm.setMemoryTarget(42, 1024)).toThrow(/no domain with id 42/);
  });

  it('resets to memory / maxmem on reboot, and survives save and restore', () => {
    const { vmm, id } = ballooned();
    vmm.setMemoryTarget(id, 2048);
    vmm.pause(id);
    const snap = vmm.saveDomain(id);
    const other = new Vmm({ hostMemoryMiB: 128 });
    const r = other.restoreDomain(structuredClone(snap));
    expect(other.reservation(r)).toMatchObject({ targetKiB: 2048, maxKiB: 2048 });
    vmm.reboot(id);
    expect(vmm.reservation(id)).toEqual({
      currentKiB: 1024,
      targetKiB: 1024,
      maxKiB: 4096,
      staticMaxKiB: 4096,
    });
  });
});
