/*
 * Sprout's boot sequence. Like Mini-OS (Xen's minimal PV kernel), it is one
 * straight line: traps, memory, time, interrupts, then the devices of the
 * mode it finds itself in, an address for each NIC (DHCP), the file
 * system, and the shell.
 *
 *   HVM  the DTB lists emulated PC devices behind the ISA I/O window: Sprout
 *        binds each one it has a driver for (drivers/).
 *   PV   the DTB's /hypervisor node points at start_info: Sprout sets up
 *        event channels, the PV console, grant tables and xenbus, and finds
 *        its disks and NICs in xenstore (xen/).
 */
#include <sprout/block.h>
#include <sprout/console.h>
#include <sprout/device.h>
#include <sprout/drivers.h>
#include <sprout/dtb.h>
#include <sprout/fs.h>
#include <sprout/irq.h>
#include <sprout/kernel.h>
#include <sprout/mm.h>
#include <sprout/net.h>
#include <sprout/riscv.h>
#include <sprout/sbi.h>
#include <sprout/shell.h>
#include <sprout/timer.h>
#include <sprout/trap.h>
#include <sprout/xen.h>
#include <sprout/xenbus.h>

#define SPROUT_VERSION "0.1"

extern char __kernel_start[], __kernel_end[];
enum boot_mode boot_mode;
static char cmdline[256];

static void sbi_console_write(const char *s, size_t n) { sbi_debug_write(s, n); }

/* RAM and what in it is not ours to allocate: the kernel and the VMM's pages. */
static void memory_init(void) {
    int mem = dtb_find_path("/memory");
    if (mem < 0) mem = dtb_find_compatible("memory", 0);
    uint64_t base, size;
    if (!dtb_reg(mem, 0, &base, &size)) panic("no /memory node in the device tree");
    page_alloc_init((uintptr_t)base, (uintptr_t)(base + size));
    page_reserve((uintptr_t)__kernel_start, (uintptr_t)__kernel_end);
    uint64_t rbase, rsize;
    for (int i = 0; dtb_reservation(i, &rbase, &rsize); i++) page_reserve((uintptr_t)rbase, (uintptr_t)(rbase + rsize));
    printk("memory: %lu KiB RAM at 0x%08lx, kernel 0x%08lx-0x%08lx, %lu KiB free\n",
           (unsigned long)(size / 1024), (unsigned long)base, (unsigned long)__kernel_start,
           (unsigned long)__kernel_end - 1, pages_free() * 4);
    /* A sixteenth of RAM for the heap (block cache, file buffers), 256 KiB to 2 MiB. */
    size_t heap = (size_t)(size / 16);
    heap = MAX(heap, 256 * 1024);
    heap = MIN(heap, 2 * 1024 * 1024);
    heap_init(heap);
    paging_init();
    printk("paging: Sv32 on, identity map, %lu page-table pages; heap %lu KiB\n", paging_table_pages(),
           (unsigned long)(heap_size() / 1024));
}

/* The HVM devices: each DTB node under /soc that a driver knows. */
static const struct {
    const char *compatible;
    int (*probe)(int node);
} hvm_drivers[] = {
    {"ns16550a", uart16550_probe},       {"tabvisor,vga", vga_text_probe},
    {"intel,8042", ps2_keyboard_probe},  {"motorola,mc146818", rtc_probe},
    {"ata-generic", ata_probe},          {"tabvisor,isa-ide", ata_probe},
    {"tabvisor,ne2000", ne2000_probe},
};

static void hvm_devices(void) {
    int soc = dtb_find_path("/soc");
    int depth = 0, d;
    int n = soc;
    if (soc < 0) return;
    /* Pass 1 binds the UART first so the rest of the boot log appears on it as it happens. */
    for (int pass = 0; pass < 2; pass++) {
        d = depth;
        for (n = dtb_next_node(soc, &d); n >= 0 && d > depth; n = dtb_next_node(n, &d)) {
            if (dtb_is_compatible(n, "riscv,plic0")) continue;
            bool serial = dtb_is_compatible(n, "ns16550a");
            if ((pass == 0) != serial) continue;
            bool bound = false, known = false;
            for (unsigned i = 0; i < ARRAY_SIZE(hvm_drivers) && !bound; i++) {
                if (!dtb_is_compatible(n, hvm_drivers[i].compatible)) continue;
                known = true;
                int r = hvm_drivers[i].probe(n);
                if (r == 0) bound = true;
                else printk("%s: probe failed: %s\n", dtb_node_name(n), strerror(r));
            }
            if (!known) printk("%s: no driver\n", dtb_node_name(n));
        }
    }
    /* The VGA also has a framebuffer (Bochs VBE), for the gfx command. */
    int vga = dtb_find_compatible("tabvisor,vga", 0);
    int r = vga >= 0 ? bochs_vbe_probe(vga) : 0;
    if (r) printk("fb0: no Bochs VBE framebuffer: %s\n", strerror(r));
}

/*
 * PV control (xl shutdown / xl reboot): the toolstack writes "poweroff" or
 * "reboot" to control/shutdown once we have said we understand it
 * (control/feature-poweroff, -reboot). The watch fires while the shell waits.
 */
static void control_watch(const char *path, const char *token) {
    char v[16];
    if (strcmp(token, "control") != 0) return;
    if (xenbus_read(XBT_NIL, "control/shutdown", v, sizeof v) != 0 || !v[0]) return;
    xenbus_write(XBT_NIL, "control/shutdown", "");
    printk("xenbus: the toolstack asks for %s\n", v);
    if (strcmp(v, "poweroff") == 0 || strcmp(v, "halt") == 0) system_poweroff();
    if (strcmp(v, "reboot") == 0) system_reboot();
}

static void pv_control_init(void) {
    xenbus_write(XBT_NIL, "control/feature-poweroff", "1");
    xenbus_write(XBT_NIL, "control/feature-reboot", "1");
    xenbus_set_watch_handler(control_watch);
    xenbus_watch("control/shutdown", "control");
}

static void pv_devices(void) {
    printk("start_info: %s, %lu pages, shared_info 0x%08lx, flags 0x%lx\n", start_info->magic,
           (unsigned long)start_info->nr_pages, (unsigned long)start_info->shared_info,
           (unsigned long)start_info->flags);
    printk("start_info: xenstore frame 0x%lx port %lu, console frame 0x%lx port %lu\n",
           (unsigned long)start_info->store_mfn, (unsigned long)start_info->store_evtchn,
           (unsigned long)start_info->console_mfn, (unsigned long)start_info->console_evtchn);
    int hyp = dtb_find_compatible("xen,xen", 0);
    uint32_t upcall = 31;
    dtb_prop_u32(hyp, "interrupts", &upcall);
    events_init(start_info->shared_info, upcall);
    xencons_init();
    gnttab_init();
    if (xenbus_init() == 0) {
        pv_control_init();
        blkfront_probe();
        netfront_probe();
    }
}

/* Which mode: a PV guest's /hypervisor node names its start_info page. */
static void detect_mode(const struct start_info *si_reg) {
    int hyp = dtb_find_compatible("xen,xen", 0);
    int len;
    const uint8_t *p = dtb_prop(hyp, "tabvisor,start-info", &len);
    uintptr_t si = 0;
    if (p && len == 8) si = (uintptr_t)be32(p + 4);
    else if (si_reg) si = (uintptr_t)si_reg;
    if (si && memcmp(((struct start_info *)si)->magic, "xen-3.0-", 8) == 0) {
        start_info = (struct start_info *)si;
        boot_mode = MODE_PV;
    } else {
        boot_mode = MODE_HVM;
    }
}

void kernel_main(unsigned long hartid, const void *dtb, struct start_info *si) {
    if (hartid != 0)
        for (;;) wfi(); /* only hart 0 boots; the others stay stopped (SBI HSM) */
    trap_init();
    if (!dtb_init(dtb)) panic("no device tree at %p", dtb);
    detect_mode(si);
    printk("Sprout %s (rv32imac, S-mode) booting in %s mode on hart %lu\n", SPROUT_VERSION,
           is_pv() ? "PV" : "HVM", hartid);
    const char *model = dtb_prop_string(dtb_find_path("/"), "model");
    const char *args = is_pv() ? start_info->cmd_line : dtb_prop_string(dtb_find_path("/chosen"), "bootargs");
    strlcpy(cmdline, args ? args : "", sizeof cmdline);
    printk("machine: %s, device tree at 0x%08lx (%lu bytes), command line \"%s\"\n", model ? model : "?",
           (unsigned long)dtb, (unsigned long)dtb_total_size(), cmdline);
    uint32_t timebase = 0;
    dtb_prop_u32(dtb_find_path("/cpus"), "timebase-frequency", &timebase);
    timer_init(timebase);
    memory_init();
    printk("timer: %lu Hz timebase, SBI set_timer (tickless)\n", (unsigned long)timer_hz());
    if (plic_init(dtb_find_compatible("riscv,plic0", 0)) != 0) printk("plic: none found\n");
    if (is_pv()) pv_devices();
    else hvm_devices();
    if (!console_has_sink()) {
        /* No console driver bound: fall back to the SBI debug console so the shell is still usable. */
        static struct console_sink sbi_sink = {"sbi", sbi_console_write, 0};
        console_add_sink(&sbi_sink);
        printk("console: SBI debug console (no console device found)\n");
    }
    net_boot(); /* DHCP on each NIC found; nothing without one */
    struct block_device *bd = block_first();
    if (bd) {
        int r = fs_mount(bd);
        if (r < 0) printk("fs: cannot mount %s: %s\n", bd->name, strerror(r));
    } else {
        printk("disk: none; the file commands need one\n");
    }
    printk("boot: %s mode, %d devices, ready in %lu ms\n", is_pv() ? "PV" : "HVM", device_count(),
           (unsigned long)timer_ms());
    shell_run();
}

static void shutdown_devices(void) {
    if (fs_mounted()) fs_sync();
    if (is_pv()) {
        netfront_shutdown();
        blkfront_shutdown();
    }
}

void system_poweroff(void) {
    shutdown_devices();
    printk("Power down.\n");
    if (is_pv()) xencons_flush();
    sbi_system_reset(SBI_SRST_TYPE_SHUTDOWN, SBI_SRST_REASON_NO_REASON);
}

void system_reboot(void) {
    shutdown_devices();
    printk("Restarting system.\n");
    if (is_pv()) xencons_flush();
    sbi_system_reset(SBI_SRST_TYPE_COLD_REBOOT, SBI_SRST_REASON_NO_REASON);
}
