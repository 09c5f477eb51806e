/*
 * Sv32 accessed and dirty bits (privileged spec 1.12, 4.3.1-4.3.2): like
 * QEMU 7.2, the hart sets A on any successful access and D on a successful
 * store or AMO, in the leaf PTE (4 KiB page or megapage), leaving the other
 * bits, RSW included, alone; a faulting access changes nothing. PTE flags are
 * read back from M-mode after each S-mode access.
 */
#include "runtime.h"
#include "sv32.h"

static u32 frames[6][1024] __attribute__((aligned(4096)));
static u32 code_frame[1024] __attribute__((aligned(4096)));

#define VA(n) (0x40000000u + (n) * PAGE_SIZE)
#define VA_MEGA 0x4c000000u
#define RSW (3u << 8)

static u32 op;
static u32 op_va;

enum { LOAD, STORE, AMO, FETCH };

static u32 s_access(u32 arg) {
  (void)arg;
  u32 v = 0;
  switch (op) {
  case LOAD: __asm__ volatile("lw %0, 0(%1)" : "=r"(v) : "r"(op_va) : "memory"); break;
  case STORE: __asm__ volatile("sw %0, 0(%1)" : : "r"(7), "r"(op_va) : "memory"); break;
  case AMO:
    __asm__ volatile("amoor.w %0, %1, (%2)" : "=r"(v) : "r"(8), "r"(op_va) : "memory");
    break;
  case FETCH: {
    register u32 a0 __asm__("a0") = 0;
    __asm__ volatile("jalr ra, 0(%1)" : "+r"(a0) : "r"(op_va) : "ra", "memory");
    v = a0;
  } break;
  }
  return v;
}

static void access(const char *what, u32 kind, u32 va) {
  op = kind;
  op_va = va;
  enter_mode(PRV_S, s_access, 0, 0);
  puts(what);
  puts(": pte flags ");
  put_hex_n(*pte_of(va) & 0x3ff, 3);
  putc('\n');
}

int main(void) {
  code_frame[0] = 0x02a00513; /* li a0, 42 */
  code_frame[1] = 0x00008067; /* ret */
  __asm__ volatile("fence.i");
  pt_reset();
  map_identity();
  u32 rw = PTE_V | PTE_R | PTE_W | RSW;
  map_page(VA(0), (u32)(uptr)frames[0], rw);
  map_page(VA(1), (u32)(uptr)frames[1], rw);
  map_page(VA(2), (u32)(uptr)frames[2], PTE_V | PTE_R);
  map_page(VA(3), (u32)(uptr)code_frame, PTE_V | PTE_X);
  map_page(VA(4), (u32)(uptr)frames[4], rw);
  map_page(VA(5), (u32)(uptr)frames[5], rw | PTE_A);
  map_megapage(VA_MEGA, 0x80000000u, PTE_V | PTE_R | PTE_W);
  paging_on();

  access("page 0 first load", LOAD, VA(0));
  access("page 0 load again", LOAD, VA(0));
  access("page 0 store", STORE, VA(0));
  access("page 1 store first", STORE, VA(1));
  access("page 2 (read-only) store faults", STORE, VA(2));
  access("page 2 load", LOAD, VA(2));
  access("page 3 (execute-only) fetch", FETCH, VA(3));
  access("page 4 amo", AMO, VA(4));
  access("page 5 (A preset) load", LOAD, VA(5));
  access("page 5 store", STORE, VA(5));
  /* The megapage covers the image; a load of its first word is harmless. */
  access("megapage load", LOAD, VA_MEGA);
  access("megapage store", STORE, VA_MEGA + ((u32)(uptr)&frames[5][4] - 0x80000000u));

  paging_off();
  say("frame 1 word", frames[1][0]);
  say("frame 4 word", frames[4][0]);
  say("frame 5 word 4", frames[5][4]);
  say("traps", m_trap_count);
  pass();
}
