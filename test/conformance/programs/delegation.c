/*
 * Trap delegation (privileged spec 1.12, 3.1.8): exceptions whose medeleg bit
 * is set are taken in S when they happen in S or U, never when they happen in
 * M; the S handler sees scause/sepc/stval, sstatus.SPP/SPIE/SIE as 4.1.1 says;
 * undelegated ones go to M with MPP telling the mode. Delegated interrupts
 * (mideleg) are taken in S: in S only with sstatus.SIE, in U always, in M
 * never; undelegated S-level interrupts go to M even from S.
 */
#include "runtime.h"

#define DELEGATED ((1u << CAUSE_ILLEGAL_INSTRUCTION) | (1u << CAUSE_BREAKPOINT) |                 \
                   (1u << CAUSE_USER_ECALL) | (1u << CAUSE_LOAD_ACCESS) |                         \
                   (1u << CAUSE_STORE_ACCESS))

static volatile u32 s_status_at_trap, m_status_at_trap;

/* Records sstatus at the trap, then lets the default handler print/skip. */
static int s_record(struct trap_frame *f) {
  s_status_at_trap = f->status;
  return 0;
}
static int m_record(struct trap_frame *f) {
  m_status_at_trap = f->status;
  return 0;
}

static void report_sstatus(void) {
  u32 s = s_status_at_trap;
  puts("  SPP=");
  put_udec((s & MSTATUS_SPP) != 0);
  puts(" SPIE=");
  put_udec((s & MSTATUS_SPIE) != 0);
  puts(" SIE=");
  put_udec((s & MSTATUS_SIE) != 0);
  putc('\n');
}

static u32 faults(u32 arg) {
  (void)arg;
  volatile u32 v = 0;
  __asm__ volatile(".4byte 0x0000000b"); /* illegal */
  __asm__ volatile("ebreak");
  v = *(volatile u32 *)0x00020000u; /* load access fault */
  *(volatile u32 *)0x00020000u = v; /* store access fault */
  return 0;
}

static u32 user_ecall(u32 arg) {
  (void)arg;
  __asm__ volatile("li a7, 1\n ecall" : : : "a7", "memory");
  return 0;
}

static u32 supervisor_ecall(u32 arg) {
  (void)arg;
  __asm__ volatile("li a7, 1\n ecall" : : : "a7", "memory");
  return 0;
}

static void exceptions(void) {
  csr_write(medeleg, DELEGATED);
  say("medeleg readback", csr_read(medeleg) & DELEGATED);
  csr_write(stvec, (u32)(uptr)s_trap_vector);
  s_trap_hook = s_record;
  m_trap_hook = m_record;

  line("U faults (delegated)");
  csr_set(sstatus, MSTATUS_SIE);
  enter_mode(PRV_U, faults, 0, 0);
  report_sstatus();
  line("S faults (delegated, taken in S)");
  csr_set(sstatus, MSTATUS_SIE);
  enter_mode(PRV_S, faults, 0, 0);
  report_sstatus();
  line("U ecall (delegated)");
  enter_mode(PRV_U, user_ecall, 0, 0);
  line("S ecall (not delegated: M, MPP=S)");
  enter_mode(PRV_S, supervisor_ecall, 0, 0);
  puts("  MPP=");
  put_udec((m_status_at_trap & MSTATUS_MPP) >> 11);
  putc('\n');
  line("M faults (never delegated)");
  faults(0);
  line("U ebreak with its bit cleared (M, MPP=U)");
  csr_clear(medeleg, 1u << CAUSE_BREAKPOINT);
  enter_mode(PRV_U, faults, 0, 0);
  puts("  MPP=");
  put_udec((m_status_at_trap & MSTATUS_MPP) >> 11);
  putc('\n');
  csr_write(medeleg, 0);
  s_trap_hook = 0;
  m_trap_hook = 0;
  say("S traps", s_trap_count);
  say("M traps", m_trap_count);
}

/* ---- interrupts ---- */
static volatile u32 s_irqs, m_irqs;

static int s_irq(struct trap_frame *f) {
  if (!(f->cause & CAUSE_INTERRUPT)) return 0;
  s_irqs++;
  puts("  S took interrupt scause=");
  put_hex(f->cause);
  puts(" from SPP=");
  put_udec((f->status & MSTATUS_SPP) != 0);
  putc('\n');
  csr_clear(sip, MIP_SSIP);
  return 1;
}

static int m_irq(struct trap_frame *f) {
  if (!(f->cause & CAUSE_INTERRUPT)) return 0;
  m_irqs++;
  puts("  M took interrupt mcause=");
  put_hex(f->cause);
  puts(" from MPP=");
  put_udec((f->status & MSTATUS_MPP) >> 11);
  putc('\n');
  csr_clear(mip, MIP_SSIP);
  return 1;
}

static u32 raise_ssip(u32 arg) {
  /* S sets its own software interrupt through sip. */
  (void)arg;
  csr_set(sip, MIP_SSIP);
  return 0;
}

static u32 in_s_enable_sie(u32 arg) {
  (void)arg;
  csr_set(sstatus, MSTATUS_SIE);
  __asm__ volatile("nop");
  csr_clear(sstatus, MSTATUS_SIE);
  return 0;
}

static u32 nothing(u32 arg) { return arg; }

static void interrupts(void) {
  csr_write(stvec, (u32)(uptr)s_trap_vector);
  s_trap_hook = s_irq;
  m_trap_hook = m_irq;
  csr_write(mideleg, MIP_SSIP);
  say("mideleg readback", csr_read(mideleg) & MIP_STANDARD_MASK);
  csr_write(mie, MIP_SSIP);

  line("delegated SSIP raised in S with SIE=0: stays pending");
  csr_clear(sstatus, MSTATUS_SIE);
  enter_mode(PRV_S, raise_ssip, 0, 0);
  say("  sip.SSIP", (csr_read(sip) & MIP_SSIP) != 0);
  line("S sets SIE: taken in S");
  enter_mode(PRV_S, in_s_enable_sie, 0, 0);
  line("pending delegated SSIP, M-mode with MIE=1: not taken in M");
  csr_set(mip, MIP_SSIP);
  csr_set(mstatus, MSTATUS_MIE);
  __asm__ volatile("nop");
  csr_clear(mstatus, MSTATUS_MIE);
  say("  still pending", (csr_read(mip) & MIP_SSIP) != 0);
  line("drop to U with SIE=0: taken in S at once");
  enter_mode(PRV_U, nothing, 0, 0);

  line("undelegated SSIP, S cannot set it through sip");
  csr_write(mideleg, 0);
  enter_mode(PRV_S, raise_ssip, 0, 0);
  say("  mip.SSIP", (csr_read(mip) & MIP_SSIP) != 0);
  line("undelegated SSIP pending, drop to S with MIE=0: taken in M");
  csr_set(mip, MIP_SSIP);
  enter_mode(PRV_S, nothing, 0, 0);
  line("undelegated SSIP pending in M with MIE=0: not taken");
  csr_set(mip, MIP_SSIP);
  __asm__ volatile("nop");
  say("  still pending", (csr_read(mip) & MIP_SSIP) != 0);
  line("M sets MIE: taken in M");
  csr_set(mstatus, MSTATUS_MIE);
  __asm__ volatile("nop");
  csr_clear(mstatus, MSTATUS_MIE);

  csr_write(mie, 0);
  csr_write(mideleg, 0);
  s_trap_hook = 0;
  m_trap_hook = 0;
  say("S interrupts", s_irqs);
  say("M interrupts", m_irqs);
}

int main(void) {
  exceptions();
  interrupts();
  pass();
}
