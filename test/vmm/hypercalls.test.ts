import { describe, expect, it } from 'vitest';
import { XenErrno } from '../../src/vmm/abi/errno';
import { GNTST } from '../../src/vmm/abi/grant-table';
import {
  Hypercall,
  MemoryOp,
  PV_SBI_EXT,
  SchedOp,
  TabvisorExitCounter,
  TabvisorExitCounters,
  TabvisorOp,
  XenVersion,
} from '../../src/vmm/abi/hypercall';
import { SbiError } from '../../src/vmm/abi/sbi';
import { handleSbiCall } from '../../src/vmm/sbi';
import { Vmm } from '../../src/vmm/vmm';
import { spinGuest } from './helpers/asm';
import { program } from './helpers/programs';

describe('PV guest (programs/pv-test.c)', () => {
  it('talks to the VM server over an event channel, a grant, the VIRQ timer and ioreq ranges', () => {
    const vmm = new Vmm({ hostMemoryMiB: 256 });
    const id = vmm.createDomain({
      name: 'pv',
      type: 'pv',
      memory: 4,
      kernel: program('pv-test.elf'),
      cmdline: 'x=1',
    });
    const probe: string[] = [];
    vmm.registerIoreqServer(id, {
      name: 'probe',
      ranges: [{ type: 'mmio', start: 0x10000000, size: 8 }],
      handler: {
        read: (addr, size) => (probe.push(`r ${addr.toString(16)}/${size}`), 0xfeed),
        write: (addr, size, v) =>
          void probe.push(`w ${addr.toString(16)}/${size}=${v.toString(16)}`),
      },
    });
    const post: number[] = [];
    vmm.registerIoreqServer(id, {
      name: 'post',
      ranges: [{ type: 'port', start: 0x80, size: 1 }],
      handler: { read: () => 0xff, write: (port, _s, v) => void post.push(port, v) },
    });
    const boot = vmm.bootInfo(id);
    expect(vmm.runUntil(() => vmm.consoleText(id).includes('ready'), 1e9)).toBe(true);
    const text = vmm.consoleText(id);
    expect(text).toContain(
      `pv-test: magic=xen-3.0-riscv32 nr_pages=1024 console_evtchn=${boot.consolePort} store_evtchn=${boot.xenstorePort}`,
    );
    expect(text).toContain('setup_table rc=0 status=0');
    const port = Number(/ready port=(\d+)/.exec(text)![1]);

    // The VM server's side: bind, map the readonly grant, send three events.
    const local = vmm.evtchnBindInterdomain(id, port);
    expect(local).toBeGreaterThan(0);
    const received: number[] = [];
    vmm.onEvent((p) => received.push(p));
    const { status, mapping } = vmm.mapGrant(id, 2, true);
    expect(status).toBe(GNTST.okay);
    expect(new TextDecoder().decode(mapping!.read(0, 10))).toBe('hello dom0');
    expect(() => mapping!.write(0, Uint8Array.of(1))).toThrow(/readonly/);
    expect(vmm.mapGrant(id, 2, false).status).toBe(GNTST.permission_denied);
    expect(vmm.mapGrant(id, 3, true).status).toBe(GNTST.general_error);
    // The bind itself leaves our port pending once; each send then waits for the guest's answer.
    for (let i = 1; i <= 3; i++) {
      vmm.runFor(1e6);
      expect(vmm.evtchnSend(local)).toBe(0);
      expect(vmm.runUntil(() => received.filter((p) => p === local).length > i, 1e9)).toBe(true);
    }
    expect(vmm.runUntil(() => vmm.domainInfo(id).state === 'shutdown', 1e9)).toBe(true);
    expect(vmm.consoleText(id)).toContain(
      'timer events=1 dom0 events=3 upcalls>0=1 probe=65261\npv-test: done\n',
    );
    expect(received.filter((p) => p === local).length).toBe(4);
    expect(probe).toEqual(['w 10000000/4=12345678', 'r 10000004/4']);
    expect(post).toEqual([0x80, 0x42]);
    expect(vmm.unmapGrant(mapping!.handle)).toBe(GNTST.okay);

    const exits = vmm.exitCounters(id);
    expect(exits['mmio:probe']).toBe(2);
    expect(exits['port:post']).toBe(1);
    expect(exits['hypercall:event_channel_op.send']).toBe(3);
    expect(exits['hypercall:sched_op.block']).toBeGreaterThanOrEqual(1);
    expect(exits['external-irq']).toBeGreaterThanOrEqual(1);
    expect(exits['mmio:plic']).toBeGreaterThanOrEqual(4);
    expect(exits['timer']).toBe(1);
    const trace = vmm.exitTrace(id);
    expect(trace.at(-1)!.reason).toBe('hypercall:sched_op.shutdown');
    for (let i = 1; i < trace.length; i++)
      expect(trace[i]!.time).toBeGreaterThanOrEqual(trace[i - 1]!.time);
    expect(vmm.errors).toEqual([]);
  });
});

/** Call the firmware directly with chosen registers, as a guest's ecall would. */
function harness() {
  const vmm = new Vmm({ hostMemoryMiB: 128 });
  const id = vmm.createDomain({ name: 'h', type: 'pv', memory: 1, kernel: spinGuest(), maxmem: 2 });
  const d = vmm.guest(id);
  const v = d.vcpus[0]!;
  const scratch = d.mem.base + 0x8000;
  const call = (eid: number, fid: number, ...args: number[]) => {
    v.hart.x.fill(0);
    args.forEach((a, i) => (v.hart.x[10 + i] = a | 0));
    v.hart.x[16] = fid;
    v.hart.x[17] = eid | 0;
    handleSbiCall(vmm, d, v);
    return { error: v.hart.x[10]!, value: v.hart.x[11]! };
  };
  const hc = (nr: number, ...args: number[]) => call(PV_SBI_EXT, nr, ...args).value;
  return { vmm, id, d, v, scratch, call, hc };
}

describe('hypercall argument checking', () => {
  it('answers an unknown hypercall with NOT_SUPPORTED and -ENOSYS', () => {
    const { call } = harness();
    expect(call(PV_SBI_EXT, 99)).toEqual({ error: SbiError.NotSupported, value: -XenErrno.ENOSYS });
    expect(call(PV_SBI_EXT, Hypercall.sched_op, 77)).toEqual({ error: 0, value: -XenErrno.ENOSYS });
  });

  it('returns -EFAULT for pointers outside the guest, never touching other memory', () => {
    const { hc } = harness();
    for (const ptr of [0, 0x1000, 0x7ffffffc, 0x80100000, 0xfffffffc]) {
      expect(hc(Hypercall.console_io, 0, 4, ptr)).toBe(-XenErrno.EFAULT);
      expect(hc(Hypercall.event_channel_op, 4, ptr)).toBe(-XenErrno.EFAULT);
      expect(hc(Hypercall.grant_table_op, 6, ptr, 1)).toBe(-XenErrno.EFAULT);
      expect(hc(Hypercall.sched_op, SchedOp.shutdown, ptr)).toBe(-XenErrno.EFAULT);
      expect(hc(Hypercall.memory_op, MemoryOp.decrease_reservation, ptr)).toBe(-XenErrno.EFAULT);
      expect(hc(Hypercall.xen_version, XenVersion.extraversion, ptr)).toBe(-XenErrno.EFAULT);
    }
  });

  it('refuses oversized console writes and grant batches', () => {
    const { hc, scratch } = harness();
    expect(hc(Hypercall.console_io, 0, 1 << 20, scratch)).toBe(-XenErrno.EINVAL);
    expect(hc(Hypercall.grant_table_op, 5, scratch, 100000)).toBe(-XenErrno.EINVAL);
    expect(hc(Hypercall.grant_table_op, 6, scratch, 2)).toBe(-XenErrno.EINVAL);
    expect(hc(Hypercall.grant_table_op, 42, scratch, 1)).toBe(-XenErrno.ENOSYS);
  });

  it('reports the version, page size and the domain handle', () => {
    const { hc, d, scratch } = harness();
    expect(hc(Hypercall.xen_version, XenVersion.version)).toBe((4 << 16) | 17);
    expect(hc(Hypercall.xen_version, XenVersion.pagesize)).toBe(4096);
    expect(hc(Hypercall.xen_version, XenVersion.guest_handle, scratch)).toBe(0);
    const hex = [...d.mem.ram.subarray(0x8000, 0x8010)]
      .map((b) => b.toString(16).padStart(2, '0'))
      .join('');
    expect(hex).toBe(d.uuid.replace(/-/g, ''));
  });

  it('balloons: decrease returns pages to the host pool, increase takes them back, within maxmem', () => {
    const { vmm, id, hc, d, scratch } = harness();
    const free0 = vmm.hostInfo().freeMemoryKiB;
    const dv = d.mem.view;
    const at = scratch - d.mem.base;
    expect(hc(Hypercall.memory_op, MemoryOp.current_reservation, scratch + 64)).toBe(
      -XenErrno.EPERM,
    ); // domid 0 there
    dv.setUint16(at + 64, 0x7ff0, true);
    expect(hc(Hypercall.memory_op, MemoryOp.current_reservation, scratch + 64)).toBe(256);
    expect(hc(Hypercall.memory_op, MemoryOp.maximum_reservation, scratch + 64)).toBe(512);
    // struct xen_memory_reservation { extent_start, nr_extents, extent_order, mem_flags, domid }
    const list = scratch + 256;
    [0x800c0, 0x800c1, 0x800c2].forEach((pfn, i) => dv.setUint32(at + 256 + i * 4, pfn, true));
    dv.setUint32(at, list, true);
    dv.setUint32(at + 4, 3, true);
    dv.setUint16(at + 16, 0x7ff0, true);
    d.mem.ram.fill(0xee, 0xc0000, 0xc1000);
    expect(hc(Hypercall.memory_op, MemoryOp.decrease_reservation, scratch)).toBe(3);
    expect(d.mem.ram[0xc0000]).toBe(0);
    expect(vmm.domainInfo(id).memoryKiB).toBe(1024 - 12);
    expect(vmm.hostInfo().freeMemoryKiB).toBe(free0 + 12);
    expect(hc(Hypercall.memory_op, MemoryOp.decrease_reservation, scratch)).toBe(0); // already out
    dv.setUint32(at + 4, 300, true);
    expect(hc(Hypercall.memory_op, MemoryOp.increase_reservation, scratch)).toBe(259); // up to maxmem
    expect(vmm.domainInfo(id).memoryKiB).toBe(2048);
    dv.setUint32(at + 8, 1, true);
    expect(hc(Hypercall.memory_op, MemoryOp.increase_reservation, scratch)).toBe(-XenErrno.EINVAL);
  });

  it('answers standard SBI calls with the spec error codes', () => {
    const { call } = harness();
    expect(call(0x10, 0).value).toBe(0x02000000);
    expect(call(0x10, 3, PV_SBI_EXT)).toEqual({ error: 0, value: 1 });
    expect(call(0x10, 3, 0x12345)).toEqual({ error: 0, value: 0 });
    expect(call(0x12345, 0).error).toBe(SbiError.NotSupported);
    expect(call(0x52464e43, 3, 1, 0).error).toBe(SbiError.NotSupported); // hfence: no H extension
    expect(call(0x48534d, 0, 0, 0x80000000, 0).error).toBe(SbiError.AlreadyAvailable);
    expect(call(0x48534d, 0, 5, 0x80000000, 0).error).toBe(SbiError.InvalidParam);
    expect(call(0x48534d, 3, 0x40000000, 0, 0).error).toBe(SbiError.InvalidParam);
    expect(call(0x48534d, 3, 0x80000000, 0x100, 0).error).toBe(SbiError.InvalidAddress);
    expect(call(0x53525354, 0, 0, 5).error).toBe(SbiError.InvalidParam);
    expect(call(0x4442434e, 0, 8, 0x100, 0).error).toBe(SbiError.InvalidParam);
    expect(call(0x735049, 0, 2, 0).error).toBe(SbiError.InvalidParam);
  });
});

describe('tabvisor_op exit_counters (the vendor hypercall)', () => {
  const HDR = TabvisorExitCounters;
  const ENT = TabvisorExitCounter;

  it("copies the domain's own counters, largest first, equal to exitCounters()", () => {
    const { vmm, id, d, hc, scratch } = harness();
    hc(Hypercall.xen_version, XenVersion.version);
    hc(Hypercall.xen_version, XenVersion.version);
    hc(Hypercall.xen_version, XenVersion.pagesize);
    const off = scratch - d.mem.base;
    const dv = new DataView(d.mem.ram.buffer, d.mem.ram.byteOffset + off);
    dv.setUint32(HDR.max_entries, 3, true);
    const n = hc(Hypercall.tabvisor_op, TabvisorOp.exit_counters, scratch);
    const counters = vmm.exitCounters(id); // this call itself is counted too
    expect(counters['hypercall:tabvisor_op.exit_counters']).toBe(1);
    expect(n).toBe(3);
    expect(dv.getUint32(HDR.nr_entries, true)).toBe(3);
    expect(dv.getUint32(HDR.nr_reasons, true)).toBe(Object.keys(counters).length);
    expect(dv.getUint32(HDR.total_exits, true)).toBe(vmm.domainInfo(id).exits);
    const rows = Array.from({ length: n }, (_, i) => {
      const at = HDR.entries + i * ENT.size;
      const name = d.mem.ram.subarray(off + at, off + at + ENT.count);
      return [
        new TextDecoder().decode(name.subarray(0, name.indexOf(0))),
        dv.getUint32(at + ENT.count, true),
      ];
    });
    expect(rows[0]).toEqual(['hypercall:xen_version.version', 2]);
    for (const [reason, count] of rows) expect(counters[reason as string]).toBe(count);
    // Only max_entries were written: the slot after them is untouched.
    expect(dv.getUint32(HDR.entries + 3 * ENT.size, true)).toBe(0);
  });

  it('validates its argument like every hypercall', () => {
    const { d, hc, scratch } = harness();
    const end = d.mem.base + d.mem.ram.length;
    for (const ptr of [0, 0x1000, 0x7ffffffc, end, 0xfffffff0])
      expect(hc(Hypercall.tabvisor_op, TabvisorOp.exit_counters, ptr)).toBe(-XenErrno.EFAULT);
    // The header fits, the table it asks for does not.
    const last = end - HDR.size;
    d.mem.writeU32(last + HDR.max_entries, 4);
    expect(hc(Hypercall.tabvisor_op, TabvisorOp.exit_counters, last)).toBe(-XenErrno.EFAULT);
    expect(d.mem.readU32(last + HDR.nr_entries)).toBe(0);
    d.mem.writeU32(scratch + HDR.max_entries, 65);
    expect(hc(Hypercall.tabvisor_op, TabvisorOp.exit_counters, scratch)).toBe(-XenErrno.EINVAL);
    d.mem.writeU32(scratch + HDR.max_entries, 0);
    expect(hc(Hypercall.tabvisor_op, TabvisorOp.exit_counters, scratch)).toBe(0);
    expect(d.mem.readU32(scratch + HDR.nr_reasons)).toBeGreaterThan(0);
    expect(hc(Hypercall.tabvisor_op, 7, scratch)).toBe(-XenErrno.ENOSYS);
  });
});
