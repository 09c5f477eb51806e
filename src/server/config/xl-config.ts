/**
 * The typed domain configuration read from an xl.cfg(5) file, with the
 * checks and defaults of xl's parse_config_data (tools/xl/xl_parse.c) and
 * libxl's build-info defaults. A later step maps `XlConfig` onto the VMM's
 * domain config; this module knows nothing of the VMM.
 */
import { ConfigError, ConfigWarning, type SourcePosition } from './config-error.ts';
import { parseDiskSpec, type DiskSpec } from './disk-spec.ts';
import {
  parseXlSettings,
  type Located,
  type XlAtom,
  type XlSetting,
  type XlSettings,
} from './parser.ts';
import { parseVifSpec, type VifSpec } from './vif-spec.ts';

export const DOMAIN_TYPES = ['hvm', 'pv', 'pvh'] as const;
export type DomainType = (typeof DOMAIN_TYPES)[number];

/** xl.cfg(5) "Event Actions". */
export const SHUTDOWN_ACTIONS = [
  'destroy',
  'restart',
  'rename-restart',
  'preserve',
  'coredump-destroy',
  'coredump-restart',
  'soft-reset',
] as const;
export type ShutdownAction = (typeof SHUTDOWN_ACTIONS)[number];

export const VGA_KINDS = ['stdvga', 'cirrus', 'none', 'qxl'] as const;
export type VgaKind = (typeof VGA_KINDS)[number];

export interface XlConfig {
  /** File (or other source) the configuration came from. */
  readonly source: string;
  readonly name: string;
  readonly type: DomainType;
  readonly uuid?: string;
  /** Initial memory (the balloon target), MiB. libxl default 32. */
  readonly memory: number;
  /** Maximum memory, MiB; > memory means the guest starts pre-ballooned. */
  readonly maxmem: number;
  readonly vcpus: number;
  readonly maxvcpus: number;
  /** Credit scheduler weight, 1–65535 (default 256). */
  readonly cpu_weight: number;
  /** Credit scheduler cap, % of one physical CPU; 0 = no cap. */
  readonly cap: number;
  readonly kernel?: string;
  readonly ramdisk?: string;
  /** From `cmdline`, or built from `root` + `extra` as xl does. */
  readonly cmdline?: string;
  readonly bootloader?: string;
  readonly disk: readonly DiskSpec[];
  readonly vif: readonly VifSpec[];
  /** HVM only. */
  readonly vga?: VgaKind;
  /** HVM only: video memory, MiB. */
  readonly videoram?: number;
  /** HVM only: serial ports, e.g. ["pty"]. */
  readonly serial: readonly string[];
  /** HVM only: boot order, letters of a (floppy) c (disk) d (cdrom) n (network). */
  readonly boot?: string;
  readonly on_poweroff: ShutdownAction;
  readonly on_reboot: ShutdownAction;
  readonly on_crash: ShutdownAction;
  readonly on_watchdog: ShutdownAction;
  readonly on_soft_reset: ShutdownAction;
  /** Tabvisor's own key: start this domain when the VM server boots. */
  readonly autostart: boolean;
  /** Every key as written, the unknown ones included (xl keeps them too). */
  readonly settings: XlSettings;
  /** Keys neither Tabvisor nor xl knows; each produced a warning. */
  readonly unknownKeys: readonly string[];
}

export interface ParsedXlConfig {
  readonly config: XlConfig;
  readonly warnings: readonly ConfigWarning[];
}

export interface ParseXlConfigOptions {
  /** Shown in messages, e.g. /etc/xen/vm/web. */
  readonly file?: string;
  /** `KEY=VALUE` arguments of `xl create`, applied after the file in order. */
  readonly overrides?: readonly string[];
}

/** Keys of xl.cfg(5) that Tabvisor reads but does not model: warned about, kept. */
const XL_KEYS_NOT_MODELED = new Set(
  `seclabel init_seclabel pool cpus cpus_soft vnuma max_grant_frames max_maptrack_frames
  e820_host pci pci_msitranslate pci_power_mgmt pci_permissive pci_seize rdm rdm_mem_boundary
  dtdev passthrough shadow_memory nomigrate tsc_mode rtc_timeoffset localtime max_event_channels
  device_tree driver_domain acpi apic pae nx hpet viridian hap oos nestedhvm altp2m altp2mhvm
  firmware firmware_override bios bios_path_override acpi_s3 acpi_s4 acpi_laptop_slate
  mmio_hole smbios_firmware acpi_firmware ms_vm_genid timer_mode vpt_align ioports irqs iomem
  p9 vtpm vdispl pvcalls vsnd channel vfb vkb usbctrl usbdev usb usbdevice usbversion cpuid
  device_model device_model_override device_model_version device_model_stubdomain_override
  device_model_stubdomain_seclabel device_model_user device_model_args device_model_args_pv
  device_model_args_hvm stubdomain_kernel stubdomain_ramdisk stubdomain_memory vnc vnclisten
  vncdisplay vncunused vncpasswd vncviewer sdl opengl display xauthority keymap spice spiceport
  spicetls_port spicehost spicedisable_ticketing spicepasswd spiceagent_mouse spicevdagent
  spice_clipboard_sharing spiceusbredirection spice_image_compression spice_streaming_video
  nographic gfx_passthru soundhw xen_platform_pci hdtype vendor_device gic_version tee vuart
  xend_suspend_evtchn_compat msr_relaxed dm_restrict period slice latency extratime
  bootloader_args pvshim pvshim_path pvshim_cmdline pvshim_extra vif2 vmtrace_buf_kb
  mca_caps vkb_device claim_mode`.split(/\s+/),
);

/** libxl's defaults and xl's bounds. */
const DEFAULT_MEMORY_MIB = 32;
const DEFAULT_WEIGHT = 256;
const MAX_VCPUS = 128;
/** qemu-xen's minimum (and default) video memory per VGA kind, MiB. */
const VIDEORAM_MIN: Readonly<Record<VgaKind, number>> = {
  stdvga: 16,
  cirrus: 8,
  qxl: 128,
  none: 0,
};

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** strtol(text, &end, 0) accepting only a fully numeric text: decimal, 0x hex, 0 octal. */
export function parseCInteger(text: string): number | undefined {
  const m = /^[ \t\n\v\f\r]*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(text);
  if (!m) return undefined;
  const body = m[2] as string;
  const magnitude = /^0[xX]/.test(body)
    ? parseInt(body.slice(2), 16)
    : body.length > 1 && body.startsWith('0')
      ? parseInt(body.slice(1), 8)
      : parseInt(body, 10);
  if (!Number.isSafeInteger(magnitude)) return undefined;
  return m[1] === '-' ? -magnitude : magnitude;
}

function shown(atom: XlAtom): string {
  return atom.kind === 'number' ? atom.value : JSON.stringify(atom.value);
}

/** Reads typed values out of the settings, remembering which keys were used. */
class SettingsReader {
  readonly used = new Set<string>();
  readonly warnings: ConfigWarning[] = [];

  constructor(
    private readonly settings: XlSettings,
    private readonly file: string,
  ) {}

  /** Positions of values carry their own source; others are in the file. */
  error(pos: SourcePosition | Located, detail: string): never {
    throw ConfigError.at('source' in pos ? pos.source : this.file, pos, detail);
  }

  warn(pos: SourcePosition | Located, detail: string): void {
    this.warnings.push(ConfigWarning.at('source' in pos ? pos.source : this.file, pos, detail));
  }

  get(key: string): XlSetting | undefined {
    this.used.add(key);
    return this.settings.get(key);
  }

  /** A single value; a list is an error (xl: "is a list but should be a single value"). */
  atom(key: string): XlAtom | undefined {
    const s = this.get(key);
    if (!s) return undefined;
    if (s.value.kind === 'list')
      this.error(s.value, `${key} must be a single value, not a [ list ]`);
    return s.value;
  }

  string(key: string): string | undefined {
    return this.atom(key)?.value;
  }

  integer(
    key: string,
    expected: string,
    ok: (n: number) => boolean,
  ): { value: number; pos: Located } | undefined {
    const s = this.get(key);
    if (!s) return undefined;
    if (s.value.kind === 'list') this.error(s.value, `${key} must be ${expected}, not a [ list ]`);
    const atom = s.value;
    if (s.op === '+=') this.error(s.keyPos, `can't use += with numbers for '${key}'`);
    const n = parseCInteger(atom.value);
    if (n === undefined || !ok(n))
      this.error(atom, `${key} must be ${expected}, got ${shown(atom)}`);
    if (/^\s*[+-]?0[0-7]+$/.test(atom.value)) {
      this.warn(
        atom,
        `${key} = ${atom.value} is octal (${n}), as in C; drop the leading 0 for decimal`,
      );
    }
    return { value: n, pos: atom };
  }

  /** Strings of a list; a single string is accepted as a one-item list, with a warning. */
  list(key: string): XlAtom[] {
    const s = this.get(key);
    if (!s) return [];
    if (s.value.kind === 'list') return [...s.value.items];
    this.warn(s.value, `${key} should be a [ list ]; taking the single value as a one-item list`);
    return [s.value];
  }

  oneOf<T extends string>(key: string, allowed: readonly T[], fallback: T): T {
    const atom = this.atom(key);
    if (!atom) return fallback;
    if (!(allowed as readonly string[]).includes(atom.value)) {
      this.error(atom, `${key} must be one of ${allowed.join(', ')}; got ${shown(atom)}`);
    }
    return atom.value as T;
  }
}

function buildConfig(settings: XlSettings, file: string): ParsedXlConfig {
  const r: SettingsReader = new SettingsReader(settings, file);
  const top: SourcePosition = { line: 1, column: 1 };

  // type, and the deprecated builder (xl_parse.c: "Contradicting builder and type").
  const typeAtom = r.atom('type');
  let type: DomainType | undefined;
  if (typeAtom) {
    if (!(DOMAIN_TYPES as readonly string[]).includes(typeAtom.value)) {
      r.error(typeAtom, `type must be hvm, pv or pvh, got ${shown(typeAtom)}`);
    }
    type = typeAtom.value as DomainType;
  }
  const builder = r.atom('builder');
  if (builder) {
    let fromBuilder: DomainType;
    if (builder.value === 'hvm') fromBuilder = 'hvm';
    else if (builder.value === 'generic') fromBuilder = 'pv';
    else
      r.error(
        builder,
        `builder must be hvm or generic (deprecated; use type=), got ${shown(builder)}`,
      );
    if (type !== undefined && type !== fromBuilder) {
      r.error(builder, `contradicting "builder" and "type" options specified`);
    }
    type = fromBuilder;
  }
  type ??= 'pv';
  const hvm = type === 'hvm';

  const nameAtom = r.atom('name');
  if (!nameAtom) r.error(top, 'name must be set: every domain needs a name (name = "...")');
  const name = nameAtom.value;
  const badNameChar = [...name].some((c) => c === '/' || c.charCodeAt(0) < 0x20 || c === '\x7f');
  if (name === '' || badNameChar) {
    r.error(
      nameAtom,
      `name must be non-empty, without control characters or '/', got ${shown(nameAtom)}`,
    );
  }

  const uuidAtom = r.atom('uuid');
  if (uuidAtom && !UUID.test(uuidAtom.value)) {
    r.error(
      uuidAtom,
      `uuid must look like xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx, got ${shown(uuidAtom)}`,
    );
  }

  // Memory, MiB (xl multiplies by 1024 into libxl's KiB fields).
  const memLimit = 0x7fffffff / 1024;
  const memory =
    r.integer('memory', 'a positive integer (MiB)', (n) => n > 0 && n <= memLimit)?.value ??
    DEFAULT_MEMORY_MIB;
  const maxmemSetting = r.integer(
    'maxmem',
    'a positive integer (MiB)',
    (n) => n > 0 && n <= memLimit,
  );
  const maxmem = maxmemSetting?.value ?? memory;
  if (maxmemSetting && maxmem < memory) {
    r.error(
      maxmemSetting.pos,
      `maxmem (${maxmem} MiB) must not be less than memory (${memory} MiB)`,
    );
  }

  const vcpus =
    r.integer('vcpus', `an integer from 1 to ${MAX_VCPUS}`, (n) => n >= 1 && n <= MAX_VCPUS)
      ?.value ?? 1;
  const maxvcpusSetting = r.integer(
    'maxvcpus',
    `an integer from 1 to ${MAX_VCPUS}`,
    (n) => n >= 1 && n <= MAX_VCPUS,
  );
  const maxvcpus = maxvcpusSetting?.value ?? vcpus;
  if (maxvcpusSetting && maxvcpus < vcpus) {
    r.error(maxvcpusSetting.pos, `maxvcpus (${maxvcpus}) must not be less than vcpus (${vcpus})`);
  }

  const cpu_weight =
    r.integer('cpu_weight', 'an integer from 1 to 65535', (n) => n >= 1 && n <= 65535)?.value ??
    DEFAULT_WEIGHT;
  const capSetting = r.integer(
    'cap',
    'an integer from 0 to 65535 (% of one CPU; 0 = no cap)',
    (n) => n >= 0 && n <= 65535,
  );
  const cap = capSetting?.value ?? 0;
  if (capSetting && cap > 100 * maxvcpus) {
    r.warn(
      capSetting.pos,
      `cap ${cap}% is more than ${maxvcpus} vCPU(s) can use (${100 * maxvcpus}%)`,
    );
  }

  // Kernel command line: cmdline wins over root + extra (xl_parse.c parse_cmdline).
  const kernel = r.string('kernel');
  const ramdisk = r.string('ramdisk');
  const bootloader = r.string('bootloader');
  const cmdlineAtom = r.atom('cmdline');
  const root = r.atom('root');
  const extra = r.atom('extra');
  let cmdline: string | undefined;
  if (cmdlineAtom) {
    cmdline = cmdlineAtom.value;
    if (root || extra) {
      r.warn(root ?? extra ?? cmdlineAtom, 'ignoring root= and extra= in favour of cmdline=');
    }
  } else if (root && extra) {
    cmdline = `root=${root.value} ${extra.value}`;
  } else if (root) {
    cmdline = `root=${root.value}`;
  } else if (extra) {
    cmdline = extra.value;
  }
  if (!hvm && kernel === undefined && bootloader === undefined) {
    r.error(top, `neither kernel nor bootloader specified: a ${type} domain needs kernel = "..."`);
  }

  // Disks.
  const disk: DiskSpec[] = [];
  for (const [i, item] of r.list('disk').entries()) {
    const res = parseDiskSpec(item.value);
    if (!res.ok) r.error(item, `disk[${i}] ${JSON.stringify(item.value)}: ${res.error}`);
    for (const w of res.warnings) r.warn(item, `disk[${i}]: ${w}`);
    const clash = disk.findIndex((d) => d.devid === res.disk.devid);
    if (clash >= 0) {
      r.error(item, `disk[${i}]: vdev ${res.disk.vdev} is already used by disk[${clash}]`);
    }
    disk.push(res.disk);
  }

  // Network interfaces.
  const vif: VifSpec[] = [];
  for (const [i, item] of r.list('vif').entries()) {
    const res = parseVifSpec(item.value, i);
    if (!res.ok) r.error(item, `vif[${i}] ${JSON.stringify(item.value)}: ${res.error}`);
    for (const w of res.warnings) r.warn(item, `vif[${i}]: ${w}`);
    if (vif.some((v) => v.devid === res.vif.devid)) {
      r.error(item, `vif[${i}]: devid ${res.vif.devid} is used twice`);
    }
    if (res.vif.mac !== undefined && vif.some((v) => v.mac === res.vif.mac)) {
      r.warn(item, `vif[${i}]: mac ${res.vif.mac} is used twice`);
    }
    vif.push(res.vif);
  }

  // HVM devices. xl reads these for HVM guests only.
  const hvmOnly = ['vga', 'stdvga', 'videoram', 'serial', 'boot'];
  let vga: VgaKind | undefined;
  let videoram: number | undefined;
  let serial: string[] = [];
  let boot: string | undefined;
  if (hvm) {
    const vgaAtom = r.atom('vga');
    const stdvga = r.integer('stdvga', '0 or 1', () => true);
    if (vgaAtom) {
      vga = r.oneOf('vga', VGA_KINDS, 'cirrus');
    } else if (stdvga) {
      vga = stdvga.value !== 0 ? 'stdvga' : 'cirrus';
    } else {
      vga = 'cirrus';
    }
    const vr = r.integer('videoram', 'a positive integer (MiB)', (n) => n > 0 && n <= 4096);
    videoram = vr?.value ?? VIDEORAM_MIN[vga];
    if (vr && videoram < VIDEORAM_MIN[vga]) {
      r.warn(vr.pos, `videoram must be at least ${VIDEORAM_MIN[vga]} MiB for ${vga}; using that`);
      videoram = VIDEORAM_MIN[vga];
    }
    serial = r.list('serial').map((a) => a.value);
    const bootAtom = r.atom('boot');
    if (bootAtom && !/^[acdn]+$/.test(bootAtom.value)) {
      r.error(
        bootAtom,
        `boot must be letters a (floppy), c (disk), d (cdrom), n (network), e.g. "cd"; got ${shown(bootAtom)}`,
      );
    }
    boot = bootAtom?.value ?? 'cd';
  } else {
    for (const key of hvmOnly) {
      const s = settings.get(key);
      if (s) {
        r.used.add(key);
        r.warn(s.keyPos, `${key} is only used by HVM guests; ignoring it for a ${type} guest`);
      }
    }
  }

  const on_poweroff = r.oneOf('on_poweroff', SHUTDOWN_ACTIONS, 'destroy');
  const on_reboot = r.oneOf('on_reboot', SHUTDOWN_ACTIONS, 'restart');
  const on_crash = r.oneOf('on_crash', SHUTDOWN_ACTIONS, 'destroy');
  const on_watchdog = r.oneOf('on_watchdog', SHUTDOWN_ACTIONS, 'destroy');
  const on_soft_reset = r.oneOf('on_soft_reset', SHUTDOWN_ACTIONS, 'soft-reset');

  const autostart = (r.integer('autostart', '0 or 1', () => true)?.value ?? 0) !== 0;

  // Everything else: known to xl but not modelled, or unknown. Kept either way.
  const unknownKeys: string[] = [];
  for (const [key, s] of settings) {
    if (r.used.has(key)) continue;
    if (XL_KEYS_NOT_MODELED.has(key)) {
      r.warn(s.keyPos, `ignoring "${key}": Tabvisor does not support this xl option`);
    } else {
      unknownKeys.push(key);
      r.warn(s.keyPos, `ignoring unknown key "${key}"`);
    }
  }

  const config: XlConfig = {
    source: file,
    name,
    type,
    ...(uuidAtom ? { uuid: uuidAtom.value.toLowerCase() } : {}),
    memory,
    maxmem,
    vcpus,
    maxvcpus,
    cpu_weight,
    cap,
    ...(kernel !== undefined ? { kernel } : {}),
    ...(ramdisk !== undefined ? { ramdisk } : {}),
    ...(cmdline !== undefined ? { cmdline } : {}),
    ...(bootloader !== undefined ? { bootloader } : {}),
    disk,
    vif,
    ...(vga !== undefined ? { vga } : {}),
    ...(videoram !== undefined ? { videoram } : {}),
    serial,
    ...(boot !== undefined ? { boot } : {}),
    on_poweroff,
    on_reboot,
    on_crash,
    on_watchdog,
    on_soft_reset,
    autostart,
    settings,
    unknownKeys,
  };
  return { config, warnings: r.warnings };
}

/** UTF-8 text of a config file's bytes; invalid sequences become U+FFFD. */
function decode(source: string | Uint8Array): string {
  return typeof source === 'string' ? source : new TextDecoder('utf-8').decode(source);
}

/**
 * Parses and checks an xl.cfg domain configuration. Throws ConfigError —
 * and nothing else — when the text is not a valid configuration.
 */
export function parseXlConfig(
  source: string | Uint8Array,
  options: ParseXlConfigOptions = {},
): ParsedXlConfig {
  const file = options.file ?? '<config>';
  const settings = parseXlSettings(decode(source), file);
  for (const [i, arg] of (options.overrides ?? []).entries()) {
    parseXlSettings(arg, `${file} (argument ${i + 1})`, settings);
  }
  return buildConfig(settings, file);
}
