import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as abi from '../../src/vmm/abi/index';
import * as xsRing from '../../src/server/xenstore/xs-ring';
import * as xsWire from '../../src/server/xenstore/xs-wire';
import { GUEST_DIR } from './harness';

/**
 * The guest ABI is defined once in src/vmm/abi/ (and the xenstore wire
 * format in src/server/xenstore/); guest/include/tabvisor/ mirrors it for C.
 * Every exported constant must appear in the headers with the same value,
 * and every struct layout must have the same offsets and size when the
 * headers are compiled for RV32 ilp32 — checked by _Static_assert, so the
 * compiler's own layout is what is compared.
 */

const INCLUDE = join(GUEST_DIR, 'include');
const HEADERS = join(INCLUDE, 'tabvisor');
const CC = 'riscv64-unknown-elf-gcc';

// ---- reading the headers ---------------------------------------------------

type CValue = number | string;

/** A tiny evaluator for the constant expressions the headers use: integers, ( ), unary -, * / + - << >> & |. */
function evaluate(expr: string, known: Map<string, CValue>): number {
  const tokens = expr.match(/0[xX][0-9a-fA-F]+|\d+|[A-Za-z_]\w*|<<|>>|[-+*/()|&~]/g) ?? [];
  let i = 0;
  const peek = (): string | undefined => tokens[i];
  const next = (): string => {
    const t = tokens[i++];
    if (t === undefined) throw new Error(`unexpected end of ${expr}`);
    return t;
  };
  const primary = (): number => {
    const t = next();
    if (t === '(') {
      const v = or();
      if (next() !== ')') throw new Error(`missing ) in ${expr}`);
      return v;
    }
    if (t === '-') return -primary();
    if (t === '~') return ~primary();
    if (/^\d|^0[xX]/.test(t)) return Number(t);
    const v = known.get(t);
    if (typeof v !== 'number') throw new Error(`unknown name ${t} in ${expr}`);
    return v;
  };
  const binary =
    (sub: () => number, ops: Record<string, (a: number, b: number) => number>) => (): number => {
      let v = sub();
      for (let op = peek(); op !== undefined && op in ops; op = peek()) {
        next();
        v = (ops[op] as (a: number, b: number) => number)(v, sub());
      }
      return v;
    };
  const mul = binary(primary, { '*': (a, b) => a * b, '/': (a, b) => Math.trunc(a / b) });
  const add = binary(mul, { '+': (a, b) => a + b, '-': (a, b) => a - b });
  const shift = binary(add, { '<<': (a, b) => a * 2 ** b, '>>': (a, b) => Math.floor(a / 2 ** b) });
  const and = binary(shift, { '&': (a, b) => a & b });
  const or = binary(and, { '|': (a, b) => ((a | b) >>> 0 === (a | b) ? a | b : (a | b) >>> 0) });
  const v = or();
  if (i !== tokens.length) throw new Error(`trailing tokens in ${expr}`);
  return v;
}

/** NAME → value for every object-like #define and enumerator in guest/include/tabvisor. */
function headerConstants(): Map<string, CValue> {
  const known = new Map<string, CValue>();
  const files = readdirSync(HEADERS)
    .filter((f) => f.endsWith('.h'))
    .sort();
  for (const f of files) {
    const text = readFileSync(join(HEADERS, f), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');
    for (const m of text.matchAll(/^#define[ \t]+([A-Za-z_]\w*)[ \t]+(.+?)[ \t]*$/gm)) {
      const [, name, body] = m as unknown as [string, string, string];
      if (body.endsWith('\\') || /^[A-Za-z_]\w*\(/.test(body)) continue; // multi-line / function-like
      const str = /^"(.*)"$/.exec(body);
      if (str) known.set(name, str[1] as string);
      else {
        try {
          known.set(name, evaluate(body, known));
        } catch {
          // not a constant expression (a type, a macro body): not ABI
        }
      }
    }
    for (const e of text.matchAll(/enum\s+\w+\s*\{([^}]*)\}/g)) {
      for (const m of (e[1] as string).matchAll(/([A-Za-z_]\w*)\s*=\s*([^,\n]+)/g)) {
        known.set(m[1] as string, evaluate((m[2] as string).trim(), known));
      }
    }
  }
  return known;
}

// ---- the mapping from TypeScript names to C names ---------------------------

const snake = (k: string): string => k.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();

type Group = Record<string, number>;
/** Groups of constants: the C name of each key. */
const GROUPS: [string, Group, (k: string) => string][] = [
  ['SbiExt', abi.SbiExt, (k) => `SBI_EXT_${snake(k)}`],
  ['SbiError', abi.SbiError, (k) => (k === 'Success' ? 'SBI_SUCCESS' : `SBI_ERR_${snake(k)}`)],
  ['SbiBaseFn', abi.SbiBaseFn, (k) => `SBI_EXT_BASE_${snake(k)}`],
  ['SbiTimeFn', abi.SbiTimeFn, (k) => `SBI_EXT_TIME_${snake(k)}`],
  ['SbiIpiFn', abi.SbiIpiFn, (k) => `SBI_EXT_IPI_${snake(k)}`],
  ['SbiRfenceFn', abi.SbiRfenceFn, (k) => `SBI_EXT_RFENCE_${snake(k)}`],
  ['SbiHsmFn', abi.SbiHsmFn, (k) => `SBI_EXT_HSM_${snake(k)}`],
  ['HsmState', abi.HsmState, (k) => `SBI_HSM_STATE_${snake(k)}`],
  ['HsmSuspendType', abi.HsmSuspendType, (k) => `SBI_HSM_SUSPEND_TYPE_${snake(k)}`],
  ['SbiSrstFn', abi.SbiSrstFn, (k) => `SBI_EXT_SRST_${snake(k)}`],
  ['SrstType', abi.SrstType, (k) => `SBI_SRST_TYPE_${snake(k)}`],
  ['SrstReason', abi.SrstReason, (k) => `SBI_SRST_REASON_${snake(k)}`],
  ['SbiDbcnFn', abi.SbiDbcnFn, (k) => `SBI_EXT_DBCN_${snake(k)}`],
  ['XenErrno', abi.XenErrno, (k) => `XEN_${k}`],
  ['Hypercall', abi.Hypercall, (k) => `__HYPERVISOR_${k}`],
  ['ConsoleIo', abi.ConsoleIo, (k) => `CONSOLEIO_${k}`],
  ['SchedOp', abi.SchedOp, (k) => `SCHEDOP_${k}`],
  ['ShutdownCode', abi.ShutdownCode, (k) => `SHUTDOWN_${k}`],
  ['MemoryOp', abi.MemoryOp, (k) => `XENMEM_${k}`],
  ['XenVersion', abi.XenVersion, (k) => `XENVER_${k}`],
  ['TabvisorOp', abi.TabvisorOp, (k) => `TABVISOROP_${k}`],
  ['EvtchnOp', abi.EvtchnOp, (k) => `EVTCHNOP_${k}`],
  ['EvtchnStat', abi.EvtchnStat, (k) => `EVTCHNSTAT_${k}`],
  ['Virq', abi.Virq, (k) => `VIRQ_${k.toUpperCase()}`],
  ['GTF', abi.GTF, (k) => `GTF_${k}`],
  ['GnttabOp', abi.GnttabOp, (k) => `GNTTABOP_${k}`],
  ['GNTMAP', abi.GNTMAP, (k) => `GNTMAP_${k}`],
  ['GNTCOPY', abi.GNTCOPY, (k) => `GNTCOPY_${k}`],
  ['GNTST', abi.GNTST, (k) => `GNTST_${k}`],
  ['SIF', abi.SIF, (k) => `SIF_${k.toUpperCase()}`],
  ['XenbusState', abi.XenbusState, (k) => `XenbusState${k}`],
  ['BlkifOp', abi.BlkifOp, (k) => `BLKIF_OP_${k.toUpperCase()}`],
  ['BlkifStatus', abi.BlkifStatus, (k) => `BLKIF_RSP_${k.toUpperCase()}`],
  ['NetifTxFlag', abi.NetifTxFlag, (k) => `NETTXF_${k}`],
  ['NetifRxFlag', abi.NetifRxFlag, (k) => `NETRXF_${k}`],
  ['NetifStatus', abi.NetifStatus, (k) => `NETIF_RSP_${k.toUpperCase()}`],
  ['XsType', xsWire.XsType, (k) => `XS_${k}`],
];

/** Struct layouts: the C type and, where the names differ, each key's member designator. */
const STRUCTS: [string, Group, string, Record<string, string>?][] = [
  ['EvtchnAllocUnbound', abi.EvtchnAllocUnbound, 'struct evtchn_alloc_unbound'],
  ['EvtchnBindInterdomain', abi.EvtchnBindInterdomain, 'struct evtchn_bind_interdomain'],
  ['EvtchnBindVirq', abi.EvtchnBindVirq, 'struct evtchn_bind_virq'],
  ['EvtchnPortArg', abi.EvtchnPortArg, 'struct evtchn_port_arg'],
  [
    'EvtchnStatusArg',
    abi.EvtchnStatusArg,
    'struct evtchn_status',
    { u_dom: 'u.unbound.dom', u_port: 'u.interdomain.port', u_virq: 'u.virq' },
  ],
  ['GrantEntryV1', abi.GrantEntryV1, 'struct grant_entry_v1'],
  ['GnttabMapGrantRef', abi.GnttabMapGrantRef, 'struct gnttab_map_grant_ref'],
  ['GnttabUnmapGrantRef', abi.GnttabUnmapGrantRef, 'struct gnttab_unmap_grant_ref'],
  ['GnttabSetupTable', abi.GnttabSetupTable, 'struct gnttab_setup_table'],
  ['GnttabQuerySize', abi.GnttabQuerySize, 'struct gnttab_query_size'],
  [
    'GnttabCopy',
    abi.GnttabCopy,
    'struct gnttab_copy',
    {
      source_u: 'source.u',
      source_domid: 'source.domid',
      source_offset: 'source.offset',
      dest_u: 'dest.u',
      dest_domid: 'dest.domid',
      dest_offset: 'dest.offset',
    },
  ],
  ['SchedPoll', abi.SchedPoll, 'struct sched_poll'],
  ['MemoryReservation', abi.MemoryReservation, 'struct xen_memory_reservation'],
  ['TabvisorExitCounters', abi.TabvisorExitCounters, 'struct tabvisor_exit_counters'],
  ['TabvisorExitCounter', abi.TabvisorExitCounter, 'struct tabvisor_exit_counter'],
  [
    'VcpuInfo',
    abi.VcpuInfo,
    'struct vcpu_info',
    { time_version: 'time.version', time_system_time: 'time.system_time' },
  ],
  ['SharedInfo', abi.SharedInfo, 'struct shared_info'],
  ['StartInfo', abi.StartInfo, 'struct start_info'],
  ['SringHeader', abi.SringHeader, 'struct blkif_sring', { size: 'ring' }],
  [
    'XenconsInterface',
    abi.XenconsInterface,
    'struct xencons_interface',
    { in_size: 'sizeof in', out_size: 'sizeof out' },
  ],
  ['BlkifSegment', abi.BlkifSegment, 'struct blkif_request_segment'],
  ['BlkifRequest', abi.BlkifRequest, 'struct blkif_request'],
  ['BlkifResponse', abi.BlkifResponse, 'struct blkif_response'],
  ['NetifTxRequest', abi.NetifTxRequest, 'struct netif_tx_request', { size_: 'size' }],
  ['NetifTxResponse', abi.NetifTxResponse, 'struct netif_tx_response'],
  ['NetifExtraInfo', abi.NetifExtraInfo, 'struct netif_extra_info'],
  ['NetifRxRequest', abi.NetifRxRequest, 'struct netif_rx_request'],
  ['NetifRxResponse', abi.NetifRxResponse, 'struct netif_rx_response'],
  [
    'XenstoreInterface',
    xsRing.XenstoreInterface,
    'struct xenstore_domain_interface',
    {
      reqCons: 'req_cons',
      reqProd: 'req_prod',
      rspCons: 'rsp_cons',
      rspProd: 'rsp_prod',
      serverFeatures: 'server_features',
    },
  ],
];

/** Scalar exports of the xenstore modules that are ABI (the rest of those modules is the server's). */
const XS_SCALARS: Record<string, number> = {
  XSD_SOCKMSG_SIZE: xsWire.XSD_SOCKMSG_SIZE,
  XENSTORE_PAYLOAD_MAX: xsWire.XENSTORE_PAYLOAD_MAX,
  XENSTORE_ABS_PATH_MAX: xsWire.XENSTORE_ABS_PATH_MAX,
  XENSTORE_REL_PATH_MAX: xsWire.XENSTORE_REL_PATH_MAX,
  XENSTORE_RING_SIZE: xsRing.XENSTORE_RING_SIZE,
  XENSTORE_SERVER_FEATURE_RECONNECTION: xsRing.XENSTORE_SERVER_FEATURE_RECONNECTION,
  XENSTORE_SERVER_FEATURE_ERROR: xsRing.XENSTORE_SERVER_FEATURE_ERROR,
  XENSTORE_CONNECTED: xsRing.XENSTORE_CONNECTED,
  XENSTORE_RECONNECT: xsRing.XENSTORE_RECONNECT,
  XENSTORE_ERROR_NONE: xsRing.XENSTORE_ERROR_NONE,
  XENSTORE_ERROR_COMM: xsRing.XENSTORE_ERROR_COMM,
  XENSTORE_ERROR_RINGIDX: xsRing.XENSTORE_ERROR_RINGIDX,
  XENSTORE_ERROR_PROTO: xsRing.XENSTORE_ERROR_PROTO,
};

/** The C expression for a struct key's value. */
function member(type: string, key: string, renames: Record<string, string> = {}): string {
  const m = renames[key];
  if (key === 'size' && m === undefined) return `sizeof(${type})`;
  if (m?.startsWith('sizeof ')) return `sizeof(((${type} *)0)->${m.slice(7)})`;
  return `offsetof(${type}, ${m ?? key})`;
}

function staticAsserts(): string[] {
  const lines: string[] = [];
  for (const [name, layout, type, renames] of STRUCTS) {
    for (const [key, value] of Object.entries(layout)) {
      lines.push(
        `_Static_assert(${member(type, key, renames)} == ${value}, "${name}.${key} = ${value}");`,
      );
    }
  }
  // ringSlots(): the C macro __RING_SIZE must give the same slot count for the blkif ring.
  lines.push(
    `_Static_assert(__RING_SIZE(blkif, 4096) == ${abi.ringSlots(abi.BlkifRequest.size)}, "ringSlots(blkif)");`,
    // …and for netif's two rings, whose slots are the unions of request and response.
    `_Static_assert(__RING_SIZE(netif_tx, 4096) == ${abi.NET_TX_RING_SIZE}, "NET_TX_RING_SIZE");`,
    `_Static_assert(__RING_SIZE(netif_rx, 4096) == ${abi.NET_RX_RING_SIZE}, "NET_RX_RING_SIZE");`,
    `_Static_assert(sizeof(union netif_tx_sring_entry) == ${abi.NetifTxRequest.size}, "TX slot");`,
    `_Static_assert(sizeof(union netif_rx_sring_entry) == ${abi.NetifRxResponse.size}, "RX slot");`,
  );
  return lines;
}

/** Compile assertions against the headers for RV32; returns the compiler's complaints ('' = none). */
function compile(lines: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'abi-mirror-'));
  try {
    const src = join(dir, 'probe.c');
    const includes = readdirSync(HEADERS)
      .filter((f) => f.endsWith('.h'))
      .sort()
      .map((f) => `#include <tabvisor/${f}>`);
    writeFileSync(src, ['#include <stddef.h>', ...includes, ...lines, ''].join('\n'));
    try {
      execFileSync(
        CC,
        [
          '-march=rv32imac_zicsr',
          '-mabi=ilp32',
          '-std=gnu11',
          '-fsyntax-only',
          '-ffreestanding',
          `-I${INCLUDE}`,
          src,
        ],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      return '';
    } catch (e) {
      return String((e as { stderr?: Buffer }).stderr ?? e);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('guest/include/tabvisor mirrors src/vmm/abi', () => {
  const header = headerConstants();

  it('classifies every export of src/vmm/abi (a new constant needs its C twin)', () => {
    const groups = new Set(GROUPS.map(([n]) => n));
    const structs = new Set(STRUCTS.map(([n]) => n));
    const unclassified = Object.entries(abi)
      .filter(([name, v]) => typeof v === 'object' && !groups.has(name) && !structs.has(name))
      .map(([name]) => name);
    expect(unclassified).toEqual([]);
  });

  it('has every scalar constant with the same value', () => {
    const wrong: string[] = [];
    const check = (name: string, value: number | string) => {
      const c = header.get(name);
      if (c !== value) wrong.push(`${name}: TS ${JSON.stringify(value)}, C ${JSON.stringify(c)}`);
    };
    for (const [name, v] of Object.entries(abi))
      if (typeof v === 'number' || typeof v === 'string') check(name, v);
    for (const [name, v] of Object.entries(XS_SCALARS)) check(name, v);
    expect(wrong).toEqual([]);
    // And the check can fail: a header value that differs is seen.
    expect(header.get('PV_SBI_EXT')).toBe(0x0958454e);
    expect(header.get('PAGE_SIZE')).toBe(4096);
  });

  it('has every constant of every group (hypercall numbers, sub-ops, flags, states) with the same value', () => {
    const wrong: string[] = [];
    let checked = 0;
    for (const [group, values, cName] of GROUPS) {
      for (const [key, value] of Object.entries(values)) {
        const name = cName(key);
        const c = header.get(name);
        checked++;
        if (c !== value) wrong.push(`${group}.${key} → ${name}: TS ${value}, C ${String(c)}`);
      }
    }
    expect(wrong).toEqual([]);
    expect(checked).toBeGreaterThan(200);
  });

  it('lays out every struct as the TS offsets say (compiled for RV32 ilp32)', () => {
    const asserts = staticAsserts();
    expect(asserts.length).toBeGreaterThan(150);
    expect(compile(asserts)).toBe('');
  });

  it('would catch a layout that disagrees', () => {
    const broken = `_Static_assert(offsetof(struct blkif_request, sector_number) == ${abi.BlkifRequest.sector_number + 4}, "broken");`;
    expect(compile([broken])).toMatch(/static assertion failed: "broken"/);
  });
});
