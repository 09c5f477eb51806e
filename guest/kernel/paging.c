/*
 * Sv32 paging (RISC-V privileged spec 1.12 §4.3). A virtual address is
 *
 *   VPN[1] (10 bits) | VPN[0] (10 bits) | offset (12 bits)
 *
 * satp points at a root table of 1024 PTEs; a leaf in the root maps a 4 MiB
 * "megapage", a pointer (R = W = X = 0) leads to a second-level table of
 * 4 KiB pages. A PTE is PPN[1] (12 bits) | PPN[0] (10) | RSW | D A G U X W R V.
 *
 * Sprout maps everything it touches one-to-one (virtual = physical): RAM
 * (the kernel's text read+execute, its rodata read-only, the rest
 * read+write), the PLIC and the device windows its drivers bind. Anything
 * else faults, which catches stray pointers. Hypercall arguments are virtual
 * addresses, so the identity map also keeps them valid for the VMM.
 */
#include <sprout/kernel.h>
#include <sprout/mm.h>
#include <sprout/riscv.h>

#define MEGAPAGE (4u << 20)

extern char __kernel_start[], __text_end[], __rodata_end[], __kernel_end[];

static uint32_t *root;
static unsigned long table_pages;
static bool enabled;

struct mapping {
    uintptr_t start, size;
    uint32_t perms;
    const char *what;
};
static struct mapping maps[24];
static int nmaps;

static uint32_t pte_leaf(uintptr_t pa, uint32_t perms) {
    /* A and D set up front: the hart need not update them (§4.3.1 allows either). */
    return (uint32_t)((pa >> 12) << 10) | perms | PTE_V | PTE_A | PTE_D | PTE_G;
}

static void map_page(uintptr_t a, uint32_t perms) {
    uint32_t *pte1 = &root[a >> 22];
    if (!(*pte1 & PTE_V)) {
        uint32_t *table = page_alloc();
        if (!table) panic("paging: out of memory for page tables");
        table_pages++;
        *pte1 = (uint32_t)(((uintptr_t)table >> 12) << 10) | PTE_V;
    } else if (*pte1 & (PTE_R | PTE_W | PTE_X)) {
        return; /* already inside a megapage */
    }
    uint32_t *table = (uint32_t *)(uintptr_t)((*pte1 >> 10) << 12);
    table[(a >> 12) & 0x3ff] = pte_leaf(a, perms);
}

void paging_map(uintptr_t pa, uintptr_t size, uint32_t perms, const char *what) {
    uintptr_t a = ALIGN_DOWN(pa, PAGE_SIZE);
    uintptr_t stop = ALIGN_UP(pa + size, PAGE_SIZE);
    if (nmaps < (int)ARRAY_SIZE(maps)) maps[nmaps++] = (struct mapping){a, stop - a, perms, what};
    while (a < stop) {
        uint32_t *pte1 = &root[a >> 22];
        if ((a & (MEGAPAGE - 1)) == 0 && stop - a >= MEGAPAGE && !(*pte1 & PTE_V)) {
            *pte1 = pte_leaf(a, perms);
            a += MEGAPAGE;
        } else {
            map_page(a, perms);
            a += PAGE_SIZE;
        }
    }
    if (enabled) sfence_vma();
}

void paging_init(void) {
    root = page_alloc();
    if (!root) panic("paging: no page for the root table");
    table_pages = 1;
    uintptr_t kstart = (uintptr_t)__kernel_start, kend = (uintptr_t)__kernel_end;
    paging_map(kstart, (uintptr_t)__text_end - kstart, PTE_R | PTE_X, "kernel text");
    paging_map((uintptr_t)__text_end, (uintptr_t)__rodata_end - (uintptr_t)__text_end, PTE_R,
               "kernel rodata");
    paging_map((uintptr_t)__rodata_end, kend - (uintptr_t)__rodata_end, PTE_R | PTE_W, "kernel data");
    /* The rest of RAM, around the kernel: the 4 MiB holding the kernel in pages, the rest in megapages. */
    paging_map(ram_start(), kstart - ram_start(), PTE_R | PTE_W, "RAM");
    paging_map(kend, ram_end() - kend, PTE_R | PTE_W, "RAM");
    csr_write(satp, SATP_MODE_SV32 | ((uintptr_t)root >> 12));
    sfence_vma();
    enabled = true;
}

unsigned long paging_table_pages(void) { return table_pages; }

void paging_dump(void) {
    for (int i = 0; i < nmaps; i++) {
        const struct mapping *m = &maps[i];
        printf("  %08lx-%08lx %c%c%c  %s\n", (unsigned long)m->start, (unsigned long)(m->start + m->size - 1),
               m->perms & PTE_R ? 'r' : '-', m->perms & PTE_W ? 'w' : '-', m->perms & PTE_X ? 'x' : '-',
               m->what);
    }
}
