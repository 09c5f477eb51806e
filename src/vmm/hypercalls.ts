import { XenErrno } from './abi/errno';
import {
  EvtchnAllocUnbound,
  EvtchnBindInterdomain,
  EvtchnBindVirq,
  EvtchnOp,
  EvtchnPortArg,
  EvtchnStatusArg,
} from './abi/event-channel';
import {
  GnttabCopy,
  GnttabMapGrantRef,
  GnttabOp,
  GnttabQuerySize,
  GnttabSetupTable,
  GnttabUnmapGrantRef,
  GNTST,
} from './abi/grant-table';
import {
  ConsoleIo,
  DOMID_SELF,
  Hypercall,
  MemoryOp,
  MemoryReservation,
  PAGE_SIZE,
  SCHED_POLL_MAX_PORTS,
  SchedOp,
  SchedPoll,
  ShutdownCode,
  TABVISOR_EXIT_COUNTERS_MAX,
  TABVISOR_REASON_LEN,
  TabvisorExitCounter,
  TabvisorExitCounters,
  TabvisorOp,
  XEN_CAPABILITIES,
  XEN_EXTRAVERSION,
  XEN_VERSION_MAJOR,
  XEN_VERSION_MINOR,
  XenVersion,
} from './abi/hypercall';
import { SbiError } from './abi/sbi';
import type { ShutdownReason } from './domain';
import { parseUuidBytes } from './domain';
import { GuestAccess } from './guest-memory';
import type { GuestDomain } from './guest-domain';
import type { Vcpu } from './vcpu';
import type { Vmm } from './vmm';

/**
 * The PV hypercalls (see abi/hypercall.ts for the calling convention). Every
 * argument is checked; a bad one yields −errno (or a GNTST status per grant
 * op), never an exception and never an access outside the caller's memory.
 */

const E = (e: number): number => -e;
/** Bytes console_io moves per call. */
const CONSOLE_IO_MAX = 16 * 1024;
/** Elements per grant_table_op call (Xen preempts long batches; we refuse them). */
const GNTTAB_MAX_BATCH = 512;
/** Extents per memory_op call. */
const MEMOP_MAX_EXTENTS = 4096;

const OP_NAMES: Record<number, [string, Record<number, string>]> = {
  [Hypercall.console_io]: ['console_io', invert(ConsoleIo)],
  [Hypercall.sched_op]: ['sched_op', invert(SchedOp)],
  [Hypercall.event_channel_op]: ['event_channel_op', invert(EvtchnOp)],
  [Hypercall.grant_table_op]: ['grant_table_op', invert(GnttabOp)],
  [Hypercall.memory_op]: ['memory_op', invert(MemoryOp)],
  [Hypercall.xen_version]: ['xen_version', invert(XenVersion)],
  [Hypercall.tabvisor_op]: ['tabvisor_op', invert(TabvisorOp)],
};
function invert(o: Record<string, number>): Record<number, string> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [v, k]));
}
const reasonCache = new Map<number, string>();
export function hypercallReason(nr: number, cmd: number): string {
  const key = nr * 64 + cmd;
  let r = reasonCache.get(key);
  if (r === undefined) {
    const op = OP_NAMES[nr];
    r = op ? `hypercall:${op[0]}.${op[1][cmd] ?? 'unknown'}` : 'hypercall:unknown';
    if (reasonCache.size < 4096 && cmd >= 0 && cmd < 64) reasonCache.set(key, r);
  }
  return r;
}

/** A little-endian struct copied in from the guest and written back. */
class Struct {
  readonly view: DataView;
  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  u16(off: number): number {
    return this.view.getUint16(off, true);
  }
  u32(off: number): number {
    return this.view.getUint32(off, true);
  }
  u64(off: number): number {
    return this.view.getUint32(off + 4, true) * 0x1_0000_0000 + this.view.getUint32(off, true);
  }
  setU32(off: number, v: number): this {
    this.view.setUint32(off, v >>> 0, true);
    return this;
  }
  setI16(off: number, v: number): this {
    this.view.setInt16(off, v, true);
    return this;
  }
  setU16(off: number, v: number): this {
    this.view.setUint16(off, v & 0xffff, true);
    return this;
  }
  setU64(off: number, v: number): this {
    this.view.setUint32(off, v >>> 0, true);
    this.view.setUint32(off + 4, Math.floor(v / 0x1_0000_0000) >>> 0, true);
    return this;
  }
}

export class HypercallContext {
  readonly g: GuestAccess;
  constructor(
    readonly vmm: Vmm,
    readonly d: GuestDomain,
    readonly v: Vcpu,
  ) {
    this.g = new GuestAccess(d.mem, v.translation());
  }
  read(addr: number, size: number): Struct | null {
    const b = this.g.read(addr, size);
    return b ? new Struct(b) : null;
  }
  write(addr: number, s: Struct): boolean {
    return this.g.write(addr, s.bytes);
  }
}

/** Dispatch hypercall `nr` (a6) with a0–a5; sets a0 (SBI error) and a1 (result). */
export function dispatchHypercall(vmm: Vmm, d: GuestDomain, v: Vcpu, nr: number): void {
  const x = v.hart.x;
  const a = (i: number): number => (x[10 + i] as number) >>> 0;
  vmm.recordExit(d, v, hypercallReason(nr, a(0)), a(0));
  const ctx = new HypercallContext(vmm, d, v);
  let r: number;
  switch (nr) {
    case Hypercall.console_io:
      r = consoleIo(ctx, a(0), a(1), a(2));
      break;
    case Hypercall.sched_op:
      r = schedOp(ctx, a(0), a(1));
      break;
    case Hypercall.event_channel_op:
      r = eventChannelOp(ctx, a(0), a(1));
      break;
    case Hypercall.grant_table_op:
      r = grantTableOp(ctx, a(0), a(1), a(2));
      break;
    case Hypercall.memory_op:
      r = memoryOp(ctx, a(0), a(1));
      break;
    case Hypercall.xen_version:
      r = xenVersion(ctx, a(0), a(1));
      break;
    case Hypercall.tabvisor_op:
      r = tabvisorOp(ctx, a(0), a(1));
      break;
    default:
      x[10] = SbiError.NotSupported;
      x[11] = E(XenErrno.ENOSYS);
      return;
  }
  x[10] = SbiError.Success;
  x[11] = r | 0;
}

function consoleIo(c: HypercallContext, cmd: number, count: number, buf: number): number {
  if (cmd === ConsoleIo.write) {
    if (count > CONSOLE_IO_MAX) return E(XenErrno.EINVAL);
    const bytes = c.g.read(buf, count);
    if (!bytes) return E(XenErrno.EFAULT);
    c.d.console.write(bytes);
    return count;
  }
  if (cmd === ConsoleIo.read) {
    if (count > CONSOLE_IO_MAX) return E(XenErrno.EINVAL);
    const n = Math.min(count, c.d.console.pendingInput);
    // Check the buffer before consuming input, so a fault loses nothing.
    if (!c.g.write(buf, new Uint8Array(n))) return E(XenErrno.EFAULT);
    const bytes = c.d.console.readInto(n);
    c.g.write(buf, bytes);
    return bytes.length;
  }
  return E(XenErrno.ENOSYS);
}

const SHUTDOWN_REASONS: Record<number, ShutdownReason> = {
  [ShutdownCode.poweroff]: 'poweroff',
  [ShutdownCode.reboot]: 'reboot',
  [ShutdownCode.suspend]: 'suspend',
  [ShutdownCode.crash]: 'crash',
  [ShutdownCode.watchdog]: 'watchdog',
};

function schedOp(c: HypercallContext, cmd: number, arg: number): number {
  const { vmm, d, v } = c;
  switch (cmd) {
    case SchedOp.yield:
      vmm.yieldVcpu(d, v);
      return 0;
    case SchedOp.block:
      // Xen enables event delivery and blocks unless an event is already pending.
      vmm.schedBlock(d, v);
      return 0;
    case SchedOp.shutdown: {
      const reason = c.g.readU32(arg);
      if (reason === null) return E(XenErrno.EFAULT);
      const r = SHUTDOWN_REASONS[reason];
      if (!r) return E(XenErrno.EINVAL);
      vmm.guestShutdown(d, r);
      return 0;
    }
    case SchedOp.poll: {
      const s = c.read(arg, SchedPoll.size);
      if (!s) return E(XenErrno.EFAULT);
      const n = s.u32(SchedPoll.nr_ports);
      if (n > SCHED_POLL_MAX_PORTS) return E(XenErrno.EINVAL);
      const raw = c.g.read(s.u32(SchedPoll.ports), n * 4);
      if (!raw) return E(XenErrno.EFAULT);
      const ports = Array.from({ length: n }, (_, i) => new Struct(raw).u32(i * 4));
      if (!ports.every((p) => d.evtchn.isValid(p))) return E(XenErrno.EINVAL);
      vmm.schedPoll(d, v, ports, s.u64(SchedPoll.timeout));
      return 0;
    }
    case SchedOp.shutdown_code: {
      const reason = c.g.readU32(arg);
      if (reason === null) return E(XenErrno.EFAULT);
      return SHUTDOWN_REASONS[reason] ? 0 : E(XenErrno.EINVAL);
    }
    case SchedOp.remote_shutdown:
      return E(XenErrno.EPERM); // privileged only, and the privileged domain is host code
    default:
      return E(XenErrno.ENOSYS);
  }
}

function eventChannelOp(c: HypercallContext, cmd: number, arg: number): number {
  const svc = c.vmm.evtchn;
  const d = c.d;
  switch (cmd) {
    case EvtchnOp.alloc_unbound: {
      const s = c.read(arg, EvtchnAllocUnbound.size);
      if (!s) return E(XenErrno.EFAULT);
      const port = svc.allocUnbound(
        d,
        s.u16(EvtchnAllocUnbound.dom),
        s.u16(EvtchnAllocUnbound.remote_dom),
      );
      if (port < 0) return port;
      return c.write(arg, s.setU32(EvtchnAllocUnbound.port, port)) ? 0 : E(XenErrno.EFAULT);
    }
    case EvtchnOp.bind_interdomain: {
      const s = c.read(arg, EvtchnBindInterdomain.size);
      if (!s) return E(XenErrno.EFAULT);
      const port = svc.bindInterdomain(
        d,
        s.u16(EvtchnBindInterdomain.remote_dom),
        s.u32(EvtchnBindInterdomain.remote_port),
      );
      if (port < 0) return port;
      return c.write(arg, s.setU32(EvtchnBindInterdomain.local_port, port))
        ? 0
        : E(XenErrno.EFAULT);
    }
    case EvtchnOp.bind_virq: {
      const s = c.read(arg, EvtchnBindVirq.size);
      if (!s) return E(XenErrno.EFAULT);
      const port = svc.bindVirq(d, s.u32(EvtchnBindVirq.virq), s.u32(EvtchnBindVirq.vcpu));
      if (port < 0) return port;
      return c.write(arg, s.setU32(EvtchnBindVirq.port, port)) ? 0 : E(XenErrno.EFAULT);
    }
    case EvtchnOp.close:
    case EvtchnOp.send:
    case EvtchnOp.unmask: {
      const port = c.g.readU32(arg + EvtchnPortArg.port);
      if (port === null) return E(XenErrno.EFAULT);
      if (cmd === EvtchnOp.close) return svc.close(d, port);
      if (cmd === EvtchnOp.unmask) return svc.unmask(d, port);
      return svc.send(d, port);
    }
    case EvtchnOp.status: {
      const s = c.read(arg, EvtchnStatusArg.size);
      if (!s) return E(XenErrno.EFAULT);
      const st = svc.status(d, s.u16(EvtchnStatusArg.dom), s.u32(EvtchnStatusArg.port));
      if (typeof st === 'number') return st;
      s.setU32(EvtchnStatusArg.status, st.status).setU32(EvtchnStatusArg.vcpu, st.vcpu);
      s.setU32(EvtchnStatusArg.u_dom, 0).setU32(EvtchnStatusArg.u_port, 0);
      if (st.virq !== undefined) s.setU32(EvtchnStatusArg.u_virq, st.virq);
      if (st.remoteDomid !== undefined) s.setU16(EvtchnStatusArg.u_dom, st.remoteDomid);
      if (st.remotePort !== undefined) s.setU32(EvtchnStatusArg.u_port, st.remotePort);
      return c.write(arg, s) ? 0 : E(XenErrno.EFAULT);
    }
    default:
      return E(XenErrno.ENOSYS);
  }
}

function grantTableOp(c: HypercallContext, cmd: number, uop: number, count: number): number {
  const size =
    cmd === GnttabOp.map_grant_ref
      ? GnttabMapGrantRef.size
      : cmd === GnttabOp.unmap_grant_ref
        ? GnttabUnmapGrantRef.size
        : cmd === GnttabOp.setup_table
          ? GnttabSetupTable.size
          : cmd === GnttabOp.copy
            ? GnttabCopy.size
            : cmd === GnttabOp.query_size
              ? GnttabQuerySize.size
              : 0;
  if (size === 0) return E(XenErrno.ENOSYS);
  if (count > GNTTAB_MAX_BATCH) return E(XenErrno.EINVAL);
  // setup_table and query_size take exactly one element (grant_table.c).
  if ((cmd === GnttabOp.setup_table || cmd === GnttabOp.query_size) && count !== 1)
    return E(XenErrno.EINVAL);
  const svc = c.vmm.gnttab;
  const d = c.d;
  for (let i = 0; i < count; i++) {
    const addr = uop + i * size;
    const s = c.read(addr, size);
    if (!s) return E(XenErrno.EFAULT);
    switch (cmd) {
      case GnttabOp.map_grant_ref: {
        const r = svc.map(
          d,
          s.u16(GnttabMapGrantRef.dom),
          s.u32(GnttabMapGrantRef.ref),
          s.u32(GnttabMapGrantRef.flags),
          s.u64(GnttabMapGrantRef.host_addr),
        );
        s.setI16(GnttabMapGrantRef.status, r.status)
          .setU32(GnttabMapGrantRef.handle, r.handle)
          .setU64(GnttabMapGrantRef.dev_bus_addr, r.devBusAddr);
        break;
      }
      case GnttabOp.unmap_grant_ref:
        s.setI16(
          GnttabUnmapGrantRef.status,
          svc.unmap(d, s.u32(GnttabUnmapGrantRef.handle), s.u64(GnttabUnmapGrantRef.host_addr)),
        );
        break;
      case GnttabOp.setup_table: {
        const n = s.u32(GnttabSetupTable.nr_frames);
        let status: number = GNTST.general_error;
        if (n <= d.grants.maxFrames) {
          const raw = c.g.read(s.u32(GnttabSetupTable.frame_list), n * 4);
          if (!raw) return E(XenErrno.EFAULT);
          const frames = Array.from({ length: n }, (_, k) => new Struct(raw).u32(k * 4));
          status = svc.setupTable(d, s.u16(GnttabSetupTable.dom), frames);
        }
        s.setI16(GnttabSetupTable.status, status);
        break;
      }
      case GnttabOp.copy: {
        const status = svc.copy(
          d,
          {
            u: s.u32(GnttabCopy.source_u),
            domid: s.u16(GnttabCopy.source_domid),
            offset: s.u16(GnttabCopy.source_offset),
          },
          {
            u: s.u32(GnttabCopy.dest_u),
            domid: s.u16(GnttabCopy.dest_domid),
            offset: s.u16(GnttabCopy.dest_offset),
          },
          s.u16(GnttabCopy.len),
          s.u16(GnttabCopy.flags),
        );
        s.setI16(GnttabCopy.status, status);
        break;
      }
      case GnttabOp.query_size: {
        const q = svc.querySize(d, s.u16(GnttabQuerySize.dom));
        s.setU32(GnttabQuerySize.nr_frames, q.nrFrames)
          .setU32(GnttabQuerySize.max_nr_frames, q.maxNrFrames)
          .setI16(GnttabQuerySize.status, q.status);
        break;
      }
    }
    if (!c.write(addr, s)) return E(XenErrno.EFAULT);
  }
  return 0;
}

function memoryOp(c: HypercallContext, cmd: number, arg: number): number {
  const { vmm, d } = c;
  switch (cmd) {
    case MemoryOp.current_reservation:
    case MemoryOp.maximum_reservation: {
      const b = c.g.read(arg, 2);
      if (!b) return E(XenErrno.EFAULT);
      const domid = b[0]! | (b[1]! << 8);
      if (domid !== DOMID_SELF && domid !== d.id) return E(XenErrno.EPERM);
      // XENMEM_maximum_reservation is d->max_pages: maxmem, or less after xl mem-set / mem-max.
      return cmd === MemoryOp.current_reservation ? d.mem.populatedCount() : d.maxReservationPages;
    }
    case MemoryOp.maximum_ram_page:
      return d.mem.firstPfn + d.maxPages - 1;
    case MemoryOp.increase_reservation:
    case MemoryOp.decrease_reservation:
    case MemoryOp.populate_physmap: {
      const s = c.read(arg, MemoryReservation.size);
      if (!s) return E(XenErrno.EFAULT);
      const domid = s.u16(MemoryReservation.domid);
      if (domid !== DOMID_SELF && domid !== d.id) return E(XenErrno.EPERM);
      if (s.u32(MemoryReservation.extent_order) !== 0) return E(XenErrno.EINVAL);
      const n = Math.min(s.u32(MemoryReservation.nr_extents), MEMOP_MAX_EXTENTS);
      const list = s.u32(MemoryReservation.extent_start);
      let done = 0;
      for (; done < n; done++) {
        const slot = list + done * 4;
        if (cmd === MemoryOp.increase_reservation) {
          const pfn = vmm.balloonPopulate(d, null);
          if (pfn < 0) break;
          if (!c.g.writeU32(slot, pfn)) {
            vmm.balloonRelease(d, pfn);
            return done === 0 ? E(XenErrno.EFAULT) : done;
          }
        } else {
          const pfn = c.g.readU32(slot);
          if (pfn === null) return done === 0 ? E(XenErrno.EFAULT) : done;
          const okDone =
            cmd === MemoryOp.decrease_reservation
              ? vmm.balloonRelease(d, pfn)
              : vmm.balloonPopulate(d, pfn) >= 0;
          if (!okDone) break;
        }
      }
      return done;
    }
    default:
      return E(XenErrno.ENOSYS);
  }
}

function writeString(c: HypercallContext, arg: number, s: string, size: number): number {
  const b = new Uint8Array(size);
  b.set(new TextEncoder().encode(s).subarray(0, size - 1));
  return c.g.write(arg, b) ? 0 : E(XenErrno.EFAULT);
}

function xenVersion(c: HypercallContext, cmd: number, arg: number): number {
  switch (cmd) {
    case XenVersion.version:
      return (XEN_VERSION_MAJOR << 16) | XEN_VERSION_MINOR;
    case XenVersion.extraversion:
      return writeString(c, arg, XEN_EXTRAVERSION, 16);
    case XenVersion.capabilities:
      return writeString(c, arg, XEN_CAPABILITIES, 1024);
    case XenVersion.changeset:
      return writeString(c, arg, 'tabvisor', 64);
    case XenVersion.compile_info: {
      // struct xen_compile_info { char compiler[64], compile_by[16], compile_domain[32], compile_date[32]; }
      const b = new Uint8Array(144);
      b.set(new TextEncoder().encode('tsc'));
      return c.g.write(arg, b) ? 0 : E(XenErrno.EFAULT);
    }
    case XenVersion.platform_parameters: {
      const b = new Uint8Array(4); // virt_start: no hypervisor hole in the guest's address space
      return c.g.write(arg, b) ? 0 : E(XenErrno.EFAULT);
    }
    case XenVersion.get_features: {
      const s = c.read(arg, 8);
      if (!s) return E(XenErrno.EFAULT);
      s.setU32(4, 0); // no optional features in any submap
      return c.write(arg, s) ? 0 : E(XenErrno.EFAULT);
    }
    case XenVersion.pagesize:
      return PAGE_SIZE;
    case XenVersion.guest_handle:
      return c.g.write(arg, parseUuidBytes(c.d.uuid)) ? 0 : E(XenErrno.EFAULT);
    default:
      return E(XenErrno.ENOSYS);
  }
}

/** Tabvisor's vendor hypercall (abi/hypercall.ts TabvisorOp). */
function tabvisorOp(c: HypercallContext, cmd: number, arg: number): number {
  if (cmd !== TabvisorOp.exit_counters) return E(XenErrno.ENOSYS);
  const h = c.read(arg, TabvisorExitCounters.size);
  if (!h) return E(XenErrno.EFAULT);
  const max = h.u32(TabvisorExitCounters.max_entries);
  if (max > TABVISOR_EXIT_COUNTERS_MAX) return E(XenErrno.EINVAL);
  // This call's own exit is already counted (dispatchHypercall records it first).
  const rows = Object.entries(c.d.exits.counters()).sort(
    ([ra, a], [rb, b]) => b - a || (ra < rb ? -1 : ra > rb ? 1 : 0),
  );
  const n = Math.min(max, rows.length);
  const table = new Struct(new Uint8Array(n * TabvisorExitCounter.size));
  const enc = new TextEncoder();
  rows.slice(0, n).forEach(([reason, count], i) => {
    const at = i * TabvisorExitCounter.size;
    table.bytes.set(enc.encode(reason).subarray(0, TABVISOR_REASON_LEN - 1), at);
    table.setU32(at + TabvisorExitCounter.count, count);
  });
  // The whole table is checked writable before the header claims it was filled.
  if (n > 0 && !c.write(arg + TabvisorExitCounters.entries, table)) return E(XenErrno.EFAULT);
  h.setU32(TabvisorExitCounters.nr_entries, n)
    .setU32(TabvisorExitCounters.nr_reasons, rows.length)
    .setU32(TabvisorExitCounters.total_exits, c.d.exits.total);
  return c.write(arg, h) ? n : E(XenErrno.EFAULT);
}
