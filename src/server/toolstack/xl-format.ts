import { xlConfigToJson } from '../config/print-config.ts';
import type { XlConfig } from '../config/xl-config.ts';
import {
  XEN_CAPABILITIES,
  XEN_EXTRAVERSION,
  XEN_VERSION_MAJOR,
  XEN_VERSION_MINOR,
} from '../../vmm/abi/hypercall.ts';
import type { HostInfo } from '../../vmm/vmm.ts';
import type { DomainRow } from './toolstack.ts';

/**
 * The text `xl` prints, column for column as Xen's tools/xl (xl_info.c,
 * xl_sched.c) and tools/xentop/xentop.c print it, so that scripts and habits
 * written against Xen work here.
 */

/** xl_info.c list_domains: `"%-40s %5s %5s %5s %10s %9s"` then `"%-40s %5d %5lu %5d     %c%c%c%c%c%c  %8.1f"`. */
export function formatXlList(rows: readonly DomainRow[]): string {
  const header = `${'Name'.padEnd(40)} ${'ID'.padStart(5)} ${'Mem'.padStart(5)} ${'VCPUs'.padStart(5)} ${'State'.padStart(10)} ${'Time(s)'.padStart(9)}\n`;
  const lines = rows.map(
    (r) =>
      `${r.name.padEnd(40)} ${String(r.id).padStart(5)} ${String(Math.floor(r.memoryKiB / 1024)).padStart(5)} ${String(r.onlineVcpus).padStart(5)}     ${r.stateLetters}  ${(r.cpuTimeNs / 1e9).toFixed(1).padStart(8)}\n`,
  );
  return header + lines.join('');
}

/** `xl list -l`: libxl's JSON of each domain, `[ { "domid": N, "config": {…} } ]`. */
export function formatXlListLong(
  rows: readonly DomainRow[],
  configOf: (domid: number) => XlConfig | undefined,
): string {
  const items = rows.map((r) => {
    const cfg = configOf(r.id);
    const config = cfg
      ? xlConfigToJson(cfg)
      : {
          c_info: { type: 'pv', name: r.name, uuid: r.uuid },
          b_info: { max_vcpus: r.vcpus, max_memkb: r.maxMemoryKiB, target_memkb: r.memoryKiB },
        };
    return { domid: r.id, config };
  });
  return `${JSON.stringify(items, null, 4)}\n`;
}

/** Credit scheduler defaults reported in the pool line (REFERENCES.md: 30 ms slice). */
export const CREDIT_TSLICE_MS = 30;
export const CREDIT_RATELIMIT_US = 1000;

/** xl_sched.c: `Cpupool Pool-0: tslice=…` then `"%-33s %4s %6s %4s"` / `"%-33s %4d %6d %4d"`. */
export function formatSchedCredit(rows: readonly DomainRow[]): string {
  let out = `Cpupool Pool-0: tslice=${CREDIT_TSLICE_MS}ms ratelimit=${CREDIT_RATELIMIT_US}us migration-delay=0us\n`;
  out += `${'Name'.padEnd(33)} ${'ID'.padStart(4)} ${'Weight'.padStart(6)} ${'Cap'.padStart(4)}\n`;
  for (const r of rows) {
    out += `${r.name.padEnd(33)} ${String(r.id).padStart(4)} ${String(r.weight).padStart(6)} ${String(r.cap).padStart(4)}\n`;
  }
  return out;
}

export interface InfoExtras {
  readonly hostname: string;
  readonly cpuMhz: number;
  readonly commandLine: string;
  readonly uptimeSec: number;
}

/** xl info: `"%-23s: %s"` per key, xl's keys in xl's order. */
export function formatXlInfo(host: HostInfo, x: InfoExtras): string {
  const mib = (kib: number): string => String(Math.floor(kib / 1024));
  const version = `${XEN_VERSION_MAJOR}.${XEN_VERSION_MINOR}${XEN_EXTRAVERSION}`;
  const pairs: [string, string][] = [
    ['host', x.hostname],
    ['release', version],
    ['version', `#1 ${host.timeMode}`],
    ['machine', 'riscv32'],
    ['nr_cpus', String(host.pcpus)],
    ['max_cpu_id', String(host.pcpus - 1)],
    ['nr_nodes', '1'],
    ['cores_per_socket', String(host.pcpus)],
    ['threads_per_core', '1'],
    ['cpu_mhz', String(x.cpuMhz)],
    ['hw_caps', 'rv32imac_zicsr_zifencei sv32'],
    ['virt_caps', 'pv hvm'],
    ['total_memory', mib(host.totalMemoryKiB)],
    ['free_memory', mib(host.freeMemoryKiB)],
    ['sharing_freed_memory', '0'],
    ['sharing_used_memory', '0'],
    ['outstanding_claims', '0'],
    ['free_cpus', '0'],
    ['xen_major', String(XEN_VERSION_MAJOR)],
    ['xen_minor', String(XEN_VERSION_MINOR)],
    ['xen_extra', XEN_EXTRAVERSION],
    ['xen_version', version],
    ['xen_caps', XEN_CAPABILITIES],
    ['xen_scheduler', 'credit'],
    ['xen_pagesize', '4096'],
    ['platform_params', 'virt_start=0x80000000'],
    ['xen_changeset', ''],
    ['xen_commandline', x.commandLine],
    ['cc_compiler', 'TypeScript'],
    ['cc_compile_by', 'tabvisor'],
    ['cc_compile_domain', ''],
    ['cc_compile_date', ''],
    ['build_id', ''],
    ['xend_config_format', '4'],
  ];
  return pairs.map(([k, v]) => `${k.padEnd(23)}: ${v}\n`).join('');
}

/** A sample of every domain for xentop: rows plus the host time they were taken at. */
export interface TopSample {
  readonly rows: readonly DomainRow[];
  readonly nowNs: number;
}

/**
 * xentop's state column: six flags in the order d s b c p r (xentop.c
 * print_state), unlike `xl list`'s r b p s c d.
 */
export function xentopState(xlLetters: string): string {
  const has = (c: string): boolean => xlLetters.includes(c);
  return ['d', 's', 'b', 'c', 'p', 'r'].map((c) => (has(c) ? c : '-')).join('');
}

/** xentop.c field table: header and default width of each column shown by default. */
const TOP_FIELDS: readonly [string, number][] = [
  ['NAME', 10],
  ['STATE', 6],
  ['CPU(sec)', 10],
  ['CPU(%)', 6],
  ['MEM(k)', 10],
  ['MEM(%)', 6],
  ['MAXMEM(k)', 10],
  ['MAXMEM(%)', 9],
  ['VCPUS', 5],
  ['NETS', 4],
  ['NETTX(k)', 8],
  ['NETRX(k)', 8],
  ['VBDS', 4],
  ['VBD_OO', 8],
  ['VBD_RD', 8],
  ['VBD_WR', 8],
  ['VBD_RSECT', 10],
  ['VBD_WSECT', 10],
  ['SSID', 4],
];

export const XENTOP_COLUMNS = TOP_FIELDS.map(([h]) => h);

/**
 * One xentop screen (batch mode prints these one after another): the
 * summary lines, the header, a row per domain. CPU(%) is over the interval
 * since `previous` (0 on the first screen, as xentop).
 */
export function formatXentop(
  sample: TopSample,
  previous: TopSample | null,
  host: HostInfo,
  x: { readonly clock: string; readonly cpuMhz: number },
): string {
  const rows = sample.rows;
  const count = (c: string): number => rows.filter((r) => r.stateLetters.includes(c)).length;
  const totalK = host.totalMemoryKiB;
  const freeK = host.freeMemoryKiB;
  let out = `xentop - ${x.clock}   Xen ${XEN_VERSION_MAJOR}.${XEN_VERSION_MINOR}${XEN_EXTRAVERSION}\n`;
  out += `${rows.length} domains: ${count('r')} running, ${count('b')} blocked, ${count('p')} paused, ${count('c')} crashed, ${count('d')} dying, ${count('s')} shutdown \n`;
  out += `Mem: ${totalK}k total, ${totalK - freeK}k used, ${freeK}k free    CPUs: ${host.pcpus} @ ${x.cpuMhz}MHz\n`;
  out += `${TOP_FIELDS.map(([h, w]) => h.padStart(w)).join(' ')}\n`;
  const dt = previous ? sample.nowNs - previous.nowNs : 0;
  for (const r of rows) {
    const before = previous?.rows.find((p) => p.id === r.id && p.uuid === r.uuid);
    const pct = before && dt > 0 ? (100 * (r.cpuTimeNs - before.cpuTimeNs)) / dt : 0;
    const memPct = (100 * r.memoryKiB) / totalK;
    const maxPct = (100 * r.maxMemoryKiB) / totalK;
    const cells = [
      r.name.padStart(10),
      xentopState(r.stateLetters).padStart(6),
      String(Math.floor(r.cpuTimeNs / 1e9)).padStart(10),
      pct.toFixed(1).padStart(6),
      String(r.memoryKiB).padStart(10),
      memPct.toFixed(1).padStart(6),
      String(r.maxMemoryKiB).padStart(10),
      maxPct.toFixed(1).padStart(9),
      String(r.onlineVcpus).padStart(5),
      String(r.nics).padStart(4),
      // xentop prints NETTX / NETRX in KiB (xenstat_network_tbytes / 1024).
      String(Math.floor(r.net.NETTX / 1024)).padStart(8),
      String(Math.floor(r.net.NETRX / 1024)).padStart(8),
      String(r.disks).padStart(4),
      String(r.vbd.VBD_OO).padStart(8),
      String(r.vbd.VBD_RD).padStart(8),
      String(r.vbd.VBD_WR).padStart(8),
      String(r.vbd.VBD_RSECT).padStart(10),
      String(r.vbd.VBD_WSECT).padStart(10),
      '0'.padStart(4),
    ];
    out += `${cells.join(' ')}\n`;
  }
  return out;
}
