/**
 * What the VMM needs to build a domain — the typed result of the VM server's
 * xl.cfg parsing (xl.cfg(5) names in the comments).
 */
export type DomainType = 'pv' | 'hvm';

/** A device the VM server emulates for the guest, to be described in its DTB. */
export interface DtbDevice {
  /** Node name without unit address ("serial", "ide", …). */
  name: string;
  compatible: string[];
  /** Guest-physical MMIO window. */
  base: number;
  size: number;
  /** PLIC source number, if the device interrupts. */
  irq?: number;
  /** Extra properties: numbers become u32 cells, strings string(-list)s, bytes stay bytes (local-mac-address). */
  props?: Record<string, number | number[] | string | string[] | Uint8Array>;
}

export interface DomainConfig {
  /** `name` (mandatory in xl.cfg). */
  name: string;
  /** `type` ("pv" | "hvm"). */
  type: DomainType;
  /** `memory`, MiB of RAM at boot. */
  memory: number;
  /** `maxmem`, MiB; above `memory` means the guest starts ballooned down. Default = memory. */
  maxmem?: number;
  /** `vcpus` (default 1). */
  vcpus?: number;
  /** `cpu_weight` (default 256). */
  weight?: number;
  /** `cap`, % of one pCPU (default 0 = none). */
  cap?: number;
  /** The guest's ELF image (`kernel=`), entered in S-mode at its entry point. */
  kernel: Uint8Array;
  /**
   * `ramdisk`: an initial ramdisk (initramfs / initrd image), loaded into guest
   * RAM and described in the DTB's /chosen (linux,initrd-start/-end) and, for
   * PV, in start_info.mod_start/mod_len.
   */
  ramdisk?: Uint8Array;
  /** `cmdline` → /chosen/bootargs (and start_info.cmd_line for PV). */
  cmdline?: string;
  /** `uuid`; generated when absent. */
  uuid?: string;
  /** Devices the VM server's device models provide (ioreq servers cover their MMIO). */
  devices?: DtbDevice[];
  /** The DTB's /chosen/stdout-path (e.g. the emulated UART's node path). */
  stdoutPath?: string;
}

export const DEFAULT_VCPUS = 1;
export const MAX_VCPUS = 8;
