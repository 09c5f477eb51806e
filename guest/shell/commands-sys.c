/* System commands: help, mem, uptime, date, dmesg, lsdev, hv, clear, poweroff, reboot. */
#include <sprout/block-cache.h>
#include <sprout/block.h>
#include <sprout/device.h>
#include <sprout/irq.h>
#include <sprout/kernel.h>
#include <sprout/mm.h>
#include <sprout/riscv.h>
#include <sprout/sbi.h>
#include <sprout/shell.h>
#include <sprout/timer.h>
#include <sprout/trap.h>
#include <sprout/wallclock.h>
#include <sprout/xen.h>
#include <sprout/xenbus.h>

extern char __kernel_start[], __kernel_end[];

static int cmd_mem(int argc, char **argv) {
    unsigned long total = pages_total(), free = pages_free();
    out_printf("RAM       %6lu KiB at 0x%08lx-0x%08lx\n", total * 4, (unsigned long)ram_start(), (unsigned long)ram_end() - 1);
    out_printf("used      %6lu KiB (%lu pages)\n", (total - free) * 4, total - free);
    out_printf("free      %6lu KiB (%lu pages)\n", free * 4, free);
    out_printf("kernel    %6lu KiB at 0x%08lx\n", (unsigned long)(__kernel_end - __kernel_start) / 1024,
               (unsigned long)__kernel_start);
    out_printf("heap      %6lu KiB used of %lu KiB\n", (unsigned long)(heap_used() / 1024), (unsigned long)(heap_size() / 1024));
    out_printf("paging    Sv32, %lu page-table pages; mappings:\n", paging_table_pages());
    paging_dump();
    return 0;
}

static int cmd_uptime(int argc, char **argv) {
    uint64_t ms = timer_ms();
    out_printf("up %lu.%03lu s (guest time), %lu timer interrupts, %llu instructions retired\n",
               (unsigned long)(ms / 1000), (unsigned long)(ms % 1000), timer_interrupts(),
               (unsigned long long)rdinstret64());
    return 0;
}

static int cmd_date(int argc, char **argv) {
    static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    struct rtc_time t;
    if (!wallclock_now(&t)) {
        printf("date: no wall clock (%s mode has none the VMM sets)\n", is_pv() ? "PV" : "HVM");
        return -ENODEV;
    }
    out_printf("%s %04d-%02d-%02d %02d:%02d:%02d UTC\n", days[day_of_week(&t)], t.year, t.month, t.day, t.hour,
               t.minute, t.second);
    return 0;
}

static int cmd_dmesg(int argc, char **argv) {
    size_t off = 0, len;
    const char *p;
    while ((p = dmesg_at(off, &len)), len) {
        out_write(p, len);
        off += len;
    }
    return 0;
}

static int cmd_lsdev(int argc, char **argv) {
    out_printf("%-8s %-24s %9s %6s  %s\n", "DEVICE", "DRIVER", "I/O EXITS", "IRQS", "WHERE");
    for (int i = 0; i < device_count(); i++) {
        struct device *d = device_at(i);
        out_printf("%-8s %-24s %9lu %6lu  %s\n", d->name, d->driver, d->io_accesses, d->irqs, d->info);
    }
    struct block_device *bd = block_first();
    if (bd)
        out_printf("disk %s: %llu sectors, %lu requests, %llu sectors read, %llu written, %lu flushes, %lu errors\n",
                   bd->name, (unsigned long long)bd->sectors, bd->requests, (unsigned long long)bd->sectors_read,
                   (unsigned long long)bd->sectors_written, bd->flushes, bd->errors);
    out_printf("interrupt sources:\n");
    irq_list();
    if (is_pv()) {
        out_printf("event channels:\n");
        evtchn_list();
        out_printf("grant references in use: %u of %u\n", gnttab_in_use(), gnttab_capacity());
    }
    return 0;
}

/* `hv` without the VMM's counters (no tabvisor_op): the exits as Sprout itself counts them. */
static void hv_own_counts(void) {
    out_printf("VM exits this guest caused, as Sprout counts them (the VMM does not report its own):\n");
    unsigned long hypercalls = 0;
    struct hypercall_stat st[24];
    int n = hypercall_stats(st, 24);
    for (int i = 0; i < n; i++) hypercalls += st[i].count;
    out_printf("  %-34s %10lu\n", "SBI calls (ecall), all", sbi_calls);
    out_printf("  %-34s %10lu\n", "  of which hypercalls", hypercalls);
    for (int i = 0; i < n; i++) out_printf("    hypercall:%-30s %8lu\n", st[i].name, st[i].count);
    unsigned long io = 0;
    for (int i = 0; i < device_count(); i++) io += device_at(i)->io_accesses;
    out_printf("  %-34s %10lu\n", "device register accesses", io);
    for (int i = 0; i < device_count(); i++)
        if (device_at(i)->io_accesses) out_printf("    %-32s %8lu\n", device_at(i)->name, device_at(i)->io_accesses);
    out_printf("  %-34s %10lu\n", "timer interrupts", trap_counts_irq[IRQ_S_TIMER]);
    out_printf("  %-34s %10lu\n", "external interrupts", trap_counts_irq[IRQ_S_EXT]);
    if (is_pv()) {
        out_printf("  %-34s %10lu\n", "event-channel upcalls", evtchn_upcalls());
        out_printf("  %-34s %10lu\n", "xenstore requests", xenbus_requests());
    }
}

/*
 * `hv` with the VMM's own per-domain counters (tabvisor_op exit_counters):
 * the largest ones, as the VM server's xl / desktop see them. False when the
 * VMM does not offer the call.
 */
static bool hv_vmm_counters(void) {
    static struct {
        struct tabvisor_exit_counters h;
        struct tabvisor_exit_counter e[TABVISOR_EXIT_COUNTERS_MAX];
    } t;
    if (!hypervisor_present()) return false;
    t.h.max_entries = TABVISOR_EXIT_COUNTERS_MAX;
    long n = HYPERVISOR_tabvisor_op(TABVISOROP_exit_counters, &t);
    if (n < 0) return false;
    out_printf("VM exits of this domain, as the VMM counts them: %lu in all, %lu reasons%s\n",
               (unsigned long)t.h.total_exits, (unsigned long)t.h.nr_reasons,
               t.h.nr_reasons > t.h.nr_entries ? " (the largest shown)" : "");
    for (long i = 0; i < n; i++) {
        t.e[i].reason[TABVISOR_REASON_LEN - 1] = 0;
        out_printf("  %-44s %10lu\n", t.e[i].reason, (unsigned long)t.e[i].count);
    }
    return true;
}

static int cmd_hv(int argc, char **argv) {
    long impl = sbi_impl_id(), spec = sbi_spec_version(), iv = sbi_impl_version();
    char id[5] = {(char)(impl >> 24), (char)(impl >> 16), (char)(impl >> 8), (char)impl, 0};
    out_printf("firmware:   SBI %ld.%ld, implementation 0x%08lx \"%s\" version 0x%lx\n", (spec >> 24) & 0x7f,
               spec & 0xffffff, (unsigned long)impl, id, (unsigned long)iv);
    if (hypervisor_present()) {
        char extra[16] = "", caps[64] = "";
        long v = HYPERVISOR_xen_version(XENVER_version, NULL);
        HYPERVISOR_xen_version(XENVER_extraversion, extra);
        static char capbuf[1024];
        HYPERVISOR_xen_version(XENVER_capabilities, capbuf);
        strlcpy(caps, capbuf, sizeof caps);
        out_printf("hypervisor: Xen interface %ld.%ld%s, %s, via SBI extension 0x%08x\n", v >> 16, v & 0xffff, extra,
                   caps, PV_SBI_EXT);
    }
    out_printf("mode:       %s", is_pv() ? "PV (paravirtualized)" : "HVM (fully virtualized)");
    if (is_pv() && xenbus_ready()) out_printf(", domain %d", xenbus_domid());
    out_printf("\n\n");
    if (!hv_vmm_counters()) hv_own_counts();
    return 0;
}

static int cmd_sleep(int argc, char **argv) {
    uint32_t ms;
    if (argc != 2 || !parse_u32(argv[1], &ms)) {
        printf("usage: sleep MILLISECONDS\n");
        return -EINVAL;
    }
    sleep_ms(ms);
    return 0;
}

static int cmd_clear(int argc, char **argv) {
    printf("\x1b[2J\x1b[H");
    return 0;
}

static int cmd_poweroff(int argc, char **argv) { system_poweroff(); }
static int cmd_reboot(int argc, char **argv) { system_reboot(); }

const struct command sys_commands[] = {
    {"help", "[command]", "list the commands, or explain one", cmd_help},
    {"mem", "", "memory: RAM, heap, page tables", cmd_mem},
    {"uptime", "", "time since boot", cmd_uptime},
    {"date", "", "the date and time (RTC on HVM, shared_info wallclock on PV)", cmd_date},
    {"dmesg", "", "the kernel log", cmd_dmesg},
    {"lsdev", "", "devices and the drivers bound to them", cmd_lsdev},
    {"hv", "", "the hypervisor, and the exits this guest caused", cmd_hv},
    {"sleep", "ms", "wait (the vCPU sleeps until an SBI timer interrupt)", cmd_sleep},
    {"clear", "", "clear the screen", cmd_clear},
    {"poweroff", "", "sync the disk and power off (SBI SRST)", cmd_poweroff},
    {"reboot", "", "sync the disk and restart", cmd_reboot},
    {0, 0, 0, 0},
};
