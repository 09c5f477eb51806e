/*
 * CLINT interrupts (privileged spec 1.12 3.1.9 and 3.2.1; SiFive CLINT layout
 * as on QEMU virt): the machine software interrupt (msip), the machine timer
 * (mtimecmp against mtime), WFI waking on a pending enabled interrupt even with
 * mstatus.MIE = 0 (3.3.3), interrupts taken at once when MIE is set (mepc =
 * the next instruction), WFI with MIE = 1 trapping with mepc after the WFI,
 * the fixed priority order MEI > MSI > MTI > SEI > SSI > STI (3.1.9) on the
 * subsets where QEMU 7.2 agrees (it takes the lowest-numbered pending
 * interrupt first without AIA, so SSI before MSI, STI before MTI), M-level
 * before S-level interrupts, and a timer interrupt forwarded to S through STIP. Nothing depends on how fast time
 * runs: every wait is a WFI or a bounded poll, and no time value is printed.
 */
#include "runtime.h"

/* 100 ms at QEMU's 10 MHz timebase: long enough that the code between arming
   the timer and the WFI it is meant to wake always runs first. */
#define TIMER_DELAY 1000000

static void set_mtimecmp(u64 v) {
  /* Write high to max first so no spurious match happens in between. */
  mmio_write32(CLINT_MTIMECMP + 4, 0xffffffff);
  mmio_write32(CLINT_MTIMECMP, (u32)v);
  mmio_write32(CLINT_MTIMECMP + 4, (u32)(v >> 32));
}

static u64 read_mtime(void) {
  u32 hi, lo;
  do {
    hi = mmio_read32(CLINT_MTIME + 4);
    lo = mmio_read32(CLINT_MTIME);
  } while (hi != mmio_read32(CLINT_MTIME + 4));
  return ((u64)hi << 32) | lo;
}

/* Waits (bounded) until the mip bits in `mask` read as `want`. */
static int wait_mip(u32 mask, u32 want) {
  for (u32 i = 0; i < 1000000; i++)
    if ((csr_read(mip) & mask) == want) return 1;
  return 0;
}

static volatile u32 order[8];
static volatile u32 norder;
static volatile u32 irq_epc;

static int m_irq(struct trap_frame *f) {
  if (!(f->cause & CAUSE_INTERRUPT)) return 0;
  u32 code = f->cause & 0x1f;
  if (norder < 8) order[norder++] = f->cause;
  irq_epc = f->epc;
  switch (code) {
  case IRQ_M_SOFT: mmio_write32(CLINT_MSIP, 0); break;
  case IRQ_M_TIMER: set_mtimecmp(~0ull); break;
  case IRQ_S_EXT: csr_clear(mip, MIP_SEIP); break;
  case IRQ_S_SOFT: csr_clear(mip, MIP_SSIP); break;
  case IRQ_S_TIMER: csr_clear(mip, MIP_STIP); break;
  default: fail("unexpected interrupt");
  }
  if (!wait_mip(1u << code, 0)) fail("interrupt source did not clear");
  return 1;
}

static void print_order(const char *what) {
  puts(what);
  puts(":");
  for (u32 i = 0; i < norder; i++) {
    putc(' ');
    put_hex(order[i]);
  }
  putc('\n');
  norder = 0;
}

static void software(void) {
  line("-- msip");
  say("msip reads", mmio_read32(CLINT_MSIP));
  /* Only bit 0 of msip is implemented. */
  mmio_write32(CLINT_MSIP, 0xfffffffe);
  say("msip after write ~1", mmio_read32(CLINT_MSIP));
  say("mip.MSIP", (csr_read(mip) & MIP_MSIP) != 0);
  csr_write(mie, MIP_MSIP);
  mmio_write32(CLINT_MSIP, 1);
  say("msip after write 1", mmio_read32(CLINT_MSIP));
  __asm__ volatile("wfi");
  say("mip.MSIP after wfi", (csr_read(mip) & MIP_MSIP) != 0);
  csr_clear(mip, MIP_MSIP);
  say("mip.MSIP is read-only", (csr_read(mip) & MIP_MSIP) != 0);
  u32 after;
  __asm__ volatile("csrsi mstatus, 8\n 1: csrci mstatus, 8\n la %0, 1b" : "=r"(after));
  print_order("taken");
  say("mepc - after csrsi", irq_epc - after);
  say("msip after handler", mmio_read32(CLINT_MSIP));
  csr_write(mie, 0);
}

static void timer(void) {
  line("-- mtimecmp");
  set_mtimecmp(0x123456789abcull);
  say("mtimecmp lo", mmio_read32(CLINT_MTIMECMP));
  say("mtimecmp hi", mmio_read32(CLINT_MTIMECMP + 4));
  set_mtimecmp(~0ull);
  u64 t0 = read_mtime();
  int advanced = 0;
  for (u32 i = 0; i < 1000000 && !advanced; i++) advanced = read_mtime() != t0;
  say("mtime advances", advanced);
  say("MTIP with mtimecmp = max", (csr_read(mip) & MIP_MTIP) != 0);

  line("-- timer in the future, wfi with MIE=0");
  csr_write(mie, MIP_MTIP);
  set_mtimecmp(read_mtime() + TIMER_DELAY);
  __asm__ volatile("wfi");
  say("woke with MTIP", wait_mip(MIP_MTIP, MIP_MTIP));
  u32 after;
  __asm__ volatile("csrsi mstatus, 8\n 1: csrci mstatus, 8\n la %0, 1b" : "=r"(after));
  print_order("taken");
  say("mepc - after csrsi", irq_epc - after);

  line("-- mtimecmp in the past: pending at once");
  set_mtimecmp(0);
  say("MTIP", wait_mip(MIP_MTIP, MIP_MTIP));
  set_mtimecmp(~0ull);
  say("MTIP cleared by a later mtimecmp", wait_mip(MIP_MTIP, 0));

  line("-- wfi with MIE=1: trap after the wfi");
  set_mtimecmp(read_mtime() + TIMER_DELAY);
  csr_set(mstatus, MSTATUS_MIE);
  __asm__ volatile("wfi\n 1: la %0, 1b" : "=r"(after));
  csr_clear(mstatus, MSTATUS_MIE);
  print_order("taken");
  say("mepc - after wfi", irq_epc - after);
  csr_write(mie, 0);
}

static void take_all(const char *what, u32 mie_bits) {
  csr_write(mie, mie_bits);
  if (!wait_mip(mie_bits, mie_bits)) fail("lines not pending");
  csr_set(mstatus, MSTATUS_MIE);
  __asm__ volatile("nop");
  csr_clear(mstatus, MSTATUS_MIE);
  csr_write(mie, 0);
  print_order(what);
}

static void priority(void) {
  line("-- priority");
  mmio_write32(CLINT_MSIP, 1);
  set_mtimecmp(0);
  csr_set(mip, MIP_SEIP);
  take_all("MSI MTI SEI", MIP_MSIP | MIP_MTIP | MIP_SEIP);
  csr_set(mip, MIP_SSIP | MIP_STIP);
  take_all("SSI STI", MIP_SSIP | MIP_STIP);
}

/* In S with SIE = 1: an undelegated M-level interrupt (MTI) is taken before a
   delegated S-level one (SSI), whatever their numbers. */
static volatile u32 s_soft_irqs;
static int s_soft(struct trap_frame *f) {
  if (f->cause != (CAUSE_INTERRUPT | IRQ_S_SOFT)) return 0;
  if (norder < 8) order[norder++] = f->cause;
  s_soft_irqs++;
  csr_clear(sip, MIP_SSIP);
  return 1;
}

static u32 s_enable(u32 arg) {
  (void)arg;
  csr_set(sstatus, MSTATUS_SIE);
  __asm__ volatile("nop");
  csr_clear(sstatus, MSTATUS_SIE);
  return s_soft_irqs;
}

static void levels(void) {
  line("-- M-level before S-level");
  csr_write(stvec, (u32)(uptr)s_trap_vector);
  s_trap_hook = s_soft;
  csr_write(mideleg, MIP_SSIP);
  csr_write(mie, MIP_MTIP | MIP_SSIP);
  csr_set(mip, MIP_SSIP);
  set_mtimecmp(0);
  if (!wait_mip(MIP_MTIP, MIP_MTIP)) fail("MTIP not pending");
  enter_mode(PRV_S, s_enable, 0, 0);
  print_order("order");
  csr_write(mie, 0);
  csr_write(mideleg, 0);
  s_trap_hook = 0;
}

/* ---- timer forwarded to S via STIP ---- */
#define CLEAR_STIP_MAGIC 0x57195719u
static volatile u32 s_timer_irqs;

static int s_timer(struct trap_frame *f) {
  if (f->cause != (CAUSE_INTERRUPT | IRQ_S_TIMER)) return 0;
  s_timer_irqs++;
  puts("S: scause=");
  put_hex(f->cause);
  putc('\n');
  /* Ask M to clear STIP (S cannot write it), like an SBI set_timer call. */
  register u32 a7 __asm__("a7") = CLEAR_STIP_MAGIC;
  __asm__ volatile("ecall" : : "r"(a7) : "memory");
  return 1;
}

static int m_timer_to_s(struct trap_frame *f) {
  if (f->cause == (CAUSE_INTERRUPT | IRQ_M_TIMER)) {
    /* Hand the tick to S, as an SBI implementation does. */
    set_mtimecmp(~0ull);
    csr_set(mip, MIP_STIP);
    puts("M: mcause=");
    put_hex(f->cause);
    puts(" -> STIP\n");
    if (!wait_mip(MIP_MTIP, 0)) fail("MTIP stuck");
    return 1;
  }
  if (f->cause == CAUSE_SUPERVISOR_ECALL && f->regs[REG_A7] == CLEAR_STIP_MAGIC) {
    csr_clear(mip, MIP_STIP);
    f->epc += 4;
    return 1;
  }
  return 0;
}

static u32 s_wait_for_tick(u32 arg) {
  (void)arg;
  csr_set(sstatus, MSTATUS_SIE);
  while (s_timer_irqs == 0) __asm__ volatile("wfi");
  csr_clear(sstatus, MSTATUS_SIE);
  return s_timer_irqs;
}

static void supervisor_timer(void) {
  line("-- timer forwarded to S");
  m_trap_hook = m_timer_to_s;
  s_trap_hook = s_timer;
  csr_write(stvec, (u32)(uptr)s_trap_vector);
  csr_write(mideleg, MIP_STIP);
  csr_write(mie, MIP_MTIP | MIP_STIP);
  set_mtimecmp(read_mtime() + TIMER_DELAY);
  say("S ticks", enter_mode(PRV_S, s_wait_for_tick, 0, 0));
  csr_write(mie, 0);
  csr_write(mideleg, 0);
  m_trap_hook = 0;
  s_trap_hook = 0;
}

int main(void) {
  m_trap_hook = m_irq;
  software();
  timer();
  priority();
  levels();
  m_trap_hook = 0;
  supervisor_timer();
  say("mip at end", csr_read(mip) & MIP_STANDARD_MASK);
  pass();
}
