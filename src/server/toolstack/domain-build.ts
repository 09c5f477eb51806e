import { ConfigError, ConfigWarning, type SourcePosition } from '../config/config-error.ts';
import type { Located } from '../config/parser.ts';
import type { XlConfig } from '../config/xl-config.ts';
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
