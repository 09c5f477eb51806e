/*
 * mstatus.MPRV (privileged spec 1.12, 3.1.6.3): with MPRV = 1, M-mode loads
 * and stores are translated and checked as if in the mode held in MPP (with
 * SUM and MXR applying), while instruction fetches stay untranslated; with
 * MPP = M, or with satp in Bare mode, nothing is translated. Faults are taken
 * in M with mtval = the virtual address. Each access sits in one asm block
 * that sets and restores mstatus, so no stack access happens in between.
 */
#include "runtime.h"
#include "sv32.h"

static u32 frame_a[1024] __attribute__((aligned(4096)));
static u32 frame_b[1024] __attribute__((aligned(4096)));
static u32 frame_u[1024] __attribute__((aligned(4096)));
static u32 frame_x[1024] __attribute__((aligned(4096)));

#define VA_USER 0x40000000u
#define VA_XONLY 0x40001000u
#define VA_FRESH 0x40002000u /* A = 0 */

static u32 mprv_load(u32 va, u32 mode, u32 extra) {
  u32 v = 0xeeeeeeee, saved;
  u32 set = MSTATUS_MPRV | (mode << 11) | extra;
  __asm__ volatile("csrr %1, mstatus\n"
                   "li t0, 0x1800\n"
                   "csrc mstatus, t0\n"
                   "csrs mstatus, %3\n"
                   "lw %0, 0(%2)\n"
                   "csrw mstatus, %1"
                   : "+&r"(v), "=&r"(saved)
                   : "r"(va), "r"(set)
                   : "t0", "memory");
  return v;
}

static void mprv_store(u32 va, u32 mode, u32 extra, u32 value) {
  u32 saved;
  u32 set = MSTATUS_MPRV | (mode << 11) | extra;
  __asm__ volatile("csrr %0, mstatus\n"
                   "li t0, 0x1800\n"
                   "csrc mstatus, t0\n"
                   "csrs mstatus, %2\n"
                   "sw %3, 0(%1)\n"
                   "csrw mstatus, %0"
                   : "=&r"(saved)
                   : "r"(va), "r"(set), "r"(value)
                   : "t0", "memory");
}

int main(void) {
  frame_a[0] = 0xaaaaaaaa;
  frame_b[0] = 0xbbbbbbbb;
  frame_u[0] = 0x55555555;
  frame_x[0] = 0x0000e0e0;
  u32 va_a = (u32)(uptr)frame_a;
  pt_reset();
  map_identity();
  u32 ad = PTE_A | PTE_D;
  /* frame_a's identity address now leads to frame_b. */
  map_page(va_a, (u32)(uptr)frame_b, PTE_V | PTE_R | PTE_W | ad);
  map_page(VA_USER, (u32)(uptr)frame_u, PTE_V | PTE_R | PTE_W | PTE_U | ad);
  map_page(VA_XONLY, (u32)(uptr)frame_x, PTE_V | PTE_X | ad);
  map_page(VA_FRESH, (u32)(uptr)frame_u, PTE_V | PTE_R | PTE_W);
  paging_on();

  line("-- MPRV=0: M is untranslated");
  say("load frame_a", *(volatile u32 *)frame_a);
  line("-- MPRV=1, MPP=M: untranslated");
  say("load frame_a", mprv_load(va_a, PRV_M, 0));
  line("-- MPRV=1, MPP=S");
  say("load frame_a (-> frame_b)", mprv_load(va_a, PRV_S, 0));
  mprv_store(va_a + 4, PRV_S, 0, 0x12121212);
  say("frame_b[1]", frame_b[1]);
  say("load U page, SUM=0", mprv_load(VA_USER, PRV_S, 0));
  say("load U page, SUM=1", mprv_load(VA_USER, PRV_S, MSTATUS_SUM));
  say("load X-only, MXR=0", mprv_load(VA_XONLY, PRV_S, 0));
  say("load X-only, MXR=1", mprv_load(VA_XONLY, PRV_S, MSTATUS_MXR));
  say("load unmapped", mprv_load(0x40003000u, PRV_S, 0));
  line("-- MPRV=1, MPP=U");
  say("load U page", mprv_load(VA_USER, PRV_U, 0));
  mprv_store(VA_USER + 8, PRV_U, 0, 0x34343434);
  say("frame_u[2]", frame_u[2]);
  say("load S page", mprv_load(va_a, PRV_U, 0));
  mprv_store(va_a, PRV_U, 0, 1);
  line("-- A bit set by an MPRV access");
  say("pte flags before", *pte_of(VA_FRESH) & 0xff);
  say("load", mprv_load(VA_FRESH, PRV_S, 0));
  say("pte flags after", *pte_of(VA_FRESH) & 0xff);

  paging_off();
  line("-- satp Bare, MPRV=1, MPP=S: untranslated");
  say("load frame_a", mprv_load(va_a, PRV_S, 0));
  say("mstatus MPRV left clear", (csr_read(mstatus) & MSTATUS_MPRV) != 0);
  say("page faults", m_trap_count);
  pass();
}
