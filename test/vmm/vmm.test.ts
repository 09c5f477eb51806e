import { describe, expect, it } from 'vitest';
import { GNTST, GTF } from '../../src/vmm/abi/grant-table';
import { SharedInfo } from '../../src/vmm/abi/shared-info';
import { DomainStateError } from '../../src/vmm/domain';
import { DomainBuildError } from '../../src/vmm/domain-builder';
import { HostMemoryError } from '../../src/vmm/host';
import { Vmm, VmmError, type DomainErrorEvent, type DomainEvent } from '../../src/vmm/vmm';
import { Csr } from '../../src/cpu/csr-numbers';
import { parseFdt } from '../../src/machine/fdt';
import { asm, blockGuest, elf, reg, spinGuest } from './helpers/asm';
import { program } from './helpers/programs';

/** `loop: addi a0, a0, 1; j loop` */
const spinLoop = [asm.addi(reg.a0, reg.a0, 1), asm.jal(0, -4)];

const cfg = (name: string, extra: Partial<Parameters<Vmm['createDomain']>[0]> = {}) => ({
  name,
  type: 'pv' as const,
  memory: 16,
  kernel: spinGuest(),
  ...extra,
});

describe('VMM domain lifecycle', () => {
  it('creates, pauses, unpauses, shuts down, reboots and destroys, as xl list shows', () => {
    const vmm = new Vmm({ hostMemoryMiB: 256 });
    const events: string[] = [];
    vmm.onDomainEvent((e: DomainEvent) =>
      events.push(`${e.name}:${e.state}${e.reason ? '/' + e.reason : ''}`),
    );
    const id = vmm.createDomain(cfg('web'));
    expect(id).toBe(1);
    const letters = () => vmm.domainInfo(id).stateLetters;
    expect(vmm.list().map((r) => [r.id, r.name])).toEqual([
      [0, 'Domain-0'],
      [1, 'web'],
    ]);
    expect(letters()).toBe('r-----');
    vmm.runFor(1e6);
    const ran = vmm.instructions(id)[0]!;
    expect(ran).toBeGreaterThan(0);

    vmm.pause(id);
    expect(letters()).toBe('--p---');
    vmm.runFor(1e6);
    expect(vmm.instructions(id)[0]).toBe(ran);
    expect(() => vmm.pause(id)).toThrow(DomainStateError);
    vmm.unpause(id);
    vmm.runFor(1e6);
    expect(vmm.instructions(id)[0]).toBeGreaterThan(ran);

    vmm.shutdown(id, 'poweroff');
    expect(letters()).toBe('---s--');
    const stopped = vmm.instructions(id)[0]!;
    vmm.runFor(1e6);
    expect(vmm.instructions(id)[0]).toBe(stopped);
    expect(() => vmm.unpause(id)).toThrow(/shut down \(poweroff\)/);

    vmm.reboot(id);
    expect(letters()).toBe('r-----');
    expect(vmm.instructions(id)[0]).toBe(0);
    vmm.runFor(1e6);
    expect(vmm.instructions(id)[0]).toBeGreaterThan(0);

    const free = vmm.hostInfo().freeMemoryKiB;
    vmm.destroy(id);
    expect(vmm.hostInfo().freeMemoryKiB).toBe(free + 16 * 1024);
    expect(() => vmm.domainInfo(id)).toThrow(VmmError);
    expect(vmm.list()).toHaveLength(1);
    expect(events).toEqual([
      'web:paused',
      'web:running',
      'web:shutdown/poweroff',
      'web:running',
      'web:dying',
      'web:destroyed',
    ]);
  });

  it('shows a guest that blocks as b and a crashed guest as c', () => {
    const vmm = new Vmm({ hostMemoryMiB: 256 });
    const b = vmm.createDomain(cfg('idle', { kernel: blockGuest() }));
    vmm.runFor(1e6);
    expect(vmm.domainInfo(b).stateLetters).toBe('-b----');
    vmm.shutdown(b, 'crash');
    expect(vmm.domainInfo(b)).toMatchObject({
      state: 'crashed',
      stateLetters: '----c-',
      shutdownReason: 'crash',
    });
  });

  it('takes guest RAM from the host pool and says clearly when it runs out', () => {
    const vmm = new Vmm({ hostMemoryMiB: 128, dom0MemoryMiB: 32 });
    vmm.createDomain(cfg('a', { memory: 64 }));
    expect(() => vmm.createDomain(cfg('b', { memory: 64 }))).toThrow(HostMemoryError);
    expect(() => vmm.createDomain(cfg('b', { memory: 64 }))).toThrow(
      'not enough host memory for domain "b": it needs 64 MiB but only 32 MiB of 128 MiB are free',
    );
    expect(vmm.list().map((r) => r.name)).toEqual(['Domain-0', 'a']);
    vmm.createDomain(cfg('c', { memory: 32 }));
    expect(vmm.hostInfo().freeMemoryKiB).toBe(0);
  });

  it.each([
    ['a duplicate name', { name: 'dup' }, /already exists/],
    ['a bad name', { name: 'a/b' }, /bad domain name/],
    ['zero memory', { memory: 0 }, /memory/],
    ['maxmem below memory', { maxmem: 8 }, /maxmem/],
    ['too many vcpus', { vcpus: 99 }, /vcpus/],
    ['a weight of 0', { weight: 0 }, /weight/],
    ['a bad uuid', { uuid: 'xyz' }, /UUID/],
    ['a kernel that is not ELF', { kernel: new Uint8Array(64) }, DomainBuildError],
    [
      'a kernel that does not fit in its RAM',
      { memory: 1, kernel: program('sbi-test-guest.elf') },
      /does not fit/,
    ],
  ])('refuses %s, leaving the host as it was', (_w, extra, err) => {
    const vmm = new Vmm({ hostMemoryMiB: 256 });
    vmm.createDomain(cfg('dup'));
    const free = vmm.hostInfo().freeMemoryKiB;
    expect(() => vmm.createDomain(cfg('new', extra as object))).toThrow(err as RegExp);
    expect(vmm.hostInfo().freeMemoryKiB).toBe(free);
    expect(vmm.list()).toHaveLength(2);
  });

  it('keeps a destroyed domain dying while the VM server still maps its grant', () => {
    const vmm = new Vmm({ hostMemoryMiB: 256 });
    const id = vmm.createDomain(cfg('g'));
    const d = vmm.guest(id);
    // The guest's table in its frame 0x80010, entry 5 granting frame 0x80020 to Domain-0.
    expect(vmm.gnttab.setupTable(d, 0x7ff0, [0x80010])).toBe(GNTST.okay);
    d.mem.view.setUint16(0x10000 + 5 * 8, GTF.permit_access, true);
    d.mem.view.setUint32(0x10000 + 5 * 8 + 4, 0x80020, true);
    const { mapping } = vmm.mapGrant(id, 5, false);
    const free = vmm.hostInfo().freeMemoryKiB;
    vmm.destroy(id);
    expect(vmm.domainInfo(id).stateLetters).toBe('-----d');
    expect(vmm.hostInfo().freeMemoryKiB).toBe(free);
    mapping!.write(0, Uint8Array.of(7)); // still valid memory
    expect(vmm.unmapGrant(mapping!.handle)).toBe(GNTST.okay);
    expect(vmm.hostInfo().freeMemoryKiB).toBe(free + 16 * 1024);
    expect(() => vmm.domainInfo(id)).toThrow(/no domain/);
  });

  it('gives each guest a DTB with its vCPUs, memory, PLIC, devices and the PV node', () => {
    const vmm = new Vmm({ hostMemoryMiB: 256 });
    const id = vmm.createDomain(
      cfg('dt', {
        vcpus: 2,
        cmdline: 'console=hvc0',
        devices: [
          {
            name: 'serial',
            compatible: ['ns16550a'],
            base: 0x10000000,
            size: 0x100,
            irq: 10,
            props: { 'clock-frequency': 3686400 },
          },
        ],
      }),
    );
    const b = vmm.bootInfo(id);
    const mem = vmm.foreignMemory(id);
    const blob = mem.ram.subarray(b.dtb - mem.base);
    const { root, reservations } = parseFdt(blob);
    expect(root.find('/chosen')!.getStrings('bootargs')).toEqual(['console=hvc0']);
    expect(root.find('/cpus/cpu@1')!.getStrings('mmu-type')).toEqual(['riscv,sv32']);
    expect(root.find('/cpus/cpu@2')).toBeUndefined();
    expect(root.find('/memory@80000000')!.getU32s('reg')).toEqual([0, 0x80000000, 0, 16 << 20]);
    expect(root.find('/soc/serial@10000000')!.getU32s('interrupts')).toEqual([10]);
    expect(root.find('/soc/plic@c000000')!.getU32s('interrupts-extended')).toHaveLength(8);
    expect(root.find('/soc/clint@2000000')).toBeUndefined();
    expect(root.find('/hypervisor')!.getU32s('tabvisor,start-info')).toEqual([0, b.startInfo!]);
    expect(reservations).toEqual([{ address: b.dtb, size: 64 * 1024 }]);
    // vCPU 0 starts, vCPU 1 waits for HSM hart_start.
    expect(vmm.domainInfo(id).onlineVcpus).toBe(1);
    const v0 = vmm.guest(id).vcpus[0]!.hart;
    expect([v0.x[10], v0.x[11]! >>> 0, v0.x[12]! >>> 0]).toEqual([0, b.dtb, b.startInfo]);
  });
});

describe('Domain-0 in list()', () => {
  it('shows the VM server with its logical CPUs and the CPU time it reports', () => {
    const vmm = new Vmm({ hostMemoryMiB: 256, dom0Vcpus: 4 });
    const dom0 = () => vmm.list()[0]!;
    expect(dom0()).toMatchObject({ id: 0, vcpus: 4, onlineVcpus: 4, cpuTimeNs: 0 });
    vmm.accountServerTime(1_500_000);
    vmm.accountServerTime(2_500_000);
    expect(dom0().cpuTimeNs).toBe(4_000_000);
    // Guests' time is their own: a busy guest adds nothing to Domain-0's.
    const id = vmm.createDomain(cfg('busy'));
    vmm.runFor(20e6);
    expect(vmm.domainInfo(id).cpuTimeNs).toBeGreaterThan(19e6);
    expect(dom0().cpuTimeNs).toBe(4_000_000);
    expect(new Vmm({ hostMemoryMiB: 256 }).list()[0]).toMatchObject({ vcpus: 1, onlineVcpus: 1 });
  });

  it.each([-1, NaN, Infinity])('refuses server time of %s ns', (ns) => {
    const vmm = new Vmm({ hostMemoryMiB: 256 });
    expect(() => vmm.accountServerTime(ns)).toThrow(RangeError);
    expect(vmm.list()[0]!.cpuTimeNs).toBe(0);
  });

  it.each([0, 1.5, -2])('refuses %s Domain-0 vCPUs', (n) => {
    expect(() => new Vmm({ hostMemoryMiB: 256, dom0Vcpus: n })).toThrow(/dom0Vcpus/);
  });
});

describe('error events', () => {
  it('reports an unexpected machine trap before the crashed state, with the reason', () => {
    const vmm = new Vmm({ hostMemoryMiB: 256 });
    const log: string[] = [];
    vmm.onDomainEvent((e) => log.push(`state ${e.state}`));
    const errors: DomainErrorEvent[] = [];
    vmm.onDomainError((e) => {
      errors.push(e);
      log.push(`error ${e.message}`);
    });
    // An all-zero word is an illegal instruction; with nothing delegated it reaches the VMM.
    const id = vmm.createDomain(cfg('bad', { kernel: elf([0]) }));
    vmm.guest(id).vcpus[0]!.hart.writeCsr(Csr.medeleg, 0);
    vmm.runFor(1e6);
    expect(log).toEqual(['error unexpected machine trap, cause 0x2', 'state crashed']);
    expect(errors[0]).toMatchObject({ domid: id, name: 'bad', fatal: true });
    expect(errors[0]!.error).toBeInstanceOf(VmmError);
    expect(vmm.errors).toEqual([{ domid: id, error: errors[0]!.error }]);
  });

  it('reports a failure inside a hypercall, and survives a listener that throws', () => {
    const vmm = new Vmm({ hostMemoryMiB: 256 });
    const seen: DomainErrorEvent[] = [];
    vmm.onDomainError(() => {
      throw new Error('listener bug');
    });
    const off = vmm.onDomainError((e) => seen.push(e));
    const id = vmm.createDomain(cfg('blk', { kernel: blockGuest() }));
    vmm.schedBlock = () => {
      throw new Error('bad hypercall state');
    };
    vmm.runFor(1e6);
    expect(seen.map((e) => [e.domid, e.message, e.fatal])).toEqual([
      [id, 'bad hypercall state', true],
    ]);
    expect(seen[0]!.timeNs).toBeGreaterThan(0);
    expect(vmm.domainInfo(id).state).toBe('crashed');
    off();
    vmm.reboot(id);
    vmm.runFor(1e6);
    expect(seen).toHaveLength(1);
  });

  it('reports a device model that throws as non-fatal: the guest runs on', () => {
    const vmm = new Vmm({ hostMemoryMiB: 256 });
    const seen: DomainErrorEvent[] = [];
    vmm.onDomainError((e) => seen.push(e));
    const id = vmm.createDomain(
      cfg('io', {
        type: 'hvm',
        kernel: elf([...asm.li(reg.t0, 0x10000000), asm.sw(reg.a0, reg.t0, 0), ...spinLoop]),
      }),
    );
    vmm.registerIoreqServer(id, {
      name: 'uart0',
      ranges: [{ type: 'mmio', start: 0x10000000, size: 8 }],
      handler: {
        read: () => 0,
        write: () => {
          throw new Error('device model bug');
        },
      },
    });
    vmm.runFor(1e6);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ domid: id, fatal: false });
    expect(seen[0]!.message).toBe('ioreq server uart0 failed at 0x10000000: device model bug');
    expect(vmm.domainInfo(id).state).toBe('running');
    expect(vmm.exitCounters(id)['ioreq-error']).toBe(1);
    expect(vmm.errors).toEqual([]);
  });
});

describe('the shared-info wallclock (xen.h wc_version / wc_sec / wc_nsec)', () => {
  const wc = (vmm: Vmm, id: number) => {
    const d = vmm.guest(id);
    const at = (o: number) => d.mem.readU32(d.layout.sharedInfo + o);
    return {
      version: at(SharedInfo.wc_version),
      sec: at(SharedInfo.wc_sec),
      nsec: at(SharedInfo.wc_nsec),
    };
  };

  it('is the host epoch plus the host time the guest booted at, with an even version', () => {
    const epochMs = Date.UTC(2025, 2, 3, 4, 5, 6) + 789;
    const vmm = new Vmm({ hostMemoryMiB: 128, epochMs });
    const a = vmm.createDomain({ name: 'a', type: 'pv', memory: 1, kernel: spinGuest() });
    expect(wc(vmm, a)).toEqual({ version: 2, sec: Math.floor(epochMs / 1000), nsec: 789e6 });
    vmm.runFor(1.5e9);
    const b = vmm.createDomain({ name: 'b', type: 'pv', memory: 1, kernel: spinGuest() });
    const boot = vmm.guest(b).bootNs;
    expect(boot).toBeGreaterThanOrEqual(1.5e9);
    const ns = 789e6 + boot;
    expect(wc(vmm, b)).toEqual({
      version: 2,
      sec: Math.floor(epochMs / 1000) + Math.floor(ns / 1e9),
      nsec: ns % 1e9,
    });
    expect(vmm.wallclockMs()).toBeCloseTo(epochMs + vmm.now() / 1e6, 3);
  });

  it('defaults to a fixed epoch in deterministic mode and the host clock in real time', () => {
    const det = new Vmm({ hostMemoryMiB: 128 });
    expect(det.epochMs).toBe(Date.UTC(2024, 0, 1));
    const id = det.createDomain({ name: 'a', type: 'pv', memory: 1, kernel: spinGuest() });
    expect(wc(det, id).sec).toBe(Date.UTC(2024, 0, 1) / 1000);
    const rt = new Vmm({ hostMemoryMiB: 128, timeMode: 'realtime' });
    const r = rt.createDomain({ name: 'r', type: 'pv', memory: 1, kernel: spinGuest() });
    expect(Math.abs(wc(rt, r).sec + rt.guest(r).bootNs / 1e9 - Date.now() / 1000)).toBeLessThan(5);
    expect(() => new Vmm({ epochMs: Number.NaN })).toThrow(RangeError);
  });

  it('is published again on restore, where the guest boot moved in host time', () => {
    const vmm = new Vmm({ hostMemoryMiB: 128 });
    const id = vmm.createDomain({ name: 'a', type: 'pv', memory: 1, kernel: spinGuest() });
    vmm.runFor(2e9);
    const snap = vmm.saveDomain(id);
    vmm.destroy(id);
    vmm.runFor(3e9);
    const r = vmm.restoreDomain(snap);
    const boot = vmm.guest(r).bootNs;
    expect(boot).toBeGreaterThan(2e9); // restored at ~5 s with ~2 s of guest time behind it
    expect(wc(vmm, r).sec).toBe(Date.UTC(2024, 0, 1) / 1000 + Math.floor(boot / 1e9));
    expect(wc(vmm, r).version % 2).toBe(0);
    expect(wc(vmm, r).version).toBeGreaterThan(2);
  });
});
