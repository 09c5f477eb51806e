/*
 * The PV hypercall interface: one vendor SBI extension (a7 = PV_SBI_EXT)
 * whose function id (a6) is the Xen hypercall number (xen/include/public/xen.h)
 * and whose arguments are a0..a5. The VMM returns the SBI error in a0
 * (SBI_SUCCESS when the hypercall was dispatched, SBI_ERR_NOT_SUPPORTED for an
 * unknown number) and the hypercall's own result, >= 0 or -errno, in a1.
 * Pointer arguments are guest virtual addresses, translated through satp.
 * Mirrors src/vmm/abi/hypercall.ts.
 */
#ifndef TABVISOR_HYPERCALL_H
#define TABVISOR_HYPERCALL_H
#include <stdint.h>

/* "\x09XEN", inside the vendor range 0x09000000-0x09FFFFFF (SBI §3). */
#define PV_SBI_EXT 0x0958454E

/* xen.h __HYPERVISOR_* */
#define __HYPERVISOR_memory_op 12
#define __HYPERVISOR_xen_version 17
#define __HYPERVISOR_console_io 18
#define __HYPERVISOR_grant_table_op 20
#define __HYPERVISOR_sched_op 29
#define __HYPERVISOR_event_channel_op 32
/* Tabvisor's vendor hypercall, in Xen's slot for architecture use (__HYPERVISOR_arch_0). */
#define __HYPERVISOR_tabvisor_op 48

/* console_io(cmd, count, buffer): xen.h CONSOLEIO_* */
#define CONSOLEIO_write 0
#define CONSOLEIO_read 1

/* sched_op(cmd, arg): sched.h SCHEDOP_* */
#define SCHEDOP_yield 0
#define SCHEDOP_block 1
#define SCHEDOP_shutdown 2
#define SCHEDOP_poll 3
#define SCHEDOP_remote_shutdown 4
#define SCHEDOP_shutdown_code 5
#define SCHEDOP_watchdog 6

/* struct sched_shutdown reasons: sched.h SHUTDOWN_* */
#define SHUTDOWN_poweroff 0
#define SHUTDOWN_reboot 1
#define SHUTDOWN_suspend 2
#define SHUTDOWN_crash 3
#define SHUTDOWN_watchdog 4

struct sched_shutdown {
    unsigned int reason;
};

struct sched_poll {
    uint32_t *ports;       /* evtchn_port_t * */
    unsigned int nr_ports;
    uint64_t timeout;      /* guest system time, ns; 0 = none */
};
#define SCHED_POLL_MAX_PORTS 128

/* memory_op(cmd, arg): memory.h XENMEM_* */
#define XENMEM_increase_reservation 0
#define XENMEM_decrease_reservation 1
#define XENMEM_maximum_ram_page 2
#define XENMEM_current_reservation 3
#define XENMEM_maximum_reservation 4
#define XENMEM_populate_physmap 6

struct xen_memory_reservation {
    uint32_t *extent_start;    /* xen_pfn_t * */
    unsigned long nr_extents;
    unsigned int extent_order;
    unsigned int mem_flags;
    uint16_t domid;
};

/* xen_version(cmd, arg): version.h XENVER_* */
#define XENVER_version 0
#define XENVER_extraversion 1
#define XENVER_compile_info 2
#define XENVER_capabilities 3
#define XENVER_changeset 4
#define XENVER_platform_parameters 5
#define XENVER_get_features 6
#define XENVER_pagesize 7
#define XENVER_guest_handle 8

/* What this VMM reports: Xen 4.17's interface. */
#define XEN_VERSION_MAJOR 4
#define XEN_VERSION_MINOR 17
#define XEN_EXTRAVERSION "-tabvisor"
#define XEN_CAPABILITIES "xen-3.0-riscv32"

/* tabvisor_op(cmd, arg) sub-ops. */
#define TABVISOROP_exit_counters 0

/*
 * TABVISOROP_exit_counters: the caller sets max_entries and provides that many
 * entries after the header; the VMM copies its VM-exit counters for the
 * calling domain, largest first, and sets nr_entries (written), nr_reasons
 * (counters it keeps) and total_exits (all exits, low 32 bits). Returns
 * nr_entries, or -XEN_EFAULT (bad pointer) / -XEN_EINVAL (max_entries too big).
 */
#define TABVISOR_REASON_LEN 44
#define TABVISOR_EXIT_COUNTERS_MAX 64

struct tabvisor_exit_counter {
    char reason[TABVISOR_REASON_LEN]; /* the VMM's reason, e.g. "port:ide0", NUL-terminated */
    uint32_t count;                   /* low 32 bits */
};

struct tabvisor_exit_counters {
    uint32_t max_entries; /* IN */
    uint32_t nr_entries;  /* OUT */
    uint32_t nr_reasons;  /* OUT */
    uint32_t total_exits; /* OUT */
    struct tabvisor_exit_counter entries[];
};

/* Special domain ids (xen.h). */
#define DOMID_SELF 0x7FF0
#define DOMID_FIRST_RESERVED 0x7FF0

/* Every guest page is 4 KiB (Sv32). */
#define PAGE_SHIFT 12
#define PAGE_SIZE (1 << PAGE_SHIFT)

#endif
