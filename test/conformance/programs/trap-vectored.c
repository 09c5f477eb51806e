/*
 * Vectored trap vectors (privileged spec 1.12, 3.1.7 and 4.1.2): with
 * xtvec.MODE = 1, synchronous exceptions go to BASE and interrupts to
 * BASE + 4 * cause, for M (mtvec) and for S (stvec). Each table slot records
 * its index and then enters the runtime's usual handler with every register
 * as it was.
 */
#include "runtime.h"

volatile u32 m_slot = 0xff, s_slot = 0xff;

/* 16 slots of 4-byte jumps; stubs save t0/t1 on the trap stack (mscratch or
   sscratch), record the slot, restore, and fall into the normal vector. */
__asm__(".macro VSTUB x, i, target, var\n"
        "\\x\\()_stub_\\i:\n"
        "  csrrw sp, \\x\\()scratch, sp\n"
        "  addi sp, sp, -16\n"
        "  sw t0, 0(sp)\n"
        "  sw t1, 4(sp)\n"
        "  li t0, \\i\n"
        "  la t1, \\var\n"
        "  sw t0, 0(t1)\n"
        "  lw t0, 0(sp)\n"
        "  lw t1, 4(sp)\n"
        "  addi sp, sp, 16\n"
        "  csrrw sp, \\x\\()scratch, sp\n"
        "  j \\target\n"
        ".endm\n"
        ".macro VTABLE x, target, var\n"
        "  .balign 256\n"
        "  .globl \\x\\()_vector_table\n"
        "\\x\\()_vector_table:\n"
        "  .option push\n"
        "  .option norvc\n"
        "  .irp i, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"
        "  j \\x\\()_stub_\\i\n"
        "  .endr\n"
        "  .option pop\n"
        "  .irp i, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"
        "  VSTUB \\x, \\i, \\target, \\var\n"
        "  .endr\n"
        ".endm\n"
        ".text\n"
        "VTABLE m, m_trap_vector, m_slot\n"
        "VTABLE s, s_trap_vector, s_slot\n");

extern char m_vector_table[], s_vector_table[];

static volatile u32 m_seen[8], s_seen[8];
static volatile u32 m_n, s_n;

static int m_hook(struct trap_frame *f) {
  if (m_n < 8) m_seen[m_n++] = (f->cause << 8) | m_slot;
  m_slot = 0xff;
  if (f->cause & CAUSE_INTERRUPT) {
    switch (f->cause & 0x1f) {
    case IRQ_M_SOFT: mmio_write32(CLINT_MSIP, 0); break;
    case IRQ_M_TIMER:
      mmio_write32(CLINT_MTIMECMP + 4, 0xffffffff);
      mmio_write32(CLINT_MTIMECMP, 0xffffffff);
      break;
    default: csr_clear(mip, 1u << (f->cause & 0x1f)); break;
    }
    while (csr_read(mip) & (1u << (f->cause & 0x1f))) {
    }
    return 1;
  }
  if (f->cause == CAUSE_MACHINE_ECALL || f->cause == CAUSE_ILLEGAL_INSTRUCTION) {
    f->epc += 4;
    return 1;
  }
  return 0;
}

static int s_hook(struct trap_frame *f) {
  if (s_n < 8) s_seen[s_n++] = (f->cause << 8) | s_slot;
  s_slot = 0xff;
  if (f->cause & CAUSE_INTERRUPT) {
    csr_clear(sip, MIP_SSIP);
    return 1;
  }
  if (f->cause == CAUSE_USER_ECALL) {
    f->epc += 4;
    return 1;
  }
  return 0;
}

static void report(const char *who, volatile u32 *seen, volatile u32 *n) {
  for (u32 i = 0; i < *n; i++) {
    puts(who);
    puts(" cause ");
    put_hex(seen[i] >> 8);
    puts(" -> slot ");
    put_udec(seen[i] & 0xff);
    putc('\n');
  }
  *n = 0;
}

static u32 user_ecall(u32 arg) {
  (void)arg;
  __asm__ volatile("li a7, 2\n ecall" : : : "a7", "memory");
  return 0;
}

static u32 s_idle(u32 arg) {
  (void)arg;
  csr_set(sstatus, MSTATUS_SIE);
  __asm__ volatile("nop");
  csr_clear(sstatus, MSTATUS_SIE);
  return 0;
}

int main(void) {
  u32 saved = csr_read(mtvec);
  m_trap_hook = m_hook;
  s_trap_hook = s_hook;
  csr_write(mtvec, (u32)(uptr)m_vector_table | 1);
  say("mtvec mode", csr_read(mtvec) & 3);

  line("-- M: exceptions use BASE");
  __asm__ volatile("ecall" : : : "memory");
  __asm__ volatile(".4byte 0x0000000b" : : : "memory");
  report("M", m_seen, &m_n);

  line("-- M: interrupts use BASE + 4 * cause");
  csr_write(mie, MIP_MSIP | MIP_MTIP | MIP_SSIP | MIP_SEIP | MIP_STIP);
  mmio_write32(CLINT_MSIP, 1);
  while (!(csr_read(mip) & MIP_MSIP)) {
  }
  csr_set(mstatus, MSTATUS_MIE);
  csr_clear(mstatus, MSTATUS_MIE);
  mmio_write32(CLINT_MTIMECMP + 4, 0);
  mmio_write32(CLINT_MTIMECMP, 0);
  while (!(csr_read(mip) & MIP_MTIP)) {
  }
  csr_set(mstatus, MSTATUS_MIE);
  csr_clear(mstatus, MSTATUS_MIE);
  csr_set(mip, MIP_SSIP);
  csr_set(mstatus, MSTATUS_MIE);
  csr_clear(mstatus, MSTATUS_MIE);
  csr_set(mip, MIP_STIP);
  csr_set(mstatus, MSTATUS_MIE);
  csr_clear(mstatus, MSTATUS_MIE);
  csr_set(mip, MIP_SEIP);
  csr_set(mstatus, MSTATUS_MIE);
  csr_clear(mstatus, MSTATUS_MIE);
  csr_write(mie, 0);
  report("M", m_seen, &m_n);

  line("-- S: vectored stvec");
  csr_write(stvec, (u32)(uptr)s_vector_table | 1);
  say("stvec mode", csr_read(stvec) & 3);
  csr_write(medeleg, 1u << CAUSE_USER_ECALL);
  csr_write(mideleg, MIP_SSIP);
  csr_write(mie, MIP_SSIP);
  enter_mode(PRV_U, user_ecall, 0, 0);
  csr_set(mip, MIP_SSIP);
  enter_mode(PRV_S, s_idle, 0, 0);
  csr_write(mie, 0);
  csr_write(mideleg, 0);
  csr_write(medeleg, 0);
  report("S", s_seen, &s_n);

  csr_write(mtvec, saved);
  m_trap_hook = 0;
  s_trap_hook = 0;
  pass();
}
