/*
 * Hypercalls. On Tabvisor a PV hypercall is an SBI call to the vendor
 * extension PV_SBI_EXT: a7 = extension, a6 = the Xen hypercall number
 * (xen/include/public/xen.h __HYPERVISOR_*), a0..a5 = its arguments. The VMM
 * answers a0 = SBI error (SBI_ERR_NOT_SUPPORTED: no such hypercall) and
 * a1 = the hypercall's result, >= 0 or -errno (include/tabvisor/hypercall.h).
 * Pointers are virtual addresses; Sprout's identity map makes them physical too.
 */
#include <sprout/kernel.h>
#include <sprout/sbi.h>
#include <sprout/xen.h>
#include <tabvisor/errno.h>

struct start_info *start_info;
volatile struct shared_info *shared_info;

/* Calls per hypercall and sub-op, for `hv`. */
static const char *const names[] = {
    [__HYPERVISOR_memory_op] = "memory_op",     [__HYPERVISOR_xen_version] = "xen_version",
    [__HYPERVISOR_console_io] = "console_io",   [__HYPERVISOR_grant_table_op] = "grant_table_op",
    [__HYPERVISOR_sched_op] = "sched_op",       [__HYPERVISOR_event_channel_op] = "event_channel_op",
    [__HYPERVISOR_tabvisor_op] = "tabvisor_op",
};
#define MAX_NR (__HYPERVISOR_tabvisor_op + 1)
#define MAX_CMD 16
static unsigned long counts[MAX_NR][MAX_CMD];

long hypercall(unsigned long nr, unsigned long a0, unsigned long a1, unsigned long a2) {
    if (nr < MAX_NR) counts[nr][a0 < MAX_CMD ? a0 : MAX_CMD - 1]++;
    sbi_calls++;
    struct sbiret r = sbi_ecall(PV_SBI_EXT, nr, a0, a1, a2, 0, 0, 0);
    return r.error == SBI_SUCCESS ? r.value : -XEN_ENOSYS;
}

long HYPERVISOR_console_io(int cmd, int count, char *buf) {
    return hypercall(__HYPERVISOR_console_io, (unsigned long)cmd, (unsigned long)count, (unsigned long)buf);
}
long HYPERVISOR_sched_op(int cmd, void *arg) { return hypercall(__HYPERVISOR_sched_op, (unsigned long)cmd, (unsigned long)arg, 0); }
long HYPERVISOR_event_channel_op(int cmd, void *arg) {
    return hypercall(__HYPERVISOR_event_channel_op, (unsigned long)cmd, (unsigned long)arg, 0);
}
long HYPERVISOR_grant_table_op(int cmd, void *uop, unsigned count) {
    return hypercall(__HYPERVISOR_grant_table_op, (unsigned long)cmd, (unsigned long)uop, count);
}
long HYPERVISOR_memory_op(int cmd, void *arg) { return hypercall(__HYPERVISOR_memory_op, (unsigned long)cmd, (unsigned long)arg, 0); }
long HYPERVISOR_xen_version(int cmd, void *arg) { return hypercall(__HYPERVISOR_xen_version, (unsigned long)cmd, (unsigned long)arg, 0); }
long HYPERVISOR_tabvisor_op(int cmd, void *arg) { return hypercall(__HYPERVISOR_tabvisor_op, (unsigned long)cmd, (unsigned long)arg, 0); }

bool hypervisor_present(void) { return sbi_probe(PV_SBI_EXT); }

/* Sub-op names, per hypercall (the VMM's exit counters use the same "hypercall:op.sub" names). */
static const char *sub_name(unsigned nr, unsigned cmd) {
    static const char *const sched[] = {"yield", "block", "shutdown", "poll", "remote_shutdown", "shutdown_code", "watchdog"};
    static const char *const evtchn[] = {"bind_interdomain", "bind_virq", "?", "close", "send", "status", "alloc_unbound", "?", "?", "unmask"};
    static const char *const gnttab[] = {"map_grant_ref", "unmap_grant_ref", "setup_table", "?", "?", "copy", "query_size"};
    static const char *const console[] = {"write", "read"};
    static const char *const version[] = {"version", "extraversion", "compile_info", "capabilities", "changeset", "platform_parameters", "get_features", "pagesize", "guest_handle"};
    static const char *const tabvisor[] = {"exit_counters"};
    static const char *const memory[] = {"increase_reservation", "decrease_reservation", "maximum_ram_page", "current_reservation", "maximum_reservation", "?", "populate_physmap"};
#define PICK(a) return cmd < ARRAY_SIZE(a) ? a[cmd] : "?"
    switch (nr) {
    case __HYPERVISOR_sched_op: PICK(sched);
    case __HYPERVISOR_event_channel_op: PICK(evtchn);
    case __HYPERVISOR_grant_table_op: PICK(gnttab);
    case __HYPERVISOR_console_io: PICK(console);
    case __HYPERVISOR_xen_version: PICK(version);
    case __HYPERVISOR_memory_op: PICK(memory);
    case __HYPERVISOR_tabvisor_op: PICK(tabvisor);
    }
    return "?";
#undef PICK
}

int hypercall_stats(struct hypercall_stat *out, int max) {
    static char labels[24][40];
    int n = 0;
    for (unsigned nr = 0; nr < MAX_NR; nr++)
        for (unsigned cmd = 0; cmd < MAX_CMD; cmd++)
            if (counts[nr][cmd] && n < max && n < (int)ARRAY_SIZE(labels)) {
                snprintf(labels[n], sizeof labels[n], "%s.%s", names[nr] ? names[nr] : "?", sub_name(nr, cmd));
                out[n].name = labels[n];
                out[n].count = counts[nr][cmd];
                n++;
            }
    return n;
}
