/* Sv32 page tables for the conformance programs (privileged spec 1.12, 4.3). */
#ifndef CONFORMANCE_SV32_H
#define CONFORMANCE_SV32_H
#include "runtime.h"

#define PTE_V (1u << 0)
#define PTE_R (1u << 1)
#define PTE_W (1u << 2)
#define PTE_X (1u << 3)
#define PTE_U (1u << 4)
#define PTE_G (1u << 5)
#define PTE_A (1u << 6)
#define PTE_D (1u << 7)
#define PTE_RWX (PTE_R | PTE_W | PTE_X)
#define SATP_MODE_SV32 0x80000000u
#define PAGE_SIZE 4096u
#define MEGAPAGE_SIZE 0x400000u

/* Clears all tables. */
void pt_reset(void);
/* The root table (4 KiB aligned). */
u32 *pt_root(void);
/* Maps a 4 KiB page, allocating the level-0 table as needed. */
void map_page(u32 va, u32 pa, u32 flags);
/* Writes a level-1 leaf (4 MiB megapage); pa need not be aligned (tests use
   that for the misaligned-superpage fault). */
void map_megapage(u32 va, u32 pa, u32 flags);
/* The leaf PTE that maps va (level 0 if a table exists, else level 1). */
volatile u32 *pte_of(u32 va);
/*
 * The standard layout: the first 4 MiB of RAM identity-mapped with 4 KiB pages
 * (RWX, A and D set; the .user section also has U), plus identity megapages for
 * the test finisher (at 0), the CLINT, the PLIC and the UART (RW, A, D).
 */
void map_identity(void);
/* satp = Sv32 with the root table; then sfence.vma. */
void paging_on(void);
void paging_off(void);
static inline void sfence_vma(void) { __asm__ volatile("sfence.vma" : : : "memory"); }
static inline void sfence_vma_addr(u32 va) {
  __asm__ volatile("sfence.vma %0, zero" : : "r"(va) : "memory");
}
#endif
