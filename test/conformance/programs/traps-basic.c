/*
 * Synchronous traps taken in M-mode (privileged spec 1.12, 3.1.15-3.1.16):
 * illegal instructions (reserved opcodes and funct fields, RV64-only forms,
 * reserved compressed encodings, floating-point instructions, which must trap
 * with mstatus.FS = Off and on a hart without F/D) with mtval = the
 * instruction bits; EBREAK and C.EBREAK (cause 3; mtval not printed, the spec
 * allows the pc or zero); ECALL from M (cause 11, mtval 0). mepc is the
 * address of the trapping instruction each time.
 */
#include "runtime.h"

#define ILLEGAL32(bits) __asm__ volatile(".4byte " #bits)
#define ILLEGAL16(bits) __asm__ volatile(".2byte " #bits "\n .2byte 0x0001" /* c.nop */)

static void illegal(void) {
  line("illegal 32-bit");
  ILLEGAL32(0x0000000b); /* custom-0 opcode */
  ILLEGAL32(0xfe000033); /* OP with funct7 = 0x7f */
  ILLEGAL32(0x02051513); /* slli a0, a0, 32: shamt[5] reserved on RV32 */
  ILLEGAL32(0x00053503); /* ld: RV64 only */
  ILLEGAL32(0x00053023 | (3 << 12)); /* sd: RV64 only */
  ILLEGAL32(0x0005051b); /* addiw: RV64 only */
  ILLEGAL32(0x00002063); /* branch funct3 = 2 */
  ILLEGAL32(0x00001067); /* jalr funct3 = 1 */
  ILLEGAL32(0x0005b52f); /* amoadd.d: RV64 only */
  ILLEGAL32(0xf805a52f); /* AMO funct5 = 0x1f */
  ILLEGAL32(0x0205d53b); /* divuw: RV64 only */
  ILLEGAL32(0x00042007); /* flw ft0, 0(s0) */
  ILLEGAL32(0x00c5f553); /* fadd.s */
  ILLEGAL32(0x00353027); /* fsd */
  ILLEGAL32(0x30200073 | (1 << 7)); /* mret with rd != 0 */
  ILLEGAL32(0x00000073 | (1 << 20) | (1 << 15)); /* ebreak with rs1 != 0 */
  line("illegal 16-bit");
  ILLEGAL16(0x0000); /* all zeros: defined illegal */
  ILLEGAL16(0x6101); /* c.addi16sp 0: reserved */
  ILLEGAL16(0x6081); /* c.lui ra, 0: reserved */
  ILLEGAL16(0x8002); /* c.jr x0: reserved */
  ILLEGAL16(0x4002); /* c.lwsp x0: reserved */
  ILLEGAL16(0x2008); /* c.fld */
  ILLEGAL16(0x6008); /* c.flw */
  ILLEGAL16(0xa008); /* c.fsd */
  ILLEGAL16(0xe008); /* c.fsw */
  ILLEGAL16(0x2002); /* c.fldsp */
  ILLEGAL16(0x6002); /* c.flwsp */
  say("illegal traps", m_trap_count);
}

static void breakpoints_and_ecall(void) {
  u32 before = m_trap_count;
  trap_hide_tval = 1;
  line("ebreak");
  __asm__ volatile("ebreak");
  line("c.ebreak");
  __asm__ volatile(".2byte 0x9002\n .2byte 0x0001");
  trap_hide_tval = 0;
  line("ecall from M");
  __asm__ volatile("li a7, 0\n ecall" : : : "a7", "memory");
  say("traps", m_trap_count - before);
}

/* A hook that inspects the frame: registers other than the ones the handler
   is allowed to change come back intact after the trap. */
static int keep_regs_hook(struct trap_frame *f) {
  if (f->cause != CAUSE_BREAKPOINT) return 0;
  f->regs[REG_A0] = f->regs[REG_A1] + 1; /* the handler may edit the frame */
  f->epc += insn_length(*(volatile u16 *)(uptr)f->epc);
  return 1;
}

static void registers_survive(void) {
  m_trap_hook = keep_regs_hook;
  u32 a0, a1 = 0x1234, s1 = 0x5678, t6 = 0x9abc;
  __asm__ volatile("mv s1, %3\n mv t6, %4\n ebreak\n mv %1, s1\n mv %2, t6"
                   : "=r"(a0), "+r"(s1), "+r"(t6)
                   : "r"(s1), "r"(t6), "r"(a1)
                   : "s1", "t6");
  m_trap_hook = 0;
  __asm__ volatile("" : : "r"(a1));
  say("s1 after trap", s1);
  say("t6 after trap", t6);
}

/* A trap taken inside a trap handler: the hardware overwrites mepc/mcause/
   mtval, and the outer handler, which saved them, still returns correctly. */
static volatile u32 inner_cause;
static int nested_hook(struct trap_frame *f) {
  if (f->cause == CAUSE_BREAKPOINT) {
    m_trap_hook = 0; /* the inner trap goes to the default handler */
    __asm__ volatile(".4byte 0xfe000033"); /* illegal, inside the handler */
    inner_cause = csr_read(mcause);
    f->epc += insn_length(*(volatile u16 *)(uptr)f->epc);
    return 1;
  }
  return 0;
}

static void nested(void) {
  line("nested trap");
  m_trap_hook = nested_hook;
  u32 marker = 0;
  __asm__ volatile("ebreak\n li %0, 0x4e" : "+r"(marker));
  say("mcause seen after the inner trap", inner_cause);
  say("outer resumed", marker);
}

static void exception_state(void) {
  /* A trap saves MIE into MPIE, clears MIE, and sets MPP to the old mode. */
  csr_clear(mstatus, MSTATUS_MPP | MSTATUS_MPIE);
  csr_set(mstatus, MSTATUS_MIE);
  trap_quiet = 1;
  __asm__ volatile("ecall");
  trap_quiet = 0;
  /* After mret: MIE = MPIE (1), MPIE = 1, MPP = U (privileged spec 3.1.6.1). */
  u32 s = csr_read(mstatus);
  csr_clear(mstatus, MSTATUS_MIE);
  say("mstatus after trap+mret", s & MSTATUS_COMMON_MASK);
  say("mcause", csr_read(mcause));
  say("mtval", csr_read(mtval));
}

int main(void) {
  illegal();
  breakpoints_and_ecall();
  registers_survive();
  nested();
  exception_state();
  pass();
}
