/* Default M and S trap handlers: print the trap in a fixed format, count it
   and resume after the faulting instruction, so tests can provoke traps in a
   row. Privileged spec 1.12 sections 3.1.14-3.1.16 (mepc, mcause, mtval). */
#include "runtime.h"

volatile trap_hook_t m_trap_hook;
volatile trap_hook_t s_trap_hook;
volatile u32 m_trap_count;
volatile u32 s_trap_count;
volatile u32 last_cause, last_epc, last_tval;
volatile int trap_quiet;
volatile int trap_hide_tval;

/* No program takes this many traps on purpose: stop a handler loop early. */
#define TRAP_STORM 2000

extern char enter_mode_resume[];
/* start.S: ra, sp, s0-s11, gp, tp, then mstatus at enter_mode()/sret_into(). */
extern u32 mode_ctx[17];
extern char __strap_stack_top[];

static int is_ecall(u32 cause) {
  return cause == CAUSE_USER_ECALL || cause == CAUSE_SUPERVISOR_ECALL ||
         cause == CAUSE_MACHINE_ECALL;
}

static void print_trap(const char *prefix, const char *x, struct trap_frame *f) {
  if (trap_quiet) return;
  puts(prefix);
  puts(" ");
  puts(x);
  puts("cause=");
  put_hex(f->cause);
  puts(" ");
  puts(x);
  puts("epc=");
  put_hex(f->epc);
  /* A breakpoint's tval may be the pc or zero (3.1.16): never printed. */
  if (!trap_hide_tval && f->cause != CAUSE_BREAKPOINT) {
    puts(" ");
    puts(x);
    puts("tval=");
    put_hex(f->tval);
  }
  putc('\n');
}

/* Where to resume after a synchronous trap: after the instruction, or for a
   fetch fault (the target was never executed) back at the caller (ra). */
static u32 resume_pc(struct trap_frame *f, u16 first_halfword) {
  if (f->cause == CAUSE_FETCH_ACCESS || f->cause == CAUSE_FETCH_PAGE_FAULT ||
      f->cause == CAUSE_MISALIGNED_FETCH)
    return f->regs[REG_RA];
  return f->epc + insn_length(first_halfword);
}

void m_trap_handler(struct trap_frame *f) {
  if (is_ecall(f->cause) && f->regs[REG_A7] == MODE_EXIT_MAGIC) {
    /* Back to M with the caller's MIE (mret sets MIE from MPIE). */
    f->epc = (u32)(uptr)enter_mode_resume;
    f->status |= MSTATUS_MPP;
    f->status &= ~MSTATUS_MPIE;
    if (mode_ctx[16] & MSTATUS_MIE) f->status |= MSTATUS_MPIE;
    /* An exit forwarded from inside the S handler abandons its frame: give
       the S vector its stack back (start.S keeps sscratch 0 inside it). */
    if (csr_read(sscratch) == 0) csr_write(sscratch, (u32)(uptr)__strap_stack_top);
    return;
  }
  if (is_ecall(f->cause) && f->regs[REG_A7] == WHOAMI_MAGIC) {
    f->regs[REG_A0] = f->cause == CAUSE_USER_ECALL         ? PRV_U
                      : f->cause == CAUSE_SUPERVISOR_ECALL ? PRV_S
                                                           : PRV_M;
    f->epc += 4;
    return;
  }
  trap_hook_t hook = m_trap_hook;
  if (hook && hook(f)) return;
  if (++m_trap_count > TRAP_STORM) fail("trap storm in M");
  last_cause = f->cause;
  last_epc = f->epc;
  last_tval = f->tval;
  print_trap("trap", "m", f);
  if (f->cause & CAUSE_INTERRUPT) fail("unexpected interrupt in M");
  u16 h = 0;
  if (f->cause != CAUSE_FETCH_ACCESS && f->cause != CAUSE_FETCH_PAGE_FAULT)
    h = *(volatile u16 *)(uptr)f->epc;
  f->epc = resume_pc(f, h);
}

void s_trap_handler(struct trap_frame *f) {
  if (f->cause == CAUSE_USER_ECALL && f->regs[REG_A7] == MODE_EXIT_MAGIC) {
    /* Forward the exit to M (the user ecall was delegated to S). */
    register u32 a0 __asm__("a0") = f->regs[REG_A0];
    register u32 a7 __asm__("a7") = MODE_EXIT_MAGIC;
    __asm__ volatile("ecall" : : "r"(a0), "r"(a7) : "memory");
  }
  if (f->cause == CAUSE_USER_ECALL && f->regs[REG_A7] == WHOAMI_MAGIC) {
    f->regs[REG_A0] = PRV_U;
    f->epc += 4;
    return;
  }
  trap_hook_t hook = s_trap_hook;
  if (hook && hook(f)) return;
  if (++s_trap_count > TRAP_STORM) fail("trap storm in S");
  last_cause = f->cause;
  last_epc = f->epc;
  last_tval = f->tval;
  print_trap("strap", "s", f);
  if (f->cause & CAUSE_INTERRUPT) fail("unexpected interrupt in S");
  u16 h = 0;
  if (f->cause != CAUSE_FETCH_ACCESS && f->cause != CAUSE_FETCH_PAGE_FAULT) {
    /* U-mode code may sit on pages S cannot read without SUM. */
    u32 old = csr_read(sstatus);
    csr_set(sstatus, MSTATUS_SUM | MSTATUS_MXR);
    h = *(volatile u16 *)(uptr)f->epc;
    csr_write(sstatus, old);
  }
  f->epc = resume_pc(f, h);
}
