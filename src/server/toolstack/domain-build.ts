import { ConfigError, ConfigWarning, type SourcePosition } from '../config/config-error.ts';
import type { Located } from '../config/parser.ts';
import type { XlConfig } from '../config/xl-config.ts';
import { DEFAULT_BRIDGE } from '../config/vif-spec.ts';
import { MAX_VCPUS, type DomainConfig, type DtbDevice } from '../../vmm/domain-config.ts';

/**
 * What xl.cfg settings become on this platform: the checks libxl would make
 * against the host (here: RISC-V guests booted straight into their kernel,
 * at most MAX_VCPUS vCPUs, no vCPU hotplug), reported as
 * config errors at the key's position so `xl create` names file:line:col,
 * and the mapping onto the VMM's DomainConfig.
 */

/** Where a key's value was written (or the top of the file). */
export function positionOf(cfg: XlConfig, key: string): Located {
  const s = cfg.settings.get(key);
  if (s) return s.value;
  return { source: cfg.source, line: 1, column: 1 };
}

function err(
  cfg: XlConfig,
  pos: SourcePosition & { source?: string },
  detail: string,
): ConfigError {
  return ConfigError.at(pos.source ?? cfg.source, pos, detail);
}

/** Guest RAM from 0x8000_0000 up to 4 GiB. */
export const MAX_GUEST_MIB = 2048;

export interface PlatformCheck {
  readonly warnings: ConfigWarning[];
}

/** Throws ConfigError for what this platform cannot build; returns warnings for what it ignores. */
export function checkPlatform(cfg: XlConfig): PlatformCheck {
  const warnings: ConfigWarning[] = [];
  const warn = (key: string, detail: string): void => {
    const p = positionOf(cfg, key);
    warnings.push(ConfigWarning.at(p.source, p, detail));
  };
  if (cfg.type === 'pvh') {
    throw err(cfg, positionOf(cfg, 'type'), 'type "pvh" is not supported here: use "hvm" or "pv"');
  }
  if (cfg.kernel === undefined) {
    const why = cfg.bootloader !== undefined ? ' (bootloader= is not supported)' : '';
    throw err(
      cfg,
      positionOf(cfg, cfg.bootloader !== undefined ? 'bootloader' : 'kernel'),
      `kernel must be set${why}: guests boot directly into a kernel ELF image, e.g. kernel = "/usr/lib/tabvisor/guests/sprout.elf"`,
    );
  }
  if (cfg.bootloader !== undefined)
    warn('bootloader', 'bootloader is not supported; booting kernel= directly');
  if (cfg.vcpus > MAX_VCPUS) {
    throw err(
      cfg,
      positionOf(cfg, 'vcpus'),
      `vcpus must be at most ${MAX_VCPUS} here, got ${cfg.vcpus}`,
    );
  }
  // Guest RAM starts at 0x8000_0000 (QEMU virt) and must end below 4 GiB (Sv32 physical space we give guests).
  if (cfg.maxmem > MAX_GUEST_MIB) {
    const key = cfg.settings.has('maxmem') ? 'maxmem' : 'memory';
    throw err(
      cfg,
      positionOf(cfg, key),
      `${key} must be at most ${MAX_GUEST_MIB} MiB (guest RAM runs from 0x80000000 to 4 GiB), got ${cfg.maxmem}`,
    );
  }
  if (cfg.maxvcpus > cfg.vcpus) {
    warn('maxvcpus', `vCPU hotplug is not supported: the guest gets vcpus = ${cfg.vcpus}`);
  }
  checkVifs(cfg, warn);
  return { warnings };
}

export interface BuildInputs {
  readonly kernel: Uint8Array;
  /** ramdisk= loaded from the VM server's tree. */
  readonly ramdisk?: Uint8Array;
  /** Device models' DTB nodes (HVM). */
  readonly devices: readonly DtbDevice[];
  readonly stdoutPath?: string;
}

export function toDomainConfig(cfg: XlConfig, inputs: BuildInputs): DomainConfig {
  const out: DomainConfig = {
    name: cfg.name,
    type: cfg.type === 'hvm' ? 'hvm' : 'pv',
    memory: cfg.memory,
    maxmem: cfg.maxmem,
    vcpus: cfg.vcpus,
    weight: cfg.cpu_weight,
    cap: cfg.cap,
    kernel: inputs.kernel,
    devices: [...inputs.devices],
  };
  if (cfg.cmdline !== undefined) out.cmdline = cfg.cmdline;
  if (inputs.ramdisk !== undefined) out.ramdisk = inputs.ramdisk;
  if (cfg.uuid !== undefined) out.uuid = cfg.uuid;
  if (inputs.stdoutPath !== undefined) out.stdoutPath = inputs.stdoutPath;
  return out;
}

/** NIC models an HVM guest may ask for and get as the one ISA NE2000 we emulate. */
const NE2000_MODELS = new Set(['ne2k_isa', 'ne2k_pci']);

/**
 * vif = [...]: every NIC joins the one bridge, xenbr0; an HVM guest has one
 * ISA slot for an NE2000 (port 0x300, IRQ 9), so one emulated NIC.
 */
function checkVifs(cfg: XlConfig, warn: (key: string, detail: string) => void): void {
  const pos = positionOf(cfg, 'vif');
  for (const v of cfg.vif) {
    if (v.bridge !== DEFAULT_BRIDGE)
      throw err(
        cfg,
        pos,
        `vif ${v.devid}: bridge ${v.bridge} does not exist (the VM server has ${DEFAULT_BRIDGE})`,
      );
  }
  if (cfg.type !== 'hvm') return;
  const emulated = cfg.vif.filter((v) => (v.type ?? 'ioemu') === 'ioemu');
  if (emulated.length > 1)
    throw err(
      cfg,
      pos,
      `an HVM guest gets one emulated NIC (an NE2000 at port 0x300, IRQ 9); got ${emulated.length} vifs`,
    );
  if (cfg.vif.length > emulated.length)
    throw err(
      cfg,
      pos,
      'type=vif (a PV NIC) needs a PV guest: Sprout HVM drives the emulated NE2000',
    );
  const model = emulated[0]?.model;
  if (model !== undefined && !NE2000_MODELS.has(model))
    warn('vif', `NIC model ${model} is not emulated: the guest gets an NE2000 (ISA)`);
}
