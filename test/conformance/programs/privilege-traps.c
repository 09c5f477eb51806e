/*
 * Instructions that lower privilege modes may not execute (privileged spec
 * 1.12): MRET below M, SRET in U, SRET in S with mstatus.TSR = 1, WFI in U
 * and in S with TW = 1 (both with a zero time limit in QEMU; 3.1.6.5), satp
 * access and SFENCE.VMA in S with TVM = 1, and U-mode access to S-level CSRs.
 * Each is an illegal-instruction trap with mtval = the instruction.
 * With the controlling bit clear the same S-mode instructions succeed.
 */
#include "runtime.h"

static u32 try_mret(u32 arg) {
  (void)arg;
  u32 before = m_trap_count;
  __asm__ volatile("la t0, 1f\n csrw mepc, t0\n 1: mret" : : : "t0", "memory");
  return m_trap_count - before;
}

static u32 mret_only(u32 arg) {
  (void)arg;
  u32 before = m_trap_count;
  __asm__ volatile("mret" : : : "memory");
  return m_trap_count - before;
}

static u32 sret_only(u32 arg) {
  (void)arg;
  u32 before = m_trap_count;
  __asm__ volatile("sret" : : : "memory");
  return m_trap_count - before;
}

/* sret in S that would return to S at the next instruction. */
static u32 sret_in_s(u32 arg) {
  (void)arg;
  u32 before = m_trap_count;
  csr_set(sstatus, MSTATUS_SPP);
  __asm__ volatile("la t0, 1f\n csrw sepc, t0\n sret\n 1:" : : : "t0", "memory");
  return m_trap_count - before;
}

static u32 wfi_only(u32 arg) {
  (void)arg;
  u32 before = m_trap_count;
  __asm__ volatile("wfi" : : : "memory");
  return m_trap_count - before;
}

static u32 vm_ops(u32 arg) {
  (void)arg;
  u32 before = m_trap_count, v;
  __asm__ volatile("csrr %0, satp" : "=r"(v));
  __asm__ volatile("csrw satp, zero");
  __asm__ volatile("sfence.vma");
  __asm__ volatile("sfence.vma %0, zero" : : "r"(0x80000000u));
  return m_trap_count - before;
}

static u32 user_touches_s(u32 arg) {
  (void)arg;
  u32 before = m_trap_count, v;
  __asm__ volatile("csrr %0, sstatus" : "=r"(v));
  __asm__ volatile("csrr %0, stvec" : "=r"(v));
  __asm__ volatile("csrw sscratch, %0" : : "r"(1));
  __asm__ volatile("csrr %0, satp" : "=r"(v));
  __asm__ volatile("sfence.vma");
  return m_trap_count - before;
}

#define RUN(label, mode, fn)                                                                       \
  do {                                                                                             \
    line(label);                                                                                   \
    say("traps", enter_mode(mode, fn, 0, 0));                                                      \
  } while (0)

int main(void) {
  RUN("mret in S", PRV_S, mret_only);
  RUN("mret in U", PRV_U, mret_only);
  RUN("sret in U", PRV_U, sret_only);
  RUN("mret in S after setting mepc", PRV_S, try_mret);

  csr_write(mstatus, MSTATUS_TSR);
  RUN("sret in S, TSR=1", PRV_S, sret_in_s);
  csr_write(mstatus, 0);
  RUN("sret in S, TSR=0", PRV_S, sret_in_s);

  csr_write(mstatus, MSTATUS_TW);
  RUN("wfi in S, TW=1", PRV_S, wfi_only);
  csr_write(mstatus, 0);
  RUN("wfi in U, TW=0", PRV_U, wfi_only);

  csr_write(mstatus, MSTATUS_TVM);
  RUN("satp/sfence.vma in S, TVM=1", PRV_S, vm_ops);
  csr_write(mstatus, 0);
  RUN("satp/sfence.vma in S, TVM=0", PRV_S, vm_ops);

  RUN("S CSRs and sfence.vma in U", PRV_U, user_touches_s);

  /* M-mode is not affected by TSR/TW/TVM. */
  csr_write(mstatus, MSTATUS_TSR | MSTATUS_TW | MSTATUS_TVM);
  u32 before = m_trap_count;
  csr_write(satp, 0);
  __asm__ volatile("sfence.vma" : : : "memory");
  /* WFI in M with an interrupt pending and enabled in mie (but MIE = 0)
     returns at once (3.3.3). */
  csr_write(mie, MIP_SSIP);
  csr_set(mip, MIP_SSIP);
  __asm__ volatile("wfi" : : : "memory");
  csr_clear(mip, MIP_SSIP);
  csr_write(mie, 0);
  csr_write(mstatus, 0);
  say("M-mode traps with TSR|TW|TVM", m_trap_count - before);
  pass();
}
