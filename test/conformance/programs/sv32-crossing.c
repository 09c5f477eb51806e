/*
 * Instructions that cross a page boundary under Sv32 (privileged spec 1.12,
 * 3.1.16): a 32-bit instruction at offset 0xffe whose upper half lies on the
 * next page runs when both pages are executable; when the second page is
 * unmapped or not executable the fetch page fault has mepc = the start of the
 * instruction and mtval = the start of the second page (the portion that
 * faulted). A 16-bit instruction ending exactly at the boundary is unaffected.
 */
#include "runtime.h"
#include "sv32.h"

static u8 frames[2][4096] __attribute__((aligned(4096)));

#define VA_A 0x40000000u
#define VA_B 0x40001000u

static void put16(u8 *p, u16 v) {
  p[0] = (u8)v;
  p[1] = (u8)(v >> 8);
}

static u32 fetch(u32 va) {
  register u32 a0 __asm__("a0") = 100;
  __asm__ volatile("jalr ra, 0(%1)" : "+r"(a0) : "r"(va) : "ra", "memory");
  return a0;
}

static u32 s_run(u32 arg) { return fetch(arg); }

int main(void) {
  /* Page A ends with: c.addi a0, 1 (at 0xffc), then addi a0, a0, 0x20 (at
     0xffe, crossing); page B starts with its upper half then c.jr ra. */
  u32 addi = (0x20u << 20) | (10u << 15) | (10u << 7) | 0x13u;
  put16(&frames[0][0xffc], 0x0505); /* c.addi a0, 1 */
  put16(&frames[0][0xffe], (u16)addi);
  put16(&frames[1][0], (u16)(addi >> 16));
  put16(&frames[1][2], 0x8082); /* c.jr ra */
  /* A 16-bit instruction ending at the boundary: c.addi at 0x7fc, c.jr ra at
     0x7fe (a separate path inside page A, reached through VA_A + 0x7fc). */
  put16(&frames[0][0x7fc], 0x0509); /* c.addi a0, 2 */
  put16(&frames[0][0x7fe], 0x8082);
  __asm__ volatile("fence.i");

  pt_reset();
  map_identity();
  u32 x = PTE_V | PTE_R | PTE_X | PTE_A | PTE_D;
  map_page(VA_A, (u32)(uptr)frames[0], x);
  map_page(VA_B, (u32)(uptr)frames[1], x);
  paging_on();

  line("-- both pages executable");
  say("a0", enter_mode(PRV_S, s_run, VA_A + 0xffc, 0));
  say("16-bit path", enter_mode(PRV_S, s_run, VA_A + 0x7fc, 0));

  line("-- second page not executable");
  map_page(VA_B, (u32)(uptr)frames[1], PTE_V | PTE_R | PTE_A | PTE_D);
  sfence_vma();
  say("a0", enter_mode(PRV_S, s_run, VA_A + 0xffc, 0));

  line("-- second page unmapped");
  map_page(VA_B, 0, 0);
  sfence_vma();
  say("a0", enter_mode(PRV_S, s_run, VA_A + 0xffc, 0));
  paging_off();
  say("page faults", m_trap_count);
  pass();
}
