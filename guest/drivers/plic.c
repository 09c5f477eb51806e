/*
 * The platform-level interrupt controller (RISC-V PLIC Specification 1.0.0;
 * SiFive's layout, as QEMU virt and Tabvisor's VMM implement it):
 *
 *   base + 4*s                   priority of source s (0 = never interrupts)
 *   base + 0x2000 + 0x80*c       enable bits of context c, one per source
 *   base + 0x200000 + 0x1000*c   priority threshold of context c
 *                          + 4   claim (read: the highest pending source) /
 *                                complete (write the source back when done)
 *
 * Context 2h is hart h's M-mode, 2h+1 its S-mode; Sprout runs on hart 0's
 * S-mode context. Found in the DTB as "riscv,plic0" / "sifive,plic-1.0.0".
 */
#include <sprout/device.h>
#include <sprout/drivers.h>
#include <sprout/dtb.h>
#include <sprout/io.h>
#include <sprout/kernel.h>
#include <sprout/mm.h>
#include <sprout/riscv.h>

#define PLIC_PRIORITY 0x0
#define PLIC_ENABLE 0x2000
#define PLIC_ENABLE_STRIDE 0x80
#define PLIC_CONTEXT 0x200000
#define PLIC_CONTEXT_STRIDE 0x1000
#define PLIC_THRESHOLD 0x0
#define PLIC_CLAIM 0x4

static uintptr_t base;
static uint32_t context = 1; /* hart 0, S-mode */
static uint32_t ndev;
static struct device *dev;

int plic_init(int node) {
    uint64_t addr, size;
    if (node < 0 || !dtb_reg(node, 0, &addr, &size)) return -ENODEV;
    base = (uintptr_t)addr;
    if (!dtb_prop_u32(node, "riscv,ndev", &ndev)) ndev = 0x60;
    paging_map(base, (uintptr_t)size, PTE_R | PTE_W, "PLIC");
    /* Threshold 0: every source with priority >= 1 may interrupt. */
    mmio_write32(base + PLIC_CONTEXT + PLIC_CONTEXT_STRIDE * context + PLIC_THRESHOLD, 0);
    dev = device_add("plic0", "drivers/plic.c", "PLIC at 0x%08lx, %lu sources, context %lu (hart 0 S-mode)",
                     (unsigned long)base, (unsigned long)ndev, (unsigned long)context);
    return 0;
}

bool plic_present(void) { return base != 0; }

void plic_enable(uint32_t source, bool on) {
    if (!base || source == 0 || source > ndev) return;
    uintptr_t en = base + PLIC_ENABLE + PLIC_ENABLE_STRIDE * context + 4 * (source / 32);
    mmio_write32(base + PLIC_PRIORITY + 4 * source, on ? 1 : 0);
    uint32_t bits = mmio_read32(en);
    bits = on ? bits | (1u << (source % 32)) : bits & ~(1u << (source % 32));
    mmio_write32(en, bits);
    dev->io_accesses += 3;
}

uint32_t plic_claim(void) {
    if (!base) return 0;
    dev->io_accesses++;
    return mmio_read32(base + PLIC_CONTEXT + PLIC_CONTEXT_STRIDE * context + PLIC_CLAIM);
}

void plic_complete(uint32_t source) {
    dev->io_accesses++;
    mmio_write32(base + PLIC_CONTEXT + PLIC_CONTEXT_STRIDE * context + PLIC_CLAIM, source);
}
