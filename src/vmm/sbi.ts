import { Csr } from '../cpu/csr-numbers';
import {
  HsmState,
  HsmSuspendType,
  SBI_IMPL_ID_TABVISOR,
  SBI_IMPL_VERSION,
  SBI_SPEC_VERSION,
  SbiBaseFn,
  SbiDbcnFn,
  SbiError,
  SbiExt,
  SbiHsmFn,
  SbiIpiFn,
  SbiRfenceFn,
  SbiSrstFn,
  SbiTimeFn,
  SrstReason,
  SrstType,
} from './abi/sbi';
import { PV_SBI_EXT } from './abi/hypercall';
import { GuestAccess } from './guest-memory';
import type { GuestDomain } from './guest-domain';
import type { Vcpu } from './vcpu';
import type { Vmm } from './vmm';

/**
 * The VMM as SBI firmware (RISC-V SBI specification v2.0): an S-mode ecall
 * arrives here with a7 = extension, a6 = function, a0–a5 = arguments; the
 * answer goes back in a0 (error) and a1 (value), except for the legacy
 * extensions (chapter 5), which return in a0 only.
 */

/** Exit-reason names, "sbi:EXT.function". */
const EXT_NAMES = new Map<number, [string, string[]]>([
  [
    SbiExt.Base,
    [
      'BASE',
      [
        'get_spec_version',
        'get_impl_id',
        'get_impl_version',
        'probe_extension',
        'get_mvendorid',
        'get_marchid',
        'get_mimpid',
      ],
    ],
  ],
  [SbiExt.Time, ['TIME', ['set_timer']]],
  [SbiExt.Ipi, ['IPI', ['send_ipi']]],
  [
    SbiExt.Rfence,
    [
      'RFENCE',
      [
        'remote_fence_i',
        'remote_sfence_vma',
        'remote_sfence_vma_asid',
        'remote_hfence_gvma_vmid',
        'remote_hfence_gvma',
        'remote_hfence_vvma_asid',
        'remote_hfence_vvma',
      ],
    ],
  ],
  [SbiExt.Hsm, ['HSM', ['hart_start', 'hart_stop', 'hart_get_status', 'hart_suspend']]],
  [SbiExt.Srst, ['SRST', ['system_reset']]],
  [SbiExt.Dbcn, ['DBCN', ['console_write', 'console_read', 'console_write_byte']]],
]);
const LEGACY_NAMES = [
  'set_timer',
  'console_putchar',
  'console_getchar',
  'clear_ipi',
  'send_ipi',
  'remote_fence_i',
  'remote_sfence_vma',
  'remote_sfence_vma_asid',
  'shutdown',
];

const reasonCache = new Map<number, string>();
export function sbiReason(eid: number, fid: number): string {
  if (eid <= SbiExt.LegacyShutdown) return `sbi:legacy.${LEGACY_NAMES[eid]}`;
  const key = eid * 64 + (fid & 63);
  let r = reasonCache.get(key);
  if (r === undefined) {
    const e = EXT_NAMES.get(eid);
    r = e ? `sbi:${e[0]}.${e[1][fid] ?? 'unknown'}` : 'sbi:unknown';
    if (reasonCache.size < 4096) reasonCache.set(key, r);
  }
  return r;
}

/** Extensions `probe_extension` reports (the vendor PV extension included). */
const IMPLEMENTED = new Set<number>([
  SbiExt.Base,
  SbiExt.Time,
  SbiExt.Ipi,
  SbiExt.Rfence,
  SbiExt.Hsm,
  SbiExt.Srst,
  SbiExt.Dbcn,
  SbiExt.LegacySetTimer,
  SbiExt.LegacyConsolePutchar,
  SbiExt.LegacyConsoleGetchar,
  SbiExt.LegacyClearIpi,
  SbiExt.LegacySendIpi,
  SbiExt.LegacyRemoteFenceI,
  SbiExt.LegacyRemoteSfenceVma,
  SbiExt.LegacyRemoteSfenceVmaAsid,
  SbiExt.LegacyShutdown,
  PV_SBI_EXT,
]);

const U32 = 0x1_0000_0000;
/** Most bytes one DBCN call moves (the spec lets the firmware do less than asked). */
const DBCN_MAX = 4096;

export interface SbiResult {
  error: number;
  value: number;
}
const ok = (value = 0): SbiResult => ({ error: SbiError.Success, value });
const fail = (error: number): SbiResult => ({ error, value: 0 });

/** The harts named by (hart_mask, hart_mask_base), or null if one is invalid (SBI §3.1). */
export function hartsFromMask(d: GuestDomain, mask: number, base: number): Vcpu[] | null {
  if (base >>> 0 === 0xffffffff) return d.vcpus; // all harts
  const out: Vcpu[] = [];
  mask >>>= 0;
  base >>>= 0;
  for (let i = 0; i < 32; i++) {
    if (((mask >>> i) & 1) === 0) continue;
    const v = d.vcpus[base + i];
    if (!v) return null;
    out.push(v);
  }
  return out;
}

/** Handle the ecall the vCPU just made. The caller advances pc past the ecall. */
export function handleSbiCall(vmm: Vmm, d: GuestDomain, v: Vcpu): void {
  const x = v.hart.x;
  const eid = (x[17] as number) >>> 0;
  const fid = (x[16] as number) >>> 0;
  const a = (i: number): number => (x[10 + i] as number) >>> 0;

  if (eid <= SbiExt.LegacyShutdown) {
    vmm.recordExit(d, v, sbiReason(eid, fid), a(0));
    x[10] = legacy(vmm, d, v, eid, a);
    return;
  }
  if (eid === PV_SBI_EXT) {
    vmm.hypercall(d, v, fid);
    return;
  }
  vmm.recordExit(d, v, sbiReason(eid, fid), fid);
  const r = standard(vmm, d, v, eid, fid, a);
  if (r === null) return; // the call does not return (stop, reset)
  x[10] = r.error;
  x[11] = r.value | 0;
}

function legacy(vmm: Vmm, d: GuestDomain, v: Vcpu, eid: number, a: (i: number) => number): number {
  switch (eid) {
    case SbiExt.LegacySetTimer:
      vmm.setTimer(d, v, a(1) * U32 + a(0));
      return 0;
    case SbiExt.LegacyConsolePutchar:
      d.console.writeByte(a(0));
      return 0;
    case SbiExt.LegacyConsoleGetchar:
      return d.console.readByte();
    case SbiExt.LegacyClearIpi:
      v.setSoftwareInterrupt(false);
      return 0;
    case SbiExt.LegacySendIpi:
    case SbiExt.LegacyRemoteFenceI:
    case SbiExt.LegacyRemoteSfenceVma:
    case SbiExt.LegacyRemoteSfenceVmaAsid: {
      // The legacy calls take a virtual address of a hart mask (chapter 5).
      const mask = new GuestAccess(d.mem, v.translation()).readU32(a(0));
      if (mask === null) return SbiError.InvalidAddress;
      const harts = hartsFromMask(d, mask, 0);
      if (!harts) return SbiError.InvalidParam;
      for (const t of harts) {
        if (eid === SbiExt.LegacySendIpi) vmm.sendIpi(d, t);
        else if (eid === SbiExt.LegacyRemoteFenceI) t.hart.flushDecodeCache();
        else t.flushTranslations();
      }
      return 0;
    }
    default: // LegacyShutdown
      vmm.guestShutdown(d, 'poweroff');
      return 0;
  }
}

function standard(
  vmm: Vmm,
  d: GuestDomain,
  v: Vcpu,
  eid: number,
  fid: number,
  a: (i: number) => number,
): SbiResult | null {
  switch (eid) {
    case SbiExt.Base:
      switch (fid) {
        case SbiBaseFn.GetSpecVersion:
          return ok(SBI_SPEC_VERSION);
        case SbiBaseFn.GetImplId:
          return ok(SBI_IMPL_ID_TABVISOR);
        case SbiBaseFn.GetImplVersion:
          return ok(SBI_IMPL_VERSION);
        case SbiBaseFn.ProbeExtension:
          return ok(IMPLEMENTED.has(a(0)) ? 1 : 0);
        case SbiBaseFn.GetMvendorid:
          return ok(v.hart.readCsr(Csr.mvendorid));
        case SbiBaseFn.GetMarchid:
          return ok(v.hart.readCsr(Csr.marchid));
        case SbiBaseFn.GetMimpid:
          return ok(v.hart.readCsr(Csr.mimpid));
      }
      break;
    case SbiExt.Time:
      if (fid === SbiTimeFn.SetTimer) {
        vmm.setTimer(d, v, a(1) * U32 + a(0));
        return ok();
      }
      break;
    case SbiExt.Ipi:
      if (fid === SbiIpiFn.SendIpi) {
        const harts = hartsFromMask(d, a(0), a(1));
        if (!harts) return fail(SbiError.InvalidParam);
        for (const t of harts) vmm.sendIpi(d, t);
        return ok();
      }
      break;
    case SbiExt.Rfence: {
      if (fid > SbiRfenceFn.RemoteHfenceVvma) break;
      // No H extension: the hfence calls are not supported (§8.4–8.7).
      if (fid >= SbiRfenceFn.RemoteHfenceGvmaVmid) return fail(SbiError.NotSupported);
      const harts = hartsFromMask(d, a(0), a(1));
      if (!harts) return fail(SbiError.InvalidParam);
      for (const t of harts) {
        if (fid === SbiRfenceFn.RemoteFenceI) t.hart.flushDecodeCache();
        else t.flushTranslations();
      }
      return ok();
    }
    case SbiExt.Hsm:
      return hsm(vmm, d, v, fid, a);
    case SbiExt.Srst:
      if (fid === SbiSrstFn.SystemReset) {
        const type = a(0);
        const reason = a(1);
        if (
          type !== SrstType.Shutdown &&
          type !== SrstType.ColdReboot &&
          type !== SrstType.WarmReboot
        ) {
          return fail(SbiError.InvalidParam);
        }
        // Reasons 2–0xDFFFFFFF are reserved; SBI- and vendor-specific ones count as "no reason".
        if (reason > SrstReason.SystemFailure && reason < 0xe0000000)
          return fail(SbiError.InvalidParam);
        if (type === SrstType.Shutdown) {
          vmm.guestShutdown(d, reason === SrstReason.SystemFailure ? 'crash' : 'poweroff');
        } else {
          vmm.guestShutdown(d, 'reboot');
        }
        return null;
      }
      break;
    case SbiExt.Dbcn: {
      if (fid === SbiDbcnFn.ConsoleWriteByte) {
        d.console.writeByte(a(0));
        return ok();
      }
      if (fid !== SbiDbcnFn.ConsoleWrite && fid !== SbiDbcnFn.ConsoleRead) break;
      // Physical addresses (§12.1): base_addr_hi must be 0 on a 32-bit physical space.
      const n = Math.min(a(0), DBCN_MAX);
      const off = a(2) === 0 ? d.mem.offsetOf(a(1), n) : -1;
      if (off < 0) return fail(SbiError.InvalidParam);
      if (fid === SbiDbcnFn.ConsoleWrite) {
        d.console.write(d.mem.ram.slice(off, off + n));
        return ok(n);
      }
      const input = d.console.readInto(n);
      d.mem.ram.set(input, off);
      return ok(input.length);
    }
  }
  return fail(SbiError.NotSupported);
}

function hsm(
  vmm: Vmm,
  d: GuestDomain,
  v: Vcpu,
  fid: number,
  a: (i: number) => number,
): SbiResult | null {
  switch (fid) {
    case SbiHsmFn.HartStart: {
      const t = d.vcpus[a(0)];
      if (!t) return fail(SbiError.InvalidParam);
      if (d.mem.offsetOf(a(1), 2) < 0) return fail(SbiError.InvalidAddress);
      if (t.hsm !== HsmState.Stopped) return fail(SbiError.AlreadyAvailable);
      vmm.hsmStart(d, t, a(1), a(2));
      return ok();
    }
    case SbiHsmFn.HartStop:
      vmm.hsmStop(d, v);
      return null;
    case SbiHsmFn.HartGetStatus: {
      const t = d.vcpus[a(0)];
      return t ? ok(t.hsm) : fail(SbiError.InvalidParam);
    }
    case SbiHsmFn.HartSuspend: {
      const type = a(0);
      if (type === HsmSuspendType.DefaultRetentive) {
        vmm.hsmSuspend(d, v, null);
        return ok();
      }
      if (type === HsmSuspendType.DefaultNonRetentive) {
        if (d.mem.offsetOf(a(1), 2) < 0) return fail(SbiError.InvalidAddress);
        vmm.hsmSuspend(d, v, { addr: a(1), opaque: a(2) });
        return null;
      }
      // Reserved and platform-specific types: none are implemented (§9.4, table 22).
      return fail(SbiError.InvalidParam);
    }
  }
  return fail(SbiError.NotSupported);
}
