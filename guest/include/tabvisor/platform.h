/*
 * Guest-physical platform facts that are VMM policy rather than Xen ABI.
 * Sprout reads its devices from the DTB; these values are only the fallback
 * where a DTB says nothing. Mirrors src/vmm/abi/platform.ts.
 */
#ifndef TABVISOR_PLATFORM_H
#define TABVISOR_PLATFORM_H

/* PLIC source of the event-channel upcall; its level is vcpu_info[0].evtchn_upcall_pending. */
#define EVTCHN_UPCALL_IRQ 31

/* Where GNTMAP_host_map places foreign frames. */
#define GRANT_MAP_WINDOW_BASE 0x70000000
#define GRANT_MAP_WINDOW_SIZE 0x01000000

/* Timebase of the time CSR and SBI set_timer: 10 MHz, as QEMU virt. */
#define TIMEBASE_HZ 10000000

/* ISA I/O-port window: port N is at ISA_IO_BASE + N. */
#define ISA_IO_BASE 0x03000000
#define ISA_IO_SIZE 0x10000

/* ISA memory window: ISA address A is at ISA_MEMORY_BASE + A (VGA text at 0x040B8000). */
#define ISA_MEMORY_BASE 0x04000000
#define ISA_MEMORY_SIZE 0x00100000

/* Linear framebuffer of the Bochs VBE model. */
#define VGA_LFB_BASE 0x50000000
#define VGA_LFB_SIZE 0x01000000

#endif
