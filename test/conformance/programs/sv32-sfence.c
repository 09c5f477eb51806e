/*
 * SFENCE.VMA (privileged spec 1.12, 4.2.1): after S-mode rewrites a PTE and
 * executes SFENCE.VMA (all, by address, by address and ASID) the new mapping
 * is used; a PTE made invalid then valid again, a permission upgrade, and a
 * satp switch to another root table all take effect after the fence. What is
 * seen before the fence is unspecified and never printed.
 */
#include "runtime.h"
#include "sv32.h"

static u32 frames[3][1024] __attribute__((aligned(4096)));
static u32 root2[1024] __attribute__((aligned(4096)));

#define VA 0x40000000u
#define VA_MEGA 0x44000000u

static volatile u32 *pte;

static u32 load(u32 va) {
  u32 v = 0xeeeeeeee;
  __asm__ volatile("lw %0, 0(%1)" : "+r"(v) : "r"(va) : "memory");
  return v;
}
static void store(u32 va, u32 v) { __asm__ volatile("sw %0, 0(%1)" : : "r"(v), "r"(va) : "memory"); }

static u32 leaf(u32 *frame, u32 flags) { return (((u32)(uptr)frame >> 12) << 10) | flags; }

#define RW (PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)

static u32 s_main(u32 arg) {
  (void)arg;
  say("frame 0 via VA", load(VA));
  *pte = leaf(frames[1], RW);
  sfence_vma();
  say("after remap + sfence.vma", load(VA));
  *pte = leaf(frames[2], RW);
  sfence_vma_addr(VA);
  say("after remap + sfence.vma va", load(VA + 4));
  *pte = leaf(frames[0], RW);
  __asm__ volatile("sfence.vma %0, %1" : : "r"(VA), "r"(0) : "memory");
  say("after remap + sfence.vma va, asid 0", load(VA));

  line("-- invalidate, then restore");
  *pte = leaf(frames[0], RW & ~PTE_V);
  sfence_vma_addr(VA);
  say("load", load(VA));
  *pte = leaf(frames[0], RW);
  sfence_vma_addr(VA);
  say("load after restore", load(VA));

  line("-- read-only, then writable");
  *pte = leaf(frames[0], PTE_V | PTE_R | PTE_A | PTE_D);
  sfence_vma();
  store(VA + 8, 0x5151);
  *pte = leaf(frames[0], RW);
  sfence_vma();
  store(VA + 8, 0x6262);
  say("frame 0 word 2", load(VA + 8));

  line("-- switch root table");
  say("megapage VA in root 1 (unmapped)", load(VA_MEGA + 0x10));
  u32 old = csr_read(satp);
  csr_write(satp, SATP_MODE_SV32 | ((u32)(uptr)root2 >> 12));
  sfence_vma();
  say("megapage VA in root 2", load(VA_MEGA + ((u32)(uptr)&frames[2][0] - 0x80000000u)));
  say("VA in root 2 (frame 1)", load(VA));
  csr_write(satp, old);
  sfence_vma();
  say("VA back in root 1", load(VA));
  return 0;
}

int main(void) {
  for (int i = 0; i < 3; i++) {
    frames[i][0] = 0xf0f0f0f0 + (u32)i;
    frames[i][1] = 0xe1e1e1e1 + (u32)i;
  }
  pt_reset();
  map_identity();
  map_page(VA, (u32)(uptr)frames[0], RW);
  pte = pte_of(VA);
  /* Root 2: same as root 1, plus a megapage over the image, with VA's level-0
     table replaced by one whose entry points at frame 1. */
  static u32 table2[1024] __attribute__((aligned(4096)));
  u32 *root = pt_root();
  for (int i = 0; i < 1024; i++) root2[i] = root[i];
  root2[VA_MEGA >> 22] = ((0x80000000u >> 12) << 10) | RW;
  root2[VA >> 22] = (((u32)(uptr)table2 >> 12) << 10) | PTE_V;
  table2[(VA >> 12) & 0x3ff] = leaf(frames[1], RW);
  paging_on();
  enter_mode(PRV_S, s_main, 0, 0);
  paging_off();
  say("page faults", m_trap_count);
  pass();
}
