import { ElfError, parseElf } from '../machine/elf-loader';
import { PAGE_SIZE } from './abi/hypercall';
import { MAX_GUEST_CMDLINE, SIF, START_INFO_MAGIC, StartInfo } from './abi/start-info';
import type { DomainConfig } from './domain-config';
import { buildGuestDtb } from './guest-dtb';
import type { GuestMemory } from './guest-memory';

/**
 * Lays out and loads a new guest (Xen's libxenguest "dom builder"): the kernel
 * ELF by physical address, the initial ramdisk if there is one, and at the
 * top of boot RAM the VMM's pages — the DTB, the xenstore and console rings,
 * shared-info and start-info — reserved in the DTB so the guest does not use
 * them as ordinary RAM.
 */

/** Size of the VMM's region at the top of boot RAM. */
export const VMM_REGION_SIZE = 64 * 1024;
const MAX_DTB = VMM_REGION_SIZE - 4 * PAGE_SIZE;

export interface GuestLayout {
  entry: number;
  dtb: number;
  startInfo: number;
  sharedInfo: number;
  console: number;
  xenstore: number;
  reservedBase: number;
  /** End of the kernel image (highest byte loaded + 1). */
  kernelEnd: number;
  /** Guest-physical [start, end) of the initial ramdisk, or null. */
  ramdisk: { start: number; end: number } | null;
}

export class DomainBuildError extends Error {
  override name = 'DomainBuildError';
}

/** Load the kernel and compute the layout. `bootBytes` is the RAM populated at boot. */
export function loadKernel(mem: GuestMemory, cfg: DomainConfig, bootBytes: number): GuestLayout {
  let image;
  try {
    image = parseElf(cfg.kernel);
  } catch (e) {
    throw new DomainBuildError(
      `kernel for "${cfg.name}": ${e instanceof ElfError ? e.message : String(e)}`,
    );
  }
  const top = mem.base + bootBytes;
  const reservedBase = top - VMM_REGION_SIZE;
  let kernelEnd = 0;
  for (const seg of image.segments) {
    const end = seg.paddr + seg.memsz;
    if (seg.paddr < mem.base || end > reservedBase) {
      throw new DomainBuildError(
        `kernel for "${cfg.name}": segment 0x${seg.paddr.toString(16)}–0x${(end - 1).toString(16)} ` +
          `does not fit in guest RAM 0x${mem.base.toString(16)}–0x${(reservedBase - 1).toString(16)} ` +
          `(memory = ${cfg.memory} MiB)`,
      );
    }
    kernelEnd = Math.max(kernelEnd, end);
  }
  if (image.entry < mem.base || image.entry >= reservedBase) {
    throw new DomainBuildError(
      `kernel for "${cfg.name}": entry 0x${image.entry.toString(16)} is outside its RAM`,
    );
  }
  for (const seg of image.segments) {
    const off = seg.paddr - mem.base;
    mem.ram.set(seg.data, off);
    mem.ram.fill(0, off + seg.data.length, off + seg.memsz);
  }
  let ramdisk: GuestLayout['ramdisk'] = null;
  if (cfg.ramdisk !== undefined && cfg.ramdisk.length > 0) {
    const start = placeRamdisk(mem.base, bootBytes, kernelEnd, reservedBase, cfg.ramdisk.length);
    if (start === null) {
      throw new DomainBuildError(
        `ramdisk for "${cfg.name}" (${cfg.ramdisk.length} bytes) does not fit in guest RAM between ` +
          `the kernel (ends 0x${kernelEnd.toString(16)}) and 0x${reservedBase.toString(16)} ` +
          `(memory = ${cfg.memory} MiB)`,
      );
    }
    mem.writeBytes(start, cfg.ramdisk);
    ramdisk = { start, end: start + cfg.ramdisk.length };
  }
  return {
    entry: image.entry,
    dtb: reservedBase,
    xenstore: top - 4 * PAGE_SIZE,
    console: top - 3 * PAGE_SIZE,
    sharedInfo: top - 2 * PAGE_SIZE,
    startInfo: top - PAGE_SIZE,
    reservedBase,
    kernelEnd,
    ramdisk,
  };
}

const MiB = 1024 * 1024;
const pageDown = (a: number): number => Math.floor(a / PAGE_SIZE) * PAGE_SIZE;
const pageUp = (a: number): number => Math.ceil(a / PAGE_SIZE) * PAGE_SIZE;

/**
 * Where the initial ramdisk goes, page aligned: as QEMU's riscv_load_initrd
 * (hw/riscv/boot.c) puts it — half way into RAM below 256 MiB, at 128 MiB
 * above, far enough from the kernel that unpacking it does not clobber the
 * image and low enough for a 32-bit kernel's linear map — or, when that spot
 * collides with the kernel or the VMM's pages, as high as it fits below them.
 * Null when it fits nowhere above the kernel.
 */
export function placeRamdisk(
  ramBase: number,
  bootBytes: number,
  kernelEnd: number,
  reservedBase: number,
  size: number,
): number | null {
  const preferred = pageDown(ramBase + (bootBytes < 256 * MiB ? bootBytes / 2 : 128 * MiB));
  const lowest = pageUp(Math.max(kernelEnd, ramBase));
  if (preferred >= lowest && preferred + size <= reservedBase) return preferred;
  const high = pageDown(reservedBase - size);
  return high >= lowest ? high : null;
}

export interface StartInfoFields {
  nrPages: number;
  privileged: boolean;
  storeEvtchn: number;
  consoleEvtchn: number;
  cmdline: string;
}

/** Fill the start-info page (xen.h `struct start_info`, ilp32). */
export function writeStartInfo(mem: GuestMemory, layout: GuestLayout, f: StartInfoFields): void {
  const base = mem.offsetOf(layout.startInfo, PAGE_SIZE);
  mem.ram.fill(0, base, base + PAGE_SIZE);
  const v = mem.view;
  mem.ram.set(new TextEncoder().encode(START_INFO_MAGIC), base + StartInfo.magic);
  v.setUint32(base + StartInfo.nr_pages, f.nrPages, true);
  v.setUint32(base + StartInfo.shared_info, layout.sharedInfo, true);
  v.setUint32(base + StartInfo.flags, f.privileged ? SIF.privileged | SIF.initdomain : 0, true);
  v.setUint32(base + StartInfo.store_mfn, layout.xenstore / PAGE_SIZE, true);
  v.setUint32(base + StartInfo.store_evtchn, f.storeEvtchn, true);
  v.setUint32(base + StartInfo.console_mfn, layout.console / PAGE_SIZE, true);
  v.setUint32(base + StartInfo.console_evtchn, f.consoleEvtchn, true);
  if (layout.ramdisk) {
    // The guest starts with paging off, so its virtual addresses are physical ones.
    v.setUint32(base + StartInfo.mod_start, layout.ramdisk.start, true);
    v.setUint32(base + StartInfo.mod_len, layout.ramdisk.end - layout.ramdisk.start, true);
  }
  const cmd = new TextEncoder().encode(f.cmdline).subarray(0, MAX_GUEST_CMDLINE - 1);
  mem.ram.set(cmd, base + StartInfo.cmd_line);
}

export interface DtbFields {
  vcpus: number;
  bootBytes: number;
}

/** Build the DTB and place it at layout.dtb. */
export function writeGuestDtb(
  mem: GuestMemory,
  cfg: DomainConfig,
  layout: GuestLayout,
  f: DtbFields,
): void {
  const dtb = buildGuestDtb({
    type: cfg.type,
    vcpus: f.vcpus,
    ramBase: mem.base,
    ramSize: f.bootBytes,
    bootargs: cfg.cmdline,
    stdoutPath: cfg.stdoutPath,
    initrd: layout.ramdisk ?? undefined,
    devices: cfg.devices ?? [],
    startInfo: cfg.type === 'pv' ? layout.startInfo : undefined,
    sharedInfo: layout.sharedInfo,
    reserved: { address: layout.reservedBase, size: VMM_REGION_SIZE },
  });
  if (dtb.length > MAX_DTB)
    throw new DomainBuildError(
      `device tree of "${cfg.name}" is ${dtb.length} bytes, over ${MAX_DTB}`,
    );
  mem.writeBytes(layout.dtb, dtb);
}

/** Zero the shared pages (a reboot reuses them). */
export function clearSharedPages(mem: GuestMemory, layout: GuestLayout): void {
  for (const gpa of [layout.sharedInfo, layout.console, layout.xenstore]) {
    const off = mem.offsetOf(gpa, PAGE_SIZE);
    mem.ram.fill(0, off, off + PAGE_SIZE);
  }
}
