/*
 * Sv32 megapages (4 MiB leaves at level 1; privileged spec 1.12, 4.3.1-4.3.2):
 * translation of addresses across the whole 4 MiB (VA[21:0] passes through),
 * permissions on megapages, and the misaligned superpage (a level-1 leaf with
 * PPN[0] != 0), which raises a page fault for every access type.
 */
#include "runtime.h"
#include "sv32.h"

#define VA_MEGA 0x40000000u  /* -> 0x80000000, RWX */
#define VA_RO 0x40400000u    /* -> 0x80000000, R */
#define VA_BAD 0x40800000u   /* -> 0x80001000: misaligned */
#define VA_XONLY 0x40c00000u /* -> 0x80000000, X */

static volatile u32 probe[4] = {0xa0a0a0a0, 0xb1b1b1b1, 0xc2c2c2c2, 0xd3d3d3d3};
static u32 code_word[2] __attribute__((aligned(8)));

static u32 off(const volatile void *p) { return (u32)(uptr)p - 0x80000000u; }

static u32 load(u32 va) {
  u32 v = 0xeeeeeeee;
  __asm__ volatile("lw %0, 0(%1)" : "+r"(v) : "r"(va) : "memory");
  return v;
}
static void store(u32 va, u32 v) { __asm__ volatile("sw %0, 0(%1)" : : "r"(v), "r"(va) : "memory"); }
static u32 fetch(u32 va) {
  register u32 a0 __asm__("a0") = 0xeeeeeeee;
  __asm__ volatile("jalr ra, 0(%1)" : "+r"(a0) : "r"(va) : "ra", "memory");
  return a0;
}

static u32 s_main(u32 arg) {
  (void)arg;
  line("-- aligned megapage");
  say("probe[0]", load(VA_MEGA + off(&probe[0])));
  say("probe[3]", load(VA_MEGA + off(&probe[3])));
  store(VA_MEGA + off(&probe[1]), 0x600df00d);
  say("probe[1] after store", load(VA_MEGA + off(&probe[1])));
  say("fetch", fetch(VA_MEGA + off(code_word)));
  line("-- read-only megapage");
  say("load", load(VA_RO + off(&probe[2])));
  store(VA_RO + off(&probe[2]), 1);
  line("-- execute-only megapage");
  say("fetch", fetch(VA_XONLY + off(code_word)));
  say("load", load(VA_XONLY + off(&probe[0])));
  line("-- misaligned megapage");
  say("load", load(VA_BAD + 0x10));
  store(VA_BAD + 0x3ffff0, 1);
  say("fetch", fetch(VA_BAD + 0x2000));
  return 0;
}

int main(void) {
  code_word[0] = 0x06300513; /* li a0, 99 */
  code_word[1] = 0x00008067; /* ret */
  __asm__ volatile("fence.i");
  pt_reset();
  map_identity();
  u32 ad = PTE_A | PTE_D;
  map_megapage(VA_MEGA, 0x80000000u, PTE_V | PTE_RWX | ad);
  map_megapage(VA_RO, 0x80000000u, PTE_V | PTE_R | ad);
  map_megapage(VA_BAD, 0x80001000u, PTE_V | PTE_RWX | ad);
  map_megapage(VA_XONLY, 0x80000000u, PTE_V | PTE_X | ad);
  paging_on();
  enter_mode(PRV_S, s_main, 0, 0);
  paging_off();
  say("probe[1] physical", probe[1]);
  say("page faults", m_trap_count);
  pass();
}
