/**
 * Guest-physical platform facts that are VMM policy rather than Xen ABI.
 */

/**
 * PLIC source that carries the event-channel upcall (like Xen on Arm's PPI 31):
 * its level is vcpu_info[0].evtchn_upcall_pending, so the guest acknowledges
 * upcalls through the PLIC's claim/complete and the VMM sees every transition.
 */
export const EVTCHN_UPCALL_IRQ = 31;

/**
 * Window of guest-physical address space where GNTMAP_host_map places foreign
 * frames (outside RAM, so every access there goes through the VMM, which keeps
 * readonly grants readonly).
 */
export const GRANT_MAP_WINDOW_BASE = 0x70000000;
export const GRANT_MAP_WINDOW_SIZE = 0x01000000;

/** Timebase of every guest's `time` CSR and SBI set_timer: 10 MHz, as QEMU virt. */
export const TIMEBASE_HZ = 10_000_000;

/**
 * ISA I/O-port window: port N of an HVM guest is at guest-physical
 * ISA_IO_BASE + N (QEMU virt's PCIe PIO window, 64 KiB).
 */
export const ISA_IO_BASE = 0x03000000;
export const ISA_IO_SIZE = 0x10000;

/**
 * ISA memory window: ISA physical address A of an HVM guest is at
 * guest-physical ISA_MEMORY_BASE + A, so the VGA text buffer (ISA 0xB8000)
 * sits at 0x040B8000. Beside the I/O-port window, below RAM, as on PC boards.
 */
export const ISA_MEMORY_BASE = 0x04000000;
export const ISA_MEMORY_SIZE = 0x00100000;

/** Linear framebuffer of the Bochs VBE (VGA) model: 16 MiB, enough for 1920×1080×32. */
export const VGA_LFB_BASE = 0x50000000;
export const VGA_LFB_SIZE = 0x01000000;
