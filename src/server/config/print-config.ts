/**
 * `xl create -n` prints the domain configuration it would build, as libxl
 * JSON (libxl_domain_config_to_json): c_info, b_info, disks, nics and the
 * event actions, memory in KiB. This prints the same shape from an
 * XlConfig, indented four spaces as yajl's beautifier does. Tabvisor's own
 * keys sit in a "tabvisor" object that libxl does not have.
 */
import type { DiskSpec } from './disk-spec.ts';
import type { VifSpec } from './vif-spec.ts';
import type { ShutdownAction, XlConfig } from './xl-config.ts';

/** libxl_action_on_shutdown names as libxl's JSON spells them. */
const ACTION_JSON: Readonly<Record<ShutdownAction, string>> = {
  destroy: 'destroy',
  restart: 'restart',
  'rename-restart': 'restart_rename',
  preserve: 'preserve',
  'coredump-destroy': 'coredump_destroy',
  'coredump-restart': 'coredump_restart',
  'soft-reset': 'soft_reset',
};

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

function diskJson(d: DiskSpec): Json {
  const out: Record<string, Json> = {};
  if (d.backend !== undefined) out.backend_domname = d.backend;
  if (d.target !== undefined) out.pdev_path = d.target;
  out.vdev = d.vdev;
  if (d.backendtype !== undefined) out.backend = d.backendtype;
  out.format = d.format;
  if (d.script !== undefined) out.script = d.script;
  out.removable = d.devtype === 'cdrom' ? 1 : 0;
  out.readwrite = d.access === 'rw' ? 1 : 0;
  out.is_cdrom = d.devtype === 'cdrom' ? 1 : 0;
  if (d.directIoSafe) out.direct_io_safe = true;
  if (d.discard !== undefined) out.discard_enable = d.discard ? 'True' : 'False';
  if (d.specification !== undefined) out.specification = d.specification;
  return out;
}

function nicJson(v: VifSpec, hvm: boolean): Json {
  const out: Record<string, Json> = {};
  if (v.backend !== undefined) out.backend_domname = v.backend;
  out.devid = v.devid;
  if (v.mtu !== undefined) out.mtu = v.mtu;
  if (v.model !== undefined) out.model = v.model;
  if (v.mac !== undefined) out.mac = v.mac;
  if (v.ip !== undefined) out.ip = v.ip;
  out.bridge = v.bridge;
  if (v.vifname !== undefined) out.ifname = v.vifname;
  if (v.script !== undefined) out.script = v.script;
  out.nictype = (v.type ?? (hvm ? 'ioemu' : 'vif')) === 'ioemu' ? 'vif_ioemu' : 'vif';
  if (v.rate !== undefined) {
    out.rate_bytes_per_interval = v.rate.bytesPerInterval;
    out.rate_interval_usecs = v.rate.intervalUsecs;
  }
  if (v.gatewaydev !== undefined) out.gatewaydev = v.gatewaydev;
  return out;
}

/** The libxl-shaped JSON object of a configuration. */
export function xlConfigToJson(c: XlConfig): Json {
  const hvm = c.type === 'hvm';
  const cInfo: Record<string, Json> = { type: c.type, name: c.name };
  if (c.uuid !== undefined) cInfo.uuid = c.uuid;

  const typeInfo: Record<string, Json> = {};
  if (hvm) {
    if (c.vga !== undefined) typeInfo.vga = { kind: c.vga === 'stdvga' ? 'std' : c.vga };
    if (c.boot !== undefined) typeInfo.boot = c.boot;
    if (c.serial.length === 1) typeInfo.serial = c.serial[0] as string;
    else if (c.serial.length > 1) typeInfo.serial_list = [...c.serial];
  }

  const bInfo: Record<string, Json> = {
    max_vcpus: c.maxvcpus,
    avail_vcpus: Array.from({ length: c.vcpus }, (_, i) => i),
    max_memkb: c.maxmem * 1024,
    target_memkb: c.memory * 1024,
  };
  if (hvm && c.videoram !== undefined) bInfo.video_memkb = c.videoram * 1024;
  bInfo.sched_params = { weight: c.cpu_weight, cap: c.cap };
  if (c.kernel !== undefined) bInfo.kernel = c.kernel;
  if (c.cmdline !== undefined) bInfo.cmdline = c.cmdline;
  if (c.ramdisk !== undefined) bInfo.ramdisk = c.ramdisk;
  if (c.bootloader !== undefined) bInfo.bootloader = c.bootloader;
  bInfo[`type.${c.type}`] = typeInfo;

  const out: Record<string, Json> = { c_info: cInfo, b_info: bInfo };
  if (c.disk.length > 0) out.disks = c.disk.map(diskJson);
  if (c.vif.length > 0) out.nics = c.vif.map((v) => nicJson(v, hvm));
  out.on_poweroff = ACTION_JSON[c.on_poweroff];
  out.on_reboot = ACTION_JSON[c.on_reboot];
  out.on_watchdog = ACTION_JSON[c.on_watchdog];
  out.on_crash = ACTION_JSON[c.on_crash];
  out.on_soft_reset = ACTION_JSON[c.on_soft_reset];
  out.tabvisor = { source: c.source, autostart: c.autostart };
  return out;
}

/** JSON with four-space indents; arrays of plain values stay on one line. */
function pretty(value: Json, indent: string): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const inner = `${indent}    `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    if (value.every((v) => v === null || typeof v !== 'object')) {
      return `[${value.map((v) => JSON.stringify(v)).join(', ')}]`;
    }
    return `[\n${value.map((v) => inner + pretty(v, inner)).join(',\n')}\n${indent}]`;
  }
  const entries = Object.entries(value);
  if (entries.length === 0) return '{}';
  const body = entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${pretty(v, inner)}`);
  return `{\n${body.join(',\n')}\n${indent}}`;
}

/** The text `xl create -n` prints: the configuration as indented JSON. */
export function formatXlConfigJson(c: XlConfig): string {
  return `${pretty(xlConfigToJson(c), '')}\n`;
}
