/*
 * sstatus.SUM and sstatus.MXR under Sv32 (privileged spec 1.12, 4.1.1.2):
 * S-mode loads and stores to U pages fault unless SUM = 1; S-mode never
 * executes U pages, SUM or not; loads from execute-only pages fault unless
 * MXR = 1, and MXR does not make them writable.
 */
#include "runtime.h"
#include "sv32.h"

static u32 user_frame[1024] __attribute__((aligned(4096)));
static u32 x_frame[1024] __attribute__((aligned(4096)));

#define VA_USER 0x40000000u
#define VA_USER_X 0x40001000u
#define VA_XONLY 0x40002000u

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
  line("-- SUM=0");
  csr_clear(sstatus, MSTATUS_SUM | MSTATUS_MXR);
  say("load U page", load(VA_USER));
  store(VA_USER + 4, 0x1111);
  say("fetch U page", fetch(VA_USER_X));
  line("-- SUM=1");
  csr_set(sstatus, MSTATUS_SUM);
  say("load U page", load(VA_USER));
  store(VA_USER + 4, 0x2222);
  say("reads back", load(VA_USER + 4));
  say("fetch U page", fetch(VA_USER_X));
  csr_clear(sstatus, MSTATUS_SUM);
  line("-- MXR=0");
  say("load X-only", load(VA_XONLY));
  say("fetch X-only", fetch(VA_XONLY));
  line("-- MXR=1");
  csr_set(sstatus, MSTATUS_MXR);
  say("load X-only", load(VA_XONLY));
  store(VA_XONLY + 8, 1);
  line("-- MXR=1, SUM=0: U page still refused");
  say("load U page", load(VA_USER));
  csr_clear(sstatus, MSTATUS_MXR);
  return 0;
}

int main(void) {
  user_frame[0] = 0x0badc0de;
  x_frame[0] = 0x02a00513; /* li a0, 42 */
  x_frame[1] = 0x00008067; /* ret */
  __asm__ volatile("fence.i");
  pt_reset();
  map_identity();
  u32 ad = PTE_A | PTE_D;
  map_page(VA_USER, (u32)(uptr)user_frame, PTE_V | PTE_R | PTE_W | PTE_U | ad);
  map_page(VA_USER_X, (u32)(uptr)x_frame, PTE_V | PTE_R | PTE_X | PTE_U | ad);
  map_page(VA_XONLY, (u32)(uptr)x_frame, PTE_V | PTE_X | ad);
  paging_on();
  enter_mode(PRV_S, s_main, 0, 0);
  paging_off();
  say("user_frame[1]", user_frame[1]);
  say("page faults", m_trap_count);
  pass();
}
