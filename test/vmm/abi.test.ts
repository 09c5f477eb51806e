import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as abi from '../../src/vmm/abi/index';
import { PROGRAMS_DIR } from './helpers/programs';

/**
 * The ABI is defined once in src/vmm/abi; the test guests see it through
 * programs/pv.h, which includes guest/include's sprout/sbi.h and the ABI
 * mirror tabvisor/*.h. The C compiler, for RV32 ilp32, is the judge of
 * struct layout and of the numbers: every offset, size and constant in abi/
 * becomes a _Static_assert that must compile with those headers.
 */
const GUEST_INCLUDE = join(import.meta.dirname, '..', '..', 'guest', 'include');

/** Compiles `lines` with the test guests' include path; throws (naming the failed assertion) on error. */
function compileForGuests(lines: string[]): void {
  const dir = mkdtempSync(join(tmpdir(), 'tabvisor-abi-'));
  const file = join(dir, 'layout.c');
  writeFileSync(file, lines.join('\n') + '\n');
  execFileSync(
    'riscv64-unknown-elf-gcc',
    [
      '-march=rv32imac_zicsr_zifencei',
      '-mabi=ilp32',
      '-ffreestanding',
      '-fsyntax-only',
      '-I',
      PROGRAMS_DIR,
      '-I',
      GUEST_INCLUDE,
      file,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
}

const layouts: [string, Record<string, number>, Record<string, string>][] = [
  ['struct start_info', abi.StartInfo, { magic: 'magic', cmd_line: 'cmd_line' }],
  [
    'struct vcpu_info',
    abi.VcpuInfo,
    { time_version: 'time.version', time_system_time: 'time.system_time' },
  ],
  ['struct shared_info', abi.SharedInfo, {}],
  ['struct evtchn_alloc_unbound', abi.EvtchnAllocUnbound, {}],
  ['struct evtchn_bind_interdomain', abi.EvtchnBindInterdomain, {}],
  ['struct evtchn_bind_virq', abi.EvtchnBindVirq, {}],
  [
    'struct evtchn_status',
    abi.EvtchnStatusArg,
    { u_dom: 'u.interdomain.dom', u_port: 'u.interdomain.port', u_virq: 'u.virq' },
  ],
  ['struct sched_poll', abi.SchedPoll, {}],
  ['struct xen_memory_reservation', abi.MemoryReservation, {}],
  ['struct grant_entry_v1', abi.GrantEntryV1, {}],
  ['struct gnttab_setup_table', abi.GnttabSetupTable, {}],
  ['struct gnttab_map_grant_ref', abi.GnttabMapGrantRef, {}],
  ['struct gnttab_unmap_grant_ref', abi.GnttabUnmapGrantRef, {}],
  ['struct gnttab_query_size', abi.GnttabQuerySize, {}],
  [
    'struct gnttab_copy',
    abi.GnttabCopy,
    {
      source_u: 'source.u',
      source_domid: 'source.domid',
      source_offset: 'source.offset',
      dest_u: 'dest.u',
      dest_domid: 'dest.domid',
      dest_offset: 'dest.offset',
    },
  ],
  ['struct xencons_interface', abi.XenconsInterface, { in_size: '', out_size: '' }],
  ['struct blkif_request_segment', abi.BlkifSegment, {}],
  ['struct blkif_request', abi.BlkifRequest, {}],
  ['struct blkif_response', abi.BlkifResponse, {}],
];

describe('guest ABI', () => {
  it('lays out every struct as the RV32 C compiler does', () => {
    const lines = ['#include <stddef.h>', '#include "pv.h"'];
    for (const [type, fields, rename] of layouts) {
      for (const [name, value] of Object.entries(fields)) {
        if (name === 'size') {
          lines.push(`_Static_assert(sizeof(${type}) == ${value}, "${type} size");`);
          continue;
        }
        const member = rename[name] ?? name;
        if (member === '') continue; // a layout-only constant with no C member
        lines.push(
          `_Static_assert(offsetof(${type}, ${member}) == ${value}, "${type}.${member}");`,
        );
      }
    }
    expect(lines.length).toBeGreaterThan(100);
    compileForGuests(lines);
  });

  it('gives the C headers the same numbers', () => {
    const expected: Record<string, number> = {
      PV_SBI_EXT: abi.PV_SBI_EXT,
      __HYPERVISOR_memory_op: abi.Hypercall.memory_op,
      __HYPERVISOR_xen_version: abi.Hypercall.xen_version,
      __HYPERVISOR_console_io: abi.Hypercall.console_io,
      __HYPERVISOR_grant_table_op: abi.Hypercall.grant_table_op,
      __HYPERVISOR_sched_op: abi.Hypercall.sched_op,
      __HYPERVISOR_event_channel_op: abi.Hypercall.event_channel_op,
      SCHEDOP_yield: abi.SchedOp.yield,
      SCHEDOP_block: abi.SchedOp.block,
      SCHEDOP_shutdown: abi.SchedOp.shutdown,
      SHUTDOWN_poweroff: abi.ShutdownCode.poweroff,
      EVTCHNOP_bind_virq: abi.EvtchnOp.bind_virq,
      EVTCHNOP_send: abi.EvtchnOp.send,
      EVTCHNOP_alloc_unbound: abi.EvtchnOp.alloc_unbound,
      GNTTABOP_setup_table: abi.GnttabOp.setup_table,
      GNTTABOP_query_size: abi.GnttabOp.query_size,
      VIRQ_TIMER: abi.Virq.timer,
      DOMID_SELF: abi.DOMID_SELF,
      GTF_permit_access: abi.GTF.permit_access,
      GTF_readonly: abi.GTF.readonly,
      SBI_EXT_BASE: abi.SbiExt.Base,
      SBI_EXT_TIME: abi.SbiExt.Time,
      SBI_EXT_IPI: abi.SbiExt.Ipi,
      SBI_EXT_RFENCE: abi.SbiExt.Rfence,
      SBI_EXT_HSM: abi.SbiExt.Hsm,
      SBI_EXT_SRST: abi.SbiExt.Srst,
      SBI_EXT_DBCN: abi.SbiExt.Dbcn,
      SBI_EXT_LEGACY_CONSOLE_PUTCHAR: abi.SbiExt.LegacyConsolePutchar,
      SBI_EXT_LEGACY_CONSOLE_GETCHAR: abi.SbiExt.LegacyConsoleGetchar,
      SBI_SUCCESS: abi.SbiError.Success,
      SBI_ERR_FAILED: abi.SbiError.Failed,
      SBI_ERR_NOT_SUPPORTED: abi.SbiError.NotSupported,
      SBI_ERR_INVALID_PARAM: abi.SbiError.InvalidParam,
      SBI_ERR_DENIED: abi.SbiError.Denied,
      SBI_ERR_INVALID_ADDRESS: abi.SbiError.InvalidAddress,
      SBI_ERR_ALREADY_AVAILABLE: abi.SbiError.AlreadyAvailable,
    };
    const lines = ['#include "pv.h"'];
    for (const [name, value] of Object.entries(expected))
      lines.push(`_Static_assert(${name} == ${value}, "${name}");`);
    compileForGuests(lines);
  });

  it('keeps ring slot counts as ring.h computes them', () => {
    expect(abi.ringSlots(abi.BlkifRequest.size)).toBe(32);
    expect(abi.ringSlots(abi.NetifTxRequest.size)).toBe(256);
    expect(abi.ringSlots(abi.NetifRxResponse.size)).toBe(256);
    expect(abi.ringSlots(5000)).toBe(0);
  });
});
