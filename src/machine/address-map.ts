/**
 * The physical memory map of the guest machine: QEMU's RISC-V `virt` board
 * (hw/riscv/virt.c, `virt_memmap[]`, QEMU 7.2), restricted to the devices
 * Tabvisor emulates. This one table drives the bus (machine.ts), the device
 * tree (dtb.ts) and the guest's C header, so they cannot disagree.
 *
 * Sizes were checked against `qemu-system-riscv32 -M virt,dumpdtb=…` (7.2):
 * the PLIC window is 0x600000 because QEMU sizes it for VIRT_CPUS_MAX harts
 * (0x200000 + 2 contexts × 512 harts × 0x1000), not for the harts present.
 */
export interface MmioWindow {
  readonly base: number;
  readonly size: number;
}

export const VIRT_MEMMAP = {
  /** SiFive test finisher / syscon (poweroff, reboot). */
  test: { base: 0x0010_0000, size: 0x1000 },
  /** SiFive CLINT: msip, mtimecmp, mtime. */
  clint: { base: 0x0200_0000, size: 0x1_0000 },
  /** SiFive PLIC. */
  plic: { base: 0x0c00_0000, size: 0x60_0000 },
  /** NS16550A UART 0. */
  uart0: { base: 0x1000_0000, size: 0x100 },
  /** Main memory; its size is chosen per machine (`ramSize`). */
  dram: { base: 0x8000_0000, size: 0 },
} as const satisfies Record<string, MmioWindow>;

/** PLIC source number of UART 0 (virt.h, UART0_IRQ). */
export const UART0_IRQ = 10;

/** UART input clock advertised in the DTB (QEMU virt: 3.6864 MHz, 0x384000). */
export const UART0_CLOCK_HZ = 3_686_400;

/** mtime ticks per second, as QEMU virt's `timebase-frequency` (10 MHz). */
export const TIMEBASE_HZ = 10_000_000;

/** Number of PLIC interrupt sources advertised as `riscv,ndev` (QEMU virt: 0x60). */
export const PLIC_NDEV = 0x60;

/** PLIC priority levels: QEMU virt implements 3 priority bits (VIRT_IRQCHIP_NUM_PRIO_BITS). */
export const PLIC_PRIORITY_MASK = 0x7;

/** Default main memory: 128 MiB, QEMU's default for `virt`. */
export const DEFAULT_RAM_SIZE = 128 * 1024 * 1024;

/**
 * Where QEMU places the DTB when it loads the kernel itself (hw/riscv/boot.c,
 * riscv_load_fdt, 7.2): as high as possible below the end of RAM (or 3 GiB,
 * whichever is lower, so RV32 can address it), rounded down to 2 MiB.
 */
export function dtbAddress(ramBase: number, ramSize: number, dtbSize: number): number {
  const MiB = 1024 * 1024;
  const top = Math.min(ramBase + ramSize, 3072 * MiB);
  const addr = Math.floor((top - dtbSize) / (2 * MiB)) * 2 * MiB;
  if (addr <= ramBase) {
    // Tiny RAM (< 4 MiB): QEMU would put the DTB over the kernel at the start of
    // RAM; use the highest 8-byte aligned spot that fits instead.
    return Math.floor((ramBase + ramSize - dtbSize) / 8) * 8;
  }
  return addr;
}
