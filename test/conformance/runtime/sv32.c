#include "sv32.h"

#define POOL_TABLES 8
static u32 root[1024] __attribute__((aligned(4096)));
static u32 pool[POOL_TABLES][1024] __attribute__((aligned(4096)));
static int pool_used;

void pt_reset(void) {
  for (int i = 0; i < 1024; i++) root[i] = 0;
  for (int t = 0; t < POOL_TABLES; t++)
    for (int i = 0; i < 1024; i++) pool[t][i] = 0;
  pool_used = 0;
}

u32 *pt_root(void) { return root; }

static u32 *table_for(u32 va) {
  u32 *e = &root[va >> 22];
  if ((*e & PTE_V) && !(*e & PTE_RWX)) return (u32 *)(uptr)((*e >> 10) << 12);
  if (pool_used == POOL_TABLES) fail("page-table pool exhausted");
  u32 *t = pool[pool_used++];
  *e = (((u32)(uptr)t >> 12) << 10) | PTE_V;
  return t;
}

void map_page(u32 va, u32 pa, u32 flags) {
  u32 *t = table_for(va);
  t[(va >> 12) & 0x3ff] = ((pa >> 12) << 10) | flags;
}

void map_megapage(u32 va, u32 pa, u32 flags) { root[va >> 22] = ((pa >> 12) << 10) | flags; }

volatile u32 *pte_of(u32 va) {
  u32 *e = &root[va >> 22];
  if ((*e & PTE_V) && !(*e & PTE_RWX)) {
    u32 *t = (u32 *)(uptr)((*e >> 10) << 12);
    return &t[(va >> 12) & 0x3ff];
  }
  return e;
}

void map_identity(void) {
  u32 ustart = (u32)(uptr)__user_start, uend = (u32)(uptr)__user_end;
  for (u32 pa = 0x80000000u; pa < 0x80000000u + MEGAPAGE_SIZE; pa += PAGE_SIZE) {
    u32 flags = PTE_V | PTE_RWX | PTE_A | PTE_D;
    if (pa >= ustart && pa < uend) flags |= PTE_U;
    map_page(pa, pa, flags);
  }
  u32 io = PTE_V | PTE_R | PTE_W | PTE_A | PTE_D;
  map_megapage(0x00000000u, 0x00000000u, io);
  map_megapage(CLINT_BASE, CLINT_BASE, io);
  map_megapage(PLIC_BASE, PLIC_BASE, io);
  map_megapage(UART0_BASE, UART0_BASE, io);
}

void paging_on(void) {
  csr_write(satp, SATP_MODE_SV32 | ((u32)(uptr)root >> 12));
  sfence_vma();
}

void paging_off(void) {
  csr_write(satp, 0);
  sfence_vma();
}
