/*
 * Sv32 translation and permission faults (privileged spec 1.12, 4.3): S-mode
 * loads, stores and fetches through 4 KiB pages; two virtual pages aliasing
 * one frame; read-only, execute-only and non-executable pages; invalid PTEs
 * (V = 0), the reserved W-without-R encoding and a non-leaf PTE at level 0,
 * each raising the page fault of the access type (fetch 12, load 13,
 * store/AMO 15) with mtval = the full virtual address and mepc = the
 * instruction; and Bare mode going back to physical addresses. Faults are
 * taken in M (nothing is delegated here). Not tested: an AMO on an invalid
 * page (QEMU 7.2 reports cause 13 where the spec says 15) and a page-table
 * walk hitting a physical hole (QEMU 7.2 raises a page fault, the spec an
 * access fault).
 */
#include "runtime.h"
#include "sv32.h"

static u32 frame0[1024] __attribute__((aligned(4096)));
static u32 frame1[1024] __attribute__((aligned(4096)));
static u32 code_frame[1024] __attribute__((aligned(4096)));

#define VA_RW 0x40000000u
#define VA_ALIAS 0x40001000u
#define VA_INVALID 0x40002000u
#define VA_RO 0x40003000u
#define VA_XONLY 0x40004000u
#define VA_WONLY 0x40005000u
#define VA_NONLEAF 0x40006000u
#define VA_UNMAPPED_TABLE 0x48000000u /* no level-1 entry at all */

static u32 load(u32 va) {
  u32 v = 0xeeeeeeee;
  __asm__ volatile("lw %0, 0(%1)" : "+r"(v) : "r"(va) : "memory");
  return v;
}
static void store(u32 va, u32 v) { __asm__ volatile("sw %0, 0(%1)" : : "r"(v), "r"(va) : "memory"); }
static u32 amo(u32 va) {
  u32 v = 0xeeeeeeee;
  __asm__ volatile("amoadd.w %0, %1, (%2)" : "+r"(v) : "r"(1), "r"(va) : "memory");
  return v;
}
static u32 fetch(u32 va) {
  register u32 a0 __asm__("a0") = 0xeeeeeeee;
  __asm__ volatile("jalr ra, 0(%1)" : "+r"(a0) : "r"(va) : "ra", "memory");
  return a0;
}

static u32 s_main(u32 arg) {
  (void)arg;
  line("-- RW page and alias");
  store(VA_RW + 8, 0x11112222);
  say("alias sees store", load(VA_ALIAS + 8));
  say("physical frame", frame0[2]);
  say("amo old", amo(VA_ALIAS + 8));
  say("after amo", load(VA_RW + 8));
  say("lbu through VA", *(volatile u8 *)(uptr)(VA_RW + 9));

  line("-- invalid PTE");
  say("load", load(VA_INVALID + 0xabc));
  store(VA_INVALID + 0x123, 1);
  say("fetch", fetch(VA_INVALID + 0x200));

  line("-- no level-1 entry");
  say("load", load(VA_UNMAPPED_TABLE + 0x10));
  store(VA_UNMAPPED_TABLE + 0x3ffffc, 1);

  line("-- read-only page");
  say("load", load(VA_RO));
  store(VA_RO + 4, 5);
  say("amo", amo(VA_RO + 8));
  say("fetch (no X)", fetch(VA_RO));

  line("-- execute-only page");
  say("fetch", fetch(VA_XONLY));
  say("load (MXR=0)", load(VA_XONLY));
  store(VA_XONLY, 1);

  line("-- RW page: no X");
  say("fetch", fetch(VA_RW));

  line("-- W without R (reserved)");
  say("load", load(VA_WONLY));
  store(VA_WONLY, 1);

  line("-- non-leaf PTE at level 0");
  say("load", load(VA_NONLEAF));
  return 0;
}

int main(void) {
  frame0[2] = 0x12345678;
  frame1[0] = 0xf1f1f1f1;
  code_frame[0] = 0x02a00513; /* li a0, 42 */
  code_frame[1] = 0x00008067; /* ret */
  __asm__ volatile("fence.i");

  pt_reset();
  map_identity();
  u32 ad = PTE_A | PTE_D;
  map_page(VA_RW, (u32)(uptr)frame0, PTE_V | PTE_R | PTE_W | ad);
  map_page(VA_ALIAS, (u32)(uptr)frame0, PTE_V | PTE_R | PTE_W | ad);
  map_page(VA_INVALID, (u32)(uptr)frame1, PTE_R | PTE_W | PTE_X | ad); /* V = 0 */
  map_page(VA_RO, (u32)(uptr)frame1, PTE_V | PTE_R | ad);
  map_page(VA_XONLY, (u32)(uptr)code_frame, PTE_V | PTE_X | ad);
  map_page(VA_WONLY, (u32)(uptr)frame1, PTE_V | PTE_W | ad);
  map_page(VA_NONLEAF, (u32)(uptr)frame1, PTE_V); /* pointer PTE where a leaf must be */
  paging_on();
  enter_mode(PRV_S, s_main, 0, 0);
  say("satp mode", csr_read(satp) >> 31);
  say("M is not translated", *(volatile u32 *)frame0 == frame0[0]);

  line("-- Bare mode again");
  paging_off();
  say("S reads physical", enter_mode(PRV_S, (u32(*)(u32))load, (u32)(uptr)&frame1[0], 0));
  say("page faults", m_trap_count);
  pass();
}
